"""Exports from the PI Planning pages: the PI plan (from the board), objectives, capacity and load.

Whoever reads the page reads its export: the same `train_for_user` lookup (404 off the person's
trains) and the same PI the page opens on (`?pi=`, else the page's default).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from trains.exports import export_response, filename
from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user

from ..exports import capacity_sheets, objectives_export_sheets, pi_plan_sheets
from ..selectors import pi_on_the_board, pis_of_train
from .common import planning_page


@login_required
@require_GET
def pi_plan_export(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The board's PI: features, dependencies, objectives, milestones (one sheet each)."""
    train, _ = train_for_user(request.user, slug)
    pi = pi_on_the_board(train, request.GET.get("pi"), list(pis_of_train(train)))
    name = filename(train.slug, pi.name, "pi-plan")
    return export_response(fmt, name, pi_plan_sheets(pi), request.GET.get("part"))


@login_required
@require_GET
def objectives_export(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponse:
    page = planning_page(request, slug)
    name = filename(page.train.slug, page.pi.name, "objectives")
    return export_response(fmt, name, objectives_export_sheets(page.pi), request.GET.get("part"))


@login_required
@require_GET
def capacity_export(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponse:
    page = planning_page(request, slug)
    name = filename(page.train.slug, page.pi.name, "capacity")
    return export_response(fmt, name, capacity_sheets(page.pi), request.GET.get("part"))
