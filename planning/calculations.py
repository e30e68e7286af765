"""Pure maths behind the PI Planning figures (domain.md §4.1–4.4): predictability, the confidence
vote, capacity and load, WSJF.

Plain functions over plain values: no ORM, no Django, no I/O. They live in planning because the
planning screens show them live; metrics (which builds on planning) re-uses them for its snapshots,
so each formula exists once. Percentages are on a 0–100 scale; ``None`` means "no figure" ("—").
"""

import math
import statistics
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


def share(part: float, whole: float) -> float | None:
    """part / whole × 100; None (no figure) when the whole is 0. Every app's percentages use this."""
    return None if whole == 0 else 100 * part / whole


def percent_text(value: float | None, edges: Iterable[float] = ()) -> str:
    """A percentage as the screens write it, without its unit: whole percent ("16"), "—" for none.

    One rule for every figure with a band: a figure never shows an edge it has not reached. Where
    whole-percent rounding would land on an edge the figure is not at (79.5 beside an 80 % edge),
    it gets one decimal cut towards its own side of the edge ("79.5", 79.96 → "79.9", 100.02 →
    "100.1"), so the text always reads on the same side of the band as the colour beside it.
    """
    if value is None:
        return "—"
    whole = f"{value:.0f}"
    for edge in edges:
        if float(whole) == edge != value:
            tenths = math.floor(value * 10) / 10 if value < edge else math.ceil(value * 10) / 10
            return f"{tenths:.1f}"
    return whole


# --- §4.1 Predictability ---------------------------------------------------------------------------

PREDICTABILITY_BAND = (80.0, 100.0)
IN_BAND, BELOW_BAND, ABOVE_BAND = "in", "below", "above"


def band_position(percent: float | None) -> str | None:
    """Where a predictability figure lies against the healthy 80–100 % band (edges are inside)."""
    if percent is None:
        return None
    low, high = PREDICTABILITY_BAND
    if percent < low:
        return BELOW_BAND
    if percent > high:
        return ABOVE_BAND
    return IN_BAND


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
    return share(actual_total, planned_total)


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
        teams[team] = share(team_actual, team_planned)
        actual_total += team_actual
        planned_total += team_planned
    team_percents = [percent for percent in teams.values() if percent is not None]
    return ArtPredictability(
        percent=share(actual_total, planned_total),
        mean_of_teams=statistics.fmean(team_percents) if team_percents else None,
        teams=teams,
        actual_total=actual_total,
        planned_total=planned_total,
    )


NO_COMMITTED_VALUE = "no_committed_value"
NOT_SCORED_YET = "not_scored_yet"


@dataclass(frozen=True)
class PredictabilityFigure:
    """§4.1 for one scope (a team or the ART), with the reason when there is no figure.

    ``reason`` is None when ``percent`` is a figure; otherwise NO_COMMITTED_VALUE (nothing committed
    carries planned value) or NOT_SCORED_YET (value was committed, but no objective is scored yet).
    """

    percent: float | None
    actual_total: int
    planned_total: int
    objectives: int
    scored: int
    reason: str | None

    @property
    def provisional(self) -> bool:
        """Some objectives are scored and some not yet: the figure may still move."""
        return 0 < self.scored < self.objectives

    @property
    def band(self) -> str | None:
        return band_position(self.percent)

    @property
    def partial_text(self) -> str:
        """ "partial: 3 of 28 scored" while the figure is provisional, else ""."""
        return partial_text(self.scored, self.objectives)

    @property
    def percent_text(self) -> str:
        return percent_text(self.percent, PREDICTABILITY_BAND)


def partial_text(scored: int, objectives: int) -> str:
    """What a predictability figure over partial data says beside it, wherever it is shown (tile,
    chart point, table): it is no result yet, and how far the scoring has got. "" when final."""
    if 0 < scored < objectives:
        return f"partial: {scored} of {objectives} scored"
    return ""


def predictability_figure(objectives: Iterable[ObjectiveValue]) -> PredictabilityFigure:
    """§4.1 predictability, shown only once Business Owners have scored an objective.

    Before anything is scored (an executing PI) the formula gives 0 %, which would read as a failed
    PI; the figure is None ("not scored yet") instead. Once one objective is scored the formula
    applies as written, so committed objectives still unscored count in the plan and not in the
    actuals. No committed planned value stays "no figure" (§4.1).
    """
    objectives = list(objectives)
    actual_total, planned_total = _predictability_sums(objectives)
    scored = sum(1 for objective in objectives if objective.actual is not None)
    if planned_total == 0:
        reason: str | None = NO_COMMITTED_VALUE
    elif scored == 0:
        reason = NOT_SCORED_YET
    else:
        reason = None
    return PredictabilityFigure(
        percent=None if reason else share(actual_total, planned_total),
        actual_total=actual_total,
        planned_total=planned_total,
        objectives=len(objectives),
        scored=scored,
        reason=reason,
    )


@dataclass(frozen=True)
class PiPredictability:
    """§4.1 for a PI: the ART's pooled figure, each team's, and the mean of the team percentages."""

    art: PredictabilityFigure
    teams: dict[Hashable, PredictabilityFigure]
    mean_of_teams: float | None


def pi_predictability(by_team: Mapping[Hashable, Iterable[ObjectiveValue]]) -> PiPredictability:
    """§4.1 for a PI with the "no figure" rules of ``predictability_figure`` at both levels.

    The ART figure is the same two sums over all the train's team objectives; the mean of the team
    percentages averages only the teams that have a figure.
    """
    lists = {team: list(objectives) for team, objectives in by_team.items()}
    teams = {team: predictability_figure(objectives) for team, objectives in lists.items()}
    art = predictability_figure([objective for objectives in lists.values() for objective in objectives])
    percents = [figure.percent for figure in teams.values() if figure.percent is not None]
    return PiPredictability(
        art=art, teams=teams, mean_of_teams=statistics.fmean(percents) if percents else None
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
    return share(load, capacity)


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
