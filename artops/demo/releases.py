"""The demo's release readiness (issue 16, part 4): the executing PI's release gets its go/no-go
checklist with the standard computed criteria, two custom criteria with owners, and a decision
history (a no-go, then a go with conditions), all through metrics' services as the RTE and a
Business Owner would record them. Draws nothing from the build's random generator: the steps
before it stay as they are.
"""

from __future__ import annotations

from datetime import timedelta

from metrics.releases.services import (
    release_checklist_create,
    release_criterion_add,
    release_decision_record,
)
from planning.models import Milestone, ProgramIncrement
from planning.services.board import milestone_create

from .common import Build, DemoTrain, at


def releases(build: Build, demo: DemoTrain) -> None:
    rte, bo = demo.users["rte"], demo.users["bo"]
    pi = next(pi for pi in demo.pis if pi.state == ProgramIncrement.State.EXECUTING)
    release = pi.milestones.filter(kind=Milestone.Kind.RELEASE).order_by("date").first()
    if release is None:
        release = milestone_create(
            pi=pi, name="Release 1", date=pi.start_date + timedelta(days=27), actor=rte
        )
    release.pi = pi
    checklist = release_checklist_create(
        milestone=release, actor=rte, at=at(release.date - timedelta(days=10), 9)
    )
    release_criterion_add(
        checklist=checklist,
        title="Security review signed off",
        owner=demo.users["architect"],
        status="met",
        note="Pen test findings closed; the card vault change reviewed with InfoSec.",
        actor=rte,
    )
    release_criterion_add(
        checklist=checklist,
        title="Runbook and support rota agreed with operations",
        owner=demo.users["pm"],
        status="at_risk",
        note="Rota agreed; the runbook's rollback section still waits for the payments team.",
        actor=rte,
    )
    checklist.refresh_from_db()
    release_decision_record(
        checklist=checklist,
        outcome="no_go",
        reason="Release features were still in validation and the card-vault dependency was red at the go/no-go.",
        expected_version=checklist.version,
        actor=rte,
        at=at(release.date - timedelta(days=3), 16),
    )
    checklist.refresh_from_db()
    release_decision_record(
        checklist=checklist,
        outcome="go_with_conditions",
        reason="The features that slipped leave this release behind their feature flags; what remains is operational risk.",
        conditions="Hotfix window staffed for 48 hours after release; rollback rehearsed the day before; "
        "partner checkout stays behind its feature flag until its demo item is accepted.",
        expected_version=checklist.version,
        actor=bo,
        at=at(release.date - timedelta(days=1), 11),
    )
