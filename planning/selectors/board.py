"""Reads for planning screens. Each returns everything its page shows in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from artops import rows
from planning.health import Health, health_of, health_sql
from planning.models import Dependency, Feature, Iteration, Milestone, PIObjective, ProgramIncrement, Story
from trains.access import TrainAccess
from trains.models import Team, Train
from trains.selectors import access_columns, access_from, access_from_rows


def pis_of_train(train: Train) -> QuerySet[ProgramIncrement]:
    return ProgramIncrement.objects.filter(train=train).order_by("-start_date")


def pi_asked_for(pis: list[ProgramIncrement], pi_id: str | int) -> ProgramIncrement:
    """The PI a page was asked for (`?pi=`) among the train's PIs; 404 when it is not one of them."""
    chosen = next((pi for pi in pis if str(pi.pk) == str(pi_id)), None)
    if chosen is None:
        raise Http404("No such PI on this train.")
    return chosen


def current_pi(
    train: Train, pi_id: str | int | None, pis: list[ProgramIncrement] | None = None
) -> ProgramIncrement:
    """The PI asked for, else the executing one, else the newest. 404 when the train has none.

    Pass the train's PIs when the page lists them anyway: then this costs no query.
    """
    pis = list(pis_of_train(train)) if pis is None else pis
    if pi_id:
        return pi_asked_for(pis, pi_id)
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
        return [
            s.as_json()
            for s in self.strings
            if s.dependency.providing_feature_id and s.dependency.requesting_feature_id
        ]


def _card_figures_raw() -> dict[str, RawSQL]:
    """What a card shows beside its own fields, as correlated SQL subqueries on the feature row.

    Subqueries rather than joins: summing story points over a join with dependencies would count
    each story once per dependency. Plain SQL rather than ORM subqueries: a move (the board's
    hottest write) answers with the moved card, and the ORM's subquery expressions cost more to
    compile than the rest of the move.
    """
    feature, story, dependency = Feature._meta.db_table, Story._meta.db_table, Dependency._meta.db_table
    link, objective = PIObjective.features.through._meta.db_table, PIObjective._meta.db_table
    me = f'"{feature}"."id"'
    return {
        "points": RawSQL(f"SELECT COALESCE(SUM(points), 0) FROM {story} WHERE feature_id = {me}", []),
        "dependency_count": RawSQL(
            f"SELECT COUNT(*) FROM {dependency} WHERE requesting_feature_id = {me} OR providing_feature_id = {me}",
            [],
        ),
        "objective_count": RawSQL(f"SELECT COUNT(*) FROM {link} WHERE feature_id = {me}", []),
        "uncommitted_objective_count": RawSQL(
            f"SELECT COUNT(*) FROM {link} JOIN {objective} ON {objective}.id = {link}.piobjective_id"
            f" WHERE {link}.feature_id = {me} AND NOT {objective}.is_committed",
            [],
        ),
    }


def with_card_figures(features: QuerySet[Feature]) -> QuerySet[Feature]:
    """Annotate what a card shows, in the same query."""
    return features.annotate(**_card_figures_raw())


def board_features(pi: ProgramIncrement) -> QuerySet[Feature]:
    """The PI's features with what a card shows, in one query."""
    return with_card_figures(Feature.objects.filter(pi=pi)).order_by("pk")


def card_for_user(user, slug: str, feature_id: int) -> tuple[Train, TrainAccess, Feature]:
    """The train, the user's access to it (as `train_for_user`) and one card of its board with its PI
    and figures: 404 when the user holds no role on the train, or the card is not on its board.

    One plain statement (artops/rows.py), one row per role the user holds: every board move starts
    here, and a query fewer is a fifth of a move.
    """
    if not user.is_authenticated:
        raise Http404("No such train.")
    feature, pi, train = Feature._meta.db_table, ProgramIncrement._meta.db_table, Train._meta.db_table
    figures = _card_figures_raw()
    memberships, params = access_from(user, slug)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {access_columns()}, {rows.columns(Feature)}, {rows.columns(ProgramIncrement)}, "
            + ", ".join(f"({figure.sql})" for figure in figures.values())
            + f" FROM {memberships}"
            f' LEFT JOIN "{feature}" ON "{feature}"."id" = %s AND "{feature}"."train_id" = "{train}"."id"'
            f' LEFT JOIN "{pi}" ON "{pi}"."id" = "{feature}"."pi_id"',
            [*params, feature_id],
        )
        found = cursor.fetchall()
    train_row, access, start = access_from_rows(user, found)
    row = found[0]
    card, end = rows.instance(Feature, row, start)
    if card.pk is None or card.pi_id is None:
        raise Http404("No such feature on this train's board.")
    card.pi, end = rows.instance(ProgramIncrement, row, end)
    for name, value in zip(figures, row[end:], strict=True):
        setattr(card, name, value)
    return train_row, access, card


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


def _strings_after_move_sql() -> str:
    dependency, feature = Dependency._meta.db_table, Feature._meta.db_table
    iteration, team = Iteration._meta.db_table, Team._meta.db_table
    health = health_sql(
        state="d.state",
        needed_by_start="need.start_date",
        needed_by_end="need.end_date",
        provided_start="give.start_date",
        provided_end="give.end_date",
    )
    # Every string of the PI is rated in the database and only counted there; the strings that end
    # at the moved card come back with their labels. One row at least (the totals), whatever the PI.
    return (
        "WITH s AS ("
        " SELECT d.id, d.state, d.requesting_feature_id AS wants, d.providing_feature_id AS gives,"
        " d.requesting_team_id, d.providing_team_id, d.description, need.number, need.is_ip,"
        f" {health} AS health"
        f" FROM {dependency} d"
        f" LEFT JOIN {feature} provider ON provider.id = d.providing_feature_id"
        f" LEFT JOIN {iteration} need ON need.id = d.needed_by_iteration_id"
        f" LEFT JOIN {iteration} give ON give.id = provider.iteration_id"
        " WHERE d.pi_id = %s)"
        " SELECT totals.red, totals.amber, t.id, t.state, t.wants, t.gives, t.health,"
        " rq.name, pv.name, t.description, t.number, t.is_ip"
        " FROM (SELECT"
        f" COALESCE(SUM(CASE WHEN health = '{Health.CONFLICT.value}' THEN 1 ELSE 0 END), 0) AS red,"
        f" COALESCE(SUM(CASE WHEN health = '{Health.AT_RISK.value}' THEN 1 ELSE 0 END), 0) AS amber"
        " FROM s) totals"
        " LEFT JOIN s t ON t.wants = %s OR t.gives = %s"
        f" LEFT JOIN {team} rq ON rq.id = t.requesting_team_id"
        f" LEFT JOIN {team} pv ON pv.id = t.providing_team_id"
        " ORDER BY t.id"
    )


def strings_after_move(feature: Feature) -> tuple[list[dict], dict[str, int]]:
    """After a move: the strings ending at the moved card (the only ones whose health can change)
    and the PI's red and amber counts.

    One plain statement, no ORM, prepared once per connection: this answers every drag, so the PI's
    strings are rated and counted in the database (`health_sql`) rather than loaded. A test pins it
    against `board_strings`.
    """
    found = rows.fetch_prepared(
        "planning_strings_after_move", _strings_after_move_sql(), [feature.pi_id, feature.pk, feature.pk]
    )
    counts = {"red": int(found[0][0]), "amber": int(found[0][1])}
    touching = [
        string_json(
            pk=pk,
            providing_feature_id=gives,
            requesting_feature_id=wants,
            health=Health(health),
            requesting_team=rq,
            providing_team=pv,
            description=text,
            needed_by=("IP" if is_ip else f"I{number}") if number else "—",
            state=state,
        )
        for _, _, pk, state, wants, gives, health, rq, pv, text, number, is_ip in found
        if pk is not None
    ]
    return touching, counts
