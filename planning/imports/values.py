"""Dates and numbers as trackers write them, parsed by explicit formats: never by the locale
(`strptime("%b")` reads month names in the process's locale, so it is not used)."""

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}

# Jira Server/Data Center and Cloud's default "dd/MMM/yy h:mm a" (also with a four-digit year and a
# 24-hour clock, as admins configure jira.date.time.picker.java.format).
_JIRA = re.compile(
    r"(?P<day>\d{1,2})/(?P<month>[^\W\d_]{3})/(?P<year>\d{2}|\d{4})"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?)?"
)
# ISO 8601 as the REST API and some exports write it: 2024-03-12T15:45:00.000+0100, 2024-03-12 15:45.
_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,6})?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
)


class ValueProblem(ValueError):
    """A value that cannot be read; the message is the reason shown to the person importing."""


def parse_datetime(text: str) -> datetime | None:
    """A date-time in one of Jira's formats or ISO 8601; None when empty. Without a zone it is naive."""
    text = text.strip()
    if not text:
        return None
    if match := _JIRA.fullmatch(text):
        month = MONTHS.get(match["month"].lower())
        if month is None:
            raise ValueProblem(f"'{match['month']}' is not an English month abbreviation (Jan … Dec).")
        year = int(match["year"])
        year += 2000 if year < 100 else 0
        hour = int(match["hour"] or 0)
        if match["ampm"]:
            if not 1 <= hour <= 12:
                raise ValueProblem(f"'{text}' has hour {hour} with AM/PM.")
            hour = hour % 12 + (12 if match["ampm"].lower() == "pm" else 0)
        return _build(text, year, month, int(match["day"]), hour, match["minute"], match["second"], None)
    if match := _ISO.fullmatch(text):
        zone = None
        if match["zone"]:
            zone = UTC
            if match["zone"] != "Z":
                sign = -1 if match["zone"][0] == "-" else 1
                digits = match["zone"][1:].replace(":", "")
                zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return _build(
            text,
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"] or 0),
            match["minute"],
            match["second"],
            zone,
        )
    raise ValueProblem(f"'{text}' is not a date like 12/Mar/24 3:45 PM or 2024-03-12T15:45:00+0100.")


def _build(text, year, month, day, hour, minute, second, zone) -> datetime:
    try:
        return datetime(year, month, day, hour, int(minute or 0), int(second or 0), tzinfo=zone)
    except ValueError as error:
        raise ValueProblem(f"'{text}' is not a real date-time ({error}).") from None


_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")


def parse_points(text: str, *, maximum: int) -> tuple[int | None, str]:
    """Story points as Jira writes its number fields ('5', '5.0', '0.5'): None when empty.

    Returns the whole points ARTops keeps and a note when a fraction was rounded up (a story of
    0.5 points is still work: it is not rounded to nothing). A decimal comma is refused rather than
    guessed: '1,500' is one and a half in some locales and fifteen hundred in others.
    """
    text = text.strip()
    if not text:
        return None, ""
    if "," in text:
        raise ValueProblem(f"'{text}' has a comma: write story points with a decimal point (5.5).")
    if text.startswith("-"):
        raise ValueProblem(f"'{text}' is negative: story points are 0 or more.")
    if not _NUMBER.fullmatch(text):
        raise ValueProblem(f"'{text}' is not a number of story points.")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise ValueProblem(f"'{text}' is not a number of story points.") from None
    whole = math.ceil(value)
    if whole > maximum:
        raise ValueProblem(f"{text} story points is more than {maximum}.")
    note = f"{text} points rounded up to {whole}." if whole != value else ""
    return whole, note
