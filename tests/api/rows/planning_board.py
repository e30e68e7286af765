"""Who may call the program board's half of planning's API (planning/api/board_urls.py).

Reads: everyone with a role on the train. PIs and iterations: the RTE (planning.permissions.can_manage_pi).
Features: whoever plans the feature's team (can_edit_feature: RTE, PM, the team's SM/PO); a feature
with no team, anyone who plans any team. Dependencies: planners of the requesting or providing team.
Milestones: the RTE and Product Managers. The world's team a is Apollo (sm, po), team b Gemini (sm_other).
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from planning.factories import DependencyFactory, FeatureFactory, MilestoneFactory, PIObjectiveFactory
from planning.factories import ProgramIncrementFactory as PIFactory
from planning.models import ProgramIncrement

from ..table import READERS, Row

State = ProgramIncrement.State
RTE = frozenset({"rte"})
PLAN_TEAM_A = frozenset({"rte", "pm", "sm", "po"})
PLAN_ANY = PLAN_TEAM_A | {"sm_other", "po_other"}
TRAIN_PLANNERS = frozenset({"rte", "pm"})


def url(name: str, *args) -> str:
    return reverse(f"planning-api:{name}", args=["orbit", *args])


def _pi(w, state: str, name: str = "PI 8", start=None):
    """Another PI of the world's train, kept as extra["pi"]."""
    w.extra["pi"] = PIFactory(
        train=w.train, name=name, state=state, start_date=start or w.pi.end_date + timedelta(1)
    )
    return w.extra["pi"]


def draft_pi(w):
    _pi(w, State.DRAFT)


def ready_to_execute(w):
    """PI 7 with its plan committed and a committed objective: it may start executing."""
    w.pi.committed_at = timezone.now()
    w.pi.save(update_fields=["committed_at"])
    PIObjectiveFactory(pi=w.pi, team=w.team_a)
    w.extra["pi"] = w.pi


def executing_pi(w):
    _pi(w, State.EXECUTING)


def closed_pi(w):
    _pi(w, State.CLOSED)


def feature_a(w):
    """A feature of team a in PI 7."""
    w.extra["feature"] = FeatureFactory(train=w.train, pi=w.pi, team=w.team_a)


def movable_feature(w):
    """A feature of team a in a PI running now (the world's PI 7 has ended: no move goes there)."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    pi = _pi(w, State.PLANNING, name="PI 9", start=monday)
    first, second = pi.iterations.order_by("number")[:2]
    w.extra["feature"] = FeatureFactory(train=w.train, pi=pi, team=w.team_a, iteration=first)
    w.extra["to"] = second


def dependency(w):
    w.extra["dependency"] = DependencyFactory(pi=w.pi, requesting_team=w.team_a, providing_team=w.team_b)


def milestone(w):
    w.extra["milestone"] = MilestoneFactory(pi=w.pi)


def _version(key: str):
    return lambda w: w.extra[key].version


ROWS = [
    # --- PIs and iterations ---
    Row("GET", "planning-api:pi-list", lambda w: url("pi-list"), READERS),
    Row(
        "POST",
        "planning-api:pi-list",
        lambda w: url("pi-list"),
        RTE,
        body=lambda w: {"name": "PI 8", "start_date": "2027-01-04"},
    ),
    Row("GET", "planning-api:pi-detail", lambda w: url("pi-detail", w.pi.pk), READERS),
    Row(
        "PATCH",
        "planning-api:pi-detail",
        lambda w: url("pi-detail", w.pi.pk),
        RTE,
        body=lambda w: {"end_date": str(w.pi.end_date + timedelta(days=1))},
    ),
    Row(
        "POST",
        "planning-api:pi-start-planning",
        lambda w: url("pi-start-planning", w.extra["pi"].pk),
        RTE,
        setup=draft_pi,
    ),
    Row(
        "POST",
        "planning-api:pi-execute",
        lambda w: url("pi-execute", w.extra["pi"].pk),
        RTE,
        setup=ready_to_execute,
    ),
    Row(
        "POST",
        "planning-api:pi-close",
        lambda w: url("pi-close", w.extra["pi"].pk),
        RTE,
        setup=executing_pi,
        body=lambda w: {"confirm_unscored": True},
    ),
    Row(
        "POST",
        "planning-api:pi-reopen",
        lambda w: url("pi-reopen", w.extra["pi"].pk),
        RTE,
        setup=closed_pi,
        body=lambda w: {"reason": "Apollo's actual value was entered as 9 instead of 6."},
    ),
    Row(
        "PUT",
        "planning-api:pi-business-owners",
        lambda w: url("pi-business-owners", w.pi.pk),
        RTE,
        body=lambda w: {"business_owners": ["bo"]},
    ),
    Row(
        "GET",
        "planning-api:iteration-detail",
        lambda w: url("iteration-detail", w.pi.pk, w.pi.iterations.get(number=1).pk),
        READERS,
    ),
    Row(
        "PATCH",
        "planning-api:iteration-detail",
        lambda w: url("iteration-detail", w.pi.pk, w.pi.iterations.get(number=1).pk),
        RTE,
        body=lambda w: {"end_date": str(w.pi.iterations.get(number=1).end_date - timedelta(days=1))},
    ),
    Row("GET", "planning-api:pi-board", lambda w: url("pi-board", w.pi.pk), READERS, setup=dependency),
    # --- features ---
    Row("GET", "planning-api:feature-list", lambda w: url("feature-list"), READERS, setup=feature_a),
    Row(
        "POST",
        "planning-api:feature-list",
        lambda w: url("feature-list"),
        PLAN_TEAM_A,
        body=lambda w: {
            "title": "Checkout in one step",
            "pi": w.pi.pk,
            "team": w.team_a.pk,
            "state": "analyzing",
        },
        note="on team a",
    ),
    Row(
        "POST",
        "planning-api:feature-list",
        lambda w: url("feature-list"),
        PLAN_ANY,
        body=lambda w: {"title": "Partner onboarding", "pi": w.pi.pk},
        note="no team",
    ),
    Row(
        "GET",
        "planning-api:feature-detail",
        lambda w: url("feature-detail", w.extra["feature"].pk),
        READERS,
        setup=feature_a,
    ),
    Row(
        "PATCH",
        "planning-api:feature-detail",
        lambda w: url("feature-detail", w.extra["feature"].pk),
        PLAN_TEAM_A,
        setup=feature_a,
        body=lambda w: {"job_size": 8, "title": "Sized"},
        if_match=_version("feature"),
    ),
    Row(
        "POST",
        "planning-api:feature-move",
        lambda w: url("feature-move", w.extra["feature"].pk),
        PLAN_TEAM_A,
        setup=movable_feature,
        body=lambda w: {"team": w.team_a.pk, "iteration": w.extra["to"].pk},
        if_match=_version("feature"),
    ),
    Row(
        "POST",
        "planning-api:feature-state",
        lambda w: url("feature-state", w.extra["feature"].pk),
        PLAN_TEAM_A,
        setup=feature_a,
        body=lambda w: {"state": "implementing"},
        if_match=_version("feature"),
    ),
    Row(
        "POST",
        "planning-api:feature-blocked",
        lambda w: url("feature-blocked", w.extra["feature"].pk),
        PLAN_TEAM_A,
        setup=feature_a,
        body=lambda w: {"blocked": True, "reason": "Waiting for the sandbox"},
        if_match=_version("feature"),
    ),
    # --- dependencies ---
    Row("GET", "planning-api:dependency-list", lambda w: url("dependency-list"), READERS, setup=dependency),
    Row(
        "POST",
        "planning-api:dependency-list",
        lambda w: url("dependency-list"),
        PLAN_ANY,
        body=lambda w: {
            "pi": w.pi.pk,
            "requesting_team": w.team_a.pk,
            "providing_team": w.team_b.pk,
            "description": "Payments API",
        },
    ),
    Row(
        "GET",
        "planning-api:dependency-detail",
        lambda w: url("dependency-detail", w.extra["dependency"].pk),
        READERS,
        setup=dependency,
    ),
    Row(
        "PATCH",
        "planning-api:dependency-detail",
        lambda w: url("dependency-detail", w.extra["dependency"].pk),
        PLAN_ANY,
        setup=dependency,
        body=lambda w: {"state": "committed"},
        if_match=_version("dependency"),
    ),
    # --- milestones ---
    Row("GET", "planning-api:milestone-list", lambda w: url("milestone-list"), READERS, setup=milestone),
    Row(
        "POST",
        "planning-api:milestone-list",
        lambda w: url("milestone-list"),
        TRAIN_PLANNERS,
        body=lambda w: {
            "pi": w.pi.pk,
            "name": "Release 4.2",
            "date": str(w.pi.start_date + timedelta(days=10)),
        },
    ),
    Row(
        "GET",
        "planning-api:milestone-detail",
        lambda w: url("milestone-detail", w.extra["milestone"].pk),
        READERS,
        setup=milestone,
    ),
    Row(
        "PATCH",
        "planning-api:milestone-detail",
        lambda w: url("milestone-detail", w.extra["milestone"].pk),
        TRAIN_PLANNERS,
        setup=milestone,
        body=lambda w: {"name": "Release 4.3"},
        if_match=_version("milestone"),
    ),
]
