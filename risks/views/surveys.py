"""Surveys: the train's list (with results over time), opening one (the RTE), answering one (1–5 per
question, once, anonymously), its results once closed, and the count in the navigation of surveys
waiting for the person's answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from planning.models import ProgramIncrement
from planning.selectors.pis import pis_of_train
from trains.forms import apply_service_errors
from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user

from ..forms_surveys import SurveyAnswerForm, SurveyOpenForm
from ..models import Survey, SystemDemo
from ..permissions import can_answer_survey, can_open_survey
from ..selectors import surveys as survey_selectors
from ..services.surveys import NOT_RTE, survey_answer, survey_close, survey_open, team_pulses_open

NOT_YOURS = {
    True: "This pulse is for the team's own members to answer.",
    False: "Everyone taking part in the train's events answers; viewers only read.",
}


def _context(train, access, **extra) -> dict:
    return {"train": train, "access": access, "nav": "surveys", "section": "surveys", **extra}


@login_required
@require_GET
def survey_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    context = _context(
        train,
        access,
        surveys=survey_selectors.surveys_of(train, request.user),
        waiting=survey_selectors.waiting_for(train, access, request.user),
        trends=survey_selectors.survey_trends(train),
        can_open=can_open_survey(access),
        kinds=Survey.Kind.choices,
    )
    return render(request, "risks/surveys.html", context)


@login_required
@require_GET
def survey_waiting(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The navigation's count of open surveys waiting for this person's answer (an htmx fragment)."""
    train, access = train_for_user(request.user, slug)
    waiting = survey_selectors.waiting_for(train, access, request.user)
    return render(request, "risks/surveys.html#waiting-count", {"waiting": waiting})


def _open_form(train, kind: str, data=None) -> SurveyOpenForm:
    demos = (
        SystemDemo.objects.filter(iteration__pi__train=train)
        .select_related("iteration__pi")
        .order_by("-iteration__pi__start_date", "-iteration__number")
    )
    pis = pis_of_train(train).order_by("-start_date")
    form = SurveyOpenForm(
        data, kind=kind, pis=pis, demos=demos, teams=train.teams.order_by("position", "name")
    )
    running = [pi for pi in pis if pi.state == ProgramIncrement.State.EXECUTING]
    if "pi" in form.fields and running:
        # The PI being run is the one whose events and teams are asked about.
        form.initial["pi"] = running[0].pk
    return form


@login_required
@require_http_methods(["GET", "POST"])
def survey_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Open a survey of the kind in `?kind=`, its questions prefilled from the kind's default set."""
    train, access = train_for_user(request.user, slug)
    access.require(can_open_survey(access), NOT_RTE)
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in Survey.Kind.values:
        raise Http404(
            "No such kind of survey: choose PI Planning, system demo, Inspect & Adapt or team health."
        )
    form = _open_form(train, kind, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = {"questions": data["questions"], "closes_on": data["closes_on"]}
        demo = data.get("system_demo")
        try:
            if kind == Survey.Kind.TEAM_HEALTH and data.get("team") is None:
                opened = team_pulses_open(train=train, pi=data["pi"], actor=request.user, **options)
            else:
                opened = [
                    survey_open(
                        train=train,
                        kind=kind,
                        pi=demo.iteration.pi if demo else data["pi"],
                        system_demo=demo,
                        team=data.get("team"),
                        title=data["title"],
                        actor=request.user,
                        **options,
                    )
                ]
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if len(opened) == 1:
                messages.success(
                    request, f"“{opened[0].title}” is open until {opened[0].closes_on:%d %b %Y}."
                )
                return redirect("risks:survey_detail", train.slug, opened[0].pk)
            messages.success(request, f"{len(opened)} team health pulses are open.")
            return redirect("risks:surveys", train.slug)
    status = 422 if request.method == "POST" else 200
    context = _context(train, access, form=form, kind_label=Survey.Kind(kind).label)
    return render(request, "risks/survey_new.html", context, status=status)


def _get_survey_for_user(request, slug: str, survey_id: int):
    train, access = train_for_user(request.user, slug)
    try:
        survey = survey_selectors.survey_for_train(train, survey_id)
    except Survey.DoesNotExist:
        raise Http404("No such survey on this train.") from None
    return train, access, survey


def _answer_context(request, access, survey, *, form=None, just_answered=False) -> dict:
    answered = just_answered or survey_selectors.has_answered(survey, request.user)
    allowed = can_answer_survey(access, survey)
    questions = list(survey.questions.all())
    return {
        "survey": survey,
        "answered": answered,
        "just_answered": just_answered,
        "may_answer": allowed and survey.is_open and not answered,
        "allowed": allowed,
        "form": form or SurveyAnswerForm(questions=questions),
    }


@login_required
@require_GET
def survey_detail(request: HtmxHttpRequest, slug: str, survey_id: int) -> HttpResponse:
    train, access, survey = _get_survey_for_user(request, slug, survey_id)
    return _render_detail(request, train, access, survey)


def _render_detail(request, train, access, survey, *, form=None, status=200) -> HttpResponse:
    context = _context(
        train,
        access,
        result=survey_selectors.result_of(survey),
        can_close=can_open_survey(access) and survey.is_open,
        min_answers=survey_selectors.SURVEY_MIN_ANSWERS,
        **_answer_context(request, access, survey, form=form),
    )
    return render(request, "risks/survey_detail.html", context, status=status)


@login_required
@require_POST
def survey_answer_view(request: HtmxHttpRequest, slug: str, survey_id: int) -> HttpResponse:
    """Answer: htmx swaps the form for the thank-you (or the form with its messages, 422)."""
    train, access, survey = _get_survey_for_user(request, slug, survey_id)
    access.require(can_answer_survey(access, survey), NOT_YOURS[survey.team_id is not None])
    form = SurveyAnswerForm(request.POST, questions=list(survey.questions.all()))
    if form.is_valid():
        try:
            survey_answer(
                survey=survey, actor=request.user, scores=form.scores(), comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if request.htmx:
                context = _context(
                    train, access, **_answer_context(request, access, survey, just_answered=True)
                )
                return render(request, "risks/survey_detail.html#answer", context)
            messages.success(request, "You answered, thank you. Your answer is kept without your name.")
            return redirect("risks:survey_detail", train.slug, survey.pk)
    if request.htmx:
        context = _context(train, access, **_answer_context(request, access, survey, form=form))
        return render(request, "risks/survey_detail.html#answer", context, status=422)
    return _render_detail(request, train, access, survey, form=form, status=422)


@login_required
@require_POST
def survey_close_view(request: HtmxHttpRequest, slug: str, survey_id: int) -> HttpResponse:
    train, access, survey = _get_survey_for_user(request, slug, survey_id)
    access.require(can_open_survey(access), NOT_RTE)
    survey = survey_close(survey=survey, actor=request.user)
    messages.success(request, f"“{survey.title}” is closed.")
    return redirect(reverse("risks:survey_detail", args=[train.slug, survey.pk]))
