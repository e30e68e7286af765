"""Reads for the feature backlog ranked by WSJF (domain.md §4.4)."""

from dataclasses import dataclass

from django.db.models import Q

from planning.calculations import WsjfItem, cost_of_delay, rank_by_wsjf, wsjf
from planning.models import Feature, ProgramIncrement
from trains.models import Team


@dataclass(frozen=True)
class BacklogRow:
    """One feature with its place in the ranking; rank, cost of delay and WSJF are None ("—")
    while any WSJF input is missing."""

    feature: Feature
    rank: int | None
    cost_of_delay: int | None
    wsjf: float | None

    @property
    def has_acceptance_criteria(self) -> bool:
        return bool(self.feature.acceptance_criteria.strip())


@dataclass(frozen=True)
class Backlog:
    in_pi: list[BacklogRow]
    not_in_pi: list[BacklogRow]
    teams: list[Team]

    @property
    def unranked_in_pi(self) -> int:
        return sum(1 for row in self.in_pi if row.rank is None)


def _ranked(features: list[Feature]) -> list[BacklogRow]:
    """§4.4 via calculations.rank_by_wsjf: the formula and the tie rule live there only.

    The tie-break key after job size is the title (then the id), so equal features read alphabetically.
    """
    by_key = {(feature.title.casefold(), feature.pk): feature for feature in features}
    items = [
        WsjfItem(
            key=key,
            business_value=feature.business_value,
            time_criticality=feature.time_criticality,
            risk_reduction=feature.risk_reduction,
            job_size=feature.job_size,
        )
        for key, feature in by_key.items()
    ]
    rows = []
    rank = 0
    for item in rank_by_wsjf(items):
        feature = by_key[item.key]
        inputs = (feature.business_value, feature.time_criticality, feature.risk_reduction)
        complete = None not in inputs and feature.job_size is not None
        if complete:
            rank += 1
        rows.append(
            BacklogRow(
                feature=feature,
                rank=rank if complete else None,
                cost_of_delay=cost_of_delay(*inputs) if None not in inputs else None,
                wsjf=wsjf(*inputs, feature.job_size) if complete else None,
            )
        )
    return rows


def backlog_features(pi: ProgramIncrement):
    """The PI's features and the train's features in no PI yet (not done), with their team."""
    return (
        Feature.objects.filter(train_id=pi.train_id)
        .filter(Q(pi=pi) | (Q(pi__isnull=True) & ~Q(state=Feature.State.DONE)))
        .select_related("team")
    )


def backlog(pi: ProgramIncrement) -> Backlog:
    """The train's backlog for a PI, each part ranked by WSJF on its own: two queries in all."""
    features = list(backlog_features(pi))
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("position", "name"))
    return Backlog(
        in_pi=_ranked([feature for feature in features if feature.pi_id == pi.pk]),
        not_in_pi=_ranked([feature for feature in features if feature.pi_id is None]),
        teams=teams,
    )
