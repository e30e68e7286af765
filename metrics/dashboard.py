"""What the metrics dashboard shows, built from stored snapshots only (never computed in the request).

Each card pairs a chart (metrics/charts.py) with where its numbers come from: when they were
computed, the moment they describe, and what they were computed from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from planning.models import Feature, ProgramIncrement

from . import charts
from .charts import Chart, Line, Point, Series, fmt
from .models import Snapshot

Metric = Snapshot.Metric

# Cumulative flow, bottom-up: done first, so the bands read like the Kanban from right to left.
CFD_ORDER = tuple(reversed(Feature.State.values))
KIND_STYLES = {kind: index for index, kind in enumerate(Feature.Kind.values)}
KIND_LABELS = dict(Feature.Kind.choices)
STATE_LABELS = dict(Feature.State.choices)
NOT_SCORED_TEXT = "not scored yet"
REASONS = {
    "not_scored_yet": "Not scored yet: predictability appears once Business Owners score actual business value.",
    "no_committed_value": "No figure: no committed objective carries planned business value.",
    "pi_ended": "The PI has ended: the forecast made at its start is shown beside the outcome.",
    "no_history": "No forecast: there is no finished iteration to take throughput from yet.",
    "nothing_committed": "No forecast: no feature is committed (planned on a team and iteration) in this PI.",
}


@dataclass
class Card:
    """A chart with its provenance; `notes` explain gaps ("not scored yet") in words."""

    chart: Chart
    computed_at: datetime | None
    source: str
    as_of: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Tile:
    label: str
    value: str
    detail: str = ""
    status: str = ""  # a CSS modifier: "good", "warn", "bad"


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
    load_matrix: dict
    oldest_impediments: list[dict]
    oldest_dependencies: list[dict]
    computed_at: datetime | None
    as_of: str


def _day_label(iso: str) -> str:
    return charts.day_label(date.fromisoformat(iso))


def _as_of(data: dict) -> str:
    """The moment the figures describe: "end of 21 Nov 2026" for a daily snapshot."""
    moment = data.get("as_of")
    if not moment:
        return ""
    local = timezone.localtime(datetime.fromisoformat(moment))
    if local.time() == time.min:
        return f"end of {date_format(local.date() - timedelta(days=1), 'j M Y')}"
    return date_format(local, "j M Y, H:i")


def _pct(value: float | None) -> str:
    return fmt(value, "%", 0)


def _days(value: float | None) -> str:
    return fmt(value, "d", 1)


# --- across PIs ----------------------------------------------------------------------------------


def across_pis(snapshots: Iterable[Snapshot]) -> list[Card]:
    """Predictability per PI with the 80–100 % band (ART pooled and mean of teams), and velocity per PI."""
    predictability: dict[str, Snapshot] = {}
    velocity: dict[str, Snapshot] = {}
    for snapshot in snapshots:
        if snapshot.team_id is not None:
            continue
        target = predictability if snapshot.metric == Metric.PREDICTABILITY else velocity
        target[snapshot.pi.name] = snapshot
    cards = []
    names = list(predictability)
    art = [predictability[name].value for name in names]
    mean = [predictability[name].data.get("mean_of_teams") for name in names]
    notes = [
        f"{name}: {REASONS.get(predictability[name].data.get('reason'), '')}"
        for name in names
        if predictability[name].value is None
    ]
    described = ", ".join(f"{name} {_pct(value)}" for name, value in zip(names, art, strict=True))
    cards.append(
        Card(
            charts.line_chart(
                id="chart-predictability-pis",
                title="Predictability per PI",
                description=f"ART predictability (pooled sums) per PI: {described or 'none yet'}. "
                "Healthy band 80–100 %. The dashed line is the mean of the team percentages.",
                x_labels=names,
                series=[
                    Series("ART (pooled business value)", art, style=0),
                    Series("Mean of team percentages", mean, style=1, dashed=True),
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
            _team_predictability(pi, art[Metric.PREDICTABILITY], teams, ordered_teams),
            _predictability_source(data(Metric.PREDICTABILITY)),
            _predictability_notes(data(Metric.PREDICTABILITY)),
        ),
        card(
            Metric.FORECAST,
            _forecast(pi, data(Metric.FORECAST)),
            _forecast_source(data(Metric.FORECAST)),
            _forecast_notes(data(Metric.FORECAST)),
        ),
        card(
            Metric.CUMULATIVE_FLOW,
            _cumulative_flow(pi, data(Metric.CUMULATIVE_FLOW)),
            f"{data(Metric.CUMULATIVE_FLOW).get('features', 0)} features of {pi.name}, from their recorded state changes.",
        ),
        card(
            Metric.BURN_UP,
            _burn_up(pi, data(Metric.BURN_UP), "features"),
            _burn_up_source(data(Metric.BURN_UP), "features"),
        ),
        card(
            Metric.BURN_UP,
            _burn_up(pi, data(Metric.BURN_UP), "points"),
            _burn_up_source(data(Metric.BURN_UP), "points"),
        ),
        card(
            Metric.FLOW_TIME,
            _flow_time(pi, data(Metric.FLOW_TIME)),
            f"{data(Metric.FLOW_TIME).get('count', 0)} features done in {pi.name} with a recorded start.",
        ),
        card(
            Metric.FLOW_LOAD,
            _wip(pi, data(Metric.FLOW_LOAD)),
            "Features started and not done at the end of each day.",
            _little_notes(data(Metric.FLOW_LOAD)),
        ),
        card(
            Metric.FLOW_DISTRIBUTION,
            _distribution(pi, data(Metric.FLOW_DISTRIBUTION)),
            f"{data(Metric.FLOW_DISTRIBUTION).get('done', 0)} features done, "
            f"{data(Metric.FLOW_DISTRIBUTION).get('points', 0)} story points.",
        ),
        card(
            Metric.LOAD,
            _load(pi, data(Metric.LOAD)),
            "Σ story points planned per iteration against 8 × FTE − days off (or the team's override).",
        ),
        card(
            Metric.BLOCKER_RESOLUTION,
            _aging(pi, data(Metric.BLOCKER_RESOLUTION), data(Metric.DEPENDENCY_AGING)),
            f"{data(Metric.BLOCKER_RESOLUTION).get('open_count', 0)} impediments open, "
            f"{data(Metric.DEPENDENCY_AGING).get('unresolved', 0)} dependencies unresolved at the end of the period.",
        ),
    ]
    tiles = _tiles(art)
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
        predictability_text = _pct(value(Metric.PREDICTABILITY))
        if predictability and predictability.data.get("reason") == "not_scored_yet":
            predictability_text = f"— ({NOT_SCORED_TEXT})"
        forecast = figures.get(Metric.FORECAST)
        forecast_text = _pct(value(Metric.FORECAST))
        if forecast and forecast.data.get("reason") == "pi_ended":
            forecast_text = f"{forecast.data['done']} of {forecast.data['committed']} done"
        team_rows.append(
            TeamRow(
                names[team_id][1],
                [
                    predictability_text,
                    fmt(value(Metric.FLOW_VELOCITY), "", 0),
                    _days(value(Metric.FLOW_TIME)),
                    _pct(value(Metric.FLOW_EFFICIENCY)),
                    _pct(value(Metric.CARRY_OVER)),
                    _pct(value(Metric.ITERATION_COMPLETION)),
                    _pct(value(Metric.LOAD)),
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
        load_matrix={
            "iterations": [cell["iteration"] for cell in load.get("iterations", [])],
            "teams": load.get("teams", []),
        },
        oldest_impediments=data(Metric.BLOCKER_RESOLUTION).get("oldest", []),
        oldest_dependencies=data(Metric.DEPENDENCY_AGING).get("oldest", []),
        computed_at=max(snapshot.computed_at for snapshot in art.values()),
        as_of=_as_of(art[Metric.PREDICTABILITY].data),
    )


def _tiles(art: dict[str, Snapshot]) -> list[Tile]:
    get = art.get
    tiles = []
    predictability = get(Metric.PREDICTABILITY)
    if predictability:
        reason = predictability.data.get("reason")
        value = predictability.value
        status = "" if value is None else ("good" if 80 <= value <= 100 else "warn")
        tiles.append(
            Tile(
                "Predictability (ART)",
                _pct(value),
                NOT_SCORED_TEXT
                if reason == "not_scored_yet"
                else f"mean of team % {_pct(predictability.data.get('mean_of_teams'))} · band 80–100 %",
                status,
            )
        )
    forecast = get(Metric.FORECAST)
    if forecast:
        data = forecast.data
        if data.get("reason") == "pi_ended":
            at_start = data.get("at_start", {}).get("probability")
            tiles.append(
                Tile(
                    "Committed features done",
                    f"{data['done']} of {data['committed']}",
                    "PI ended · forecast at its start " + ("—" if at_start is None else _pct(100 * at_start)),
                    "good" if data["done"] == data["committed"] else "warn",
                )
            )
        else:
            probability = forecast.value
            status = (
                ""
                if probability is None
                else ("good" if probability >= 85 else "warn" if probability >= 50 else "bad")
            )
            if probability is None:
                detail = REASONS.get(data.get("reason"), "").split(": ", 1)[-1]
            elif data.get("remaining") == 0:
                detail = f"all {data.get('committed', 0)} committed features done"
            else:
                detail = f"{data.get('remaining', 0)} committed left · 85 % by {_date(data.get('date_85'))}"
            tiles.append(Tile("Forecast: done by PI end", _pct(probability), detail, status))
    velocity = get(Metric.FLOW_VELOCITY)
    if velocity:
        tiles.append(Tile("Flow velocity", fmt(velocity.value, "", 0), "features done in the PI"))
    flow = get(Metric.FLOW_TIME)
    if flow:
        tiles.append(
            Tile(
                "Flow time", _days(flow.value), f"median · 85th percentile {_days(flow.data.get('p85_days'))}"
            )
        )
    efficiency = get(Metric.FLOW_EFFICIENCY)
    if efficiency:
        tiles.append(
            Tile(
                "Flow efficiency",
                _pct(efficiency.value),
                f"waiting {_days(efficiency.data.get('waiting_days'))} in total",
            )
        )
    wip = get(Metric.FLOW_LOAD)
    if wip:
        tiles.append(
            Tile(
                "Flow load (WIP)",
                fmt(wip.value, "", 0),
                f"mean {fmt(wip.data.get('mean_wip'), '', 1)} over the PI",
            )
        )
    carry = get(Metric.CARRY_OVER)
    completion = get(Metric.ITERATION_COMPLETION)
    if carry and completion:
        tiles.append(
            Tile(
                "Iteration completion",
                _pct(completion.value),
                f"carry-over {_pct(carry.value)} · ended iterations: {carry.data.get('ended_iterations', 0)}",
            )
        )
    confidence = get(Metric.CONFIDENCE)
    if confidence:
        accepted = confidence.data.get("accepted")
        tiles.append(
            Tile(
                "Confidence vote (ART)",
                fmt(confidence.value, "", 1),
                f"{confidence.data.get('voters', 0)} voters · "
                + ("accepted" if accepted else "needs rework" if accepted is False else "no votes"),
                "good" if accepted else "bad" if accepted is False else "",
            )
        )
    blockers = get(Metric.BLOCKER_RESOLUTION)
    if blockers:
        tiles.append(
            Tile(
                "Blocker resolution",
                _days(blockers.value),
                f"median · {blockers.data.get('open_count', 0)} open, oldest {_days(blockers.data.get('open_max_days'))}",
            )
        )
    improvements = get(Metric.IMPROVEMENT_THROUGHPUT)
    if improvements:
        tiles.append(
            Tile(
                "Improvement throughput",
                _pct(improvements.value),
                f"{improvements.data.get('done', 0)} of {improvements.data.get('taken', 0)} items taken in",
            )
        )
    return tiles


def _date(iso: str | None) -> str:
    if not iso:
        return "after the horizon"
    return date_format(date.fromisoformat(iso), "j M Y")


# --- the PI's charts -------------------------------------------------------------------------------


def _team_predictability(pi, art: Snapshot, teams: dict, ordered: list[int]) -> Chart:
    with_figure = [
        teams[team_id][Metric.PREDICTABILITY]
        for team_id in ordered
        if Metric.PREDICTABILITY in teams[team_id]
    ]
    names = [snapshot.team.name for snapshot in with_figure]
    values = [snapshot.value for snapshot in with_figure]
    message = REASONS.get(art.data.get("reason"), "No team has a figure")
    return charts.bar_chart(
        id="chart-predictability-teams",
        title=f"Predictability per team, {pi.name}",
        description=f"Predictability of each team in {pi.name}: "
        + ", ".join(f"{name} {_pct(value)}" for name, value in zip(names, values, strict=True))
        + f". ART (pooled) {_pct(art.value)}, mean of teams {_pct(art.data.get('mean_of_teams'))}. Healthy band 80–100 %.",
        categories=names,
        series=[Series("Predictability", values, style=0)],
        x_label="Team",
        y_label="Predictability (%)",
        unit="%",
        band=(80.0, 100.0),
        band_label="healthy 80–100 %",
        lines=[Line("ART (pooled)", art.value, style=7)] if art.value is not None else [],
        empty_message=message.split(":")[0],
    )


def _predictability_source(data: dict) -> str:
    return (
        f"Σ actual BV {data.get('actual_bv', 0)} of {data.get('scored', 0)} scored objectives / "
        f"Σ planned BV {data.get('planned_committed_bv', 0)} of committed objectives "
        f"({data.get('objectives', 0)} objectives)."
    )


def _predictability_notes(data: dict) -> list[str]:
    notes = []
    if data.get("reason"):
        notes.append(REASONS[data["reason"]])
    elif data.get("teams_not_scored"):
        notes.append(
            f"{data['teams_not_scored']} team(s) not scored yet: their planned value already counts."
        )
    if data.get("mean_of_teams") is not None:
        notes.append(f"Mean of the team percentages: {_pct(data['mean_of_teams'])}.")
    return notes


def _forecast(pi, data: dict) -> Chart:
    ended = data.get("reason") == "pi_ended"
    # An ended PI shows what the forecast said at its start, for comparison with the outcome.
    shown = data.get("at_start", {}) if ended else data
    rows = shown.get("by_end", [])
    # Two-line tick labels: the iteration ("PI end" for the last), then its end date.
    labels = [
        ("PI end" if row["end"] == shown.get("deadline") else row["iteration"])
        + f"\n{_day_label(row['end'])}"
        for row in rows
    ]
    message = REASONS.get(shown.get("reason"), "Nothing left to forecast").split(":")[0]
    if shown.get("remaining") == 0 and shown.get("reason") is None:
        message = "Every committed feature is done"
    probability = None if shown.get("probability") is None else 100 * shown["probability"]
    return charts.bar_chart(
        id="chart-forecast",
        title=f"Forecast at the start of {pi.name}"
        if ended
        else f"Forecast: remaining committed features, {pi.name}",
        description=f"Monte Carlo forecast of the {shown.get('remaining', 0)} "
        + ("committed features, as at the PI's start" if ended else "remaining committed features")
        + f": {_pct(probability)} chance to finish by the PI's end; 85 % of {shown.get('trials', 0)} trials "
        f"finish by {_date(shown.get('date_85'))}."
        + (f" Outcome: {data.get('done', 0)} of {data.get('committed', 0)} done." if ended else ""),
        categories=labels,
        series=[Series("Trials finished by then", [100 * row["share"] for row in rows], style=2)],
        x_label="Iteration end",
        y_label="Trials finished (%)",
        unit="%",
        lines=[Line("85 % of trials", 85.0, style=7, show_value=False)],
        empty_message=message,
    )


def _forecast_source(data: dict) -> str:
    ended = data.get("reason") == "pi_ended"
    shown = data.get("at_start", {}) if ended else data
    history = shown.get("history", [])
    basis = (
        f"throughput of {len(history)} past iterations (mean {fmt(shown.get('throughput_mean'), '', 1)} per "
        f"iteration); {shown.get('trials', 0)} trials."
    )
    if ended:
        return f"{data.get('committed', 0)} committed features to do at the PI's start; {basis}"
    return f"{data.get('remaining', 0)} of {data.get('committed', 0)} committed features left; {basis}"


def _forecast_notes(data: dict) -> list[str]:
    if data.get("reason") == "pi_ended":
        at_start = data.get("at_start", {})
        probability = at_start.get("probability")
        outcome = (
            f"Outcome: {data.get('done', 0)} of {data.get('committed', 0)} committed features were done by the "
            "PI's end."
        )
        if probability is None:
            return [outcome, "No forecast at its start: no earlier iteration to take throughput from."]
        return [f"{outcome} At its start the forecast gave {_pct(100 * probability)}."]
    notes = []
    if data.get("reason") in REASONS:
        notes.append(REASONS[data["reason"]])
    if data.get("done_in_current_iteration"):
        notes.append(
            f"The current iteration is simulated whole: the {data['done_in_current_iteration']} feature(s) "
            "already done in it are added to what remains."
        )
    return notes


def _cumulative_flow(pi, data: dict) -> Chart:
    days = data.get("days", [])
    series_data = data.get("series", {})
    states = [state for state in CFD_ORDER if any(series_data.get(state, []))]
    series = [
        Series(STATE_LABELS.get(state, state), series_data[state], style=index)
        for index, state in enumerate(states)
    ]
    last = {STATE_LABELS.get(state, state): series_data[state][-1] for state in states} if days else {}
    return charts.stacked_area_chart(
        id="chart-cfd",
        title=f"Cumulative flow of features, {pi.name}",
        description="Features in each Kanban state at the end of each day"
        + (f" from {_day_label(days[0])} to {_day_label(days[-1])}; on the last day " if days else "")
        + ", ".join(f"{name} {count}" for name, count in last.items())
        + ".",
        x_labels=[_day_label(day) for day in days],
        series=series,
        x_label="Day",
        y_label="Features",
        empty_message="No feature in this PI yet" if days else "The PI has not started yet",
        wide=True,
    )


def _burn_up_source(data: dict, what: str) -> str:
    if what == "features":
        return f"Committed features done by each day; scope: today's {data.get('features_scope', 0)} committed features."
    return (
        f"Story points done by each day; scope: the {data.get('points_scope', 0)} points of the PI's stories."
    )


# The two burn-ups of one snapshot: what is counted, its series' name and style, the y axis.
BURN_UPS = {
    "features": ("committed features", "Committed features done", 0, "Features"),
    "points": ("story points", "Story points done", 1, "Story points"),
}


def _burn_up(pi, data: dict, what: str) -> Chart:
    counted, done_name, style, y_label = BURN_UPS[what]
    days = data.get("days", [])
    done = data.get(f"{what}_done", [])
    scope = data.get(f"{what}_scope", 0)
    return charts.line_chart(
        id=f"chart-burnup-{what}",
        title=f"Burn-up of {counted}, {pi.name}",
        description=f"{done_name}: {fmt(done[-1] if done else None, '', 0)} of {scope}"
        + (f" on {_day_label(days[-1])}." if days else "."),
        x_labels=[_day_label(day) for day in days],
        series=[
            Series(done_name, done, style=style),
            Series("Scope", [scope] * len(days), style=7, dashed=True),
        ],
        x_label="Day",
        y_label=y_label,
        digits=0,
        markers=False,
        empty_message="The PI has not started yet",
    )


def _flow_time(pi, data: dict) -> Chart:
    points = [
        Point(
            date.fromisoformat(point["done"]),
            point["days"],
            f"{point['title']} ({KIND_LABELS.get(point['kind'], point['kind'])})",
            KIND_STYLES.get(point["kind"], 0),
        )
        for point in data.get("points", [])
    ]
    lines = []
    if data.get("median_days") is not None:
        lines.append(Line("Median", data["median_days"], style=7))
    if data.get("p85_days") is not None:
        lines.append(Line("85th percentile", data["p85_days"], style=5))
    kinds = sorted(
        {point["kind"] for point in data.get("points", [])}, key=lambda kind: KIND_STYLES.get(kind, 0)
    )
    return charts.scatter_chart(
        id="chart-flow-time",
        title=f"Flow time of done features, {pi.name}",
        description=f"{len(points)} features: days from first entry into Implementing to Done, by the day they were "
        f"done. Median {_days(data.get('median_days'))}, 85th percentile {_days(data.get('p85_days'))}.",
        points=points,
        x_label="Done on",
        y_label="Flow time (days)",
        unit="d",
        lines=lines,
        legend=[(KIND_LABELS.get(kind, kind), KIND_STYLES.get(kind, 0)) for kind in kinds],
        empty_message="No feature done yet",
    )


def _wip(pi, data: dict) -> Chart:
    series = data.get("series", [])
    return charts.line_chart(
        id="chart-wip",
        title=f"Flow load (WIP), {pi.name}",
        description=f"Features in progress at the end of each day; mean {fmt(data.get('mean_wip'), '', 1)}"
        + (f", {series[-1][1]} on {_day_label(series[-1][0])}." if series else "."),
        x_labels=[_day_label(day) for day, _ in series],
        series=[Series("Features in progress", [count for _, count in series], style=4)],
        x_label="Day",
        y_label="Features in progress",
        digits=0,
        markers=False,
        empty_message="The PI has not started yet",
    )


def _little_notes(data: dict) -> list[str]:
    law = data.get("littles_law")
    if not law or law.get("ratio") is None:
        return []
    return [
        f"Little's law check: mean WIP {fmt(law['actual_wip'], '', 1)} against velocity × mean flow time "
        f"{fmt(law['expected_wip'], '', 1)} (ratio {fmt(law['ratio'], '', 2)}; near 1 over a stable window)."
    ]


def _distribution(pi, data: dict) -> Chart:
    kinds = data.get("kinds", {})
    names = [KIND_LABELS.get(kind, kind) for kind in kinds]
    return charts.bar_chart(
        id="chart-distribution",
        title=f"Flow distribution of done features, {pi.name}",
        description="Share of done features by kind: "
        + ", ".join(
            f"{KIND_LABELS.get(kind, kind)} {_pct(row['count_share'])} of items and {_pct(row['points_share'])} of points"
            for kind, row in kinds.items()
        )
        + ".",
        categories=names,
        series=[
            Series("Share of items", [row["count_share"] for row in kinds.values()], style=0),
            Series("Share of story points", [row["points_share"] for row in kinds.values()], style=1),
        ],
        x_label="Kind",
        y_label="Share (%)",
        unit="%",
        empty_message="No feature done yet",
    )


def _load(pi, data: dict) -> Chart:
    cells = data.get("iterations", [])
    return charts.bar_chart(
        id="chart-load",
        title=f"Load against capacity per iteration, {pi.name}",
        description="Story points planned and capacity per iteration, all teams: "
        + ", ".join(f"{c['iteration']} {fmt(c['load'], '', 0)} of {fmt(c['capacity'], '', 0)}" for c in cells)
        + ".",
        categories=[cell["iteration"] for cell in cells],
        series=[
            Series("Load (points planned)", [cell["load"] for cell in cells], style=0),
            Series("Capacity (points)", [cell["capacity"] for cell in cells], style=5),
        ],
        x_label="Iteration",
        y_label="Story points",
        digits=0,
        empty_message="No iteration planned",
    )


def _aging(pi, impediments: dict, dependencies: dict) -> Chart:
    imp = impediments.get("series", [])
    dep = dependencies.get("series", [])
    days = [row[0] for row in imp] or [row[0] for row in dep]
    return charts.line_chart(
        id="chart-aging",
        title=f"Impediment and dependency aging, {pi.name}",
        description="Age in days of the oldest and the median open impediment and unresolved dependency at "
        f"the end of each day. Now: {impediments.get('open_count', 0)} impediments open (oldest "
        f"{_days(impediments.get('open_max_days'))}), {dependencies.get('unresolved', 0)} dependencies "
        f"unresolved (oldest {_days((dependencies.get('by_state', {}).get('all') or {}).get('max_days'))}).",
        x_labels=[_day_label(day) for day in days],
        series=[
            Series("Oldest open impediment", [row[3] for row in imp], style=2),
            Series("Median open impediment", [row[2] for row in imp], style=2, dashed=True),
            Series("Oldest unresolved dependency", [row[3] for row in dep], style=0),
            Series("Median unresolved dependency", [row[2] for row in dep], style=0, dashed=True),
        ],
        x_label="Day",
        y_label="Age (days)",
        unit="d",
        markers=False,
        empty_message="Nothing open during the PI",
        wide=True,
    )
