"""The train's calendar addresses: the RTE makes one (shown once) and revokes it."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from trains.access import train_access
from trains.models import Train

from ..models import CalendarFeed

WHO_MANAGES_IT = "Only the RTE makes and revokes the train's calendar addresses."


def calendar_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def calendar_feed_create(*, train: Train, actor) -> tuple[CalendarFeed, str]:
    """A new secret address of the train's calendar and its token: shown once, only its hash kept."""
    if actor is not None:
        access = train_access(actor, train)
        access.require(access.is_rte, WHO_MANAGES_IT)
    raw = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        train=train, token_hash=calendar_token_hash(raw), created_by=actor, created_at=timezone.now()
    )
    return feed, raw


def calendar_feed_revoke(*, feed: CalendarFeed, actor) -> CalendarFeed:
    """Revoke an address at once (a calendar subscribed to it gets 404 from now on); kept listed."""
    if actor is not None:
        access = train_access(actor, feed.train_id)
        access.require(access.is_rte, WHO_MANAGES_IT)
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
    return feed
