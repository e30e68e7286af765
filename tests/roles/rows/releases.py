"""Who may open and use release readiness and the leadership summary (metrics/urls.py).

metrics/permissions.py says who and why: everyone with a role reads the releases, a release's
checklist and the summary (page and PDF); the RTE creates a checklist, picks its scope and adds,
edits and removes criteria; a criterion's owner (here the team member) updates its status and
note; the RTE and Business Owners record the go/no-go decision.
"""

from django.urls import reverse

from metrics.releases.services import release_checklist_create, release_criterion_add
from planning.factories import MilestoneFactory
from planning.models import Milestone

from ..table import READERS, RTE, Row

DECIDERS = frozenset({"rte", "bo"})
CRITERION_EDITORS = frozenset({"rte", "member"})


def url(name: str, *args) -> str:
    return reverse(f"metrics:{name}", args=["orbit", *args])


def release(w):
    """A release milestone of PI 7 without a checklist yet."""
    w.extra["release"] = MilestoneFactory(pi=w.pi, name="Release 7.1", kind=Milestone.Kind.RELEASE)


def checklist(w):
    """A release with its checklist and a custom criterion owned by the team member."""
    release(w)
    w.extra["checklist"] = release_checklist_create(milestone=w.extra["release"], actor=None)
    w.extra["criterion"] = release_criterion_add(
        checklist=w.extra["checklist"], title="Runbook ready", owner=w.users["member"], actor=None
    )
    w.extra["checklist"].refresh_from_db()


def _release(name: str):
    return lambda w: url(name, w.extra["release"].pk)


def _criterion(name: str):
    return lambda w: url(name, w.extra["criterion"].pk)


ROWS = [
    Row("GET", "metrics:releases", lambda w: url("releases") + f"?pi={w.pi.pk}", READERS, setup=checklist),
    Row("GET", "metrics:release", _release("release"), READERS, setup=checklist),
    Row("POST", "metrics:release_checklist_new", _release("release_checklist_new"), RTE, setup=release),
    Row(
        "POST",
        "metrics:release_scope",
        _release("release_scope"),
        RTE,
        setup=checklist,
        body=lambda w: {"teams": [w.team_a.pk], "version": w.extra["checklist"].version},
    ),
    Row(
        "POST",
        "metrics:release_criterion_new",
        _release("release_criterion_new"),
        RTE,
        setup=checklist,
        body=lambda w: {"new-title": "Support rota agreed", "new-status": "not_met"},
    ),
    Row(
        "POST",
        "metrics:release_decide",
        _release("release_decide"),
        DECIDERS,
        setup=checklist,
        body=lambda w: {"outcome": "go", "reason": "All green.", "version": w.extra["checklist"].version},
    ),
    Row(
        "GET",
        "metrics:release_criterion_edit",
        _criterion("release_criterion_edit"),
        CRITERION_EDITORS,
        setup=checklist,
        htmx=True,
    ),
    Row(
        "POST",
        "metrics:release_criterion_edit",
        _criterion("release_criterion_edit"),
        CRITERION_EDITORS,
        setup=checklist,
        body=lambda w: {
            "title": "Runbook ready",
            "owner": w.users["member"].pk,
            "status": "met",
            "note": "Reviewed with ops.",
            "version": w.extra["criterion"].version,
        },
    ),
    Row(
        "POST",
        "metrics:release_criterion_delete",
        _criterion("release_criterion_delete"),
        RTE,
        setup=checklist,
        body=lambda w: {"version": w.extra["criterion"].version},
    ),
    Row("GET", "metrics:summary_current", lambda w: url("summary_current"), READERS, setup=checklist),
    Row("GET", "metrics:summary", lambda w: url("summary", w.pi.pk), READERS, setup=checklist),
    Row("GET", "metrics:summary_pdf", lambda w: url("summary_pdf", w.pi.pk), READERS, setup=checklist),
]
