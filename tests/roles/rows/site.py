"""Who may open the pages outside any one train: home, search, login and logout, the health probe,
API tokens, an invitation's link, the API's documents, the inbox; and a train item's comments.

A person's own things (their API tokens, their inbox items) are theirs alone: for anyone else they
do not exist (404), whatever their roles. Comments: everyone on the train reads them, everyone but
viewers writes; its author edits a comment, its author or the RTE removes it (trains/conversation).
"""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from risks.factories import RiskFactory
from trains.conversation.models import InboxItem
from trains.conversation.services import comment_add
from trains.services import api_token_create

from ..table import EVERYBODY, PARTICIPANTS, READERS, RTE, SIGNED_IN, Row

MEMBER = frozenset({"member"})


def comment(w):
    """The team member's comment on a risk of team a."""
    w.extra["risk"] = RiskFactory(train=w.train, pi=w.pi, team=w.team_a)
    w.extra["comment"] = comment_add(
        target=w.extra["risk"], body="Vendor says March.", actor=w.users["member"]
    )


def inbox_item(w):
    """An unread item in the team member's inbox."""
    risk = RiskFactory(train=w.train, pi=w.pi, team=w.team_a)
    w.extra["item"] = InboxItem.objects.create(
        user=w.users["member"],
        train=w.train,
        kind="mention",
        event="test:1",
        target_type=ContentType.objects.get_for_model(risk),
        target_id=risk.pk,
        text="You were mentioned",
        url=reverse("risks:risk_detail", args=["orbit", risk.pk]),
        created_at=timezone.now(),
    )


def member_token(w):
    w.extra["token"], _ = api_token_create(user=w.users["member"], name="Jira sync")


def comments_url(w) -> str:
    return reverse("conversation:comments", args=["orbit", "risk", w.extra["risk"].pk])


ROWS = [
    # Signing in and out: the login page sends who is signed in already on home.
    Row("GET", "home", lambda w: reverse("home"), SIGNED_IN, ok=(302,)),
    Row("GET", "healthz", lambda w: reverse("healthz"), EVERYBODY),
    Row("GET", "login", lambda w: reverse("login"), EVERYBODY, ok=(200, 302)),
    Row(
        "POST",
        "login",
        lambda w: reverse("login"),
        EVERYBODY,
        body=lambda w: {"username": "member", "password": "artops-demo"},
        ok=(200, 302),
    ),
    Row("POST", "logout", lambda w: reverse("logout"), EVERYBODY, ok=(302,), ok_to_login=True),
    # Single sign-on starts and ends signed out; it is off in the tests' settings, where both answer
    # 404 to everybody (tests/test_sso.py turns it on against a provider of its own).
    Row("GET", "sso-start", lambda w: reverse("sso-start"), EVERYBODY, ok=(404,)),
    Row("GET", "sso-callback", lambda w: reverse("sso-callback") + "?state=x&code=y", EVERYBODY, ok=(404,)),
    # Single sign-on (artops/sso.py) is not served while it is not configured, as in the tests' settings.
    Row("GET", "sso-start", lambda w: reverse("sso-start"), EVERYBODY, ok=(404,)),
    Row("GET", "sso-callback", lambda w: reverse("sso-callback") + "?code=x&state=y", EVERYBODY, ok=(404,)),
    # The browser posts what the Content Security Policy blocked, signed in or not: it is only logged.
    Row(
        "POST",
        "csp-report",
        lambda w: reverse("csp-report"),
        EVERYBODY,
        body=lambda w: {"csp-report": "{}"},
        ok=(204,),
    ),
    Row("GET", "search", lambda w: reverse("search") + "?q=vendor&train=orbit", SIGNED_IN),
    # The API's documents are public: they describe it, they grant nothing.
    Row("GET", "api-schema", lambda w: reverse("api-schema"), EVERYBODY),
    Row("GET", "api-docs", lambda w: reverse("api-docs"), EVERYBODY),
    Row("GET", "api-redoc", lambda w: reverse("api-redoc"), EVERYBODY),
    # A person's own API tokens
    Row("GET", "account-tokens", lambda w: reverse("account-tokens"), SIGNED_IN),
    Row(
        "POST",
        "account-tokens",
        lambda w: reverse("account-tokens"),
        SIGNED_IN,
        body=lambda w: {"name": "CI"},
    ),
    Row(
        "POST",
        "account-token-revoke",
        lambda w: reverse("account-token-revoke", args=[w.extra["token"].pk]),
        MEMBER,
        setup=member_token,
        refused=404,
    ),
    # The inbox: everyone's own
    Row("GET", "conversation:inbox", lambda w: reverse("conversation:inbox"), SIGNED_IN),
    Row(
        "GET", "conversation:inbox_count", lambda w: reverse("conversation:inbox_count"), SIGNED_IN, htmx=True
    ),
    Row("POST", "conversation:inbox_read_all", lambda w: reverse("conversation:inbox_read_all"), SIGNED_IN),
    Row(
        "GET",
        "conversation:inbox_open",
        lambda w: reverse("conversation:inbox_open", args=[w.extra["item"].pk]),
        MEMBER,
        setup=inbox_item,
        ok=(302,),
        refused=404,
    ),
    Row(
        "POST",
        "conversation:inbox_open",
        lambda w: reverse("conversation:inbox_open", args=[w.extra["item"].pk]),
        MEMBER,
        setup=inbox_item,
        refused=404,
    ),
    # Comments on a train's items (a risk here; features, dependencies and impediments alike)
    Row("GET", "conversation:comments", comments_url, READERS, setup=comment),
    Row(
        "POST",
        "conversation:comments",
        comments_url,
        PARTICIPANTS,
        setup=comment,
        body=lambda w: {"body": "Two teams depend on it."},
    ),
    Row(
        "POST",
        "conversation:comment_edit",
        lambda w: reverse("conversation:comment_edit", args=["orbit", w.extra["comment"].pk]),
        MEMBER,
        setup=comment,
        body=lambda w: {"body": "Vendor says April.", "version": w.extra["comment"].version},
    ),
    Row(
        "POST",
        "conversation:comment_remove",
        lambda w: reverse("conversation:comment_remove", args=["orbit", w.extra["comment"].pk]),
        MEMBER | RTE,
        setup=comment,
        body=lambda w: {"version": w.extra["comment"].version},
    ),
]
