"""Reads that turn planning and risk rows into the plain values metrics/calculations.py takes.

Each returns plain data in a fixed number of queries, whatever the size of the train.
"""

from collections import defaultdict
from collections.abc import Hashable

from planning.models import ConfidenceVote, Feature, PIObjective, ProgramIncrement

from . import calculations as calc
from .models import Snapshot


def objective_values_by_team(pi: ProgramIncrement) -> dict[Hashable, list[calc.ObjectiveValue]]:
    by_team: dict[Hashable, list[calc.ObjectiveValue]] = defaultdict(list)
    rows = PIObjective.objects.filter(pi=pi).values_list(
        "team_id", "is_committed", "planned_business_value", "actual_business_value"
    )
    for team_id, is_committed, planned, actual in rows:
        by_team[team_id].append(
            calc.ObjectiveValue(is_committed=is_committed, planned=planned, actual=actual)
        )
    return dict(by_team)


def vote_scores_by_scope(pi: ProgramIncrement) -> dict[int | None, list[int]]:
    """Scores per team id; the ART vote is under None."""
    scores: dict[int | None, list[int]] = defaultdict(list)
    for team_id, score in ConfidenceVote.objects.filter(pi=pi).values_list("team_id", "score"):
        scores[team_id].append(score)
    return dict(scores)


def flow_items(pi: ProgramIncrement) -> list[calc.FlowItem]:
    """The PI's features as flow items, with their story points summed in the same query."""
    from django.db.models import Sum

    rows = (
        Feature.objects.filter(pi=pi)
        .annotate(story_points=Sum("stories__points"))
        .values_list("pk", "kind", "story_points", "started_at", "done_at")
    )
    return [
        calc.FlowItem(key=pk, kind=kind, points=points or 0, started_at=started, done_at=done)
        for pk, kind, points, started, done in rows
    ]


def latest_snapshots(pi: ProgramIncrement) -> dict[tuple[str, int | None], Snapshot]:
    """The newest snapshot of each (metric, team) for a PI."""
    latest: dict[tuple[str, int | None], Snapshot] = {}
    for snapshot in Snapshot.objects.filter(pi=pi).order_by("metric", "team_id", "day"):
        latest[(snapshot.metric, snapshot.team_id)] = snapshot
    return latest
