"""Release readiness pages: a PI's releases, and one release's go/no-go checklist and decisions.

Every write answers htmx with the release's body (the checklist, its readiness and the decisions:
a criterion's status moves the readiness %, a decision is taken on all of it); a refused input
answers 422 with the form and its field messages, a stale version 409 with the current data. Without
JavaScript each form posts and redirects back (or shows the page with the messages).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from planning.models import Milestone
from planning.selectors.pis import pi_being_run, pis_of_train
from risks.selectors import train_members
from trains.access import TrainAccess
from trains.errors import NotAllowed
from trains.forms import save_form
from trains.http import HtmxHttpRequest
from trains.models import Team, Train
from trains.selectors import train_for_user

from ..models import ReleaseChecklist, ReleaseCriterion
from ..permissions import can_decide_release, can_edit_release_checklist, can_update_criterion
from . import selectors, services
from .forms import CriterionEditForm, CriterionForm, DecisionForm, ScopeForm, VersionForm

PAGE = "metrics/release.html"
LIST_PAGE = "metrics/releases.html"
STALE = "Someone else changed this release's checklist while you were looking at it. Nothing of yours was saved: here is the current version."


def _get_release_for_user(user, slug: str, milestone_id: int) -> tuple[Train, TrainAccess, Milestone]:
    """A release milestone of one of the user's trains; 404 otherwise (another train's too)."""
    train, access = train_for_user(user, slug)
    try:
        milestone = selectors.release_milestone(train.pk, milestone_id)
    except Milestone.DoesNotExist:
        raise Http404("No such release.") from None
    return train, access, milestone


def _get_criterion_for_user(user, slug: str, criterion_id: int):
    train, access = train_for_user(user, slug)
    criterion = get_object_or_404(
        ReleaseCriterion.objects.select_related("checklist__milestone__pi", "owner"),
        checklist__milestone__pi__train=train,
        pk=criterion_id,
    )
    return train, access, criterion


def release_url(train: Train, milestone: Milestone) -> str:
    return reverse("metrics:release", args=[train.slug, milestone.pk])


def _context(train, access, milestone, *, forms=None, message="", error=False) -> dict:
    forms = forms or {}
    release = selectors.release_readiness(milestone)
    editable = not milestone.pi.is_closed
    can_edit = editable and can_edit_release_checklist(access)
    members = train_members(train)
    checklist = release.checklist
    context = {
        "train": train,
        "access": access,
        "nav": "metrics",
        "pi": milestone.pi,
        "release": release,
        "milestone": milestone,
        "editable": editable,
        "can_edit": can_edit,
        "can_decide": editable and checklist is not None and can_decide_release(access),
        "message": message,
        "error": error,
    }
    if checklist is not None:
        for result in release.results:
            result.can_update = editable and can_update_criterion(access, result.criterion)
        teams = Team.objects.filter(train=train).order_by("position", "name")
        context.update(
            scope_form=forms.get("scope")
            or ScopeForm(
                initial={"teams": [t.pk for t in checklist.teams.all()], "version": checklist.version},
                teams=teams,
            ),
            add_form=forms.get("add") or CriterionForm(members=members, prefix="new"),
            decision_form=forms.get("decision") or DecisionForm(initial={"version": checklist.version}),
        )
    return context


def _answer(request, train, access, milestone, *, forms=None, status=200, message="") -> HttpResponse:
    """Saved: back to the page (or its body, for htmx). Refused: the body or page with the messages."""
    if status == 200 and not request.htmx:
        return redirect(release_url(train, milestone))
    context = _context(train, access, milestone, forms=forms, message=message, error=status != 200)
    template = f"{PAGE}#release-body" if request.htmx else PAGE
    return render(request, template, context, status=status)


@login_required
@require_GET
def releases(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The releases of a PI (`?pi=`, else the executing one) with their readiness and latest decision."""
    train, access = train_for_user(request.user, slug)
    pis = list(pis_of_train(train))
    pi = pi_being_run(train, request.GET.get("pi"), pis) if pis else None
    context = {
        "train": train,
        "access": access,
        "nav": "metrics",
        "pis": pis,
        "pi": pi,
        "releases": selectors.pi_releases(pi) if pi else [],
    }
    return render(request, LIST_PAGE, context)


@login_required
@require_GET
def release(request: HtmxHttpRequest, slug: str, milestone_id: int) -> HttpResponse:
    train, access, milestone = _get_release_for_user(request.user, slug, milestone_id)
    return render(request, PAGE, _context(train, access, milestone))


@login_required
@require_POST
def release_checklist_new(request: HtmxHttpRequest, slug: str, milestone_id: int) -> HttpResponse:
    train, access, milestone = _get_release_for_user(request.user, slug, milestone_id)
    services.release_checklist_create(milestone=milestone, actor=request.user)
    return _answer(request, train, access, milestone, message="Checklist created with the standard criteria.")


@login_required
@require_POST
def release_scope(request: HtmxHttpRequest, slug: str, milestone_id: int) -> HttpResponse:
    train, access, milestone = _get_release_for_user(request.user, slug, milestone_id)
    checklist = _checklist_of(milestone)
    access.require(can_edit_release_checklist(access), services.NOT_RTE)
    form = ScopeForm(request.POST, teams=Team.objects.filter(train=train))
    refused = save_form(
        form,
        lambda data: services.release_checklist_set_scope(
            checklist=checklist, teams=data["teams"], expected_version=data["version"], actor=request.user
        ),
    )
    if refused is None:
        return _answer(request, train, access, milestone, message="Scope saved.")
    if refused.status == 409:
        return _answer(request, train, access, milestone, status=409, message=STALE)
    return _answer(request, train, access, milestone, forms={"scope": form}, status=refused.status)


def _checklist_of(milestone: Milestone) -> ReleaseChecklist:
    try:
        return milestone.release_checklist
    except ReleaseChecklist.DoesNotExist:
        raise Http404("This release has no checklist yet.") from None


@login_required
@require_POST
def release_criterion_new(request: HtmxHttpRequest, slug: str, milestone_id: int) -> HttpResponse:
    train, access, milestone = _get_release_for_user(request.user, slug, milestone_id)
    checklist = _checklist_of(milestone)
    access.require(can_edit_release_checklist(access), services.NOT_RTE)
    form = CriterionForm(request.POST, members=train_members(train), prefix="new")
    refused = save_form(
        form,
        lambda data: services.release_criterion_add(
            checklist=checklist,
            title=data["title"],
            owner=data["owner"],
            status=data["status"],
            note=data["note"],
            actor=request.user,
        ),
    )
    if refused is None:
        return _answer(request, train, access, milestone, message="Criterion added.")
    return _answer(request, train, access, milestone, forms={"add": form}, status=refused.status)


@login_required
@require_http_methods(["GET", "POST"])
def release_criterion_edit(request: HtmxHttpRequest, slug: str, criterion_id: int) -> HttpResponse:
    """The edit form in place of the criterion's row (htmx), or on its own (no JavaScript)."""
    train, access, criterion = _get_criterion_for_user(request.user, slug, criterion_id)
    milestone = criterion.checklist.milestone
    if not can_update_criterion(access, criterion):
        raise NotAllowed(services.NOT_OWNER)
    members = train_members(train)
    rte = can_edit_release_checklist(access)
    form = CriterionEditForm.for_criterion(criterion, members=members, data=request.POST or None, full=rte)
    status, message = 200, ""
    if request.method == "POST":

        def save(data):
            fields = {"status": data["status"], "note": data["note"]}
            if rte:
                fields.update(title=data["title"], owner=data["owner"])
            services.release_criterion_update(
                criterion=criterion, expected_version=data["version"], actor=request.user, **fields
            )

        refused = save_form(form, save)
        if refused is None:
            return _answer(request, train, access, milestone, message=f"“{criterion.title}” saved.")
        status = refused.status
        if status == 409:
            form, message = CriterionEditForm.for_criterion(refused.current, members=members, full=rte), STALE
    context = {
        "train": train,
        "access": access,
        "nav": "metrics",
        "pi": milestone.pi,
        "milestone": milestone,
        "criterion": criterion,
        "edit_form": form,
        "full_edit": rte,
        "stale_message": message,
    }
    if not request.htmx:
        return render(request, "metrics/release_criterion.html", context, status=status)
    response = render(request, f"{PAGE}#criterion-edit", context, status=status)
    if request.method == "POST":  # refused: the form with its messages goes back in place of the row
        response = reswap(retarget(response, f"#criterion-{criterion.pk}"), "outerHTML")
    return response


@login_required
@require_POST
def release_criterion_delete(request: HtmxHttpRequest, slug: str, criterion_id: int) -> HttpResponse:
    train, access, criterion = _get_criterion_for_user(request.user, slug, criterion_id)
    milestone = criterion.checklist.milestone
    access.require(can_edit_release_checklist(access), services.NOT_RTE)
    form = VersionForm(request.POST)
    refused = save_form(
        form,
        lambda data: services.release_criterion_remove(
            criterion=criterion, expected_version=data["version"], actor=request.user
        ),
    )
    if refused is None:
        return _answer(request, train, access, milestone, message=f"“{criterion.title}” removed.")
    message = STALE if refused.status == 409 else refused.message
    return _answer(request, train, access, milestone, status=refused.status, message=message)


@login_required
@require_POST
def release_decide(request: HtmxHttpRequest, slug: str, milestone_id: int) -> HttpResponse:
    train, access, milestone = _get_release_for_user(request.user, slug, milestone_id)
    checklist = _checklist_of(milestone)
    access.require(can_decide_release(access), services.NOT_DECIDER)
    form = DecisionForm(request.POST)
    refused = save_form(
        form,
        lambda data: services.release_decision_record(
            checklist=checklist,
            outcome=data["outcome"],
            reason=data["reason"],
            conditions=data["conditions"],
            expected_version=data["version"],
            actor=request.user,
        ),
    )
    if refused is None:
        return _answer(request, train, access, milestone, message="Decision recorded.")
    if refused.status == 409:
        message = "The checklist changed since you loaded it (or someone decided meanwhile): review it and decide again."
        return _answer(request, train, access, milestone, status=409, message=message)
    return _answer(request, train, access, milestone, forms={"decision": form}, status=refused.status)
