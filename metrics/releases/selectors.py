"""Reads for release readiness: a PI's release milestones with their checklists, each criterion's live
status and the readiness %, and the decision log.

The live data behind the computed criteria is read once per PI, whatever the number of releases and
criteria (five queries: features, dependencies with the board's health, open critical defects, open
critical incidents, system demo items), and each release's scope is applied to it in Python
(metrics/releases/readiness.py): a page of releases costs the same queries for one release as for ten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from planning.health import with_health
from planning.models import Defect, Dependency, Feature, Incident, Milestone, ProgramIncrement
from risks.models import DemoItem

from ..models import ReleaseChecklist, ReleaseCriterion, ReleaseDecision
from . import readiness as rules

RELEASE = Milestone.Kind.RELEASE


@dataclass(frozen=True)
class LiveData:
    """The PI's rows the computed criteria read, as plain facts."""

    features: list[rules.FeatureFact]
    dependencies: list[rules.DependencyFact]
    defects: list[rules.OpenCritical]
    incidents: list[rules.OpenCritical]
    demo_items: list[rules.DemoItemFact]


@dataclass
class CriterionResult:
    criterion: ReleaseCriterion
    status: str  # met / not_met / at_risk / na: computed, or as set
    detail: str  # the numbers behind a computed status, e.g. "14 of 16 features done."

    @property
    def status_label(self) -> str:
        return rules.STATUS_LABELS[self.status]

    @property
    def computed(self) -> bool:
        return self.criterion.is_computed and self.criterion.status == ReleaseCriterion.Status.AUTO


@dataclass
class ReleaseReadiness:
    """A release milestone, its checklist (None until the RTE makes one) and what it says today."""

    milestone: Milestone
    checklist: ReleaseChecklist | None
    results: list[CriterionResult] = field(default_factory=list)
    figure: rules.ReadinessFigure = rules.ReadinessFigure(0, 0)
    decisions: list[ReleaseDecision] = field(default_factory=list)

    @property
    def latest_decision(self) -> ReleaseDecision | None:
        return self.decisions[0] if self.decisions else None

    @property
    def teams(self) -> list:
        return list(self.checklist.teams.all()) if self.checklist else []

    @property
    def awaiting_decision(self) -> bool:
        """No decision yet, or the latest is a no-go (the release waits for a new one)."""
        latest = self.latest_decision
        return latest is None or latest.outcome == ReleaseDecision.Outcome.NO_GO

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(rules.STATUS_LABELS, 0)
        for result in self.results:
            counts[result.status] += 1
        return counts


def live_data(pi: ProgramIncrement) -> LiveData:
    """The facts the computed criteria of the PI's releases read: five queries."""
    features = [
        rules.FeatureFact(team_id, start, state)
        for team_id, start, state in Feature.objects.filter(pi=pi, team__isnull=False).values_list(
            "team_id", "iteration__start_date", "state"
        )
    ]
    dependencies = [
        rules.DependencyFact(requesting, providing, health, needed_by)
        for requesting, providing, health, needed_by in with_health(
            Dependency.objects.filter(pi=pi)
        ).values_list("requesting_team_id", "providing_team_id", "health", "needed_by_iteration__start_date")
    ]
    open_critical = {"severity": Defect.Severity.CRITICAL, "train_id": pi.train_id}
    defects = [
        rules.OpenCritical(team_id)
        for team_id in Defect.objects.filter(resolved_at__isnull=True, **open_critical).values_list(
            "team_id", flat=True
        )
    ]
    incidents = [
        rules.OpenCritical(team_id)
        for team_id in Incident.objects.filter(restored_at__isnull=True, **open_critical).values_list(
            "team_id", flat=True
        )
    ]
    demo_items = [
        rules.DemoItemFact(start, team_id, feature_id is not None, outcome)
        for start, team_id, feature_id, outcome in DemoItem.objects.filter(
            demo__iteration__pi=pi
        ).values_list("demo__iteration__start_date", "feature__team_id", "feature_id", "outcome")
    ]
    return LiveData(features, dependencies, defects, incidents, demo_items)


def evaluate(criterion: ReleaseCriterion, scope: rules.Scope, live: LiveData) -> CriterionResult:
    """A criterion's status today: a custom one's (or a computed one marked not applicable) as set,
    a computed one's from the live data."""
    kind, Kind = criterion.kind, ReleaseCriterion.Kind
    if not criterion.is_computed or criterion.status == ReleaseCriterion.Status.NOT_APPLICABLE:
        detail = "Marked not applicable to this release." if criterion.is_computed else ""
        return CriterionResult(criterion, criterion.status, detail)
    if kind == Kind.FEATURES_DONE:
        check = rules.features_done(live.features, scope)
    elif kind == Kind.DEPENDENCIES_CLEAR:
        check = rules.dependencies_clear(live.dependencies, scope)
    elif kind == Kind.CRITICAL_DEFECTS:
        check = rules.none_open(live.defects, scope, "defect")
    elif kind == Kind.CRITICAL_INCIDENTS:
        check = rules.none_open(live.incidents, scope, "incident")
    else:
        check = rules.demo_accepted(live.demo_items, scope)
    return CriterionResult(criterion, check.status, check.detail)


def _checklists() -> QuerySet[ReleaseChecklist]:
    return ReleaseChecklist.objects.prefetch_related(
        Prefetch(
            "criteria", queryset=ReleaseCriterion.objects.select_related("owner").order_by("position", "pk")
        ),
        "teams",
        Prefetch(
            "decisions",
            queryset=ReleaseDecision.objects.select_related("decided_by").order_by("-decided_at", "-pk"),
        ),
    )


def _readiness(milestone: Milestone, live: LiveData | None) -> ReleaseReadiness:
    checklist = getattr(milestone, "loaded_checklist", None)
    if checklist is None or live is None:
        return ReleaseReadiness(milestone=milestone, checklist=None)
    scope = rules.Scope(milestone.date, frozenset(team.pk for team in checklist.teams.all()))
    results = [evaluate(criterion, scope, live) for criterion in checklist.criteria.all()]
    return ReleaseReadiness(
        milestone=milestone,
        checklist=checklist,
        results=results,
        figure=rules.readiness(result.status for result in results),
        decisions=list(checklist.decisions.all()),
    )


def _with_checklists(milestones: list[Milestone]) -> list[Milestone]:
    by_milestone = {
        checklist.milestone_id: checklist
        for checklist in _checklists().filter(milestone__in=[m.pk for m in milestones])
    }
    for milestone in milestones:
        milestone.loaded_checklist = by_milestone.get(milestone.pk)
        if milestone.loaded_checklist is not None:
            milestone.loaded_checklist.milestone = milestone
    return milestones


def pi_releases(pi: ProgramIncrement) -> list[ReleaseReadiness]:
    """The PI's release milestones by date, each with its checklist and readiness. A fixed number of
    queries: milestones, checklists and their criteria, teams and decisions, and the live data
    (only when a checklist exists)."""
    milestones = _with_checklists(
        list(Milestone.objects.filter(pi=pi, kind=RELEASE).select_related("pi").order_by("date", "name"))
    )
    live = live_data(pi) if any(m.loaded_checklist for m in milestones) else None
    return [_readiness(milestone, live) for milestone in milestones]


def release_readiness(milestone: Milestone) -> ReleaseReadiness:
    """One release milestone with its checklist and readiness."""
    (milestone,) = _with_checklists([milestone])
    live = live_data(milestone.pi) if milestone.loaded_checklist else None
    return _readiness(milestone, live)


def release_milestone(train_id: int, milestone_id: int) -> Milestone:
    """A release milestone of the train, with its PI (Milestone.DoesNotExist otherwise)."""
    return Milestone.objects.select_related("pi__train").get(
        Q(pi__train_id=train_id), kind=RELEASE, pk=milestone_id
    )
