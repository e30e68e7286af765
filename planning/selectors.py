"""Reads for planning screens. Each returns everything its page shows in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from trains.models import Team, Train

from .health import Health, health_of
from .models import Dependency, Feature, Iteration, Milestone, PIObjective, ProgramIncrement, Story


def pis_of_train(train: Train) -> QuerySet[ProgramIncrement]:
    return ProgramIncrement.objects.filter(train=train).order_by("-start_date")


def current_pi(
    train: Train, pi_id: str | int | None, pis: list[ProgramIncrement] | None = None
) -> ProgramIncrement:
    """The PI asked for, else the executing one, else the newest. 404 when the train has none.

    Pass the train's PIs when the page lists them anyway: then this costs no query.
    """
    pis = list(pis_of_train(train)) if pis is None else pis
    if pi_id:
        chosen = next((pi for pi in pis if str(pi.pk) == str(pi_id)), None)
        if chosen is None:
            raise Http404("No such PI on this train.")
        return chosen
    executing = [pi for pi in pis if pi.state == ProgramIncrement.State.EXECUTING]
    if executing or pis:
        return max(executing or pis, key=lambda pi: pi.start_date)
    raise Http404("This train has no PI yet.")


def wsjf_key(feature: Feature) -> tuple:
    """domain.md §4.4: highest WSJF first, ties by smaller job size; unestimated features last."""
    wsjf = feature.wsjf
    return (wsjf is None, -(wsjf or 0), feature.job_size or 0, feature.pk)


@dataclass
class BoardFilters:
    team: int | None = None
    kind: str = ""
    state: str = ""
    red_only: bool = False

    @classmethod
    def from_query(cls, query) -> BoardFilters:
        def as_int(value):
            try:
                return int(value) if value else None
            except ValueError:
                return None

        kind = query.get("kind", "")
        state = query.get("state", "")
        return cls(
            team=as_int(query.get("team")),
            kind=kind if kind in Feature.Kind.values else "",
            state=state if state in Feature.State.values else "",
            red_only=query.get("red") in {"1", "on", "true"},
        )

    @property
    def active(self) -> bool:
        return bool(self.team or self.kind or self.state or self.red_only)


@dataclass
class BoardString:
    """One dependency as drawn on the board."""

    dependency: Dependency
    health: Health

    def as_json(self) -> dict:
        dep = self.dependency
        needed = dep.needed_by_iteration.label if dep.needed_by_iteration else "—"
        return {
            "id": dep.pk,
            "from": dep.providing_feature_id,
            "to": dep.requesting_feature_id,
            "health": self.health.value,
            "label": f"{dep.requesting_team.name} needs “{dep.description}” from {dep.providing_team.name} by {needed}"
            f" ({dep.get_state_display().lower()}; {self.health.label.lower()})",
        }


@dataclass
class Board:
    pi: ProgramIncrement
    iterations: list[Iteration]
    teams: list[Team]
    all_teams: list[Team]
    cells: dict[tuple[int, int], list[Feature]]
    unplanned: list[Feature]
    milestones: dict[int, list[Milestone]]
    strings: list[BoardString]
    filters: BoardFilters
    feature_count: int = 0
    red_feature_ids: set[int] = field(default_factory=set)

    @property
    def red_count(self) -> int:
        return sum(1 for s in self.strings if s.health == Health.CONFLICT)

    @property
    def amber_count(self) -> int:
        return sum(1 for s in self.strings if s.health == Health.AT_RISK)

    def rows(self):
        """(team, [(iteration, features)]) for the template, in board order."""
        for team in self.teams:
            yield (
                team,
                [(iteration, self.cells.get((team.pk, iteration.pk), [])) for iteration in self.iterations],
            )

    def milestone_row(self):
        return [(iteration, self.milestones.get(iteration.pk, [])) for iteration in self.iterations]

    def strings_json(self) -> list[dict]:
        return [
            s.as_json()
            for s in self.strings
            if s.dependency.providing_feature_id and s.dependency.requesting_feature_id
        ]


def _count_of(model, link: str, *, extra: Q | None = None):
    rows = model.objects.filter(**{link: OuterRef("pk")})
    if extra is not None:
        rows = rows.filter(extra)
    return Coalesce(Subquery(rows.values(link).annotate(n=Count("pk")).values("n")[:1]), 0)


def board_features(pi: ProgramIncrement) -> QuerySet[Feature]:
    """The PI's features with what a card shows, in one query.

    Subqueries rather than joins: summing story points over a join with dependencies would count
    each story once per dependency.
    """
    points = (
        Story.objects.filter(feature=OuterRef("pk"))
        .values("feature")
        .annotate(s=Sum("points"))
        .values("s")[:1]
    )
    objectives = PIObjective.features.through.objects.filter(feature=OuterRef("pk"))
    uncommitted = objectives.filter(piobjective__is_committed=False)
    return (
        Feature.objects.filter(pi=pi)
        .annotate(
            points=Coalesce(Subquery(points), 0),
            dependency_count=_count_of(Dependency, "requesting_feature")
            + _count_of(Dependency, "providing_feature"),
            objective_count=Coalesce(
                Subquery(objectives.values("feature").annotate(n=Count("pk")).values("n")[:1]), 0
            ),
            uncommitted_objective_count=Coalesce(
                Subquery(uncommitted.values("feature").annotate(n=Count("pk")).values("n")[:1]), 0
            ),
        )
        .order_by("pk")
    )


def board_dependencies(pi: ProgramIncrement) -> QuerySet[Dependency]:
    return Dependency.objects.filter(pi=pi).select_related(
        "needed_by_iteration", "providing_feature__iteration", "requesting_team", "providing_team", "owner"
    )


def board_strings(pi: ProgramIncrement) -> list[BoardString]:
    return [BoardString(dependency=dep, health=health_of(dep)) for dep in board_dependencies(pi)]


def program_board(pi: ProgramIncrement, filters: BoardFilters | None = None) -> Board:
    """The program board of a PI (domain.md §2): teams × iterations, features, milestones, strings.

    Five queries whatever the size of the train: iterations, teams, features (+ their objectives),
    dependencies, milestones.
    """
    filters = filters or BoardFilters()
    iterations = list(pi.iterations.order_by("number"))
    all_teams = list(Team.objects.filter(train_id=pi.train_id).order_by("position", "name"))
    strings = board_strings(pi)
    red_ids: set[int] = set()
    for s in strings:
        if s.health == Health.CONFLICT:
            red_ids.update(
                i for i in (s.dependency.providing_feature_id, s.dependency.requesting_feature_id) if i
            )

    cells: dict[tuple[int, int], list[Feature]] = defaultdict(list)
    unplanned: list[Feature] = []
    count = 0
    for feature in board_features(pi):
        if filters.kind and feature.kind != filters.kind:
            continue
        if filters.state and feature.state != filters.state:
            continue
        if filters.red_only and feature.pk not in red_ids:
            continue
        if filters.team and feature.team_id not in (filters.team, None):
            continue
        count += 1
        if feature.team_id and feature.iteration_id:
            cells[(feature.team_id, feature.iteration_id)].append(feature)
        else:
            unplanned.append(feature)
    for features in cells.values():
        features.sort(key=lambda f: (f.title.lower(), f.pk))
    unplanned.sort(key=wsjf_key)

    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(pi=pi).order_by("date", "name"):
        for iteration in iterations:
            if iteration.start_date <= milestone.date <= iteration.end_date:
                milestones[iteration.pk].append(milestone)
                break
        else:  # outside every iteration: show it in the nearest end column rather than lose it
            target = (
                iterations[0] if iterations and milestone.date < iterations[0].start_date else iterations[-1]
            )
            milestones[target.pk].append(milestone)

    teams = [t for t in all_teams if not filters.team or t.pk == filters.team]
    return Board(
        pi=pi,
        iterations=iterations,
        teams=teams,
        all_teams=all_teams,
        cells=dict(cells),
        unplanned=unplanned,
        milestones=dict(milestones),
        strings=strings,
        filters=filters,
        feature_count=count,
        red_feature_ids=red_ids,
    )


def board_cells(pi: ProgramIncrement, places: set[tuple[int | None, int | None]]) -> dict:
    """Several cells' cards in one query, for a move's answer: {(team_id, iteration_id): [features]}.

    A place with no team or no iteration is the unplanned lane, keyed (None, None).
    """
    condition = Q(pk__in=[])
    for team_id, iteration_id in places:
        if team_id and iteration_id:
            condition |= Q(team_id=team_id, iteration_id=iteration_id)
        else:
            condition |= Q(team__isnull=True) | Q(iteration__isnull=True)
    cells: dict[tuple[int | None, int | None], list[Feature]] = {
        (t, i) if (t and i) else (None, None): [] for t, i in places
    }
    for feature in board_features(pi).filter(condition):
        key = (
            (feature.team_id, feature.iteration_id)
            if feature.team_id and feature.iteration_id
            else (None, None)
        )
        if key in cells:
            cells[key].append(feature)
    for key, features in cells.items():
        features.sort(key=wsjf_key if key == (None, None) else (lambda f: (f.title.lower(), f.pk)))
    return cells


def strings_touching(feature: Feature) -> list[BoardString]:
    """The strings whose health a move of this feature can change: those that end at it."""
    deps = board_dependencies(feature.pi).filter(Q(requesting_feature=feature) | Q(providing_feature=feature))
    return [BoardString(dependency=dep, health=health_of(dep)) for dep in deps]


def string_counts(pi: ProgramIncrement) -> dict[str, int]:
    """Red and amber strings of a PI in one aggregate query: the rules of planning/health.py in SQL
    (tests/planning/test_board.py holds the two to the same answer)."""
    open_ = ~Q(state__in=Dependency.RESOLVED_STATES)
    conflict = open_ & (
        Q(state=Dependency.State.BLOCKED)
        | Q(providing_feature__isnull=True)
        | Q(providing_feature__iteration__isnull=True)
        | Q(
            needed_by_iteration__isnull=False,
            providing_feature__iteration__start_date__gt=F("needed_by_iteration__end_date"),
        )
    )
    at_risk = (
        open_
        & ~Q(state=Dependency.State.BLOCKED)
        & Q(needed_by_iteration__isnull=False, providing_feature__iteration__isnull=False)
        & Q(providing_feature__iteration__start_date__lte=F("needed_by_iteration__end_date"))
        & (
            Q(providing_feature__iteration__start_date__gte=F("needed_by_iteration__start_date"))
            | Q(providing_feature__iteration__end_date__gte=F("needed_by_iteration__start_date"))
        )
    )
    return Dependency.objects.filter(pi=pi).aggregate(
        red=Count("pk", filter=conflict), amber=Count("pk", filter=at_risk)
    )
