"""Reads for capacity and load (domain.md §4.3): the train's grid and one team's plan.

Every figure comes from planning/calculations.py; this module only gathers the numbers, in a
fixed number of queries whatever the size of the train.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from planning.calculations import default_capacity, effective_capacity, load_ratio, load_status
from planning.models import Feature, Iteration, ProgramIncrement, Story, TeamCapacity
from trains.models import Team


@dataclass(frozen=True)
class Load:
    """Load against capacity, with the §4.3 traffic light."""

    capacity: float
    load: int

    @property
    def ratio(self) -> float | None:
        return load_ratio(self.load, self.capacity)

    @property
    def status(self) -> str:
        return load_status(self.load, self.capacity)

    @property
    def bar_percent(self) -> float:
        """Width of the bar: full at or beyond capacity (the text says by how much)."""
        ratio = self.ratio
        if ratio is None:
            return 100.0 if self.load else 0.0
        return min(100.0, ratio)


@dataclass
class CapacityCell:
    team: Team
    iteration: Iteration
    row: TeamCapacity | None
    load: int
    form: object = None  # set by the view: the cell's edit form

    @property
    def entered(self) -> bool:
        return self.row is not None

    @property
    def fte(self) -> Decimal | None:
        return self.row.fte if self.row else None

    @property
    def days_off(self) -> int | None:
        return self.row.days_off if self.row else None

    @property
    def override(self) -> int | None:
        return self.row.capacity_override if self.row else None

    @property
    def version(self) -> int:
        return self.row.version if self.row else 0

    @property
    def default(self) -> float | None:
        return default_capacity(self.row.fte, self.row.days_off) if self.row else None

    @property
    def capacity(self) -> float:
        """No capacity entered counts as none: planned work there shows as over capacity."""
        if self.row is None:
            return 0.0
        return effective_capacity(self.row.fte, self.row.days_off, self.row.capacity_override)

    @property
    def figures(self) -> Load:
        return Load(capacity=self.capacity, load=self.load)


def _total(cells) -> Load:
    """Totals count development iterations only: the IP iteration is buffer (§4.3)."""
    cells = [cell for cell in cells if not cell.iteration.is_ip]
    return Load(capacity=sum(cell.capacity for cell in cells), load=sum(cell.load for cell in cells))


@dataclass
class TeamRow:
    team: Team
    cells: list[CapacityCell]
    can_edit: bool = False

    @property
    def total(self) -> Load:
        return _total(self.cells)


@dataclass
class CapacityGrid:
    iterations: list[Iteration]
    rows: list[TeamRow]
    column_totals: list[tuple[Iteration, Load]] = field(default_factory=list)
    overall: Load = field(default_factory=lambda: Load(0, 0))

    def cell(self, team_id: int, iteration_id: int) -> CapacityCell:
        for row in self.rows:
            if row.team.pk == team_id:
                return next(cell for cell in row.cells if cell.iteration.pk == iteration_id)
        raise KeyError((team_id, iteration_id))

    def row(self, team_id: int) -> TeamRow:
        return next(row for row in self.rows if row.team.pk == team_id)

    def column_total(self, iteration_id: int) -> Load:
        return next(load for iteration, load in self.column_totals if iteration.pk == iteration_id)


def _loads(pi: ProgramIncrement, team_ids) -> dict[tuple[int, int], int]:
    """§4.3 load: Σ points of each team's stories per iteration (every story, any state)."""
    rows = (
        Story.objects.filter(iteration__pi=pi, team_id__in=team_ids)
        .values("team_id", "iteration_id")
        .annotate(points=Sum("points"))
        .order_by()
    )
    return {(row["team_id"], row["iteration_id"]): row["points"] or 0 for row in rows}


def capacity_grid(pi: ProgramIncrement, teams: list[Team] | None = None) -> CapacityGrid:
    """Teams × iterations with capacity, load and totals: four queries (three with ``teams`` given)."""
    if teams is None:
        teams = list(Team.objects.filter(train_id=pi.train_id).order_by("position", "name"))
    iterations = list(pi.iterations.order_by("number"))
    team_ids = [team.pk for team in teams]
    entered = {
        (row.team_id, row.iteration_id): row
        for row in TeamCapacity.objects.filter(iteration__pi=pi, team_id__in=team_ids)
    }
    loads = _loads(pi, team_ids)
    rows = [
        TeamRow(
            team=team,
            cells=[
                CapacityCell(
                    team=team,
                    iteration=iteration,
                    row=entered.get((team.pk, iteration.pk)),
                    load=loads.get((team.pk, iteration.pk), 0),
                )
                for iteration in iterations
            ],
        )
        for team in teams
    ]
    columns = [
        (
            iteration,
            Load(
                capacity=sum(row.cells[index].capacity for row in rows),
                load=sum(row.cells[index].load for row in rows),
            ),
        )
        for index, iteration in enumerate(iterations)
    ]
    return CapacityGrid(
        iterations=iterations,
        rows=rows,
        column_totals=columns,
        overall=_total([cell for row in rows for cell in row.cells]),
    )


# --- one team's plan -------------------------------------------------------------------------------


@dataclass
class PlanColumn:
    """An iteration of the team's plan (``iteration`` None: the unscheduled list)."""

    iteration: Iteration | None
    stories: list[Story]
    cell: CapacityCell | None

    @property
    def key(self) -> str:
        return str(self.iteration.pk) if self.iteration else "unscheduled"

    @property
    def points(self) -> int:
        return sum(story.points for story in self.stories)


@dataclass
class TeamPlan:
    team: Team
    row: TeamRow
    columns: list[PlanColumn]
    unscheduled: PlanColumn
    features: list[Feature]
    iterations: list[Iteration]

    @property
    def total(self) -> Load:
        return self.row.total


def team_stories(pi: ProgramIncrement, team: Team):
    """The team's stories in this PI's iterations, plus its unscheduled ones that belong to no other PI."""
    return (
        Story.objects.filter(team=team)
        .filter(
            Q(iteration__pi=pi)
            | Q(iteration__isnull=True, feature__isnull=True)
            | Q(iteration__isnull=True, feature__pi=pi)
        )
        .select_related("feature")
        .order_by("iteration__number", "pk")
    )


def team_plan(pi: ProgramIncrement, team: Team) -> TeamPlan:
    """The team's iterations with stories and load bars: five queries whatever the number of stories."""
    grid = capacity_grid(pi, teams=[team])
    row = grid.rows[0]
    by_iteration: dict[int | None, list[Story]] = defaultdict(list)
    for story in team_stories(pi, team):
        by_iteration[story.iteration_id].append(story)
    columns = [
        PlanColumn(iteration=cell.iteration, stories=by_iteration[cell.iteration.pk], cell=cell)
        for cell in row.cells
    ]
    features = list(Feature.objects.filter(pi=pi, team=team).order_by("title"))
    return TeamPlan(
        team=team,
        row=row,
        columns=columns,
        unscheduled=PlanColumn(iteration=None, stories=by_iteration[None], cell=None),
        features=features,
        iterations=grid.iterations,
    )
