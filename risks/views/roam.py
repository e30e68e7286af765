"""The ROAM board: risks in Un-ROAMed / Resolved / Owned / Accepted / Mitigated, moved by drag or by
the "Move to…" menu on each card (a plain form, so it also works without JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from planning.selectors.pis import pis_of_train
from trains.access import TrainAccess
from trains.conversation.selectors import conversation_for
from trains.forms import apply_service_errors, save_form
from trains.http import HtmxHttpRequest
from trains.limits import parse_id
from trains.models import Train
from trains.selectors import train_for_user

from .. import selectors
from ..forms import RaiseToArtForm, RiskCreateForm, RiskEditForm, RoamMoveForm
from ..permissions import can_edit_risk, can_raise_risk, can_raise_risk_to_art, can_roam_risk
from ..services import risk_create, risk_raise_to_art, risk_roam, risk_update
from .common import page_context, url_with

# risks.permissions.can_roam_risk, said to whoever is refused.
WHO_ROAMS_IT = (
    "Only the RTE, Product Management for an ART risk, or the team's Scrum Master and Product Owner "
    "for a team risk, edit or ROAM this risk."
)
ROAM_CHOICES = [(status.value, status.label) for status in selectors.ROAM_ORDER]


def _level(train: Train, requested: str | None) -> str:
    """ "all", "art" or the id of one of the train's teams."""
    if requested == "art":
        return "art"
    team_id = parse_id(requested)
    if team_id is not None and train.teams.filter(pk=team_id).exists():
        return str(team_id)
    return "all"


def _get_risk_for_user(request: HtmxHttpRequest, slug: str, risk_id: int, *, detail: bool = False):
    """The risk, its train and the user's access; 404 for another train's risk or an outsider."""
    train, access = train_for_user(request.user, slug)
    risk = selectors.risk_detail(train, risk_id) if detail else selectors.risk_for_board(train, risk_id)
    _mark(access, [risk])
    return train, access, risk


def _mark(access: TrainAccess, risks) -> None:
    for risk in risks:
        risk.can_roam = can_roam_risk(access, risk)


def _board_url(train: Train, pi_id, level: str) -> str:
    return url_with("risks:roam_board", train, pi=pi_id, level=None if level == "all" else level)


@login_required
def roam_board(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    context = page_context(request, slug, nav="risks")
    train, access, pi = context["train"], context["access"], context["pi"]
    level = _level(train, request.GET.get("level"))
    risks = list(selectors.risks_for_board(train, pi, level))
    _mark(access, risks)
    context.update(
        columns=selectors.roam_columns(risks),
        members=list(selectors.train_members(train)),
        teams=list(train.teams.order_by("position", "name")),
        level=level,
        level_keep={} if level == "all" else {"level": level},
        board_pi=pi.pk if pi else "",
        roam_choices=ROAM_CHOICES,
        can_raise=can_raise_risk(access),
        any_movable=any(risk.can_roam for risk in risks),
        overdue_count=sum(1 for risk in risks if risk.is_overdue),
        unowned_count=sum(1 for risk in risks if risk.is_unowned),
    )
    return render(request, "risks/roam_board.html", context)


def _card_context(train, access, risk, *, board_pi, level, members, **extra) -> dict:
    return {
        "train": train,
        "access": access,
        "risk": risk,
        "members": members,
        "board_pi": board_pi,
        "level": level,
        "roam_choices": ROAM_CHOICES,
        **extra,
    }


def _card(request, train, access, risk, *, form=None, message="", status=200, **card):
    """The card alone (htmx): in place, with the form's messages."""
    context = _card_context(train, access, risk, move_form=form, card_message=message, **card)
    return render(request, "risks/roam_board.html#risk-card", context, status=status)


def _moved(request, train, access, risk, *, message: str, status: int = 200, **card):
    """The moved card, inserted at the top of its new column, and every column's count (hx-swap-oob).
    The main answer is empty: the card's old place is emptied."""
    pi = next((p for p in pis_of_train(train) if str(p.pk) == str(card["board_pi"])), None)
    context = _card_context(
        train,
        access,
        risk,
        counts=selectors.roam_counts(train, pi, card["level"]),
        card_message=message if status != 200 else "",
        **card,
    )
    response = render(request, "risks/roam_board.html#card-moved", context, status=status)
    return trigger_client_event(
        response, "roam:moved", {"card": f"risk-{risk.pk}", "message": message}, after="settle"
    )


@login_required
@require_POST
def risk_move(request: HtmxHttpRequest, slug: str, risk_id: int) -> HttpResponse:
    """ROAM a risk: the drop of a drag, or the card's "Move to…" menu."""
    train, access, risk = _get_risk_for_user(request, slug, risk_id)
    access.require(risk.can_roam, WHO_ROAMS_IT)
    members_qs = selectors.train_members(train)
    board_pi, level = request.POST.get("board_pi", ""), _level(train, request.POST.get("level"))
    form = RoamMoveForm(request.POST, members=members_qs)
    card = {"board_pi": board_pi, "level": level, "members": list(members_qs)}
    refused = save_form(
        form,
        lambda data: risk_roam(
            risk=risk,
            status=data["status"],
            owner=data["owner"],
            mitigation_plan=data["mitigation_plan"],
            note=data["note"],
            expected_version=data["version"],
            actor=request.user,
        ),
    )
    if refused and refused.status == 409:
        fresh = selectors.risk_for_board(train, risk.pk)
        _mark(access, [fresh])
        message = (
            f"Someone else changed “{fresh.title}” while you were looking (it is now "
            f"{fresh.get_roam_status_display()}). Nothing was moved: here is its current state."
        )
        if not request.htmx:
            messages.error(request, message)
            return redirect(_board_url(train, board_pi, level))
        return _moved(request, train, access, fresh, message=message, status=409, **card)
    if refused:
        if not request.htmx:
            return _detail_page(request, train, access, risk, move_form=form, status=422)
        return _card(request, train, access, risk, form=form, status=422, **card)
    fresh = selectors.risk_for_board(train, risk.pk)
    _mark(access, [fresh])
    message = f"Moved “{fresh.title}” to {fresh.get_roam_status_display()}."
    if not request.htmx:
        messages.success(request, message)
        return redirect(_board_url(train, board_pi, level))
    return _moved(request, train, access, fresh, message=message, **card)


# --- one risk ----------------------------------------------------------------------------------------


def _edit_form(train, risk, data=None):
    links = selectors.linkable(train, risk.pi)
    initial = {
        "title": risk.title,
        "description": risk.description,
        "owner": risk.owner_id,
        "impact": risk.impact,
        "likelihood": risk.likelihood,
        "due_date": risk.due_date,
        "mitigation_plan": risk.mitigation_plan,
        "features": [f.pk for f in risk.features.all()],
        "dependencies": [d.pk for d in risk.dependencies.all()],
        "objectives": [o.pk for o in risk.objectives.all()],
        "version": risk.version,
    }
    return RiskEditForm(data, initial=initial, members=selectors.train_members(train), links=links)


def _detail_page(
    request, train, access, risk, *, edit_form=None, move_form=None, message="", unsaved=None, status=200
):
    members = selectors.train_members(train)
    return render(
        request,
        "risks/risk_detail.html",
        {
            "train": train,
            "access": access,
            "nav": "risks",
            "risk": risk,
            "can_edit": can_edit_risk(access, risk),
            "can_raise_to_art": can_raise_risk_to_art(access, risk),
            "edit_form": edit_form or _edit_form(train, risk),
            "move_form": move_form
            or RoamMoveForm(initial={"status": risk.roam_status, "version": risk.version}, members=members),
            "raise_form": RaiseToArtForm(initial={"version": risk.version}),
            "members": list(members),
            "message": message,
            "unsaved": unsaved,
            "board_url": _board_url(train, risk.pi_id or "", "all"),
            "conversation": conversation_for(train=train, access=access, user=request.user, target=risk),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_detail(request: HtmxHttpRequest, slug: str, risk_id: int) -> HttpResponse:
    """A risk's details, links and ROAM history; its people edit it here."""
    train, access, risk = _get_risk_for_user(request, slug, risk_id, detail=True)
    if request.method == "GET":
        return _detail_page(request, train, access, risk)
    access.require(can_edit_risk(access, risk), WHO_ROAMS_IT)
    form = _edit_form(train, risk, request.POST)

    def save(data):
        fields = dict(data)
        risk_update(risk=risk, expected_version=fields.pop("version"), actor=request.user, **fields)

    refused = save_form(form, save)
    if refused is None:
        messages.success(request, "Risk saved.")
        return redirect("risks:risk_detail", slug=train.slug, risk_id=risk.pk)
    if refused.status == 409:
        fresh = selectors.risk_detail(train, risk.pk)
        message = (
            "Someone else saved this risk while you were editing it. Your changes were not saved; "
            "the form now shows the current version (what you typed is below)."
        )
        unsaved = {name: request.POST.get(name, "") for name in ("title", "description", "mitigation_plan")}
        return _detail_page(request, train, access, fresh, message=message, unsaved=unsaved, status=409)
    return _detail_page(request, train, access, risk, edit_form=form, status=422)


@login_required
@require_POST
def risk_raise(request: HtmxHttpRequest, slug: str, risk_id: int) -> HttpResponse:
    """Raise a team risk to the ART board."""
    train, access, risk = _get_risk_for_user(request, slug, risk_id, detail=True)
    access.require(
        can_raise_risk_to_art(access, risk),
        "Only the team's Scrum Master or Product Owner, or the RTE, raise it to the ART.",
    )
    form = RaiseToArtForm(request.POST)
    if not form.is_valid():  # a version or note the page never sends: a tampered or outdated page
        return _detail_page(
            request, train, access, risk, message="Reload the page and try again.", status=422
        )
    team_name = risk.team.name if risk.team else ""
    refused = save_form(
        form,
        lambda data: risk_raise_to_art(
            risk=risk, note=data["note"], expected_version=data["version"], actor=request.user
        ),
    )
    if refused and refused.status == 409:
        fresh = selectors.risk_detail(train, risk.pk)
        message = "Someone else changed this risk first; nothing was raised. Here is its current state."
        return _detail_page(request, train, access, fresh, message=message, status=409)
    if refused:
        return _detail_page(request, train, access, risk, message=refused.message, status=refused.status)
    messages.success(request, f"Raised from {team_name} to the ART board: the RTE now ROAMs it.")
    return redirect("risks:risk_detail", slug=train.slug, risk_id=risk.pk)


@login_required
@require_http_methods(["GET", "POST"])
def risk_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Raise a risk on the selected PI, at team or ART level."""
    context = page_context(request, slug, nav="risks")
    train, access, pi = context["train"], context["access"], context["pi"]
    access.require(can_raise_risk(access), "Viewers read risks; raising one needs a role in the PI.")
    teams = train.teams.order_by("position", "name")
    form_kwargs = {
        "members": selectors.train_members(train),
        "links": selectors.linkable(train, pi),
        "teams": teams,
    }
    if request.method == "GET":
        form = RiskCreateForm(initial={"team": request.GET.get("team") or None}, **form_kwargs)
        return render(request, "risks/risk_new.html", {**context, "form": form})
    form = RiskCreateForm(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            risk = risk_create(train=train, pi=pi, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Risk “{risk.title}” raised: it waits in Un-ROAMed.")
            return redirect(_board_url(train, pi.pk if pi else "", "all"))
    return render(request, "risks/risk_new.html", {**context, "form": form}, status=422)
