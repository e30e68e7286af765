"""What the dashboard's modules share: the words for a figure that is missing, and how numbers, days
and dates are written."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format

from planning.calculations import AMBER_ABOVE, PREDICTABILITY_BAND, RED_ABOVE, partial_text, percent_text

from .. import charts
from ..charts import fmt

NOT_SCORED_TEXT = "not scored yet"
REASONS = {
    "not_scored_yet": "Not scored yet: predictability appears once Business Owners score actual business value.",
    "no_committed_value": "No figure: no committed objective carries planned business value.",
    "pi_ended": "The PI has ended: the forecast made at its start is shown beside the outcome.",
    "no_history": "No forecast: there is no finished iteration to take throughput from yet.",
    "nothing_committed": "No forecast: no feature is committed (planned on a team and iteration) in this PI.",
}


def iso_day_label(iso: str) -> str:
    return charts.day_label(date.fromisoformat(iso))


def pct(value: float | None, edges: tuple[float, ...] = ()) -> str:
    """Whole percent; beside a band, never rounded onto an edge it has not reached
    (planning.calculations.percent_text: the one rule)."""
    text = percent_text(value, edges)
    return text if value is None else f"{text}%"


def predictability_partial(data: dict) -> str:
    """ "partial: 3 of 28 scored" for a predictability snapshot over partial data, else ""."""
    if data.get("reason"):
        return ""
    return partial_text(data.get("scored", 0), data.get("objectives", 0))


# The edges the dashboard's banded figures are read against: their text never rounds across one.
PREDICTABILITY_EDGES = PREDICTABILITY_BAND
LOAD_EDGES = (AMBER_ABOVE, RED_ABOVE)
FORECAST_EDGES = (50.0, 85.0)  # the forecast tile: amber from 50 %, green from 85 %
FLOW_EFFICIENCY_TEXT = (
    "Flow efficiency: of the time the features done took from starting implementation to done, the "
    "share spent being worked on rather than waiting (flagged blocked or held by an open impediment). "
    "Higher is better: the rest is waiting time."
)


def duration(value: float | None) -> str:
    return fmt(value, "d", 1)


def date_text(iso: str | None) -> str:
    if not iso:
        return "after the horizon"
    return date_format(date.fromisoformat(iso), "j M Y")
