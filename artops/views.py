from contextlib import suppress

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found

from trains.api.errors import body
from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user, trains_for_user

from .search import KINDS, LIMIT, PAGE_LIMIT, search


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Land on the user's train; someone on several trains picks one."""
    trains = list(trains_for_user(request.user))
    if len(trains) == 1:
        return redirect("trains:detail", slug=trains[0].slug)
    return render(request, "trains/train_list.html", {"trains": trains})


@login_required
@require_GET
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    """The header's search box: as the user types (htmx), the panel of results under the box; a
    submitted form (Enter, or no JavaScript), the full page. `kind` shows one kind, more of it."""
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None
    results = search(request.user, request.GET.get("q"), kind=kind, limit=PAGE_LIMIT if kind else LIMIT)
    context = {
        "results": results,
        "kind": kind,
        "kind_label": KINDS.get(kind or "", ""),
        "page_limit": PAGE_LIMIT,
    }
    if request.htmx:
        return render(request, "search.html#panel", context)
    # The train the search was made from keeps its navigation in the header (a train the user holds
    # no role on is simply not shown).
    slug = request.GET.get("train", "")
    if slug:
        with suppress(Http404):
            context["train"], context["access"] = train_for_user(request.user, slug)
    return render(request, "search.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer and docker-compose: the database answers.

    Raw SQL: the probe asks the server itself, with no table to read (the ORM always reads one)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok", "database": connection.vendor})


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: under /api/ in the API's one error shape (JSON), elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(body(404, "Not found."), status=404)
    return page_not_found(request, exception)
