"""Reads for the ROAM board: risks by column, their counts, a risk with its links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from planning.models import Dependency, Feature, PIObjective, ProgramIncrement
from trains.limits import parse_id
from trains.models import Train

from ..models import (
    Risk,
    RiskRoamChange,
)

ROAM_ORDER = [
    Risk.Roam.UNROAMED,
    Risk.Roam.RESOLVED,
    Risk.Roam.OWNED,
    Risk.Roam.ACCEPTED,
    Risk.Roam.MITIGATED,
]


@dataclass
class RoamColumn:
    status: str
    label: str
    risks: list[Risk] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.risks)


def risks_for_board(train: Train, pi: ProgramIncrement | None, level: str = "all") -> QuerySet[Risk]:
    """The PI's risks (and the train's risks tied to no PI), highest exposure first.

    level: "all", "art" (the ART board: no team) or a team id.
    """
    risks = Risk.objects.filter(train=train)
    if pi is not None:
        risks = risks.filter(Q(pi=pi) | Q(pi__isnull=True))
    if level == "art":
        risks = risks.filter(team__isnull=True)
    elif (team_id := parse_id(level)) is not None:
        risks = risks.filter(team_id=team_id)
    return _with_card_rows(risks).order_by("-impact", "-likelihood", "due_date", "pk")


def _with_card_rows(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """What a ROAM card shows, joined."""
    return risks.select_related("team", "owner", "origin_team", "pi").prefetch_related(
        "features", "dependencies", "objectives"
    )


def roam_columns(risks) -> list[RoamColumn]:
    columns = {status: RoamColumn(status=status, label=Risk.Roam(status).label) for status in ROAM_ORDER}
    for risk in sorted(risks, key=lambda r: (-r.exposure, r.due_date or date.max, r.pk)):
        columns[risk.roam_status].risks.append(risk)
    return list(columns.values())


def roam_counts(train: Train, pi: ProgramIncrement | None, level: str = "all") -> dict[str, int]:
    rows = risks_for_board(train, pi, level).order_by().values("roam_status").annotate(n=Count("pk"))
    counts = dict.fromkeys(ROAM_ORDER, 0)
    counts.update({row["roam_status"]: row["n"] for row in rows})
    return counts


def risk_for_board(train: Train, risk_id: int) -> Risk:
    try:
        return _with_card_rows(Risk.objects.all()).get(train=train, pk=risk_id)
    except Risk.DoesNotExist:
        raise Http404("No such risk.") from None


def risk_detail(train: Train, risk_id: int) -> Risk:
    changes = RiskRoamChange.objects.select_related("actor").order_by("-changed_at", "-pk")
    try:
        return (
            Risk.objects.select_related("team", "owner", "origin_team", "pi", "raised_by")
            .prefetch_related(
                Prefetch("roam_changes", queryset=changes),
                Prefetch("features", queryset=Feature.objects.select_related("team", "iteration")),
                Prefetch(
                    "dependencies",
                    queryset=Dependency.objects.select_related("requesting_team", "providing_team"),
                ),
                Prefetch("objectives", queryset=PIObjective.objects.select_related("team")),
            )
            .get(train=train, pk=risk_id)
        )
    except Risk.DoesNotExist:
        raise Http404("No such risk.") from None


def linkable(train: Train, pi: ProgramIncrement | None) -> dict[str, QuerySet]:
    """What a risk of this PI may be linked to."""
    if pi is None:
        return {
            "features": Feature.objects.filter(train=train, pi__isnull=True).order_by("title"),
            "dependencies": Dependency.objects.none(),
            "objectives": PIObjective.objects.none(),
        }
    return {
        "features": Feature.objects.filter(pi=pi).select_related("team").order_by("team__position", "title"),
        "dependencies": Dependency.objects.filter(pi=pi)
        .select_related("requesting_team", "providing_team")
        .order_by("pk"),
        "objectives": PIObjective.objects.filter(pi=pi)
        .select_related("team")
        .order_by("team__position", "pk"),
    }
