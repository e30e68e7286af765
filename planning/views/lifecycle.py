"""The PI page (the PI Planning hub): state and its next move, iterations and their dates, the
readiness checklist, Business Owners, commit and baseline, reopening a closed PI; a new PI; plan vs now.

Writes are plain POSTs that redirect back to the hub (they work without JavaScript); a refusal
re-renders the hub with the message on the field, status 422. Iteration dates are edited inline:
with htmx the row alone comes back (200 saved, 422 with its field message).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trains.forms import apply_service_errors, save_form
from trains.http import HtmxHttpRequest
from trains.refusals import refusal_response
from trains.selectors import train_for_user

from ..forms.lifecycle import BusinessOwnersForm, DateSpanForm, PINewForm, ReopenForm, TransitionForm
from ..models import Iteration, PIObjective, ProgramIncrement
from ..permissions import can_manage_pi
from ..selectors.baseline import latest_baseline, plan_vs_now
from ..selectors.lifecycle import business_owners_of, pi_readiness, reopenings_of
from ..selectors.pis import pi_being_planned, pis_of_train
from ..services import baseline as baseline_services
from ..services import lifecycle as services
from .common import PlanningPage, planning_page

PAGE = "planning/pi.html"
RTE_ONLY = "Only the Release Train Engineer manages the PI: its dates, states, Business Owners and commit."


def _hub_url(page: PlanningPage) -> str:
    return f"{reverse('planning:planning', args=[page.train.slug])}?pi={page.pi.pk}"


def _iteration_form(iteration: Iteration, data=None) -> DateSpanForm:
    return DateSpanForm(
        data,
        auto_id=f"it{iteration.pk}-%s",
        initial={"start_date": iteration.start_date, "end_date": iteration.end_date},
    )


def _row(iteration: Iteration, form: DateSpanForm | None = None, saved: bool = False) -> dict:
    return {
        "it": iteration,
        "form": form or _iteration_form(iteration),
        "days": (iteration.end_date - iteration.start_date).days + 1,
        "saved": saved,
    }


def _hub_context(page: PlanningPage, *, iteration_forms: dict | None = None, **overrides) -> dict:
    pi, train = page.pi, page.train
    iterations = list(pi.iterations.order_by("number"))
    owners = business_owners_of(pi)
    iteration_forms = iteration_forms or {}
    unscored = services.unscored_objectives(pi) if pi.state == ProgramIncrement.State.EXECUTING else []
    next_state = services.NEXT_STATE.get(pi.state)
    can_manage = can_manage_pi(page.access)
    context = page.context(
        "pi",
        can_manage=can_manage,
        # Dates, iterations and Business Owners are part of a closed PI's record: shown, not editable.
        can_edit_pi=can_manage and page.editable,
        reopenings=reopenings_of(pi),
        reopen_form=ReopenForm(auto_id="reopen-%s") if can_manage and pi.is_closed else None,
        iteration_rows=[_row(it, iteration_forms.get(it.pk)) for it in iterations],
        readiness=pi_readiness(pi, iterations, owners),
        next_state=next_state,
        next_state_label=ProgramIncrement.State(next_state).label if next_state else "",
        committed_objectives=PIObjective.objects.filter(pi=pi, is_committed=True).count(),
        unscored=unscored,
        unscored_teams=list(dict.fromkeys(o.team.name for o in unscored)),
        transition_form=TransitionForm(pi=pi, unscored=len(unscored)),
        dates_form=DateSpanForm(
            auto_id="pi-%s", initial={"start_date": pi.start_date, "end_date": pi.end_date}
        ),
        owners_form=BusinessOwnersForm(train=train, initial={"business_owners": owners}),
        business_owners=owners,
        baseline=latest_baseline(pi),
        commit_error="",
    )
    context.update(overrides)
    return context


def _refused(request, page: PlanningPage, **overrides) -> HttpResponse:
    return render(request, PAGE, _hub_context(page, **overrides), status=422)


@login_required
@require_GET
def planning(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    pis = list(pis_of_train(train))
    if not pis:
        if can_manage_pi(access):
            return redirect("planning:pi_new", slug=train.slug)
        context = {"train": train, "access": access, "nav": "planning", "pi": None, "pis": [], "form": None}
        return render(request, "planning/pi_new.html", context)
    page = PlanningPage(train=train, access=access, pis=pis, pi=pi_being_planned(request.GET.get("pi"), pis))
    return render(request, PAGE, _hub_context(page))


@login_required
@require_http_methods(["GET", "POST"])
def pi_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    access.require(can_manage_pi(access), "Only the Release Train Engineer creates PIs.")
    pis = list(pis_of_train(train))
    form = PINewForm(request.POST or None, train=train)
    if request.method == "POST" and form.is_valid():
        try:
            pi = services.pi_create(
                train=train,
                name=form.cleaned_data["name"],
                start_date=form.cleaned_data["start_date"],
                iteration_count=form.cleaned_data["iteration_count"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{pi.name} created with {pi.iterations.count()} iterations, in draft.")
            return redirect(f"{reverse('planning:planning', args=[train.slug])}?pi={pi.pk}")
    pi = pi_being_planned(None, pis) if pis else None
    context = {"train": train, "access": access, "nav": "planning", "section": "pi", "pis": pis, "pi": pi}
    status = 422 if request.method == "POST" else 200
    return render(request, "planning/pi_new.html", {**context, "form": form}, status=status)


@login_required
@require_POST
def pi_transition(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    page.access.require(can_manage_pi(page.access), RTE_ONLY)
    unscored = services.unscored_objectives(page.pi)
    form = TransitionForm(request.POST, pi=page.pi, unscored=len(unscored))
    refused = save_form(
        form,
        lambda data: services.pi_transition(
            pi=page.pi,
            to_state=data["to_state"],
            confirm_unscored=data["confirm_unscored"],
            actor=request.user,
        ),
    )
    if refused is None:
        messages.success(request, f"{page.pi.name} moved to {page.pi.get_state_display().lower()}.")
        return redirect(_hub_url(page))
    return _refused(request, page, transition_form=form)


@login_required
@require_POST
def iteration_edit(request: HtmxHttpRequest, slug: str, iteration_id: int) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    iteration = get_object_or_404(Iteration.objects.select_related("pi"), pk=iteration_id, pi__train=train)
    access.require(can_manage_pi(access), RTE_ONLY)
    form = _iteration_form(iteration, request.POST)
    refused = save_form(
        form,
        lambda data: services.iteration_update(
            iteration=iteration, start_date=data["start_date"], end_date=data["end_date"], actor=request.user
        ),
    )
    if refused is None and not request.htmx:
        messages.success(request, f"{iteration.label} dates saved.")
        return redirect(f"{reverse('planning:planning', args=[train.slug])}?pi={iteration.pi_id}")
    if request.htmx:
        row = _row(iteration, form) if refused else _row(iteration, saved=True)
        context = {"train": train, "row": row, "can_edit_pi": True}
        return render(request, f"{PAGE}#iteration-row", context, status=refused.status if refused else 200)
    page = PlanningPage(train=train, access=access, pis=list(pis_of_train(train)), pi=iteration.pi)
    return _refused(request, page, iteration_forms={iteration.pk: form})


@login_required
@require_POST
def pi_dates(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    page.access.require(can_manage_pi(page.access), RTE_ONLY)
    form = DateSpanForm(request.POST, auto_id="pi-%s")
    refused = save_form(
        form,
        lambda data: services.pi_update_dates(
            pi=page.pi, start_date=data["start_date"], end_date=data["end_date"], actor=request.user
        ),
    )
    if refused is None:
        messages.success(request, f"{page.pi.name} dates saved.")
        return redirect(_hub_url(page))
    return _refused(request, page, dates_form=form)


@login_required
@require_POST
def pi_business_owners(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    page.access.require(can_manage_pi(page.access), RTE_ONLY)
    form = BusinessOwnersForm(request.POST, train=page.train)
    refused = save_form(
        form,
        lambda data: services.pi_set_business_owners(
            pi=page.pi, users=data["business_owners"], actor=request.user
        ),
    )
    if refused is None:
        messages.success(request, "Business Owners saved.")
        return redirect(_hub_url(page))
    return _refused(request, page, owners_form=form)


@login_required
@require_POST
def plan_commit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    page.access.require(can_manage_pi(page.access), RTE_ONLY)
    try:
        baseline = baseline_services.plan_commit(pi=page.pi, actor=request.user)
    except ValidationError as error:
        return _refused(request, page, commit_error=" ".join(error.messages))
    messages.success(
        request,
        f"Plan committed at {timezone.localtime(baseline.committed_at):%H:%M}: a baseline of the plan is stored.",
    )
    return redirect(_hub_url(page))


@login_required
@require_POST
def pi_reopen(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The RTE reopens a closed PI, giving a reason that stays on the PI's page."""
    page = planning_page(request, slug)
    page.access.require(can_manage_pi(page.access), RTE_ONLY)
    form = ReopenForm(request.POST, auto_id="reopen-%s")
    refused = save_form(
        form, lambda data: services.pi_reopen(pi=page.pi, reason=data["reason"], actor=request.user)
    )
    if refused is None:
        messages.success(
            request, f"{page.pi.name} reopened: it is executing again. The reason is kept below."
        )
        return redirect(_hub_url(page))
    if not page.pi.is_closed:  # its page has no reopen form to show the message on
        return refusal_response(request, refused)
    return _refused(request, page, reopen_form=form)


@login_required
@require_GET
def plan_vs_now_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    return render(
        request, "planning/plan_vs_now.html", page.context("plan_vs_now", diff=plan_vs_now(page.pi))
    )
