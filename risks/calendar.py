"""The ART calendar (issue #13, part 5): a train's cadence as iCalendar, for calendar apps.

Events, all-day, each with a UID made from the record it comes from, so a calendar app that
fetches the feed again updates an event in place (moved dates, a renamed milestone) instead of
adding a second one:

- each iteration, from its first to its last day (DTEND is the day after, RFC 5545 §3.6.1);
- PI Planning of each PI: two days (domain.md §2), held in the IP iteration before the PI starts
  ("the IP iteration … the next PI Planning"), so on the two working days just before its start;
- Inspect & Adapt of each PI: at its end, in its IP iteration, on the working day before the next
  PI Planning (the third-last working day of the PI);
- each system demo, on its day (or, not yet set, on its iteration's last day);
- each ART Sync, on the day it was held;
- each milestone, on its date.

The reads are five queries whatever the size of the train.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from planning.models import Iteration, Milestone, ProgramIncrement
from trains.models import Train

from .models import ArtSync, CalendarFeed, SystemDemo
from .services.calendar import calendar_token_hash

PI_PLANNING_DAYS = 2  # domain.md §2: "PI Planning: a 2-day event"
UID_DOMAIN = "artops"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: date
    end: date  # the last day, inclusive
    description: str = ""
    category: str = ""


def working_days_before(day: date, count: int) -> list[date]:
    """The `count` working days (Monday to Friday) just before `day`, earliest first."""
    days: list[date] = []
    current = day
    while len(days) < count:
        current -= timedelta(days=1)
        if current.weekday() < 5:
            days.append(current)
    return sorted(days)


def _pi_events(pi: ProgramIncrement) -> list[CalendarEvent]:
    planning = working_days_before(pi.start_date, PI_PLANNING_DAYS)
    # The PI's own I&A: the working day before the next PI's Planning, which takes its last two.
    inspect_adapt = working_days_before(pi.end_date + timedelta(days=1), PI_PLANNING_DAYS + 1)[0]
    return [
        CalendarEvent(
            uid=f"pi-{pi.pk}-pi-planning",
            summary=f"PI Planning · {pi.name}",
            start=planning[0],
            end=planning[-1],
            description=f"Two days of PI Planning for {pi.name} ({pi.start_date:%d %b} – {pi.end_date:%d %b %Y}).",
            category="PI Planning",
        ),
        CalendarEvent(
            uid=f"pi-{pi.pk}-inspect-adapt",
            summary=f"Inspect & Adapt · {pi.name}",
            start=inspect_adapt,
            end=inspect_adapt,
            description="PI system demo, quantitative review and problem-solving workshop.",
            category="Inspect & Adapt",
        ),
    ]


def calendar_events(train: Train) -> list[CalendarEvent]:
    """Every event of the train's calendar, in date order."""
    pis = list(ProgramIncrement.objects.filter(train=train).order_by("start_date"))
    events = [event for pi in pis for event in _pi_events(pi)]
    iterations = Iteration.objects.filter(pi__train=train).select_related("pi").order_by("start_date")
    for iteration in iterations:
        ip = " (Innovation & Planning)" if iteration.is_ip else ""
        events.append(
            CalendarEvent(
                uid=f"iteration-{iteration.pk}",
                summary=f"{iteration.pi.name} · {iteration.label}{ip}",
                start=iteration.start_date,
                end=iteration.end_date,
                category="Iteration",
            )
        )
    demos = SystemDemo.objects.filter(iteration__pi__train=train).select_related("iteration__pi")
    for demo in demos:
        day = demo.held_on or demo.iteration.end_date
        events.append(
            CalendarEvent(
                uid=f"system-demo-{demo.pk}",
                summary=f"System demo · {demo.iteration.pi.name} {demo.iteration.label}",
                start=day,
                end=day,
                description=demo.notes,
                category="System demo",
            )
        )
    for sync in ArtSync.objects.filter(train=train).select_related("pi"):
        events.append(
            CalendarEvent(
                uid=f"art-sync-{sync.pk}",
                summary=f"ART Sync · {sync.pi.name}",
                start=sync.held_on,
                end=sync.held_on,
                description=sync.notes,
                category="ART Sync",
            )
        )
    for milestone in Milestone.objects.filter(pi__train=train).select_related("pi"):
        events.append(
            CalendarEvent(
                uid=f"milestone-{milestone.pk}",
                summary=f"{milestone.name} ({milestone.get_kind_display()})",
                start=milestone.date,
                end=milestone.date,
                description=milestone.description,
                category="Milestone",
            )
        )
    return sorted(events, key=lambda event: (event.start, event.uid))


def calendar_ics(train: Train, *, now: datetime | None = None) -> bytes:
    """The train's calendar as an iCalendar file."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//ARTops//ART calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{train.name} · ART calendar")
    # How often a subscribed app should fetch it again (RFC 7986, and Outlook's older name).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for item in calendar_events(train):
        event = Event()
        event.add("uid", f"{item.uid}@{train.slug}.{UID_DOMAIN}")
        event.add("dtstamp", now)
        event.add("summary", item.summary)
        event.add("dtstart", item.start)
        event.add("dtend", item.end + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        if item.description:
            event.add("description", item.description)
        if item.category:
            event.add("categories", [item.category])
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_feed_for_token(raw: str) -> CalendarFeed | None:
    """The live address a token belongs to (with its train), or None: unknown or revoked."""
    if not raw or len(raw) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("train")
        .filter(token_hash=calendar_token_hash(raw), revoked_at__isnull=True)
        .first()
    )


def calendar_feeds_of(train: Train):
    return (
        CalendarFeed.objects.filter(train=train).select_related("created_by").order_by("-created_at", "-pk")
    )
