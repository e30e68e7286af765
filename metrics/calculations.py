"""Pure maths behind every ARTops figure (domain.md §4).

Plain functions over plain values: no ORM, no Django, no I/O. Selectors turn rows into the small
dataclasses below; snapshots and the dashboard store and show what these functions return.
Percentages are returned on a 0–100 scale. ``None`` means "no figure" (shown as "—"), never 0.
"""

import math
import random
import statistics
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import accumulate
from typing import Any

# §4.1–4.4 live in planning (the planning screens show them live); these are the ones the
# snapshots use, re-exported so metrics reads every formula through one module.
from planning.calculations import (  # noqa: F401
    NOT_SCORED_YET,
    PREDICTABILITY_BAND,
    ObjectiveValue,
    PredictabilityFigure,
    effective_capacity,
    load_ratio,
    load_status,
    pi_predictability,
    share,
    vote_summary,
)

SECONDS_PER_DAY = 86_400


def in_days(delta: timedelta) -> float:
    return delta.total_seconds() / SECONDS_PER_DAY


# --- §4.5 Flow -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowItem:
    """A feature (or story) for flow metrics; ``started_at`` is its first entry into implementing."""

    key: Any
    kind: str
    points: int
    started_at: datetime | None
    done_at: datetime | None


def _done_in(items: Iterable[FlowItem], window_start: datetime, window_end: datetime) -> list[FlowItem]:
    return [item for item in items if item.done_at is not None and window_start <= item.done_at < window_end]


def flow_velocity(items: Iterable[FlowItem], window_start: datetime, window_end: datetime) -> int:
    """§4.5 flow velocity: number of items done within [window_start, window_end)."""
    return len(_done_in(items, window_start, window_end))


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Percentile by linear interpolation between closest ranks (the "inclusive" method).

    The rank is (n − 1) × pct / 100 over the sorted values; between two ranks the value is
    interpolated. Same as numpy's default ``method="linear"``, Excel's PERCENTILE.INC and
    ``statistics.quantiles(method="inclusive")``. None for no values.
    """
    if not 0 <= pct <= 100:
        raise ValueError(f"Percentile must be within 0–100, got {pct!r}.")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * pct / 100
    lower, upper = math.floor(rank), math.ceil(rank)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (rank - lower))


@dataclass(frozen=True)
class FlowTimeSummary:
    """§4.5 flow time in days over the items done in a window."""

    count: int
    median_days: float | None
    p85_days: float | None
    mean_days: float | None


def flow_time(items: Iterable[FlowItem], window_start: datetime, window_end: datetime) -> FlowTimeSummary:
    """§4.5 flow time (done − start) of items done in the window: median, 85th percentile, mean.

    Items done without a recorded start have no flow time and are left out of every figure.
    """
    durations = [
        in_days(item.done_at - item.started_at)
        for item in _done_in(items, window_start, window_end)
        if item.started_at is not None
    ]
    if not durations:
        return FlowTimeSummary(count=0, median_days=None, p85_days=None, mean_days=None)
    return FlowTimeSummary(
        count=len(durations),
        median_days=statistics.median(durations),
        p85_days=percentile(durations, 85),
        mean_days=statistics.fmean(durations),
    )


def flow_load_series(items: Iterable[FlowItem], days: Sequence[date], tz: tzinfo) -> list[tuple[date, int]]:
    """§4.5 flow load sampled daily: WIP at the end of each day in ``tz``.

    An item counts when it started before the day ended and was not done by then.
    """
    # A sweep rather than a scan of every item for every day: WIP = items started before the day
    # ended − those of them also done by then (an item "done" before its start never counted).
    started = sorted(item.started_at for item in items if item.started_at is not None)
    finished = sorted(
        max(item.started_at, item.done_at)
        for item in items
        if item.started_at is not None and item.done_at is not None
    )
    series = []
    for day in days:
        # End of day is the next local midnight, built from wall time so DST days are 23 or 25 hours.
        end = day_end(day, tz)
        series.append((day, bisect_left(started, end) - bisect_left(finished, end)))
    return series


@dataclass(frozen=True)
class BlockedPeriod:
    """A stretch of waiting (an open impediment or a blocked flag); ``end`` None while still open."""

    start: datetime
    end: datetime | None


def _active_and_flow_seconds(
    started_at: datetime, done_at: datetime, blocked: Iterable[BlockedPeriod]
) -> tuple[float, float]:
    clipped = sorted(
        (max(period.start, started_at), min(done_at if period.end is None else period.end, done_at))
        for period in blocked
    )
    waiting = 0.0
    covered_until = started_at
    # Walk the periods in start order and count only the part not already covered, so two
    # impediments open at once are one wait, not two.
    for start, end in clipped:
        start = max(start, covered_until)
        if end > start:
            waiting += (end - start).total_seconds()
            covered_until = end
    flow = (done_at - started_at).total_seconds()
    return flow - waiting, flow


def flow_efficiency(
    started_at: datetime, done_at: datetime, blocked: Iterable[BlockedPeriod]
) -> float | None:
    """§4.5 flow efficiency of one item: active time / flow time × 100.

    Waiting time is the union of the blocked periods clipped to [started_at, done_at]; an open period
    ends at done_at. None when the flow time is zero.
    """
    active, flow = _active_and_flow_seconds(started_at, done_at, blocked)
    return share(active, flow) if flow > 0 else None


def mean_flow_efficiency(
    items: Iterable[tuple[datetime, datetime, Iterable[BlockedPeriod]]],
) -> float | None:
    """§4.5 flow efficiency over many items: total active time / total flow time × 100.

    Weighted by time rather than a mean of per-item percentages, so a one-hour item blocked for
    half an hour cannot outweigh a month-long one. Each item is (started_at, done_at, blocked).
    """
    return flow_efficiency_summary(items).percent


@dataclass(frozen=True)
class FlowEfficiencySummary:
    """§4.5 flow efficiency over many items, with the totals it is computed from (in days)."""

    percent: float | None
    items: int
    active_days: float
    waiting_days: float


def flow_efficiency_summary(
    items: Iterable[tuple[datetime, datetime, Iterable[BlockedPeriod]]],
) -> FlowEfficiencySummary:
    """Time-weighted flow efficiency (see ``mean_flow_efficiency``) and its totals; items with no
    flow time are left out of every total."""
    total_active = total_flow = 0.0
    counted = 0
    for started_at, done_at, blocked in items:
        active, flow = _active_and_flow_seconds(started_at, done_at, blocked)
        if flow > 0:
            counted += 1
            total_active += active
            total_flow += flow
    return FlowEfficiencySummary(
        percent=share(total_active, total_flow),
        items=counted,
        active_days=total_active / SECONDS_PER_DAY,
        waiting_days=(total_flow - total_active) / SECONDS_PER_DAY,
    )


def flow_distribution(items: Iterable[FlowItem]) -> dict[str, dict]:
    """§4.5 flow distribution of completed items by kind, by count and by points.

    Pass the items of one window (e.g. those done in it); items not done are ignored. Returns
    {kind: {"count", "count_share", "points", "points_share"}}, kinds in name order; a share is
    None when its total is 0.
    """
    done = [item for item in items if item.done_at is not None]
    total_count = len(done)
    total_points = sum(item.points for item in done)
    distribution: dict[str, dict] = {}
    for kind in sorted({item.kind for item in done}):
        count = sum(1 for item in done if item.kind == kind)
        points = sum(item.points for item in done if item.kind == kind)
        distribution[kind] = {
            "count": count,
            "count_share": share(count, total_count),
            "points": points,
            "points_share": share(points, total_points),
        }
    return distribution


def littles_law(mean_wip: float, velocity_per_day: float, mean_flow_time_days: float) -> dict:
    """§4.5 sanity check: mean load ≈ velocity × mean flow time, over a stable window.

    Returns {"actual_wip", "expected_wip", "ratio"}; ratio is actual / expected (1.0 = consistent)
    and None when nothing is expected.
    """
    expected_wip = velocity_per_day * mean_flow_time_days
    return {
        "actual_wip": mean_wip,
        "expected_wip": expected_wip,
        "ratio": None if expected_wip == 0 else mean_wip / expected_wip,
    }


def day_start(day: date, tz: tzinfo) -> datetime:
    """The local midnight that starts ``day``."""
    return datetime.combine(day, time.min, tzinfo=tz)


def day_end(day: date, tz: tzinfo) -> datetime:
    """The next local midnight after ``day``: built from wall time, so DST days are 23 or 25 hours."""
    return day_start(day + timedelta(days=1), tz)


@dataclass(frozen=True)
class StateChange:
    """One recorded move of an item through the Kanban; ``from_state`` "" when the item was created."""

    at: datetime
    from_state: str
    to_state: str


@dataclass(frozen=True)
class StateHistory:
    """An item's current state and its recorded changes, oldest first."""

    current_state: str
    changes: Sequence[StateChange]


def cumulative_flow(
    items: Iterable[StateHistory], days: Sequence[date], tz: tzinfo, states: Sequence[str]
) -> dict[str, list[int]]:
    """§4.5 cumulative flow: how many items were in each state at the end of each local day.

    An item is in the state of its last change before the day ended. Before its first recorded
    change it was in that change's ``from_state``; an empty one means the item did not exist yet.
    An item with no recorded change is in its current state throughout. States not listed in
    ``states`` are not counted.
    """
    ends = [day_end(day, tz) for day in days]
    counts = {state: [0] * len(days) for state in states}
    for item in items:
        changes = item.changes
        applied = 0
        for index, end in enumerate(ends):
            # Days are in order, so each change is passed once: O(days + changes) per item.
            while applied < len(changes) and changes[applied].at < end:
                applied += 1
            if applied:
                state = changes[applied - 1].to_state
            elif changes:
                state = changes[0].from_state
            else:
                state = item.current_state
            if state in counts:
                counts[state][index] += 1
    return counts


def cumulative_done(
    items: Iterable[tuple[float, datetime | None]], days: Sequence[date], tz: tzinfo
) -> list[float]:
    """Burn-up: the weight (1 per item, or its points) done by the end of each local day.

    Each item is (weight, done_at); an item not done (done_at None) never counts.
    """
    done = sorted((done_at, weight) for weight, done_at in items if done_at is not None)
    times = [done_at for done_at, _ in done]
    running_totals = list(accumulate((weight for _, weight in done), initial=0.0))
    return [running_totals[bisect_left(times, day_end(day, tz))] for day in days]


def throughput_per_window(
    done_times: Iterable[datetime], windows: Sequence[tuple[datetime, datetime]]
) -> list[int]:
    """Items done within each half-open window [start, end): the throughput history a forecast samples."""
    done_times = list(done_times)
    return [sum(1 for done_at in done_times if start <= done_at < end) for start, end in windows]


def is_committed_feature(*, planned_on_board: bool, objectives: int, committed_objectives: int) -> bool:
    """Whether a feature is part of the PI's commitment (what a forecast must finish).

    A feature is committed when it is planned on a team's row of the board (a team and an
    iteration) and does not serve only uncommitted objectives: SAFe's uncommitted objectives are
    planned and in the load, but not promised. A planned feature linked to no objective counts.
    """
    return planned_on_board and (objectives == 0 or committed_objectives > 0)


# --- §4.6 Other figures ----------------------------------------------------------------------------


def carry_over_pct(planned_points: int, done_points: int) -> float | None:
    """§4.6 carry-over: points planned for the iteration not done by its end / points planned × 100.

    ``done_points`` must count only stories that were planned for the iteration and done by its
    end; work pulled in mid-iteration would otherwise hide carry-over.
    """
    if not 0 <= done_points <= planned_points:
        raise ValueError("Done points of planned stories must be between 0 and the planned points.")
    return share(planned_points - done_points, planned_points)


def iteration_completion_pct(planned_points: int, done_points: int) -> float | None:
    """§4.6 iteration completion: done points / planned points × 100; None when nothing was planned."""
    return share(done_points, planned_points)


@dataclass(frozen=True)
class StoryItem:
    """A story for carry-over and completion; ``iteration`` is the key of the iteration it is
    planned in (None: not planned)."""

    points: int
    iteration: Hashable | None
    done_at: datetime | None


@dataclass(frozen=True)
class IterationOutcome:
    """§4.6 figures of one ended iteration, with the points they are computed from."""

    key: Hashable
    planned_points: int
    planned_done_points: int
    pulled_in_points: int
    carry_over_pct: float | None
    completion_pct: float | None

    @property
    def done_points(self) -> int:
        return self.planned_done_points + self.pulled_in_points


def iteration_outcomes(
    stories: Iterable[StoryItem], iterations: Sequence[tuple[Hashable, datetime, datetime]]
) -> list[IterationOutcome]:
    """§4.6 carry-over and iteration completion for each given (ended) iteration.

    ``iterations`` are (key, start, end) with ``end`` exclusive, in order. For each iteration:

    - planned points: the stories planned for it;
    - carry-over: of those, the points not done by its end (a story done later still counts
      here: it was carried over, whenever it was finished);
    - completion: done points over planned points, where done points are the planned stories done
      by its end plus work pulled in (stories planned for a later iteration, or for none, done
      within its dates). A story finished late for an earlier iteration is not this iteration's
      completion: it already counts as that iteration's carry-over.
    """
    stories = list(stories)
    order = {key: position for position, (key, _start, _end) in enumerate(iterations)}
    outcomes = []
    for position, (key, start, end) in enumerate(iterations):
        planned = planned_done = pulled_in = 0
        for story in stories:
            if story.iteration == key:
                planned += story.points
                if story.done_at is not None and story.done_at < end:
                    planned_done += story.points
            elif (
                story.done_at is not None
                and start <= story.done_at < end
                and order.get(story.iteration, len(order)) > position
            ):
                pulled_in += story.points
        outcomes.append(
            IterationOutcome(
                key=key,
                planned_points=planned,
                planned_done_points=planned_done,
                pulled_in_points=pulled_in,
                carry_over_pct=carry_over_pct(planned, planned_done),
                completion_pct=iteration_completion_pct(planned, planned_done + pulled_in),
            )
        )
    return outcomes


@dataclass(frozen=True)
class AgingSummary:
    """Ages in days of a group of open items."""

    count: int
    median_days: float | None
    max_days: float | None


def _aging(ages: Sequence[float]) -> AgingSummary:
    if not ages:
        return AgingSummary(count=0, median_days=None, max_days=None)
    return AgingSummary(count=len(ages), median_days=statistics.median(ages), max_days=max(ages))


def dependency_aging(items: Iterable[tuple[str, datetime]], now: datetime) -> dict[str, AgingSummary]:
    """§4.6 dependency aging: now − creation, median and maximum, by state and for "all".

    Pass only unresolved dependencies as (state, created_at); which states count as resolved
    (delivered, cancelled) is the caller's decision. "all" is always present.
    """
    by_state: dict[str, list[float]] = {}
    for state, created_at in items:
        by_state.setdefault(state, []).append(in_days(now - created_at))
    summaries = {state: _aging(ages) for state, ages in sorted(by_state.items())}
    summaries["all"] = _aging([age for ages in by_state.values() for age in ages])
    return summaries


def open_aging_series(
    items: Iterable[tuple[datetime, datetime | None]], days: Sequence[date], tz: tzinfo, as_of: datetime
) -> list[AgingSummary]:
    """Ages of the items open at the end of each local day (capped at ``as_of``), for aging trends.

    Each item is (opened_at, closed_at or None); it is open at a moment when it was opened before
    it and not yet closed.
    """
    items = list(items)
    series = []
    for day in days:
        moment = min(day_end(day, tz), as_of)
        ages = [
            in_days(moment - opened)
            for opened, closed in items
            if opened < moment and (closed is None or closed >= moment)
        ]
        series.append(_aging(ages))
    return series


def blocker_resolution(
    resolved: Iterable[tuple[datetime, datetime]], open_raised: Iterable[datetime], now: datetime
) -> dict:
    """§4.6 blocker resolution time: resolved − raised, median over the window; ages of open ones.

    ``resolved`` holds (raised_at, resolved_at) of impediments resolved in the window. Returns
    {"resolved_count", "median_resolution_days", "open_count", "open_ages_days" (oldest first),
    "open_median_days", "open_max_days"}.
    """
    durations = [in_days(resolved_at - raised_at) for raised_at, resolved_at in resolved]
    open_ages = sorted((in_days(now - raised_at) for raised_at in open_raised), reverse=True)
    open_summary = _aging(open_ages)
    return {
        "resolved_count": len(durations),
        "median_resolution_days": statistics.median(durations) if durations else None,
        "open_count": open_summary.count,
        "open_ages_days": open_ages,
        "open_median_days": open_summary.median_days,
        "open_max_days": open_summary.max_days,
    }


def improvement_throughput(taken: int, done: int) -> float | None:
    """§4.6 improvement throughput: % of improvement items taken into a PI that were done by its end."""
    if not 0 <= done <= taken:
        raise ValueError("Done improvement items must be between 0 and the items taken.")
    return share(done, taken)


@dataclass(frozen=True)
class Forecast:
    """§4.6 Monte Carlo forecast; ``trials`` is how many were actually run."""

    probability: float
    date_85: date | None
    trials: int
    remaining: int
    # (iteration end, share of trials finished by it), cumulative, for every end simulated.
    by_end: tuple[tuple[date, float], ...] = ()


FORECAST_CONFIDENCE_PCT = 85


def monte_carlo_forecast(
    throughput_history: Sequence[int],
    remaining: int,
    iteration_ends: Sequence[date],
    trials: int = 10_000,
    seed: int | None = None,
    deadline: date | None = None,
) -> Forecast:
    """§4.6 forecast from historical throughput per iteration (items done per iteration).

    Each trial draws one historical throughput, with replacement, for each iteration still to run
    (``iteration_ends``, in order) until ``remaining`` items are done. ``probability`` is the share
    of trials done by ``deadline`` (default: the last end, the PI's end); ``date_85`` is the first
    end by which at least 85 % of trials are done, or None if the given iterations are not enough.
    Ends after the deadline only serve the 85 % date, which may then fall after the PI's end.
    ``by_end`` is the cumulative share of trials done by each end.

    Edge cases, decided rather than simulated (``trials`` is then 0): nothing remaining is
    certain (1.0) and needs no date; with no history or no iterations left, nothing can be
    forecast to finish (0.0). The same ``seed`` always gives the same result.
    """
    if remaining < 0 or trials < 1 or any(value < 0 for value in throughput_history):
        raise ValueError("Remaining, trials and throughput history cannot be negative; trials ≥ 1.")
    if remaining == 0:
        return Forecast(probability=1.0, date_85=None, trials=0, remaining=0)
    if not throughput_history or not iteration_ends:
        return Forecast(probability=0.0, date_85=None, trials=0, remaining=remaining)
    deadline = iteration_ends[-1] if deadline is None else deadline

    rng = random.Random(seed)
    finished_by = [0] * len(iteration_ends)
    # Iteration by iteration, one draw for each trial still running, all in one call: a recompute
    # runs a forecast per team, and a call per draw (or draws for trials already done) was most
    # of its time.
    running = [0] * trials  # items done so far by each unfinished trial
    for index in range(len(iteration_ends)):
        still_running = []
        for done, draw in zip(running, rng.choices(throughput_history, k=len(running)), strict=True):
            if done + draw >= remaining:
                finished_by[index] += 1
            else:
                still_running.append(done + draw)
        running = still_running
        if not running:
            break

    date_85 = None
    finished = finished_by_deadline = 0
    by_end = []
    for end, count in zip(iteration_ends, finished_by, strict=True):
        finished += count
        if end <= deadline:
            finished_by_deadline = finished
        by_end.append((end, finished / trials))
        # Integer comparison so exactly 85 % counts without float rounding.
        if date_85 is None and finished * 100 >= FORECAST_CONFIDENCE_PCT * trials:
            date_85 = end
    return Forecast(
        probability=finished_by_deadline / trials,
        date_85=date_85,
        trials=trials,
        remaining=remaining,
        by_end=tuple(by_end),
    )
