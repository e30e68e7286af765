"""Reads for impediments: the list by severity and age, one impediment with its escalations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from planning.models import Feature
from trains.models import Train

from ..models import (
    Impediment,
    ImpedimentEscalation,
)

SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}


AGE_BUCKETS = {
    "lt7": ("Under a week", 0, 7),
    "7to14": ("1–2 weeks", 7, 14),
    "14to30": ("2–4 weeks", 14, 30),
    "gt30": ("Over 30 days", 30, None),
}
UNRESOLVED = "unresolved"


def _severity_rank():
    return Case(
        *[When(severity=severity, then=Value(rank)) for severity, rank in SEVERITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def impediments(
    train: Train,
    *,
    team_id: int | None = None,
    status: str = UNRESOLVED,
    level: str = "",
    age: str = "",
    sort: str = "severity",
    now: datetime | None = None,
) -> QuerySet[Impediment]:
    """The train's impediments, filtered; most severe then oldest first (or oldest first).

    Age counts from when it was raised.
    """
    now = now or timezone.now()
    rows = Impediment.objects.filter(train=train)
    if team_id:
        rows = rows.filter(team_id=team_id)
    if status == UNRESOLVED:
        rows = rows.exclude(status=Impediment.Status.RESOLVED)
    elif status in Impediment.Status.values:
        rows = rows.filter(status=status)
    if level in Impediment.Level.values:
        rows = rows.filter(escalation_level=level)
    if age in AGE_BUCKETS:
        _, min_days, max_days = AGE_BUCKETS[age]
        rows = rows.filter(raised_at__lte=now - timedelta(days=min_days))
        if max_days is not None:
            rows = rows.filter(raised_at__gt=now - timedelta(days=max_days))
    resolved_last = Case(
        When(status=Impediment.Status.RESOLVED, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    order = (
        [resolved_last, "raised_at", _severity_rank().desc()]
        if sort == "age"
        else [resolved_last, _severity_rank().desc(), "raised_at"]
    )
    return (
        rows.select_related("team", "owner", "raised_by")
        .prefetch_related(
            Prefetch("blocked_features", queryset=Feature.objects.order_by("title")),
            Prefetch("escalations", queryset=escalations_in_order()),
        )
        .order_by(*order, "pk")
    )


def escalations_in_order():
    return ImpedimentEscalation.objects.select_related("actor").order_by("escalated_at", "pk")


def impediment_detail(train: Train, impediment_id: int) -> Impediment:
    try:
        return (
            Impediment.objects.select_related("team", "owner", "raised_by")
            .prefetch_related(
                Prefetch("blocked_features", queryset=Feature.objects.select_related("pi", "iteration")),
                Prefetch("escalations", queryset=escalations_in_order()),
            )
            .get(train=train, pk=impediment_id)
        )
    except Impediment.DoesNotExist:
        raise Http404("No such impediment.") from None


def blockable_features(train: Train, team_ids) -> QuerySet[Feature]:
    """Features an impediment of these teams may block: the teams' features not yet done."""
    return (
        Feature.objects.filter(train=train, team_id__in=list(team_ids))
        .exclude(state=Feature.State.DONE)
        .select_related("team", "pi")
        .order_by("team__position", "-pi__start_date", "title")
    )
