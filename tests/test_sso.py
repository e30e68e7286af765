"""Single sign-on (artops/sso.py) against a real OpenID Connect provider over HTTP.

The provider is django-oauth-toolkit with OIDC on (tests/oidc_provider.py), served by the live
server at http://127.0.0.1:<port>/o; the product is the same server as http://localhost:<port>, so
the two keep their own cookies, as two sites would. A requests session plays the browser: it follows
the "Sign in with …" button, signs in at the provider as the provider's user (consent is skipped for
the client) and is sent back to the product's callback, which fetches discovery, the token and the
provider's keys and userinfo over HTTP itself. Nothing of the protocol is mocked.
"""

import html
import os
import re
import subprocess
import sys
from importlib import import_module
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from oauth2_provider.models import Application, Grant

from artops import sso
from artops.models import SignOnIdentity
from tests import oidc_provider
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, DIRECTORY
from trains.factories import DEFAULT_PASSWORD, MembershipFactory, TrainFactory, UserFactory
from trains.models import Membership, Role

User = get_user_model()
ROOT = Path(__file__).resolve().parent.parent
BUTTON = "Sign in with Okta"


# --- the provider and the product, configured for each other ----------------------------------------


@pytest.fixture(scope="module")
def private_key() -> str:
    return oidc_provider.private_key_pem()


@pytest.fixture
def sites(live_server, private_key, monkeypatch):
    """The product (localhost) signing in with the provider (127.0.0.1), both on the live server."""
    port = live_server.thread.port
    product, issuer = f"http://localhost:{port}", f"http://127.0.0.1:{port}/o"
    Application.objects.create(
        name="ARTops",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"{product}/login/sso/callback/",
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    # Discovery is kept per process: start each test without it, and count how often it is fetched.
    monkeypatch.setattr(sso, "_discovered", {})
    fetched = []
    fetch = sso._fetch_discovery
    monkeypatch.setattr(sso, "_fetch_discovery", lambda issuer: fetched.append(issuer) or fetch(issuer))
    DIRECTORY.clear()
    with override_settings(
        ROOT_URLCONF="tests.oidc_provider",
        ALLOWED_HOSTS=["localhost", "127.0.0.1"],
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        OIDC_ISSUER=issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_BUTTON_LABEL=BUTTON,
        OAUTH2_PROVIDER=oidc_provider.provider_settings(issuer=issuer, private_key=private_key),
    ):
        yield type("Sites", (), {"product": product, "issuer": issuer, "discovery_fetches": fetched})
    DIRECTORY.clear()


def idp_person(username: str, **claims) -> None:
    """Someone with an account at the provider, which asserts `claims` about them."""
    UserFactory(username=username, email="")
    DIRECTORY[username] = claims


# --- the browser ------------------------------------------------------------------------------------


def csrf_token(page: requests.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def start_sign_on(http: requests.Session, product: str, login_page: str = "/login/") -> str:
    """Click the login page's button; answer the provider's authorization URL the product sent us to."""
    page = http.get(product + login_page)
    assert BUTTON in page.text
    href = html.unescape(re.search(r'href="(/login/sso/[^"]*)"', page.text).group(1))
    to_provider = http.get(product + href, allow_redirects=False)
    assert to_provider.status_code == 302
    return to_provider.headers["Location"]


def sign_in_at_provider(http: requests.Session, authorize_url: str, idp_username: str) -> str:
    """At the provider: sign in on its login page unless its session already knows the person; answer
    where it sends the browser back (the product's callback, with the code and the state)."""
    answer = http.get(authorize_url, allow_redirects=False)
    if not answer.headers["Location"].startswith("http://localhost:"):  # the provider asks who you are
        login_page = http.get(urljoin(authorize_url, answer.headers["Location"]))
        assert urlsplit(login_page.url).netloc.startswith("127.0.0.1"), login_page.url
        form = {
            "csrfmiddlewaretoken": csrf_token(login_page),
            "username": idp_username,
            "password": DEFAULT_PASSWORD,
            "next": parse_qs(urlsplit(login_page.url).query)["next"][0],
        }
        to_authorize = http.post(login_page.url, data=form, allow_redirects=False)
        assert to_authorize.status_code == 302, to_authorize.text[:500]
        # The client's consent is skipped: the provider sends the browser straight back with a code.
        answer = http.get(urljoin(login_page.url, to_authorize.headers["Location"]), allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    callback = answer.headers["Location"]
    assert callback.startswith("http://localhost:"), callback
    return callback


def sign_on(http: requests.Session, product: str, idp_username: str, login_page: str = "/login/"):
    """The whole round: the button, the provider, back to the product; answer the page landed on."""
    callback = sign_in_at_provider(http, start_sign_on(http, product, login_page), idp_username)
    return http.get(callback)


def signed_in_user_id(http: requests.Session) -> int | None:
    """Who the product's session (the localhost cookie, not the provider's) is signed in as."""
    keys = [
        cookie.value for cookie in http.cookies if cookie.name == "sessionid" and "localhost" in cookie.domain
    ]
    if not keys:
        return None
    user_id = import_module(settings.SESSION_ENGINE).SessionStore(session_key=keys[0]).get("_auth_user_id")
    return int(user_id) if user_id else None


def roles(user) -> list[tuple]:
    return sorted(Membership.objects.filter(user=user).values_list("train_id", "role", "team_id"))


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture
def rita():
    """A local account with a role: Rita, RTE of Orbit ART, who logs in with her password today."""
    user = UserFactory(username="rita", email="Rita.Engel@example.com")
    MembershipFactory(user=user, train=TrainFactory(name="Orbit ART", slug="orbit"), role=Role.RTE)
    return user


# --- single sign-on -----------------------------------------------------------------------------------


def test_first_sign_on_with_a_verified_email_links_the_existing_account(sites, http, rita):
    idp_person("idp-rita", email="rita.engel@EXAMPLE.com", email_verified=True, given_name="Rita")
    rita_roles, memberships, users = roles(rita), Membership.objects.count(), User.objects.count()

    authorize_url = start_sign_on(http, sites.product)
    asked = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(f"{sites.issuer}/authorize/")
    assert (
        asked["code_challenge_method"] == ["S256"]
        and asked["code_challenge"]
        and asked["nonce"]
        and asked["state"]
    )
    assert asked["scope"] == ["openid email profile"]
    landed = http.get(sign_in_at_provider(http, authorize_url, "idp-rita"))

    assert landed.status_code == 200
    assert landed.url == f"{sites.product}/trains/orbit/"  # her train, as after a password login
    assert signed_in_user_id(http) == rita.pk
    identity = SignOnIdentity.objects.get()
    assert (identity.user, identity.issuer) == (rita, sites.issuer)
    assert identity.subject == str(User.objects.get(username="idp-rita").pk)  # the provider's `sub`
    assert roles(rita) == rita_roles and Membership.objects.count() == memberships

    # Logging out ends the product's session; signing on again finds her by the link, and the
    # provider's discovery document was fetched once.
    account_page = http.get(f"{sites.product}/account/tokens/")
    http.post(f"{sites.product}/logout/", data={"csrfmiddlewaretoken": csrf_token(account_page)})
    assert signed_in_user_id(http) is None
    login_page = http.get(f"{sites.product}/search/?q=board")
    assert login_page.url == f"{sites.product}/login/?next=/search/%3Fq%3Dboard"
    DIRECTORY["idp-rita"]["email"] = "rita@new-domain.example"  # the link holds, whatever the address
    landed = sign_on(
        http,
        sites.product,
        "idp-rita",
        login_page=login_page.url.removeprefix(sites.product),
    )
    assert landed.url == f"{sites.product}/search/?q=board"  # where she was going
    assert signed_in_user_id(http) == rita.pk
    assert SignOnIdentity.objects.count() == 1 and User.objects.count() == users
    assert sites.discovery_fetches == [sites.issuer]


def test_an_unverified_email_gets_a_new_account_with_no_role(sites, http, rita):
    idp_person("idp-mallory", email="rita.engel@example.com", email_verified=False, preferred_username="rita")
    memberships = Membership.objects.count()

    landed = sign_on(http, sites.product, "idp-mallory")

    new = User.objects.get(sign_on_identities__issuer=sites.issuer)
    assert new.pk != rita.pk and signed_in_user_id(http) == new.pk
    assert new.username == "rita-2"  # the provider's login name, made free
    assert new.email == "" and not new.has_usable_password()  # an unverified address is not kept
    assert roles(new) == [] and Membership.objects.count() == memberships
    assert "You hold no role on any Agile Release Train" in landed.text

    # The next sign-on finds the same new account, not a third one.
    http.cookies.clear()
    sign_on(http, sites.product, "idp-mallory")
    assert signed_in_user_id(http) == new.pk
    assert User.objects.filter(sign_on_identities__isnull=False).count() == 1


def test_a_callback_with_a_wrong_state_is_refused_and_its_code_never_used(sites, http, rita):
    idp_person("idp-rita", email="rita.engel@example.com", email_verified=True)
    callback = sign_in_at_provider(http, start_sign_on(http, sites.product), "idp-rita")
    query = parse_qs(urlsplit(callback).query)
    forged = (
        urlsplit(callback)._replace(query=urlencode({"code": query["code"][0], "state": "forged"})).geturl()
    )

    refused = http.get(forged)

    assert refused.url == f"{sites.product}/login/"
    assert "does not belong to a sign-in started in this browser" in html.unescape(refused.text)
    assert signed_in_user_id(http) is None
    assert Grant.objects.filter(code=query["code"][0]).exists()  # never exchanged for a token
    assert not SignOnIdentity.objects.exists()


def test_two_accounts_sharing_the_verified_email_are_refused(sites, http, rita):
    UserFactory(username="rita-old", email="RITA.ENGEL@example.com")
    idp_person("idp-rita", email="rita.engel@example.com", email_verified=True)
    users = User.objects.count()

    refused = sign_on(http, sites.product, "idp-rita")

    assert refused.url == f"{sites.product}/login/"
    assert "More than one ARTops account has the e-mail address" in html.unescape(refused.text)
    assert signed_in_user_id(http) is None
    assert User.objects.count() == users and not SignOnIdentity.objects.exists()


# --- the rules, without the round trip ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("verified", ["true", None, 1])
def test_only_the_json_value_true_vouches_for_an_email(rita, verified):
    claims = {"sub": "s-1", "email": rita.email, "email_verified": verified}

    user = sso.account_for_sign_on(issuer="https://idp.example.com", claims=claims)

    assert user.pk != rita.pk and user.email == ""


@override_settings(OIDC_ISSUER="https://idp.example.com", OIDC_CLIENT_ID="artops")
@pytest.mark.parametrize(
    "token",
    [
        {"iss": "https://idp.example.com", "aud": "another-client"},
        {"iss": "https://idp.example.com", "aud": ["artops", "another-client"], "azp": "another-client"},
        {"iss": "https://evil.example.com", "aud": "artops"},
    ],
)
def test_an_id_token_for_another_client_or_from_another_issuer_is_refused(token):
    with pytest.raises(sso.SignOnRefused):
        sso._check_id_token(token)
    sso._check_id_token({"iss": "https://idp.example.com/", "aud": ["artops", "x"], "azp": "artops"})


# --- the login page, and local accounts ---------------------------------------------------------------


@pytest.mark.django_db
def test_without_configuration_the_login_page_has_no_button_and_sso_is_not_served(client):
    assert not settings.OIDC_CLIENT_ID

    page = client.get("/login/")

    assert page.status_code == 200 and "Sign in with" not in page.text
    assert client.get("/login/sso/").status_code == 404
    assert client.get("/login/sso/callback/?code=x&state=y").status_code == 404


@pytest.mark.django_db
@override_settings(
    OIDC_ISSUER="https://idp.example.com", OIDC_CLIENT_ID="artops", OIDC_CLIENT_SECRET="s3cret"
)
def test_with_sso_on_the_login_page_offers_the_button_and_passwords_still_work(client, rita):
    page = client.get("/login/?next=/search/")

    assert BUTTON not in page.text  # the default label, until OIDC_BUTTON_LABEL names the provider
    assert 'href="/login/sso/?next=%2Fsearch%2F">Sign in with single sign-on</a>' in page.text
    with override_settings(OIDC_BUTTON_LABEL=BUTTON):
        assert BUTTON in client.get("/login/").text

    logged_in = client.post("/login/", {"username": "rita", "password": DEFAULT_PASSWORD})

    assert logged_in.status_code == 302
    assert int(client.session["_auth_user_id"]) == rita.pk


# --- configuration ------------------------------------------------------------------------------------

CLEAN = {
    k: v for k, v in os.environ.items() if not k.startswith("OIDC_") and k not in {"DEBUG", "SECRET_KEY"}
}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OIDC_CLIENT_ID": "artops", "OIDC_ISSUER": "https://idp.example.com"}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_ID": "artops", "OIDC_CLIENT_SECRET": "s"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "https://idp.example.com"}, "OIDC_CLIENT_ID"),
        (
            {"OIDC_CLIENT_ID": "a", "OIDC_CLIENT_SECRET": "s", "OIDC_ISSUER": "http://idp.example.com"},
            "OIDC_ISSUER",
        ),
    ],
)
def test_an_incomplete_sso_configuration_stops_start_up_naming_the_variable(env, named):
    result = subprocess.run(
        [sys.executable, "-c", "import artops.settings"],
        cwd=ROOT,
        env={**CLEAN, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]
