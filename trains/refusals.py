"""The one mapping from a domain error to an HTTP refusal, shared by pages, htmx fragments and the API.

Services raise NotAllowed, StaleVersion, Conflict (trains/errors.py) or Django's ValidationError;
`refusal()` says what each means for a person: a status, a title, a message and the messages per
field. One error comes from the database rather than a service: the embedded default's SQLite file
busy with another write for longer than its timeout (settings: `timeout`), which two people saving
at once may meet; it is a 409 like any other concurrent change, never a 500. Anything else is a
programming error: `refusal()` returns None and it stays a 500. Http404 stays Django's own.

How a refusal reaches the browser (one contract for every page):

- htmx: the message as text/plain, status 403/409/422, `HX-Reswap: none`; static/js/app.js shows it
  in the page's alert area (base.html has one on every page) and fires `artops:refused` on the body
  for pages that do more (the board reloads itself after a 409);
- a plain request: the error page with the message (templates/errors/refused.html).

A DRF exception handler reuses `refusal()` as it is: status, message and field errors are all an API
answer needs.
"""

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import reswap

from .errors import Conflict, NotAllowed, StaleVersion
from .selectors import train_for_user


@dataclass(frozen=True)
class Refusal:
    """A domain error as a person (or an API client) is told it."""

    status: int
    title: str
    message: str
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    # The record as it is now, for a stale write: a view that shows the fresh data reads it here.
    current: Any = field(default=None, compare=False, repr=False)


def refusal(exception: BaseException) -> Refusal | None:
    """The refusal a domain error stands for; None for any other error (it stays a 500)."""
    if isinstance(exception, NotAllowed):
        return Refusal(403, "Not allowed", str(exception))
    if isinstance(exception, StaleVersion):
        message = f"{exception.current} was changed by someone else. Reload the page to see it."
        return Refusal(409, "Changed by someone else", message, current=exception.current)
    if isinstance(exception, Conflict):
        return Refusal(409, "Not saved: it conflicts with the current state", str(exception))
    if isinstance(exception, ValidationError):
        fields = exception.message_dict if hasattr(exception, "error_dict") else {}
        return Refusal(422, "Not saved", " ".join(exception.messages), field_errors=fields)
    if database_busy(exception):
        return Refusal(409, "Not saved: someone else was saving", DATABASE_BUSY)
    return None


DATABASE_BUSY = "Someone else was saving at the same moment, so nothing of yours was saved. Try again."
# SQLite's "database is locked" (busy: another connection holds the write lock) and "database table
# is locked" (locked: within a connection); the extended codes keep these in their low byte.
_SQLITE_CONTENTION = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def database_busy(exception: BaseException) -> bool:
    """Whether SQLite refused the statement because another write held its lock past the timeout.

    Contention, not an outage (artops/outage.py's 503 is for a database that cannot be reached) and
    not a bug: the transaction was rolled back whole, so nothing of the request was saved."""
    if not isinstance(exception, OperationalError):
        return False
    code = getattr(exception.__cause__, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_CONTENTION


def htmx_refusal(refused: Refusal) -> HttpResponse:
    """A refused htmx request's answer: the message as plain text, swapped nowhere.

    Plain text, not HTML: app.js puts it in the alert area with textContent. "none" keeps htmx from
    putting it where the answer would have gone (a card, a row).
    """
    response = HttpResponse(refused.message, status=refused.status, content_type="text/plain; charset=utf-8")
    return reswap(response, "none")


def refusal_response(request: HttpRequest, refused: Refusal) -> HttpResponse:
    """The refusal for this request: plain text for htmx, the error page otherwise."""
    if getattr(request, "htmx", False):
        return htmx_refusal(refused)
    context = {"status": refused.status, "title": refused.title, "message": refused.message}
    context.update(back=_back(request), **_train(request))
    return render(request, "errors/refused.html", context, status=refused.status)


def _back(request: HttpRequest) -> str:
    """The page the refused request came from, when it is one of ours."""
    referer = request.headers.get("Referer", "")
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if allowed else ""


def _train(request: HttpRequest) -> dict:
    """The train's navigation on the error page, when the URL names a train the person belongs to."""
    slug = request.resolver_match.kwargs.get("slug") if request.resolver_match else None
    if not slug:
        return {}
    try:
        train, access = train_for_user(request.user, slug)
    except Http404:  # not one of theirs: the page goes without the train's navigation
        return {}
    return {"train": train, "access": access}
