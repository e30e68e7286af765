"""Reads for the ART Sync: strings needing attention, ageing impediments, risks due, objectives at
risk, feature progress and the sync's actions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from planning.calculations import share
from planning.health import Health, with_health
from planning.models import Dependency, Feature, Iteration, PIObjective, ProgramIncrement, Story
from trains.models import Team, Train

from ..models import (
    ActionItem,
    ArtSync,
    Impediment,
    Risk,
)
from .impediments import escalations_in_order
from .roam import risks_for_board

FEATURE_NOT_STARTED = (Feature.State.FUNNEL, Feature.State.ANALYZING, Feature.State.BACKLOG)


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
        .prefetch_related(Prefetch("escalations", queryset=escalations_in_order()), "blocked_features")
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
    return list(ArtSync.objects.filter(pi=pi).select_related("pi").order_by("-held_on"))


@dataclass
class SyncActions:
    """The meeting's actions: carried from the PI's earlier syncs, raised in this one, and those left
    open by earlier PIs, which are listed apart and not carried (a new PI starts from its own plan;
    the RTE closes the leftovers or raises them again)."""

    carried: list[ActionItem]
    carried_from_earlier_pis: list[ActionItem]
    raised: list[ActionItem]

    @property
    def all(self) -> list[ActionItem]:
        return [*self.carried, *self.carried_from_earlier_pis, *self.raised]

    @property
    def open_count(self) -> int:
        """Open actions of this PI (the leftovers of earlier PIs are counted apart)."""
        return sum(1 for a in (*self.carried, *self.raised) if a.status == ActionItem.Status.OPEN)

    @property
    def left_by_pi(self) -> list[tuple[ProgramIncrement, list[ActionItem]]]:
        """The earlier PIs' leftovers, grouped by PI, latest PI first."""
        groups: dict[int, list[ActionItem]] = defaultdict(list)
        for action in self.carried_from_earlier_pis:
            groups[action.raised_in.pi_id].append(action)
        pis = sorted({a.raised_in.pi for a in self.carried_from_earlier_pis}, key=lambda pi: pi.start_date)
        return [(pi, groups[pi.pk]) for pi in reversed(pis)]


def actions_for_sync(sync: ArtSync) -> SyncActions:
    """What the meeting goes through: actions from the PI's earlier syncs that were still open on its
    day (carried until done, with those ticked off since), the actions raised in it, and apart those
    earlier PIs left open. Each action appears once."""
    base = ActionItem.objects.filter(train_id=sync.train_id).select_related("owner", "raised_in__pi")
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
