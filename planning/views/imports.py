"""The RTE's import of a Jira or Azure DevOps CSV export: upload → dry run (mapping, problems) → apply."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from planning.imports.plan import STORY, TARGETS, Mapping
from planning.imports.services import (
    ONLY_RTE,
    import_run_apply,
    import_run_create,
    import_run_plan,
    import_run_progress,
    import_run_remap,
    mapping_from_json,
    mapping_to_json,
)
from planning.models import FeatureState, ImportRun
from trains.http import HtmxHttpRequest

from .common import PlanningPage, planning_page

PROBLEMS_SHOWN = 500


def problems_shown(problems: list) -> dict:
    """An import's problems as templates/planning/_import_problems.html lists them: the first
    PROBLEMS_SHOWN, and how many more there are."""
    return {"problems": problems[:PROBLEMS_SHOWN], "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN)}


class UploadForm(forms.Form):
    source = forms.ChoiceField(
        choices=ImportRun.Source.choices, initial=ImportRun.Source.JIRA, label="Export from"
    )
    file = forms.FileField(
        label="CSV file", help_text="Jira: Export → CSV (all fields). Azure DevOps: a query's Export to CSV."
    )


def _rte_page(request: HtmxHttpRequest, slug: str) -> PlanningPage:
    page = planning_page(request, slug)
    page.access.require(page.access.is_rte, ONLY_RTE)
    return page


def _run_url(run: ImportRun) -> str:
    return reverse("planning:import_run", args=[run.train.slug, run.pk])


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = _rte_page(request, slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = import_run_create(
                train=page.train,
                pi=page.pi,
                source=form.cleaned_data["source"],
                upload=form.cleaned_data["file"],
                actor=request.user,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect(_run_url(run))
    recent = ImportRun.objects.filter(train=page.train).select_related("pi").defer("content")[:10]
    status = 422 if request.method == "POST" else 200
    return render(
        request, "planning/import.html", page.context("import", form=form, recent=recent), status=status
    )


def _get_run_for_user(request: HtmxHttpRequest, slug: str, run_id: int) -> tuple[PlanningPage, ImportRun]:
    page = _rte_page(request, slug)
    run = get_object_or_404(ImportRun.objects.select_related("train", "pi"), pk=run_id, train=page.train)
    return page, run


def _choices(page: PlanningPage, run: ImportRun) -> dict:
    iterations = list(run.pi.iterations.order_by("number"))
    return {
        "types": [(value, label) for value, label in TARGETS.items()],
        "statuses": list(FeatureState.choices),
        "sprints": [("", "Unscheduled")] + [(str(it.pk), f"{run.pi.name} · {it.label}") for it in iterations],
        "teams": [("", "No team")] + [(str(team.pk), team.name) for team in page.train.teams.all()],
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_run(request: HtmxHttpRequest, slug: str, run_id: int) -> HttpResponse:
    """The dry run: what would be created and updated, the mapping (editable), every problem."""
    page, run = _get_run_for_user(request, slug, run_id)
    if request.method == "POST":
        import_run_remap(run=run, mapping=_posted_mapping(request, run), actor=request.user)
        return redirect(_run_url(run))
    context = {"run": run, "show_plan": run.status in (ImportRun.Status.UPLOADED, ImportRun.Status.REFUSED)}
    if context["show_plan"]:
        plan = import_run_plan(run)
        choices = _choices(page, run)
        context.update(
            plan=plan,
            counts=plan.counts(),
            **problems_shown(plan.problems),
            mapping_groups=[
                ("types", "Issue types", plan.types, choices["types"]),
                ("statuses", "Statuses (features)", plan.statuses, choices["statuses"]),
                ("sprints", "Sprints → iterations", plan.sprints, choices["sprints"]),
                ("teams", "Teams, components and labels → teams", plan.teams, choices["teams"]),
            ],
        )
    context["progress"] = import_run_progress(run)
    context["story"] = STORY
    return render(request, "planning/import_run.html", page.context("import", **context))


def _posted_mapping(request: HtmxHttpRequest, run: ImportRun) -> Mapping:
    """The selects of the dry run's mapping, named `<group>:<source value>`, over the run's mapping."""
    chosen = mapping_to_json(mapping_from_json(run.mapping))
    for name, value in request.POST.items():
        group, _, source = name.partition(":")
        if group in chosen and source:
            chosen[group][source] = value
    return mapping_from_json(chosen)


@login_required
@require_POST
def import_apply(request: HtmxHttpRequest, slug: str, run_id: int) -> HttpResponse:
    _, run = _get_run_for_user(request, slug, run_id)
    import_run_apply(run=run, actor=request.user)
    return redirect(_run_url(run))


@login_required
@require_GET
def import_progress(request: HtmxHttpRequest, slug: str, run_id: int) -> HttpResponse:
    """The progress bar alone, polled by the page while a worker applies the file."""
    page, run = _get_run_for_user(request, slug, run_id)
    if run.status in (ImportRun.Status.APPLIED, ImportRun.Status.REFUSED):
        return HttpResponseClientRedirect(_run_url(run))
    context = page.context("import", run=run, progress=import_run_progress(run))
    return render(request, "planning/import_run.html#progress", context)
