"""What every running-the-PI screen shares: the train and PI lookup, and links that keep the
selected PI.

A domain error a view does not handle itself (NotAllowed, StaleVersion, a service's
ValidationError) becomes an HTTP answer in artops/middleware.py, the one place for every HTML view.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from planning.selectors.pis import pi_being_run, pis_of_train
from trains.http import HtmxHttpRequest
from trains.models import Train
from trains.selectors import train_for_user


def page_context(request: HtmxHttpRequest, slug: str, nav: str) -> dict:
    """The train, the user's access, the train's PIs and the selected one: `?pi=`, else the PI the
    program board shows. None when the train has no PI yet (the pages say so instead of a 404)."""
    train, access = train_for_user(request.user, slug)
    pis = list(pis_of_train(train))
    pi_id = request.GET.get("pi") or request.POST.get("pi")
    pi = pi_being_run(train, pi_id, pis) if pis or pi_id else None
    return {"train": train, "access": access, "pis": pis, "pi": pi, "nav": nav}


def url_with(name: str, train: Train, **query) -> str:
    url = reverse(name, args=[train.slug])
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url
