"""Reads for metrics: the plain inputs of a PI's figures, and the snapshots the dashboard shows.

`pi_metric_inputs` turns planning and risk rows into the plain values metrics/calculations.py takes,
in a fixed number of queries whatever the size of the train (pinned by tests and `make bench`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery

from planning.models import (
    Dependency,
    Feature,
    FeatureBlockedPeriod,
    FeatureStateChange,
    Iteration,
    PIObjective,
    ProgramIncrement,
    Story,
    TeamCapacity,
    iteration_label,
)
from planning.selectors.votes import latest_round_scores
from risks.hooks import ReviewFigure
from risks.models import Impediment, ImprovementItem
from trains.models import Team, Train

from . import calculations as calc
from .models import PIRecompute, Snapshot

DONE = Feature.State.DONE

# How many earlier PIs the forecast samples throughput from (with the current PI's ended iterations).
HISTORY_PIS = 3


@dataclass(frozen=True)
class IterationRow:
    pk: int
    number: int
    start_date: date
    end_date: date
    is_ip: bool

    @property
    def label(self) -> str:
        return iteration_label(self.number, self.is_ip)


@dataclass(frozen=True)
class FeatureRow:
    pk: int
    title: str
    kind: str
    state: str
    team_id: int | None
    iteration_id: int | None
    started_at: datetime | None
    done_at: datetime | None
    points: int
    objectives: int
    committed_objectives: int
    history: calc.StateHistory
    # Waiting time: the blocked flag's periods and the open periods of impediments blocking it.
    blocked: tuple[calc.BlockedPeriod, ...]

    @property
    def is_committed(self) -> bool:
        return calc.is_committed_feature(
            planned_on_board=self.team_id is not None and self.iteration_id is not None,
            objectives=self.objectives,
            committed_objectives=self.committed_objectives,
        )

    def flow_item(self) -> calc.FlowItem:
        return calc.FlowItem(
            key=self.pk, kind=self.kind, points=self.points, started_at=self.started_at, done_at=self.done_at
        )


@dataclass(frozen=True)
class StoryRow:
    team_id: int
    iteration_id: int | None
    points: int
    done_at: datetime | None


@dataclass(frozen=True)
class CapacityRow:
    team_id: int
    iteration_id: int
    capacity: float


@dataclass(frozen=True)
class DependencyRow:
    requesting_team_id: int
    description: str
    state: str
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class ImpedimentRow:
    team_id: int
    title: str
    raised_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class ImprovementRow:
    title: str
    status: str
    done_at: datetime | None


@dataclass(frozen=True)
class HistoryWindow:
    """An ended iteration whose throughput the forecast samples."""

    pi_name: str
    label: str
    start: date
    end: date


@dataclass
class PIInputs:
    """Everything a PI's figures are computed from, as plain values."""

    teams: list[tuple[int, str]]
    iterations: list[IterationRow]
    objectives: dict[int, list[calc.ObjectiveValue]]
    votes: dict[int | None, list[int]]
    features: list[FeatureRow]
    stories: list[StoryRow]
    capacities: list[CapacityRow]
    dependencies: list[DependencyRow]
    impediments: list[ImpedimentRow]
    improvements: list[ImprovementRow]
    history_windows: list[HistoryWindow]
    # (team id or None, done_at) of the train's features done since the first history window.
    history_done: list[tuple[int | None, datetime]] = field(default_factory=list)


def pi_metric_inputs(pi: ProgramIncrement, *, window_start: datetime, as_of: datetime) -> PIInputs:
    """Read a PI's inputs as they stood at `as_of`: 16 queries, whatever the number of features.

    Rows recorded after `as_of` (a state change, a resolution, a story done) are left out, so a
    closed PI recomputed later still shows its figures as at its end.
    """
    teams = list(
        Team.objects.filter(train_id=pi.train_id).order_by("position", "name").values_list("pk", "name")
    )
    iterations = [
        IterationRow(*row)
        for row in Iteration.objects.filter(pi=pi)
        .order_by("number")
        .values_list("pk", "number", "start_date", "end_date", "is_ip")
    ]

    objectives: dict[int, list[calc.ObjectiveValue]] = defaultdict(list)
    for team_id, is_committed, planned, actual in PIObjective.objects.filter(pi=pi).values_list(
        "team_id", "is_committed", "planned_business_value", "actual_business_value"
    ):
        objectives[team_id].append(
            calc.ObjectiveValue(is_committed=is_committed, planned=planned, actual=actual)
        )

    votes = latest_round_scores(pi)

    links: dict[int, list[bool]] = defaultdict(list)
    for feature_id, is_committed in PIObjective.features.through.objects.filter(
        piobjective__pi=pi
    ).values_list("feature_id", "piobjective__is_committed"):
        links[feature_id].append(is_committed)

    changes: dict[int, list[calc.StateChange]] = defaultdict(list)
    for feature_id, from_state, to_state, changed_at in (
        FeatureStateChange.objects.filter(feature__pi=pi, changed_at__lt=as_of)
        .order_by("feature_id", "changed_at", "pk")
        .values_list("feature_id", "from_state", "to_state", "changed_at")
    ):
        changes[feature_id].append(calc.StateChange(at=changed_at, from_state=from_state, to_state=to_state))

    blocked: dict[int, list[calc.BlockedPeriod]] = defaultdict(list)
    for feature_id, started_at, ended_at in FeatureBlockedPeriod.objects.filter(
        feature__pi=pi, started_at__lt=as_of
    ).values_list("feature_id", "started_at", "ended_at"):
        blocked[feature_id].append(calc.BlockedPeriod(start=started_at, end=_before(ended_at, as_of)))
    for feature_id, raised_at, resolved_at in Impediment.blocked_features.through.objects.filter(
        feature__pi=pi, impediment__raised_at__lt=as_of
    ).values_list("feature_id", "impediment__raised_at", "impediment__resolved_at"):
        blocked[feature_id].append(calc.BlockedPeriod(start=raised_at, end=_before(resolved_at, as_of)))

    stories = []
    points_by_feature: dict[int, int] = defaultdict(int)
    for feature_id, team_id, iteration_id, points, done_at in Story.objects.filter(
        Q(iteration__pi=pi) | Q(feature__pi=pi)
    ).values_list("feature_id", "team_id", "iteration_id", "points", "done_at"):
        stories.append(StoryRow(team_id, iteration_id, points, _before(done_at, as_of)))
        if feature_id is not None:
            points_by_feature[feature_id] += points

    features = []
    for pk, title, kind, state, team_id, iteration_id, started_at, done_at in (
        Feature.objects.filter(pi=pi)
        .order_by("pk")
        .values_list("pk", "title", "kind", "state", "team_id", "iteration_id", "started_at", "done_at")
    ):
        history = changes.get(pk, [])
        state_then, done_then = _state_as_at(history, state, _before(done_at, as_of))
        features.append(
            FeatureRow(
                pk=pk,
                title=title,
                kind=kind,
                state=state_then,
                team_id=team_id,
                iteration_id=iteration_id,
                # Never moved later once set (planning.services.feature_set_state).
                started_at=_before(started_at, as_of),
                done_at=done_then,
                points=points_by_feature.get(pk, 0),
                objectives=len(links.get(pk, ())),
                committed_objectives=sum(links.get(pk, ())),
                history=calc.StateHistory(current_state=state, changes=tuple(history)),
                blocked=tuple(blocked.get(pk, ())),
            )
        )

    capacities = [
        CapacityRow(team_id, iteration_id, calc.effective_capacity(fte, days_off, override))
        for team_id, iteration_id, fte, days_off, override in TeamCapacity.objects.filter(
            iteration__pi=pi
        ).values_list("team_id", "iteration_id", "fte", "days_off", "capacity_override")
    ]
    dependencies = [
        DependencyRow(team_id, description, state, created_at, _before(resolved_at, as_of))
        for team_id, description, state, created_at, resolved_at in Dependency.objects.filter(
            pi=pi, created_at__lt=as_of
        )
        .order_by("created_at", "pk")
        .values_list("requesting_team_id", "description", "state", "created_at", "resolved_at")
    ]
    # The train's impediments that were open at some point of the window up to as_of.
    impediments = [
        ImpedimentRow(team_id, title, raised_at, _before(resolved_at, as_of))
        for team_id, title, raised_at, resolved_at in Impediment.objects.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=window_start),
            train_id=pi.train_id,
            raised_at__lt=as_of,
        )
        .order_by("raised_at", "pk")
        .values_list("team_id", "title", "raised_at", "resolved_at")
    ]
    improvements = [
        ImprovementRow(title, status, _before(done_at, as_of))
        for title, status, done_at in ImprovementItem.objects.filter(target_pi=pi)
        .order_by("pk")
        .values_list("title", "status", "done_at")
    ]

    earlier_pis = ProgramIncrement.objects.filter(
        train_id=pi.train_id, start_date__lt=pi.start_date
    ).order_by("-start_date")[:HISTORY_PIS]
    history_windows = [
        HistoryWindow(pi_name, iteration_label(number, is_ip), start, end)
        for pi_name, number, is_ip, start, end in Iteration.objects.filter(
            pi_id__in=Subquery(earlier_pis.values("pk"))
        )
        .order_by("start_date", "number")
        .values_list("pi__name", "number", "is_ip", "start_date", "end_date")
    ]
    history_start = min([w.start for w in history_windows] + [pi.start_date])
    history_done = list(
        Feature.objects.filter(
            train_id=pi.train_id, done_at__gte=calc.day_start(history_start, as_of.tzinfo), done_at__lt=as_of
        ).values_list("team_id", "done_at")
    )
    return PIInputs(
        teams=teams,
        iterations=iterations,
        objectives=dict(objectives),
        votes=dict(votes),
        features=features,
        stories=stories,
        capacities=capacities,
        dependencies=dependencies,
        impediments=impediments,
        improvements=improvements,
        history_windows=history_windows,
        history_done=history_done,
    )


def _state_as_at(
    history: list[calc.StateChange], current_state: str, current_done_at: datetime | None
) -> tuple[str, datetime | None]:
    """A feature's state and done time as at the end of its (already cut) history.

    The feature's own `done_at` is cleared when it is reopened, so a closed PI recomputed after a
    reopening would lose a feature it did finish; the history keeps when it entered Done.
    """
    if not history:
        return current_state, current_done_at
    state = history[-1].to_state
    return state, history[-1].at if state == DONE else None


def _before(moment: datetime | None, as_of: datetime) -> datetime | None:
    """A recorded time, or None when it had not happened yet at `as_of`."""
    return moment if moment is not None and moment < as_of else None


# --- the dashboard ---------------------------------------------------------------------------------


def dashboard_pis(train: Train) -> list[ProgramIncrement]:
    """The train's PIs, oldest first: the dashboard's tabs and the x axis of the across-PI charts."""
    return list(ProgramIncrement.objects.filter(train=train).order_by("start_date"))


def latest_pi_snapshots(pi: ProgramIncrement) -> dict[tuple[str, int | None], Snapshot]:
    """The PI's snapshots of its latest computed day, by (metric, team id), in two queries."""
    latest_day = Snapshot.objects.filter(pi=pi).aggregate(day=Max("day"))["day"]
    if latest_day is None:
        return {}
    rows = Snapshot.objects.filter(pi=pi, day=latest_day).select_related("team")
    return {(snapshot.metric, snapshot.team_id): snapshot for snapshot in rows}


def latest_snapshots_across_pis(train: Train, metrics: list[str]) -> QuerySet[Snapshot]:
    """For every PI of the train, the given metrics' snapshots of its latest computed day (one query).

    A recompute writes every figure of a PI for its day in one transaction, so the PI's latest
    day holds the complete, consistent set.
    """
    newest_day = Snapshot.objects.filter(pi=OuterRef("pi")).order_by("-day").values("day")[:1]
    return (
        Snapshot.objects.filter(train=train, metric__in=metrics)
        .annotate(newest_day=Subquery(newest_day))
        .filter(day=F("newest_day"))
        .select_related("pi", "team")
        .order_by("pi__start_date", "team__position", "team__name")
    )


def recompute_state(pi: ProgramIncrement) -> PIRecompute | None:
    return PIRecompute.objects.filter(pi=pi).first()


# --- the Inspect & Adapt review (risks/hooks.py) ------------------------------------------------------

# The flow figures the I&A review shows beside its own, with how it words and formats each.
REVIEW_FLOW_METRICS = {
    Snapshot.Metric.FLOW_VELOCITY: ("Flow velocity (items done)", "{:.0f}"),
    Snapshot.Metric.FLOW_TIME: ("Flow time (median)", "{:.1f} days"),
    Snapshot.Metric.FLOW_EFFICIENCY: ("Flow efficiency", "{:.0f} %"),
    Snapshot.Metric.FLOW_LOAD: ("Flow load (items in progress)", "{:.0f}"),
}


def review_flow_figures(pi: ProgramIncrement) -> list[ReviewFigure]:
    """The ART's latest stored value of each flow figure of the PI; none invented when none is stored."""
    latest: dict[str, Snapshot] = {}
    for snapshot in Snapshot.objects.filter(
        pi=pi, team__isnull=True, metric__in=list(REVIEW_FLOW_METRICS)
    ).order_by("day", "pk"):
        latest[snapshot.metric] = snapshot
    figures = []
    for metric, (label, fmt) in REVIEW_FLOW_METRICS.items():
        snapshot = latest.get(metric)
        if snapshot is None or snapshot.value is None:
            continue
        figures.append(ReviewFigure(label=label, value=fmt.format(snapshot.value), day=snapshot.day))
    return figures
