"""The ART calendar: the RTE's page of secret addresses, and the feed a calendar app reads.

The feed needs no sign-in (a calendar app has none): its secret address is the key, and it answers
404, as for an address that never existed, once revoked.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user

from ..calendar import calendar_feed_for_token, calendar_feeds_of, calendar_ics
from ..models import CalendarFeed
from ..services.calendar import WHO_MANAGES_IT, calendar_feed_create, calendar_feed_revoke

NEW_ADDRESS = "risks.calendar.new"


def _rte_train(request: HtmxHttpRequest, slug: str):
    train, access = train_for_user(request.user, slug)
    access.require(access.is_rte, WHO_MANAGES_IT)
    return train, access


@login_required
@require_GET
def calendar_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access = _rte_train(request, slug)
    new = request.session.pop(NEW_ADDRESS, None)
    return render(
        request,
        "risks/calendar.html",
        {
            "train": train,
            "access": access,
            "nav": "train",
            "feeds": list(calendar_feeds_of(train)),
            "new_url": new["url"] if new and new.get("train") == train.pk else None,
        },
    )


@login_required
@require_POST
def calendar_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, _ = _rte_train(request, slug)
    _, token = calendar_feed_create(train=train, actor=request.user)
    url = request.build_absolute_uri(
        reverse("risks:calendar_feed", kwargs={"slug": train.slug, "token": token})
    )
    # Shown once, on the page the redirect opens: only the token's hash is kept.
    request.session[NEW_ADDRESS] = {"train": train.pk, "url": url}
    return redirect("risks:calendar", slug=train.slug)


@login_required
@require_POST
def calendar_revoke(request: HtmxHttpRequest, slug: str, feed_id: int) -> HttpResponse:
    train, _ = _rte_train(request, slug)
    feed = get_object_or_404(CalendarFeed, pk=feed_id, train=train)
    calendar_feed_revoke(feed=feed, actor=request.user)
    messages.success(request, "The calendar address is revoked: calendars subscribed to it get nothing more.")
    return redirect("risks:calendar", slug=train.slug)


@require_GET
def calendar_feed(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    feed = calendar_feed_for_token(token)
    if feed is None or feed.train.slug != slug:
        raise Http404("No such calendar.")
    response = HttpResponse(calendar_ics(feed.train), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{feed.train.slug}-art-calendar.ics"'
    # The address is a secret: no shared cache keeps what it answers, nor where it was linked from.
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response
