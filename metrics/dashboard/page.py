"""The dashboard page: its cards across PIs, and one PI's cards, tiles and per-team table, each card a
chart with where its numbers come from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from planning.models import ProgramIncrement

from .. import charts
from ..charts import Chart, Series, fmt
from ..models import Snapshot
from . import pi_charts
from .common import (
    FLOW_EFFICIENCY_TEXT,
    FORECAST_EDGES,
    LOAD_EDGES,
    NOT_SCORED_TEXT,
    PREDICTABILITY_EDGES,
    REASONS,
    duration,
    pct,
    predictability_partial,
)
from .tiles import Tile, pi_tiles

Metric = Snapshot.Metric


@dataclass
class Card:
    """A chart with its provenance; `notes` explain gaps ("not scored yet") in words."""

    chart: Chart
    computed_at: datetime | None
    source: str
    as_of: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class TeamRow:
    name: str
    cells: list[str]


@dataclass
class PIDashboard:
    pi: ProgramIncrement
    tiles: list[Tile]
    cards: list[Card]
    team_columns: list[str]
    team_rows: list[TeamRow]
    # What the table's less obvious columns mean, said under it.
    team_notes: list[str]
    load_matrix: dict
    oldest_impediments: list[dict]
    oldest_dependencies: list[dict]
    computed_at: datetime | None
    as_of: str


def _as_of(data: dict) -> str:
    """The moment the figures describe: "end of 21 Nov 2026" for a daily snapshot."""
    moment = data.get("as_of")
    if not moment:
        return ""
    local = timezone.localtime(datetime.fromisoformat(moment))
    if local.time() == time.min:
        return f"end of {date_format(local.date() - timedelta(days=1), 'j M Y')}"
    return date_format(local, "j M Y, H:i")


# --- across PIs ----------------------------------------------------------------------------------


def across_pis(snapshots: Iterable[Snapshot]) -> list[Card]:
    """Predictability per PI with the 80–100 % band (ART pooled and mean of teams), and velocity per PI."""
    predictability: dict[str, Snapshot] = {}
    velocity: dict[str, Snapshot] = {}
    for snapshot in snapshots:
        if snapshot.team_id is not None:
            continue
        if snapshot.metric == Metric.PREDICTABILITY:
            predictability[snapshot.pi.name] = snapshot
        elif snapshot.metric == Metric.FLOW_VELOCITY:
            velocity[snapshot.pi.name] = snapshot
    cards = []
    names = list(predictability)
    art = [predictability[name].value for name in names]
    mean = [predictability[name].data.get("mean_of_teams") for name in names]
    partial = [predictability_partial(predictability[name].data) for name in names]
    notes = [
        f"{name}: {REASONS.get(predictability[name].data.get('reason'), '')}"
        for name in names
        if predictability[name].value is None
    ] + [
        f"{name} is {note}: not final, it can only rise as the rest are scored."
        for name, note in zip(names, partial, strict=True)
        if note
    ]
    described = ", ".join(
        f"{name} {pct(value, PREDICTABILITY_EDGES)}" + (f" ({note})" if note else "")
        for name, value, note in zip(names, art, partial, strict=True)
    )
    cards.append(
        Card(
            charts.line_chart(
                id="chart-predictability-pis",
                title="Predictability per PI",
                description=f"ART predictability (pooled sums) per PI: {described or 'none yet'}. "
                "Healthy band 80–100 %. The dashed line is the mean of the team percentages.",
                x_labels=names,
                series=[
                    Series("ART (pooled business value)", art, style=0, notes=partial),
                    Series("Mean of team percentages", mean, style=1, dashed=True, notes=partial),
                ],
                x_label="Program Increment",
                y_label="Predictability (%)",
                unit="%",
                band=(80.0, 100.0),
                band_label="healthy 80–100 %",
                y_max=110,
                empty_message="No PI has a predictability figure yet",
            ),
            computed_at=max((s.computed_at for s in predictability.values()), default=None),
            source="100 × Σ actual BV of scored objectives / Σ planned BV of committed objectives, per PI.",
            notes=notes,
        )
    )
    names = list(velocity)
    done = [velocity[name].value for name in names]
    cards.append(
        Card(
            charts.bar_chart(
                id="chart-velocity-pis",
                title="Flow velocity per PI",
                description="Features done within each PI: "
                + ", ".join(f"{name} {fmt(value, '', 0)}" for name, value in zip(names, done, strict=True)),
                categories=names,
                series=[Series("Features done", done, style=0)],
                x_label="Program Increment",
                y_label="Features done",
                digits=0,
            ),
            computed_at=max((s.computed_at for s in velocity.values()), default=None),
            source="Features of each PI that reached Done within the PI's dates.",
        )
    )
    return cards


# --- one PI --------------------------------------------------------------------------------------


def pi_dashboard(
    pi: ProgramIncrement, snapshots: dict[tuple[str, int | None], Snapshot]
) -> PIDashboard | None:
    """The PI's cards, tiles and team table from its latest day of snapshots; None when there are none."""
    art = {metric: snapshot for (metric, team_id), snapshot in snapshots.items() if team_id is None}
    if Metric.PREDICTABILITY not in art:
        return None
    teams: dict[int, dict[str, Snapshot]] = {}
    names: dict[int, tuple[int, str]] = {}
    for (metric, team_id), snapshot in snapshots.items():
        if team_id is not None:
            teams.setdefault(team_id, {})[metric] = snapshot
            names[team_id] = (snapshot.team.position, snapshot.team.name)
    ordered_teams = sorted(teams, key=lambda team_id: names[team_id])

    def data(metric: str) -> dict:
        return art[metric].data if metric in art else {}

    def card(metric: str, chart: Chart, source: str, notes: list[str] | None = None) -> Card:
        snapshot = art.get(metric)
        return Card(
            chart,
            computed_at=snapshot.computed_at if snapshot else None,
            source=source,
            as_of=_as_of(snapshot.data) if snapshot else "",
            notes=notes or [],
        )

    cards = [
        card(
            Metric.PREDICTABILITY,
            pi_charts.team_predictability(pi, art[Metric.PREDICTABILITY], teams, ordered_teams),
            pi_charts.predictability_source(data(Metric.PREDICTABILITY)),
            pi_charts.predictability_notes(data(Metric.PREDICTABILITY)),
        ),
        card(
            Metric.FORECAST,
            pi_charts.forecast(pi, data(Metric.FORECAST)),
            pi_charts.forecast_source(data(Metric.FORECAST)),
            pi_charts.forecast_notes(data(Metric.FORECAST)),
        ),
        card(
            Metric.CUMULATIVE_FLOW,
            pi_charts.cumulative_flow(pi, data(Metric.CUMULATIVE_FLOW)),
            f"{data(Metric.CUMULATIVE_FLOW).get('features', 0)} features of {pi.name}, from their recorded state changes.",
        ),
        card(
            Metric.BURN_UP,
            pi_charts.burn_up(pi, data(Metric.BURN_UP), "features"),
            pi_charts.burn_up_source(data(Metric.BURN_UP), "features"),
        ),
        card(
            Metric.BURN_UP,
            pi_charts.burn_up(pi, data(Metric.BURN_UP), "points"),
            pi_charts.burn_up_source(data(Metric.BURN_UP), "points"),
        ),
        card(
            Metric.FLOW_TIME,
            pi_charts.flow_time(pi, data(Metric.FLOW_TIME)),
            f"{data(Metric.FLOW_TIME).get('count', 0)} features done in {pi.name} with a recorded start.",
        ),
        card(
            Metric.FLOW_LOAD,
            pi_charts.wip(pi, data(Metric.FLOW_LOAD)),
            "Features started and not done at the end of each day.",
            pi_charts.little_notes(data(Metric.FLOW_LOAD)),
        ),
        card(
            Metric.FLOW_DISTRIBUTION,
            pi_charts.distribution(pi, data(Metric.FLOW_DISTRIBUTION)),
            f"{data(Metric.FLOW_DISTRIBUTION).get('done', 0)} features done, "
            f"{data(Metric.FLOW_DISTRIBUTION).get('points', 0)} story points.",
        ),
        card(
            Metric.LOAD,
            pi_charts.load(pi, data(Metric.LOAD)),
            "Σ story points planned per iteration against 8 × FTE − days off (or the team's override).",
        ),
        card(
            Metric.BLOCKER_RESOLUTION,
            pi_charts.aging(pi, data(Metric.BLOCKER_RESOLUTION), data(Metric.DEPENDENCY_AGING)),
            f"{data(Metric.BLOCKER_RESOLUTION).get('open_count', 0)} impediments open, "
            f"{data(Metric.DEPENDENCY_AGING).get('unresolved', 0)} dependencies unresolved at the end of the period.",
        ),
    ]
    tiles = pi_tiles(art)
    team_columns = [
        "Predictability",
        "Features done",
        "Flow time (median)",
        "Flow efficiency",
        "Carry-over",
        "Iteration completion",
        "Load / capacity",
        "Confidence",
        "Forecast",
    ]
    team_rows = []
    for team_id in ordered_teams:
        figures = teams[team_id]

        def value(metric: str, figures: dict = figures) -> float | None:
            return figures[metric].value if metric in figures else None

        predictability = figures.get(Metric.PREDICTABILITY)
        predictability_text = pct(value(Metric.PREDICTABILITY), PREDICTABILITY_EDGES)
        if predictability and predictability.data.get("reason") == "not_scored_yet":
            predictability_text = f"— ({NOT_SCORED_TEXT})"
        elif predictability and predictability_partial(predictability.data):
            predictability_text += f" ({predictability_partial(predictability.data)})"
        forecast = figures.get(Metric.FORECAST)
        forecast_text = pct(value(Metric.FORECAST), FORECAST_EDGES)
        if forecast and forecast.data.get("reason") == "pi_ended":
            forecast_text = f"{forecast.data['done']} of {forecast.data['committed']} done"
        team_rows.append(
            TeamRow(
                names[team_id][1],
                [
                    predictability_text,
                    fmt(value(Metric.FLOW_VELOCITY), "", 0),
                    duration(value(Metric.FLOW_TIME)),
                    pct(value(Metric.FLOW_EFFICIENCY)),
                    pct(value(Metric.CARRY_OVER)),
                    pct(value(Metric.ITERATION_COMPLETION)),
                    pct(value(Metric.LOAD), LOAD_EDGES),
                    fmt(value(Metric.CONFIDENCE), "", 1),
                    forecast_text,
                ],
            )
        )
    load = data(Metric.LOAD)
    return PIDashboard(
        pi=pi,
        tiles=tiles,
        cards=cards,
        team_columns=team_columns,
        team_rows=team_rows,
        team_notes=[FLOW_EFFICIENCY_TEXT],
        load_matrix={
            "iterations": [cell["iteration"] for cell in load.get("iterations", [])],
            "teams": [
                {
                    **team,
                    "iterations": [
                        {**cell, "ratio_text": pct(cell.get("ratio"), LOAD_EDGES)}
                        for cell in team["iterations"]
                    ],
                }
                for team in load.get("teams", [])
            ],
        },
        oldest_impediments=data(Metric.BLOCKER_RESOLUTION).get("oldest", []),
        oldest_dependencies=data(Metric.DEPENDENCY_AGING).get("oldest", []),
        computed_at=max(snapshot.computed_at for snapshot in art.values()),
        as_of=_as_of(art[Metric.PREDICTABILITY].data),
    )
