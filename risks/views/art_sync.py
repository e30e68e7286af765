"""The weekly ART Sync: one screen the RTE runs the meeting from, and the actions it produces."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from planning.selectors.pis import pis_of_train
from trains.forms import apply_service_errors
from trains.http import HtmxHttpRequest
from trains.limits import parse_id
from trains.selectors import train_for_user

from .. import selectors
from ..forms import ActionForm, SyncNotesForm
from ..models import ActionItem, ArtSync
from ..permissions import can_complete_action, can_run_art_sync
from ..services import action_create, action_set_done, art_sync_start, art_sync_update
from ..services.art_sync import not_started_message
from .common import page_context, url_with


def _selected_sync(syncs: list[ArtSync], requested: str | None) -> ArtSync | None:
    if requested:
        match = next((sync for sync in syncs if str(sync.pk) == requested), None)
        if match is None:
            raise Http404("No such ART Sync.")
        return match
    return syncs[0] if syncs else None


def _actions_context(train, access, sync, *, form=None) -> dict:
    actions = selectors.actions_for_sync(sync)
    for action in actions.all:
        action.can_complete = can_complete_action(access, action)
    return {
        "train": train,
        "access": access,
        "sync": sync,
        "actions": actions,
        "today": timezone.localdate(),
        "can_run": can_run_art_sync(access),
        "action_form": form or ActionForm(members=selectors.train_members(train)),
    }


def _page(request, train, access, pi, sync, *, pis=None, action_form=None, status=200) -> HttpResponse:
    """The whole meeting screen for a PI and one of its syncs (None: no sync held yet); `pis` when
    the caller has read them already."""
    context = {
        "train": train,
        "access": access,
        "nav": "art_sync",
        "section": "art_sync",
        "pis": list(pis_of_train(train)) if pis is None else pis,
        "pi": pi,
        "can_run": can_run_art_sync(access),
    }
    if pi is None:
        return render(request, "risks/art_sync.html", context, status=status)
    today = timezone.localdate()
    iteration = selectors.current_iteration(list(pi.iterations.order_by("number")), today)
    syncs = selectors.syncs_of(pi)
    if today < pi.start_date:  # art_sync_start refuses it: the page says why instead of a button
        context["not_started"] = not_started_message(pi)
    dependencies = selectors.dependencies_needing_attention(pi)
    context.update(
        today=today,
        iteration=iteration,
        syncs=syncs,
        sync=sync,
        held_today=any(s.held_on == today for s in syncs),
        dependencies=dependencies,
        red_count=sum(1 for alert in dependencies if alert.health == "conflict"),
        impediments=list(selectors.impediments_by_age(train)),
        risks=selectors.risks_due_or_unroamed(train, pi, today),
        objectives=selectors.objectives_at_risk(pi, today, dependencies),
        progress=selectors.feature_progress(train, pi, iteration),
        notes_form=SyncNotesForm(initial={"notes": sync.notes}) if sync else None,
    )
    if sync is not None:
        context.update(_actions_context(train, access, sync, form=action_form))
    return render(request, "risks/art_sync.html", context, status=status)


@login_required
def art_sync(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    context = page_context(request, slug, nav="art_sync")
    pi = context["pi"]
    sync = _selected_sync(selectors.syncs_of(pi), request.GET.get("sync")) if pi else None
    return _page(request, context["train"], context["access"], pi, sync, pis=context["pis"])


@login_required
@require_POST
def art_sync_start_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Open today's ART Sync for the selected PI."""
    context = page_context(request, slug, nav="art_sync")
    train, access, pi = context["train"], context["access"], context["pi"]
    access.require(can_run_art_sync(access), "The RTE runs the ART Sync.")
    if pi is None:
        raise ValidationError("The train has no PI yet.")
    sync = art_sync_start(train=train, pi=pi, actor=request.user)
    messages.success(request, f"ART Sync of {sync.held_on:%d %b %Y} open: capture its actions below.")
    return redirect(url_with("risks:art_sync", train, pi=sync.pi_id, sync=sync.pk))


def _get_sync_for_user(request, slug, sync_id):
    train, access = train_for_user(request.user, slug)
    return train, access, get_object_or_404(ArtSync.objects.select_related("pi"), train=train, pk=sync_id)


@login_required
@require_POST
def art_sync_notes(request: HtmxHttpRequest, slug: str, sync_id: int) -> HttpResponse:
    train, access, sync = _get_sync_for_user(request, slug, sync_id)
    access.require(can_run_art_sync(access), "The RTE keeps the ART Sync's notes.")
    form = SyncNotesForm(request.POST)
    form.is_valid()
    art_sync_update(sync=sync, notes=form.cleaned_data.get("notes", ""), actor=request.user)
    if request.htmx:
        return render(
            request,
            "risks/art_sync.html#notes",
            {"train": train, "sync": sync, "notes_form": form, "saved": True, "can_run": True},
        )
    messages.success(request, "Notes saved.")
    return redirect(url_with("risks:art_sync", train, pi=sync.pi_id, sync=sync.pk))


def _actions_response(request, train, access, sync, *, form=None, status=200) -> HttpResponse:
    if not request.htmx:
        return redirect(url_with("risks:art_sync", train, pi=sync.pi_id, sync=sync.pk))
    return render(
        request,
        "risks/art_sync.html#actions",
        _actions_context(train, access, sync, form=form),
        status=status,
    )


@login_required
@require_POST
def action_new(request: HtmxHttpRequest, slug: str, sync_id: int) -> HttpResponse:
    """Capture an action in the meeting: owner and a due date not in the past."""
    train, access, sync = _get_sync_for_user(request, slug, sync_id)
    access.require(can_run_art_sync(access), "The RTE captures the ART Sync's actions.")
    form = ActionForm(request.POST, members=selectors.train_members(train))
    if form.is_valid():
        try:
            action_create(sync=sync, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _actions_response(request, train, access, sync)
    if not request.htmx:  # without JavaScript: the whole page again, the form showing what was wrong
        return _page(request, train, access, sync.pi, sync, action_form=form, status=422)
    return _actions_response(request, train, access, sync, form=form, status=422)


@login_required
@require_POST
def action_done(request: HtmxHttpRequest, slug: str, action_id: int) -> HttpResponse:
    """Tick an action off, or reopen it."""
    train, access = train_for_user(request.user, slug)
    action = get_object_or_404(ActionItem.objects.select_related("raised_in"), train=train, pk=action_id)
    access.require(can_complete_action(access, action), "Only the action's owner or the RTE ticks it off.")
    action_set_done(action=action, done=request.POST.get("done") == "1", actor=request.user)
    sync_id = parse_id(request.POST.get("sync"))
    sync = ArtSync.objects.select_related("pi").filter(train=train, pk=sync_id).first() if sync_id else None
    sync = sync or action.raised_in
    return _actions_response(request, train, access, sync)
