"""Every figure of a PI (domain.md §4), for the ART and each team, from the PI's plain inputs.

Pure: no ORM and no clock. `services.pi_snapshot_compute` reads the inputs (selectors), calls
`pi_figures` and upserts what it returns. Each figure's `data` says what it was computed from
(counts, sums, the window) and holds the breakdown the dashboard charts; it names teams,
iterations and features by name, never by database id, so the same plan gives the same rows.

One module per family of figures: the plan (predictability, confidence, load), flow, how the PI is
running (execution), the forecast, the daily series and delivery (DORA and defect escape rate), with
what they share (common). `pi_figures`, here, calls them all; services reads `figures.make_window`,
`figures.pi_figures`, `figures.Figure`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .. import calculations as calc
from ..delivery_selectors import DeliveryInputs
from ..selectors import PIInputs
from .common import Figure, Window, make_window
from .daily import cumulative_flow_and_burn_up
from .delivery import delivery_figures
from .execution import (
    blocker_resolution_figure,
    dependency_aging_figure,
    improvement_throughput_figure,
    iteration_figures,
)
from .flow import flow_figures
from .forecast import forecast_figure
from .plan import confidence_figures, load_figures, predictability_figures

__all__ = ["Figure", "Window", "make_window", "pi_figures"]


def pi_figures(inputs: PIInputs, window: Window, *, delivery: DeliveryInputs) -> list[Figure]:
    """All figures of the PI: the ART's, then each team's."""
    team_names = dict(inputs.teams)
    iterations = _iteration_windows(inputs, window)
    figures: list[Figure] = []
    figures += predictability_figures(inputs, window, team_names)
    figures += confidence_figures(inputs, team_names)
    figures += load_figures(inputs, window, team_names)
    scopes: list[tuple[int | None, Callable[[int | None], bool]]] = [(None, lambda team_id: True)]
    scopes += [(team_id, lambda other, team_id=team_id: other == team_id) for team_id, _ in inputs.teams]
    for team_id, in_scope in scopes:
        features = [feature for feature in inputs.features if in_scope(feature.team_id)]
        stories = [story for story in inputs.stories if in_scope(story.team_id)]
        art = team_id is None
        figures += flow_figures(features, window, iterations, team_id, art=art)
        figures += iteration_figures(stories, inputs, iterations, window, team_id)
        figures.append(
            dependency_aging_figure(
                [d for d in inputs.dependencies if in_scope(d.requesting_team_id)], window, team_id, art=art
            )
        )
        figures.append(
            blocker_resolution_figure(
                [i for i in inputs.impediments if in_scope(i.team_id)], window, team_id, art=art
            )
        )
        figures.append(
            forecast_figure(
                features,
                [done_at for done_team, done_at in inputs.history_done if in_scope(done_team)],
                inputs,
                iterations,
                window,
                team_id,
            )
        )
    figures.append(improvement_throughput_figure(inputs, window))
    figures += cumulative_flow_and_burn_up(inputs, window)
    figures += delivery_figures(delivery, inputs.teams, iterations, window)
    return figures


def _iteration_windows(inputs: PIInputs, window: Window) -> list[tuple[str, datetime, datetime]]:
    return [
        (
            it.label,
            calc.day_start(it.start_date, window.tz),
            calc.day_end(it.end_date, window.tz),
        )
        for it in inputs.iterations
    ]
