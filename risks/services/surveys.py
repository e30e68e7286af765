"""Surveys: the RTE opens a short anonymous survey after an ART event (PI Planning, a system demo,
I&A) or a team's quarterly health pulse; participants answer 1–5 per question, once each; the RTE
closes it, or it closes by itself after its last day.

Anonymity (see the models): answering writes a SurveyParticipation (who answered) and a
SurveyResponse with its scores (what was answered, by nobody) in one transaction, and nothing that
links the two. Nothing here records a score or a comment in the train's history, and answering
records no history at all: the participation row is the only trace of who answered.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from planning.models import ProgramIncrement
from trains.errors import Conflict, NotAllowed
from trains.guards import require
from trains.history.models import Action, Kind
from trains.history.services import readable, record
from trains.models import Team, Train

from ..models import (
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveyScore,
    SystemDemo,
)
from ..permissions import can_answer_survey, can_open_survey
from .common import _raise

NOT_RTE = "The RTE opens and closes surveys."
MAX_QUESTIONS = 12
QUESTION_LENGTH = SurveyQuestion._meta.get_field("text").max_length
TITLE_LENGTH = Survey._meta.get_field("title").max_length
COMMENT_LENGTH = 2000
# How long a survey stays open unless the RTE says otherwise, and the longest it may.
DEFAULT_OPEN_DAYS = 7
MAX_OPEN_DAYS = 92

# The questions each kind starts with; the RTE edits them when opening a survey. Each is a statement
# answered from 1 (strongly disagree) to 5 (strongly agree), so every mean reads the same way.
DEFAULT_QUESTIONS: dict[str, tuple[str, ...]] = {
    Survey.Kind.PI_PLANNING: (
        "The business context, vision and top features were clear.",
        "My team left PI Planning with a plan we believe in.",
        "Dependencies and risks with other teams were surfaced and handled.",
        "The two days were a good use of my time.",
    ),
    Survey.Kind.SYSTEM_DEMO: (
        "I saw working, integrated software rather than slides.",
        "The demo showed clear progress towards our PI objectives.",
        "There was time to give feedback, and it was heard.",
        "The demo was a good use of my time.",
    ),
    Survey.Kind.INSPECT_ADAPT: (
        "The quantitative review showed how the PI really went.",
        "The problem-solving workshop got to real root causes.",
        "I believe the improvement items we chose will get done.",
        "The Inspect & Adapt was a good use of my time.",
    ),
    Survey.Kind.TEAM_HEALTH: (
        "We work at a pace we can keep up.",
        "I feel safe to raise problems in my team.",
        "We have what we need to do our work well.",
        "I am proud of what my team delivers.",
        "I enjoy working in this team.",
    ),
}


def default_title(
    *, kind: str, pi: ProgramIncrement, system_demo: SystemDemo | None = None, team=None
) -> str:
    if kind == Survey.Kind.SYSTEM_DEMO and system_demo is not None:
        return f"System demo · {pi.name} · {system_demo.iteration.label}"
    if kind == Survey.Kind.TEAM_HEALTH and team is not None:
        return f"Team health · {team.name} · {pi.name}"
    return f"{Survey.Kind(kind).label} · {pi.name}"


def clean_questions(questions, errors: dict) -> list[str]:
    """The questions as written, one per entry, blank ones dropped."""
    texts = [" ".join(str(text).split()) for text in questions or []]
    texts = [text for text in texts if text]
    if not texts:
        errors["questions"] = "Ask at least one question."
    elif len(texts) > MAX_QUESTIONS:
        errors["questions"] = f"Ask at most {MAX_QUESTIONS} questions: a short survey gets answers."
    elif any(len(text) > QUESTION_LENGTH for text in texts):
        errors["questions"] = f"Keep each question under {QUESTION_LENGTH} characters."
    elif len(set(texts)) != len(texts):
        errors["questions"] = "A question is there twice."
    return texts


def _check_closes_on(closes_on: date | None, today: date, errors: dict) -> date:
    closes_on = closes_on or today + timedelta(days=DEFAULT_OPEN_DAYS)
    if closes_on < today:
        errors["closes_on"] = f"A survey cannot close in the past (today is {today:%d %b %Y})."
    elif closes_on > today + timedelta(days=MAX_OPEN_DAYS):
        errors["closes_on"] = f"Close it within {MAX_OPEN_DAYS} days: answers go stale."
    return closes_on


def _event_taken(kind: str, pi: ProgramIncrement, system_demo, team) -> str:
    """Why this event already has its survey, or ""."""
    existing = Survey.objects.filter(pi=pi, kind=kind)
    if kind == Survey.Kind.SYSTEM_DEMO:
        if system_demo is not None and Survey.objects.filter(system_demo=system_demo).exists():
            return f"The system demo of {pi.name} · {system_demo.iteration.label} has its survey already."
    elif kind == Survey.Kind.TEAM_HEALTH:
        if team is not None and existing.filter(team=team).exists():
            return f"{team.name} has its health pulse for {pi.name} already."
    elif existing.exists():
        return f"{pi.name} has its {Survey.Kind(kind).label} survey already."
    return ""


@transaction.atomic
def survey_open(
    *,
    train: Train,
    kind: str,
    pi: ProgramIncrement,
    actor,
    questions=None,
    title: str = "",
    closes_on: date | None = None,
    system_demo: SystemDemo | None = None,
    team: Team | None = None,
    today: date | None = None,
    at=None,
) -> Survey:
    """Open a survey for an event of `pi` (a system demo's names its demo) or a team's health pulse.

    `questions` None: the kind's default set."""
    require(actor, train.pk, can_open_survey, NOT_RTE)
    today = today or timezone.localdate()
    errors: dict = {}
    if kind not in Survey.Kind.values:
        raise ValidationError({"kind": "Choose what the survey is about."})
    if pi.train_id != train.pk:
        errors["pi"] = "Choose a PI of this train."
    if kind == Survey.Kind.SYSTEM_DEMO:
        if system_demo is None or system_demo.iteration.pi_id != pi.pk:
            errors["system_demo"] = f"Choose a system demo of {pi.name}."
    else:
        system_demo = None
    if kind == Survey.Kind.TEAM_HEALTH:
        if team is None or team.train_id != train.pk:
            errors["team"] = "Choose the team the pulse asks."
    else:
        team = None
    texts = clean_questions(DEFAULT_QUESTIONS[kind] if questions is None else questions, errors)
    closes_on = _check_closes_on(closes_on, today, errors)
    title = " ".join((title or "").split()) or (
        "" if errors else default_title(kind=kind, pi=pi, system_demo=system_demo, team=team)
    )
    if len(title) > TITLE_LENGTH:
        errors["title"] = f"Keep the title under {TITLE_LENGTH} characters."
    if not errors:
        taken = _event_taken(kind, pi, system_demo, team)
        if taken:
            errors[
                "team" if kind == Survey.Kind.TEAM_HEALTH else "system_demo" if system_demo else "kind"
            ] = taken
    _raise(errors)
    at = at or timezone.now()
    survey = Survey.objects.create(
        train=train,
        kind=kind,
        pi=pi,
        system_demo=system_demo,
        team=team,
        title=title,
        opened_by=actor,
        opened_at=at,
        closes_on=closes_on,
    )
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(survey=survey, position=n, text=text) for n, text in enumerate(texts, start=1)
    )
    record(
        train_id=train.pk,
        kind=Kind.SURVEY,
        target=survey,
        action=Action.CREATED,
        actor=actor,
        after={"title": survey.title, "questions": len(texts), "closes on": readable(closes_on)},
        at=at,
    )
    return survey


@transaction.atomic
def team_pulses_open(
    *,
    train: Train,
    pi: ProgramIncrement,
    actor,
    questions=None,
    closes_on: date | None = None,
    today: date | None = None,
    at=None,
) -> list[Survey]:
    """A health pulse for every team of the train that has none for `pi` yet, all alike."""
    require(actor, train.pk, can_open_survey, NOT_RTE)
    has_one = set(
        Survey.objects.filter(pi=pi, kind=Survey.Kind.TEAM_HEALTH).values_list("team_id", flat=True)
    )
    teams = [team for team in train.teams.order_by("position", "name") if team.pk not in has_one]
    if not teams:
        raise ValidationError({"team": f"Every team has its health pulse for {pi.name} already."})
    return [
        survey_open(
            train=train,
            kind=Survey.Kind.TEAM_HEALTH,
            pi=pi,
            team=team,
            actor=actor,
            questions=questions,
            closes_on=closes_on,
            today=today,
            at=at,
        )
        for team in teams
    ]


def _clean_scores(survey: Survey, scores: dict) -> dict[int, int]:
    """One score 1–5 for every question of the survey, keyed by question id."""
    errors: dict = {}
    cleaned: dict[int, int] = {}
    question_ids = [question.pk for question in survey.questions.all()]
    for pk in question_ids:
        value = scores.get(pk)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors[f"q{pk}"] = "Choose a score from 1 to 5."
        else:
            cleaned[pk] = value
    if set(scores) - set(question_ids):
        errors["__all__"] = "The answers name a question this survey does not ask."
    _raise(errors)
    return cleaned


@transaction.atomic
def survey_answer(
    *, survey: Survey, actor, scores: dict, comment: str = "", today: date | None = None
) -> None:
    """Answer a survey: 1–5 for each question (`scores` by question id) and an optional comment.

    Writes that the actor answered, and the answer with no trace of who gave it. Returns nothing:
    not even the caller learns which response is theirs."""
    if actor is None:
        # A response is always someone's answer: the participation needs a person.
        raise NotAllowed("Only a person answers a survey.")
    require(
        actor,
        survey.train_id,
        lambda access: can_answer_survey(access, survey),
        f"This pulse is {survey.team.name}'s to answer."
        if survey.team_id
        else "Everyone taking part in the train's events answers; viewers only read.",
    )
    today = today or timezone.localdate()
    if not survey.is_open_on(today):
        raise Conflict(f"“{survey.title}” has closed: answers are no longer taken.")
    if SurveyParticipation.objects.filter(survey=survey, user_id=actor.pk).exists():
        raise Conflict("You have answered this survey already: everyone answers once.")
    cleaned = _clean_scores(survey, scores)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LENGTH:
        raise ValidationError({"comment": f"Keep the comment under {COMMENT_LENGTH} characters."})
    try:
        with transaction.atomic():
            SurveyParticipation.objects.create(survey=survey, user_id=actor.pk)
    except IntegrityError:
        # The same person's second answer sent at the same moment as the first.
        raise Conflict("You have answered this survey already: everyone answers once.") from None
    response = SurveyResponse.objects.create(survey=survey, comment=comment)
    SurveyScore.objects.bulk_create(
        SurveyScore(response=response, question_id=pk, score=score) for pk, score in cleaned.items()
    )


@transaction.atomic
def survey_close(*, survey: Survey, actor, at=None) -> Survey:
    """Close a survey before its last day; its results show from then on (with enough answers)."""
    require(actor, survey.train_id, can_open_survey, NOT_RTE)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    at = at or timezone.now()
    if not survey.is_open_on(timezone.localdate(at)):
        raise Conflict(f"“{survey.title}” is closed already.")
    survey.closed_at = max(at, survey.opened_at)
    survey.save(update_fields=["closed_at"])
    # Who answered and what was answered are never recorded: only the survey's opening and closing.
    record(
        train_id=survey.train_id,
        kind=Kind.SURVEY,
        target=survey,
        actor=actor,
        before={"closed": "no"},
        after={"closed": "yes"},
        at=at,
    )
    return survey
