"""Writes for PIs, features and the plan. Each checks permissions and keeps the flow history."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from trains.access import NotAllowed, train_access
from trains.models import Train

from .models import Feature, FeatureBlockedPeriod, FeatureStateChange, Iteration, ProgramIncrement
from .permissions import can_edit_feature, can_manage_pi


def iteration_dates(*, start_date: date, length_days: int, count: int) -> list[tuple[date, date]]:
    """Back-to-back iterations of `length_days` from `start_date` (the last one being IP)."""
    return [
        (start_date + timedelta(days=i * length_days), start_date + timedelta(days=(i + 1) * length_days - 1))
        for i in range(count)
    ]


@transaction.atomic
def pi_create(
    *, train: Train, name: str, start_date: date, actor=None, iteration_count: int | None = None
) -> ProgramIncrement:
    """Create a PI with its iterations on the train's cadence; the last iteration is IP."""
    if actor is not None and not can_manage_pi(train_access(actor, train)):
        raise NotAllowed("Only the Release Train Engineer creates PIs.")
    if ProgramIncrement.objects.filter(train=train, name=name).exists():
        raise ValidationError({"name": "This train already has a PI of that name."})
    count = iteration_count or train.iterations_per_pi
    if count < 2:
        raise ValidationError(
            {"iteration_count": "A PI needs at least one development iteration and the IP iteration."}
        )
    spans = iteration_dates(start_date=start_date, length_days=train.iteration_length_days, count=count)
    pi = ProgramIncrement.objects.create(train=train, name=name, start_date=start_date, end_date=spans[-1][1])
    Iteration.objects.bulk_create(
        Iteration(pi=pi, number=n, start_date=start, end_date=end, is_ip=(n == count))
        for n, (start, end) in enumerate(spans, start=1)
    )
    return pi


def _require_edit(actor, feature: Feature) -> None:
    if actor is not None and not can_edit_feature(train_access(actor, feature.train_id), feature):
        raise NotAllowed("You may not change this feature.")


@transaction.atomic
def feature_set_state(*, feature: Feature, state: str, actor=None, at=None) -> Feature:
    """Move a feature through the Kanban, recording the change for the flow metrics.

    `started_at` is the first entry into Implementing (domain.md §4.5) and is never moved later;
    `done_at` is set on reaching Done and cleared if the feature is reopened.
    """
    _require_edit(actor, feature)
    if state not in Feature.State.values:
        raise ValidationError({"state": "Unknown state."})
    if state == feature.state:
        return feature
    at = at or timezone.now()
    FeatureStateChange.objects.create(
        feature=feature, from_state=feature.state, to_state=state, changed_at=at, actor=actor
    )
    order = Feature.State.values
    if feature.started_at is None and order.index(state) >= order.index(Feature.State.IMPLEMENTING):
        feature.started_at = at
    feature.done_at = at if state == Feature.State.DONE else None
    feature.state = state
    feature.state_changed_at = at
    feature.version = F("version") + 1
    feature.save(
        update_fields=["state", "state_changed_at", "started_at", "done_at", "version", "updated_at"]
    )
    feature.refresh_from_db(fields=["version"])
    return feature


@transaction.atomic
def feature_set_blocked(*, feature: Feature, blocked: bool, actor=None, at=None, reason: str = "") -> Feature:
    """Set or clear the blocked flag; each blocked stretch is kept as waiting time for flow efficiency."""
    _require_edit(actor, feature)
    if blocked == feature.is_blocked:
        return feature
    at = at or timezone.now()
    if blocked:
        FeatureBlockedPeriod.objects.create(feature=feature, started_at=at, reason=reason)
    else:
        FeatureBlockedPeriod.objects.filter(feature=feature, ended_at__isnull=True).update(ended_at=at)
    feature.is_blocked = blocked
    feature.version = F("version") + 1
    feature.save(update_fields=["is_blocked", "version", "updated_at"])
    feature.refresh_from_db(fields=["version"])
    return feature
