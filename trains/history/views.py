"""The History panel of an item and the train's Activity page: readable by everyone on the train,
404 for anyone else (trains.selectors.train_for_user). History is only read here, never written."""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user

from .forms import FeedFilterForm
from .models import Kind
from .selectors import activity_feed, item_history, people_of_train

PAGE = "trains/activity.html"


@login_required
@require_safe
def item_changes(request: HtmxHttpRequest, slug: str, kind: str, object_id: int) -> HttpResponse:
    """One item's History panel (htmx, when the panel is opened), or a page of its own without JavaScript."""
    train, access = train_for_user(request.user, slug)
    if kind not in Kind.values:
        raise Http404("No such kind of item.")
    context = {
        "train": train,
        "access": access,
        "kind": Kind(kind),
        "object_id": object_id,
        "changes": item_history(train, kind, object_id),
    }
    if request.htmx:
        return render(request, "trains/_history.html#history-list", context)
    return render(request, "trains/history_page.html", context)


@login_required
@require_safe
def activity(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The train's activity feed, newest first, filtered by person, kind and days; paged by a cursor."""
    train, access = train_for_user(request.user, slug)
    form = FeedFilterForm(request.GET or None, people=people_of_train(train))
    page = activity_feed(train, form.filters(), cursor=request.GET.get("cursor"))
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "train": train,
        "access": access,
        "nav": "activity",
        "form": form,
        "page": page,
        # A heading per day, in the train's time zone.
        "days": [
            (day, list(rows)) for day, rows in groupby(page.changes, key=lambda c: timezone.localdate(c.at))
        ],
        "query": query.urlencode(),
        "first_page": not request.GET.get("cursor"),
    }
    if request.htmx and request.htmx.target == "activity-feed":
        return render(request, f"{PAGE}#feed", context)
    return render(request, PAGE, context)
