"""What every running-the-PI screen shares: the train and PI lookup, and the one place where domain
errors become HTTP answers.

- NotAllowed → 403: a page saying what was refused, or (htmx) that message in the page's alert area.
- StaleVersion → 409 and ValidationError → 422 when a view did not handle them itself (views with a
  form put the messages on the form's fields and show the fresh data instead).

The screens tell htmx to swap 403/409/422 answers too (templates/risks/layout.html), so a refused
write shows its message where the person is looking.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import reswap, retarget

from artops.types import HtmxHttpRequest
from planning.services import StaleVersion
from trains.access import NotAllowed
from trains.models import Train
from trains.selectors import train_for_user

from .. import selectors

ALERT_TARGET = "#risks-alert"


def page_context(request: HtmxHttpRequest, slug: str, nav: str) -> dict:
    """The train, the user's access, the train's PIs and the selected one (`?pi=`)."""
    train, access = train_for_user(request.user, slug)
    pis = selectors.pis_of(train)
    pi = selectors.select_pi(pis, request.GET.get("pi") or request.POST.get("pi"))
    return {"train": train, "access": access, "pis": pis, "pi": pi, "nav": nav}


def url_with(name: str, train: Train, **query) -> str:
    url = reverse(name, args=[train.slug])
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def refused(request: HtmxHttpRequest, message: str, *, status: int, slug: str | None = None) -> HttpResponse:
    if request.htmx:
        response = render(request, "risks/refused.html#alert", {"message": message}, status=status)
        return reswap(retarget(response, ALERT_TARGET), "innerHTML")
    context = {"message": message, "status": status, "back": request.headers.get("Referer", "")}
    if slug:
        train, access = train_for_user(request.user, slug)
        context.update(train=train, access=access)
    return render(request, "risks/refused.html", context, status=status)


def domain_errors(view):
    """Map the domain's exceptions to HTTP for every write view, in one place."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        slug = kwargs.get("slug")
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as exc:
            return refused(request, str(exc), status=403, slug=slug)
        except StaleVersion as exc:
            return refused(request, f"{exc} Reload the page to see it.", status=409, slug=slug)
        except ValidationError as exc:
            return refused(request, " ".join(exc.messages), status=422, slug=slug)

    return wrapper
