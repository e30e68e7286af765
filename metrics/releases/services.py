"""Writes for release readiness: a release milestone's go/no-go checklist, its criteria and the
decisions recorded on it. Each write is one transaction, checks who may make it (metrics/permissions.py),
refuses a change to a closed PI's release, and records itself in the train's history under the
release milestone (its History shows the checklist's life beside the milestone's own changes).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from planning.models import Milestone
from planning.services.common import require_open
from trains.errors import Conflict
from trains.guards import lock_for_change, require
from trains.history.models import Action, Kind
from trains.history.services import person, record
from trains.models import Membership

from ..models import ReleaseChecklist, ReleaseCriterion, ReleaseDecision
from ..permissions import can_decide_release, can_edit_release_checklist, can_update_criterion
from .selectors import release_readiness

Criterion = ReleaseCriterion
# The standard computed criteria every new checklist starts with, in the order a go/no-go reads them.
STANDARD_CRITERIA = [
    Criterion.Kind.FEATURES_DONE,
    Criterion.Kind.DEPENDENCIES_CLEAR,
    Criterion.Kind.CRITICAL_DEFECTS,
    Criterion.Kind.CRITICAL_INCIDENTS,
    Criterion.Kind.DEMO_ACCEPTED,
]
NOT_RTE = "Only the Release Train Engineer changes a release's go/no-go checklist."
NOT_OWNER = "Only the Release Train Engineer and the criterion's owner update it."
NOT_DECIDER = "Only the Release Train Engineer and Business Owners record a go/no-go decision."
CRITERION_FIELDS = ("title", "owner", "status", "note")
OWNER_FIELDS = ("status", "note")  # what a criterion's owner (not the RTE) may change


def _record(milestone: Milestone, actor, note: str, **change) -> None:
    record(
        train_id=milestone.pi.train_id,
        kind=Kind.MILESTONE,
        target=milestone,
        label=milestone.name,
        actor=actor,
        note=note,
        **change,
    )


def _readable(criterion: ReleaseCriterion) -> dict:
    return {
        "title": criterion.title,
        "owner": person(criterion.owner) or None,
        "status": criterion.get_status_display(),
        "note": criterion.note,
    }


def _check_owner(milestone: Milestone, owner) -> None:
    if (
        owner is not None
        and not Membership.objects.filter(train_id=milestone.pi.train_id, user=owner).exists()
    ):
        raise ValidationError({"owner": "Choose someone who holds a role on this train."})


def _check_status(kind: str, status: str) -> None:
    allowed = (
        [Criterion.Status.AUTO, Criterion.Status.NOT_APPLICABLE]
        if kind != Criterion.Kind.CUSTOM
        else [
            Criterion.Status.MET,
            Criterion.Status.NOT_MET,
            Criterion.Status.AT_RISK,
            Criterion.Status.NOT_APPLICABLE,
        ]
    )
    if status not in allowed:
        message = (
            "A computed criterion is read from live data, or marked not applicable."
            if kind != Criterion.Kind.CUSTOM
            else "Choose met, not met, at risk or not applicable."
        )
        raise ValidationError({"status": message})


def _bump(checklist_id: int) -> None:
    ReleaseChecklist.objects.filter(pk=checklist_id).update(version=F("version") + 1)


@transaction.atomic
def release_checklist_create(*, milestone: Milestone, actor=None, at=None) -> ReleaseChecklist:
    """Give a release milestone its go/no-go checklist, with the standard computed criteria."""
    require(actor, milestone.pi.train_id, can_edit_release_checklist, NOT_RTE)
    require_open(milestone.pi)
    if milestone.kind != Milestone.Kind.RELEASE:
        raise ValidationError("Only a release milestone has a go/no-go checklist.")
    # Lock the milestone: two clicks on "create" make one checklist, the second is told.
    Milestone.objects.select_for_update(of=("self",)).get(pk=milestone.pk)
    if ReleaseChecklist.objects.filter(milestone=milestone).exists():
        raise Conflict(f"{milestone.name} already has a go/no-go checklist.")
    checklist = ReleaseChecklist.objects.create(
        milestone=milestone, created_by=actor, created_at=at or timezone.now()
    )
    ReleaseCriterion.objects.bulk_create(
        [
            ReleaseCriterion(
                checklist=checklist,
                kind=kind,
                title=Criterion.Kind(kind).label,
                status=Criterion.Status.AUTO,
                position=position,
            )
            for position, kind in enumerate(STANDARD_CRITERIA)
        ]
    )
    _record(
        milestone,
        actor,
        "Go/no-go checklist created with the standard criteria: "
        + ", ".join(Criterion.Kind(kind).label.lower() for kind in STANDARD_CRITERIA)
        + ".",
        at=checklist.created_at,
    )
    return checklist


@transaction.atomic
def release_checklist_set_scope(
    *, checklist: ReleaseChecklist, teams, expected_version: int, actor=None
) -> ReleaseChecklist:
    """Limit the release to some teams (none: every team of the train)."""
    current = lock_for_change(
        ReleaseChecklist.objects.select_related("milestone__pi"), checklist.pk, expected_version
    )
    milestone = current.milestone
    require(actor, milestone.pi.train_id, can_edit_release_checklist, NOT_RTE)
    require_open(milestone.pi)
    teams = list(teams)
    if any(team.train_id != milestone.pi.train_id for team in teams):
        raise ValidationError({"teams": "Choose teams of this train."})
    before = sorted(team.name for team in current.teams.all()) or ["every team"]
    current.teams.set(teams)
    current.version += 1
    current.save(update_fields=["version"])
    after = sorted(team.name for team in teams) or ["every team"]
    _record(milestone, actor, "Release scope changed.", before={"teams": before}, after={"teams": after})
    return current


@transaction.atomic
def release_criterion_add(
    *,
    checklist: ReleaseChecklist,
    title: str,
    actor=None,
    owner=None,
    status: str = Criterion.Status.NOT_MET,
    note: str = "",
) -> ReleaseCriterion:
    """Add a custom criterion (a sign-off, a runbook, a support rota…) with its owner and status."""
    checklist = ReleaseChecklist.objects.select_related("milestone__pi").get(pk=checklist.pk)
    milestone = checklist.milestone
    require(actor, milestone.pi.train_id, can_edit_release_checklist, NOT_RTE)
    require_open(milestone.pi)
    _check_owner(milestone, owner)
    _check_status(Criterion.Kind.CUSTOM, status)
    last = checklist.criteria.order_by("-position").values_list("position", flat=True).first()
    criterion = ReleaseCriterion(
        checklist=checklist,
        kind=Criterion.Kind.CUSTOM,
        title=(title or "").strip(),
        owner=owner,
        status=status,
        note=(note or "").strip(),
        position=0 if last is None else last + 1,
    )
    criterion.full_clean(exclude=["checklist"])
    criterion.save()
    _bump(checklist.pk)
    _record(
        milestone,
        actor,
        f"Go/no-go criterion added: {criterion.title}.",
        action=Action.CHANGED,
        after=_readable(criterion),
    )
    return criterion


@transaction.atomic
def release_criterion_update(
    *, criterion: ReleaseCriterion, expected_version: int, actor=None, **fields
) -> ReleaseCriterion:
    """Change a criterion. The RTE changes anything (a computed one's title, owner, note, and whether
    it applies); its owner reports its status and note."""
    current = lock_for_change(
        ReleaseCriterion.objects.select_related("checklist__milestone__pi", "owner"),
        criterion.pk,
        expected_version,
    )
    milestone = current.checklist.milestone
    unknown = set(fields) - set(CRITERION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown criterion fields: {sorted(unknown)}")
    require(actor, milestone.pi.train_id, lambda access: can_update_criterion(access, current), NOT_OWNER)
    changing = {name for name, value in fields.items() if value != getattr(current, name)}
    require(
        actor,
        milestone.pi.train_id,
        lambda access: can_edit_release_checklist(access) or changing <= set(OWNER_FIELDS),
        "A criterion's owner reports its status and note; the Release Train Engineer changes the rest.",
    )
    require_open(milestone.pi)
    if "owner" in fields:
        _check_owner(milestone, fields["owner"])
    if "status" in fields:
        _check_status(current.kind, fields["status"])
    before = _readable(current)
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) and name != "status" else value)
    current.full_clean(exclude=["checklist"])
    current.version += 1
    current.save()
    _record(
        milestone, actor, f"Go/no-go criterion: {current.title}.", before=before, after=_readable(current)
    )
    return current


@transaction.atomic
def release_criterion_remove(*, criterion: ReleaseCriterion, expected_version: int, actor=None) -> None:
    """Remove a custom criterion. A computed one stays: mark it not applicable instead, so the
    checklist still says it was considered."""
    current = lock_for_change(
        ReleaseCriterion.objects.select_related("checklist__milestone__pi", "owner"),
        criterion.pk,
        expected_version,
    )
    milestone = current.checklist.milestone
    require(actor, milestone.pi.train_id, can_edit_release_checklist, NOT_RTE)
    require_open(milestone.pi)
    if current.is_computed:
        raise ValidationError("A computed criterion is not removed: mark it not applicable instead.")
    before = _readable(current)
    current.delete()
    _bump(current.checklist_id)
    _record(milestone, actor, f"Go/no-go criterion removed: {before['title']}.", before=before, after={})


@transaction.atomic
def release_decision_record(
    *,
    checklist: ReleaseChecklist,
    outcome: str,
    reason: str,
    expected_version: int,
    conditions: str = "",
    actor=None,
    at=None,
) -> ReleaseDecision:
    """Record a go / no-go / go-with-conditions decision, with the readiness it was taken on.

    Based on the checklist version the decider looked at: a checklist changed meanwhile (scope,
    criteria added or removed, another decision) refuses it, so nobody decides on what they did not see.
    """
    current = lock_for_change(
        ReleaseChecklist.objects.select_related("milestone__pi"), checklist.pk, expected_version
    )
    milestone = current.milestone
    require(actor, milestone.pi.train_id, can_decide_release, NOT_DECIDER)
    require_open(milestone.pi)
    reason, conditions = (reason or "").strip(), (conditions or "").strip()
    errors = {}
    if outcome not in ReleaseDecision.Outcome.values:
        errors["outcome"] = ["Choose go, go with conditions or no-go."]
    if not reason:
        errors["reason"] = ["Say why: the decision log is read later by people who were not there."]
    if outcome == ReleaseDecision.Outcome.GO_WITH_CONDITIONS and not conditions:
        errors["conditions"] = ["State the conditions the release goes with."]
    if errors:
        raise ValidationError(errors)
    previous = current.decisions.order_by("-decided_at", "-pk").first()
    figure = release_readiness(milestone).figure
    decision = ReleaseDecision(
        checklist=current,
        outcome=outcome,
        reason=reason,
        conditions=conditions,
        decided_by=actor,
        decided_by_name=person(actor)[:150],
        decided_at=at or timezone.now(),
        readiness=figure.percent,
    )
    decision.full_clean(exclude=["checklist", "decided_by"])
    decision.save()
    current.version += 1
    current.save(update_fields=["version"])
    _record(
        milestone,
        actor,
        f"Release decision: {decision.get_outcome_display()}. {reason}"
        + (f" Conditions: {conditions}" if conditions else ""),
        before={"decision": previous.get_outcome_display() if previous else None},
        after={"decision": decision.get_outcome_display()},
        at=decision.decided_at,
    )
    return decision
