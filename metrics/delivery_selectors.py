"""Reads for the delivery figures (domain.md §4.7): a PI's production deployments, incidents and
defects as the plain values metrics/delivery_calculations.py takes.

Three queries whatever the size of the train, one per model, for the ART and every team at once
(the figures split them by team in Python). Rows recorded after `as_of` are left out, and times
after it read as "not yet", so a closed PI recomputed later still shows its figures as at its end.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from planning.models import Defect, Deployment, Incident, ProgramIncrement

from . import delivery_calculations as calc


@dataclass
class DeliveryInputs:
    deployments: list[calc.DeploymentItem] = field(default_factory=list)
    incidents: list[calc.IncidentItem] = field(default_factory=list)
    defects: list[calc.DefectItem] = field(default_factory=list)


def _before(moment: datetime | None, as_of: datetime) -> datetime | None:
    return moment if moment is not None and moment < as_of else None


def pi_delivery_inputs(pi: ProgramIncrement, *, window_start: datetime, as_of: datetime) -> DeliveryInputs:
    """The train's delivery events a PI's figures need, as they stood at `as_of`.

    - Production deployments (the one place "only production counts" is decided) made in the
      window, and the failed ones made before it that no delivered deployment of their service had
      followed by its start: the window may be where they were restored. Each says whether an
      incident known at `as_of` names it as its cause.
    - Incidents started before `as_of` and open at some point of the window.
    - Defects found in the window.
    """
    production = Deployment.objects.filter(train_id=pi.train_id, environment=Deployment.PRODUCTION)
    restored_before_window = Exists(
        production.filter(
            service=OuterRef("service"),
            succeeded=True,
            rolled_back=False,
            deployed_at__gt=OuterRef("deployed_at"),
            deployed_at__lt=window_start,
        )
    )
    failed = Q(succeeded=False) | Q(rolled_back=True)
    deployments = [
        calc.DeploymentItem(
            key=pk,
            team_id=team_id,
            service=service,
            deployed_at=deployed_at,
            committed_at=committed_at,
            merged_at=merged_at,
            succeeded=succeeded,
            rolled_back=rolled_back,
            caused_incident=caused_incident,
        )
        for pk, team_id, service, deployed_at, committed_at, merged_at, succeeded, rolled_back, caused_incident in (
            production.filter(deployed_at__lt=as_of)
            .alias(restored_before_window=restored_before_window)
            .filter(Q(deployed_at__gte=window_start) | (failed & Q(restored_before_window=False)))
            .annotate(
                caused_incident=Exists(
                    Incident.objects.filter(deployment=OuterRef("pk"), started_at__lt=as_of)
                )
            )
            .order_by("deployed_at", "pk")
            .values_list(
                "pk",
                "team_id",
                "service",
                "deployed_at",
                "committed_at",
                "merged_at",
                "succeeded",
                "rolled_back",
                "caused_incident",
            )
        )
    ]
    incidents = [
        calc.IncidentItem(
            key=pk,
            team_id=team_id,
            service=service,
            started_at=started_at,
            restored_at=_before(restored_at, as_of),
            deployment_key=deployment_id,
            title=title,
        )
        for pk, team_id, service, started_at, restored_at, deployment_id, title in Incident.objects.filter(
            Q(restored_at__isnull=True) | Q(restored_at__gte=window_start),
            train_id=pi.train_id,
            started_at__lt=as_of,
        )
        .order_by("started_at", "pk")
        .values_list("pk", "team_id", "service", "started_at", "restored_at", "deployment_id", "title")
    ]
    defects = [
        calc.DefectItem(
            team_id=team_id, found_in_production=found_in == Defect.FoundIn.PRODUCTION, found_at=found_at
        )
        for team_id, found_in, found_at in Defect.objects.filter(
            train_id=pi.train_id, found_at__gte=window_start, found_at__lt=as_of
        )
        .order_by("found_at", "pk")
        .values_list("team_id", "found_in", "found_at")
    ]
    return DeliveryInputs(deployments=deployments, incidents=incidents, defects=defects)
