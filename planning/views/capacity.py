"""Capacity and load (domain.md §4.3): the train's teams × iterations grid and one team's plan."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from planning.forms.capacity import CapacityForm, StoryForm
from planning.forms.objectives import VersionForm
from planning.models import Story
from planning.selectors.capacity import CapacityCell, capacity_grid, team_plan
from planning.services.capacity import capacity_set
from planning.services.stories import STORY_FIELDS, story_create, story_delete, story_update
from trains.forms import apply_service_errors, save_form
from trains.http import HtmxHttpRequest
from trains.models import Team

from .common import PlanningPage, planning_page

GRID = "planning/capacity.html"
PLAN = "planning/team_plan.html"
STALE = "Someone else changed this while you were editing. Nothing of yours was saved: here is the current version."


# --- the grid ---------------------------------------------------------------------------------------


def _cell_form(cell: CapacityCell, data=None) -> CapacityForm:
    initial = {"version": cell.version}
    if cell.row is not None:
        initial.update(fte=cell.fte.normalize(), days_off=cell.days_off, capacity_override=cell.override)
    return CapacityForm(data, initial=initial, auto_id=f"cap-{cell.team.pk}-{cell.iteration.pk}-%s")


def _grid_context(page: PlanningPage, **extra) -> dict:
    grid = capacity_grid(page.pi)
    for row in grid.rows:
        row.can_edit = page.editable and page.access.can_plan_team(row.team.pk)
        if row.can_edit:
            for cell in row.cells:
                cell.form = _cell_form(cell)
    return page.context("capacity", grid=grid, **extra)


@login_required
@require_GET
def capacity_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return render(request, GRID, _grid_context(planning_page(request, slug)))


@login_required
@require_POST
def capacity_cell(request: HtmxHttpRequest, slug: str, team_id: int, iteration_id: int) -> HttpResponse:
    """Enter one cell. htmx gets the cell back plus the totals it changed, out of band."""
    page = planning_page(request, slug)
    team = get_object_or_404(Team, pk=team_id, train=page.train)
    iteration = get_object_or_404(page.pi.iterations.select_related("pi"), pk=iteration_id)
    form = CapacityForm(request.POST, auto_id=f"cap-{team.pk}-{iteration.pk}-%s")
    refused = save_form(
        form,
        lambda data: capacity_set(
            team=team,
            iteration=iteration,
            fte=data["fte"],
            days_off=data["days_off"],
            capacity_override=data["capacity_override"],
            expected_version=data["version"],
            actor=request.user,
        ),
    )
    status = refused.status if refused else 200
    if status == 200 and not request.htmx:
        return redirect(
            f"{reverse('planning:capacity', args=[page.train.slug])}?pi={page.pi.pk}#cap-{team.pk}-{iteration.pk}"
        )
    context = _grid_context(page)
    grid = context["grid"]
    cell = grid.cell(team.pk, iteration.pk)
    if status == 422:
        cell.form = form  # the user's input with its field messages; nothing was saved
    # What no field shows: someone else saved first, or the form came without its version.
    cell.message = STALE if status == 409 else " ".join(form.non_field_errors()) if status == 422 else ""
    cell.saved = status == 200
    if not request.htmx:
        return render(request, GRID, context, status=status)
    context.update(
        cell=cell,
        row=grid.row(team.pk),
        column=grid.column_total(iteration.pk),
        iteration=iteration,
        oob=True,
    )
    return render(request, f"{GRID}#cell-response", context, status=status)


# --- one team's plan ---------------------------------------------------------------------------------


def _story_form(plan, story: Story | None = None, data=None) -> StoryForm:
    if story is None:
        initial, auto_id = {}, "new-story-%s"
    else:
        initial = {
            "title": story.title,
            "points": story.points,
            "feature": story.feature_id,
            "iteration": story.iteration_id,
            "version": story.version,
        }
        auto_id = f"story-{story.pk}-%s"
    return StoryForm(
        data,
        initial=initial,
        auto_id=auto_id,
        features=plan.features,
        iterations=plan.iterations,
        editing=story is not None,
    )


def _plan_context(
    page: PlanningPage, team: Team, *, create_form=None, bound=None, message="", **extra
) -> dict:
    """ "``bound`` is (story id, form or None) for a story whose edit was refused, shown open with its
    messages (None: the current story, as after a stale edit)."""
    plan = team_plan(page.pi, team)
    can_edit = page.editable and page.access.can_plan_team(team.pk)
    if can_edit:
        for column in [*plan.columns, plan.unscheduled]:
            for story in column.stories:
                story.form = _story_form(plan, story)
                if bound and bound[0] == story.pk:
                    story.form = bound[1] or story.form
                    story.message = message
    return page.context(
        "capacity",
        team=team,
        plan=plan,
        can_edit=can_edit,
        create_form=create_form or (_story_form(plan) if can_edit else None),
        **extra,
    )


def _get_team_for_user(request: HtmxHttpRequest, slug: str, team_id: int) -> tuple[PlanningPage, Team]:
    page = planning_page(request, slug)
    return page, get_object_or_404(Team, pk=team_id, train=page.train)


def _plan_url(page: PlanningPage, team: Team) -> str:
    return f"{reverse('planning:team_plan', args=[page.train.slug, team.pk])}?pi={page.pi.pk}"


@login_required
@require_GET
def team_plan_page(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    page, team = _get_team_for_user(request, slug, team_id)
    return render(request, PLAN, _plan_context(page, team))


def _plan_response(request, page, team, *, partial: str, status: int = 200, **context_args) -> HttpResponse:
    context = _plan_context(page, team, **context_args)
    if not request.htmx:
        return render(request, PLAN, context, status=status)
    return render(request, f"{PLAN}#{partial}", {**context, "oob": True}, status=status)


@login_required
@require_POST
def story_new(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    page, team = _get_team_for_user(request, slug, team_id)
    plan = team_plan(page.pi, team)
    form = _story_form(plan, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            story = story_create(
                team=team,
                title=data["title"],
                points=data["points"],
                feature=data["feature"],
                iteration=data["iteration"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not request.htmx:
                return redirect(f"{_plan_url(page, team)}#story-{story.pk}")
            # The next story most often goes to the same feature and iteration: keep them chosen.
            again = _story_form(plan)
            again.initial.update(feature=story.feature_id, iteration=story.iteration_id)
            return _plan_response(
                request,
                page,
                team,
                partial="create-response",
                created=story,
                create_form=again,
                changed=story.pk,
            )
    return _plan_response(request, page, team, partial="story-create", status=422, create_form=form)


def _get_story(team: Team, story_id: int) -> Story:
    return get_object_or_404(
        Story.objects.select_related("team", "feature", "iteration"), pk=story_id, team=team
    )


@login_required
@require_POST
def story_edit(request: HtmxHttpRequest, slug: str, team_id: int, story_id: int) -> HttpResponse:
    """Rename, estimate, move to another iteration or link to a feature; the load bars follow."""
    page, team = _get_team_for_user(request, slug, team_id)
    story = _get_story(team, story_id)
    form = _story_form(team_plan(page.pi, team), story, data=request.POST)
    refused = save_form(
        form,
        lambda data: story_update(
            story=story,
            expected_version=data["version"],
            actor=request.user,
            **{name: data[name] for name in STORY_FIELDS},
        ),
    )
    status = refused.status if refused else 200
    if status == 200 and not request.htmx:
        return redirect(f"{_plan_url(page, team)}#story-{story.pk}")
    # 422: the user's input with its messages; 409: the current story (the default form) and why.
    bound = (story.pk, form if status == 422 else None) if status != 200 else None
    return _plan_response(
        request,
        page,
        team,
        partial="columns-response",
        status=status,
        bound=bound,
        message=STALE if status == 409 else "",
        changed=story.pk,
    )


@login_required
@require_POST
def story_remove(request: HtmxHttpRequest, slug: str, team_id: int, story_id: int) -> HttpResponse:
    page, team = _get_team_for_user(request, slug, team_id)
    story = _get_story(team, story_id)
    refused = save_form(
        VersionForm(request.POST),
        lambda data: story_delete(story=story, expected_version=data["version"], actor=request.user),
    )
    status = refused.status if refused else 200
    if status == 200:
        if not request.htmx:
            return redirect(_plan_url(page, team))
        notice = f"“{story.title}” deleted."
        return _plan_response(request, page, team, partial="columns-response", notice=notice)
    # 409: the current story and why; 422: the form came without its version (or a tampered one).
    return _plan_response(
        request,
        page,
        team,
        partial="columns-response",
        status=status,
        bound=(story.pk, None),
        message=STALE if status == 409 else refused.message,
        changed=story.pk,
    )
