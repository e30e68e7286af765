"""Who may open and use the running-the-PI pages (risks/urls.py): the ROAM board, impediments, ART
Sync, system demos, Inspect & Adapt, and risks from vote concerns; and the metrics dashboard.

The same predicates as the API (tests/api/rows/risks.py says who and why, from risks/permissions.py).
Risks: every role but Viewer raises one; the RTE ROAMs and edits every risk, a team's Scrum Master
and Product Owner their team's, Product Management the ART's (no team). The metrics are everyone's
to read and to recompute (it changes no plan).
"""

from django.urls import reverse

from risks.services.calendar import calendar_feed_create
from tests.api.rows.planning_run import ART_VOTERS
from tests.api.rows.risks import (
    DEMO_RUNNERS,
    IMPROVERS,
    PARTICIPANTS,
    ROAM_ART,
    ROAM_TEAM_A,
    SM_TEAM_A,
    art_risk,
    art_sync,
    demo,
    impediment,
    improvement,
    problem,
    resolved_impediment,
    risk,
    vote_concern,
)

from ..table import EVERYBODY, READERS, RTE, Row

MEMBER = frozenset({"member"})


def url(name: str, *args) -> str:
    return reverse(f"risks:{name}", args=["orbit", *args])


def of_pi(name: str, *args):
    return lambda w: f"{url(name, *args)}?pi={w.pi.pk}"


def _pk(key: str):
    return lambda w: w.extra[key].pk


def export_of(name: str, fmt: str):
    return lambda w: reverse(f"risks:{name}", kwargs={"slug": "orbit", "fmt": fmt}) + f"?pi={w.pi.pk}"


def calendar(w):
    """A secret address of the train's calendar."""
    w.extra["feed"], w.extra["token"] = calendar_feed_create(train=w.train, actor=None)


def risk_body(w) -> dict:
    return {"title": "Vendor may slip", "impact": 3, "likelihood": 4, "version": w.extra["risk"].version}


ROWS = [
    # --- the ROAM board and one risk ---
    Row("GET", "risks:roam_board", of_pi("roam_board"), READERS, setup=risk),
    Row("GET", "risks:risk_new", of_pi("risk_new"), PARTICIPANTS),
    Row(
        "POST",
        "risks:risk_new",
        of_pi("risk_new"),
        PARTICIPANTS,
        body=lambda w: {"title": "Vendor may slip", "impact": 3, "likelihood": 3, "team": w.team_b.pk},
        note="another team's",
    ),
    Row("GET", "risks:risk_detail", lambda w: url("risk_detail", w.extra["risk"].pk), READERS, setup=risk),
    Row(
        "POST",
        "risks:risk_detail",
        lambda w: url("risk_detail", w.extra["risk"].pk),
        ROAM_TEAM_A,
        setup=risk,
        body=risk_body,
    ),
    Row(
        "POST",
        "risks:risk_detail",
        lambda w: url("risk_detail", w.extra["risk"].pk),
        ROAM_ART,
        setup=art_risk,
        body=risk_body,
        note="ART risk",
    ),
    Row(
        "POST",
        "risks:risk_move",
        lambda w: url("risk_move", w.extra["risk"].pk),
        ROAM_TEAM_A,
        setup=risk,
        body=lambda w: {"status": "accepted", "version": w.extra["risk"].version, "board_pi": w.pi.pk},
        htmx=True,
    ),
    Row(
        "POST",
        "risks:risk_move",
        lambda w: url("risk_move", w.extra["risk"].pk),
        ROAM_ART,
        setup=art_risk,
        body=lambda w: {"status": "accepted", "version": w.extra["risk"].version, "board_pi": w.pi.pk},
        htmx=True,
        note="ART risk",
    ),
    Row(
        "POST",
        "risks:risk_raise",
        lambda w: url("risk_raise", w.extra["risk"].pk),
        ROAM_TEAM_A,
        setup=risk,
        body=lambda w: {"note": "Two teams depend on it.", "version": w.extra["risk"].version},
    ),
    Row(
        "POST",
        "risks:risk_from_vote_concern",
        lambda w: url("risk_from_vote_concern", w.extra["vote"].pk),
        RTE,
        setup=vote_concern,
    ),
    # --- impediments: the team's Scrum Master and the RTE ---
    Row("GET", "risks:impediments", lambda w: url("impediments"), READERS, setup=impediment),
    Row("GET", "risks:impediment_new", lambda w: url("impediment_new"), SM_TEAM_A | {"sm_other"}),
    Row(
        "POST",
        "risks:impediment_new",
        lambda w: url("impediment_new"),
        SM_TEAM_A,
        body=lambda w: {"team": w.team_a.pk, "title": "No staging", "severity": "high"},
    ),
    Row(
        "GET",
        "risks:impediment_detail",
        lambda w: url("impediment_detail", w.extra["impediment"].pk),
        READERS,
        setup=impediment,
    ),
    Row(
        "POST",
        "risks:impediment_detail",
        lambda w: url("impediment_detail", w.extra["impediment"].pk),
        SM_TEAM_A,
        setup=impediment,
        body=lambda w: {
            "title": "No staging at all",
            "severity": "critical",
            "version": w.extra["impediment"].version,
        },
    ),
    Row(
        "POST",
        "risks:impediment_escalate",
        lambda w: url("impediment_escalate", w.extra["impediment"].pk),
        SM_TEAM_A,
        setup=impediment,
        body=lambda w: {"note": "Ops said no twice.", "version": w.extra["impediment"].version},
    ),
    Row(
        "POST",
        "risks:impediment_resolve",
        lambda w: url("impediment_resolve", w.extra["impediment"].pk),
        SM_TEAM_A,
        setup=impediment,
        body=lambda w: {"resolution": "Slot booked.", "version": w.extra["impediment"].version},
    ),
    Row(
        "POST",
        "risks:impediment_reopen",
        lambda w: url("impediment_reopen", w.extra["impediment"].pk),
        SM_TEAM_A,
        setup=resolved_impediment,
        body=lambda w: {"version": w.extra["impediment"].version},
    ),
    # --- ART Sync: the RTE's; an action's owner ticks it off ---
    Row("GET", "risks:art_sync", of_pi("art_sync"), READERS, setup=art_sync),
    Row("POST", "risks:art_sync_start", of_pi("art_sync_start"), RTE),
    Row(
        "POST",
        "risks:art_sync_notes",
        lambda w: url("art_sync_notes", w.extra["sync"].pk),
        RTE,
        setup=art_sync,
        body=lambda w: {"notes": "Gemini slipped."},
        htmx=True,
    ),
    Row(
        "POST",
        "risks:action_new",
        lambda w: url("action_new", w.extra["sync"].pk),
        RTE,
        setup=art_sync,
        body=lambda w: {"title": "Book staging", "owner": w.users["sm"].pk},
        htmx=True,
    ),
    Row(
        "POST",
        "risks:action_done",
        lambda w: url("action_done", w.extra["action"].pk),
        RTE | MEMBER,
        setup=art_sync,
        htmx=True,
    ),
    # --- system demos: the RTE, Product Management and the System Architect; a follow-up's owner ---
    Row("GET", "risks:system_demo", of_pi("system_demo"), READERS, setup=demo),
    Row(
        "POST",
        "risks:system_demo_new",
        lambda w: url("system_demo_new"),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"iteration": w.extra["next_iteration"].pk},
    ),
    Row(
        "POST",
        "risks:system_demo_edit",
        lambda w: url("system_demo_edit", w.extra["demo"].pk),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"held_on": w.extra["demo"].held_on.isoformat(), "notes": "They loved it."},
    ),
    Row(
        "POST",
        "risks:demo_item_new",
        lambda w: url("demo_item_new", w.extra["demo"].pk),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"title": "Audit log"},
    ),
    Row(
        "POST",
        "risks:demo_item_edit",
        lambda w: url("demo_item_edit", w.extra["item"].pk),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"outcome": "shown", "feedback": "Loved it."},
    ),
    Row(
        "POST",
        "risks:follow_up_new",
        lambda w: url("follow_up_new", w.extra["demo"].pk),
        DEMO_RUNNERS,
        setup=demo,
        body=lambda w: {"title": "Send the deck", "owner": w.users["pm"].pk},
    ),
    Row(
        "POST",
        "risks:follow_up_done",
        lambda w: url("follow_up_done", w.extra["follow_up"].pk),
        DEMO_RUNNERS | MEMBER,
        setup=demo,
        body=lambda w: {"done": "1"},
    ),
    # --- Inspect & Adapt ---
    Row("GET", "risks:inspect_adapt", of_pi("inspect_adapt"), READERS, setup=problem),
    Row(
        "POST",
        "risks:problem_new",
        of_pi("problem_new"),
        PARTICIPANTS,
        body=lambda w: {"statement": "Too many handovers"},
    ),
    Row(
        "POST",
        "risks:problem_edit",
        lambda w: url("problem_edit", w.extra["problem"].pk),
        IMPROVERS | MEMBER,
        setup=problem,
        body=lambda w: {"statement": "Staging is booked out", "root_causes": "One shared staging"},
    ),
    Row(
        "POST",
        "risks:problem_vote",
        lambda w: url("problem_vote", w.extra["problem"].pk),
        PARTICIPANTS,
        setup=problem,
    ),
    Row(
        "POST",
        "risks:improvement_new",
        of_pi("improvement_new"),
        IMPROVERS,
        body=lambda w: {"title": "Book staging weekly"},
    ),
    Row(
        "POST",
        "risks:improvement_take",
        lambda w: url("improvement_take", w.extra["improvement"].pk),
        IMPROVERS,
        setup=improvement,
        body=lambda w: {"target_pi": w.extra["later_pi"].pk},
    ),
    Row(
        "POST",
        "risks:improvement_status",
        lambda w: url("improvement_status", w.extra["improvement"].pk),
        IMPROVERS | MEMBER,
        setup=improvement,
        body=lambda w: {"status": "in_progress"},
    ),
    # --- exports: whoever reads the page downloads it ---
    Row("GET", "risks:roam_export", lambda w: export_of("roam_export", "csv")(w), READERS, setup=risk),
    Row("GET", "risks:impediments_export", lambda w: export_of("impediments_export", "xlsx")(w), READERS),
    Row("GET", "risks:action_items_export", lambda w: export_of("action_items_export", "csv")(w), READERS),
    # --- the ART calendar: the RTE keeps its secret addresses; whoever holds one reads the feed ---
    Row("GET", "risks:calendar", lambda w: url("calendar"), RTE, setup=calendar),
    Row("POST", "risks:calendar_create", lambda w: url("calendar_create"), RTE),
    Row(
        "POST",
        "risks:calendar_revoke",
        lambda w: url("calendar_revoke", w.extra["feed"].pk),
        RTE,
        setup=calendar,
    ),
    Row(
        "GET",
        "risks:calendar_feed",
        lambda w: reverse("risks:calendar_feed", kwargs={"slug": "orbit", "token": w.extra["token"]}),
        EVERYBODY,
        setup=calendar,
    ),
    # --- metrics ---
    Row("GET", "metrics:dashboard", lambda w: reverse("metrics:dashboard", args=["orbit"]), READERS),
    Row(
        "GET",
        "metrics:dashboard_pi",
        lambda w: reverse("metrics:dashboard_pi", args=["orbit", w.pi.pk]),
        READERS,
    ),
    Row(
        "POST",
        "metrics:recompute",
        lambda w: reverse("metrics:recompute", args=["orbit", w.pi.pk]),
        READERS,
        htmx=True,
    ),
    Row(
        "GET",
        "metrics:recompute_status",
        lambda w: reverse("metrics:recompute_status", args=["orbit", w.pi.pk]) + "?covers=0",
        READERS,
        htmx=True,
    ),
]

__all__ = ["ART_VOTERS", "ROWS"]
