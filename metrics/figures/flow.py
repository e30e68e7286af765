"""Flow figures (domain.md §4.5), for the ART or one team: velocity, flow time, flow load (WIP, with
Little's law for the ART), flow efficiency and flow distribution."""

from __future__ import annotations

import statistics
from datetime import datetime

from .. import calculations as calc
from ..models import SnapshotMetric as Metric
from ..selectors import FeatureRow
from .common import Figure, Window

FLOW_EFFICIENCY_RULE = (
    "Active time / flow time of the features done in the window, weighted by time. Waiting time is "
    "the union of the blocked flag's periods and the open periods of impediments blocking the feature."
)


def flow_figures(
    features: list[FeatureRow],
    window: Window,
    iterations: list[tuple[str, datetime, datetime]],
    team_id: int | None,
    *,
    art: bool,
) -> list[Figure]:
    items = [feature.flow_item() for feature in features]
    start, until = window.start, window.until
    described = window.describe()

    done = calc.flow_velocity(items, start, until)
    by_iteration = [
        {"iteration": label, "done": calc.flow_velocity(items, it_start, min(it_end, until))}
        for label, it_start, it_end in iterations
        if it_start < until
    ]
    velocity = Figure(
        Metric.FLOW_VELOCITY,
        team_id,
        done,
        {"features": len(items), "done": done, "by_iteration": by_iteration, **described},
    )

    flow = calc.flow_time(items, start, until)
    flow_data = {
        "count": flow.count,
        "median_days": flow.median_days,
        "p85_days": flow.p85_days,
        "mean_days": flow.mean_days,
        "rule": "Done time − first entry into Implementing, of the features done in the window.",
        **described,
    }
    if art:
        flow_data["points"] = [
            {
                "title": feature.title,
                "kind": feature.kind,
                "done": feature.done_at.date().isoformat(),
                "days": calc.in_days(feature.done_at - feature.started_at),
            }
            for feature in sorted(features, key=lambda f: (f.done_at or window.end, f.title))
            if feature.done_at is not None
            and feature.started_at is not None
            and start <= feature.done_at < until
        ]
    flow_time = Figure(Metric.FLOW_TIME, team_id, flow.median_days, flow_data)

    series = calc.flow_load_series(items, window.days, window.tz)
    wip_values = [wip for _, wip in series]
    mean_wip = statistics.fmean(wip_values) if wip_values else None
    load_data: dict = {"mean_wip": mean_wip, "days": len(series), **described}
    if art:
        load_data["series"] = [[day.isoformat(), wip] for day, wip in series]
        elapsed_days = calc.in_days(until - start)
        if mean_wip is not None and flow.mean_days is not None and elapsed_days > 0:
            load_data["littles_law"] = calc.littles_law(mean_wip, done / elapsed_days, flow.mean_days)
    flow_load = Figure(Metric.FLOW_LOAD, team_id, float(wip_values[-1]) if wip_values else None, load_data)

    measured = [
        (feature.started_at, feature.done_at, feature.blocked)
        for feature in features
        if feature.done_at is not None and feature.started_at is not None and start <= feature.done_at < until
    ]
    efficiency = calc.flow_efficiency_summary(measured)
    flow_efficiency = Figure(
        Metric.FLOW_EFFICIENCY,
        team_id,
        efficiency.percent,
        {
            "items": efficiency.items,
            "active_days": efficiency.active_days,
            "waiting_days": efficiency.waiting_days,
            "blocked_items": sum(1 for _, _, blocked in measured if blocked),
            "rule": FLOW_EFFICIENCY_RULE,
            **described,
        },
    )

    done_items = [item for item in items if item.done_at is not None and start <= item.done_at < until]
    distribution = calc.flow_distribution(done_items)
    flow_distribution = Figure(
        Metric.FLOW_DISTRIBUTION,
        team_id,
        len(done_items),
        {
            "kinds": distribution,
            "done": len(done_items),
            "points": sum(item.points for item in done_items),
            "rule": "Share of the features done in the window by kind, by count and by story points.",
            **described,
        },
    )
    return [velocity, flow_time, flow_load, flow_efficiency, flow_distribution]
