"""The dashboard's Delivery section: the four DORA figures and the defect escape rate of one PI, for the
ART and each team, each with its definition and DORA level, a per-iteration table, and trend charts
across PIs. Built from stored snapshots only (metrics/figures/delivery.py computes them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from planning.models import ProgramIncrement

from .. import charts
from .. import delivery_calculations as calc
from ..charts import Series, fmt
from ..figures.delivery import DEFINITIONS, DELIVERY_METRICS, DORA_METRICS
from ..models import Snapshot
from .common import pct
from .page import Card, _as_of

Metric = Snapshot.Metric

LABELS = {
    Metric.DEPLOYMENT_FREQUENCY: "Deployment frequency",
    Metric.LEAD_TIME_FOR_CHANGE: "Lead time for change",
    Metric.CHANGE_FAILURE_RATE: "Change failure rate",
    Metric.TIME_TO_RESTORE: "Time to restore",
    Metric.DEFECT_ESCAPE_RATE: "Defect escape rate",
}
LEVEL_NAMES = {calc.ELITE: "Elite", calc.HIGH: "High", calc.MEDIUM: "Medium", calc.LOW: "Low"}
CHANGE_FAILURE_EDGES = (calc.CHANGE_FAILURE_HEALTHY_BELOW,)
BAND_TEXT = f"healthy below {calc.CHANGE_FAILURE_HEALTHY_BELOW:.0f} %"

# Why a figure is missing (figures.delivery's `reason`), in words.
REASONS = {
    "not_started": "No figure: the PI has not started yet.",
    "no_deployments": "No figure: no production deployment recorded in the window.",
    "no_delivered_deployments": "No figure: no production deployment in the window was delivered (all failed or were rolled back).",
    "no_change_times": "No figure: the delivered deployments carry no commit or merge time.",
    "nothing_restored": "No figure: no incident or failed deployment was restored in the window.",
    "no_defects": "No figure: no defect found in the window.",
}


NBSP = "\u00a0"  # a number and its unit never part at a line's end


def hours_text(hours: float | None) -> str:
    """A duration for people: minutes under an hour, hours under two days, days beyond."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{hours * 60:.0f}{NBSP}min"
    if hours < 48:
        return f"{hours:.1f}{NBSP}h"
    return f"{hours / 24:.1f}{NBSP}days"


def frequency_text(per_week: float | None) -> str:
    """Per week, or per day above 7 a week (domain: "shown per week; per day when above 7")."""
    if per_week is None:
        return "—"
    if per_week > calc.DAYS_PER_WEEK:
        return f"{per_week / calc.DAYS_PER_WEEK:.1f} per day"
    return f"{per_week:.1f} per week"


def value_text(metric: str, value: float | None, data: dict | None = None) -> str:
    if metric == Metric.DEPLOYMENT_FREQUENCY:
        return frequency_text(value)
    if metric == Metric.LEAD_TIME_FOR_CHANGE:
        text = hours_text(value)
        p85 = (data or {}).get("p85_hours")
        return text if value is None or p85 is None else f"{text} · 85th{NBSP}{hours_text(p85)}"
    if metric == Metric.TIME_TO_RESTORE:
        return hours_text(value)
    if metric == Metric.CHANGE_FAILURE_RATE:
        return pct(value, CHANGE_FAILURE_EDGES)
    return pct(value)


def level_text(level: str | None) -> str:
    return LEVEL_NAMES.get(level, "") if level else ""


@dataclass
class DeliveryFigure:
    """One of the five for the ART: its value, what it rests on, its level and its definition."""

    metric: str
    label: str
    value: str
    detail: str
    definition: str
    level: str = ""  # "Elite", "High", …; "" for none
    level_band: str = ""  # the report's words for that level
    status: str = ""  # "good" / "bad" against the change failure band; "" where there is no band
    reason: str = ""  # why there is no figure, in words


@dataclass
class DeliveryCell:
    text: str
    level: str = ""


@dataclass
class DeliveryRow:
    name: str
    cells: list[DeliveryCell]


@dataclass
class DeliverySection:
    pi: ProgramIncrement
    figures: list[DeliveryFigure]
    columns: list[str]
    rows: list[DeliveryRow]  # the ART first, then each team
    iterations: list[DeliveryRow]  # the ART's figures per iteration
    open_incidents: list[dict]
    open_summary: str
    cards: list[Card]  # the trends across PIs
    computed_at: datetime | None
    as_of: str = ""  # the moment the figures describe, in words
    source: str = calc.DORA_SOURCE
    level_table: list[dict] = field(default_factory=list)


def _detail(metric: str, data: dict) -> str:
    if metric == Metric.DEPLOYMENT_FREQUENCY:
        return (
            f"{data.get('delivered', 0)} delivered of {data.get('deployments', 0)} production deployments "
            f"in {fmt(data.get('days'), '', 0)} days"
        )
    if metric == Metric.LEAD_TIME_FOR_CHANGE:
        detail = (
            f"median · 85th percentile {hours_text(data.get('p85_hours'))} · "
            f"{data.get('count', 0)} delivered deployments"
        )
        if data.get("from_merge"):
            detail += f" ({data['from_merge']} timed from the merge)"
        if data.get("without_change_time"):
            detail += f"; {data['without_change_time']} without a commit or merge time, not counted"
        return detail
    if metric == Metric.CHANGE_FAILURE_RATE:
        return (
            f"{data.get('failures', 0)} of {data.get('deployments', 0)} production deployments "
            f"(failed {data.get('not_succeeded', 0)}, rolled back {data.get('rolled_back', 0)}, "
            f"caused an incident {data.get('caused_incident', 0)}) · {BAND_TEXT}"
        )
    if metric == Metric.TIME_TO_RESTORE:
        return (
            f"median of {data.get('restored', 0)} restored ({data.get('incidents_restored', 0)} incidents, "
            f"{data.get('deployments_restored', 0)} failed deployments) · {open_text(data)}"
        )
    return (
        f"{data.get('production', 0)} of {data.get('total', 0)} defects found in production "
        f"({data.get('before_release', 0)} before release)"
    )


def open_text(data: dict) -> str:
    incidents = data.get("open_incidents", 0)
    text = f"{incidents} incident{'s' if incidents != 1 else ''} open"
    if incidents:
        text += f", the oldest for {hours_text(data.get('oldest_open_incident_hours'))}"
    failing = data.get("open_failed_deployments", 0)
    if failing:
        text += (
            f"; {failing} failed deployment{'s' if failing != 1 else ''} not yet followed by a delivered one "
            f"(oldest {hours_text(data.get('oldest_failed_deployment_hours'))})"
        )
    return text


def _figure(metric: str, snapshot: Snapshot | None) -> DeliveryFigure:
    if snapshot is None:
        return DeliveryFigure(
            metric, LABELS[metric], "—", "Not computed yet.", DEFINITIONS[metric], reason="Not computed yet."
        )
    data = snapshot.data
    status = ""
    if metric == Metric.CHANGE_FAILURE_RATE and data.get("healthy") is not None:
        status = "good" if data["healthy"] else "bad"
    reason = REASONS.get(data.get("reason"), "") if snapshot.value is None else ""
    detail = _detail(metric, data)
    if reason and metric == Metric.TIME_TO_RESTORE:
        detail = open_text(data)  # open incidents are reported even when nothing was restored
    elif reason:
        detail = ""
    return DeliveryFigure(
        metric=metric,
        label=LABELS[metric],
        # The tile's number is the headline alone (the lead time's 85th percentile is in its detail).
        value=value_text(metric, snapshot.value),
        detail=detail,
        definition=DEFINITIONS[metric],
        level=level_text(data.get("level")),
        level_band=data.get("level_band") or "",
        status=status,
        reason=reason,
    )


def _cell(metric: str, snapshot: Snapshot | None) -> DeliveryCell:
    if snapshot is None:
        return DeliveryCell("—")
    return DeliveryCell(
        value_text(metric, snapshot.value, snapshot.data), level_text(snapshot.data.get("level"))
    )


def _iteration_rows(art: dict[str, Snapshot]) -> list[DeliveryRow]:
    by_iteration: dict[str, dict[str, DeliveryCell]] = {}
    for metric in DELIVERY_METRICS:
        snapshot = art.get(metric)
        for row in snapshot.data.get("by_iteration", []) if snapshot else []:
            if metric == Metric.DEPLOYMENT_FREQUENCY:
                cell = DeliveryCell(frequency_text(row["per_week"]), level_text(row.get("level")))
            elif metric == Metric.LEAD_TIME_FOR_CHANGE:
                cell = DeliveryCell(
                    value_text(metric, row["median_hours"], row), level_text(row.get("level"))
                )
            elif metric == Metric.CHANGE_FAILURE_RATE:
                cell = DeliveryCell(
                    value_text(metric, row["percent"])
                    + (f" ({row['failures']} of {row['deployments']})" if row["deployments"] else ""),
                    level_text(row.get("level")),
                )
            elif metric == Metric.TIME_TO_RESTORE:
                cell = DeliveryCell(hours_text(row["median_hours"]), level_text(row.get("level")))
            else:
                cell = DeliveryCell(
                    pct(row["percent"])
                    + (f" ({row['production']} of {row['total']})" if row["total"] else "")
                )
            by_iteration.setdefault(row["iteration"], {})[metric] = cell
    return [
        DeliveryRow(label, [cells.get(metric, DeliveryCell("—")) for metric in DELIVERY_METRICS])
        for label, cells in by_iteration.items()
    ]


def _level_table() -> list[dict]:
    table = []
    for metric in DORA_METRICS:
        scale = calc.DORA_LEVELS[metric]
        table.append(
            {
                "label": LABELS[metric],
                "unit": scale.unit,
                "levels": [scale.published(level) for level in calc.DORA_LEVEL_ORDER],
            }
        )
    return table


def delivery_section(
    pi: ProgramIncrement,
    snapshots: dict[tuple[str, int | None], Snapshot],
    across: Iterable[Snapshot],
) -> DeliverySection | None:
    """The section for one PI from its latest day of snapshots (`selectors.latest_pi_snapshots`) and
    the trend across PIs (`selectors.latest_snapshots_across_pis` with the delivery metrics; other
    metrics in it are ignored). None when the PI has no delivery figures computed yet."""
    art = {
        metric: s for (metric, team_id), s in snapshots.items() if team_id is None and metric in DEFINITIONS
    }
    if not art:
        return None
    teams: dict[int, dict[str, Snapshot]] = {}
    names: dict[int, tuple[int, str]] = {}
    for (metric, team_id), snapshot in snapshots.items():
        if team_id is not None and metric in DEFINITIONS:
            teams.setdefault(team_id, {})[metric] = snapshot
            names[team_id] = (snapshot.team.position, snapshot.team.name)
    rows = [DeliveryRow("ART (all teams)", [_cell(metric, art.get(metric)) for metric in DELIVERY_METRICS])]
    rows += [
        DeliveryRow(
            names[team_id][1], [_cell(metric, teams[team_id].get(metric)) for metric in DELIVERY_METRICS]
        )
        for team_id in sorted(teams, key=lambda team_id: names[team_id])
    ]
    restore = art.get(Metric.TIME_TO_RESTORE)
    return DeliverySection(
        pi=pi,
        figures=[_figure(metric, art.get(metric)) for metric in DELIVERY_METRICS],
        columns=[LABELS[metric] for metric in DELIVERY_METRICS],
        rows=rows,
        iterations=_iteration_rows(art),
        open_incidents=[
            {**row, "open_text": hours_text(row["open_hours"])}
            for row in (restore.data.get("open", []) if restore else [])
        ],
        open_summary=open_text(restore.data) if restore else "",
        cards=trend_cards(across),
        computed_at=max(snapshot.computed_at for snapshot in art.values()),
        as_of=_as_of(next(iter(art.values())).data),
        level_table=_level_table(),
    )


# --- across PIs ------------------------------------------------------------------------------------


def trend_cards(snapshots: Iterable[Snapshot]) -> list[Card]:
    """The ART's five figures per PI, oldest PI first; a PI without a figure is a gap, never 0."""
    by_metric: dict[str, dict[str, Snapshot]] = {metric: {} for metric in DELIVERY_METRICS}
    names: list[str] = []
    for snapshot in snapshots:
        if snapshot.team_id is not None or snapshot.metric not in by_metric:
            continue
        by_metric[snapshot.metric][snapshot.pi.name] = snapshot
        if snapshot.pi.name not in names:
            names.append(snapshot.pi.name)

    def values(metric: str, key: str | None = None) -> list[float | None]:
        rows = by_metric[metric]
        return [
            (rows[name].value if key is None else rows[name].data.get(key)) if name in rows else None
            for name in names
        ]

    def computed(metric: str) -> datetime | None:
        return max((s.computed_at for s in by_metric[metric].values()), default=None)

    def described(metric: str, texts: list[str]) -> str:
        shown = [
            f"{name} {text}" for name, text in zip(names, texts, strict=True) if name in by_metric[metric]
        ]
        return ", ".join(shown) or "none yet"

    def gaps(metric: str) -> list[str]:
        rows = by_metric[metric]
        return [
            f"{name}: {REASONS.get(rows[name].data.get('reason'), 'no figure.')}"
            for name in names
            if name in rows and rows[name].value is None
        ]

    frequency = values(Metric.DEPLOYMENT_FREQUENCY)
    lead, lead_p85 = values(Metric.LEAD_TIME_FOR_CHANGE), values(Metric.LEAD_TIME_FOR_CHANGE, "p85_hours")
    failure = values(Metric.CHANGE_FAILURE_RATE)
    restore = values(Metric.TIME_TO_RESTORE)
    escape = values(Metric.DEFECT_ESCAPE_RATE)
    source = f"The ART's figure of each PI, as at the PI's end (or the latest day computed). Levels: {calc.DORA_SOURCE}."
    return [
        Card(
            charts.bar_chart(
                id="chart-deployment-frequency-pis",
                title="Deployment frequency per PI",
                description="Delivered production deployments per week, per PI: "
                + described(Metric.DEPLOYMENT_FREQUENCY, [frequency_text(v) for v in frequency])
                + ".",
                categories=names,
                series=[Series("Delivered deployments per week", frequency, style=0)],
                x_label="Program Increment",
                y_label="Deployments per week",
                empty_message="No PI has production deployments yet",
            ),
            computed_at=computed(Metric.DEPLOYMENT_FREQUENCY),
            source=source,
            notes=gaps(Metric.DEPLOYMENT_FREQUENCY),
        ),
        Card(
            charts.line_chart(
                id="chart-lead-time-pis",
                title="Lead time for change per PI",
                description="Hours from the first commit to production, per PI: median "
                + described(Metric.LEAD_TIME_FOR_CHANGE, [hours_text(v) for v in lead])
                + "; the dashed line is the 85th percentile.",
                x_labels=names,
                series=[
                    Series("Median", lead, style=1),
                    Series("85th percentile", lead_p85, style=1, dashed=True),
                ],
                x_label="Program Increment",
                y_label="Lead time (hours)",
                unit="h",
                empty_message="No PI has a lead time yet",
            ),
            computed_at=computed(Metric.LEAD_TIME_FOR_CHANGE),
            source=source,
            notes=gaps(Metric.LEAD_TIME_FOR_CHANGE),
        ),
        Card(
            charts.line_chart(
                id="chart-change-failure-pis",
                title="Change failure rate per PI",
                description="Share of production deployments that failed, were rolled back or caused an "
                "incident, per PI: "
                + described(Metric.CHANGE_FAILURE_RATE, [pct(v, CHANGE_FAILURE_EDGES) for v in failure])
                + f". The band is the KPI table's: {BAND_TEXT}.",
                x_labels=names,
                series=[Series("Change failure rate", failure, style=2)],
                x_label="Program Increment",
                y_label="Change failure rate (%)",
                unit="%",
                band=(0.0, calc.CHANGE_FAILURE_HEALTHY_BELOW),
                band_label=BAND_TEXT,
                y_max=30,
                empty_message="No PI has production deployments yet",
            ),
            computed_at=computed(Metric.CHANGE_FAILURE_RATE),
            source=source,
            notes=gaps(Metric.CHANGE_FAILURE_RATE),
        ),
        Card(
            charts.line_chart(
                id="chart-time-to-restore-pis",
                title="Time to restore per PI",
                description="Median hours from an incident's start (or a failed deployment) to service "
                "restored, per PI: "
                + described(Metric.TIME_TO_RESTORE, [hours_text(v) for v in restore])
                + ".",
                x_labels=names,
                series=[Series("Median time to restore", restore, style=4)],
                x_label="Program Increment",
                y_label="Time to restore (hours)",
                unit="h",
                empty_message="Nothing restored in any PI yet",
            ),
            computed_at=computed(Metric.TIME_TO_RESTORE),
            source=source,
            notes=gaps(Metric.TIME_TO_RESTORE),
        ),
        Card(
            charts.line_chart(
                id="chart-defect-escape-pis",
                title="Defect escape rate per PI",
                description="Share of the defects found that were found in production, per PI: "
                + described(Metric.DEFECT_ESCAPE_RATE, [pct(v) for v in escape])
                + ". Lower is better.",
                x_labels=names,
                series=[Series("Defect escape rate", escape, style=3)],
                x_label="Program Increment",
                y_label="Found in production (%)",
                unit="%",
                empty_message="No PI has defects recorded yet",
            ),
            computed_at=computed(Metric.DEFECT_ESCAPE_RATE),
            source=source,
            notes=gaps(Metric.DEFECT_ESCAPE_RATE),
        ),
    ]
