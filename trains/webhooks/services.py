"""Outgoing webhooks: the RTE subscribes a URL to some of a train's events; every app's services
announce their changes with `emit`, and a Celery task POSTs each one, signed, after the change commits.

- `emit` is called inside the service's transaction: the deliveries it records commit or roll back
  with the change, and the task is enqueued only once the change committed (nothing is sent for a
  change that did not happen). It costs no query on a train nobody listens to: the train row, which
  the request has already loaded, says which events some active webhook wants (Train.webhook_events,
  kept here by every webhook write under the train's lock).
- A delivery is one POST per attempt: a 2xx ends it; anything else (another status, a timeout, a
  refused connection) is retried with exponential backoff and jitter up to WEBHOOK_MAX_ATTEMPTS,
  every attempt kept in the delivery's log. WEBHOOK_DISABLE_AFTER deliveries in a row that failed
  every attempt disable the webhook; the webhooks page tells the RTE, who re-enables it.
- The signature: `X-ARTops-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the
  webhook's secret, the timestamp being `X-ARTops-Timestamp` (Unix seconds, fresh on every attempt,
  so a receiver refuses old replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from trains.guards import lock_for_change, require
from trains.models import Train, Webhook, WebhookDelivery, WebhookEvent

log = logging.getLogger(__name__)

ONLY_THE_RTE = "Only the Release Train Engineer manages the train's webhooks."
USER_AGENT = "ARTops-Webhooks/1"
FINISHED = (WebhookDelivery.State.DELIVERED, WebhookDelivery.State.FAILED)


def require_webhook_manager(actor, train_id: int) -> None:
    """Webhooks are the RTE's: reading them too, since a target URL often carries a credential."""
    require(actor, train_id, lambda access: access.is_rte, ONLY_THE_RTE)


# --- signing -------------------------------------------------------------------------------------------


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-ARTops-Signature of a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_is_valid(
    secret: str, timestamp: str, body: bytes, presented: str, *, tolerance_seconds: int = 300, now=None
) -> bool:
    """What a receiver checks (the README shows the same in a few lines): the signature matches, in
    constant time, and the timestamp is recent, so a captured delivery cannot be replayed later."""
    if not timestamp.isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), presented)


# --- managing webhooks ---------------------------------------------------------------------------------


def _clean(*, url: str, events, description: str, secret: str | None = None) -> tuple[str, list[str], str]:
    errors: dict[str, str] = {}
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = "Give the full http:// or https:// address the events are sent to."
    else:
        if len(url) > Webhook._meta.get_field("url").max_length:
            errors["url"] = "Keep the address under 500 characters."
    chosen = set(events or ())
    if not chosen:
        errors["events"] = "Choose at least one event to send."
    elif not chosen <= set(WebhookEvent.values):
        errors["events"] = f"Unknown event: {', '.join(sorted(map(str, chosen - set(WebhookEvent.values))))}."
    description = (description or "").strip()
    if len(description) > Webhook._meta.get_field("description").max_length:
        errors["description"] = "Keep the description under 120 characters."
    if secret is not None and not 16 <= len(secret) <= 100:
        errors["secret"] = "A secret has 16 to 100 characters (or leave it empty: one is made for you)."
    if errors:
        raise ValidationError(errors)
    return url, [event for event in WebhookEvent.values if event in chosen], description


def _lock_train(train_id: int) -> None:
    # Webhook writes of one train take turns, so the train's list of wanted events is always
    # rebuilt from what the last of them committed.
    Train.objects.select_for_update().filter(pk=train_id).values_list("pk", flat=True).first()


def _refresh_train_events(train_id: int) -> list[str]:
    wanted: set[str] = set()
    for events in Webhook.objects.filter(train_id=train_id, is_active=True).values_list("events", flat=True):
        wanted.update(events)
    listened = [event for event in WebhookEvent.values if event in wanted]
    Train.objects.filter(pk=train_id).update(webhook_events=listened)
    return listened


@transaction.atomic
def webhook_create(
    *, train: Train, url: str, events, actor, description: str = "", secret: str | None = None
) -> tuple[Webhook, str]:
    """Subscribe a URL to some of the train's events; returns the webhook and its secret (made here
    unless given), which the RTE is shown once to configure the receiver."""
    require_webhook_manager(actor, train.pk)
    secret = (secret or "").strip() or None
    url, events, description = _clean(url=url, events=events, description=description, secret=secret)
    _lock_train(train.pk)
    webhook = Webhook.objects.create(
        train=train,
        url=url,
        events=events,
        description=description,
        secret=secret or f"whsec_{secrets.token_urlsafe(32)}",
        created_by=actor,
    )
    train.webhook_events = _refresh_train_events(train.pk)
    return webhook, webhook.secret


@transaction.atomic
def webhook_update(
    *,
    webhook: Webhook,
    expected_version: int,
    actor,
    url: str,
    events,
    description: str = "",
    is_active: bool,
) -> Webhook:
    """Change where and what a webhook sends, or pause it. Activating a webhook that was disabled
    for failing clears the failures: the RTE says the receiver is back."""
    require_webhook_manager(actor, webhook.train_id)
    url, events, description = _clean(url=url, events=events, description=description)
    _lock_train(webhook.train_id)
    current = lock_for_change(Webhook.objects.all(), webhook.pk, expected_version)
    if is_active and not current.is_active:
        current.consecutive_failures, current.disabled_at, current.disabled_reason = 0, None, ""
    current.url, current.events, current.description, current.is_active = url, events, description, is_active
    current.version += 1
    current.save()
    _refresh_train_events(current.train_id)
    return current


def webhook_enable(*, webhook: Webhook, expected_version: int, actor) -> Webhook:
    """Turn a paused or disabled webhook back on."""
    return webhook_update(
        webhook=webhook,
        expected_version=expected_version,
        actor=actor,
        url=webhook.url,
        events=webhook.events,
        description=webhook.description,
        is_active=True,
    )


@transaction.atomic
def webhook_delete(*, webhook: Webhook, expected_version: int, actor) -> None:
    """Delete a webhook and its delivery log."""
    require_webhook_manager(actor, webhook.train_id)
    _lock_train(webhook.train_id)
    current = lock_for_change(Webhook.objects.all(), webhook.pk, expected_version)
    current.delete()
    _refresh_train_events(webhook.train_id)


# --- announcing ----------------------------------------------------------------------------------------


def listens(train: Train, *events: str) -> bool:
    """Whether some active webhook of the train wants any of `events`: no query (see the module)."""
    return any(event in train.webhook_events for event in events)


def emit(*, train: Train, event: str, data: dict, actor=None) -> list[int]:
    """Announce an event of the train to the webhooks that subscribe to it (call it inside the
    change's transaction); returns the deliveries recorded, sent once the change commits."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")  # a programming error, not a refusal
    if not listens(train, event):
        return []
    webhooks = [
        webhook.pk
        for webhook in Webhook.objects.filter(train_id=train.pk, is_active=True).only("pk", "events")
        if event in webhook.events
    ]
    if not webhooks:
        return []
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "event": event,
        "occurred_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "train": {"slug": train.slug, "name": train.name},
        "actor": actor.get_username() if actor is not None else None,
        "data": data,
    }
    # Through JSON and back, so the row holds exactly what is sent (dates as strings, and so on).
    payload = json.loads(json.dumps(payload, default=str))
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook_id=pk, uuid=uuid.uuid4(), event=event, event_id=event_id, payload=payload)
        for pk in webhooks
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _send(ids))
    return ids


def _send(delivery_ids: list[int]) -> None:
    from trains.tasks import (
        deliver_webhook,
    )  # the task calls these services; imported here to keep one direction

    for delivery_id in delivery_ids:
        try:
            deliver_webhook.delay(delivery_id)
        except BrokerError:
            # The change is committed and must not fail for its announcement: the delivery stays
            # pending, and the safety net (resend_stalled_deliveries) sends it when the broker is back.
            log.warning("webhook delivery %s not queued: the broker is unreachable", delivery_id)


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery (same event id and payload)."""
    webhook = delivery.webhook
    require_webhook_manager(actor, webhook.train_id)
    if not webhook.is_active:
        raise ValidationError("This webhook is off: turn it back on before redelivering.")
    again = WebhookDelivery.objects.create(
        webhook=webhook,
        uuid=uuid.uuid4(),
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        redelivery_of=delivery,
    )
    transaction.on_commit(lambda: _send([again.pk]))
    return again


# --- delivering ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    status: int | None  # the response's status code; None when none came (timeout, refused, …)
    duration_ms: int
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (a failed attempt), not a new target: a signed event goes only to the
    URL the RTE gave, and urllib would turn the POST into a body-less GET anyway."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str]) -> Attempt:
    """One POST, timed; never raises for what the receiver or the network did."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only, checked on save
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status, error = response.status, ""
    except urllib.error.HTTPError as answer:
        status, error = answer.code, f"HTTP {answer.code}: {_snippet(answer)}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        reason = getattr(failure, "reason", failure)
        status, error = None, f"{type(reason).__name__}: {reason}"
    duration_ms = round((time.monotonic() - started) * 1000)
    return Attempt(status=status, duration_ms=duration_ms, error=error[:300])


def _snippet(answer: urllib.error.HTTPError) -> str:
    try:
        return answer.read(200).decode("utf-8", "replace").strip() or answer.reason
    except OSError:
        return str(answer.reason)


def retry_delay(attempts_made: int) -> float:
    """Seconds before the next attempt: doubling from WEBHOOK_RETRY_BASE_SECONDS, plus up to a
    quarter more at random so receivers that failed together are not all retried at once."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts_made - 1)
    return min(settings.WEBHOOK_RETRY_MAX_SECONDS, base * (1 + random.random() / 4))  # noqa: S311 - jitter, not security


def delivery_attempt(*, delivery_id: int) -> float | None:
    """One attempt at a delivery (the task's work): the seconds until the next one, or None when the
    delivery is over (delivered, failed every attempt, its webhook off, or deleted)."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.state in FINISHED:
        return None
    webhook = delivery.webhook
    if not webhook.is_active:
        WebhookDelivery.objects.filter(pk=delivery_id).exclude(state__in=FINISHED).update(
            state=WebhookDelivery.State.FAILED, next_attempt_at=None, error="Not sent: the webhook is off."
        )
        return None
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-ARTops-Event": delivery.event,
        "X-ARTops-Delivery": str(delivery.uuid),
        "X-ARTops-Timestamp": timestamp,
        "X-ARTops-Signature": signature(webhook.secret, timestamp, body),
    }
    # Outside any transaction: no row stays locked while a slow receiver makes us wait.
    attempt = post(webhook.url, body, headers)
    return _record(webhook, delivery_id, attempt)


@transaction.atomic
def _record(webhook: Webhook, delivery_id: int, attempt: Attempt) -> float | None:
    now = timezone.now()
    # Locked in the order every webhook write takes (train, webhook, its deliveries), so recording
    # an attempt never deadlocks with the RTE editing or deleting the webhook meanwhile.
    _lock_train(webhook.train_id)
    Webhook.objects.select_for_update().filter(pk=webhook.pk).values_list("pk", flat=True).first()
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        return None  # the webhook was deleted while the receiver answered
    delivery.attempts += 1
    delivery.attempt_log = [
        *delivery.attempt_log,
        {
            "attempt": delivery.attempts,
            "at": now.isoformat(),
            "status": attempt.status,
            "duration_ms": attempt.duration_ms,
            "error": attempt.error,
        },
    ]
    delivery.response_status, delivery.duration_ms = attempt.status, attempt.duration_ms
    delivery.error, delivery.last_attempt_at, delivery.next_attempt_at = attempt.error, now, None
    delay = None
    if attempt.succeeded:
        delivery.state = WebhookDelivery.State.DELIVERED
        Webhook.objects.filter(pk=delivery.webhook_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.state = WebhookDelivery.State.FAILED
        _count_failure(delivery.webhook_id, now)
    else:
        delay = retry_delay(delivery.attempts)
        delivery.state, delivery.next_attempt_at = (
            WebhookDelivery.State.RETRYING,
            now + timedelta(seconds=delay),
        )
    delivery.save()
    return delay


def _count_failure(webhook_id: int, now) -> None:
    """A delivery failed every attempt: after WEBHOOK_DISABLE_AFTER in a row the webhook is
    disabled, with the reason the RTE reads on the webhooks page."""
    Webhook.objects.filter(pk=webhook_id).update(consecutive_failures=F("consecutive_failures") + 1)
    webhook = Webhook.objects.get(pk=webhook_id)
    limit = settings.WEBHOOK_DISABLE_AFTER
    if webhook.is_active and webhook.consecutive_failures >= limit:
        Webhook.objects.filter(pk=webhook_id).update(
            is_active=False,
            disabled_at=now,
            disabled_reason=(
                f"Disabled on {now:%d %b %Y %H:%M} UTC: {limit} deliveries in a row failed every attempt."
            ),
            version=F("version") + 1,
        )
        _refresh_train_events(webhook.train_id)
        log.warning(
            "webhook %s of train %s disabled after %s failed deliveries", webhook_id, webhook.train_id, limit
        )


# --- the safety net ------------------------------------------------------------------------------------

STALLED_AFTER = timedelta(minutes=2)


def stalled_deliveries_resend(now=None) -> list[int]:
    """Re-enqueue deliveries whose message was lost (a broker outage when the change committed, a
    worker killed between attempts): pending or retrying, with an attempt due for a while."""
    now = now or timezone.now()
    late = now - STALLED_AFTER
    stalled = list(
        WebhookDelivery.objects.filter(webhook__is_active=True)
        .filter(
            Q(state=WebhookDelivery.State.PENDING, created_at__lt=late)
            | Q(state=WebhookDelivery.State.RETRYING, next_attempt_at__lt=late)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    _send(stalled)
    return stalled
