"""Reads for the running-the-PI screens: the ROAM board, impediments, the ART Sync, system demos and
Inspect & Adapt. Each returns rows with their related rows already joined, so a template never
triggers a query, and costs the same number of queries for a small train and a large one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone

from planning.calculations import PiPredictability, PredictabilityFigure, share
from planning.health import Health, with_health
from planning.models import Dependency, Feature, Iteration, PIObjective, ProgramIncrement, Story
from planning.selectors.objectives import predictability_by_team
from trains.models import Team, Train

from . import figures, hooks
from .models import (
    ActionItem,
    ArtSync,
    DemoFollowUp,
    DemoItem,
    Impediment,
    ImpedimentEscalation,
    ImprovementItem,
    Problem,
    ProblemVote,
    Risk,
    RiskRoamChange,
    SystemDemo,
)

User = get_user_model()

ROAM_ORDER = [
    Risk.Roam.UNROAMED,
    Risk.Roam.RESOLVED,
    Risk.Roam.OWNED,
    Risk.Roam.ACCEPTED,
    Risk.Roam.MITIGATED,
]
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
FEATURE_NOT_STARTED = (Feature.State.FUNNEL, Feature.State.ANALYZING, Feature.State.BACKLOG)


# --- PIs, iterations and people ---------------------------------------------------------------------


def current_iteration(iterations: list[Iteration], today: date) -> Iteration | None:
    """The iteration running today; before the PI its first, after it its last."""
    if not iterations:
        return None
    for iteration in iterations:
        if iteration.start_date <= today <= iteration.end_date:
            return iteration
    return iterations[0] if today < iterations[0].start_date else iterations[-1]


def train_members(train: Train) -> QuerySet:
    """Everyone holding a role on the train: the people who can own risks, actions and items."""
    return (
        User.objects.filter(memberships__train=train)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- ROAM board ------------------------------------------------------------------------------------


@dataclass
class RoamColumn:
    status: str
    label: str
    risks: list[Risk] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.risks)


def risks_for_board(train: Train, pi: ProgramIncrement | None, level: str = "all") -> QuerySet[Risk]:
    """The PI's risks (and the train's risks tied to no PI), highest exposure first.

    level: "all", "art" (the ART board: no team) or a team id.
    """
    risks = Risk.objects.filter(train=train)
    if pi is not None:
        risks = risks.filter(Q(pi=pi) | Q(pi__isnull=True))
    if level == "art":
        risks = risks.filter(team__isnull=True)
    elif level.isdigit():
        risks = risks.filter(team_id=int(level))
    return _with_card_rows(risks).order_by("-impact", "-likelihood", "due_date", "pk")


def _with_card_rows(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """What a ROAM card shows, joined."""
    return risks.select_related("team", "owner", "origin_team", "pi").prefetch_related(
        "features", "dependencies", "objectives"
    )


def roam_columns(risks) -> list[RoamColumn]:
    columns = {status: RoamColumn(status=status, label=Risk.Roam(status).label) for status in ROAM_ORDER}
    for risk in sorted(risks, key=lambda r: (-r.exposure, r.due_date or date.max, r.pk)):
        columns[risk.roam_status].risks.append(risk)
    return list(columns.values())


def roam_counts(train: Train, pi: ProgramIncrement | None, level: str = "all") -> dict[str, int]:
    rows = risks_for_board(train, pi, level).order_by().values("roam_status").annotate(n=Count("pk"))
    counts = dict.fromkeys(ROAM_ORDER, 0)
    counts.update({row["roam_status"]: row["n"] for row in rows})
    return counts


def risk_for_board(train: Train, risk_id: int) -> Risk:
    try:
        return _with_card_rows(Risk.objects.all()).get(train=train, pk=risk_id)
    except Risk.DoesNotExist:
        raise Http404("No such risk.") from None


def risk_detail(train: Train, risk_id: int) -> Risk:
    changes = RiskRoamChange.objects.select_related("actor").order_by("-changed_at", "-pk")
    try:
        return (
            Risk.objects.select_related("team", "owner", "origin_team", "pi", "raised_by")
            .prefetch_related(
                Prefetch("roam_changes", queryset=changes),
                Prefetch("features", queryset=Feature.objects.select_related("team", "iteration")),
                Prefetch(
                    "dependencies",
                    queryset=Dependency.objects.select_related("requesting_team", "providing_team"),
                ),
                Prefetch("objectives", queryset=PIObjective.objects.select_related("team")),
            )
            .get(train=train, pk=risk_id)
        )
    except Risk.DoesNotExist:
        raise Http404("No such risk.") from None


def linkable(train: Train, pi: ProgramIncrement | None) -> dict[str, QuerySet]:
    """What a risk of this PI may be linked to."""
    if pi is None:
        return {
            "features": Feature.objects.filter(train=train, pi__isnull=True).order_by("title"),
            "dependencies": Dependency.objects.none(),
            "objectives": PIObjective.objects.none(),
        }
    return {
        "features": Feature.objects.filter(pi=pi).select_related("team").order_by("team__position", "title"),
        "dependencies": Dependency.objects.filter(pi=pi)
        .select_related("requesting_team", "providing_team")
        .order_by("pk"),
        "objectives": PIObjective.objects.filter(pi=pi)
        .select_related("team")
        .order_by("team__position", "pk"),
    }


# --- impediments -----------------------------------------------------------------------------------

AGE_BUCKETS = {
    "lt7": ("Under a week", 0, 7),
    "7to14": ("1–2 weeks", 7, 14),
    "14to30": ("2–4 weeks", 14, 30),
    "gt30": ("Over 30 days", 30, None),
}
UNRESOLVED = "unresolved"


def _severity_rank():
    return Case(
        *[When(severity=severity, then=Value(rank)) for severity, rank in SEVERITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def impediments(
    train: Train,
    *,
    team_id: int | None = None,
    status: str = UNRESOLVED,
    level: str = "",
    age: str = "",
    sort: str = "severity",
    now: datetime | None = None,
) -> QuerySet[Impediment]:
    """The train's impediments, filtered; most severe then oldest first (or oldest first).

    Age counts from when it was raised.
    """
    now = now or timezone.now()
    rows = Impediment.objects.filter(train=train)
    if team_id:
        rows = rows.filter(team_id=team_id)
    if status == UNRESOLVED:
        rows = rows.exclude(status=Impediment.Status.RESOLVED)
    elif status in Impediment.Status.values:
        rows = rows.filter(status=status)
    if level in Impediment.Level.values:
        rows = rows.filter(escalation_level=level)
    if age in AGE_BUCKETS:
        _, min_days, max_days = AGE_BUCKETS[age]
        rows = rows.filter(raised_at__lte=now - timedelta(days=min_days))
        if max_days is not None:
            rows = rows.filter(raised_at__gt=now - timedelta(days=max_days))
    resolved_last = Case(
        When(status=Impediment.Status.RESOLVED, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    order = (
        [resolved_last, "raised_at", _severity_rank().desc()]
        if sort == "age"
        else [resolved_last, _severity_rank().desc(), "raised_at"]
    )
    return (
        rows.select_related("team", "owner", "raised_by")
        .prefetch_related(
            Prefetch("blocked_features", queryset=Feature.objects.order_by("title")),
            Prefetch("escalations", queryset=_escalations()),
        )
        .order_by(*order, "pk")
    )


def _escalations():
    return ImpedimentEscalation.objects.select_related("actor").order_by("escalated_at", "pk")


def impediment_detail(train: Train, impediment_id: int) -> Impediment:
    try:
        return (
            Impediment.objects.select_related("team", "owner", "raised_by")
            .prefetch_related(
                Prefetch("blocked_features", queryset=Feature.objects.select_related("pi", "iteration")),
                Prefetch("escalations", queryset=_escalations()),
            )
            .get(train=train, pk=impediment_id)
        )
    except Impediment.DoesNotExist:
        raise Http404("No such impediment.") from None


def blockable_features(train: Train, team_ids) -> QuerySet[Feature]:
    """Features an impediment of these teams may block: the teams' features not yet done."""
    return (
        Feature.objects.filter(train=train, team_id__in=list(team_ids))
        .exclude(state=Feature.State.DONE)
        .select_related("team", "pi")
        .order_by("team__position", "-pi__start_date", "title")
    )


# --- ART Sync --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DependencyAlert:
    dependency: Dependency
    health: Health


def dependencies_needing_attention(pi: ProgramIncrement) -> list[DependencyAlert]:
    """Red (conflict) and amber (at risk) strings of the PI, red first, earliest need first."""
    rows = (
        with_health(Dependency.objects.filter(pi=pi))
        .filter(health__in=[Health.CONFLICT, Health.AT_RISK])
        .select_related(
            "needed_by_iteration",
            "providing_feature__iteration",
            "requesting_feature",
            "requesting_team",
            "providing_team",
            "owner",
        )
    )
    alerts = [DependencyAlert(dep, Health(dep.health)) for dep in rows]
    return sorted(
        alerts,
        key=lambda a: (
            a.health != Health.CONFLICT,
            a.dependency.needed_by_iteration.start_date if a.dependency.needed_by_iteration else date.max,
            a.dependency.pk,
        ),
    )


def impediments_by_age(train: Train) -> QuerySet[Impediment]:
    return (
        Impediment.objects.filter(train=train)
        .exclude(status=Impediment.Status.RESOLVED)
        .select_related("team", "owner")
        .prefetch_related(Prefetch("escalations", queryset=_escalations()), "blocked_features")
        .order_by("raised_at", "pk")
    )


def risks_due_or_unroamed(
    train: Train, pi: ProgramIncrement | None, today: date, *, within_days: int = 7
) -> list[Risk]:
    """Open risks that are un-ROAMed, or due within a week (or overdue): soonest due first."""
    risks = risks_for_board(train, pi).exclude(roam_status=Risk.Roam.RESOLVED)
    risks = risks.filter(
        Q(roam_status=Risk.Roam.UNROAMED) | Q(due_date__lte=today + timedelta(days=within_days))
    )
    return sorted(risks, key=lambda r: (r.due_date or date.max, -r.exposure, r.pk))


@dataclass
class ObjectiveAtRisk:
    objective: PIObjective
    reasons: list[str]

    @property
    def names_its_team(self) -> bool:
        """Teams often start an objective with their own name; then it is not repeated."""
        return self.objective.text.lower().startswith(self.objective.team.name.lower())


def objectives_at_risk(
    pi: ProgramIncrement, today: date, red: list[DependencyAlert]
) -> list[ObjectiveAtRisk]:
    """Objectives whose delivery is in doubt, with the reasons read from the plan:

    a linked feature is blocked, is late (its iteration ended and it is not done) or waits on a red
    dependency; or an open risk linked to the objective is un-ROAMed or overdue.
    """
    red_by_feature: dict[int, list[Dependency]] = defaultdict(list)
    for alert in red:
        if alert.health == Health.CONFLICT and alert.dependency.requesting_feature_id:
            red_by_feature[alert.dependency.requesting_feature_id].append(alert.dependency)
    open_risks = Risk.objects.exclude(roam_status=Risk.Roam.RESOLVED).order_by("pk")
    objectives = (
        PIObjective.objects.filter(pi=pi)
        .select_related("team")
        .prefetch_related(
            Prefetch("features", queryset=Feature.objects.select_related("iteration").order_by("title")),
            Prefetch("risks", queryset=open_risks),
        )
        .order_by("team__position", "team__name", "-is_committed", "position", "pk")
    )
    result = []
    for objective in objectives:
        reasons = []
        for feature in objective.features.all():
            if feature.is_blocked:
                reasons.append(f"“{feature.title}” is blocked")
            if (
                feature.state != Feature.State.DONE
                and feature.iteration is not None
                and feature.iteration.end_date < today
            ):
                reasons.append(
                    f"“{feature.title}” was planned for {feature.iteration.label} (ended {feature.iteration.end_date:%d %b}) and is not done"
                )
            for dependency in red_by_feature.get(feature.pk, []):
                reasons.append(
                    f"“{feature.title}” waits on a red dependency: {dependency.description} from {dependency.providing_team}"
                )
        for risk in objective.risks.all():
            if risk.roam_status == Risk.Roam.UNROAMED:
                reasons.append(f"Risk “{risk.title}” is un-ROAMed")
            elif risk.is_overdue:
                reasons.append(f"Risk “{risk.title}” is overdue")
        if reasons:
            result.append(ObjectiveAtRisk(objective, reasons))
    return result


@dataclass
class TeamProgress:
    team: Team
    features_planned: int = 0
    features_done: int = 0
    features_in_progress: int = 0
    features_not_started: int = 0
    features_blocked: int = 0
    points_planned: int = 0
    points_done: int = 0

    @property
    def points_done_percent(self) -> float | None:
        return share(self.points_done, self.points_planned)


def feature_progress(train: Train, pi: ProgramIncrement, iteration: Iteration | None) -> list[TeamProgress]:
    """Per team, for one iteration: the features planned to finish in it by state, and the story
    points planned in it and done. Two grouped queries, whatever the number of teams."""
    teams = list(train.teams.order_by("position", "name"))
    progress = {team.pk: TeamProgress(team=team) for team in teams}
    if iteration is None:
        return list(progress.values())
    feature_rows = (
        Feature.objects.filter(pi=pi, iteration=iteration, team__isnull=False)
        .values("team_id")
        .annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(state=Feature.State.DONE)),
            not_started=Count("pk", filter=Q(state__in=FEATURE_NOT_STARTED)),
            blocked=Count("pk", filter=Q(is_blocked=True)),
        )
    )
    for row in feature_rows:
        team = progress.get(row["team_id"])
        if team:
            team.features_planned = row["planned"]
            team.features_done = row["done"]
            team.features_not_started = row["not_started"]
            team.features_in_progress = row["planned"] - row["done"] - row["not_started"]
            team.features_blocked = row["blocked"]
    story_rows = (
        Story.objects.filter(iteration=iteration)
        .values("team_id")
        .annotate(planned=Sum("points"), done=Sum("points", filter=Q(state=Story.State.DONE)))
    )
    for row in story_rows:
        team = progress.get(row["team_id"])
        if team:
            team.points_planned = row["planned"] or 0
            team.points_done = row["done"] or 0
    return list(progress.values())


def syncs_of(pi: ProgramIncrement) -> list[ArtSync]:
    return list(ArtSync.objects.filter(pi=pi).order_by("-held_on"))


@dataclass
class SyncActions:
    carried: list[ActionItem]
    carried_from_earlier_pis: list[ActionItem]
    raised: list[ActionItem]

    @property
    def all(self) -> list[ActionItem]:
        return [*self.carried, *self.carried_from_earlier_pis, *self.raised]

    @property
    def open_count(self) -> int:
        return sum(1 for a in self.all if a.status == ActionItem.Status.OPEN)


def actions_for_sync(sync: ArtSync) -> SyncActions:
    """What the meeting goes through: actions from earlier syncs that were still open on its day
    (carried until done, with those ticked off since), and the actions raised in it."""
    base = ActionItem.objects.filter(train_id=sync.train_id).select_related("owner", "raised_in")
    carried = base.filter(raised_in__held_on__lt=sync.held_on).filter(
        Q(status=ActionItem.Status.OPEN) | Q(done_at__date__gte=sync.held_on)
    )
    raised = base.filter(raised_in=sync)
    carried = list(carried.order_by("status", "due_date", "pk"))
    return SyncActions(
        carried=[a for a in carried if a.raised_in.pi_id == sync.pi_id],
        carried_from_earlier_pis=[a for a in carried if a.raised_in.pi_id != sync.pi_id],
        raised=list(raised.order_by("status", "due_date", "pk")),
    )


# --- system demo -----------------------------------------------------------------------------------


@dataclass
class IterationDemo:
    iteration: Iteration
    demo: SystemDemo | None
    planned: int
    shown: int

    @property
    def readiness(self) -> float | None:
        return figures.demo_readiness(shown_as_expected=self.shown, planned=self.planned)


def iteration_demos(pi: ProgramIncrement) -> list[IterationDemo]:
    """Each iteration of the PI with its system demo (if any) and its readiness counts."""
    shown = Q(system_demo__items__outcome=DemoItem.Outcome.SHOWN)
    iterations = (
        Iteration.objects.filter(pi=pi)
        .select_related("system_demo")
        .annotate(
            demo_planned=Count("system_demo__items"), demo_shown=Count("system_demo__items", filter=shown)
        )
        .order_by("number")
    )
    return [
        IterationDemo(iteration, _demo_of(iteration), iteration.demo_planned, iteration.demo_shown)
        for iteration in iterations
    ]


def demo_counts(demo: SystemDemo) -> IterationDemo:
    """One demo's readiness counts, in one query (after an item's outcome changed)."""
    counts = demo.items.aggregate(
        planned=Count("pk"), shown=Count("pk", filter=Q(outcome=DemoItem.Outcome.SHOWN))
    )
    return IterationDemo(demo.iteration, demo, counts["planned"], counts["shown"])


def _demo_of(iteration: Iteration) -> SystemDemo | None:
    try:
        return iteration.system_demo  # joined by select_related
    except SystemDemo.DoesNotExist:
        return None


def demo_detail(demo: SystemDemo) -> SystemDemo:
    return (
        SystemDemo.objects.select_related("iteration__pi")
        .prefetch_related(
            Prefetch("items", queryset=DemoItem.objects.select_related("feature__team").order_by("pk")),
            Prefetch(
                "follow_ups",
                queryset=DemoFollowUp.objects.select_related("owner").order_by("status", "due_date", "pk"),
            ),
        )
        .get(pk=demo.pk)
    )


def demo_feature_choices(demo: SystemDemo) -> QuerySet[Feature]:
    """Features of the PI not yet on the demo."""
    return (
        Feature.objects.filter(pi_id=demo.iteration.pi_id)
        .exclude(demo_items__demo=demo)
        .select_related("team", "iteration")
        .order_by("team__position", "title")
    )


# --- Inspect & Adapt -------------------------------------------------------------------------------


@dataclass
class QuantitativeReview:
    predictability: PiPredictability
    demos: list[IterationDemo]
    demo_planned: int
    demo_shown: int
    improvements_taken: int
    improvements_done: int
    flow: list[hooks.ReviewFigure]

    @property
    def teams(self) -> list[tuple[Team, PredictabilityFigure]]:
        return list(self.predictability.teams.items())

    @property
    def art(self) -> PredictabilityFigure:
        return self.predictability.art

    @property
    def mean_of_teams(self) -> float | None:
        return self.predictability.mean_of_teams

    @property
    def demo_readiness(self) -> float | None:
        return figures.demo_readiness(shown_as_expected=self.demo_shown, planned=self.demo_planned)


def quantitative_review(pi: ProgramIncrement) -> QuantitativeReview:
    demos = iteration_demos(pi)
    taken = list(ImprovementItem.objects.filter(target_pi=pi).select_related("feature"))
    return QuantitativeReview(
        predictability=predictability_by_team(pi),
        demos=demos,
        demo_planned=sum(d.planned for d in demos),
        demo_shown=sum(d.shown for d in demos),
        improvements_taken=len(taken),
        improvements_done=sum(1 for item in taken if item.is_complete),
        flow=hooks.review_figures(pi),
    )


def problems_of(pi: ProgramIncrement) -> list[Problem]:
    """The workshop's problems, most votes first."""
    items = ImprovementItem.objects.select_related("owner", "target_pi").order_by("pk")
    return list(
        Problem.objects.filter(pi=pi)
        .select_related("raised_by")
        .annotate(vote_count=Count("votes"))
        .prefetch_related(Prefetch("improvement_items", queryset=items))
        .order_by("-vote_count", "pk")
    )


def votes_of(pi: ProgramIncrement, user) -> set[int]:
    return set(
        ProblemVote.objects.filter(problem__pi=pi, voter_id=user.pk).values_list("problem_id", flat=True)
    )


def _improvements() -> QuerySet[ImprovementItem]:
    return ImprovementItem.objects.select_related(
        "owner", "source_pi", "target_pi", "feature__team", "feature__iteration", "source_problem"
    ).order_by("pk")


def improvements_raised_in(pi: ProgramIncrement) -> list[ImprovementItem]:
    return list(_improvements().filter(source_pi=pi))


def improvements_taken_into(pi: ProgramIncrement) -> list[ImprovementItem]:
    return list(_improvements().filter(target_pi=pi))


def later_pis(pis: list[ProgramIncrement], pi: ProgramIncrement) -> list[ProgramIncrement]:
    """PIs an improvement from `pi`'s I&A can be taken into: later ones not yet closed, soonest first."""
    return sorted(
        (p for p in pis if p.start_date > pi.start_date and p.state != ProgramIncrement.State.CLOSED),
        key=lambda p: p.start_date,
    )
