"""Personal API tokens over HTTP (`Authorization: Bearer art_…`), and throttling per token."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from trains.services import api_token_authenticate


class TokenAuthentication(authentication.BaseAuthentication):
    """A personal token: it acts as its user, with exactly the user's roles."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may still authenticate the request
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after 'Bearer ', with no spaces in it."))
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("That token is not valid.")) from error
        token = api_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("That token is unknown, revoked or expired."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes an unauthenticated call a 401 (with this challenge), not a 403.
        return f'{self.keyword} realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "trains.api.auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (art_…)."}


class PerTokenThrottle(throttling.UserRateThrottle):
    """Calls per token (a user's tokens are throttled apart; the browser session by user)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if request.user is None or not request.user.is_authenticated:
            return None  # anonymous callers: AnonRateThrottle, by address
        token = request.auth
        ident = f"token-{token.pk}" if getattr(token, "pk", None) else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
