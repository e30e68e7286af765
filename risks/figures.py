"""The few figures the running-the-PI screens compute themselves, as plain functions over plain values.

Imports run trains ← planning ← risks ← metrics, so risks cannot use metrics/calculations.py; these
follow the same definitions (domain.md §4) and the same convention: ``None`` means "no figure"
(shown as "—"), never 0.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

PREDICTABILITY_BAND = (80.0, 100.0)


def share(part: float, whole: float) -> float | None:
    return None if whole == 0 else 100 * part / whole


def predictability(*, actual_total: int, planned_committed_total: int) -> float | None:
    """domain.md §4.1: 100 × Σ actual BV of the scored objectives (committed and uncommitted)
    / Σ planned BV of the committed objectives. No committed planned value: no figure."""
    return share(actual_total, planned_committed_total)


def in_band(percent: float | None) -> bool | None:
    if percent is None:
        return None
    low, high = PREDICTABILITY_BAND
    return low <= percent <= high


@dataclass(frozen=True)
class PredictabilityRow:
    """One team's (or, with team None, the ART's) two sums and the resulting figure."""

    team: object | None
    planned_committed: int
    actual: int
    objectives: int
    scored: int

    @property
    def percent(self) -> float | None:
        """§4.1, once at least one objective is scored; before that "0 %" would only mean "not
        scored yet", so there is no figure (the actual values come at the end of the PI)."""
        if self.scored == 0:
            return None
        return predictability(actual_total=self.actual, planned_committed_total=self.planned_committed)

    @property
    def provisional(self) -> bool:
        return 0 < self.scored < self.objectives

    @property
    def healthy(self) -> bool | None:
        return in_band(self.percent)


def art_row(rows: Iterable[PredictabilityRow]) -> PredictabilityRow:
    """The ART figure: the same two sums over all the train's team objectives (§4.1)."""
    rows = list(rows)
    return PredictabilityRow(
        team=None,
        planned_committed=sum(row.planned_committed for row in rows),
        actual=sum(row.actual for row in rows),
        objectives=sum(row.objectives for row in rows),
        scored=sum(row.scored for row in rows),
    )


def mean_of_teams(rows: Iterable[PredictabilityRow]) -> float | None:
    """Shown beside the ART figure and labelled as such; teams without a figure are left out."""
    percents = [row.percent for row in rows if row.percent is not None]
    return statistics.fmean(percents) if percents else None


def demo_readiness(*, shown_as_expected: int, planned: int) -> float | None:
    """% of the planned demo items shown as expected; no planned item: no figure."""
    return share(shown_as_expected, planned)
