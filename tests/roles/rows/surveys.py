"""Who may use the survey pages (risks/urls.py, risks/permissions.py): everyone with a role on the
train reads the surveys and their results; the RTE opens and closes them; an event survey is
answered by every role but Viewer, a team's health pulse by the team's own members (team a: sm, po,
member), not even by the RTE."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from risks.models import Survey
from risks.services.surveys import survey_open

from ..table import PARTICIPANTS, READERS, RTE, Row

TEAM_A_MEMBERS = frozenset({"sm", "po", "member"})


def url(name: str, *args) -> str:
    return reverse(f"risks:{name}", args=["orbit", *args])


def event_survey(w):
    w.extra["survey"] = survey_open(train=w.train, kind=Survey.Kind.PI_PLANNING, pi=w.pi, actor=None)


def team_a_pulse(w):
    w.extra["survey"] = survey_open(
        train=w.train, kind=Survey.Kind.TEAM_HEALTH, pi=w.pi, team=w.team_a, actor=None
    )


def answer(w) -> dict:
    return {**{f"q{q.pk}": 4 for q in w.extra["survey"].questions.all()}, "comment": "Useful"}


def _survey(name: str):
    return lambda w: url(name, w.extra["survey"].pk)


ROWS = [
    Row("GET", "risks:surveys", lambda w: url("surveys"), READERS, setup=event_survey),
    Row(
        "GET",
        "risks:surveys_waiting",
        lambda w: url("surveys_waiting"),
        READERS,
        setup=event_survey,
        htmx=True,
    ),
    Row("GET", "risks:survey_new", lambda w: url("survey_new") + "?kind=team_health", RTE),
    Row(
        "POST",
        "risks:survey_new",
        lambda w: url("survey_new") + "?kind=pi_planning",
        RTE,
        body=lambda w: {
            "kind": "pi_planning",
            "pi": w.pi.pk,
            "closes_on": (timezone.localdate() + timedelta(days=7)).strftime("%d/%m/%Y"),
            "questions": "Was it worth the time?",
        },
    ),
    Row("GET", "risks:survey_detail", _survey("survey_detail"), READERS, setup=event_survey),
    Row(
        "POST", "risks:survey_answer", _survey("survey_answer"), PARTICIPANTS, setup=event_survey, body=answer
    ),
    Row(
        "POST",
        "risks:survey_answer",
        _survey("survey_answer"),
        TEAM_A_MEMBERS,
        setup=team_a_pulse,
        body=answer,
        htmx=True,
        note="team a's pulse",
    ),
    Row("POST", "risks:survey_close", _survey("survey_close"), RTE, setup=event_survey),
]
