"""Inspect & Adapt: the quantitative review, the problem-solving workshop (problems, root causes,
votes) and improvement items, taken into the next PI's backlog and tracked to done."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from planning.selectors.pis import pis_of_train
from trains.forms import apply_service_errors
from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user

from .. import selectors
from ..forms import (
    ImprovementForm,
    ImprovementStatusForm,
    ProblemForm,
    TakeIntoPIForm,
)
from ..models import ImprovementItem, Problem
from ..permissions import (
    can_edit_problem,
    can_join_workshop,
    can_manage_improvements,
    can_update_improvement,
)
from ..selectors.surveys import pi_event_results
from ..services import (
    VOTES_PER_PERSON,
    improvement_create,
    improvement_set_status,
    improvement_take_into_pi,
    problem_create,
    problem_update,
    problem_vote_toggle,
)
from .common import page_context, url_with

NOT_MANAGER = "The RTE or Product Management write improvement items and plan them."


def _ia_url(train, pi_id, anchor: str = "") -> str:
    return url_with("risks:inspect_adapt", train, pi=pi_id) + (f"#{anchor}" if anchor else "")


def _problem_edit_form(problem: Problem, data=None) -> ProblemForm:
    """The problem's own edit form: ids carry its pk, as every problem on the page has one."""
    initial = {"statement": problem.statement, "root_causes": problem.root_causes}
    return ProblemForm(data, initial=initial, auto_id=f"%s-{problem.pk}")


def _workshop_context(train, access, pi, user, *, problem_form=None, edit_forms=None, vote_error="") -> dict:
    """`edit_forms`: a refused edit by problem id, shown with its messages on that problem."""
    edit_forms = edit_forms or {}
    problems = selectors.problems_of(pi)
    mine = selectors.votes_of(pi, user)
    for problem in problems:
        problem.voted = problem.pk in mine
        problem.can_edit = can_edit_problem(access, problem)
        if problem.can_edit:
            problem.edit_form = edit_forms.get(problem.pk) or _problem_edit_form(problem)
    return {
        "train": train,
        "access": access,
        "pi": pi,
        "problems": problems,
        "votes_left": VOTES_PER_PERSON - len(mine),
        "votes_per_person": VOTES_PER_PERSON,
        "can_join": can_join_workshop(access),
        "problem_form": problem_form or ProblemForm(),
        "vote_error": vote_error,
    }


def _render(request, train, access, pi, *, pis=None, forms=None, status=200) -> HttpResponse:
    """The page for a PI; `pis` when the caller has read them already."""
    forms = forms or {}
    pis = list(pis_of_train(train)) if pis is None else pis
    context = {
        "train": train,
        "access": access,
        "nav": "inspect_adapt",
        "section": "inspect_adapt",
        "pis": pis,
        "pi": pi,
    }
    if pi is not None:
        later = selectors.later_pis(pis, pi)
        raised = selectors.improvements_raised_in(pi)
        taken = selectors.improvements_taken_into(pi)
        for item in [*raised, *taken]:
            item.can_update = can_update_improvement(access, item)
        can_manage = can_manage_improvements(access)
        context.update(
            _workshop_context(
                train,
                access,
                pi,
                request.user,
                problem_form=forms.get("problem"),
                edit_forms=forms.get("problem_edit"),
            ),
            review=selectors.quantitative_review(pi),
            event_surveys=pi_event_results(pi),
            raised=raised,
            taken=taken,
            later_pis=later,
            next_pi=later[0] if later else None,
            can_manage=can_manage,
            improvement_form=forms.get("improvement")
            or ImprovementForm(
                members=selectors.train_members(train), problems=Problem.objects.filter(pi=pi)
            ),
            take_error=forms.get("take_error", ""),
            take_error_item=forms.get("take_error_item"),
            status_choices=ImprovementItem.Status.choices,
        )
    return render(request, "risks/inspect_adapt.html", context, status=status)


@login_required
def inspect_adapt(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    context = page_context(request, slug, nav="inspect_adapt")
    return _render(request, context["train"], context["access"], context["pi"], pis=context["pis"])


def _get_pi_for_user(request, slug):
    context = page_context(request, slug, nav="inspect_adapt")
    if context["pi"] is None:
        raise Http404("The train has no PI.")
    return context["train"], context["access"], context["pi"]


@login_required
@require_POST
def problem_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access, pi = _get_pi_for_user(request, slug)
    access.require(can_join_workshop(access), "Viewers follow the workshop; they do not add problems.")
    form = ProblemForm(request.POST)
    if form.is_valid():
        try:
            problem_create(pi=pi, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_ia_url(train, pi.pk, "workshop"))
    return _render(request, train, access, pi, forms={"problem": form}, status=422)


def _get_problem_for_user(request, slug, problem_id):
    train, access = train_for_user(request.user, slug)
    return (
        train,
        access,
        get_object_or_404(Problem.objects.select_related("pi"), pi__train=train, pk=problem_id),
    )


@login_required
@require_POST
def problem_edit(request: HtmxHttpRequest, slug: str, problem_id: int) -> HttpResponse:
    """Refine the statement and record the root causes found in the workshop."""
    train, access, problem = _get_problem_for_user(request, slug, problem_id)
    access.require(
        can_edit_problem(access, problem),
        "Only who raised the problem, the RTE or Product Management edit it.",
    )
    form = _problem_edit_form(problem, request.POST)
    if form.is_valid():
        try:
            problem_update(problem=problem, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_ia_url(train, problem.pi_id, f"problem-{problem.pk}"))
    return _render(request, train, access, problem.pi, forms={"problem_edit": {problem.pk: form}}, status=422)


@login_required
@require_POST
def problem_vote(request: HtmxHttpRequest, slug: str, problem_id: int) -> HttpResponse:
    """Vote for a problem or take the vote back; htmx answers with the re-ranked problem list."""
    train, access, problem = _get_problem_for_user(request, slug, problem_id)
    access.require(can_join_workshop(access), "Viewers follow the workshop; they do not vote.")
    vote_error = ""
    try:
        problem_vote_toggle(problem=problem, actor=request.user)
    except ValidationError as error:
        vote_error = " ".join(error.messages)
    if not request.htmx:
        if vote_error:
            messages.error(request, vote_error)
        return redirect(_ia_url(train, problem.pi_id, "workshop"))
    context = _workshop_context(train, access, problem.pi, request.user, vote_error=vote_error)
    return render(request, "risks/inspect_adapt.html#problems", context, status=422 if vote_error else 200)


@login_required
@require_POST
def improvement_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access, pi = _get_pi_for_user(request, slug)
    access.require(can_manage_improvements(access), NOT_MANAGER)
    form = ImprovementForm(
        request.POST, members=selectors.train_members(train), problems=Problem.objects.filter(pi=pi)
    )
    if form.is_valid():
        try:
            improvement_create(pi=pi, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_ia_url(train, pi.pk, "improvements"))
    return _render(request, train, access, pi, forms={"improvement": form}, status=422)


def _get_item_for_user(request, slug, item_id):
    train, access = train_for_user(request.user, slug)
    item = get_object_or_404(ImprovementItem.objects.select_related("source_pi"), train=train, pk=item_id)
    return train, access, item


@login_required
@require_POST
def improvement_take(request: HtmxHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Take an item into a later PI: it becomes an enabler in that PI's backlog."""
    train, access, item = _get_item_for_user(request, slug, item_id)
    access.require(can_manage_improvements(access), NOT_MANAGER)
    form = TakeIntoPIForm(request.POST, pis=selectors.later_pis(list(pis_of_train(train)), item.source_pi))
    error = ""
    if form.is_valid():
        try:
            item = improvement_take_into_pi(
                item=item, target_pi=form.cleaned_data["target_pi"], actor=request.user
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = "Choose a later PI that is not closed."
    if error:
        forms = {"take_error": error, "take_error_item": item.pk}
        return _render(request, train, access, item.source_pi, forms=forms, status=422)
    messages.success(request, f"“{item.title}” is now an enabler in {item.target_pi.name}'s backlog.")
    return redirect(_ia_url(train, item.source_pi_id, "improvements"))


@login_required
@require_POST
def improvement_status(request: HtmxHttpRequest, slug: str, item_id: int) -> HttpResponse:
    train, access, item = _get_item_for_user(request, slug, item_id)
    access.require(
        can_update_improvement(access, item),
        "Only the item's owner, the RTE or Product Management update it.",
    )
    form = ImprovementStatusForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose a status.")
    improvement_set_status(item=item, status=form.cleaned_data["status"], actor=request.user)
    messages.success(request, f"“{item.title}”: {item.get_status_display().lower()}.")
    back = request.POST.get("back_pi") or item.source_pi_id
    return redirect(_ia_url(train, back, "improvements" if str(back) == str(item.source_pi_id) else "taken"))
