"""Impediments: raised by a team's Scrum Master, escalated level by level, resolved or reopened;
the features they block are blocked and released through planning's own service."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import Feature
from planning.services import feature_set_blocked
from trains.guards import require
from trains.history.models import Action, Kind
from trains.history.services import labels, record, snapshot
from trains.models import WebhookEvent
from trains.webhooks.services import emit

from ..models import Impediment, ImpedimentEscalation
from ..permissions import can_raise_impediment, can_update_impediment
from .common import _bump, _check_member, _lock, _raise
from .inbox import inbox_impediment_escalated

LEVEL_ORDER = [level.value for level in Impediment.Level]
NOT_YOURS = "Only the team's Scrum Master (or the RTE) updates its impediments."
# What an impediment's history follows (its escalations and resolution keep their own notes too).
HISTORY_FIELDS = ("title", "description", "severity", "status", "escalation_level", "owner", "resolution")


def _record(impediment: Impediment, actor, **change) -> None:
    record(
        train_id=impediment.train_id,
        kind=Kind.IMPEDIMENT,
        target=impediment,
        label=impediment.title,
        actor=actor,
        **change,
    )


def _lock_for_update(impediment: Impediment, expected_version: int, actor) -> None:
    """Bring the impediment up to date under a lock; refuse a stale change or someone not its team's."""
    _lock(impediment, expected_version)
    require(actor, impediment.train_id, lambda access: can_update_impediment(access, impediment), NOT_YOURS)


def _check_blocked_features(impediment_train_id: int, team_id: int, features: list[Feature], errors: dict):
    wrong = [f for f in features if f.train_id != impediment_train_id or f.team_id != team_id]
    if wrong:
        errors["blocked_features"] = f"“{wrong[0]}” is not a feature of this impediment's team."


def _block(features: Iterable[Feature], *, actor, at, reason: str) -> None:
    for feature in features:
        feature_set_blocked(feature=feature, blocked=True, actor=actor, at=at, reason=reason[:200])


def _release(impediment: Impediment, features: Iterable[Feature], *, at) -> None:
    """Unblock the features no other open impediment still blocks (flow efficiency stops counting
    their waiting time). No actor: the resolution itself was the authorised write, and a feature
    may have moved to a team the actor does not plan since it was blocked."""
    features = list(features)
    still_blocked = set(
        Impediment.objects.filter(blocked_features__in=features)
        .exclude(pk=impediment.pk)
        .exclude(status=Impediment.Status.RESOLVED)
        .values_list("blocked_features", flat=True)
    )
    for feature in features:
        if feature.pk not in still_blocked:
            feature_set_blocked(feature=feature, blocked=False, actor=None, at=at)


@transaction.atomic
def impediment_raise(
    *,
    team,
    title: str,
    actor,
    severity: str = "medium",
    description: str = "",
    blocked_features: Iterable[Feature] = (),
    at=None,
) -> Impediment:
    """A Scrum Master raises an impediment for their own team (the RTE for any team)."""
    require(
        actor,
        team.train_id,
        lambda access: can_raise_impediment(access, team.pk),
        "Only the team's Scrum Master (or the RTE) raises its impediments.",
    )
    errors: dict = {}
    if not title.strip():
        errors["title"] = "Say what blocks the team."
    if severity not in Impediment.Severity.values:
        errors["severity"] = "Choose a severity."
    features = list(blocked_features)
    _check_blocked_features(team.train_id, team.pk, features, errors)
    _raise(errors)
    at = at or timezone.now()
    impediment = Impediment.objects.create(
        train_id=team.train_id,
        team=team,
        title=title.strip(),
        description=description,
        severity=severity,
        raised_by=actor,
        owner=actor,
        raised_at=at,
    )
    after = {**snapshot(impediment, "team", *HISTORY_FIELDS), "blocked_features": labels(features)}
    _record(impediment, actor, action=Action.CREATED, after=after, at=at)
    if features:
        impediment.blocked_features.set(features)
        _block(features, actor=actor, at=at, reason=f"Impediment: {impediment.title}")
    _announce(impediment, WebhookEvent.IMPEDIMENT_RAISED, actor)
    return impediment


def _announce(impediment: Impediment, event: str, actor) -> None:
    data = {
        "impediment": {
            "id": impediment.pk,
            "title": impediment.title,
            "team": impediment.team_id,
            "status": impediment.status,
            "escalation_level": impediment.escalation_level,
        }
    }
    emit(train=impediment.train, event=event, actor=actor, data=data)


@transaction.atomic
def impediment_update(
    *,
    impediment: Impediment,
    actor,
    expected_version: int,
    title: str | None = None,
    description: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    owner=None,
    blocked_features: Iterable[Feature] | None = None,
    at=None,
) -> Impediment:
    """Update an impediment: its words, severity, owner, working status and the features it blocks.

    Escalating and resolving have their own services (they need a note, and keep a time).
    """
    _lock_for_update(impediment, expected_version, actor)
    at = at or timezone.now()
    errors: dict = {}
    if title is not None and not title.strip():
        errors["title"] = "Say what blocks the team."
    if severity is not None and severity not in Impediment.Severity.values:
        errors["severity"] = "Choose a severity."
    if status is not None and status != impediment.status:
        if impediment.is_resolved:
            errors["status"] = "This impediment is resolved; reopen it to work on it again."
        elif status == Impediment.Status.RESOLVED:
            errors["status"] = "Resolve it with “Resolve”, saying how it was solved."
        elif status == Impediment.Status.ESCALATED and impediment.escalation_level == Impediment.Level.TEAM:
            errors["status"] = "Escalate it with “Escalate”, saying why the team cannot solve it."
        elif status not in Impediment.Status.values:
            errors["status"] = "Unknown status."
    _check_member(impediment.train_id, owner, "owner", errors)
    features = None if blocked_features is None else list(blocked_features)
    if features is not None:
        _check_blocked_features(impediment.train_id, impediment.team_id, features, errors)
    _raise(errors)
    was = snapshot(impediment, *HISTORY_FIELDS, "blocked_features")
    changed = []
    for name, value in (
        ("title", title.strip() if title is not None else None),
        ("description", description),
        ("severity", severity),
        ("status", status),
        ("owner", owner),
    ):
        if value is not None and getattr(impediment, name) != value:
            setattr(impediment, name, value)
            changed.append(name)
    if features is not None:
        before = set(impediment.blocked_features.all())
        added, removed = set(features) - before, before - set(features)
        if added or removed:
            impediment.blocked_features.set(features)
            changed.append("blocked_features")
            if not impediment.is_resolved:
                _block(
                    sorted(added, key=lambda f: f.pk),
                    actor=actor,
                    at=at,
                    reason=f"Impediment: {impediment.title}",
                )
                _release(impediment, sorted(removed, key=lambda f: f.pk), at=at)
    if changed:
        _bump(impediment, *[name for name in changed if name != "blocked_features"])
        _record(
            impediment, actor, before=was, after=snapshot(impediment, *HISTORY_FIELDS, "blocked_features")
        )
    return impediment


@transaction.atomic
def impediment_escalate(
    *, impediment: Impediment, note: str, actor, expected_version: int, at=None
) -> Impediment:
    """Escalate one level up (team → ART → portfolio), with a note saying why."""
    _lock_for_update(impediment, expected_version, actor)
    if impediment.status == Impediment.Status.RESOLVED:
        raise ValidationError({"status": "This impediment is resolved; reopen it before escalating."})
    if not note.strip():
        raise ValidationError({"note": "Say why it needs escalating and what was tried."})
    current = LEVEL_ORDER.index(impediment.escalation_level)
    if current == len(LEVEL_ORDER) - 1:
        raise ValidationError({"escalation_level": "Already escalated to the portfolio, the highest level."})
    new_level = LEVEL_ORDER[current + 1]
    before = snapshot(impediment, *HISTORY_FIELDS)
    ImpedimentEscalation.objects.create(
        impediment=impediment,
        from_level=impediment.escalation_level,
        to_level=new_level,
        note=note.strip(),
        actor=actor,
        escalated_at=at or timezone.now(),
    )
    impediment.escalation_level, impediment.status = new_level, Impediment.Status.ESCALATED
    _bump(impediment, "escalation_level", "status")
    _record(impediment, actor, before=before, after=snapshot(impediment, *HISTORY_FIELDS), note=note, at=at)
    _announce(impediment, WebhookEvent.IMPEDIMENT_ESCALATED, actor)
    inbox_impediment_escalated(impediment=impediment, actor=actor)
    return impediment


@transaction.atomic
def impediment_resolve(
    *, impediment: Impediment, resolution: str, actor, expected_version: int, at=None
) -> Impediment:
    """Resolve it; the time is kept because blocker resolution time (domain.md §4.6) is built on it.

    The features it blocked are unblocked unless another open impediment still blocks them.
    """
    _lock_for_update(impediment, expected_version, actor)
    if impediment.status == Impediment.Status.RESOLVED:
        raise ValidationError({"status": "Already resolved."})
    at = at or timezone.now()
    if at < impediment.raised_at:
        raise ValidationError({"resolved_at": "It cannot be resolved before it was raised."})
    before = snapshot(impediment, *HISTORY_FIELDS)
    impediment.status, impediment.resolved_at, impediment.resolution = (
        Impediment.Status.RESOLVED,
        at,
        resolution.strip(),
    )
    _bump(impediment, "status", "resolved_at", "resolution")
    _record(impediment, actor, before=before, after=snapshot(impediment, *HISTORY_FIELDS), at=at)
    _release(impediment, impediment.blocked_features.order_by("pk"), at=at)
    _announce(impediment, WebhookEvent.IMPEDIMENT_RESOLVED, actor)
    return impediment


@transaction.atomic
def impediment_reopen(*, impediment: Impediment, actor, expected_version: int, at=None) -> Impediment:
    """It came back: open again at the level it had reached, blocking its features again."""
    _lock_for_update(impediment, expected_version, actor)
    if not impediment.is_resolved:
        raise ValidationError({"status": "It is not resolved."})
    before = snapshot(impediment, *HISTORY_FIELDS)
    impediment.status = (
        Impediment.Status.OPEN
        if impediment.escalation_level == Impediment.Level.TEAM
        else Impediment.Status.ESCALATED
    )
    impediment.resolved_at, impediment.resolution = None, ""
    _bump(impediment, "status", "resolved_at", "resolution")
    _record(impediment, actor, before=before, after=snapshot(impediment, *HISTORY_FIELDS), note="Reopened.")
    _block(
        impediment.blocked_features.order_by("pk"),
        actor=actor,
        at=at or timezone.now(),
        reason=f"Impediment: {impediment.title}",
    )
    return impediment
