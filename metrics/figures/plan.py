"""Figures of the plan (domain.md §4.1–§4.3): predictability from the objectives' business value, the
confidence vote, and load against capacity per team and iteration."""

from __future__ import annotations

from .. import calculations as calc
from ..models import SnapshotMetric as Metric
from ..selectors import PIInputs
from .common import Figure, Window

PREDICTABILITY_RULE = (
    "100 × Σ actual BV of the scored objectives (committed and uncommitted) / Σ planned BV of the "
    "committed objectives. No figure without committed planned value, nor before any objective is "
    "scored (0 % would read as a failed PI)."
)


# --- §4.1 and §4.2 -------------------------------------------------------------------------------


def _predictability_data(figure: calc.PredictabilityFigure) -> dict:
    return {
        "actual_bv": figure.actual_total,
        "planned_committed_bv": figure.planned_total,
        "objectives": figure.objectives,
        "scored": figure.scored,
        "reason": figure.reason,
    }


def predictability_figures(inputs: PIInputs, window: Window, team_names: dict) -> list[Figure]:
    result = calc.pi_predictability({team_id: inputs.objectives.get(team_id, []) for team_id in team_names})
    figures = [
        Figure(
            Metric.PREDICTABILITY,
            team_id,
            figure.percent,
            {**_predictability_data(figure), "rule": PREDICTABILITY_RULE},
        )
        for team_id, figure in result.teams.items()
    ]
    teams = [
        {"team": team_names[team_id], "percent": figure.percent, **_predictability_data(figure)}
        for team_id, figure in result.teams.items()
    ]
    art_data = {
        **_predictability_data(result.art),
        "mean_of_teams": result.mean_of_teams,
        "teams": teams,
        "teams_not_scored": sum(1 for t in teams if t["reason"] == calc.NOT_SCORED_YET),
        "band": list(calc.PREDICTABILITY_BAND),
        "rule": PREDICTABILITY_RULE,
        **window.describe(),
    }
    figures.append(Figure(Metric.PREDICTABILITY, None, result.art.percent, art_data))
    return figures


def confidence_figures(inputs: PIInputs, team_names: dict) -> list[Figure]:
    figures = []
    for team_id in [None, *team_names]:
        summary = calc.vote_summary(inputs.votes.get(team_id, []))
        data = {
            "voters": summary.voters,
            "counts": {str(score): count for score, count in summary.counts.items()},
            "accepted": summary.accepted,
            "low_scores": summary.low_scores,
            "rule": "Mean of the fist-of-five scores; accepted when the mean is at least 3.",
        }
        figures.append(Figure(Metric.CONFIDENCE, team_id, summary.mean, data))
    return figures


# --- §4.3 load vs capacity ---------------------------------------------------------------------


def _load_cell(label: str, load: float, capacity: float | None) -> dict:
    return {
        "iteration": label,
        "load": load,
        "capacity": capacity,
        "ratio": None if capacity is None else calc.load_ratio(load, capacity),
        "status": "no capacity recorded" if capacity is None else calc.load_status(load, capacity),
    }


def load_figures(inputs: PIInputs, window: Window, team_names: dict) -> list[Figure]:
    load: dict[tuple[int, int], float] = {}
    for story in inputs.stories:
        if story.iteration_id is not None:
            key = (story.team_id, story.iteration_id)
            load[key] = load.get(key, 0) + story.points
    capacity = {(row.team_id, row.iteration_id): row.capacity for row in inputs.capacities}
    figures, matrix = [], []
    for team_id, name in inputs.teams:
        cells = [
            _load_cell(it.label, load.get((team_id, it.pk), 0), capacity.get((team_id, it.pk)))
            for it in inputs.iterations
        ]
        total_load, total_capacity = _totals(cells)
        data = {"iterations": cells, "load": total_load, "capacity": total_capacity}
        figures.append(Figure(Metric.LOAD, team_id, calc.load_ratio(total_load, total_capacity), data))
        matrix.append({"team": name, "iterations": cells})
    art_cells = []
    for it in inputs.iterations:
        it_load = sum(load.get((team_id, it.pk), 0) for team_id in team_names)
        caps = [capacity[(team_id, it.pk)] for team_id in team_names if (team_id, it.pk) in capacity]
        art_cells.append(_load_cell(it.label, it_load, sum(caps) if caps else None))
    total_load, total_capacity = _totals(art_cells)
    art_data = {
        "iterations": art_cells,
        "teams": matrix,
        "load": total_load,
        "capacity": total_capacity,
        "rule": "Load: Σ points of the stories planned in the iteration. Capacity: 8 × FTE − days off, "
        "or the team's override. ≤ 80 % green, ≤ 100 % amber, above red.",
        **window.describe(),
    }
    figures.append(Figure(Metric.LOAD, None, calc.load_ratio(total_load, total_capacity), art_data))
    return figures


def _totals(cells: list[dict]) -> tuple[float, float]:
    with_capacity = [cell for cell in cells if cell["capacity"] is not None]
    return sum(cell["load"] for cell in with_capacity), sum(cell["capacity"] for cell in with_capacity)
