"""The ART's daily series: cumulative flow of features through the Kanban, and the burn-ups of
committed features and story points."""

from __future__ import annotations

from planning.models import FeatureState

from .. import calculations as calc
from ..models import SnapshotMetric as Metric
from ..selectors import PIInputs
from .common import Figure, Window

# The Kanban in order: the bands of the cumulative flow chart.
KANBAN = tuple(FeatureState.values)
DONE = FeatureState.DONE


def cumulative_flow_and_burn_up(inputs: PIInputs, window: Window) -> list[Figure]:
    described = window.describe()
    days = [day.isoformat() for day in window.days]
    bands = calc.cumulative_flow((f.history for f in inputs.features), window.days, window.tz, KANBAN)
    cfd = Figure(
        Metric.CUMULATIVE_FLOW,
        None,
        float(bands[DONE][-1]) if days else None,
        {
            "days": days,
            "states": list(KANBAN),
            "series": bands,
            "features": len(inputs.features),
            "rule": "Features of the PI in each Kanban state at the end of each day, from their state changes.",
            **described,
        },
    )

    committed = [f for f in inputs.features if f.is_committed]
    features_done = calc.cumulative_flow((f.history for f in committed), window.days, window.tz, (DONE,))[
        DONE
    ]
    points_done = calc.cumulative_done(
        ((s.points, s.done_at) for s in inputs.stories), window.days, window.tz
    )
    points_scope = sum(story.points for story in inputs.stories)
    burn_up = Figure(
        Metric.BURN_UP,
        None,
        calc.share(features_done[-1], len(committed)) if days else None,
        {
            "days": days,
            "features_done": features_done,
            "features_scope": len(committed),
            "points_done": points_done,
            "points_scope": points_scope,
            "rule": "Committed features done, and story points done, by the end of each day; scope is "
            "today's committed features and the PI's story points.",
            **described,
        },
    )
    return [cfd, burn_up]
