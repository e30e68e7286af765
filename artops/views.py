from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found

from trains.api.errors import body
from trains.selectors import trains_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Land on the user's train; someone on several trains picks one."""
    trains = list(trains_for_user(request.user))
    if len(trains) == 1:
        return redirect("trains:detail", slug=trains[0].slug)
    return render(request, "trains/train_list.html", {"trains": trains})


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
