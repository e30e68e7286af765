"""The webhooks API: the secret shown once, versions over HTTP, refusals per field, the delivery log
(newest first, filtered, at flat cost) and redeliver. Who may call what: tests/api/rows/webhooks.py."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from trains.models import Webhook, WebhookDelivery, WebhookEvent
from trains.webhooks.services import emit, webhook_create

from .world import build_world

pytestmark = pytest.mark.django_db
MOVED = WebhookEvent.FEATURE_MOVED


def url(name: str, *args) -> str:
    return reverse(f"trains-api:{name}", args=["orbit", *args])


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def webhook(world):
    hook, _ = webhook_create(train=world.train, url="https://hooks.example.com/a", events=[MOVED], actor=None)
    return hook


def patch(world, hook, body, version=None):
    headers = {"HTTP_IF_MATCH": f'"{version}"'} if version is not None else {}
    return world.client("rte").patch(
        url("webhook-detail", hook.pk), data=json.dumps(body), content_type="application/json", **headers
    )


def test_the_secret_is_answered_on_creation_only(world):
    client = world.client("rte")
    created = client.post(
        url("webhook-list"), {"url": "https://hooks.example.com/b", "events": [MOVED]}, format="json"
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    assert created["ETag"] == '"1"'
    read = client.get(url("webhook-detail", created.json()["id"]))
    assert read.status_code == 200 and "secret" not in read.json()
    assert all("secret" not in hook for hook in client.get(url("webhook-list")).json()["results"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://hooks.example.com/a", "events": [MOVED]}, "url"),
        ({"url": "https://hooks.example.com/a", "events": ["feature.renamed"]}, "events"),
        ({"url": "https://hooks.example.com/a", "events": []}, "events"),
        ({"url": "https://hooks.example.com/a", "events": "feature.moved"}, "events"),
        ({"url": "https://hooks.example.com/a", "events": [MOVED], "secret": "short"}, "secret"),
    ],
)
def test_a_bad_webhook_is_refused_per_field(world, body, field):
    response = world.client("rte").post(url("webhook-list"), body, format="json")
    assert response.status_code == 422 and field in response.json()["fields"]
    assert not Webhook.objects.exists()


def test_a_change_needs_the_version_it_is_based_on(world, webhook):
    assert patch(world, webhook, {"is_active": False}).status_code == 428
    stale = patch(world, webhook, {"is_active": False}, version=webhook.version + 5)
    assert stale.status_code == 412 and stale.json()["current"]["version"] == webhook.version
    assert stale["ETag"] == f'"{webhook.version}"'
    assert Webhook.objects.get().is_active
    paused = patch(world, webhook, {"is_active": False}, version=webhook.version)
    assert paused.status_code == 200 and paused.json()["is_active"] is False
    assert paused.json()["events"] == [MOVED]  # what the PATCH did not name stays


def test_turning_a_disabled_webhook_back_on_clears_its_failures(world, webhook):
    Webhook.objects.update(
        is_active=False, disabled_at="2026-01-01T00:00Z", disabled_reason="x", consecutive_failures=5
    )
    response = patch(world, webhook, {"is_active": True}, version=webhook.version)
    body = response.json()
    assert (body["is_active"], body["consecutive_failures"], body["disabled_at"]) == (True, 0, None)
    world.train.refresh_from_db()
    assert world.train.webhook_events == [MOVED]


def test_a_delete_needs_its_version(world, webhook):
    client = world.client("rte")
    assert client.delete(url("webhook-detail", webhook.pk)).status_code == 428
    assert client.delete(url("webhook-detail", webhook.pk), HTTP_IF_MATCH='"1"').status_code == 204
    assert not Webhook.objects.exists()


def test_the_delivery_log_is_newest_first_filtered_and_costs_the_same_for_3_and_30(world, webhook):
    client = world.client("rte")
    client.get(url("webhook-list"))  # the token's first use is noted once; not part of the cost
    counts = []
    for total in (3, 30):
        while WebhookDelivery.objects.count() < total:
            emit(train=world.train, event=MOVED, data={})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("webhook-delivery-list", webhook.pk))
        counts.append(len(captured.captured_queries))
    ids = [d["id"] for d in response.json()["results"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 30
    assert counts[0] == counts[1] <= 6, counts
    WebhookDelivery.objects.filter(pk=ids[0]).update(state="failed")
    failed = client.get(url("webhook-delivery-list", webhook.pk), {"state": "failed"}).json()["results"]
    assert [d["id"] for d in failed] == [ids[0]]


def test_a_redelivery_is_a_new_delivery_of_the_same_event(world, webhook):
    (delivery_id,) = emit(train=world.train, event=MOVED, data={"n": 1})
    response = world.client("rte").post(url("webhook-redeliver", webhook.pk, delivery_id))
    assert response.status_code == 202
    original = WebhookDelivery.objects.get(pk=delivery_id)
    assert response.json()["event_id"] == str(original.event_id)
    assert response.json()["redelivery_of"] == delivery_id and response.json()["state"] == "pending"


def test_a_delivery_is_found_under_its_own_webhook_only(world, webhook):
    other, _ = webhook_create(
        train=world.train, url="https://hooks.example.com/c", events=[MOVED], actor=None
    )
    delivery_id = emit(train=world.train, event=MOVED, data={})[0]
    response = world.client("rte").post(url("webhook-redeliver", other.pk, delivery_id + 10**6))
    assert response.status_code == 404
    response = world.client("rte").post(url("webhook-redeliver", 10**12, delivery_id))
    assert response.status_code == 404 and set(response.json()) >= {"code", "message", "fields"}
