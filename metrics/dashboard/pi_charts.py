"""The charts of one PI's dashboard, each with the words that go with it: where its numbers come from
(`*_source`) and what explains a gap or a surprise (`*_notes`). They read the `data` of the ART's
stored snapshots only."""

from __future__ import annotations

from datetime import date

from planning.models import Feature

from .. import charts
from ..charts import Chart, Line, Point, Series, fmt
from ..models import Snapshot
from .common import (
    PREDICTABILITY_EDGES,
    REASONS,
    date_text,
    duration,
    iso_day_label,
    pct,
    predictability_partial,
)

Metric = Snapshot.Metric

# Cumulative flow, bottom-up: done first, so the bands read like the Kanban from right to left.
CFD_ORDER = tuple(reversed(Feature.State.values))
KIND_STYLES = {kind: index for index, kind in enumerate(Feature.Kind.values)}
KIND_LABELS = dict(Feature.Kind.choices)
STATE_LABELS = dict(Feature.State.choices)


def team_predictability(pi, art: Snapshot, teams: dict, ordered: list[int]) -> Chart:
    with_figure = [
        teams[team_id][Metric.PREDICTABILITY]
        for team_id in ordered
        if Metric.PREDICTABILITY in teams[team_id]
    ]
    names = [snapshot.team.name for snapshot in with_figure]
    values = [snapshot.value for snapshot in with_figure]
    partial = [predictability_partial(snapshot.data) for snapshot in with_figure]
    art_partial = predictability_partial(art.data)
    message = REASONS.get(art.data.get("reason"), "No team has a figure")
    return charts.bar_chart(
        id="chart-predictability-teams",
        title=f"Predictability per team, {pi.name}",
        description=f"Predictability of each team in {pi.name}: "
        + ", ".join(
            f"{name} {pct(value, PREDICTABILITY_EDGES)}" + (f" ({note})" if note else "")
            for name, value, note in zip(names, values, partial, strict=True)
        )
        + f". ART (pooled) {pct(art.value, PREDICTABILITY_EDGES)}"
        + (f" ({art_partial})" if art_partial else "")
        + f", mean of teams {pct(art.data.get('mean_of_teams'), PREDICTABILITY_EDGES)}. Healthy band 80–100 %.",
        categories=names,
        series=[Series("Predictability", values, style=0, notes=partial)],
        x_label="Team",
        y_label="Predictability (%)",
        unit="%",
        band=(80.0, 100.0),
        band_label="healthy 80–100 %",
        lines=[Line("ART (pooled, partial)" if art_partial else "ART (pooled)", art.value, style=7)]
        if art.value is not None
        else [],
        empty_message=message.split(":")[0],
    )


def predictability_source(data: dict) -> str:
    return (
        f"Σ actual BV {data.get('actual_bv', 0)} of {data.get('scored', 0)} scored objectives / "
        f"Σ planned BV {data.get('planned_committed_bv', 0)} of committed objectives "
        f"({data.get('objectives', 0)} objectives)."
    )


def predictability_notes(data: dict) -> list[str]:
    notes = []
    if data.get("reason"):
        notes.append(REASONS[data["reason"]])
    elif predictability_partial(data):
        notes.append(
            f"The ART figure is {predictability_partial(data)}: not final. Committed objectives not yet "
            "scored count in the plan and not yet in the actuals, so it can only rise as scoring goes on."
        )
    if not data.get("reason") and data.get("teams_not_scored"):
        notes.append(
            f"{data['teams_not_scored']} team(s) not scored yet: their planned value already counts."
        )
    if data.get("mean_of_teams") is not None:
        notes.append(f"Mean of the team percentages: {pct(data['mean_of_teams'], PREDICTABILITY_EDGES)}.")
    return notes


def forecast(pi, data: dict) -> Chart:
    ended = data.get("reason") == "pi_ended"
    # An ended PI shows what the forecast said at its start, for comparison with the outcome.
    shown = data.get("at_start", {}) if ended else data
    rows = shown.get("by_end", [])
    # Two-line tick labels: the iteration ("PI end" for the last), then its end date.
    labels = [
        ("PI end" if row["end"] == shown.get("deadline") else row["iteration"])
        + f"\n{iso_day_label(row['end'])}"
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
        + f": {pct(probability)} chance to finish by the PI's end; 85 % of {shown.get('trials', 0)} trials "
        f"finish by {date_text(shown.get('date_85'))}."
        + (f" Outcome: {data.get('done', 0)} of {data.get('committed', 0)} done." if ended else ""),
        categories=labels,
        series=[Series("Trials finished by then", [100 * row["share"] for row in rows], style=2)],
        x_label="Iteration end",
        y_label="Trials finished (%)",
        unit="%",
        lines=[Line("85 % of trials", 85.0, style=7, show_value=False)],
        empty_message=message,
    )


def forecast_source(data: dict) -> str:
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


def forecast_notes(data: dict) -> list[str]:
    if data.get("reason") == "pi_ended":
        at_start = data.get("at_start", {})
        probability = at_start.get("probability")
        outcome = (
            f"Outcome: {data.get('done', 0)} of {data.get('committed', 0)} committed features were done by the "
            "PI's end."
        )
        if probability is None:
            return [outcome, "No forecast at its start: no earlier iteration to take throughput from."]
        return [f"{outcome} At its start the forecast gave {pct(100 * probability)}."]
    notes = []
    if data.get("reason") in REASONS:
        notes.append(REASONS[data["reason"]])
    if data.get("done_in_current_iteration"):
        notes.append(
            f"The current iteration is simulated whole: the {data['done_in_current_iteration']} feature(s) "
            "already done in it are added to what remains."
        )
    return notes


def cumulative_flow(pi, data: dict) -> Chart:
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
        + (f" from {iso_day_label(days[0])} to {iso_day_label(days[-1])}; on the last day " if days else "")
        + ", ".join(f"{name} {count}" for name, count in last.items())
        + ".",
        x_labels=[iso_day_label(day) for day in days],
        series=series,
        x_label="Day",
        y_label="Features",
        empty_message="No feature in this PI yet" if days else "The PI has not started yet",
        wide=True,
    )


def burn_up_source(data: dict, what: str) -> str:
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


def burn_up(pi, data: dict, what: str) -> Chart:
    counted, done_name, style, y_label = BURN_UPS[what]
    days = data.get("days", [])
    done = data.get(f"{what}_done", [])
    scope = data.get(f"{what}_scope", 0)
    return charts.line_chart(
        id=f"chart-burnup-{what}",
        title=f"Burn-up of {counted}, {pi.name}",
        description=f"{done_name}: {fmt(done[-1] if done else None, '', 0)} of {scope}"
        + (f" on {iso_day_label(days[-1])}." if days else "."),
        x_labels=[iso_day_label(day) for day in days],
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


def flow_time(pi, data: dict) -> Chart:
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
        f"done. Median {duration(data.get('median_days'))}, 85th percentile {duration(data.get('p85_days'))}.",
        points=points,
        x_label="Done on",
        y_label="Flow time (days)",
        unit="d",
        lines=lines,
        legend=[(KIND_LABELS.get(kind, kind), KIND_STYLES.get(kind, 0)) for kind in kinds],
        empty_message="No feature done yet",
    )


def wip(pi, data: dict) -> Chart:
    series = data.get("series", [])
    return charts.line_chart(
        id="chart-wip",
        title=f"Flow load (WIP), {pi.name}",
        description=f"Features in progress at the end of each day; mean {fmt(data.get('mean_wip'), '', 1)}"
        + (f", {series[-1][1]} on {iso_day_label(series[-1][0])}." if series else "."),
        x_labels=[iso_day_label(day) for day, _ in series],
        series=[Series("Features in progress", [count for _, count in series], style=4)],
        x_label="Day",
        y_label="Features in progress",
        digits=0,
        markers=False,
        empty_message="The PI has not started yet",
    )


def little_notes(data: dict) -> list[str]:
    """Little's law (work in progress = pace of delivery × flow time), in the RTE's words."""
    law = data.get("littles_law")
    if not law or law.get("ratio") is None:
        return []
    note = (
        f"On average {fmt(law['actual_wip'], '', 1)} features were in progress; the pace at which features "
        f"were finished and the time each took account for {fmt(law['expected_wip'], '', 1)}."
    )
    if law["ratio"] > 1.2:
        note += " More work is started than is finished: finishing before starting shortens flow time."
    elif law["ratio"] < 0.8:
        note += (
            " Fewer are open than that: work is finished faster than new work starts (as near a PI's end)."
        )
    else:
        note += " The two agree: work flows steadily."
    return [note]


def distribution(pi, data: dict) -> Chart:
    kinds = data.get("kinds", {})
    names = [KIND_LABELS.get(kind, kind) for kind in kinds]
    return charts.bar_chart(
        id="chart-distribution",
        title=f"Flow distribution of done features, {pi.name}",
        description="Share of done features by kind: "
        + ", ".join(
            f"{KIND_LABELS.get(kind, kind)} {pct(row['count_share'])} of items and {pct(row['points_share'])} of points"
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


def load(pi, data: dict) -> Chart:
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


def aging(pi, impediments: dict, dependencies: dict) -> Chart:
    imp = impediments.get("series", [])
    dep = dependencies.get("series", [])
    days = [row[0] for row in imp] or [row[0] for row in dep]
    return charts.line_chart(
        id="chart-aging",
        title=f"Impediment and dependency aging, {pi.name}",
        description="Age in days of the oldest and the median open impediment and unresolved dependency at "
        f"the end of each day. Now: {impediments.get('open_count', 0)} impediments open (oldest "
        f"{duration(impediments.get('open_max_days'))}), {dependencies.get('unresolved', 0)} dependencies "
        f"unresolved (oldest {duration((dependencies.get('by_state', {}).get('all') or {}).get('max_days'))}).",
        x_labels=[iso_day_label(day) for day in days],
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
