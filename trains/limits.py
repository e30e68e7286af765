"""What ARTops takes as an id, a number in a query string and a day: one rule each, shared by the
URLs (trains/converters.py), the forms (trains/forms.py), the pages' query strings and the services.

Input outside these limits is refused where it arrives, with a message (or a 404 for an id in a
URL), rather than reaching the database or date arithmetic and failing there as a 500.
"""

from datetime import date

from django.core.exceptions import ValidationError

# Every id is a BigAutoField: a signed 64-bit integer on PostgreSQL and SQLite alike. A larger number
# names no row, and handed to the database it fails the query instead (SQLite: OverflowError;
# PostgreSQL: bigint out of range).
MAX_ID = 2**63 - 1
MAX_ID_DIGITS = len(str(MAX_ID))

# The days a PI, an iteration or any other date of a plan may fall on. A year 1 or 9999 date is a
# typo, and one that breaks the date arithmetic built on it (iterations generated from the start,
# the metrics' day-by-day series) with an OverflowError.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
DAY_OUT_OF_RANGE = (
    f"Give a date between {EARLIEST_DAY:%-d %b %Y} and {LATEST_DAY:%-d %b %Y}: "
    "this one is too far in the past or the future."
)


def whole_number(value: object, *, minimum: int = 0) -> int | None:
    """A number typed in a query string or form: ASCII digits from `minimum` up to MAX_ID, else None.

    ASCII only: "²" passes str.isdigit() and then fails int(), and int() reads "٣" as 3; neither is
    a number our pages or a person's URL hold.
    """
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    if len(value.lstrip("0")) > MAX_ID_DIGITS:
        return None
    number = int(value)
    return number if minimum <= number <= MAX_ID else None


def parse_id(value: object) -> int | None:
    """An id named in a query string (`?team=3`): a whole number that could be a row's id, else None."""
    return whole_number(value, minimum=1)


def day_in_range(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def require_days_in_range(**days: date | None) -> None:
    """Refuse, on each field at fault, a day outside EARLIEST_DAY–LATEST_DAY (None is no day)."""
    wrong = {
        name: DAY_OUT_OF_RANGE for name, day in days.items() if day is not None and not day_in_range(day)
    }
    if wrong:
        raise ValidationError(wrong)
