"""What every running-the-PI screen shares: the train and PI lookup, and links that keep the
selected PI.

A domain error a view does not handle itself (NotAllowed, StaleVersion, a service's
ValidationError) becomes an HTTP answer in artops/middleware.py, the one place for every HTML view.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from artops.types import HtmxHttpRequest
from trains.models import Train
from trains.selectors import train_for_user

from .. import selectors


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
