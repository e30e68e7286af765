"""Pure maths behind every ARTops figure (domain.md §4).

Plain functions over plain values: no ORM, no Django, no I/O. Selectors turn rows into the small
dataclasses below; snapshots and the dashboard store and show what these functions return.
Percentages are returned on a 0–100 scale. ``None`` means "no figure" (shown as "—"), never 0.
"""

import math
import random
import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

SECONDS_PER_DAY = 86_400


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / SECONDS_PER_DAY


def _share(part: float, whole: float) -> float | None:
    return None if whole == 0 else 100 * part / whole


# --- §4.1 Predictability ---------------------------------------------------------------------------

PREDICTABILITY_BAND = (80.0, 100.0)


@dataclass(frozen=True)
class ObjectiveValue:
    """One team PI objective's business value: planned 1–10, actual 0–10 (None until scored)."""

    is_committed: bool
    planned: int | None
    actual: int | None


def _predictability_sums(objectives: Iterable[ObjectiveValue]) -> tuple[int, int]:
    actual_total = planned_total = 0
    for objective in objectives:
        # Uncommitted objectives add to the actuals but never to the plan (SAFe), so a team that
        # under-commits can score above 100 %.
        if objective.actual is not None:
            actual_total += objective.actual
        if objective.is_committed and objective.planned is not None:
            planned_total += objective.planned
    return actual_total, planned_total


def predictability(objectives: Iterable[ObjectiveValue]) -> float | None:
    """§4.1: 100 × Σ actual BV of scored objectives / Σ planned BV of committed objectives.

    None when nothing committed carries planned value: "no figure", never 0 % or a division error.
    """
    actual_total, planned_total = _predictability_sums(objectives)
    return _share(actual_total, planned_total)


@dataclass(frozen=True)
class ArtPredictability:
    """§4.1 ART figure: pooled sums (``percent``) beside the mean of the team percentages."""

    percent: float | None
    mean_of_teams: float | None
    teams: dict[Hashable, float | None]
    actual_total: int
    planned_total: int


def art_predictability(by_team: Mapping[Hashable, Iterable[ObjectiveValue]]) -> ArtPredictability:
    """§4.1 ART predictability: the same two sums over all the train's team objectives.

    ``mean_of_teams`` averages only the teams that have a figure; a team without committed value
    would otherwise drag the mean towards 0 % for a plan it never made.
    """
    teams: dict[Hashable, float | None] = {}
    actual_total = planned_total = 0
    for team, objectives in by_team.items():
        team_actual, team_planned = _predictability_sums(objectives)
        teams[team] = _share(team_actual, team_planned)
        actual_total += team_actual
        planned_total += team_planned
    team_percents = [percent for percent in teams.values() if percent is not None]
    return ArtPredictability(
        percent=_share(actual_total, planned_total),
        mean_of_teams=statistics.fmean(team_percents) if team_percents else None,
        teams=teams,
        actual_total=actual_total,
        planned_total=planned_total,
    )


# --- §4.2 Confidence vote --------------------------------------------------------------------------

VOTE_SCORES = range(1, 6)
ACCEPTANCE_MEAN = 3.0
LOW_SCORE = 2


@dataclass(frozen=True)
class VoteSummary:
    """§4.2 fist of five for one scope (a team or the ART)."""

    voters: int
    mean: float | None
    counts: dict[int, int]
    accepted: bool | None
    low_scores: int


def vote_summary(scores: Iterable[int]) -> VoteSummary:
    """§4.2: mean, count of each score 1–5, voters; accepted when the mean ≥ 3.

    ``low_scores`` counts voters at ≤ 2, each of whom is asked for their concern. ``accepted`` is
    None before anyone votes. Raises ValueError for a score outside 1–5.
    """
    counts = dict.fromkeys(VOTE_SCORES, 0)
    for score in scores:
        if isinstance(score, bool) or score not in VOTE_SCORES:
            raise ValueError(f"A confidence vote is 1 to 5, got {score!r}.")
        counts[int(score)] += 1
    voters = sum(counts.values())
    if voters == 0:
        return VoteSummary(voters=0, mean=None, counts=counts, accepted=None, low_scores=0)
    mean = sum(score * count for score, count in counts.items()) / voters
    return VoteSummary(
        voters=voters,
        mean=mean,
        counts=counts,
        accepted=mean >= ACCEPTANCE_MEAN,
        low_scores=sum(counts[score] for score in VOTE_SCORES if score <= LOW_SCORE),
    )


# --- §4.3 Capacity and load ------------------------------------------------------------------------

# SAFe normalised estimating: 8 points per full-time developer/tester per 2-week iteration
# (10 days less 2 for overhead), less 1 point per person-day off.
POINTS_PER_FTE = 8
AMBER_ABOVE = 80.0
RED_ABOVE = 100.0


def default_capacity(fte: Decimal | float, days_off: int) -> float:
    """§4.3 starting capacity: 8 × FTE − person-days off, never below 0."""
    if fte < 0 or days_off < 0:
        raise ValueError("FTE and days off cannot be negative.")
    return max(0.0, POINTS_PER_FTE * float(fte) - days_off)


def effective_capacity(fte: Decimal | float, days_off: int, override: float | None = None) -> float:
    """§4.3: the team's override (e.g. measured velocity) when set, else the starting capacity."""
    if override is not None:
        return float(override)
    return default_capacity(fte, days_off)


def load_ratio(load: float, capacity: float) -> float | None:
    """§4.3 load / capacity in percent; None when there is no capacity to divide by."""
    return _share(load, capacity)


def load_status(load: float, capacity: float) -> str:
    """§4.3 traffic light: ≤ 80 % "green", > 80 % and ≤ 100 % "amber", > 100 % "red".

    With no capacity, any load at all is over capacity.
    """
    ratio = load_ratio(load, capacity)
    if ratio is None:
        return "green" if load == 0 else "red"
    if ratio <= AMBER_ABOVE:
        return "green"
    if ratio <= RED_ABOVE:
        return "amber"
    return "red"


# --- §4.4 WSJF -------------------------------------------------------------------------------------

FIBONACCI = (1, 2, 3, 5, 8, 13, 20)


def _check_scale(**inputs: int) -> None:
    for name, value in inputs.items():
        if isinstance(value, bool) or value not in FIBONACCI:
            raise ValueError(f"{name} must be one of {FIBONACCI}, got {value!r}.")


def cost_of_delay(business_value: int, time_criticality: int, risk_reduction: int) -> int:
    """§4.4: user-business value + time criticality + risk reduction/opportunity enablement."""
    _check_scale(
        business_value=business_value, time_criticality=time_criticality, risk_reduction=risk_reduction
    )
    return business_value + time_criticality + risk_reduction


def wsjf(business_value: int, time_criticality: int, risk_reduction: int, job_size: int) -> float:
    """§4.4: cost of delay / job size, every input on the modified Fibonacci scale."""
    # The scale starts at 1, so checking it also guarantees job size > 0.
    _check_scale(job_size=job_size)
    return cost_of_delay(business_value, time_criticality, risk_reduction) / job_size


@dataclass(frozen=True)
class WsjfItem:
    """A backlog item's WSJF inputs; any of them may still be unset (None).

    ``key`` (a feature id or reference) only breaks final ties, so keys must compare with each other.
    """

    key: Any
    business_value: int | None
    time_criticality: int | None
    risk_reduction: int | None
    job_size: int | None


def rank_by_wsjf(items: Iterable[WsjfItem]) -> list[WsjfItem]:
    """§4.4 ranking: highest WSJF first, ties to the smaller job, then key ascending.

    Items missing any input cannot be ranked, so they follow the ranked ones in key order. An input
    off the scale raises ValueError rather than being ranked on a made-up value.
    """
    scored: list[tuple[float, int, Any, WsjfItem]] = []
    unscored: list[WsjfItem] = []
    for item in items:
        inputs = (item.business_value, item.time_criticality, item.risk_reduction, item.job_size)
        if any(value is None for value in inputs):
            unscored.append(item)
        else:
            scored.append((-wsjf(*inputs), item.job_size, item.key, item))
    scored.sort(key=lambda row: row[:3])
    return [row[3] for row in scored] + sorted(unscored, key=lambda item: item.key)


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
        _days(item.done_at - item.started_at)
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
    items = list(items)
    series = []
    for day in days:
        # End of day is the next local midnight, built from wall time so DST days are 23 or 25 hours.
        day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
        wip = sum(
            1
            for item in items
            if item.started_at is not None
            and item.started_at < day_end
            and (item.done_at is None or item.done_at >= day_end)
        )
        series.append((day, wip))
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
    return _share(active, flow) if flow > 0 else None


def mean_flow_efficiency(
    items: Iterable[tuple[datetime, datetime, Iterable[BlockedPeriod]]],
) -> float | None:
    """§4.5 flow efficiency over many items: total active time / total flow time × 100.

    Weighted by time rather than a mean of per-item percentages, so a one-hour item blocked for
    half an hour cannot outweigh a month-long one. Each item is (started_at, done_at, blocked).
    """
    total_active = total_flow = 0.0
    for started_at, done_at, blocked in items:
        active, flow = _active_and_flow_seconds(started_at, done_at, blocked)
        if flow > 0:
            total_active += active
            total_flow += flow
    return _share(total_active, total_flow)


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
            "count_share": _share(count, total_count),
            "points": points,
            "points_share": _share(points, total_points),
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


# --- §4.6 Other figures ----------------------------------------------------------------------------


def carry_over_pct(planned_points: int, done_points: int) -> float | None:
    """§4.6 carry-over: points planned for the iteration not done by its end / points planned × 100.

    ``done_points`` must count only stories that were planned for the iteration and done by its
    end; work pulled in mid-iteration would otherwise hide carry-over.
    """
    if not 0 <= done_points <= planned_points:
        raise ValueError("Done points of planned stories must be between 0 and the planned points.")
    return _share(planned_points - done_points, planned_points)


def iteration_completion_pct(planned_points: int, done_points: int) -> float | None:
    """§4.6 iteration completion: done points / planned points × 100; None when nothing was planned."""
    return _share(done_points, planned_points)


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
        by_state.setdefault(state, []).append(_days(now - created_at))
    summaries = {state: _aging(ages) for state, ages in sorted(by_state.items())}
    summaries["all"] = _aging([age for ages in by_state.values() for age in ages])
    return summaries


def blocker_resolution(
    resolved: Iterable[tuple[datetime, datetime]], open_raised: Iterable[datetime], now: datetime
) -> dict:
    """§4.6 blocker resolution time: resolved − raised, median over the window; ages of open ones.

    ``resolved`` holds (raised_at, resolved_at) of impediments resolved in the window. Returns
    {"resolved_count", "median_resolution_days", "open_count", "open_ages_days" (oldest first),
    "open_median_days", "open_max_days"}.
    """
    durations = [_days(resolved_at - raised_at) for raised_at, resolved_at in resolved]
    open_ages = sorted((_days(now - raised_at) for raised_at in open_raised), reverse=True)
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
    return _share(done, taken)


@dataclass(frozen=True)
class Forecast:
    """§4.6 Monte Carlo forecast; ``trials`` is how many were actually run."""

    probability: float
    date_85: date | None
    trials: int
    remaining: int


FORECAST_CONFIDENCE_PCT = 85


def monte_carlo_forecast(
    throughput_history: Sequence[int],
    remaining: int,
    iteration_ends: Sequence[date],
    trials: int = 10_000,
    seed: int | None = None,
) -> Forecast:
    """§4.6 forecast from historical throughput per iteration (items done per iteration).

    Each trial draws one historical throughput, with replacement, for each iteration still to run
    (``iteration_ends``, in order, the last being the PI's end) until ``remaining`` items are done.
    ``probability`` is the share of trials done by the last end; ``date_85`` is the first end by
    which at least 85 % of trials are done, or None if the given iterations are not enough.

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

    rng = random.Random(seed)
    finished_by = [0] * len(iteration_ends)
    for _ in range(trials):
        done = 0
        for index in range(len(iteration_ends)):
            done += rng.choice(throughput_history)
            if done >= remaining:
                finished_by[index] += 1
                break

    date_85 = None
    finished = 0
    for end, count in zip(iteration_ends, finished_by, strict=True):
        finished += count
        # Integer comparison so exactly 85 % counts without float rounding.
        if finished * 100 >= FORECAST_CONFIDENCE_PCT * trials:
            date_85 = end
            break
    return Forecast(
        probability=sum(finished_by) / trials, date_85=date_85, trials=trials, remaining=remaining
    )
