"""What every figure family shares: the row a family returns (Figure) and the window of time the
figures describe (Window)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from .. import calculations as calc


@dataclass(frozen=True)
class Figure:
    """One snapshot row to upsert: a metric for the ART (team_id None) or one team."""

    metric: str
    team_id: int | None
    value: float | None
    data: dict


@dataclass(frozen=True)
class Window:
    """The PI's window and the instant the figures describe."""

    start: datetime  # the PI's first local midnight
    end: datetime  # the local midnight after the PI's last day (exclusive)
    as_of: datetime
    days: list[date]  # the PI's days up to the snapshot day, for daily series
    tz: tzinfo

    @property
    def until(self) -> datetime:
        """The end of what has happened: the PI's end, or as_of when that comes first."""
        return min(self.end, self.as_of)

    def describe(self) -> dict:
        return {
            "window": {
                "start": self.start.date().isoformat(),
                "end": (self.end - timedelta(days=1)).date().isoformat(),
            },
            "as_of": self.as_of.isoformat(),
        }


def make_window(*, start_date: date, end_date: date, day: date, as_of: datetime, tz: tzinfo) -> Window:
    last = min(end_date, day)
    days = [start_date + timedelta(days=n) for n in range((last - start_date).days + 1)]
    return Window(
        start=calc.day_start(start_date, tz),
        end=calc.day_end(end_date, tz),
        as_of=as_of,
        days=days,
        tz=tz,
    )
