"""The feature backlog ranked by WSJF (domain.md §4.4): inline estimates, pulling into the PI."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from planning.calculations import FIBONACCI
from planning.forms.backlog import LABELS, PullForm, WsjfForm
from planning.models import Feature
from planning.permissions import can_pull_feature, can_rank_backlog
from planning.selectors.backlog import backlog
from planning.services.backlog import feature_pull, feature_set_wsjf
from trains.forms import save_form
from trains.http import HtmxHttpRequest
from trains.refusals import Refusal

from .common import PlanningPage, planning_page

PAGE = "planning/backlog.html"
STALE = (
    "“{title}” was changed by someone else. Nothing of yours was saved: the table shows the current values."
)


def _messages(errors) -> list[str]:
    """A row's refusal as sentences naming the input, since a table row has no room under each select."""
    labels = {**LABELS, "team": "Team", "pi": "PI", "version": "Version", "action": "Action"}
    return [
        f"{labels.get(name, 'This feature')}: {message}" if name != "__all__" else message
        for name, messages in errors.items()
        for message in messages
    ]


def _context(
    page: PlanningPage, changed_id: int | None = None, row_errors: dict | None = None, **extra
) -> dict:
    data = backlog(page.pi)
    access = page.access
    # Which teams this person may pull onto, worked out once (no query: access is in memory).
    # On a closed PI nobody pulls, takes out or ranks from this page (the services refuse it too).
    own_teams = [team for team in data.teams if page.editable and access.can_plan_team(team.pk)]
    row_errors = row_errors or {}
    for row in [*data.in_pi, *data.not_in_pi]:
        feature = row.feature
        # A done feature is delivered: no ranking, pulling or taking out (the services refuse it too).
        feature.is_done = feature.state == Feature.State.DONE
        open_feature = not feature.is_done
        feature.can_pull = open_feature and any(can_pull_feature(access, feature, team) for team in own_teams)
        feature.can_remove = open_feature and page.editable and can_pull_feature(access, feature, None)
        feature.just_changed = feature.pk == changed_id
        feature.errors = _messages(row_errors.get(feature.pk, {}))
    return page.context(
        "backlog",
        backlog=data,
        can_rank=page.editable and can_rank_backlog(access),
        pull_teams=own_teams,
        scale=FIBONACCI,
        can_pull_any=bool(own_teams),
        **extra,
    )


def _respond(request: HtmxHttpRequest, page: PlanningPage, status: int = 200, **extra) -> HttpResponse:
    context = _context(page, **extra)
    if request.htmx:
        return render(request, f"{PAGE}#backlog-tables", context, status=status)
    return render(request, PAGE, context, status=status)


def _get_feature_for_user(
    request: HtmxHttpRequest, slug: str, feature_id: int
) -> tuple[PlanningPage, Feature]:
    """The page (404 for outsiders) and the feature, which must be on this train."""
    page = planning_page(request, slug)
    feature = get_object_or_404(Feature.objects.select_related("team"), pk=feature_id, train=page.train)
    return page, feature


def _refused(
    request: HtmxHttpRequest, page: PlanningPage, feature: Feature, refused: Refusal
) -> HttpResponse:
    """A refused write (trains.forms.save_form): a stale version is said above the tables, with the
    current values in them; refused input on the row, each message naming its input."""
    if refused.status == 409:
        alert = STALE.format(title=refused.current.title)
        return _respond(request, page, 409, changed_id=feature.pk, alert=alert)
    errors = refused.field_errors or {"__all__": [refused.message]}
    return _respond(request, page, 422, changed_id=feature.pk, row_errors={feature.pk: errors})


def _back(page: PlanningPage, feature_id: int) -> HttpResponse:
    return redirect(
        f"{reverse('planning:backlog', args=[page.train.slug])}?pi={page.pi.pk}#feature-{feature_id}"
    )


@login_required
@require_GET
def backlog_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return _respond(request, planning_page(request, slug))


@login_required
@require_POST
def backlog_wsjf(request: HtmxHttpRequest, slug: str, feature_id: int) -> HttpResponse:
    """Change WSJF inputs: answers with the re-ranked tables, so the rank moves at once."""
    page, feature = _get_feature_for_user(request, slug, feature_id)
    form = WsjfForm(request.POST)
    refused = save_form(
        form,
        lambda data: feature_set_wsjf(
            feature=feature, expected_version=data["version"], actor=request.user, **form.inputs()
        ),
    )
    if refused:
        return _refused(request, page, feature, refused)
    if request.htmx:
        return _respond(request, page, changed_id=feature.pk)
    return _back(page, feature.pk)


@login_required
@require_POST
def backlog_pull(request: HtmxHttpRequest, slug: str, feature_id: int) -> HttpResponse:
    """Pull a feature into this PI onto a team (its iteration stays empty), or take it out of the PI."""
    page, feature = _get_feature_for_user(request, slug, feature_id)
    form = PullForm(request.POST, teams=page.train.teams.all())  # not the whole backlog: only its teams
    removing = form.is_valid() and form.cleaned_data["action"] == "remove"
    refused = save_form(
        form,
        lambda data: feature_pull(
            feature=feature,
            pi=None if removing else page.pi,
            team=None if removing else data["team"],
            expected_version=data["version"],
            actor=request.user,
        ),
    )
    if refused:
        return _refused(request, page, feature, refused)
    if removing:
        message = f"“{feature.title}” was taken out of {page.pi.name}."
    else:
        team = form.cleaned_data["team"]  # the service puts the feature on the team asked for
        where = f"on {team.name}" if team else "with no team yet"
        message = f"“{feature.title}” is in {page.pi.name}, {where}, waiting in the board's unplanned lane."
    if request.htmx:
        return _respond(request, page, changed_id=feature.pk, notice=message)
    return _back(page, feature.pk)
