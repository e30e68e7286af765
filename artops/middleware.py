"""Domain errors mapped to HTTP in one place for the HTML views (the API maps them in its own).

A view handles a domain error itself only where it can do better than a message: a form that puts
it on its field, a stale edit that shows the fresh data. Whatever a view lets escape lands here:

- NotAllowed → 403, StaleVersion → 409, a service's ValidationError → 422;
- htmx: the message alone as text/plain, swapped nowhere; static/js/app.js shows it in the page's
  alert area (#risks-alert, #planning-alert), so the page stays as it was and says why;
- a plain request: the error page with the message (templates/errors/refused.html).
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import reswap

from trains.errors import Conflict, NotAllowed, StaleVersion
from trains.selectors import train_for_user

TITLES = {403: "Not allowed", 409: "Not saved: it conflicts with the current state", 422: "Not saved"}


def htmx_refusal(message: str, status: int) -> HttpResponse:
    """A refused htmx request's answer: the message as plain text, swapped nowhere.

    Plain text, not HTML: static/js/app.js puts it in the page's alert area with textContent. "none"
    keeps htmx from putting it where the answer would have gone (a card, a row) on a page without it.
    """
    return reswap(HttpResponse(message, status=status, content_type="text/plain; charset=utf-8"), "none")


def refusal(exception: Exception) -> tuple[int, str] | None:
    """The status and the message a person reads for a domain error; None for any other error."""
    if isinstance(exception, NotAllowed):
        return 403, str(exception)
    if isinstance(exception, StaleVersion):
        return 409, f"{exception.current} was changed by someone else. Reload the page to see it."
    if isinstance(exception, Conflict):
        return 409, str(exception)
    if isinstance(exception, ValidationError):
        return 422, " ".join(exception.messages)
    return None


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        refused = refusal(exception)
        if refused is None:
            return None
        status, message = refused
        if getattr(request, "htmx", False):
            return htmx_refusal(message, status)
        context = {"status": status, "title": TITLES[status], "message": message, "back": _back(request)}
        return render(request, "errors/refused.html", {**context, **_train(request)}, status=status)


def _back(request) -> str:
    """The page the refused request came from, when it is one of ours."""
    referer = request.headers.get("Referer", "")
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if allowed else ""


def _train(request) -> dict:
    """The train's navigation on the error page, when the URL names a train the person belongs to."""
    slug = request.resolver_match.kwargs.get("slug") if request.resolver_match else None
    if not slug:
        return {}
    try:
        train, access = train_for_user(request.user, slug)
    except Http404:  # not one of theirs: the page goes without the train's navigation
        return {}
    return {"train": train, "access": access}
