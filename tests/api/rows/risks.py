"""Who may call risks' API (risks/api/urls.py), from risks/permissions.py.

Reads: everyone with a role on the train. Risks: every role but Viewer raises one; a team risk is
ROAMed and edited by the RTE and the team's SM/PO, an ART risk (no team) by the RTE and Product
Management. Impediments: the team's
Scrum Master and the RTE. ART Sync: the RTE; an action item's owner ticks it off. System demos: the
RTE, Product Management and the System Architect; a follow-up's owner ticks it off. I&A: every role
but Viewer brings problems and votes; who raised a problem, the RTE and PM edit it; the RTE and PM
write improvement items and take them into a PI, whose owner reports progress. The world's team a is
Apollo (sm, po, member).
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from planning.factories import ConfidenceVoteFactory, ProgramIncrementFactory
from planning.models import ProgramIncrement
from risks.factories import ActionItemFactory, ArtSyncFactory, ImpedimentFactory, RiskFactory
from risks.models import Impediment
from risks.services import (
    demo_follow_up_add,
    demo_item_add,
    improvement_create,
    problem_create,
    problem_vote_toggle,
    system_demo_plan,
)

from ..table import READERS, Row

PARTICIPANTS = READERS - {"viewer"}
ROAM_TEAM_A = frozenset({"rte", "sm", "po"})
ROAM_ART = frozenset({"rte", "pm"})
SM_TEAM_A = frozenset({"rte", "sm"})
RTE = frozenset({"rte"})
DEMO_RUNNERS = frozenset({"rte", "pm", "architect"})
IMPROVERS = frozenset({"rte", "pm"})


def url(name: str, *args) -> str:
    return reverse(f"risks-api:{name}", args=["orbit", *args])


def _pk(key: str):
    return lambda w: w.extra[key].pk


def _version(key: str):
    return lambda w: w.extra[key].version


# --- setups ------------------------------------------------------------------------------------------


def risk(w):
    """A risk of team a in PI 7."""
    w.extra["risk"] = RiskFactory(train=w.train, pi=w.pi, team=w.team_a)


def art_risk(w):
    """An ART-level risk (no team) of PI 7."""
    w.extra["risk"] = RiskFactory(train=w.train, pi=w.pi, team=None)


def vote_concern(w):
    """The team member's low vote on team a's plan, with a concern."""
    w.extra["vote"] = ConfidenceVoteFactory(
        pi=w.pi, team=w.team_a, voter=w.users["member"], score=2, concern="Two people on leave in I2."
    )


def impediment(w):
    w.extra["impediment"] = ImpedimentFactory(team=w.team_a)


def resolved_impediment(w):
    now = timezone.now()
    w.extra["impediment"] = ImpedimentFactory(
        team=w.team_a, raised_at=now - timedelta(days=3), status=Impediment.Status.RESOLVED, resolved_at=now
    )


def art_sync(w):
    """An ART Sync of PI 7 with an action owned by the team member."""
    w.extra["sync"] = ArtSyncFactory(pi=w.pi)
    w.extra["action"] = ActionItemFactory(raised_in=w.extra["sync"], owner=w.users["member"])


def demo(w):
    """The demo of PI 7's first iteration, with an item and a follow-up owned by the team member."""
    first, second = w.pi.iterations.order_by("number")[:2]
    w.extra["demo"] = system_demo_plan(iteration=first, actor=None)
    w.extra["item"] = demo_item_add(demo=w.extra["demo"], title="Export", actor=None)
    w.extra["follow_up"] = demo_follow_up_add(
        demo=w.extra["demo"], title="Show Finance", owner=w.users["member"], actor=None
    )
    w.extra["next_iteration"] = second


def problem(w):
    """A workshop problem of PI 7 raised by the team member."""
    w.extra["problem"] = problem_create(pi=w.pi, statement="Staging is booked out", actor=w.users["member"])


def problem_everyone_voted_for(w):
    problem(w)
    for name in PARTICIPANTS:
        problem_vote_toggle(problem=w.extra["problem"], actor=w.users[name])


def improvement(w):
    """An improvement item of PI 7 owned by the team member, and a later PI to take it into."""
    w.extra["improvement"] = improvement_create(
        pi=w.pi, title="A second staging", owner=w.users["member"], actor=None
    )
    w.extra["later_pi"] = ProgramIncrementFactory(
        train=w.train,
        name="PI 8",
        start_date=w.pi.end_date + timedelta(1),
        state=ProgramIncrement.State.DRAFT,
    )


def _in_a_week(w) -> str:
    return (timezone.localdate() + timedelta(days=7)).isoformat()


ROWS = [
    # Risks
    Row("GET", "risks-api:risk-list", lambda w: url("risk-list"), READERS, setup=risk),
    Row(
        "POST",
        "risks-api:risk-list",
        lambda w: url("risk-list"),
        PARTICIPANTS,
        body=lambda w: {"title": "Vendor may slip", "pi": w.pi.pk, "team": w.team_a.pk},
    ),
    Row(
        "GET", "risks-api:risk-detail", lambda w: url("risk-detail", w.extra["risk"].pk), READERS, setup=risk
    ),
    Row(
        "PATCH",
        "risks-api:risk-detail",
        lambda w: url("risk-detail", w.extra["risk"].pk),
        ROAM_TEAM_A,
        setup=risk,
        body=lambda w: {"likelihood": 4},
        if_match=_version("risk"),
    ),
    Row(
        "POST",
        "risks-api:risk-roam",
        lambda w: url("risk-roam", w.extra["risk"].pk),
        ROAM_TEAM_A,
        setup=risk,
        body=lambda w: {"status": "accepted", "note": "We live with it."},
        if_match=_version("risk"),
    ),
    Row(
        "PATCH",
        "risks-api:risk-detail",
        lambda w: url("risk-detail", w.extra["risk"].pk),
        ROAM_ART,
        setup=art_risk,
        body=lambda w: {"likelihood": 4},
        if_match=_version("risk"),
        note="ART risk",
    ),
    Row(
        "POST",
        "risks-api:risk-roam",
        lambda w: url("risk-roam", w.extra["risk"].pk),
        ROAM_ART,
        setup=art_risk,
        body=lambda w: {"status": "accepted", "note": "We live with it."},
        if_match=_version("risk"),
        note="ART risk",
    ),
    Row(
        "POST",
        "risks-api:risk-raise-to-art",
        lambda w: url("risk-raise-to-art", w.extra["risk"].pk),
        ROAM_TEAM_A,
        setup=risk,
        body=lambda w: {"note": "Two teams depend on it."},
        if_match=_version("risk"),
    ),
    Row(
        "POST",
        "risks-api:risk-from-vote",
        lambda w: url("risk-from-vote"),
        RTE,
        setup=vote_concern,
        body=lambda w: {"vote": w.extra["vote"].pk},
    ),
    # Impediments
    Row("GET", "risks-api:impediment-list", lambda w: url("impediment-list"), READERS, setup=impediment),
    Row(
        "POST",
        "risks-api:impediment-list",
        lambda w: url("impediment-list"),
        SM_TEAM_A,
        body=lambda w: {"team": w.team_a.pk, "title": "No staging", "severity": "high"},
    ),
    Row(
        "GET",
        "risks-api:impediment-detail",
        lambda w: url("impediment-detail", w.extra["impediment"].pk),
        READERS,
        setup=impediment,
    ),
    Row(
        "PATCH",
        "risks-api:impediment-detail",
        lambda w: url("impediment-detail", w.extra["impediment"].pk),
        SM_TEAM_A,
        setup=impediment,
        body=lambda w: {"severity": "critical", "status": "in_progress"},
        if_match=_version("impediment"),
    ),
    Row(
        "POST",
        "risks-api:impediment-escalate",
        lambda w: url("impediment-escalate", w.extra["impediment"].pk),
        SM_TEAM_A,
        setup=impediment,
        body=lambda w: {"note": "Ops said no twice."},
        if_match=_version("impediment"),
    ),
    Row(
        "POST",
        "risks-api:impediment-resolve",
        lambda w: url("impediment-resolve", w.extra["impediment"].pk),
        SM_TEAM_A,
        setup=impediment,
        body=lambda w: {"resolution": "Slot booked."},
        if_match=_version("impediment"),
    ),
    Row(
        "POST",
        "risks-api:impediment-reopen",
        lambda w: url("impediment-reopen", w.extra["impediment"].pk),
        SM_TEAM_A,
        setup=resolved_impediment,
        if_match=_version("impediment"),
    ),
    # ART Sync
    Row("GET", "risks-api:art-sync-list", lambda w: url("art-sync-list"), READERS, setup=art_sync),
    Row(
        "POST", "risks-api:art-sync-list", lambda w: url("art-sync-list"), RTE, body=lambda w: {"pi": w.pi.pk}
    ),
    Row(
        "GET",
        "risks-api:art-sync-detail",
        lambda w: url("art-sync-detail", w.extra["sync"].pk),
        READERS,
        setup=art_sync,
    ),
    Row(
        "PATCH",
        "risks-api:art-sync-detail",
        lambda w: url("art-sync-detail", w.extra["sync"].pk),
        RTE,
        setup=art_sync,
        body=lambda w: {"notes": "Gemini slipped."},
    ),
    Row(
        "POST",
        "risks-api:action-item-create",
        lambda w: url("action-item-create", w.extra["sync"].pk),
        RTE,
        setup=art_sync,
        body=lambda w: {"title": "Book staging", "owner": "sm", "due_date": _in_a_week(w)},
    ),
    Row("GET", "risks-api:action-item-list", lambda w: url("action-item-list"), READERS, setup=art_sync),
    Row(
        "GET",
        "risks-api:action-item-detail",
        lambda w: url("action-item-detail", w.extra["action"].pk),
        READERS,
        setup=art_sync,
    ),
    Row(
        "PATCH",
        "risks-api:action-item-detail",
        lambda w: url("action-item-detail", w.extra["action"].pk),
        RTE | {"member"},
        setup=art_sync,
        body=lambda w: {"status": "done"},
    ),
    # System demos
    Row("GET", "risks-api:system-demo-list", lambda w: url("system-demo-list"), READERS, setup=demo),
    Row(
        "POST",
        "risks-api:system-demo-list",
        lambda w: url("system-demo-list"),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"iteration": w.extra["next_iteration"].pk},
    ),
    Row(
        "GET",
        "risks-api:system-demo-detail",
        lambda w: url("system-demo-detail", w.extra["demo"].pk),
        READERS,
        setup=demo,
    ),
    Row(
        "PATCH",
        "risks-api:system-demo-detail",
        lambda w: url("system-demo-detail", w.extra["demo"].pk),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"notes": "They want the export sooner."},
    ),
    Row(
        "POST",
        "risks-api:demo-item-create",
        lambda w: url("demo-item-create", w.extra["demo"].pk),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"title": "Audit log"},
    ),
    Row(
        "POST",
        "risks-api:follow-up-create",
        lambda w: url("follow-up-create", w.extra["demo"].pk),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"title": "Send the deck", "owner": "pm"},
    ),
    Row(
        "PATCH",
        "risks-api:demo-item-detail",
        lambda w: url("demo-item-detail", w.extra["item"].pk),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"outcome": "shown", "feedback": "Loved it."},
    ),
    Row(
        "DELETE",
        "risks-api:demo-item-detail",
        lambda w: url("demo-item-detail", w.extra["item"].pk),
        DEMO_RUNNERS,
        setup=demo,
    ),
    Row(
        "PATCH",
        "risks-api:follow-up-detail",
        lambda w: url("follow-up-detail", w.extra["follow_up"].pk),
        DEMO_RUNNERS | {"member"},
        setup=demo,
        body=lambda w: {"status": "done"},
    ),
    # Inspect & Adapt
    Row("GET", "risks-api:problem-list", lambda w: url("problem-list"), READERS, setup=problem),
    Row(
        "POST",
        "risks-api:problem-list",
        lambda w: url("problem-list"),
        PARTICIPANTS,
        body=lambda w: {"pi": w.pi.pk, "statement": "Too many handovers"},
    ),
    Row(
        "GET",
        "risks-api:problem-detail",
        lambda w: url("problem-detail", w.extra["problem"].pk),
        READERS,
        setup=problem,
    ),
    Row(
        "PATCH",
        "risks-api:problem-detail",
        lambda w: url("problem-detail", w.extra["problem"].pk),
        IMPROVERS | {"member"},
        setup=problem,
        body=lambda w: {"root_causes": "One shared staging"},
    ),
    Row(
        "POST",
        "risks-api:problem-vote",
        lambda w: url("problem-vote", w.extra["problem"].pk),
        PARTICIPANTS,
        setup=problem,
    ),
    Row(
        "DELETE",
        "risks-api:problem-vote",
        lambda w: url("problem-vote", w.extra["problem"].pk),
        PARTICIPANTS,
        setup=problem_everyone_voted_for,
    ),
    Row("GET", "risks-api:improvement-list", lambda w: url("improvement-list"), READERS, setup=improvement),
    Row(
        "POST",
        "risks-api:improvement-list",
        lambda w: url("improvement-list"),
        IMPROVERS,
        body=lambda w: {"pi": w.pi.pk, "title": "Book staging weekly", "owner": "sm"},
    ),
    Row(
        "GET",
        "risks-api:improvement-detail",
        lambda w: url("improvement-detail", w.extra["improvement"].pk),
        READERS,
        setup=improvement,
    ),
    Row(
        "PATCH",
        "risks-api:improvement-detail",
        lambda w: url("improvement-detail", w.extra["improvement"].pk),
        IMPROVERS | {"member"},
        setup=improvement,
        body=lambda w: {"status": "in_progress"},
    ),
    Row(
        "POST",
        "risks-api:improvement-take",
        lambda w: url("improvement-take", w.extra["improvement"].pk),
        IMPROVERS,
        setup=improvement,
        body=lambda w: {"target_pi": w.extra["later_pi"].pk},
    ),
]
