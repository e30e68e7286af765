"""What an RTE hands out of PI Planning, as sheets (trains/exports.py writes them as XLSX or CSV):
the whole PI plan, the team PI objectives with predictability, capacity and load.

Every figure is read from the selectors the pages use (the board's, the objectives', the capacity
grid's) and computed by planning/calculations.py and planning/health.py: an export never says
something the page does not. Each export costs a fixed number of queries, whatever the number of
features.
"""

from __future__ import annotations

from planning.calculations import cost_of_delay, load_status, wsjf
from planning.health import Health
from planning.models import Feature, ProgramIncrement
from planning.selectors.board import program_board
from planning.selectors.capacity import CapacityGrid, Load, capacity_grid
from planning.selectors.objectives import ObjectivesOverview, pi_objectives
from trains.exports import Sheet

PERCENT = "0.0"  # Excel's number format for the percentages (stored as numbers, 87.5 = 87.5 %)


def _wsjf_inputs(feature: Feature) -> tuple[int | None, float | None]:
    """Cost of delay and WSJF (§4.4), through calculations, as the backlog shows them."""
    inputs = (feature.business_value, feature.time_criticality, feature.risk_reduction)
    if None in inputs:
        return None, None
    return cost_of_delay(*inputs), (wsjf(*inputs, feature.job_size) if feature.job_size else None)


def _objective_texts(overview: ObjectivesOverview) -> dict[int, list[str]]:
    """Feature id → the objectives it serves ("(uncommitted)" marked), from the objectives' links."""
    texts: dict[int, list[str]] = {}
    for entry in overview.teams:
        for objective in entry.objectives:
            label = objective.text if objective.is_committed else f"{objective.text} (uncommitted)"
            for feature in objective.features.all():
                texts.setdefault(feature.pk, []).append(label)
    return texts


def _objective_rows(overview: ObjectivesOverview) -> list[list]:
    rows = []
    for entry in overview.teams:
        for objective in entry.objectives:
            rows.append(
                [
                    entry.team.name,
                    objective.pk,
                    "committed" if objective.is_committed else "uncommitted",
                    objective.text,
                    objective.planned_business_value,
                    objective.actual_business_value,
                    "; ".join(feature.title for feature in objective.features.all()),
                ]
            )
    return rows


def objective_sheets(overview: ObjectivesOverview) -> list[Sheet]:
    """Team PI objectives with planned and actual business value, and predictability (§4.1) per
    team and for the ART, as the objectives page shows them ("no figure" stays empty, never 0)."""
    figures = overview.predictability
    predictability_rows = [
        [
            entry.team.name,
            entry.figure.planned_total,
            entry.figure.actual_total,
            entry.figure.objectives,
            entry.figure.scored,
            entry.figure.percent,
            entry.figure.partial_text or (entry.figure.reason or "").replace("_", " "),
        ]
        for entry in overview.teams
    ]
    art = figures.art
    predictability_rows.append(
        [
            "ART (sums over every team)",
            art.planned_total,
            art.actual_total,
            art.objectives,
            art.scored,
            art.percent,
            art.partial_text or (art.reason or "").replace("_", " "),
        ]
    )
    predictability_rows.append(
        ["Mean of the team percentages", None, None, None, None, figures.mean_of_teams, ""]
    )
    return [
        Sheet(
            "Objectives",
            ["Team", "Objective id", "Commitment", "Objective", "Planned BV", "Actual BV", "Features"],
            _objective_rows(overview),
        ),
        Sheet(
            "Predictability",
            [
                "Team",
                "Planned BV (committed)",
                "Actual BV (scored)",
                "Objectives",
                "Scored",
                "Predictability %",
                "Note",
            ],
            predictability_rows,
            number_formats={5: PERCENT},
        ),
    ]


def pi_plan_sheets(pi: ProgramIncrement) -> list[Sheet]:
    """The whole PI plan: features per team and iteration, dependencies with their health,
    objectives with predictability, milestones. Queries: the board's five, the objectives' three,
    and one more only when a dependency names a feature outside the PI."""
    board = program_board(pi)
    overview = pi_objectives(pi)
    serves = _objective_texts(overview)
    teams = {team.pk: team for team in board.all_teams}
    iterations = {iteration.pk: iteration for iteration in board.iterations}

    features: dict[int, Feature] = {}
    feature_rows = []
    planned = [feature for team, cells in board.rows() for _, cell in cells for feature in cell]
    for feature in planned + board.unplanned:
        features[feature.pk] = feature
        iteration = iterations.get(feature.iteration_id)
        cost, score = _wsjf_inputs(feature)
        feature_rows.append(
            [
                teams[feature.team_id].name if feature.team_id in teams else "",
                iteration.label if iteration else "unplanned",
                iteration.start_date if iteration else None,
                iteration.end_date if iteration else None,
                feature.pk,
                feature.title,
                feature.get_kind_display(),
                feature.get_state_display(),
                feature.points,
                feature.business_value,
                feature.time_criticality,
                feature.risk_reduction,
                feature.job_size,
                cost,
                score,
                feature.is_blocked,
                "; ".join(serves.get(feature.pk, [])),
            ]
        )

    outside = {
        feature_id
        for string in board.strings
        for feature_id in (string.dependency.requesting_feature_id, string.dependency.providing_feature_id)
        if feature_id and feature_id not in features
    }
    if outside:
        features.update(Feature.objects.only("id", "title").in_bulk(outside))

    def title(feature_id: int | None) -> str:
        return features[feature_id].title if feature_id in features else ""

    dependency_rows = [
        [
            dep.pk,
            dep.requesting_team.name,
            title(dep.requesting_feature_id),
            dep.providing_team.name,
            title(dep.providing_feature_id),
            dep.needed_by_iteration.label if dep.needed_by_iteration else "",
            dep.needed_by_iteration.end_date if dep.needed_by_iteration else None,
            dep.providing_feature.iteration.label
            if dep.providing_feature and dep.providing_feature.iteration
            else "",
            dep.get_kind_display(),
            dep.get_state_display(),
            Health(string.health).label,
            dep.owner.get_full_name() or dep.owner.get_username() if dep.owner else "",
            dep.description,
        ]
        for string in board.strings
        for dep in [string.dependency]
    ]
    milestone_rows = [
        [milestone.name, milestone.date, milestone.get_kind_display(), milestone.description]
        for milestones in board.milestones.values()
        for milestone in milestones
    ]
    milestone_rows.sort(key=lambda row: (row[1], row[0]))
    iteration_rows = [
        [iteration.label, iteration.number, iteration.start_date, iteration.end_date, iteration.is_ip]
        for iteration in board.iterations
    ]
    return [
        Sheet(
            "Features",
            [
                "Team",
                "Iteration",
                "Iteration start",
                "Iteration end",
                "Feature id",
                "Feature",
                "Kind",
                "State",
                "Points",
                "Business value",
                "Time criticality",
                "Risk reduction",
                "Job size",
                "Cost of delay",
                "WSJF",
                "Blocked",
                "Objectives",
            ],
            feature_rows,
            number_formats={14: "0.00"},
        ),
        Sheet(
            "Dependencies",
            [
                "Dependency id",
                "Requesting team",
                "Requesting feature",
                "Providing team",
                "Providing feature",
                "Needed by",
                "Needed by (end)",
                "Planned in",
                "Kind",
                "State",
                "Health",
                "Owner",
                "Description",
            ],
            dependency_rows,
        ),
        *objective_sheets(overview),
        Sheet("Milestones", ["Milestone", "Date", "Kind", "Description"], milestone_rows),
        Sheet("Iterations", ["Iteration", "Number", "Start", "End", "IP"], iteration_rows),
    ]


def objectives_export_sheets(pi: ProgramIncrement) -> list[Sheet]:
    return objective_sheets(pi_objectives(pi))


def _load_cells(load: Load) -> list:
    return [load.capacity, load.load, load.ratio, load_status(load.load, load.capacity)]


def capacity_sheets(pi: ProgramIncrement, grid: CapacityGrid | None = None) -> list[Sheet]:
    """Capacity and load (§4.3) per team and iteration, and the totals (development iterations
    only, as on the page)."""
    grid = grid or capacity_grid(pi)
    cells = [
        [
            row.team.name,
            cell.iteration.label,
            cell.iteration.start_date,
            cell.iteration.end_date,
            cell.iteration.is_ip,
            cell.fte,
            cell.days_off,
            cell.default,
            cell.override,
            *_load_cells(cell.figures),
        ]
        for row in grid.rows
        for cell in row.cells
    ]
    totals = [[row.team.name, "all development iterations", *_load_cells(row.total)] for row in grid.rows]
    totals += [["Train", iteration.label, *_load_cells(load)] for iteration, load in grid.column_totals]
    totals.append(["Train", "all development iterations", *_load_cells(grid.overall)])
    load_headers = ["Capacity", "Load (points)", "Load / capacity %", "Status"]
    return [
        Sheet(
            "Capacity",
            [
                "Team",
                "Iteration",
                "Start",
                "End",
                "IP",
                "FTE",
                "Days off",
                "Default capacity",
                "Override",
                *load_headers,
            ],
            cells,
            number_formats={11: PERCENT},
        ),
        Sheet("Totals", ["Team", "Iterations", *load_headers], totals, number_formats={4: PERCENT}),
    ]


__all__ = ["capacity_sheets", "objective_sheets", "objectives_export_sheets", "pi_plan_sheets"]
