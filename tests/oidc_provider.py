"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit with OIDC on.

It is served by the test's live server beside the product (`urlpatterns` below is the test's
ROOT_URLCONF): discovery, authorization, token, userinfo and JWKS under /o/, signed with an RSA key
made for the run. It shares the test process's Django, so its sign-in page is the product's login
form and its people are accounts of the same user table ("idp-…", without e-mail, never matched
by anyone's address); their claims come from `DIRECTORY`, so each test says what the provider
asserts about them (the e-mail, whether it is verified).
"""

from django.urls import include, path
from jwcrypto import jwk
from oauth2_provider.oauth2_validators import OAuth2Validator

from artops import urls as product_urls

CLIENT_ID = "artops-test-client"
CLIENT_SECRET = "artops-test-client-secret"  # noqa: S105 - the test provider's own client

# The provider's directory: IdP username → the claims it asserts (besides `sub`, its account id).
DIRECTORY: dict[str, dict] = {}

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    *product_urls.urlpatterns,
]
handler404 = product_urls.handler404


class Validator(OAuth2Validator):
    """Puts the directory's claims in the ID token and the userinfo answer (filtered by scope)."""

    def get_additional_claims(self, request):
        return DIRECTORY.get(request.user.username, {})


def private_key_pem() -> str:
    return jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()


def provider_settings(*, issuer: str, private_key: str) -> dict:
    return {
        "OIDC_ENABLED": True,
        "OIDC_ISS_ENDPOINT": issuer,
        "OIDC_RSA_PRIVATE_KEY": private_key,
        "PKCE_REQUIRED": True,
        "SCOPES": {"openid": "Sign you in", "email": "Your e-mail address", "profile": "Your name"},
        "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.Validator",
    }
