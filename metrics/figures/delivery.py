"""Delivery and quality figures (domain.md §4.7), for the ART and each team: the four DORA figures
(deployment frequency, lead time for change, change failure rate, time to restore) and the defect
escape rate, over the PI's window with a breakdown per iteration, each with its DORA level.

The definitions below are the ones the dashboard shows beside each figure (one text, written once).
Every figure's window is the PI's dates up to the day computed (the snapshot's `as_of`); an
iteration's row covers that iteration's dates up to the same moment. Only production deployments
count (the selector reads no other); incidents are production's by nature. Teams: a deployment,
incident or defect counts for its team and for the ART; one with no team counts for the ART only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .. import delivery_calculations as calc
from ..delivery_selectors import DeliveryInputs
from ..models import SnapshotMetric as Metric
from .common import Figure, Window

DEFINITIONS = {
    Metric.DEPLOYMENT_FREQUENCY: (
        "Delivered production deployments (succeeded and not rolled back) in the window ÷ the window's "
        "length in weeks: shown per week, and per day above 7 a week. The window is the PI's dates up to "
        "the day computed. No production deployment recorded in the window → no figure, not 0: nothing "
        "tells a team that did not deploy from one whose pipeline does not report. Production deployments "
        "recorded and none delivered → 0 per week."
    ),
    Metric.LEAD_TIME_FOR_CHANGE: (
        "For each delivered production deployment in the window: deployed time − the first commit of the "
        "change it carries (the merge time where no commit time is given; neither → not counted). Median "
        "and 85th percentile (interpolated between ranks), in hours. No delivered deployment with a commit "
        "or merge time in the window → no figure."
    ),
    Metric.CHANGE_FAILURE_RATE: (
        "Production deployments in the window that failed, were rolled back or caused an incident (each "
        "counted once) ÷ all production deployments in the window × 100. Below 15 % is healthy (the RTE's "
        "KPI table). No production deployment in the window → no figure."
    ),
    Metric.TIME_TO_RESTORE: (
        "Median, in hours, of restored − started of each incident restored in the window, pooled with the "
        "time from a failed or rolled-back production deployment to the next delivered deployment of the "
        "same service, for those restored in the window (a run of failures counts once, from its first; a "
        "deployment that caused an incident counts through its incident). Incidents still open and failed "
        "deployments not yet followed by a delivered one are not in the median: they are counted, with the "
        "age of the oldest. Nothing restored in the window → no figure."
    ),
    Metric.DEFECT_ESCAPE_RATE: (
        "Defects found in production in the window ÷ all defects found in it (in production and before "
        "release) × 100. Lower is better; DORA gives it no level. No defect found in the window → no figure."
    ),
}

DELIVERY_METRICS = tuple(DEFINITIONS)
# The four figures DORA rates; their levels come from delivery_calculations.DORA_LEVELS (one published set).
DORA_METRICS = (
    Metric.DEPLOYMENT_FREQUENCY,
    Metric.LEAD_TIME_FOR_CHANGE,
    Metric.CHANGE_FAILURE_RATE,
    Metric.TIME_TO_RESTORE,
)
OPEN_SHOWN = 5

# Why a figure is missing, stored in its data as `reason` (the dashboard words them).
NOT_STARTED = "not_started"
NO_DEPLOYMENTS = "no_deployments"
NO_DELIVERED = "no_delivered_deployments"
NO_CHANGE_TIMES = "no_change_times"
NOTHING_RESTORED = "nothing_restored"
NO_DEFECTS = "no_defects"


def _level(metric: str, value: float | None) -> dict:
    scale = calc.DORA_LEVELS[metric]
    level = scale.level(value)
    return {
        "level": level,
        "level_band": scale.published(level) if level else None,
        "source": calc.DORA_SOURCE,
    }


def delivery_figures(
    delivery: DeliveryInputs,
    teams: list[tuple[int, str]],
    iterations: list[tuple[str, datetime, datetime]],
    window: Window,
) -> list[Figure]:
    """The five figures for the ART (team None) and each team."""
    restorations = calc.deployment_restorations(delivery.deployments)
    scopes: list[tuple[int | None, Callable[[int | None], bool]]] = [(None, lambda team_id: True)]
    scopes += [(team_id, lambda other, team_id=team_id: other == team_id) for team_id, _ in teams]
    figures: list[Figure] = []
    for team_id, in_scope in scopes:
        figures += _scope_figures(
            [d for d in delivery.deployments if in_scope(d.team_id)],
            [i for i in delivery.incidents if in_scope(i.team_id)],
            [r for r in restorations if in_scope(r.deployment.team_id)],
            [d for d in delivery.defects if in_scope(d.team_id)],
            iterations,
            window,
            team_id,
            art=team_id is None,
        )
    return figures


def _scope_figures(deployments, incidents, restorations, defects, iterations, window, team_id, *, art):
    start, until = window.start, window.until
    started = until > start
    described = window.describe()
    periods = [
        (label, it_start, min(it_end, until)) for label, it_start, it_end in iterations if it_start < until
    ]

    def rows(compute: Callable[[datetime, datetime], dict]) -> list[dict]:
        return [{"iteration": label, **compute(it_start, it_end)} for label, it_start, it_end in periods]

    # Deployment frequency.
    frequency = calc.deployment_frequency(deployments, start, until)

    def frequency_row(a: datetime, b: datetime) -> dict:
        f = calc.deployment_frequency(deployments, a, b)
        return {
            "delivered": f.delivered,
            "deployments": f.deployments,
            "per_week": f.per_week,
            "level": calc.dora_level(Metric.DEPLOYMENT_FREQUENCY, f.per_week),
        }

    frequency_figure = Figure(
        Metric.DEPLOYMENT_FREQUENCY,
        team_id,
        frequency.per_week,
        {
            "per_week": frequency.per_week,
            "per_day": frequency.per_day,
            "delivered": frequency.delivered,
            "deployments": frequency.deployments,
            "days": frequency.days,
            "reason": None if frequency.per_week is not None else NO_DEPLOYMENTS if started else NOT_STARTED,
            **_level(Metric.DEPLOYMENT_FREQUENCY, frequency.per_week),
            "by_iteration": rows(frequency_row),
            "rule": DEFINITIONS[Metric.DEPLOYMENT_FREQUENCY],
            **described,
        },
    )

    # Lead time for change.
    lead = calc.lead_time_for_change(deployments, start, until)

    def lead_row(a: datetime, b: datetime) -> dict:
        summary = calc.lead_time_for_change(deployments, a, b)
        return {
            "count": summary.count,
            "median_hours": summary.median_hours,
            "p85_hours": summary.p85_hours,
            "level": calc.dora_level(Metric.LEAD_TIME_FOR_CHANGE, summary.median_hours),
        }

    if lead.median_hours is not None:
        lead_reason = None
    elif not started:
        lead_reason = NOT_STARTED
    elif lead.without_change_time:
        lead_reason = NO_CHANGE_TIMES
    else:
        lead_reason = NO_DELIVERED if frequency.deployments else NO_DEPLOYMENTS
    lead_figure = Figure(
        Metric.LEAD_TIME_FOR_CHANGE,
        team_id,
        lead.median_hours,
        {
            "count": lead.count,
            "median_hours": lead.median_hours,
            "p85_hours": lead.p85_hours,
            "without_change_time": lead.without_change_time,
            "from_merge": lead.from_merge,
            "reason": lead_reason,
            **_level(Metric.LEAD_TIME_FOR_CHANGE, lead.median_hours),
            "by_iteration": rows(lead_row),
            "rule": DEFINITIONS[Metric.LEAD_TIME_FOR_CHANGE],
            **described,
        },
    )

    # Change failure rate.
    failure = calc.change_failure_rate(deployments, start, until)

    def failure_row(a: datetime, b: datetime) -> dict:
        summary = calc.change_failure_rate(deployments, a, b)
        return {
            "deployments": summary.deployments,
            "failures": summary.failures,
            "percent": summary.percent,
            "healthy": summary.healthy,
            "level": calc.dora_level(Metric.CHANGE_FAILURE_RATE, summary.percent),
        }

    failure_figure = Figure(
        Metric.CHANGE_FAILURE_RATE,
        team_id,
        failure.percent,
        {
            "deployments": failure.deployments,
            "failures": failure.failures,
            "not_succeeded": failure.not_succeeded,
            "rolled_back": failure.rolled_back,
            "caused_incident": failure.caused_incident,
            "healthy": failure.healthy,
            "healthy_below": calc.CHANGE_FAILURE_HEALTHY_BELOW,
            "reason": None if failure.percent is not None else NO_DEPLOYMENTS if started else NOT_STARTED,
            **_level(Metric.CHANGE_FAILURE_RATE, failure.percent),
            "by_iteration": rows(failure_row),
            "rule": DEFINITIONS[Metric.CHANGE_FAILURE_RATE],
            **described,
        },
    )

    # Time to restore.
    restore = calc.time_to_restore(incidents, restorations, start, until, window.as_of)

    def restore_row(a: datetime, b: datetime) -> dict:
        summary = calc.time_to_restore(incidents, restorations, a, b, window.as_of)
        return {
            "restored": summary.restored,
            "median_hours": summary.median_hours,
            "level": calc.dora_level(Metric.TIME_TO_RESTORE, summary.median_hours),
        }

    restore_data = {
        "restored": restore.restored,
        "incidents_restored": restore.incidents_restored,
        "incident_median_hours": restore.incident_median_hours,
        "deployments_restored": restore.deployments_restored,
        "deployment_median_hours": restore.deployment_median_hours,
        "open_incidents": restore.open_incidents,
        "oldest_open_incident_hours": restore.oldest_open_incident_hours,
        "open_failed_deployments": restore.open_failed_deployments,
        "oldest_failed_deployment_hours": restore.oldest_failed_deployment_hours,
        "reason": None if restore.median_hours is not None else NOTHING_RESTORED if started else NOT_STARTED,
        **_level(Metric.TIME_TO_RESTORE, restore.median_hours),
        "by_iteration": rows(restore_row),
        "rule": DEFINITIONS[Metric.TIME_TO_RESTORE],
        **described,
    }
    if art:
        still_open = [
            incident
            for incident in incidents
            if incident.started_at < window.as_of and incident.restored_at is None
        ]
        restore_data["open"] = [
            {
                "title": incident.title,
                "service": incident.service,
                "started_at": incident.started_at.isoformat(),
                "open_hours": calc.in_hours(window.as_of - incident.started_at),
            }
            for incident in sorted(still_open, key=lambda i: (i.started_at, repr(i.key)))[:OPEN_SHOWN]
        ]
    restore_figure = Figure(Metric.TIME_TO_RESTORE, team_id, restore.median_hours, restore_data)

    # Defect escape rate.
    escape = calc.defect_escape_rate(defects, start, until)

    def escape_row(a: datetime, b: datetime) -> dict:
        summary = calc.defect_escape_rate(defects, a, b)
        return {"production": summary.production, "total": summary.total, "percent": summary.percent}

    escape_figure = Figure(
        Metric.DEFECT_ESCAPE_RATE,
        team_id,
        escape.percent,
        {
            "production": escape.production,
            "before_release": escape.before_release,
            "total": escape.total,
            "reason": None if escape.percent is not None else NO_DEFECTS if started else NOT_STARTED,
            "by_iteration": rows(escape_row),
            "rule": DEFINITIONS[Metric.DEFECT_ESCAPE_RATE],
            **described,
        },
    )
    return [frequency_figure, lead_figure, failure_figure, restore_figure, escape_figure]
