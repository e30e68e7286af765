"""The Monte Carlo forecast (domain.md §4.6): the chance the remaining committed features are done by
the PI's end, and, once the PI has ended, what the forecast said at its start beside the outcome."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from .. import calculations as calc
from ..models import SnapshotMetric as Metric
from ..selectors import FeatureRow, PIInputs
from .common import Figure, Window

# A fixed seed: recomputing an unchanged plan gives the same forecast, so the upsert changes nothing.
FORECAST_SEED = 2026
FORECAST_TRIALS = 5_000
# Iterations simulated beyond the PI's end, so the 85 % date can be shown even when it is late.
FORECAST_EXTRA_ITERATIONS = 3

FORECAST_RULE = (
    "Monte Carlo: each trial draws a throughput (features done per iteration) from the history for "
    "each iteration left until the remaining committed features are done. Committed features: "
    "planned on a team and iteration, not serving only uncommitted objectives. The current "
    "iteration is drawn whole, so the features already done in it are added to what remains."
)


def forecast_figure(
    features: list[FeatureRow],
    done_times: list[datetime],
    inputs: PIInputs,
    iterations: list[tuple[str, datetime, datetime]],
    window: Window,
    team_id: int | None,
) -> Figure:
    committed = [feature for feature in features if feature.is_committed]
    remaining = sum(1 for feature in committed if feature.done_at is None)
    data: dict = {
        "committed": len(committed),
        "done": len(committed) - remaining,
        "remaining": remaining,
        "rule": FORECAST_RULE,
        **window.describe(),
    }
    if not committed:
        return Figure(Metric.FORECAST, team_id, None, {**data, "reason": "nothing_committed"})
    tz = window.tz
    earlier = [
        (f"{w.pi_name} {w.label}", calc.day_start(w.start, tz), calc.day_end(w.end, tz))
        for w in inputs.history_windows
    ]
    if window.as_of >= window.end:
        # A PI that has ended has an outcome, not a probability. What the forecast said at its start
        # (history before the PI, every committed feature still to do) is kept beside the outcome,
        # so Inspect & Adapt can see how far to trust the next one.
        at_start = _simulate(done_times, earlier, inputs.iterations, len(committed), 0, inputs, window)
        return Figure(Metric.FORECAST, team_id, None, {**data, "reason": "pi_ended", "at_start": at_start})

    ended_here = [(f"this PI {label}", start, end) for label, start, end in iterations if end <= window.as_of]
    ahead = [it for it in inputs.iterations if calc.day_end(it.end_date, tz) > window.as_of]
    current = next((it for it in ahead if calc.day_start(it.start_date, tz) <= window.as_of), None)
    # The current iteration is drawn whole, so what it has already finished is added back.
    done_in_current = (
        sum(1 for done_at in done_times if calc.day_start(current.start_date, tz) <= done_at < window.as_of)
        if current
        else 0
    )
    result = _simulate(done_times, earlier + ended_here, ahead, remaining, done_in_current, inputs, window)
    data.update(result)
    value = None if result["probability"] is None else 100 * result["probability"]
    return Figure(Metric.FORECAST, team_id, value, data)


def _simulate(
    done_times: list[datetime],
    history: list[tuple[str, datetime, datetime]],
    ahead: list,
    remaining: int,
    done_in_current: int,
    inputs: PIInputs,
    window: Window,
) -> dict:
    """Run the Monte Carlo forecast over the iterations `ahead` plus a few projected after the PI."""
    throughput = calc.throughput_per_window(done_times, [(start, end) for _, start, end in history])
    result: dict = {
        "history": [
            {"iteration": label, "done": done}
            for (label, _, _), done in zip(history, throughput, strict=True)
        ],
        "done_in_current_iteration": done_in_current,
        "remaining": remaining,
        "probability": None,
        "by_end": [],
        "reason": None,
    }
    if not throughput:
        return {**result, "reason": "no_history"}
    ends = [it.end_date for it in ahead]
    first = inputs.iterations[0] if inputs.iterations else None
    length = (first.end_date - first.start_date).days + 1 if first else 14
    last = ends[-1] if ends else window.as_of.date()
    ends += [last + timedelta(days=length * n) for n in range(1, FORECAST_EXTRA_ITERATIONS + 1)]
    deadline = (window.end - timedelta(days=1)).date()
    forecast = calc.monte_carlo_forecast(
        throughput,
        remaining + done_in_current if remaining else 0,
        ends,
        trials=FORECAST_TRIALS,
        seed=FORECAST_SEED,
        deadline=deadline,
    )
    labels = {it.end_date: it.label for it in ahead}
    return {
        **result,
        "probability": forecast.probability,
        "date_85": forecast.date_85.isoformat() if forecast.date_85 else None,
        "deadline": deadline.isoformat(),
        "trials": forecast.trials,
        "seed": FORECAST_SEED,
        "throughput_mean": statistics.fmean(throughput),
        "by_end": [
            {"end": end.isoformat(), "iteration": labels.get(end, "after PI"), "share": share}
            for end, share in forecast.by_end
        ],
    }
