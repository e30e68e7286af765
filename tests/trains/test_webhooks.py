"""Outgoing webhooks: who manages them, what is announced and when, how a delivery is signed,
retried and given up on. Deliveries go to a real HTTP receiver on 127.0.0.1 (tests/trains/webhook_receiver.py).
The same with a real Celery worker on Redis: tests/trains/test_webhooks_worker.py."""

import hashlib
import hmac
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from planning.factories import DependencyFactory, FeatureFactory
from planning.models import Feature
from planning.services import feature_move, feature_set_state
from risks.factories import RiskFactory
from risks.services import risk_roam
from trains.errors import NotAllowed, StaleVersion
from trains.models import Train, Webhook, WebhookDelivery, WebhookEvent
from trains.webhooks import services
from trains.webhooks.services import (
    delivery_attempt,
    delivery_redeliver,
    emit,
    signature,
    signature_is_valid,
    webhook_create,
    webhook_delete,
    webhook_enable,
    webhook_update,
)

from .webhook_receiver import receiver

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-the-tests-only"
MOVED = WebhookEvent.FEATURE_MOVED


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.01
    settings.WEBHOOK_DISABLE_AFTER = 2
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


def subscribe(train, rte, url="https://hooks.example.com/artops", events=(MOVED,), secret=SECRET):
    return webhook_create(train=train, url=url, events=list(events), actor=rte, secret=secret)[0]


def fresh(train) -> Train:
    return Train.objects.get(pk=train.pk)


# --- signing ---------------------------------------------------------------------------------------


def test_the_signature_is_an_hmac_sha256_of_the_timestamp_and_the_body():
    body = b'{"event":"feature.moved"}'
    expected = hmac.new(SECRET.encode(), b"1767225600." + body, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1767225600, body) == f"sha256={expected}"


def test_a_receiver_refuses_a_changed_body_another_secret_and_an_old_timestamp():
    body, now = b'{"a":1}', 1_800_000_000
    signed = signature(SECRET, now, body)
    assert signature_is_valid(SECRET, str(now), body, signed, now=now + 10)
    assert not signature_is_valid(SECRET, str(now), b'{"a":2}', signed, now=now)
    assert not signature_is_valid("another-secret-entirely", str(now), body, signed, now=now)
    assert not signature_is_valid(SECRET, str(now), body, signed, now=now + 3600)  # a replay
    assert not signature_is_valid(SECRET, "soon", body, signed, now=now)


# --- managing ----------------------------------------------------------------------------------------


def test_the_rte_subscribes_a_url_and_is_given_a_secret_once(rte, train):
    webhook, secret = webhook_create(
        train=train, url="https://hooks.example.com/a", events=[MOVED, WebhookEvent.RISK_ROAMED], actor=rte
    )
    assert secret.startswith("whsec_") and len(secret) > 40 and webhook.secret == secret
    # Kept in the event list's order, whatever order they were chosen in.
    assert webhook.events == [MOVED, WebhookEvent.RISK_ROAMED]
    assert fresh(train).webhook_events == [MOVED, WebhookEvent.RISK_ROAMED] == train.webhook_events


@pytest.mark.parametrize(
    "persona", ["product_manager", "scrum_master", "business_owner", "viewer", "outsider"]
)
def test_only_the_rte_manages_webhooks(request, rte, train, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        webhook_create(train=train, url="https://hooks.example.com/a", events=[MOVED], actor=actor)
    webhook = subscribe(train, rte)
    with pytest.raises(NotAllowed):
        webhook_delete(webhook=webhook, expected_version=webhook.version, actor=actor)
    assert Webhook.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "events", "secret", "field"),
    [
        ("ftp://hooks.example.com/a", [MOVED], None, "url"),
        ("hooks.example.com/a", [MOVED], None, "url"),
        ("https://hooks.example.com/a", [], None, "events"),
        ("https://hooks.example.com/a", ["feature.renamed"], None, "events"),
        ("https://hooks.example.com/a", [MOVED], "short", "secret"),
    ],
)
def test_a_webhook_needs_an_http_url_known_events_and_a_long_enough_secret(
    rte, train, url, events, secret, field
):
    with pytest.raises(ValidationError) as refused:
        webhook_create(train=train, url=url, events=events, actor=rte, secret=secret)
    assert field in refused.value.message_dict
    assert not Webhook.objects.exists()


def test_the_trains_listened_events_follow_every_webhook_change(rte, train):
    webhook = subscribe(train, rte, events=[MOVED])
    webhook = webhook_update(
        webhook=webhook,
        expected_version=webhook.version,
        actor=rte,
        url=webhook.url,
        events=[WebhookEvent.RISK_ROAMED],
        is_active=True,
    )
    assert fresh(train).webhook_events == [WebhookEvent.RISK_ROAMED]
    webhook = webhook_update(
        webhook=webhook,
        expected_version=webhook.version,
        actor=rte,
        url=webhook.url,
        events=webhook.events,
        is_active=False,
    )
    assert fresh(train).webhook_events == []
    with pytest.raises(StaleVersion):
        webhook_enable(webhook=webhook, expected_version=webhook.version - 1, actor=rte)
    webhook = webhook_enable(webhook=webhook, expected_version=webhook.version, actor=rte)
    assert fresh(train).webhook_events == [WebhookEvent.RISK_ROAMED]
    webhook_delete(webhook=webhook, expected_version=webhook.version, actor=rte)
    assert fresh(train).webhook_events == []


# --- announcing --------------------------------------------------------------------------------------


def test_a_train_nobody_listens_to_announces_at_no_query(train, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert emit(train=train, event=MOVED, data={}) == []


def test_a_move_on_a_train_without_webhooks_reads_no_webhook_table(rte, train, team, upcoming_pi):
    i1, i2 = upcoming_pi.iterations.order_by("number")[:2]
    feature = FeatureFactory(train=train, pi=upcoming_pi, team=team, iteration=i1)
    with CaptureQueriesContext(connection) as captured:
        feature_move(
            feature=feature, team_id=team.pk, iteration_id=i2.pk, expected_version=feature.version, actor=rte
        )
    assert not [q for q in captured.captured_queries if "webhook" in q["sql"]]


def test_an_event_is_recorded_for_each_subscribed_active_webhook_and_sent_after_commit(
    rte, train, django_capture_on_commit_callbacks
):
    subscribed = subscribe(train, rte, events=[MOVED])
    subscribe(train, rte, events=[WebhookEvent.RISK_ROAMED])
    paused = subscribe(train, rte, events=[MOVED])
    webhook_update(
        webhook=paused, expected_version=1, actor=rte, url=paused.url, events=[MOVED], is_active=False
    )
    sent = []
    services._send, real_send = sent.extend, services._send
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ids = emit(train=fresh(train), event=MOVED, data={"feature": {"id": 1}}, actor=rte)
            assert sent == []  # nothing goes out before the change commits
    finally:
        services._send = real_send
    delivery = WebhookDelivery.objects.get()
    assert sent == ids == [delivery.pk] and delivery.webhook == subscribed
    assert delivery.payload["event"] == MOVED and delivery.payload["actor"] == "rte"
    assert delivery.payload["train"] == {"slug": "orbit", "name": "Orbit ART"}
    assert delivery.payload["id"] == str(delivery.event_id)


def test_nothing_is_recorded_or_sent_for_a_change_that_rolls_back(
    rte, train, django_capture_on_commit_callbacks
):
    subscribe(train, rte)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        emit(train=fresh(train), event=MOVED, data={})
        raise RuntimeError("the change failed")
    assert callbacks == [] and not WebhookDelivery.objects.exists()


def test_a_board_move_announces_itself_and_the_strings_it_turned_red_then_recovered(
    rte, train, team, other_team, upcoming_pi, django_capture_on_commit_callbacks
):
    i1, i2, i3 = upcoming_pi.iterations.order_by("number")[:3]
    provider = FeatureFactory(train=train, pi=upcoming_pi, team=other_team, iteration=i1)
    string = DependencyFactory(
        pi=upcoming_pi,
        requesting_team=team,
        providing_team=other_team,
        providing_feature=provider,
        needed_by_iteration=i2,
    )
    subscribe(train, rte, events=[MOVED, WebhookEvent.DEPENDENCY_RED, WebhookEvent.DEPENDENCY_RECOVERED])
    card = Feature.objects.select_related("pi", "train").get(pk=provider.pk)

    with django_capture_on_commit_callbacks():
        card = feature_move(
            feature=card, team_id=other_team.pk, iteration_id=i3.pk, expected_version=card.version, actor=rte
        )
    events = list(WebhookDelivery.objects.order_by("pk").values_list("event", "payload"))
    assert [event for event, _ in events] == [MOVED, WebhookEvent.DEPENDENCY_RED]
    moved, red = events[0][1]["data"], events[1][1]["data"]
    assert moved["from"] == {"team": other_team.pk, "iteration": i1.pk}
    assert moved["to"] == {"team": other_team.pk, "iteration": i3.pk}
    assert moved["feature"]["version"] == card.version
    assert red["dependency"]["id"] == string.pk and red["health"] == "conflict"

    with django_capture_on_commit_callbacks():
        feature_move(
            feature=card, team_id=other_team.pk, iteration_id=i1.pk, expected_version=card.version, actor=rte
        )
    assert (
        WebhookDelivery.objects.order_by("-pk").values_list("event", flat=True)[0]
        == WebhookEvent.DEPENDENCY_RECOVERED
    )


def test_state_changes_and_roam_moves_are_announced(rte, train, team, pi, django_capture_on_commit_callbacks):
    subscribe(train, rte, events=[WebhookEvent.FEATURE_STATE_CHANGED, WebhookEvent.RISK_ROAMED])
    feature = FeatureFactory(train=fresh(train), pi=pi, team=team)
    risk = RiskFactory(train=fresh(train))
    with django_capture_on_commit_callbacks():
        feature_set_state(feature=feature, state=Feature.State.ANALYZING, actor=rte)
        risk_roam(risk=risk, status="accepted", actor=rte, expected_version=risk.version)
    payloads = {
        event: payload["data"] for event, payload in WebhookDelivery.objects.values_list("event", "payload")
    }
    assert payloads[WebhookEvent.FEATURE_STATE_CHANGED]["to_state"] == Feature.State.ANALYZING
    assert payloads[WebhookEvent.RISK_ROAMED]["to_status"] == "accepted"


# --- delivering ----------------------------------------------------------------------------------------


def _delivery(train, rte, url, event=MOVED) -> WebhookDelivery:
    subscribe(train, rte, url=url)
    (delivery_id,) = emit(train=fresh(train), event=event, data={"n": 1})
    return WebhookDelivery.objects.get(pk=delivery_id)


def test_a_delivery_is_posted_signed_with_its_headers(rte, train):
    with receiver(SECRET) as hook:
        delivery = _delivery(train, rte, hook.url)
        assert delivery_attempt(delivery_id=delivery.pk) is None
    (got,) = hook.received
    assert got.signature_valid
    assert got.headers["X-ARTops-Event"] == MOVED
    assert got.headers["X-ARTops-Delivery"] == str(delivery.uuid)
    assert got.headers["Content-Type"] == "application/json"
    assert got.payload == delivery.payload
    delivery.refresh_from_db()
    assert (delivery.state, delivery.response_status, delivery.attempts) == ("delivered", 200, 1)
    assert delivery.duration_ms is not None and len(delivery.attempt_log) == 1


def test_a_failing_receiver_is_retried_with_growing_delays_then_the_delivery_fails(rte, train, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    with receiver(SECRET, statuses=[500]) as hook:
        delivery = _delivery(train, rte, hook.url)
        delays = [delivery_attempt(delivery_id=delivery.pk) for _ in range(3)]
    assert 10 <= delays[0] <= 12.5 and 20 <= delays[1] <= 25 and delays[2] is None
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 3 and len(hook.received) == 3
    assert [a["status"] for a in delivery.attempt_log] == [500, 500, 500]
    assert delivery.error.startswith("HTTP 500")
    assert Webhook.objects.get().consecutive_failures == 1


def test_an_unreachable_receiver_is_an_attempt_with_no_status(rte, train):
    with receiver(SECRET) as hook:
        url = hook.url  # the server is gone once the block ends: nothing listens there any more
    delivery = _delivery(train, rte, url)
    assert delivery_attempt(delivery_id=delivery.pk) is not None
    delivery.refresh_from_db()
    assert delivery.state == "retrying" and delivery.response_status is None and delivery.error
    assert delivery.next_attempt_at is not None


def test_a_redirect_is_not_followed(rte, train):
    with receiver(SECRET, statuses=[307]) as hook:
        delivery = _delivery(train, rte, hook.url)
        delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "retrying" and delivery.response_status == 307 and len(hook.received) == 1


def test_repeated_failed_deliveries_disable_the_webhook_and_the_rte_can_turn_it_back_on(rte, train):
    with receiver(SECRET, statuses=[500]) as hook:
        webhook = subscribe(train, rte, url=hook.url)
        for _ in range(2):  # WEBHOOK_DISABLE_AFTER
            (delivery_id,) = emit(train=fresh(train), event=MOVED, data={})
            while delivery_attempt(delivery_id=delivery_id) is not None:
                pass
    webhook.refresh_from_db()
    assert not webhook.is_active and webhook.disabled_at is not None
    assert "2 deliveries in a row failed" in webhook.disabled_reason
    assert fresh(train).webhook_events == []  # nothing more is recorded for it
    assert emit(train=fresh(train), event=MOVED, data={}) == []

    webhook = webhook_enable(webhook=webhook, expected_version=webhook.version, actor=rte)
    assert webhook.is_active and webhook.consecutive_failures == 0 and webhook.disabled_reason == ""


def test_a_success_resets_the_failure_count(rte, train):
    with receiver(SECRET, statuses=[200]) as hook:
        delivery = _delivery(train, rte, hook.url)
        Webhook.objects.update(consecutive_failures=1)
        delivery_attempt(delivery_id=delivery.pk)
    assert Webhook.objects.get().consecutive_failures == 0


def test_a_redelivery_sends_the_same_event_again_as_a_new_delivery(rte, train, product_manager):
    with receiver(SECRET) as hook:
        delivery = _delivery(train, rte, hook.url)
        delivery_attempt(delivery_id=delivery.pk)
        with pytest.raises(NotAllowed):
            delivery_redeliver(delivery=delivery, actor=product_manager)
        again = delivery_redeliver(delivery=delivery, actor=rte)
        delivery_attempt(delivery_id=again.pk)
    assert again.pk != delivery.pk and again.event_id == delivery.event_id and again.redelivery_of == delivery
    first, second = hook.received
    assert first.payload == second.payload
    assert first.headers["X-ARTops-Delivery"] != second.headers["X-ARTops-Delivery"]


def test_a_delivery_of_a_webhook_turned_off_is_not_sent(rte, train):
    with receiver(SECRET) as hook:
        delivery = _delivery(train, rte, hook.url)
        Webhook.objects.update(is_active=False)
        assert delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert hook.received == [] and delivery.state == "failed" and delivery.attempts == 0


def test_the_safety_net_resends_deliveries_whose_message_was_lost(rte, train):
    delivery = _delivery(train, rte, "https://hooks.example.com/a")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=delivery.created_at.replace(year=2020))
    sent = []
    services._send, real_send = sent.extend, services._send
    try:
        assert services.stalled_deliveries_resend() == [delivery.pk]
    finally:
        services._send = real_send
    assert sent == [delivery.pk]


def test_delivery_ids_are_unique(rte, train):
    delivery = _delivery(train, rte, "https://hooks.example.com/a")
    assert isinstance(delivery.uuid, uuid.UUID) and delivery.uuid != delivery.event_id


# --- the database's own refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"url": "ftp://hooks.example.com/a"},
        {"secret": ""},
        {"disabled_at": "2026-03-02T10:00Z"},  # still active
    ],
)
def test_the_database_refuses_a_webhook_breaking_its_invariants(rte, train, change):
    webhook = subscribe(train, rte)
    with pytest.raises(IntegrityError), transaction.atomic():
        Webhook.objects.filter(pk=webhook.pk).update(**change)


@pytest.mark.parametrize("change", [{"state": "delivered", "response_status": 500}, {"state": "lost"}])
def test_the_database_refuses_a_delivery_breaking_its_invariants(rte, train, change):
    delivery = _delivery(train, rte, "https://hooks.example.com/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**change)
