"""The RTE's webhooks page: subscribe a URL to some of the train's events, see each webhook's
delivery log, redeliver, pause, turn back on and delete. Every write goes through
trains.webhooks.services as the signed-in user; a refusal reaches the middleware's one mapping."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from trains.forms import ShowsVersionErrors, VersionField, save_form
from trains.http import HtmxHttpRequest
from trains.models import Train, Webhook, WebhookDelivery, WebhookEvent
from trains.selectors import train_for_user

from . import services

# Where a new webhook's secret waits for the one page view that shows it.
NEW_SECRET = "artops_new_webhook_secret"
LOG_LENGTH = 50


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="Target URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where the events are POSTed, as JSON (http:// or https://).",
    )
    description = forms.CharField(
        max_length=120, required=False, help_text="Such as “Release train channel”."
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple, help_text="What to send."
    )


class WebhookEditForm(ShowsVersionErrors, WebhookForm):
    is_active = forms.BooleanField(label="Active", required=False, help_text="Untick to pause it.")
    version = VersionField()


def _train_for_rte(request: HtmxHttpRequest, slug: str) -> Train:
    """The train, for its RTE only (404 off the user's trains, 403 for the other roles)."""
    train, _ = train_for_user(request.user, slug)
    services.require_webhook_manager(request.user, train.pk)
    return train


def _get_webhook_for_user(request: HtmxHttpRequest, slug: str, webhook_id: int) -> tuple[Train, Webhook]:
    train = _train_for_rte(request, slug)
    return train, get_object_or_404(Webhook, pk=webhook_id, train=train)


@login_required
def webhook_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = _train_for_rte(request, slug)
    form = WebhookForm(request.POST or None)
    if request.method == "POST":
        created = {}

        def create(data):
            created["webhook"], created["secret"] = services.webhook_create(
                train=train, actor=request.user, **data
            )

        if save_form(form, create) is None:
            request.session[NEW_SECRET] = {"id": created["webhook"].pk, "secret": created["secret"]}
            return redirect("trains:webhooks", train.slug)
    new = request.session.pop(NEW_SECRET, None)
    context = {
        "train": train,
        "form": form,
        "webhooks": Webhook.objects.filter(train=train).order_by("pk"),
        "new_secret": new["secret"] if new else None,
        "new_id": new["id"] if new else None,
        "event_labels": dict(WebhookEvent.choices),
    }
    return render(request, "trains/webhooks.html", context, status=422 if form.errors else 200)


@login_required
def webhook_detail(request: HtmxHttpRequest, slug: str, webhook_id: int) -> HttpResponse:
    train, webhook = _get_webhook_for_user(request, slug, webhook_id)
    initial = {
        "url": webhook.url,
        "description": webhook.description,
        "events": webhook.events,
        "is_active": webhook.is_active,
        "version": webhook.version,
    }
    form = WebhookEditForm(request.POST or None, initial=initial)
    stale_message = ""
    if request.method == "POST":
        refused = save_form(
            form,
            lambda data: services.webhook_update(
                webhook=webhook,
                expected_version=data["version"],
                actor=request.user,
                url=data["url"],
                events=data["events"],
                description=data["description"],
                is_active=data["is_active"],
            ),
        )
        if refused is None:
            messages.success(request, "Webhook saved.")
            return redirect("trains:webhook", train.slug, webhook.pk)
        if refused.status == 409:
            webhook.refresh_from_db()
            stale_message = refused.message
            form = WebhookEditForm(initial={**initial, "version": webhook.version})
    context = {
        "train": train,
        "webhook": webhook,
        "form": form,
        "stale_message": stale_message,
        "deliveries": WebhookDelivery.objects.filter(webhook=webhook).order_by("-pk")[:LOG_LENGTH],
        "log_length": LOG_LENGTH,
    }
    status = 409 if stale_message else 422 if form.errors else 200
    return render(request, "trains/webhook_detail.html", context, status=status)


class VersionForm(ShowsVersionErrors, forms.Form):
    version = VersionField()


def _version(request) -> int | None:
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


@login_required
@require_POST
def webhook_enable(request: HtmxHttpRequest, slug: str, webhook_id: int) -> HttpResponse:
    train, webhook = _get_webhook_for_user(request, slug, webhook_id)
    services.webhook_enable(webhook=webhook, expected_version=_version(request), actor=request.user)
    messages.success(request, "The webhook is on again: new events are sent to it.")
    return redirect("trains:webhook", train.slug, webhook.pk)


@login_required
@require_POST
def webhook_delete(request: HtmxHttpRequest, slug: str, webhook_id: int) -> HttpResponse:
    train, webhook = _get_webhook_for_user(request, slug, webhook_id)
    services.webhook_delete(webhook=webhook, expected_version=_version(request), actor=request.user)
    messages.success(request, f"Webhook to {webhook.url} deleted, with its delivery log.")
    return redirect("trains:webhooks", train.slug)


@login_required
@require_POST
def delivery_redeliver(
    request: HtmxHttpRequest, slug: str, webhook_id: int, delivery_id: int
) -> HttpResponse:
    train, webhook = _get_webhook_for_user(request, slug, webhook_id)
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("webhook"), pk=delivery_id, webhook=webhook
    )
    services.delivery_redeliver(delivery=delivery, actor=request.user)
    messages.success(request, f"“{delivery.event}” sent again as a new delivery.")
    return redirect("trains:webhook", train.slug, webhook.pk)
