"""Who may call the webhooks API (trains/api/webhooks.py): the train's RTE only, reads included
(trains.webhooks.services.require_webhook_manager): every other role is refused with 403."""

from django.urls import reverse

from trains.models import WebhookEvent
from trains.webhooks.services import emit, webhook_create

from ..table import Row

RTE = frozenset({"rte"})


def url(name: str, *args) -> str:
    return reverse(f"trains-api:{name}", args=["orbit", *args])


def webhook(w):
    w.extra["webhook"], _ = webhook_create(
        train=w.train, url="https://hooks.example.com/artops", events=[WebhookEvent.FEATURE_MOVED], actor=None
    )


def delivery(w):
    webhook(w)
    (w.extra["delivery"],) = emit(
        train=w.train, event=WebhookEvent.FEATURE_MOVED, data={"feature": {"id": 1}}
    )


ROWS = [
    Row("GET", "trains-api:webhook-list", lambda w: url("webhook-list"), RTE, setup=webhook),
    Row(
        "POST",
        "trains-api:webhook-list",
        lambda w: url("webhook-list"),
        RTE,
        body=lambda w: {
            "url": "https://hooks.example.com/new",
            "events": ["risk.roamed", "pi.state_changed"],
        },
    ),
    Row(
        "GET",
        "trains-api:webhook-detail",
        lambda w: url("webhook-detail", w.extra["webhook"].pk),
        RTE,
        setup=webhook,
    ),
    Row(
        "PATCH",
        "trains-api:webhook-detail",
        lambda w: url("webhook-detail", w.extra["webhook"].pk),
        RTE,
        setup=webhook,
        body=lambda w: {"events": ["feature.moved", "dependency.red"]},
        if_match=lambda w: w.extra["webhook"].version,
    ),
    Row(
        "DELETE",
        "trains-api:webhook-detail",
        lambda w: url("webhook-detail", w.extra["webhook"].pk),
        RTE,
        setup=webhook,
        if_match=lambda w: w.extra["webhook"].version,
    ),
    Row(
        "GET",
        "trains-api:webhook-delivery-list",
        lambda w: url("webhook-delivery-list", w.extra["webhook"].pk),
        RTE,
        setup=delivery,
    ),
    Row(
        "POST",
        "trains-api:webhook-redeliver",
        lambda w: url("webhook-redeliver", w.extra["webhook"].pk, w.extra["delivery"]),
        RTE,
        setup=delivery,
    ),
]
