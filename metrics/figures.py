"""Every figure of a PI (domain.md §4), for the ART and each team, from the PI's plain inputs.

Pure: no ORM and no clock. `services.pi_snapshot_compute` reads the inputs (selectors), calls
`pi_figures` and upserts what it returns. Each figure's `data` says what it was computed from
(counts, sums, the window) and holds the breakdown the dashboard charts; it names teams,
iterations and features by name, never by database id, so the same plan gives the same rows.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from planning.models import DependencyState, FeatureState
from risks.models import ImprovementItemStatus

from . import calculations as calc
from .models import SnapshotMetric as Metric
from .selectors import FeatureRow, PIInputs

# The Kanban in order: the bands of the cumulative flow chart.
KANBAN = tuple(FeatureState.values)
DONE = FeatureState.DONE
RESOLVED_DEPENDENCY_STATES = (DependencyState.DELIVERED, DependencyState.CANCELLED)

# A fixed seed: recomputing an unchanged plan gives the same forecast, so the upsert changes nothing.
FORECAST_SEED = 2026
FORECAST_TRIALS = 5_000
# Iterations simulated beyond the PI's end, so the 85 % date can be shown even when it is late.
FORECAST_EXTRA_ITERATIONS = 3
OLDEST_SHOWN = 5

PREDICTABILITY_RULE = (
    "100 × Σ actual BV of the scored objectives (committed and uncommitted) / Σ planned BV of the "
    "committed objectives. No figure without committed planned value, nor before any objective is "
    "scored (0 % would read as a failed PI)."
)
FLOW_EFFICIENCY_RULE = (
    "Active time / flow time of the features done in the window, weighted by time. Waiting time is "
    "the union of the blocked flag's periods and the open periods of impediments blocking the feature."
)
FORECAST_RULE = (
    "Monte Carlo: each trial draws a throughput (features done per iteration) from the history for "
    "each iteration left until the remaining committed features are done. Committed features: "
    "planned on a team and iteration, not serving only uncommitted objectives. The current "
    "iteration is drawn whole, so the features already done in it are added to what remains."
)


@dataclass(frozen=True)
class Figure:
    """One snapshot row to upsert: a metric for the ART (team_id None) or one team."""

    metric: str
    team_id: int | None
    value: float | None
    data: dict


@dataclass(frozen=True)
class Window:
    """The PI's window and the instant the figures describe."""

    start: datetime  # the PI's first local midnight
    end: datetime  # the local midnight after the PI's last day (exclusive)
    as_of: datetime
    days: list[date]  # the PI's days up to the snapshot day, for daily series
    tz: tzinfo

    @property
    def until(self) -> datetime:
        """The end of what has happened: the PI's end, or as_of when that comes first."""
        return min(self.end, self.as_of)

    def describe(self) -> dict:
        return {
            "window": {
                "start": self.start.date().isoformat(),
                "end": (self.end - timedelta(days=1)).date().isoformat(),
            },
            "as_of": self.as_of.isoformat(),
        }


def make_window(*, start_date: date, end_date: date, day: date, as_of: datetime, tz: tzinfo) -> Window:
    last = min(end_date, day)
    days = [start_date + timedelta(days=n) for n in range((last - start_date).days + 1)]
    return Window(
        start=calc.day_start(start_date, tz),
        end=calc.day_end(end_date, tz),
        as_of=as_of,
        days=days,
        tz=tz,
    )


def pi_figures(inputs: PIInputs, window: Window) -> list[Figure]:
    """All figures of the PI: the ART's, then each team's."""
    team_names = dict(inputs.teams)
    iterations = _iteration_windows(inputs, window)
    figures: list[Figure] = []
    figures += _predictability(inputs, window, team_names)
    figures += _confidence(inputs, team_names)
    figures += _load(inputs, window, team_names)
    scopes: list[tuple[int | None, Callable[[int | None], bool]]] = [(None, lambda team_id: True)]
    scopes += [(team_id, lambda other, team_id=team_id: other == team_id) for team_id, _ in inputs.teams]
    for team_id, in_scope in scopes:
        features = [feature for feature in inputs.features if in_scope(feature.team_id)]
        stories = [story for story in inputs.stories if in_scope(story.team_id)]
        art = team_id is None
        figures += _flow(features, window, iterations, team_id, art=art)
        figures += _iterations(stories, inputs, iterations, window, team_id)
        figures.append(
            _dependency_aging(
                [d for d in inputs.dependencies if in_scope(d.requesting_team_id)], window, team_id, art=art
            )
        )
        figures.append(
            _blocker_resolution(
                [i for i in inputs.impediments if in_scope(i.team_id)], window, team_id, art=art
            )
        )
        figures.append(
            _forecast(
                features,
                [done_at for done_team, done_at in inputs.history_done if in_scope(done_team)],
                inputs,
                iterations,
                window,
                team_id,
            )
        )
    figures.append(_improvement_throughput(inputs, window))
    figures += _cumulative_flow_and_burn_up(inputs, window)
    return figures


# --- §4.1 and §4.2 -------------------------------------------------------------------------------


def _predictability_data(figure: calc.PredictabilityFigure) -> dict:
    return {
        "actual_bv": figure.actual_total,
        "planned_committed_bv": figure.planned_total,
        "objectives": figure.objectives,
        "scored": figure.scored,
        "reason": figure.reason,
    }


def _predictability(inputs: PIInputs, window: Window, team_names: dict) -> list[Figure]:
    result = calc.pi_predictability({team_id: inputs.objectives.get(team_id, []) for team_id in team_names})
    figures = [
        Figure(
            Metric.PREDICTABILITY,
            team_id,
            figure.percent,
            {**_predictability_data(figure), "rule": PREDICTABILITY_RULE},
        )
        for team_id, figure in result.teams.items()
    ]
    teams = [
        {"team": team_names[team_id], "percent": figure.percent, **_predictability_data(figure)}
        for team_id, figure in result.teams.items()
    ]
    art_data = {
        **_predictability_data(result.art),
        "mean_of_teams": result.mean_of_teams,
        "teams": teams,
        "teams_not_scored": sum(1 for t in teams if t["reason"] == calc.NOT_SCORED_YET),
        "band": list(calc.PREDICTABILITY_BAND),
        "rule": PREDICTABILITY_RULE,
        **window.describe(),
    }
    figures.append(Figure(Metric.PREDICTABILITY, None, result.art.percent, art_data))
    return figures


def _confidence(inputs: PIInputs, team_names: dict) -> list[Figure]:
    figures = []
    for team_id in [None, *team_names]:
        summary = calc.vote_summary(inputs.votes.get(team_id, []))
        data = {
            "voters": summary.voters,
            "counts": {str(score): count for score, count in summary.counts.items()},
            "accepted": summary.accepted,
            "low_scores": summary.low_scores,
            "rule": "Mean of the fist-of-five scores; accepted when the mean is at least 3.",
        }
        figures.append(Figure(Metric.CONFIDENCE, team_id, summary.mean, data))
    return figures


# --- §4.3 load vs capacity ---------------------------------------------------------------------


def _load_cell(label: str, load: float, capacity: float | None) -> dict:
    return {
        "iteration": label,
        "load": load,
        "capacity": capacity,
        "ratio": None if capacity is None else calc.load_ratio(load, capacity),
        "status": "no capacity recorded" if capacity is None else calc.load_status(load, capacity),
    }


def _load(inputs: PIInputs, window: Window, team_names: dict) -> list[Figure]:
    load: dict[tuple[int, int], float] = {}
    for story in inputs.stories:
        if story.iteration_id is not None:
            key = (story.team_id, story.iteration_id)
            load[key] = load.get(key, 0) + story.points
    capacity = {(row.team_id, row.iteration_id): row.capacity for row in inputs.capacities}
    figures, matrix = [], []
    for team_id, name in inputs.teams:
        cells = [
            _load_cell(it.label, load.get((team_id, it.pk), 0), capacity.get((team_id, it.pk)))
            for it in inputs.iterations
        ]
        total_load, total_capacity = _totals(cells)
        data = {"iterations": cells, "load": total_load, "capacity": total_capacity}
        figures.append(Figure(Metric.LOAD, team_id, calc.load_ratio(total_load, total_capacity), data))
        matrix.append({"team": name, "iterations": cells})
    art_cells = []
    for it in inputs.iterations:
        it_load = sum(load.get((team_id, it.pk), 0) for team_id in team_names)
        caps = [capacity[(team_id, it.pk)] for team_id in team_names if (team_id, it.pk) in capacity]
        art_cells.append(_load_cell(it.label, it_load, sum(caps) if caps else None))
    total_load, total_capacity = _totals(art_cells)
    art_data = {
        "iterations": art_cells,
        "teams": matrix,
        "load": total_load,
        "capacity": total_capacity,
        "rule": "Load: Σ points of the stories planned in the iteration. Capacity: 8 × FTE − days off, "
        "or the team's override. ≤ 80 % green, ≤ 100 % amber, above red.",
        **window.describe(),
    }
    figures.append(Figure(Metric.LOAD, None, calc.load_ratio(total_load, total_capacity), art_data))
    return figures


def _totals(cells: list[dict]) -> tuple[float, float]:
    with_capacity = [cell for cell in cells if cell["capacity"] is not None]
    return sum(cell["load"] for cell in with_capacity), sum(cell["capacity"] for cell in with_capacity)


# --- §4.5 flow ---------------------------------------------------------------------------------


def _iteration_windows(inputs: PIInputs, window: Window) -> list[tuple[str, datetime, datetime]]:
    return [
        (
            it.label,
            calc.day_start(it.start_date, window.tz),
            calc.day_end(it.end_date, window.tz),
        )
        for it in inputs.iterations
    ]


def _flow(
    features: list[FeatureRow],
    window: Window,
    iterations: list[tuple[str, datetime, datetime]],
    team_id: int | None,
    *,
    art: bool,
) -> list[Figure]:
    items = [feature.flow_item() for feature in features]
    start, until = window.start, window.until
    described = window.describe()

    done = calc.flow_velocity(items, start, until)
    by_iteration = [
        {"iteration": label, "done": calc.flow_velocity(items, it_start, min(it_end, until))}
        for label, it_start, it_end in iterations
        if it_start < until
    ]
    velocity = Figure(
        Metric.FLOW_VELOCITY,
        team_id,
        done,
        {"features": len(items), "done": done, "by_iteration": by_iteration, **described},
    )

    flow = calc.flow_time(items, start, until)
    flow_data = {
        "count": flow.count,
        "median_days": flow.median_days,
        "p85_days": flow.p85_days,
        "mean_days": flow.mean_days,
        "rule": "Done time − first entry into Implementing, of the features done in the window.",
        **described,
    }
    if art:
        flow_data["points"] = [
            {
                "title": feature.title,
                "kind": feature.kind,
                "done": feature.done_at.date().isoformat(),
                "days": calc.in_days(feature.done_at - feature.started_at),
            }
            for feature in sorted(features, key=lambda f: (f.done_at or window.end, f.title))
            if feature.done_at is not None
            and feature.started_at is not None
            and start <= feature.done_at < until
        ]
    flow_time = Figure(Metric.FLOW_TIME, team_id, flow.median_days, flow_data)

    series = calc.flow_load_series(items, window.days, window.tz)
    wip_values = [wip for _, wip in series]
    mean_wip = statistics.fmean(wip_values) if wip_values else None
    load_data: dict = {"mean_wip": mean_wip, "days": len(series), **described}
    if art:
        load_data["series"] = [[day.isoformat(), wip] for day, wip in series]
        elapsed_days = calc.in_days(until - start)
        if mean_wip is not None and flow.mean_days is not None and elapsed_days > 0:
            load_data["littles_law"] = calc.littles_law(mean_wip, done / elapsed_days, flow.mean_days)
    flow_load = Figure(Metric.FLOW_LOAD, team_id, float(wip_values[-1]) if wip_values else None, load_data)

    measured = [
        (feature.started_at, feature.done_at, feature.blocked)
        for feature in features
        if feature.done_at is not None and feature.started_at is not None and start <= feature.done_at < until
    ]
    efficiency = calc.flow_efficiency_summary(measured)
    flow_efficiency = Figure(
        Metric.FLOW_EFFICIENCY,
        team_id,
        efficiency.percent,
        {
            "items": efficiency.items,
            "active_days": efficiency.active_days,
            "waiting_days": efficiency.waiting_days,
            "blocked_items": sum(1 for _, _, blocked in measured if blocked),
            "rule": FLOW_EFFICIENCY_RULE,
            **described,
        },
    )

    done_items = [item for item in items if item.done_at is not None and start <= item.done_at < until]
    distribution = calc.flow_distribution(done_items)
    flow_distribution = Figure(
        Metric.FLOW_DISTRIBUTION,
        team_id,
        len(done_items),
        {
            "kinds": distribution,
            "done": len(done_items),
            "points": sum(item.points for item in done_items),
            "rule": "Share of the features done in the window by kind, by count and by story points.",
            **described,
        },
    )
    return [velocity, flow_time, flow_load, flow_efficiency, flow_distribution]


# --- §4.6 other figures ------------------------------------------------------------------------


def _iterations(
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


def _dependency_aging(dependencies, window: Window, team_id: int | None, *, art: bool) -> Figure:
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


def _blocker_resolution(impediments, window: Window, team_id: int | None, *, art: bool) -> Figure:
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


def _improvement_throughput(inputs: PIInputs, window: Window) -> Figure:
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


# --- §4.6 forecast -----------------------------------------------------------------------------


def _forecast(
    features: list[FeatureRow],
    done_times: list[datetime],
    inputs: PIInputs,
    iterations: list[tuple[str, datetime, datetime]],
    window: Window,
    team_id: int | None,
) -> Figure:
    committed = [feature for feature in features if feature.is_committed]
    remaining = sum(1 for feature in committed if feature.done_at is None)
    data: dict = {
        "committed": len(committed),
        "done": len(committed) - remaining,
        "remaining": remaining,
        "rule": FORECAST_RULE,
        **window.describe(),
    }
    if not committed:
        return Figure(Metric.FORECAST, team_id, None, {**data, "reason": "nothing_committed"})
    tz = window.tz
    earlier = [
        (f"{w.pi_name} {w.label}", calc.day_start(w.start, tz), calc.day_end(w.end, tz))
        for w in inputs.history_windows
    ]
    if window.as_of >= window.end:
        # A PI that has ended has an outcome, not a probability. What the forecast said at its start
        # (history before the PI, every committed feature still to do) is kept beside the outcome,
        # so Inspect & Adapt can see how far to trust the next one.
        at_start = _simulate(done_times, earlier, inputs.iterations, len(committed), 0, inputs, window)
        return Figure(Metric.FORECAST, team_id, None, {**data, "reason": "pi_ended", "at_start": at_start})

    ended_here = [(f"this PI {label}", start, end) for label, start, end in iterations if end <= window.as_of]
    ahead = [it for it in inputs.iterations if calc.day_end(it.end_date, tz) > window.as_of]
    current = next((it for it in ahead if calc.day_start(it.start_date, tz) <= window.as_of), None)
    # The current iteration is drawn whole, so what it has already finished is added back.
    done_in_current = (
        sum(1 for done_at in done_times if calc.day_start(current.start_date, tz) <= done_at < window.as_of)
        if current
        else 0
    )
    result = _simulate(done_times, earlier + ended_here, ahead, remaining, done_in_current, inputs, window)
    data.update(result)
    value = None if result["probability"] is None else 100 * result["probability"]
    return Figure(Metric.FORECAST, team_id, value, data)


def _simulate(
    done_times: list[datetime],
    history: list[tuple[str, datetime, datetime]],
    ahead: list,
    remaining: int,
    done_in_current: int,
    inputs: PIInputs,
    window: Window,
) -> dict:
    """Run the Monte Carlo forecast over the iterations `ahead` plus a few projected after the PI."""
    throughput = calc.throughput_per_window(done_times, [(start, end) for _, start, end in history])
    result: dict = {
        "history": [
            {"iteration": label, "done": done}
            for (label, _, _), done in zip(history, throughput, strict=True)
        ],
        "done_in_current_iteration": done_in_current,
        "remaining": remaining,
        "probability": None,
        "by_end": [],
        "reason": None,
    }
    if not throughput:
        return {**result, "reason": "no_history"}
    ends = [it.end_date for it in ahead]
    first = inputs.iterations[0] if inputs.iterations else None
    length = (first.end_date - first.start_date).days + 1 if first else 14
    last = ends[-1] if ends else window.as_of.date()
    ends += [last + timedelta(days=length * n) for n in range(1, FORECAST_EXTRA_ITERATIONS + 1)]
    deadline = (window.end - timedelta(days=1)).date()
    forecast = calc.monte_carlo_forecast(
        throughput,
        remaining + done_in_current if remaining else 0,
        ends,
        trials=FORECAST_TRIALS,
        seed=FORECAST_SEED,
        deadline=deadline,
    )
    labels = {it.end_date: it.label for it in ahead}
    return {
        **result,
        "probability": forecast.probability,
        "date_85": forecast.date_85.isoformat() if forecast.date_85 else None,
        "deadline": deadline.isoformat(),
        "trials": forecast.trials,
        "seed": FORECAST_SEED,
        "throughput_mean": statistics.fmean(throughput),
        "by_end": [
            {"end": end.isoformat(), "iteration": labels.get(end, "after PI"), "share": share}
            for end, share in forecast.by_end
        ],
    }


# --- daily series: cumulative flow and burn-up ---------------------------------------------------


def _cumulative_flow_and_burn_up(inputs: PIInputs, window: Window) -> list[Figure]:
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
