"""Compute a PI's figures and upsert them as snapshots (one row per PI, team, metric and day).

Running it twice for the same day leaves the same rows: the workers may retry or overlap freely.
The whole PI is written in one transaction, so a worker killed half-way leaves the previous
figures in place and the next run repairs them.
"""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from planning.models import ProgramIncrement

from . import calculations as calc
from . import selectors
from .models import Snapshot

Metric = Snapshot.Metric


def _upsert(
    *, pi: ProgramIncrement, team_id: int | None, metric: str, day: date, value, data: dict, now
) -> None:
    Snapshot.objects.update_or_create(
        pi=pi,
        team_id=team_id,
        metric=metric,
        day=day,
        defaults={"train_id": pi.train_id, "value": value, "data": data, "computed_at": now},
    )


def _window(pi: ProgramIncrement) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(pi.start_date, time.min, tzinfo=tz)
    end = datetime.combine(pi.end_date + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


@transaction.atomic
def pi_snapshot_compute(*, pi: ProgramIncrement, day: date | None = None) -> dict:
    """Compute and store the PI's figures for `day` (default today); return the ART headline values."""
    now = timezone.now()
    day = day or timezone.localdate()

    by_team = selectors.objective_values_by_team(pi)
    art = calc.art_predictability(by_team)
    for team_id, values in by_team.items():
        team = calc.art_predictability({team_id: values})  # the same sums, over one team
        _upsert(
            pi=pi,
            team_id=team_id,
            metric=Metric.PREDICTABILITY,
            day=day,
            value=team.percent,
            data={
                "actual_bv": team.actual_total,
                "planned_committed_bv": team.planned_total,
                "objectives": len(values),
            },
            now=now,
        )
    _upsert(
        pi=pi,
        team_id=None,
        metric=Metric.PREDICTABILITY,
        day=day,
        value=art.percent,
        data={
            "actual_bv": art.actual_total,
            "planned_committed_bv": art.planned_total,
            "mean_of_teams": art.mean_of_teams,
            "band": list(calc.PREDICTABILITY_BAND),
        },
        now=now,
    )

    for team_id, scores in selectors.vote_scores_by_scope(pi).items():
        summary = calc.vote_summary(scores)
        _upsert(
            pi=pi,
            team_id=team_id,
            metric=Metric.CONFIDENCE,
            day=day,
            value=summary.mean,
            data={
                "voters": summary.voters,
                "counts": {str(k): v for k, v in summary.counts.items()},
                "accepted": summary.accepted,
            },
            now=now,
        )

    items = selectors.flow_items(pi)
    start, end = _window(pi)
    velocity = calc.flow_velocity(items, start, end)
    _upsert(
        pi=pi,
        team_id=None,
        metric=Metric.FLOW_VELOCITY,
        day=day,
        value=velocity,
        data={"items": len(items)},
        now=now,
    )
    flow = calc.flow_time(items, start, end)
    _upsert(
        pi=pi,
        team_id=None,
        metric=Metric.FLOW_TIME,
        day=day,
        value=flow.median_days,
        data={
            "count": flow.count,
            "median_days": flow.median_days,
            "p85_days": flow.p85_days,
            "mean_days": flow.mean_days,
        },
        now=now,
    )
    return {"pi": pi.pk, "day": day.isoformat(), "predictability": art.percent, "flow_velocity": velocity}
