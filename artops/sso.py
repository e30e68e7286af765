"""Single sign-on with the company's OpenID Connect provider (Keycloak, Entra ID, Okta, Google, …).

The client is mozilla-django-oidc: small (two views and an authentication backend, about a thousand
lines), kept up by Mozilla, configured from settings, and it does the authorization-code flow with
state, nonce and PKCE and checks the ID token's signature against the provider's keys (JWKS).
django-allauth would bring its own accounts, sign-up, e-mail confirmation and providers kept in the
database: ARTops keeps Django's accounts, and its one provider comes from environment variables.

What ARTops adds on top of the library, which leaves these to the project:
- the endpoints come from the issuer's discovery document (OIDC_ISSUER), fetched once per process
  and kept; any of them can be given explicitly instead;
- the ID token must be addressed to this client (`aud`, `azp`) by the configured issuer (`iss`), and
  the userinfo's `sub` must be the token's (OIDC Core §3.1.3.7, §5.3.2); the library checks none;
- who signs in (`account_for_sign_on`): the account already linked to (issuer, sub); else, on the
  first sign-on, the local account with that e-mail when the provider says it is verified
  (`email_verified: true`), refused when two accounts share it; else a new account.

Nothing here reads or writes a Membership (this module imports nothing of trains): a role on a train
is given by the train's RTE, never by signing in, so a new account sees "no role on any train".
"""

import logging
import re
import threading
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .models import SignOnIdentity

LOGGER = logging.getLogger(__name__)

# Every call to the provider (discovery, token, keys, userinfo) gives up after this long: a provider
# that hangs must not hold a web worker.
TIMEOUT_SECONDS = 10

NOT_SIGNED_IN = "Single sign-on did not sign you in. Try again, or log in with your username and password."
UNREACHABLE = (
    "The sign-in service cannot be reached just now. Try again in a moment, or log in with your "
    "username and password."
)
STATE_REFUSED = (
    "That sign-in answer does not belong to a sign-in started in this browser, so it was refused. "
    "Start again with the sign-in button."
)


def sso_enabled() -> bool:
    return bool(settings.OIDC_CLIENT_ID)


class ProviderUnavailable(Exception):
    """The identity provider could not be reached, or its discovery document is not usable."""


class SignOnRefused(SuspiciousOperation):
    """A sign-on that must not go through; its message is said to the person signing in."""


# --- the provider's endpoints -----------------------------------------------------------------------

_discovered: dict[str, dict] = {}
_discovery_lock = threading.Lock()

# The library's setting → ARTops's explicit setting, and the key in the discovery document.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": ("OIDC_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    "OIDC_OP_TOKEN_ENDPOINT": ("OIDC_TOKEN_ENDPOINT", "token_endpoint"),
    "OIDC_OP_USER_ENDPOINT": ("OIDC_USERINFO_ENDPOINT", "userinfo_endpoint"),
    "OIDC_OP_JWKS_ENDPOINT": ("OIDC_JWKS_URI", "jwks_uri"),
}


def discovery(issuer: str) -> dict:
    """The provider's discovery document, fetched on first use and kept for the process's life.

    Held under a lock so that concurrent first sign-ons make one request; a failed fetch is not
    kept, so the next sign-on tries again."""
    with _discovery_lock:
        if issuer not in _discovered:
            _discovered[issuer] = _fetch_discovery(issuer)
        return _discovered[issuer]


def _fetch_discovery(issuer: str) -> dict:
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {exc}") from exc
    # OIDC Discovery §4.3: the document must name the issuer it was fetched for, else an attacker
    # who can answer for that URL could point the flow at their own endpoints.
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderUnavailable(f"{url} names another issuer: {document.get('issuer')!r}")
    missing = [key for _, key in ENDPOINTS.values() if not document.get(key)]
    if missing:
        raise ProviderUnavailable(f"{url} has no {', '.join(missing)}")
    return document


def _endpoint(library_name: str) -> str:
    explicit_name, key = ENDPOINTS[library_name]
    return getattr(settings, explicit_name) or discovery(settings.OIDC_ISSUER)[key]


# The protocol's choices are made here, not in settings: PKCE (S256) and a nonce on every flow, the
# client's secret sent with HTTP Basic (RFC 6749 §2.3.1: every provider must accept it).
FIXED = {
    "OIDC_RP_SCOPES": "openid email profile",
    "OIDC_USE_NONCE": True,
    "OIDC_USE_PKCE": True,
    "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
    "OIDC_TOKEN_USE_BASIC_AUTH": True,
    "OIDC_TIMEOUT": TIMEOUT_SECONDS,
    "OIDC_AUTHENTICATION_CALLBACK_URL": "sso-callback",
    "OIDC_REDIRECT_FIELD_NAME": "next",
    "OIDC_STORE_ACCESS_TOKEN": False,
    "OIDC_STORE_ID_TOKEN": False,
}


def library_setting(name: str, *default):
    """What mozilla-django-oidc asks of settings, answered from ARTops's own (settings.py)."""
    if name in ENDPOINTS:
        return _endpoint(name)
    if name in FIXED:
        return FIXED[name]
    ours = {
        "OIDC_RP_CLIENT_ID": "OIDC_CLIENT_ID",
        "OIDC_RP_CLIENT_SECRET": "OIDC_CLIENT_SECRET",
        "OIDC_RP_SIGN_ALGO": "OIDC_SIGN_ALGO",
    }.get(name)
    if ours:
        return getattr(settings, ours)
    return import_from_settings(name, *default)


# --- who signs in -----------------------------------------------------------------------------------


def account_for_sign_on(*, issuer: str, claims: dict):
    """The ARTops account the provider's person signs in as, linking or creating it the first time.

    Only a verified e-mail links to an existing account: an unverified one could be anyone's, and
    whoever set it would take over that account. Creates no Membership, whatever the claims say."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignOnRefused(
            "The sign-in service did not say who you are (no subject), so you were not signed in."
        )
    try:
        with transaction.atomic():
            return _linked_or_new_account(issuer=issuer, subject=subject, claims=claims)
    except IntegrityError:
        # The same person's first sign-on in two tabs at once: the other one linked it first.
        identity = (
            SignOnIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
        )
        if identity is None:
            raise
        return _active(identity.user)


def _linked_or_new_account(*, issuer: str, subject: str, claims: dict):
    User = get_user_model()
    identity = SignOnIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        return _active(identity.user)
    email = str(claims.get("email") or "").strip()
    # Exactly the JSON value true: "true" as a string, a missing claim (Entra ID sends none) or
    # anything else does not vouch for the address.
    verified = bool(email) and claims.get("email_verified") is True
    if verified:
        matches = list(User.objects.filter(email__iexact=email).order_by("pk")[:2])
        if len(matches) > 1:
            raise SignOnRefused(
                f"More than one ARTops account has the e-mail address {email}, so single sign-on cannot "
                "tell which one is yours. Log in with your username and password, or ask an administrator."
            )
        if matches:
            user = _active(matches[0])
            if SignOnIdentity.objects.filter(user=user, issuer=issuer).exists():
                raise SignOnRefused(
                    f"The ARTops account with the e-mail address {email} is already linked to another "
                    "account at the sign-in service. Ask an administrator."
                )
            SignOnIdentity.objects.create(user=user, issuer=issuer, subject=subject)
            LOGGER.info(
                "Single sign-on linked %s at %s to the account %s by verified e-mail", subject, issuer, user
            )
            return user
    user = User.objects.create_user(
        username=_free_username(claims),
        # An address the provider did not verify is not kept: it would later stand in the way of
        # its real owner's verified sign-on (two accounts sharing it) and receive their mail.
        email=email if verified else "",
        first_name=str(claims.get("given_name") or claims.get("name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150] if claims.get("given_name") else "",
    )
    SignOnIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    LOGGER.info("Single sign-on created the account %s for %s at %s", user, subject, issuer)
    return user


def _active(user):
    if not user.is_active:
        raise SignOnRefused("Your ARTops account is deactivated. Ask an administrator.")
    return user


def _free_username(claims: dict) -> str:
    """A readable username (people are @mentioned by it): the provider's login name, or the e-mail's
    local part, before any "@", made unique with -2, -3, …; never an existing account's."""
    wanted = str(claims.get("preferred_username") or claims.get("email") or "").split("@")[0]
    base = re.sub(r"[^\w.+-]", "", wanted)[:140] or "user"
    User = get_user_model()
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


# --- the library's backend and views, fitted -------------------------------------------------------


def _library(name: str) -> property:
    return property(lambda self: library_setting(name))


class SignOnBackend(OIDCAuthenticationBackend):
    """Signs in the person the provider vouches for, from the callback view only."""

    get_settings = staticmethod(library_setting)
    OIDC_OP_TOKEN_ENDPOINT = _library("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _library("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _library("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_CLIENT_ID = _library("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _library("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _library("OIDC_RP_SIGN_ALGO")
    OIDC_RP_IDP_SIGN_KEY = None  # the keys come from the provider's JWKS

    def __init__(self, *args, **kwargs):
        # The library reads every endpoint here. Django builds a backend for each request's
        # get_user(), which must never wait on (or fail with) the provider: they are read when used.
        self.UserModel = get_user_model()

    def authenticate(self, request, nonce=None, code_verifier=None, **credentials):
        # Only the callback view signs on this way, with the nonce it kept beside the state. A
        # username and password, or a `code` in another request's query string, are not ours.
        if request is None or credentials or nonce is None or not sso_enabled():
            return None
        return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)

    def get_or_create_user(self, access_token, id_token, payload):
        try:
            _check_id_token(payload)
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise SignOnRefused(NOT_SIGNED_IN)  # OIDC Core §5.3.2: another person's userinfo
            issuer = settings.OIDC_ISSUER or str(payload.get("iss", "")).rstrip("/")
            return account_for_sign_on(issuer=issuer, claims={**payload, **userinfo})
        except SignOnRefused as refusal:
            self.request.sso_refusal = str(refusal)
            raise

    def get_user(self, user_id):
        # Django's check, which the library's own get_user skips: a deactivated account's session
        # ends, as it does for a password login.
        return super(OIDCAuthenticationBackend, self).get_user(user_id)


def _check_id_token(payload: dict) -> None:
    """OIDC Core §3.1.3.7: the ID token is for this client, from the configured provider."""
    audience = payload.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    client_id = settings.OIDC_CLIENT_ID
    if client_id not in audiences or (len(audiences) > 1 and payload.get("azp") != client_id):
        raise SignOnRefused(NOT_SIGNED_IN)
    if settings.OIDC_ISSUER and str(payload.get("iss", "")).rstrip("/") != settings.OIDC_ISSUER:
        raise SignOnRefused(NOT_SIGNED_IN)


class _OnlyWhenEnabled:
    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)


class SignOnStartView(_OnlyWhenEnabled, OIDCAuthenticationRequestView):
    """The "Sign in with …" button: off to the provider with a new state, nonce and PKCE challenge."""

    get_settings = staticmethod(library_setting)
    OIDC_OP_AUTH_ENDPOINT = _library("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_RP_CLIENT_ID = _library("OIDC_RP_CLIENT_ID")

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoint is read when used (the library reads it here)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except ProviderUnavailable as exc:
            LOGGER.warning("Single sign-on cannot start: %s", exc)
            messages.error(request, UNREACHABLE)
            return redirect("login")


class SignOnCallbackView(_OnlyWhenEnabled, OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: the state, then the code, checked and exchanged."""

    get_settings = staticmethod(library_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state")
        if "code" in request.GET and state not in request.session.get("oidc_states", {}):
            # Not the answer to a sign-on this browser started (a forged or replayed callback, or
            # one from another browser): the code is never exchanged.
            LOGGER.warning("Single sign-on refused: the callback's state is not one this session started")
            request.sso_refusal = STATE_REFUSED
            return self.login_failure()
        try:
            return super().get(request)
        except SuspiciousOperation as refusal:
            # The ID token's nonce, algorithm or signature does not hold (the library raises).
            LOGGER.warning("Single sign-on refused: %s", refusal)
            request.sso_refusal = NOT_SIGNED_IN
            return self.login_failure()
        except (requests.RequestException, ProviderUnavailable) as exc:
            LOGGER.warning("Single sign-on could not reach the provider: %s", exc)
            request.sso_refusal = UNREACHABLE
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "sso_refusal", None)
        if reason is None and self.request.GET.get("error"):
            reason = f"The sign-in service did not sign you in ({self.request.GET['error'][:80]})."
        messages.error(self.request, reason or NOT_SIGNED_IN)
        return redirect("login")


class LoginView(auth_views.LoginView):
    """Django's username-and-password form, with the "Sign in with …" button beside it when single
    sign-on is configured."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if sso_enabled():
            next_url = context.get("next")
            context["sso_label"] = settings.OIDC_BUTTON_LABEL
            context["sso_query"] = f"?{urlencode({'next': next_url})}" if next_url else ""
        return context
