"""Who may open and use the trains pages: the train's home, people and roles, webhooks.

Reading a train is for everyone with a role on it; people and roles are read by all of them and
changed by the RTE alone (trains.services' membership_*; trains/people); webhooks are the RTE's only,
reads included (trains.webhooks.services.require_webhook_manager).
"""

from django.urls import reverse

from risks.factories import RiskFactory
from tests.api.rows.webhooks import delivery, webhook
from trains.models import Membership, Role
from trains.people.services import invitation_link, person_invite

from ..table import EVERYBODY, READERS, RTE, SIGNED_IN, Row


def url(name: str, *args) -> str:
    return reverse(f"trains:{name}", args=["orbit", *args])


def _pk(key: str):
    return lambda w: w.extra[key].pk


def sm_role(w):
    """The Scrum Master's role on team a, to change or take."""
    w.extra["membership"] = Membership.objects.get(user=w.users["sm"], train=w.train)


def a_risk(w):
    w.extra["risk"] = RiskFactory(train=w.train, pi=w.pi, team=w.team_a)


def invited(w):
    """Someone invited to the train who has not set a password yet, and their invitation's link."""
    w.extra["invited"] = person_invite(
        train=w.train, email="new.person@example.com", role=Role.VIEWER, actor=None
    ).user
    w.extra["welcome"] = (
        "/" + invitation_link(w.extra["invited"], w.train).split("://", 1)[1].split("/", 1)[1]
    )


ROWS = [
    Row("GET", "trains:home", lambda w: reverse("trains:home"), SIGNED_IN),
    Row("GET", "trains:detail", lambda w: url("detail"), READERS),
    # People and roles
    Row("GET", "trains:people", lambda w: url("people"), READERS),
    Row(
        "POST",
        "trains:people",
        lambda w: url("people"),
        RTE,
        body=lambda w: {"person": "viewer", "role": Role.TEAM_MEMBER, "team": w.team_b.pk},
        note="an account",
    ),
    Row(
        "POST",
        "trains:people",
        lambda w: url("people"),
        RTE,
        body=lambda w: {"person": "someone.new@example.com", "name": "Some One", "role": Role.VIEWER},
        note="an invitation",
    ),
    Row(
        "POST",
        "trains:membership",
        lambda w: url("membership", w.extra["membership"].pk),
        RTE,
        setup=sm_role,
        body=lambda w: {
            f"m{w.extra['membership'].pk}-role": Role.SCRUM_MASTER,
            f"m{w.extra['membership'].pk}-team": w.team_b.pk,
        },
        htmx=True,
    ),
    Row(
        "POST",
        "trains:membership_remove",
        lambda w: url("membership_remove", w.extra["membership"].pk),
        RTE,
        setup=sm_role,
        htmx=True,
    ),
    Row(
        "POST",
        "trains:person_invite_again",
        lambda w: url("person_invite_again", w.extra["invited"].pk),
        RTE,
        setup=invited,
    ),
    # The train's history: everyone on the train reads it (trains/history)
    Row("GET", "trains:activity", lambda w: url("activity"), READERS),
    Row("GET", "trains:history", lambda w: url("history", "risk", w.extra["risk"].pk), READERS, setup=a_risk),
    # An invitation's link: whoever holds it (it is the secret), signed in or not. It sends on to the
    # form (302); the form sets the password and signs the invited person in (302), once.
    Row("GET", "trains:welcome", lambda w: w.extra["welcome"], EVERYBODY, setup=invited, ok=(302,)),
    Row(
        "POST",
        "trains:welcome",
        lambda w: w.extra["welcome"],
        EVERYBODY,
        setup=invited,
        body=lambda w: {"new_password1": "plan-the-pi-42", "new_password2": "plan-the-pi-42"},
        ok=(200, 302),
    ),
    # Webhooks
    Row("GET", "trains:webhooks", lambda w: url("webhooks"), RTE, setup=webhook),
    Row(
        "POST",
        "trains:webhooks",
        lambda w: url("webhooks"),
        RTE,
        body=lambda w: {"url": "https://hooks.example.com/new", "events": ["risk.roamed"]},
    ),
    Row("GET", "trains:webhook", lambda w: url("webhook", w.extra["webhook"].pk), RTE, setup=webhook),
    Row(
        "POST",
        "trains:webhook",
        lambda w: url("webhook", w.extra["webhook"].pk),
        RTE,
        setup=webhook,
        body=lambda w: {
            "url": "https://hooks.example.com/other",
            "events": ["risk.roamed"],
            "is_active": "on",
            "version": w.extra["webhook"].version,
        },
    ),
    Row(
        "POST",
        "trains:webhook_enable",
        lambda w: url("webhook_enable", w.extra["webhook"].pk),
        RTE,
        setup=webhook,
        body=lambda w: {"version": w.extra["webhook"].version},
    ),
    Row(
        "POST",
        "trains:webhook_delete",
        lambda w: url("webhook_delete", w.extra["webhook"].pk),
        RTE,
        setup=webhook,
        body=lambda w: {"version": w.extra["webhook"].version},
    ),
    Row(
        "POST",
        "trains:webhook_redeliver",
        lambda w: url("webhook_redeliver", w.extra["webhook"].pk, w.extra["delivery"]),
        RTE,
        setup=delivery,
    ),
]
