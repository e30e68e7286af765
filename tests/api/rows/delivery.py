"""Who may call the delivery events' API (planning/api/delivery.py), from planning/permissions.py
(can_record_delivery): everyone with a role on the train reads; a team's Scrum Master, Product Owner
and team members record, correct and remove their own team's events; the RTE and the System
Architect any team's, and those of no team. Product Managers, Business Owners and viewers only read.
The world's team a is Apollo (sm, po, member); team b's people (sm_other, po_other) may not touch
team a's events."""

from datetime import UTC, datetime

from django.urls import reverse

from planning.services.delivery import defect_record, deployment_record, incident_record

from ..table import READERS, Row

RECORDERS = frozenset({"rte", "architect"})
TEAM_A_RECORDERS = RECORDERS | {"sm", "po", "member"}
# Whoever records for at least one team may send a file (each row is then checked for its team).
ANY_RECORDER = TEAM_A_RECORDERS | {"sm_other", "po_other"}
WHEN = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)


def url(name: str, *args) -> str:
    return reverse(f"planning-api:{name}", args=["orbit", *args])


def deployment(w):
    """A deployment of team a in PI 7."""
    w.extra["deployment"] = deployment_record(
        train=w.train, actor=None, team=w.team_a, service="checkout", deployed_at=WHEN, reference="run-1"
    ).event


def incident(w):
    """An open incident of team a in PI 7."""
    w.extra["incident"] = incident_record(
        train=w.train, actor=None, team=w.team_a, service="checkout", title="Payments fail", started_at=WHEN
    ).event


def defect(w):
    """An open defect of team a found in PI 7."""
    w.extra["defect"] = defect_record(
        train=w.train, actor=None, team=w.team_a, title="Totals round wrongly", found_at=WHEN
    ).event


def _pk(key: str):
    return lambda w: w.extra[key].pk


def _version(key: str):
    return lambda w: w.extra[key].version


ROWS = [
    # Deployments
    Row("GET", "planning-api:deployment-list", lambda w: url("deployment-list"), READERS, setup=deployment),
    Row(
        "POST",
        "planning-api:deployment-list",
        lambda w: url("deployment-list"),
        TEAM_A_RECORDERS,
        body=lambda w: {"team": w.team_a.pk, "service": "checkout", "deployed_at": "2026-01-21T10:00:00Z"},
    ),
    Row(
        "GET",
        "planning-api:deployment-detail",
        lambda w: url("deployment-detail", w.extra["deployment"].pk),
        READERS,
        setup=deployment,
    ),
    Row(
        "PATCH",
        "planning-api:deployment-detail",
        lambda w: url("deployment-detail", w.extra["deployment"].pk),
        TEAM_A_RECORDERS,
        setup=deployment,
        body=lambda w: {"rolled_back": True},
    ),
    Row(
        "DELETE",
        "planning-api:deployment-detail",
        lambda w: url("deployment-detail", w.extra["deployment"].pk),
        TEAM_A_RECORDERS,
        setup=deployment,
    ),
    # Incidents
    Row("GET", "planning-api:incident-list", lambda w: url("incident-list"), READERS, setup=incident),
    Row(
        "POST",
        "planning-api:incident-list",
        lambda w: url("incident-list"),
        TEAM_A_RECORDERS,
        body=lambda w: {
            "team": w.team_a.pk,
            "service": "checkout",
            "title": "Slow pages",
            "started_at": "2026-01-21T10:00:00Z",
        },
    ),
    Row(
        "POST",
        "planning-api:incident-list",
        lambda w: url("incident-list"),
        RECORDERS,
        body=lambda w: {"service": "dns", "title": "DNS down", "started_at": "2026-01-21T10:00:00Z"},
        note="of no team",
    ),
    Row(
        "GET",
        "planning-api:incident-detail",
        lambda w: url("incident-detail", w.extra["incident"].pk),
        READERS,
        setup=incident,
    ),
    Row(
        "PATCH",
        "planning-api:incident-detail",
        lambda w: url("incident-detail", w.extra["incident"].pk),
        TEAM_A_RECORDERS,
        setup=incident,
        body=lambda w: {"restored_at": "2026-01-20T11:00:00Z"},
        if_match=_version("incident"),
    ),
    Row(
        "DELETE",
        "planning-api:incident-detail",
        lambda w: url("incident-detail", w.extra["incident"].pk),
        TEAM_A_RECORDERS,
        setup=incident,
        if_match=_version("incident"),
    ),
    # Defects
    Row("GET", "planning-api:defect-list", lambda w: url("defect-list"), READERS, setup=defect),
    Row(
        "POST",
        "planning-api:defect-list",
        lambda w: url("defect-list"),
        TEAM_A_RECORDERS,
        body=lambda w: {
            "team": w.team_a.pk,
            "title": "Label cut",
            "found_in": "production",
            "found_at": "2026-01-21T10:00:00Z",
        },
    ),
    Row(
        "GET",
        "planning-api:defect-detail",
        lambda w: url("defect-detail", w.extra["defect"].pk),
        READERS,
        setup=defect,
    ),
    Row(
        "PATCH",
        "planning-api:defect-detail",
        lambda w: url("defect-detail", w.extra["defect"].pk),
        TEAM_A_RECORDERS,
        setup=defect,
        body=lambda w: {"resolved_at": "2026-01-21T10:00:00Z"},
        if_match=_version("defect"),
    ),
    Row(
        "DELETE",
        "planning-api:defect-detail",
        lambda w: url("defect-detail", w.extra["defect"].pk),
        TEAM_A_RECORDERS,
        setup=defect,
        if_match=_version("defect"),
    ),
    # The CSV import: a call without a file is refused on its input (422) for whoever may send one;
    # the import itself is tested in tests/planning/test_delivery_api.py.
    Row(
        "POST",
        "planning-api:delivery-import",
        lambda w: url("delivery-import"),
        ANY_RECORDER,
        body=lambda w: {},
        ok=(422,),
    ),
]
