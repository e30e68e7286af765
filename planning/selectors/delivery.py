"""Reads of the train's delivery events (deployments, incidents, defects) for the Delivery page, each
with what its rows show already joined: no template queries per row. (The API lists filter and order
with their FilterSets.)"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When

from planning.models import Defect, Deployment, Feature, Incident
from trains.models import Train

# How many of each the page lists; the API pages through all of them.
RECENT = 25


def deployments(train: Train, *, team_id: int | None = None) -> QuerySet[Deployment]:
    """The train's deployments, newest first."""
    rows = Deployment.objects.filter(train=train).select_related("team", "recorded_by")
    return rows if team_id is None else rows.filter(team_id=team_id)


def incidents(train: Train, *, team_id: int | None = None) -> QuerySet[Incident]:
    """The train's incidents, open ones first, then newest first, by start time."""
    rows = (
        Incident.objects.filter(train=train)
        .select_related("team", "recorded_by", "deployment")
        .annotate(
            is_restored=Case(
                When(restored_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("is_restored", "-started_at", "-pk")
    )
    return rows if team_id is None else rows.filter(team_id=team_id)


def defects(train: Train, *, team_id: int | None = None) -> QuerySet[Defect]:
    """The train's defects, open ones first, then newest first, by the time they were found."""
    rows = (
        Defect.objects.filter(train=train)
        .select_related("team", "recorded_by", "feature")
        .annotate(
            is_resolved=Case(
                When(resolved_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("is_resolved", "-found_at", "-pk")
    )
    return rows if team_id is None else rows.filter(team_id=team_id)


def deployment_by_reference(train: Train, reference: str) -> Deployment | None:
    """The train's deployment a pipeline posted with this reference (the cause an incident names)."""
    return Deployment.objects.filter(train=train, reference=reference).first()


NO_DEPLOYMENT_REFERENCE = "No deployment of this train has the reference '{}'."


@dataclass(frozen=True)
class DeliveryOverview:
    """What the Delivery page lists: the most recent of each kind, and how many are open."""

    deployments: list[Deployment]
    incidents: list[Incident]
    defects: list[Defect]
    open_incidents: int
    open_defects: int


def delivery_overview(train: Train, *, team_id: int | None = None, limit: int = RECENT) -> DeliveryOverview:
    incident_rows = incidents(train, team_id=team_id)
    defect_rows = defects(train, team_id=team_id)
    return DeliveryOverview(
        deployments=list(deployments(train, team_id=team_id)[:limit]),
        incidents=list(incident_rows[:limit]),
        defects=list(defect_rows[:limit]),
        open_incidents=incident_rows.filter(restored_at__isnull=True).count(),
        open_defects=defect_rows.filter(resolved_at__isnull=True).count(),
    )


def incident_of_train(train: Train, pk: int) -> Incident:
    return Incident.objects.select_related("team", "deployment").get(train=train, pk=pk)


def defect_of_train(train: Train, pk: int) -> Defect:
    return Defect.objects.select_related("team", "feature").get(train=train, pk=pk)


def recent_deployments_for_choice(train: Train, limit: int = 50) -> QuerySet[Deployment]:
    """The deployments an incident may name as its cause: the latest ones."""
    return (
        Deployment.objects.filter(train=train).select_related("team").order_by("-deployed_at", "-pk")[:limit]
    )


def features_for_choice(train: Train) -> QuerySet[Feature]:
    """The features a defect may belong to: the train's, in a PI, by title."""
    return (
        Feature.objects.filter(train=train, pi__isnull=False).select_related("pi", "team").order_by("title")
    )
