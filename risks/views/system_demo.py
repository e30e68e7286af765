"""The system demo of each iteration: what was shown, demo readiness, feedback and follow-ups."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from planning.models import Iteration
from planning.selectors.pis import pis_of_train
from trains.forms import apply_service_errors
from trains.http import HtmxHttpRequest
from trains.limits import parse_id
from trains.selectors import train_for_user

from .. import selectors
from ..forms import DemoItemAddForm, DemoItemRecordForm, FollowUpForm, SystemDemoForm
from ..models import DemoFollowUp, DemoItem, SystemDemo
from ..permissions import can_complete_follow_up, can_run_system_demo
from ..services import (
    demo_follow_up_add,
    demo_follow_up_set_done,
    demo_item_add,
    demo_item_record,
    demo_item_remove,
    system_demo_plan,
    system_demo_update,
)
from .common import page_context, url_with

NOT_RUNNER = "The RTE, Product Management or the System Architect run the system demo."


def _demo_url(train, demo: SystemDemo) -> str:
    return url_with("risks:system_demo", train, pi=demo.iteration.pi_id, iteration=demo.iteration_id)


def _render(request, train, access, pi, iteration_id, *, pis=None, forms=None, status=200) -> HttpResponse:
    """The page for a PI and one of its iterations; `pis` when the caller has read them already."""
    forms = forms or {}
    demos = selectors.iteration_demos(pi) if pi else []
    today = timezone.localdate()
    selected = None
    if iteration_id:
        selected = next((d for d in demos if str(d.iteration.pk) == str(iteration_id)), None)
        if selected is None:
            raise Http404("No such iteration.")
    elif demos:
        current = selectors.current_iteration([d.iteration for d in demos], today)
        selected = next(d for d in demos if d.iteration.pk == current.pk)
    demo = selectors.demo_detail(selected.demo) if selected and selected.demo else None
    can_run = can_run_system_demo(access)
    context = {
        "train": train,
        "access": access,
        "nav": "art_sync",
        "section": "system_demo",
        "pis": list(pis_of_train(train)) if pis is None else pis,
        "pi": pi,
        "demos": demos,
        "selected": selected,
        "demo": demo,
        "today": today,
        "can_run": can_run,
    }
    if demo is not None:
        members = selectors.train_members(train)
        follow_ups = list(demo.follow_ups.all())
        for follow_up in follow_ups:
            follow_up.can_complete = can_complete_follow_up(access, follow_up)
        context.update(
            follow_ups=follow_ups,
            demo_form=forms.get("demo")
            or SystemDemoForm(initial={"held_on": demo.held_on, "notes": demo.notes}),
            add_form=forms.get("add") or DemoItemAddForm(features=selectors.demo_feature_choices(demo)),
            follow_up_form=forms.get("follow_up") or FollowUpForm(members=members),
            outcome_choices=DemoItem.Outcome.choices,
            readiness=selected.readiness,
            shown=selected.shown,
            planned=selected.planned,
        )
    return render(request, "risks/system_demo.html", context, status=status)


@login_required
def system_demo(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    context = page_context(request, slug, nav="art_sync")
    return _render(
        request,
        context["train"],
        context["access"],
        context["pi"],
        request.GET.get("iteration"),
        pis=context["pis"],
    )


@login_required
@require_POST
def system_demo_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Plan an iteration's demo, with the features planned to finish in it as its items."""
    train, access = train_for_user(request.user, slug)
    access.require(can_run_system_demo(access), NOT_RUNNER)
    iteration = get_object_or_404(
        Iteration.objects.select_related("pi"),
        pi__train=train,
        pk=parse_id(request.POST.get("iteration")) or 0,
    )
    demo = system_demo_plan(iteration=iteration, actor=request.user)
    messages.success(request, f"System demo of {iteration.label} planned with {demo.items.count()} item(s).")
    return redirect(_demo_url(train, demo))


def _get_demo_for_user(request, slug, demo_id):
    train, access = train_for_user(request.user, slug)
    demo = get_object_or_404(
        SystemDemo.objects.select_related("iteration__pi"), iteration__pi__train=train, pk=demo_id
    )
    return train, access, demo


@login_required
@require_POST
def system_demo_edit(request: HtmxHttpRequest, slug: str, demo_id: int) -> HttpResponse:
    train, access, demo = _get_demo_for_user(request, slug, demo_id)
    access.require(can_run_system_demo(access), NOT_RUNNER)
    form = SystemDemoForm(request.POST)
    if form.is_valid():
        try:
            system_demo_update(demo=demo, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Demo saved.")
            return redirect(_demo_url(train, demo))
    return _render(
        request, train, access, demo.iteration.pi, demo.iteration_id, forms={"demo": form}, status=422
    )


@login_required
@require_POST
def demo_item_new(request: HtmxHttpRequest, slug: str, demo_id: int) -> HttpResponse:
    train, access, demo = _get_demo_for_user(request, slug, demo_id)
    access.require(can_run_system_demo(access), NOT_RUNNER)
    form = DemoItemAddForm(request.POST, features=selectors.demo_feature_choices(demo))
    if form.is_valid():
        try:
            demo_item_add(demo=demo, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_demo_url(train, demo))
    return _render(
        request, train, access, demo.iteration.pi, demo.iteration_id, forms={"add": form}, status=422
    )


def _get_item_for_user(request, slug, item_id):
    train, access = train_for_user(request.user, slug)
    item = get_object_or_404(
        DemoItem.objects.select_related("demo__iteration__pi", "feature__team"),
        demo__iteration__pi__train=train,
        pk=item_id,
    )
    return train, access, item


@login_required
@require_POST
def demo_item_edit(request: HtmxHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Record how an item went and the feedback; htmx answers with the row and the readiness figure."""
    train, access, item = _get_item_for_user(request, slug, item_id)
    access.require(can_run_system_demo(access), NOT_RUNNER)
    if request.POST.get("remove") == "1":
        demo = item.demo
        demo_item_remove(item=item, actor=request.user)
        return redirect(_demo_url(train, demo))
    form = DemoItemRecordForm(request.POST)
    error = ""
    if form.is_valid():
        demo_item_record(item=item, actor=request.user, **form.cleaned_data)
    else:
        error = "Choose how it went."
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_demo_url(train, item.demo))
    counts = selectors.demo_counts(item.demo)
    context = {
        "train": train,
        "item": item,
        "can_run": True,
        "outcome_choices": DemoItem.Outcome.choices,
        "row_error": error,
        "saved": not error,
        "readiness": counts.readiness,
        "shown": counts.shown,
        "planned": counts.planned,
    }
    return render(request, "risks/system_demo.html#item-saved", context, status=422 if error else 200)


@login_required
@require_POST
def follow_up_new(request: HtmxHttpRequest, slug: str, demo_id: int) -> HttpResponse:
    train, access, demo = _get_demo_for_user(request, slug, demo_id)
    access.require(can_run_system_demo(access), NOT_RUNNER)
    form = FollowUpForm(request.POST, members=selectors.train_members(train))
    if form.is_valid():
        try:
            demo_follow_up_add(demo=demo, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_demo_url(train, demo))
    return _render(
        request, train, access, demo.iteration.pi, demo.iteration_id, forms={"follow_up": form}, status=422
    )


@login_required
@require_POST
def follow_up_done(request: HtmxHttpRequest, slug: str, follow_up_id: int) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    follow_up = get_object_or_404(
        DemoFollowUp.objects.select_related("demo__iteration__pi"),
        demo__iteration__pi__train=train,
        pk=follow_up_id,
    )
    access.require(
        can_complete_follow_up(access, follow_up),
        "Only its owner or the demo's organisers tick it off.",
    )
    demo_follow_up_set_done(follow_up=follow_up, done=request.POST.get("done") == "1", actor=request.user)
    return redirect(_demo_url(train, follow_up.demo))
