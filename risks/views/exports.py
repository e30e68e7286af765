"""Exports from the running-the-PI pages: the ROAM register, impediments, ART Sync action items.

Whoever reads the page reads its export, with the page's own selection: the ROAM board's PI and
level, the impediment list's filters, the ART Sync's PI.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from trains.exports import export_response, filename
from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user

from .. import selectors
from ..exports import action_item_sheets, action_items_of, impediment_sheets, roam_sheets
from ..forms import ImpedimentFilterForm
from .common import page_context
from .roam import _level


@login_required
@require_GET
def roam_export(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponse:
    context = page_context(request, slug, nav="risks")
    train, pi = context["train"], context["pi"]
    risks = selectors.risks_for_board(train, pi, _level(train, request.GET.get("level")))
    name = filename(train.slug, pi.name if pi else "", "roam")
    return export_response(fmt, name, roam_sheets(risks), request.GET.get("part"))


@login_required
@require_GET
def impediments_export(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The impediments the list shows for the same filters (unresolved ones by default)."""
    train, _ = train_for_user(request.user, slug)
    form = ImpedimentFilterForm(request.GET or None, teams=train.teams.order_by("position", "name"))
    filters = form.cleaned_data if form.is_valid() else {}
    team = filters.get("team")
    rows = selectors.impediments(
        train,
        team_id=team.pk if team else None,
        status=filters.get("status") or selectors.UNRESOLVED,
        level=filters.get("level") or "",
        age=filters.get("age") or "",
        sort=filters.get("sort") or "severity",
    )
    return export_response(
        fmt, filename(train.slug, "impediments"), impediment_sheets(rows), request.GET.get("part")
    )


@login_required
@require_GET
def action_items_export(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The action items raised in the selected PI's ART Syncs."""
    context = page_context(request, slug, nav="art_sync")
    train, pi = context["train"], context["pi"]
    actions = action_items_of(pi) if pi else []
    name = filename(train.slug, pi.name if pi else "", "art-sync-actions")
    return export_response(fmt, name, action_item_sheets(actions), request.GET.get("part"))
