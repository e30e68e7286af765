"""What the dashboard's modules share: the words for a figure that is missing, and how numbers, days
and dates are written."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format

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


def pct(value: float | None) -> str:
    return fmt(value, "%", 0)


def duration(value: float | None) -> str:
    return fmt(value, "d", 1)


def date_text(iso: str | None) -> str:
    if not iso:
        return "after the horizon"
    return date_format(date.fromisoformat(iso), "j M Y")
