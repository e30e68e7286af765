"""The go/no-go rules of a release checklist (issue 16, part 4): plain functions over plain values, no
ORM, so each rule is pinned by unit tests on hand-built cases.

What a release covers ("the scope"): the release milestone's PI, limited to the teams the RTE picked
on the checklist (none picked: every team of the train), and to what is planned by the release date:

- **Features done**: the PI's features planned on a team of the scope in an iteration that has begun
  by the release date. Met when every one is done; at risk when the ones left are all past
  implementing (validating, deploying, releasing); otherwise not met. No feature in scope: not
  applicable.
- **Red dependencies cleared**: the PI's dependencies whose requesting or providing team is in the
  scope and that are needed by the release (their needed-by iteration has begun by its date, or
  they name none), rated by the program board's own rule (planning/health.py). Met with no red and no amber
  string; at risk with amber ones only; not met while any is red.
- **No open critical defects / incidents**: critical defects and incidents of the train not yet
  resolved / restored, of a team in the scope or of no team (a train-wide one concerns every
  release). Met at none, otherwise not met.
- **System demo accepted**: the items of the PI's system demos of iterations begun by the release
  date, of features in the scope's teams or of no feature. Accepted = shown as expected. Met when
  every item is accepted; not met when one was not shown or none is recorded; at risk otherwise
  (shown with issues, or not shown yet).

Readiness % = criteria met ÷ applicable criteria (all but "not applicable") × 100; no applicable
criterion gives no figure, never 0 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from planning.calculations import share
from planning.health import Health
from planning.models import FeatureState
from risks.models import DemoItemOutcome

from ..models import ReleaseCriterionStatus as Status

# The statuses and the words a criterion is shown with: the model's own.
MET, NOT_MET, AT_RISK, NOT_APPLICABLE = Status.MET, Status.NOT_MET, Status.AT_RISK, Status.NOT_APPLICABLE
STATUS_LABELS = {status: status.label for status in (MET, NOT_MET, AT_RISK, NOT_APPLICABLE)}

DONE = FeatureState.DONE
# Past implementing: the work is built and on its way out.
LATE_STATES = frozenset({FeatureState.VALIDATING, FeatureState.DEPLOYING, FeatureState.RELEASING})
RED, AMBER = Health.CONFLICT, Health.AT_RISK
ACCEPTED = DemoItemOutcome.SHOWN
REFUSED = DemoItemOutcome.NOT_SHOWN


@dataclass(frozen=True)
class Check:
    """A computed criterion's status and the numbers behind it, in words."""

    status: str
    detail: str


@dataclass(frozen=True)
class Scope:
    """What one release covers: its date, and the teams picked (empty: all)."""

    release_date: date
    team_ids: frozenset[int] = frozenset()

    def has_team(self, team_id: int | None) -> bool:
        return not self.team_ids or team_id in self.team_ids

    def has_team_or_none(self, team_id: int | None) -> bool:
        return team_id is None or self.has_team(team_id)

    def by_date(self, iteration_start: date | None) -> bool:
        return iteration_start is not None and iteration_start <= self.release_date


@dataclass(frozen=True)
class FeatureFact:
    team_id: int | None
    iteration_start: date | None
    state: str


@dataclass(frozen=True)
class DependencyFact:
    requesting_team_id: int
    providing_team_id: int
    health: str
    needed_by_start: date | None = None  # the needed-by iteration's start; None: no date given


@dataclass(frozen=True)
class OpenCritical:
    team_id: int | None


@dataclass(frozen=True)
class DemoItemFact:
    iteration_start: date
    feature_team_id: int | None
    has_feature: bool
    outcome: str


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def features_done(features: Iterable[FeatureFact], scope: Scope) -> Check:
    rows = [
        f
        for f in features
        if f.team_id is not None and scope.has_team(f.team_id) and scope.by_date(f.iteration_start)
    ]
    if not rows:
        return Check(NOT_APPLICABLE, "No feature of the scope is planned by the release date.")
    done = sum(1 for f in rows if f.state == DONE)
    left = [f for f in rows if f.state != DONE]
    detail = f"{done} of {_plural(len(rows), 'feature')} done"
    if not left:
        return Check(MET, detail + ".")
    late = sum(1 for f in left if f.state in LATE_STATES)
    detail += f"; {late} of the {len(left)} left past implementing."
    return Check(AT_RISK if late == len(left) else NOT_MET, detail)


def dependencies_clear(dependencies: Iterable[DependencyFact], scope: Scope) -> Check:
    rows = [
        d
        for d in dependencies
        if (scope.has_team(d.requesting_team_id) or scope.has_team(d.providing_team_id))
        and (d.needed_by_start is None or scope.by_date(d.needed_by_start))
    ]
    red = sum(1 for d in rows if d.health == RED)
    amber = sum(1 for d in rows if d.health == AMBER)
    detail = f"{red} red, {amber} at risk, of {len(rows)} {'dependency' if len(rows) == 1 else 'dependencies'} in scope."
    if red:
        return Check(NOT_MET, detail)
    return Check(AT_RISK if amber else MET, detail)


def none_open(items: Iterable[OpenCritical], scope: Scope, word: str) -> Check:
    """Open critical defects or incidents (`word`: "defect", "incident")."""
    count = sum(1 for item in items if scope.has_team_or_none(item.team_id))
    detail = f"{count} open critical {word}{'' if count == 1 else 's'}."
    return Check(MET if count == 0 else NOT_MET, detail)


def demo_accepted(items: Iterable[DemoItemFact], scope: Scope) -> Check:
    rows = [
        item
        for item in items
        if scope.by_date(item.iteration_start)
        and (not item.has_feature or scope.has_team(item.feature_team_id))
    ]
    if not rows:
        return Check(NOT_MET, "No system demo item recorded for the release yet.")
    accepted = sum(1 for item in rows if item.outcome == ACCEPTED)
    refused = sum(1 for item in rows if item.outcome == REFUSED)
    detail = f"{accepted} of {_plural(len(rows), 'demo item')} accepted"
    if accepted == len(rows):
        return Check(MET, detail + ".")
    detail += f"; {refused} not shown." if refused else "."
    return Check(NOT_MET if refused else AT_RISK, detail)


@dataclass(frozen=True)
class ReadinessFigure:
    met: int
    applicable: int

    @property
    def percent(self) -> float | None:
        return share(self.met, self.applicable)

    @property
    def text(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent:.0f} %"


def readiness(statuses: Iterable[str]) -> ReadinessFigure:
    statuses = list(statuses)
    applicable = [status for status in statuses if status != NOT_APPLICABLE]
    return ReadinessFigure(met=sum(1 for status in applicable if status == MET), applicable=len(applicable))
