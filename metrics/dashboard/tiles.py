"""The headline tiles of a PI's dashboard: one number per figure the ART has, with a line of context
and a status ("good", "warn", "bad") where the figure has a healthy range."""

from __future__ import annotations

from dataclasses import dataclass

from ..charts import fmt
from ..models import Snapshot
from .common import (
    FLOW_EFFICIENCY_TEXT,
    FORECAST_EDGES,
    NOT_SCORED_TEXT,
    PREDICTABILITY_EDGES,
    REASONS,
    date_text,
    duration,
    pct,
    predictability_partial,
)

Metric = Snapshot.Metric


@dataclass
class Tile:
    label: str
    value: str
    detail: str = ""
    status: str = ""  # a CSS modifier: "good", "warn", "bad"; "partial" for a figure not final yet
    # Said beside the value, never in small print: "partial: 3 of 28 scored".
    flag: str = ""
    # What the figure means, in words, for a figure people ask about (shown on request).
    explanation: str = ""


def pi_tiles(art: dict[str, Snapshot]) -> list[Tile]:
    get = art.get
    tiles = []
    predictability = get(Metric.PREDICTABILITY)
    if predictability:
        data = predictability.data
        value = predictability.value
        partial = predictability_partial(data)
        mean_text = pct(data.get("mean_of_teams"), PREDICTABILITY_EDGES)
        if data.get("reason") == "not_scored_yet":
            detail = NOT_SCORED_TEXT
        elif partial:
            # Unscored committed objectives count in the plan and not yet in the actuals, so a
            # partial figure only rises as scoring goes on: never coloured as a miss.
            detail = "not final: it can only rise as the rest are scored · band 80–100 %"
        else:
            detail = f"mean of team % {mean_text} · band 80–100 %"
        if value is None:
            status = ""
        elif partial:
            status = "partial"
        else:
            status = "good" if 80 <= value <= 100 else "warn"
        tiles.append(
            Tile("Predictability (ART)", pct(value, PREDICTABILITY_EDGES), detail, status, flag=partial)
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
                    "PI ended · forecast at its start " + ("—" if at_start is None else pct(100 * at_start)),
                    "good" if data["done"] == data["committed"] else "warn",
                )
            )
        else:
            probability = forecast.value
            status = (
                ""
                if probability is None
                else (
                    "good"
                    if probability >= FORECAST_EDGES[1]
                    else "warn"
                    if probability >= FORECAST_EDGES[0]
                    else "bad"
                )
            )
            if probability is None:
                detail = REASONS.get(data.get("reason"), "").split(": ", 1)[-1]
            elif data.get("remaining") == 0:
                detail = f"all {data.get('committed', 0)} committed features done"
            else:
                detail = (
                    f"{data.get('remaining', 0)} committed left · 85 % by {date_text(data.get('date_85'))}"
                )
            tiles.append(Tile("Forecast: done by PI end", pct(probability, FORECAST_EDGES), detail, status))
    velocity = get(Metric.FLOW_VELOCITY)
    if velocity:
        tiles.append(Tile("Flow velocity", fmt(velocity.value, "", 0), "features done in the PI"))
    flow = get(Metric.FLOW_TIME)
    if flow:
        tiles.append(
            Tile(
                "Flow time",
                duration(flow.value),
                f"median · 85th percentile {duration(flow.data.get('p85_days'))}",
            )
        )
    efficiency = get(Metric.FLOW_EFFICIENCY)
    if efficiency:
        tiles.append(
            Tile(
                "Flow efficiency",
                pct(efficiency.value),
                f"time worked ÷ time from start to done · waiting {duration(efficiency.data.get('waiting_days'))} in total",
                explanation=FLOW_EFFICIENCY_TEXT,
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
                pct(completion.value),
                f"carry-over {pct(carry.value)} · ended iterations: {carry.data.get('ended_iterations', 0)}",
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
                duration(blockers.value),
                f"median · {blockers.data.get('open_count', 0)} open, oldest {duration(blockers.data.get('open_max_days'))}",
            )
        )
    improvements = get(Metric.IMPROVEMENT_THROUGHPUT)
    if improvements:
        tiles.append(
            Tile(
                "Improvement throughput",
                pct(improvements.value),
                f"{improvements.data.get('done', 0)} of {improvements.data.get('taken', 0)} items taken in",
            )
        )
    return tiles
