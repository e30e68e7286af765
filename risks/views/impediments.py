"""Impediments: the train's list (filterable, most severe and oldest first), raising one, and the
Scrum Master's work on it: update, escalate (team → ART → portfolio, a note each time), resolve."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from trains.conversation.selectors import conversation_for
from trains.forms import apply_service_errors, save_form
from trains.http import HtmxHttpRequest
from trains.limits import parse_id
from trains.models import Role
from trains.refusals import refusal_response
from trains.selectors import train_for_user

from .. import selectors
from ..forms import (
    EscalateForm,
    ImpedimentEditForm,
    ImpedimentFilterForm,
    ImpedimentRaiseForm,
    ResolveForm,
    VersionedForm,
)
from ..models import Impediment
from ..permissions import can_raise_any_impediment, can_raise_impediment, can_update_impediment
from ..services import (
    LEVEL_ORDER,
    impediment_escalate,
    impediment_raise,
    impediment_reopen,
    impediment_resolve,
    impediment_update,
)

NOT_YOURS = "Only the team's Scrum Master (or the RTE) updates its impediments."


@login_required
def impediment_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every impediment of the train, filtered by team, status, level and age."""
    train, access = train_for_user(request.user, slug)
    teams = train.teams.order_by("position", "name")
    form = ImpedimentFilterForm(request.GET or None, teams=teams)
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
    return render(
        request,
        "risks/impediments.html",
        {
            "train": train,
            "access": access,
            "nav": "impediments",
            "filter_form": form if form.is_bound else ImpedimentFilterForm(teams=teams),
            "impediments": list(rows),
            "can_raise": can_raise_any_impediment(access),
        },
    )


NOT_THEIR_TEAM = "A team's Scrum Master raises its impediments (the RTE for any team)."


def _raisable_teams(train, access):
    teams = train.teams.order_by("position", "name")
    return teams if access.is_rte else teams.filter(pk__in=access.team_ids(Role.SCRUM_MASTER))


@login_required
@require_http_methods(["GET", "POST"])
def impediment_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A Scrum Master raises an impediment for their team (the RTE for any team)."""
    train, access = train_for_user(request.user, slug)
    access.require(can_raise_any_impediment(access), "Scrum Masters raise their team's impediments.")
    teams = _raisable_teams(train, access)
    kwargs = {
        "teams": teams,
        "features": selectors.blockable_features(train, teams.values_list("pk", flat=True)),
    }
    context = {"train": train, "access": access, "nav": "impediments"}
    if request.method == "GET":
        form = ImpedimentRaiseForm(initial={"team": request.GET.get("team")}, **kwargs)
        return render(request, "risks/impediment_new.html", {**context, "form": form})
    # Another team of the train is the form's invalid choice, but a refusal first: who may is said
    # before what was sent (403, as for every write a role does not allow).
    posted_team = parse_id(request.POST.get("team"))
    if posted_team is not None and train.teams.filter(pk=posted_team).exists():
        access.require(can_raise_impediment(access, posted_team), NOT_THEIR_TEAM)
    form = ImpedimentRaiseForm(request.POST, **kwargs)
    if form.is_valid():
        try:
            impediment = impediment_raise(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Impediment raised for {impediment.team.name}.")
            return redirect("risks:impediment_detail", slug=train.slug, impediment_id=impediment.pk)
    return render(request, "risks/impediment_new.html", {**context, "form": form}, status=422)


# --- one impediment ----------------------------------------------------------------------------------


def _get_impediment_for_user(request: HtmxHttpRequest, slug: str, impediment_id: int):
    train, access = train_for_user(request.user, slug)
    impediment = selectors.impediment_detail(train, impediment_id)
    return train, access, impediment


def _edit_form(train, impediment, data=None):
    initial = {
        "title": impediment.title,
        "description": impediment.description,
        "severity": impediment.severity,
        "status": impediment.status if not impediment.is_resolved else "",
        "blocked_features": [f.pk for f in impediment.blocked_features.all()],
        "version": impediment.version,
    }
    features = selectors.blockable_features(train, [impediment.team_id]) | train.features.filter(
        pk__in=[f.pk for f in impediment.blocked_features.all()]
    )
    return ImpedimentEditForm(
        data,
        initial=initial,
        members=selectors.train_members(train),
        features=features.distinct().select_related("team", "pi"),
    )


def _page(request, train, access, impediment, *, forms=None, message="", status=200):
    forms = forms or {}
    version = {"version": impediment.version}
    level_index = LEVEL_ORDER.index(impediment.escalation_level)
    return render(
        request,
        "risks/impediment_detail.html",
        {
            "train": train,
            "access": access,
            "nav": "impediments",
            "impediment": impediment,
            "can_update": can_update_impediment(access, impediment),
            "edit_form": forms.get("edit") or _edit_form(train, impediment),
            "escalate_form": forms.get("escalate") or EscalateForm(initial=version),
            "resolve_form": forms.get("resolve") or ResolveForm(initial=version),
            "next_level": Impediment.Level(LEVEL_ORDER[level_index + 1]).label
            if level_index + 1 < len(LEVEL_ORDER)
            else None,
            "message": message,
            "conversation": conversation_for(
                train=train, access=access, user=request.user, target=impediment
            ),
        },
        status=status,
    )


def _stale(request, train, access, impediment) -> HttpResponse:
    fresh = selectors.impediment_detail(train, impediment.pk)
    message = (
        "Someone else updated this impediment while you were looking at it. Nothing was changed: "
        "here is its current state. Make your change again if it still applies."
    )
    return _page(request, train, access, fresh, message=message, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def impediment_detail(request: HtmxHttpRequest, slug: str, impediment_id: int) -> HttpResponse:
    train, access, impediment = _get_impediment_for_user(request, slug, impediment_id)
    if request.method == "GET":
        return _page(request, train, access, impediment)
    access.require(can_update_impediment(access, impediment), NOT_YOURS)
    form = _edit_form(train, impediment, request.POST)

    def save(data):
        fields = dict(data)
        impediment_update(
            impediment=impediment,
            actor=request.user,
            expected_version=fields.pop("version"),
            status=fields.pop("status") or None,
            **fields,
        )

    refused = save_form(form, save)
    if refused is None:
        messages.success(request, "Impediment updated.")
        return redirect("risks:impediment_detail", slug=train.slug, impediment_id=impediment.pk)
    if refused.status == 409:
        return _stale(request, train, access, impediment)
    return _page(request, train, access, impediment, forms={"edit": form}, status=422)


def _act(
    request, slug, impediment_id, *, form_class, form_key: str, service, field: str, success
) -> HttpResponse:
    """One action form on an impediment (escalate, resolve): the service with the form's text and
    version; a refusal goes back on the form, a stale version shows the current impediment."""
    train, access, impediment = _get_impediment_for_user(request, slug, impediment_id)
    access.require(can_update_impediment(access, impediment), NOT_YOURS)
    form = form_class(request.POST)
    refused = save_form(
        form,
        lambda data: service(
            impediment=impediment,
            expected_version=data["version"],
            actor=request.user,
            **{field: data[field]},
        ),
    )
    if refused is None:
        messages.success(request, success(impediment))
        return redirect("risks:impediment_detail", slug=train.slug, impediment_id=impediment.pk)
    if refused.status == 409:
        return _stale(request, train, access, impediment)
    return _page(request, train, access, impediment, forms={form_key: form}, status=422)


@login_required
@require_POST
def impediment_escalate_view(request: HtmxHttpRequest, slug: str, impediment_id: int) -> HttpResponse:
    return _act(
        request,
        slug,
        impediment_id,
        form_class=EscalateForm,
        form_key="escalate",
        service=impediment_escalate,
        field="note",
        success=lambda imp: f"Escalated to the {imp.get_escalation_level_display()} level.",
    )


@login_required
@require_POST
def impediment_resolve_view(request: HtmxHttpRequest, slug: str, impediment_id: int) -> HttpResponse:
    return _act(
        request,
        slug,
        impediment_id,
        form_class=ResolveForm,
        form_key="resolve",
        service=impediment_resolve,
        field="resolution",
        success=lambda imp: "Resolved. Its features are no longer blocked by it.",
    )


@login_required
@require_POST
def impediment_reopen_view(request: HtmxHttpRequest, slug: str, impediment_id: int) -> HttpResponse:
    train, access, impediment = _get_impediment_for_user(request, slug, impediment_id)
    access.require(can_update_impediment(access, impediment), NOT_YOURS)
    form = VersionedForm(request.POST)
    if not form.is_valid():
        # No version, no way to tell what the user saw: show them the current impediment instead.
        return _stale(request, train, access, impediment)
    refused = save_form(
        form,
        lambda data: impediment_reopen(
            impediment=impediment, expected_version=data["version"], actor=request.user
        ),
    )
    if refused and refused.status == 409:
        return _stale(request, train, access, impediment)
    if refused:  # the button is the whole form: nowhere to put a message but the refusal's own page
        return refusal_response(request, refused)
    messages.success(request, "Reopened: it blocks its features again.")
    return redirect("risks:impediment_detail", slug=train.slug, impediment_id=impediment.pk)
