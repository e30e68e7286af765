"""Writes for risks and impediments, with their history (ROAM moves, escalations)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from trains.access import NotAllowed, train_access

from .models import Impediment, ImpedimentEscalation, Risk, RiskRoamChange
from .permissions import can_raise_impediment, can_roam_risk, can_update_impediment

LEVEL_ORDER = [level.value for level in Impediment.Level]


@transaction.atomic
def risk_roam(*, risk: Risk, status: str, actor, owner=None, note: str = "", at=None) -> Risk:
    """Put a risk in a ROAM column, keeping the move in its history."""
    if actor is not None and not can_roam_risk(train_access(actor, risk.train_id), risk):
        raise NotAllowed("You may not ROAM this risk.")
    if status not in Risk.Roam.values:
        raise ValidationError({"roam_status": "Unknown ROAM status."})
    owner = owner or risk.owner
    if status == Risk.Roam.OWNED and owner is None:
        raise ValidationError({"owner": "An owned risk needs an owner: who takes it on?"})
    if status == Risk.Roam.MITIGATED and not risk.mitigation_plan.strip():
        raise ValidationError(
            {"mitigation_plan": "Describe the mitigation plan before marking it mitigated."}
        )
    if status == risk.roam_status and owner == risk.owner:
        return risk
    RiskRoamChange.objects.create(
        risk=risk,
        from_status=risk.roam_status,
        to_status=status,
        note=note,
        actor=actor,
        changed_at=at or timezone.now(),
    )
    risk.roam_status, risk.owner = status, owner
    risk.version = F("version") + 1
    risk.save(update_fields=["roam_status", "owner", "version", "updated_at"])
    risk.refresh_from_db(fields=["version"])
    return risk


@transaction.atomic
def impediment_raise(
    *, team, title: str, actor, severity: str = "medium", description: str = "", at=None
) -> Impediment:
    if actor is not None and not can_raise_impediment(train_access(actor, team.train_id), team.pk):
        raise NotAllowed("Only the team's Scrum Master (or the RTE) raises its impediments.")
    if not title.strip():
        raise ValidationError({"title": "Say what blocks the team."})
    return Impediment.objects.create(
        train_id=team.train_id,
        team=team,
        title=title.strip(),
        description=description,
        severity=severity,
        raised_by=actor,
        owner=actor,
        raised_at=at or timezone.now(),
    )


@transaction.atomic
def impediment_escalate(*, impediment: Impediment, note: str, actor, at=None) -> Impediment:
    """Escalate one level up (team → ART → portfolio), with a note saying why."""
    if actor is not None and not can_update_impediment(train_access(actor, impediment.train_id), impediment):
        raise NotAllowed("You may not update this impediment.")
    if impediment.status == Impediment.Status.RESOLVED:
        raise ValidationError({"status": "This impediment is resolved; reopen it before escalating."})
    if not note.strip():
        raise ValidationError({"note": "Say why it needs escalating and what was tried."})
    current = LEVEL_ORDER.index(impediment.escalation_level)
    if current == len(LEVEL_ORDER) - 1:
        raise ValidationError({"escalation_level": "Already escalated to the portfolio, the highest level."})
    new_level = LEVEL_ORDER[current + 1]
    ImpedimentEscalation.objects.create(
        impediment=impediment,
        from_level=impediment.escalation_level,
        to_level=new_level,
        note=note.strip(),
        actor=actor,
        escalated_at=at or timezone.now(),
    )
    impediment.escalation_level, impediment.status = new_level, Impediment.Status.ESCALATED
    impediment.version = F("version") + 1
    impediment.save(update_fields=["escalation_level", "status", "version"])
    impediment.refresh_from_db(fields=["version"])
    return impediment


@transaction.atomic
def impediment_resolve(*, impediment: Impediment, resolution: str, actor, at=None) -> Impediment:
    """Resolve it; the time is kept because blocker resolution time (domain.md §4.6) is built on it."""
    if actor is not None and not can_update_impediment(train_access(actor, impediment.train_id), impediment):
        raise NotAllowed("You may not update this impediment.")
    if impediment.status == Impediment.Status.RESOLVED:
        raise ValidationError({"status": "Already resolved."})
    at = at or timezone.now()
    if at < impediment.raised_at:
        raise ValidationError({"resolved_at": "It cannot be resolved before it was raised."})
    impediment.status, impediment.resolved_at, impediment.resolution = (
        Impediment.Status.RESOLVED,
        at,
        resolution,
    )
    impediment.version = F("version") + 1
    impediment.save(update_fields=["status", "resolved_at", "resolution", "version"])
    impediment.refresh_from_db(fields=["version"])
    return impediment
