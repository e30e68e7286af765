"""Reads for planning screens. Each returns everything its page shows in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from planning.health import Health, health_rule, with_health
from planning.models import (
    BoardChange,
    Dependency,
    Feature,
    Iteration,
    Milestone,
    ProgramIncrement,
    Story,
    iteration_label,
)
from trains.access import TrainAccess
from trains.limits import parse_id
from trains.models import Team, Train
from trains.selectors import train_for_user


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
        kind = query.get("kind", "")
        state = query.get("state", "")
        return cls(
            team=parse_id(query.get("team")),
            kind=kind if kind in Feature.Kind.values else "",
            state=state if state in Feature.State.values else "",
            red_only=query.get("red") in {"1", "on", "true"},
        )

    @property
    def active(self) -> bool:
        return bool(self.team or self.kind or self.state or self.red_only)

    def admits(self, feature: Feature, red_ids: set[int]) -> bool:
        """Whether the filtered board shows this card (the unplanned lane shows every team's)."""
        return (
            (not self.kind or feature.kind == self.kind)
            and (not self.state or feature.state == self.state)
            and (not self.red_only or feature.pk in red_ids)
            and (not self.team or feature.team_id in (self.team, None))
        )


@dataclass
class BoardString:
    """One dependency as drawn on the board."""

    dependency: Dependency
    health: Health

    def as_json(self) -> dict:
        dep = self.dependency
        return string_json(
            pk=dep.pk,
            providing_feature_id=dep.providing_feature_id,
            requesting_feature_id=dep.requesting_feature_id,
            health=self.health,
            requesting_team=dep.requesting_team.name,
            providing_team=dep.providing_team.name,
            description=dep.description,
            needed_by=dep.needed_by_iteration.label if dep.needed_by_iteration else "—",
            state=dep.state,
        )


def string_json(
    *,
    pk,
    providing_feature_id,
    requesting_feature_id,
    health: Health,
    requesting_team,
    providing_team,
    description,
    needed_by,
    state,
) -> dict:
    """A string as the board's script draws it; its label says who needs what from whom by when."""
    return {
        "id": pk,
        "from": providing_feature_id,
        "to": requesting_feature_id,
        "health": health.value,
        "label": f"{requesting_team} needs “{description}” from {providing_team} by {needed_by}"
        f" ({Dependency.State(state).label.lower()}; {health.label.lower()})",
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
        """Every string of the PI, also those not drawn (a feature missing at one end): the board
        counts its red and amber strings from these after a move (static/js/board.js)."""
        return [s.as_json() for s in self.strings]


def _per_card(queryset: QuerySet, function: str, field: str = "pk") -> Coalesce:
    """`function` (COUNT, SUM) of `field` over `queryset`, a query correlated with the card's row.

    A correlated subquery rather than a join: summing story points over a join with dependencies
    would count each story once per dependency. `Func` rather than `Count`/`Sum`, which would add a
    GROUP BY to the subquery."""
    total = queryset.order_by().annotate(total=Func(F(field), function=function)).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def with_card_figures(features: QuerySet[Feature]) -> QuerySet[Feature]:
    """Annotate what a card shows beside its own fields, in the same query."""
    me = OuterRef("pk")
    return features.annotate(
        points=_per_card(Story.objects.filter(feature=me), "SUM", "points"),
        dependency_count=_per_card(
            Dependency.objects.filter(Q(requesting_feature=me) | Q(providing_feature=me)), "COUNT"
        ),
        objective_count=_per_card(Feature.objectives.through.objects.filter(feature=me), "COUNT"),
        uncommitted_objective_count=_per_card(
            Feature.objectives.through.objects.filter(feature=me, piobjective__is_committed=False), "COUNT"
        ),
    )


def board_features(pi: ProgramIncrement) -> QuerySet[Feature]:
    """The PI's features with what a card shows, in one query."""
    return with_card_figures(Feature.objects.filter(pi=pi)).order_by("pk")


def card_for_user(user, slug: str, feature_id: int) -> tuple[Train, TrainAccess, Feature]:
    """The train, the user's access to it (as `train_for_user`) and one card of its board with its
    PI: 404 when the user holds no role on the train, or the card is not on its board."""
    train, access = train_for_user(user, slug)
    card = get_object_or_404(
        # Its iteration too: a move rates the strings the card provides as they were there (inbox).
        Feature.objects.select_related("pi", "iteration"),
        pk=feature_id,
        train=train,
        pi__isnull=False,
    )
    card.train = train  # the row just read: its services ask it (who listens to webhooks) at no query
    return train, access, card


def board_dependencies(pi: ProgramIncrement) -> QuerySet[Dependency]:
    return with_health(Dependency.objects.filter(pi=pi)).select_related(
        "needed_by_iteration", "providing_feature__iteration", "requesting_team", "providing_team", "owner"
    )


def board_strings(
    pi: ProgramIncrement, dependencies: QuerySet[Dependency] | None = None
) -> list[BoardString]:
    dependencies = board_dependencies(pi) if dependencies is None else dependencies
    return [BoardString(dependency=dep, health=Health(dep.health)) for dep in dependencies]


def red_feature_ids(strings: list[BoardString]) -> set[int]:
    """The cards at either end of a conflicting string: the board marks them red."""
    ids: set[int] = set()
    for s in strings:
        if s.health == Health.CONFLICT:
            ids.update(
                i for i in (s.dependency.providing_feature_id, s.dependency.requesting_feature_id) if i
            )
    return ids


def program_board(pi: ProgramIncrement, filters: BoardFilters | None = None) -> Board:
    """The program board of a PI (domain.md §2): teams × iterations, features, milestones, strings.

    Five queries whatever the size of the train: iterations, teams, features (+ their objectives),
    dependencies, milestones.
    """
    filters = filters or BoardFilters()
    iterations = list(pi.iterations.order_by("number"))
    all_teams = list(Team.objects.filter(train_id=pi.train_id).order_by("position", "name"))
    strings = board_strings(pi)
    red_ids = red_feature_ids(strings)

    cells: dict[tuple[int, int], list[Feature]] = defaultdict(list)
    unplanned: list[Feature] = []
    count = 0
    for feature in board_features(pi):
        if not filters.admits(feature, red_ids):
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


def strings_after_move(feature: Feature, *, left: tuple | None = None) -> list[dict]:
    """After a move: the strings the moved card provides, as the board draws them.

    A string's health depends on where its provider is planned (planning/health.py), so these are
    the only strings whose health a move can change. The board counts its red and amber strings
    itself from its strings and these (static/js/board.js): one small query, whatever the PI.
    With `left` (the start and end of the iteration the card left, as expressions) each string
    also says its `health_before`, in the same query, for what a move announces.
    """
    provided = with_health(Dependency.objects.filter(providing_feature=feature)).order_by("pk")
    if left is not None:
        provided = provided.annotate(health_before=health_rule(*left))
    columns = [
        "pk",
        "health",
        "state",
        "requesting_feature_id",
        "requesting_team__name",
        "providing_team__name",
        "description",
        "needed_by_iteration__number",
        "needed_by_iteration__is_ip",
    ]
    strings = []
    for row in provided.values(*columns, *(["health_before"] if left is not None else [])):
        string = string_json(
            pk=row["pk"],
            providing_feature_id=feature.pk,
            requesting_feature_id=row["requesting_feature_id"],
            health=Health(row["health"]),
            requesting_team=row["requesting_team__name"],
            providing_team=row["providing_team__name"],
            description=row["description"],
            needed_by=iteration_label(row["needed_by_iteration__number"], row["needed_by_iteration__is_ip"])
            if row["needed_by_iteration__number"]
            else "—",
            state=row["state"],
        )
        if left is not None:
            string["health_before"] = row["health_before"]
        strings.append(string)
    return strings


# How many changes an open board may be behind and still be brought up to date card by card;
# further behind, one body costs less than that many cards.
DELTA_LIMIT = 100


@dataclass
class BoardDelta:
    """What changed on a board since the version an open board shows, as that board shows it."""

    version: int
    cards: list[Feature]  # changed cards the board shows, with their figures (with_card_figures)
    removed: list[int]  # changed features it no longer shows (moved out of the PI, filtered, deleted)
    strings: list[BoardString]  # the strings at those cards, and the changed strings, re-rated
    removed_strings: list[int]
    red_feature_ids: set[int]


def board_delta(pi: ProgramIncrement, since: int, filters: BoardFilters) -> BoardDelta | None:
    """The changes since version `since` (planning.services.common.board_changed notes them), read
    in three queries whatever the size of the board. None when the board must reload its body
    instead: too far behind, a change to something else than cards and strings (milestones,
    iterations, a PI's state), or the red filter (a change elsewhere may redden any card)."""
    if filters.red_only or not 0 <= since < pi.board_version:
        return None
    changes = list(
        BoardChange.objects.filter(pi=pi, version__gt=since, version__lte=pi.board_version).values_list(
            "kind", "object_id"
        )[: DELTA_LIMIT + 1]
    )
    if len(changes) > DELTA_LIMIT or any(kind == BoardChange.Kind.BOARD for kind, _ in changes):
        return None
    feature_ids = {pk for kind, pk in changes if kind == BoardChange.Kind.FEATURE}
    dependency_ids = {pk for kind, pk in changes if kind == BoardChange.Kind.DEPENDENCY}
    strings = board_strings(
        pi,
        board_dependencies(pi).filter(
            Q(pk__in=dependency_ids)
            | Q(providing_feature__in=feature_ids)
            | Q(requesting_feature__in=feature_ids)
        ),
    )
    red_ids = red_feature_ids(strings)
    cards = [
        feature
        for feature in with_card_figures(Feature.objects.filter(pi=pi, pk__in=feature_ids)).order_by("pk")
        if filters.admits(feature, red_ids)
    ]
    shown = {card.pk for card in cards}
    return BoardDelta(
        version=pi.board_version,
        cards=cards,
        removed=sorted(feature_ids - shown),
        strings=strings,
        removed_strings=sorted(dependency_ids - {s.dependency.pk for s in strings}),
        red_feature_ids=red_ids,
    )
