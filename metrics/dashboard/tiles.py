"""The headline tiles of a PI's dashboard: one number per figure the ART has, with a line of context
and a status ("good", "warn", "bad") where the figure has a healthy range."""

from __future__ import annotations

from dataclasses import dataclass

from ..charts import fmt
from ..models import Snapshot
from .common import NOT_SCORED_TEXT, REASONS, date_text, duration, pct

Metric = Snapshot.Metric


@dataclass
class Tile:
    label: str
    value: str
    detail: str = ""
    status: str = ""  # a CSS modifier: "good", "warn", "bad"


def pi_tiles(art: dict[str, Snapshot]) -> list[Tile]:
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
                pct(value),
                NOT_SCORED_TEXT
                if reason == "not_scored_yet"
                else f"mean of team % {pct(predictability.data.get('mean_of_teams'))} · band 80–100 %",
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
                    "PI ended · forecast at its start " + ("—" if at_start is None else pct(100 * at_start)),
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
                detail = (
                    f"{data.get('remaining', 0)} committed left · 85 % by {date_text(data.get('date_85'))}"
                )
            tiles.append(Tile("Forecast: done by PI end", pct(probability), detail, status))
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
                f"waiting {duration(efficiency.data.get('waiting_days'))} in total",
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
