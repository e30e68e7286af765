"""Team PI objectives with their business value and predictability, and the Business Owner view.

Every write answers htmx with what changed: a business-value click returns the objective's row
plus out-of-band team and ART figures; edits that reshape a team's lists (add, edit, delete,
reorder, commit/uncommit) return the team's section. A stale version answers 409 with a message
and the fresh data, bad input 422 with the field's message. Without JavaScript every form posts
and redirects back to the page (or shows the page with the message).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from trains.errors import NotAllowed
from trains.forms import apply_service_errors, save_form
from trains.http import HtmxHttpRequest
from trains.limits import parse_id
from trains.models import Team
from trains.selectors import train_for_user

from ..forms.objectives import BusinessValueForm, MoveObjectiveForm, ObjectiveForm, VersionForm
from ..models import PIObjective
from ..permissions import can_set_business_value
from ..selectors.objectives import ObjectivesOverview, TeamObjectives, pi_objectives, team_features
from ..selectors.pis import pis_of_train
from ..services import objectives as services
from .common import PlanningPage, planning_page

PAGE = "planning/objectives.html"
BO_PAGE = "planning/business_owners.html"
STALE = "Someone else changed this objective while you were looking at it. Nothing of yours was saved: here is the current version."


def _team_filter(request: HtmxHttpRequest) -> int | None:
    return parse_id(request.GET.get("team"))


def _context(
    page: PlanningPage, overview: ObjectivesOverview, team_filter: int | None = None, **extra
) -> dict:
    """What the page and its fragments need; the permission sets are worked out once, here."""
    access = page.access
    # A closed PI offers no edit, commitment, order or scoring control: the sets stay empty.
    plannable = {team.pk for team in overview.train_teams if page.editable and access.can_plan_team(team.pk)}
    for entry in overview.teams:
        if entry.team.pk in plannable and not hasattr(entry, "add_form"):
            entry.add_form = ObjectiveForm(features=entry.features, prefix_id=f"t{entry.team.pk}-")
    return page.context(
        "objectives",
        overview=overview,
        plannable=plannable,
        scorable={
            o.pk
            for entry in overview.teams
            for o in entry.objectives
            if page.editable and can_set_business_value(access, o)
        },
        phase="planned" if page.pi.state in services.PLANNED_STATES else "actual",
        planned_scale=list(services.PLANNED_RANGE),
        actual_scale=list(services.ACTUAL_RANGE),
        team_filter=team_filter,
        keep={"team": team_filter} if team_filter else {},
        **extra,
    )


def _page_url(page: PlanningPage, team_id: int | None = None) -> str:
    url = f"{reverse('planning:objectives', args=[page.train.slug])}?pi={page.pi.pk}"
    return f"{url}#team-{team_id}" if team_id else url


def _get_objective_for_user(
    request: HtmxHttpRequest, slug: str, objective_id: int
) -> tuple[PlanningPage, PIObjective]:
    """The objective (404 unless it is on a train the user holds a role on) and its PI's page."""
    train, access = train_for_user(request.user, slug)
    objective = get_object_or_404(
        PIObjective.objects.select_related("pi", "team"), pk=objective_id, pi__train=train
    )
    page = PlanningPage(train=train, access=access, pis=list(pis_of_train(train)), pi=objective.pi)
    return page, objective


def _team_entry(page: PlanningPage, team_id: int) -> tuple[ObjectivesOverview, TeamObjectives]:
    overview = pi_objectives(page.pi, with_features=True)
    return overview, next(entry for entry in overview.teams if entry.team.pk == team_id)


def _team_response(
    request: HtmxHttpRequest,
    page: PlanningPage,
    team_id: int,
    *,
    status: int = 200,
    message: str = "",
    form=None,
) -> HttpResponse:
    """htmx: the team's section (and the ART figure out of band). Otherwise: back to the page on
    success, or the page with the message and the refused form."""
    if status == 200 and not request.htmx:
        return redirect(_page_url(page, team_id))
    overview, entry = _team_entry(page, team_id)
    if form is not None:
        entry.add_form = form
    if request.htmx:
        context = _context(
            page,
            overview,
            team_message=message,
            team_error=status != 200,
            keep_open=team_id if status == 200 else None,
        )
        context.update(t=entry, oob_art=True)
        response = render(request, f"{PAGE}#team-result", context, status=status)
        return reswap(retarget(response, f"#team-{team_id}"), "outerHTML")
    overview.teams = [entry]
    context = _context(page, overview, team_id, page_message=message)
    return render(request, PAGE, context, status=status)


@login_required
@require_GET
def objectives(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    team_filter = _team_filter(request)
    overview = pi_objectives(page.pi, team_id=team_filter, with_features=True)
    return render(request, PAGE, _context(page, overview, team_filter))


@login_required
@require_POST
def objective_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    team = get_object_or_404(Team, pk=parse_id(request.POST.get("team")) or 0, train=page.train)
    if not page.access.can_plan_team(team.pk):
        raise NotAllowed("You may not add objectives for this team.")
    form = ObjectiveForm(request.POST, features=team_features(page.pi, team.pk), prefix_id=f"t{team.pk}-")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.objective_create(
                pi=page.pi,
                team=team,
                text=data["text"],
                is_committed=data["is_committed"],
                features=data["features"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _team_response(request, page, team.pk, message="Objective added.")
    return _team_response(request, page, team.pk, status=422, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: HtmxHttpRequest, slug: str, objective_id: int) -> HttpResponse:
    """The edit form in place of the row (htmx), or on the page (no JavaScript)."""
    page, objective = _get_objective_for_user(request, slug, objective_id)
    if not page.access.can_plan_team(objective.team_id):
        raise NotAllowed("You may not change this team's objectives.")
    features = team_features(page.pi, objective.team_id)
    form = ObjectiveForm.for_objective(objective, features=features, data=request.POST or None)
    status, message = 200, ""
    if request.method == "POST":
        refused = save_form(
            form,
            lambda data: services.objective_update(
                objective=objective,
                expected_version=data["version"],
                actor=request.user,
                text=data["text"],
                is_committed=data["is_committed"],
                features=data["features"],
            ),
        )
        if refused is None:
            return _team_response(request, page, objective.team_id, message="Objective saved.")
        status = refused.status
        if status == 409:  # the current version in the form, so nothing is overwritten unseen
            form, message = ObjectiveForm.for_objective(refused.current, features=features), STALE
    if request.htmx:
        context = page.context("objectives", o=objective, edit_form=form, stale_message=message)
        return render(request, f"{PAGE}#objective-edit", context, status=status)
    overview, entry = _team_entry(page, objective.team_id)
    overview.teams = [entry]
    context = _context(page, overview, objective.team_id, editing=objective.pk, edit_form=form)
    context.update(page_message=message)
    return render(request, PAGE, context, status=status)


def _versioned_write(
    request: HtmxHttpRequest, slug: str, objective_id: int, write, form_class=VersionForm
) -> HttpResponse:
    """Delete, reorder, commit/uncommit: a write that reshapes the team's lists."""
    page, objective = _get_objective_for_user(request, slug, objective_id)
    form = form_class(request.POST)
    said = []  # the write's own sentence, for the answer
    refused = save_form(form, lambda data: said.append(write(objective, form)))
    if refused is None:
        return _team_response(request, page, objective.team_id, message=said[0])
    message = STALE if refused.status == 409 else refused.message
    return _team_response(request, page, objective.team_id, status=refused.status, message=message)


@login_required
@require_POST
def objective_delete(request: HtmxHttpRequest, slug: str, objective_id: int) -> HttpResponse:
    def write(objective, form):
        services.objective_delete(
            objective=objective, expected_version=form.cleaned_data["version"], actor=request.user
        )
        return f"Objective “{objective.text}” deleted."

    return _versioned_write(request, slug, objective_id, write)


@login_required
@require_POST
def objective_move(request: HtmxHttpRequest, slug: str, objective_id: int) -> HttpResponse:
    def write(objective, form):
        services.objective_move(
            objective=objective,
            offset=form.offset,
            expected_version=form.cleaned_data["version"],
            actor=request.user,
        )
        return f"Objective moved {form.cleaned_data['direction']}."

    return _versioned_write(request, slug, objective_id, write, MoveObjectiveForm)


@login_required
@require_POST
def objective_commitment(request: HtmxHttpRequest, slug: str, objective_id: int) -> HttpResponse:
    """Toggle committed ↔ uncommitted."""

    def write(objective, form):
        saved = services.objective_update(
            objective=objective,
            expected_version=form.cleaned_data["version"],
            actor=request.user,
            is_committed=not objective.is_committed,
        )
        return "Objective is now committed." if saved.is_committed else "Objective is now uncommitted."

    return _versioned_write(request, slug, objective_id, write)


def _business_value(
    request: HtmxHttpRequest, slug: str, objective_id: int, service, field: str
) -> HttpResponse:
    """One click on a score: the row comes back with the new value pressed, and the team and ART
    figures out of band. A refused value leaves everything as it was and says why on the row."""
    page, objective = _get_objective_for_user(request, slug, objective_id)
    form = BusinessValueForm(request.POST)
    refused = save_form(
        form,
        lambda data: service(
            objective=objective, value=data["value"], expected_version=data["version"], actor=request.user
        ),
    )
    status, message = 200, ""
    if refused:
        # The row has room for one sentence: the score's own message when there is one.
        said = refused.field_errors.get(field) or refused.field_errors.get("value") or [refused.message]
        status, message = refused.status, STALE if refused.status == 409 else " ".join(said)
    if not request.htmx:
        if status == 200:
            return redirect(_page_url(page, objective.team_id))
        overview, entry = _team_entry(page, objective.team_id)
        overview.teams = [entry]
        return render(
            request, PAGE, _context(page, overview, objective.team_id, page_message=message), status=status
        )
    overview, entry = _team_entry(page, objective.team_id)
    fresh = next(o for o in entry.objectives if o.pk == objective.pk)
    if status == 200:
        value = getattr(fresh, field)
        label = "Planned value" if field == "planned_business_value" else "Actual value"
        message = f"{label} cleared." if value is None else f"{label} set to {value}."
    context = _context(page, overview, row_message=message, row_error=status != 200)
    context.update(t=entry, o=fresh, oob_team=True, oob_art=True)
    return render(request, f"{PAGE}#value-result", context, status=status)


@login_required
@require_POST
def objective_planned_value(request: HtmxHttpRequest, slug: str, objective_id: int) -> HttpResponse:
    return _business_value(
        request, slug, objective_id, services.objective_set_planned_value, "planned_business_value"
    )


@login_required
@require_POST
def objective_actual_value(request: HtmxHttpRequest, slug: str, objective_id: int) -> HttpResponse:
    return _business_value(
        request, slug, objective_id, services.objective_score_actual, "actual_business_value"
    )


@login_required
@require_GET
def business_owners(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """All teams' objectives, values, votes and predictability on one printable page; any role reads it."""
    page = planning_page(request, slug)
    overview = pi_objectives(page.pi, with_votes=True)
    return render(request, BO_PAGE, page.context("business_owners", overview=overview))
