"""Reads of the history: one item's changes (its History panel) and the train's activity feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from trains.models import Train

from .models import Change

# Changes per page of the feed (and shown at most in an item's panel, newest first).
PAGE_SIZE = 50
ITEM_LIMIT = 100


def item_history(train: Train, kind: str, object_id: int) -> list[Change]:
    """One item's changes, newest first: by its kind and id within the train, so an id of another
    train's item finds nothing here, and a deleted item's history still reads."""
    return list(Change.objects.filter(train=train, kind=kind, object_id=object_id)[:ITEM_LIMIT])


@dataclass(frozen=True)
class FeedFilters:
    person: int | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class FeedPage:
    changes: list[Change]
    next_cursor: str | None  # older changes follow; None: this is the oldest page


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(train: Train, filters: FeedFilters) -> QuerySet[Change]:
    changes = Change.objects.filter(train=train)
    if filters.person is not None:
        changes = changes.filter(actor_id=filters.person)
    if filters.kind:
        changes = changes.filter(kind=filters.kind)
    # Whole days in the train's time zone, as a range on the indexed time (not a date cast of it).
    if filters.since is not None:
        changes = changes.filter(at__gte=_day_start(filters.since))
    if filters.until is not None:
        changes = changes.filter(at__lt=_day_start(filters.until + timedelta(days=1)))
    return changes


def cursor_of(change: Change) -> str:
    return f"{change.at.isoformat()}~{change.pk}"


def _after_cursor(cursor: str | None) -> Q:
    """Changes older than the cursor's (time, id): keyset paging, which stays fast however deep."""
    if not cursor:
        return Q()
    at_text, _, pk_text = cursor.rpartition("~")
    try:
        at, pk = datetime.fromisoformat(at_text), int(pk_text)
    except ValueError:
        return Q()  # a cursor nobody of ours made: the newest page
    if timezone.is_naive(at):
        return Q()
    return Q(at__lt=at) | Q(at=at, pk__lt=pk)


def activity_feed(train: Train, filters: FeedFilters, cursor: str | None = None) -> FeedPage:
    """A page of the train's changes, newest first, filtered; one query."""
    rows = list(
        _filtered(train, filters).filter(_after_cursor(cursor)).order_by("-at", "-pk")[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return FeedPage(changes=rows, next_cursor=cursor_of(rows[-1]) if more else None)


def people_of_train(train: Train) -> QuerySet:
    """Who the feed can be filtered by: the people holding a role on the train, by name."""
    return (
        get_user_model()
        .objects.filter(memberships__train=train)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
