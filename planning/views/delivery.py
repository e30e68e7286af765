"""The train's Delivery page: recent deployments, incidents (open ones first) and defects, filtered by
team; recording each by hand, restoring an incident, resolving a defect, and importing a CSV file.

A write from htmx answers with its kind's section (the list and the form, with the field messages on
a refusal: 422); without JavaScript every form posts and comes back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from trains.access import TrainAccess
from trains.errors import NotAllowed
from trains.forms import save_form
from trains.http import HtmxHttpRequest
from trains.limits import parse_id
from trains.selectors import train_for_user

from ..forms.delivery import (
    CloseForm,
    DefectForm,
    DeliveryImportForm,
    DeploymentForm,
    IncidentForm,
    TeamFilterForm,
)
from ..imports.delivery import COLUMNS, delivery_import
from ..models import Defect, Incident
from ..permissions import can_record_any_delivery, can_record_delivery, recordable_team_ids
from ..selectors import delivery as selectors
from ..services import delivery as services
from .imports import problems_shown

PAGE = "planning/delivery.html"
NOT_YOURS = services.NOT_YOURS


class _Page:
    """What the page and its sections need, read once per request."""

    def __init__(self, request: HtmxHttpRequest, slug: str):
        self.request = request
        self.train, self.access = train_for_user(request.user, slug)
        self.teams = list(self.train.teams.order_by("position", "name"))
        self.team_filter = _team_filter(request, self.teams)
        self.can_record = can_record_any_delivery(self.access)
        own = recordable_team_ids(self.access)
        self.recordable_teams = self.teams if own is None else [t for t in self.teams if t.pk in own]
        self.any_team = own is None

    def require_recorder(self) -> None:
        self.access.require(self.can_record, NOT_YOURS)

    def form_kwargs(self) -> dict:
        return {"teams": self.recordable_teams, "any_team": self.any_team}

    def deployment_form(self, data=None) -> DeploymentForm:
        return DeploymentForm(data, **self.form_kwargs())

    def incident_form(self, data=None) -> IncidentForm:
        deployments = list(selectors.recent_deployments_for_choice(self.train))
        return IncidentForm(data, deployments=deployments, **self.form_kwargs())

    def defect_form(self, data=None) -> DefectForm:
        features = selectors.features_for_choice(self.train)
        if not self.any_team:  # a team's people: their own team's features
            features = features.filter(team__in=self.recordable_teams)
        return DefectForm(data, features=list(features), **self.form_kwargs())

    def context(self, **extra) -> dict:
        overview = selectors.delivery_overview(
            self.train, team_id=self.team_filter.pk if self.team_filter else None
        )
        writable = {team.pk for team in self.recordable_teams}
        return {
            "train": self.train,
            "access": self.access,
            "nav": "delivery",
            "overview": overview,
            "teams": self.teams,
            "team_filter": self.team_filter,
            "filter_form": TeamFilterForm(
                initial={"team": self.team_filter.pk if self.team_filter else ""}, teams=self.teams
            ),
            "can_record": self.can_record,
            "writable_team_ids": writable,
            "any_team": self.any_team,
            "columns": COLUMNS,
            "keep": f"?team={self.team_filter.pk}" if self.team_filter else "",
            **extra,
        }

    def page_url(self) -> str:
        url = reverse("planning:delivery", args=[self.train.slug])
        return f"{url}?team={self.team_filter.pk}" if self.team_filter else url


def _team_filter(request, teams):
    team_id = parse_id(request.GET.get("team"))
    return next((team for team in teams if team.pk == team_id), None)


def _may_edit(access: TrainAccess, event) -> bool:
    return can_record_delivery(access, event.team_id)


def _forms(page: _Page, **given) -> dict:
    if not page.can_record:
        return {}
    return {
        "deployment_form": given.get("deployment_form") or page.deployment_form(),
        "incident_form": given.get("incident_form") or page.incident_form(),
        "defect_form": given.get("defect_form") or page.defect_form(),
        "import_form": given.get("import_form") or DeliveryImportForm(),
    }


@login_required
@require_GET
def delivery(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = _Page(request, slug)
    return render(request, PAGE, page.context(**_forms(page)))


def _section(
    request: HtmxHttpRequest, page: _Page, kind: str, *, status: int = 200, message: str = "", **forms
):
    """htmx: the kind's section. Otherwise back to the page (saved), or the page with the refusal."""
    if status == 200 and not request.htmx:
        if message:
            messages.success(request, message)
        return redirect(page.page_url())
    context = page.context(
        **_forms(page, **forms),
        section_kind=kind,
        section_message=message,
        section_error=status != 200,
        # A refused form stays open with its messages; a refused restore or resolve leaves it shut.
        open_form=kind if status != 200 and forms else "",
    )
    template = f"{PAGE}#{kind}s" if request.htmx else PAGE
    return render(request, template, context, status=status)


def _record(request: HtmxHttpRequest, slug: str, kind: str, make_form, service, describe) -> HttpResponse:
    page = _Page(request, slug)
    page.require_recorder()
    form = make_form(page, request.POST)
    posted_team = parse_id(request.POST.get("team"))
    if posted_team is not None and any(team.pk == posted_team for team in page.teams):
        # Another team of the train is the form's invalid choice, but a refusal first: who may is
        # said before what was sent (403, as for every write a role does not allow).
        page.access.require(can_record_delivery(page.access, posted_team), NOT_YOURS)
    recorded = {}

    def save(data):
        recorded["result"] = service(train=page.train, actor=request.user, **form.values())

    refused = save_form(form, save)
    if refused is not None:
        message = "Not recorded: see the messages on the form below."
        if refused.status == 409:
            message = refused.message
        return _section(request, page, kind, status=refused.status, message=message, **{f"{kind}_form": form})
    result = recorded["result"]
    verb = "Recorded" if result.created else "Updated (same reference)"
    return _section(request, page, kind, message=f"{verb}: {describe(result.event)}.")


@login_required
@require_POST
def deployment_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return _record(
        request,
        slug,
        "deployment",
        lambda page, data: page.deployment_form(data),
        services.deployment_record,
        lambda d: f"{d.service} to {d.environment}, {timezone.localtime(d.deployed_at):%-d %b %Y %H:%M}",
    )


@login_required
@require_POST
def incident_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return _record(
        request,
        slug,
        "incident",
        lambda page, data: page.incident_form(data),
        services.incident_record,
        lambda i: f"incident “{i.title}”",
    )


@login_required
@require_POST
def defect_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return _record(
        request,
        slug,
        "defect",
        lambda page, data: page.defect_form(data),
        services.defect_record,
        lambda d: f"defect “{d.title}”",
    )


def _close(request: HtmxHttpRequest, slug: str, kind: str, event_id: int, lookup, service, done: str):
    page = _Page(request, slug)
    try:
        event = lookup(page.train, event_id)
    except (Incident.DoesNotExist, Defect.DoesNotExist):
        raise Http404(f"No such {kind} on this train.") from None
    if not _may_edit(page.access, event):
        raise NotAllowed(NOT_YOURS)
    form = CloseForm(request.POST)

    def save(data):
        service(event, actor=request.user, expected_version=data["version"], at=data.get("at"))

    refused = save_form(form, save)
    if refused is not None:
        if refused.status == 409:
            message = (
                f"Someone else changed this {kind} meanwhile: nothing was saved. Here is how it stands now."
            )
        else:
            message = " ".join(m for messages_ in form.errors.values() for m in messages_)
        return _section(request, page, kind, status=refused.status, message=message)
    return _section(request, page, kind, message=f"{done}: “{event.title}”.")


@login_required
@require_POST
def incident_restore(request: HtmxHttpRequest, slug: str, incident_id: int) -> HttpResponse:
    def restore(incident, *, actor, expected_version, at):
        services.incident_restore(
            incident=incident, actor=actor, expected_version=expected_version, restored_at=at
        )

    return _close(request, slug, "incident", incident_id, selectors.incident_of_train, restore, "Restored")


@login_required
@require_POST
def defect_resolve(request: HtmxHttpRequest, slug: str, defect_id: int) -> HttpResponse:
    def resolve(defect, *, actor, expected_version, at):
        services.defect_resolve(defect=defect, actor=actor, expected_version=expected_version, resolved_at=at)

    return _close(request, slug, "defect", defect_id, selectors.defect_of_train, resolve, "Resolved")


@login_required
@require_POST
def delivery_import_upload(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A CSV file of one kind, imported whole or not at all; the problems listed with line and column."""
    page = _Page(request, slug)
    page.require_recorder()
    form = DeliveryImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, PAGE, page.context(**_forms(page, import_form=form)), status=422)
    result = delivery_import(
        train=page.train, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"], actor=request.user
    )
    if not result.ok:
        context = page.context(
            **_forms(page, import_form=form), import_result=result, **problems_shown(result.problems)
        )
        return render(request, PAGE, context, status=422)
    messages.success(
        request,
        f"Imported {result.created + result.updated} {result.kind}s: {result.created} new, {result.updated} updated.",
    )
    return redirect(page.page_url())
