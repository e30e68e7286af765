"""The RTE's webhooks pages: subscribe (the secret shown once), edit with the version, the delivery
log, redeliver, turn back on, delete; nobody else on the train gets in, and the train page tells the
RTE when a webhook was disabled."""

import pytest
from django.urls import reverse

from trains.models import Webhook, WebhookDelivery, WebhookEvent
from trains.webhooks.services import emit, webhook_create

pytestmark = pytest.mark.django_db
MOVED = WebhookEvent.FEATURE_MOVED


@pytest.fixture
def hook(train):
    webhook, _ = webhook_create(train=train, url="https://hooks.example.com/a", events=[MOVED], actor=None)
    return webhook


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_rte_subscribes_a_url_and_sees_its_secret_once(client, rte, train):
    client = signed_in(client, rte)
    page = reverse("trains:webhooks", args=[train.slug])
    response = client.post(
        page,
        {"url": "https://hooks.example.com/new", "events": [MOVED, WebhookEvent.RISK_ROAMED]},
        follow=True,
    )
    webhook = Webhook.objects.get()
    assert webhook.events == [MOVED, WebhookEvent.RISK_ROAMED] and webhook.created_by == rte
    assert webhook.secret in response.content.decode()
    assert webhook.secret not in client.get(page).content.decode()


def test_a_webhook_without_events_is_refused_on_the_form(client, rte, train):
    response = signed_in(client, rte).post(
        reverse("trains:webhooks", args=[train.slug]), {"url": "https://hooks.example.com/new"}
    )
    assert response.status_code == 422 and not Webhook.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("product_manager", 403), ("viewer", 403), ("outsider", 404)]
)
def test_nobody_but_the_rte_sees_the_webhooks(request, client, train, hook, persona, status):
    client = signed_in(client, request.getfixturevalue(persona))
    assert client.get(reverse("trains:webhooks", args=[train.slug])).status_code == status
    assert client.get(reverse("trains:webhook", args=[train.slug, hook.pk])).status_code == status
    delete = reverse("trains:webhook_delete", args=[train.slug, hook.pk])
    assert client.post(delete, {"version": hook.version}).status_code == status
    assert Webhook.objects.exists()


def test_an_edit_based_on_an_old_version_is_refused_and_shows_the_current_one(client, rte, train, hook):
    Webhook.objects.filter(pk=hook.pk).update(version=2, description="Changed meanwhile")
    response = signed_in(client, rte).post(
        reverse("trains:webhook", args=[train.slug, hook.pk]),
        {"url": "https://hooks.example.com/b", "events": [MOVED], "is_active": "on", "version": 1},
    )
    assert response.status_code == 409 and "Changed meanwhile" in response.content.decode()
    assert Webhook.objects.get().url == "https://hooks.example.com/a"


def test_the_log_shows_every_attempt_and_a_delivery_can_be_sent_again(client, rte, train, hook):
    (delivery_id,) = emit(train=train, event=MOVED, data={})
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        state="failed",
        attempts=2,
        response_status=500,
        duration_ms=12,
        attempt_log=[
            {
                "attempt": 1,
                "at": "2026-03-02T10:00:01+00:00",
                "status": 500,
                "duration_ms": 9,
                "error": "HTTP 500: boom",
            },
            {
                "attempt": 2,
                "at": "2026-03-02T10:00:31+00:00",
                "status": 500,
                "duration_ms": 12,
                "error": "HTTP 500: boom",
            },
        ],
    )
    client = signed_in(client, rte)
    page = client.get(reverse("trains:webhook", args=[train.slug, hook.pk])).content.decode()
    assert "10:00:01 · 500 · 9 ms" in page and "10:00:31 · 500 · 12 ms" in page
    client.post(reverse("trains:webhook_redeliver", args=[train.slug, hook.pk, delivery_id]))
    again = WebhookDelivery.objects.exclude(pk=delivery_id).get()
    assert again.redelivery_of_id == delivery_id


def test_a_disabled_webhook_is_shown_on_the_train_page_and_turned_back_on(
    client, rte, product_manager, train, hook
):
    Webhook.objects.filter(pk=hook.pk).update(
        is_active=False, disabled_at="2026-03-02T10:00Z", disabled_reason="5 deliveries in a row failed."
    )
    train_page = reverse("trains:detail", args=[train.slug])
    assert "webhook disabled" in signed_in(client, rte).get(train_page).content.decode()
    client.post(reverse("trains:webhook_enable", args=[train.slug, hook.pk]), {"version": hook.version})
    hook.refresh_from_db()
    assert hook.is_active and hook.disabled_at is None
    train.refresh_from_db()
    assert train.webhook_events == [MOVED]
    assert "Webhooks" not in signed_in(client, product_manager).get(train_page).content.decode()


def test_a_delete_goes_with_its_log(client, rte, train, hook):
    emit(train=train, event=MOVED, data={})
    signed_in(client, rte).post(
        reverse("trains:webhook_delete", args=[train.slug, hook.pk]), {"version": hook.version}
    )
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()
