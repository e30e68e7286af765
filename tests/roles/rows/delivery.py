"""Who may open and use the Delivery page (planning/views/delivery.py): the same predicate as the API
(tests/api/rows/delivery.py says who and why). Everyone with a role on the train reads it; a team's
Scrum Master, Product Owner and team members record their team's events, restore its incidents and
resolve its defects; the RTE and the System Architect any team's. Whoever records for some team may
send a CSV file (each row is then checked for its team)."""

from django.urls import reverse

from tests.api.rows.delivery import ANY_RECORDER, TEAM_A_RECORDERS, defect, deployment, incident

from ..table import READERS, Row


def url(name: str, *args) -> str:
    return reverse(f"planning:{name}", args=["orbit", *args])


ROWS = [
    Row("GET", "planning:delivery", lambda w: url("delivery"), READERS, setup=deployment),
    Row(
        "POST",
        "planning:deployment_new",
        lambda w: url("deployment_new"),
        TEAM_A_RECORDERS,
        body=lambda w: {
            "team": w.team_a.pk,
            "service": "checkout",
            "environment": "production",
            "deployed_at": "2026-01-21T10:00",
            "succeeded": "on",
        },
        htmx=True,
    ),
    Row(
        "POST",
        "planning:incident_new",
        lambda w: url("incident_new"),
        TEAM_A_RECORDERS,
        body=lambda w: {
            "team": w.team_a.pk,
            "title": "Slow pages",
            "service": "checkout",
            "severity": "high",
            "started_at": "2026-01-21T10:00",
        },
        htmx=True,
    ),
    Row(
        "POST",
        "planning:incident_restore",
        lambda w: url("incident_restore", w.extra["incident"].pk),
        TEAM_A_RECORDERS,
        setup=incident,
        body=lambda w: {"version": w.extra["incident"].version},
        htmx=True,
    ),
    Row(
        "POST",
        "planning:defect_new",
        lambda w: url("defect_new"),
        TEAM_A_RECORDERS,
        body=lambda w: {
            "team": w.team_a.pk,
            "title": "Label cut",
            "found_in": "production",
            "severity": "low",
            "found_at": "2026-01-21T10:00",
        },
        htmx=True,
    ),
    Row(
        "POST",
        "planning:defect_resolve",
        lambda w: url("defect_resolve", w.extra["defect"].pk),
        TEAM_A_RECORDERS,
        setup=defect,
        body=lambda w: {"version": w.extra["defect"].version},
        htmx=True,
    ),
    # Without a file: refused on its input (422) for whoever may send one, on who they are for the rest.
    Row(
        "POST", "planning:delivery_import", lambda w: url("delivery_import"), ANY_RECORDER, body=lambda w: {}
    ),
]
