"""How the PI is running (domain.md §4.6): iteration carry-over and completion, dependency aging,
blocker resolution and improvement throughput."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from planning.models import DependencyState
from risks.models import ImprovementItemStatus

from .. import calculations as calc
from ..models import SnapshotMetric as Metric
from ..selectors import PIInputs
from .common import Figure, Window

RESOLVED_DEPENDENCY_STATES = (DependencyState.DELIVERED, DependencyState.CANCELLED)
OLDEST_SHOWN = 5


def iteration_figures(
    stories,
    inputs: PIInputs,
    iterations: list[tuple[str, datetime, datetime]],
    window: Window,
    team_id: int | None,
) -> list[Figure]:
    ended = [(label, start, end) for label, start, end in iterations if end <= window.as_of]
    labels = {it.pk: it.label for it in inputs.iterations}
    items = [
        calc.StoryItem(points=story.points, iteration=labels.get(story.iteration_id), done_at=story.done_at)
        for story in stories
    ]
    outcomes = calc.iteration_outcomes(items, ended)
    planned = sum(outcome.planned_points for outcome in outcomes)
    planned_done = sum(outcome.planned_done_points for outcome in outcomes)
    done = sum(outcome.done_points for outcome in outcomes)
    rows = [
        {
            "iteration": outcome.key,
            "planned_points": outcome.planned_points,
            "planned_done_points": outcome.planned_done_points,
            "pulled_in_points": outcome.pulled_in_points,
            "carry_over_pct": outcome.carry_over_pct,
            "completion_pct": outcome.completion_pct,
        }
        for outcome in outcomes
    ]
    common = {
        "iterations": rows,
        "ended_iterations": len(outcomes),
        "planned_points": planned,
        "planned_done_points": planned_done,
        "done_points": done,
        **window.describe(),
    }
    return [
        Figure(
            Metric.CARRY_OVER,
            team_id,
            calc.carry_over_pct(planned, planned_done),
            {
                **common,
                "rule": "Points of the stories planned for each ended iteration and not done by its end / "
                "points planned (pooled over the ended iterations).",
            },
        ),
        Figure(
            Metric.ITERATION_COMPLETION,
            team_id,
            calc.iteration_completion_pct(planned, done),
            {
                **common,
                "rule": "Done points / planned points of the ended iterations: planned stories done by "
                "the iteration's end plus work pulled in from later iterations.",
            },
        ),
    ]


def _aging_data(summary: calc.AgingSummary) -> dict:
    return {"count": summary.count, "median_days": summary.median_days, "max_days": summary.max_days}


def _series(items: Iterable[tuple[datetime, datetime | None]], window: Window) -> list[list]:
    series = calc.open_aging_series(items, window.days, window.tz, window.as_of)
    return [
        [day.isoformat(), summary.count, summary.median_days, summary.max_days]
        for day, summary in zip(window.days, series, strict=True)
    ]


def dependency_aging_figure(dependencies, window: Window, team_id: int | None, *, art: bool) -> Figure:
    def state_then(dependency) -> str:
        # Resolved after as_of: it was unresolved then, in a state the history does not keep.
        return "unresolved" if dependency.state in RESOLVED_DEPENDENCY_STATES else dependency.state

    unresolved = [d for d in dependencies if d.resolved_at is None]
    aging = calc.dependency_aging([(state_then(d), d.created_at) for d in unresolved], window.as_of)
    data: dict = {
        "by_state": {state: _aging_data(summary) for state, summary in aging.items()},
        "dependencies": len(dependencies),
        "unresolved": len(unresolved),
        "rule": "Age (as of − creation) of the dependencies not delivered or cancelled: median and maximum.",
        **window.describe(),
    }
    if art:
        data["series"] = _series(((d.created_at, d.resolved_at) for d in dependencies), window)
        oldest = sorted(unresolved, key=lambda d: d.created_at)[:OLDEST_SHOWN]
        data["oldest"] = [
            {
                "description": d.description,
                "state": state_then(d),
                "age_days": calc.in_days(window.as_of - d.created_at),
            }
            for d in oldest
        ]
    return Figure(Metric.DEPENDENCY_AGING, team_id, aging["all"].median_days, data)


def blocker_resolution_figure(impediments, window: Window, team_id: int | None, *, art: bool) -> Figure:
    resolved = [
        (i.raised_at, i.resolved_at)
        for i in impediments
        if i.resolved_at is not None and window.start <= i.resolved_at < window.until
    ]
    still_open = [i for i in impediments if i.resolved_at is None]
    data = {
        **calc.blocker_resolution(resolved, [i.raised_at for i in still_open], window.as_of),
        "rule": "Resolved − raised of the impediments resolved in the window (median); ages of those still open.",
        **window.describe(),
    }
    if art:
        data["series"] = _series(((i.raised_at, i.resolved_at) for i in impediments), window)
        data["oldest"] = [
            {"title": i.title, "age_days": calc.in_days(window.as_of - i.raised_at)}
            for i in sorted(still_open, key=lambda i: i.raised_at)[:OLDEST_SHOWN]
        ]
    return Figure(Metric.BLOCKER_RESOLUTION, team_id, data["median_resolution_days"], data)


def improvement_throughput_figure(inputs: PIInputs, window: Window) -> Figure:
    done = [
        item
        for item in inputs.improvements
        if item.status == ImprovementItemStatus.DONE
        and item.done_at is not None
        and item.done_at < window.end
    ]
    data = {
        "taken": len(inputs.improvements),
        "done": len(done),
        "items": [{"title": item.title, "status": item.status} for item in inputs.improvements],
        "rule": "Improvement items taken into this PI and done by its end / items taken.",
        **window.describe(),
    }
    return Figure(
        Metric.IMPROVEMENT_THROUGHPUT,
        None,
        calc.improvement_throughput(len(inputs.improvements), len(done)),
        data,
    )
