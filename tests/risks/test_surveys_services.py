"""Surveys' writes: the RTE opens and closes, participants answer once each, a closed survey takes no
answer, and the 1–5 scale holds in the service and in the database."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from planning.factories import ProgramIncrementFactory
from risks.models import Survey, SurveyParticipation, SurveyResponse, SurveyScore
from risks.services import system_demo_plan
from risks.services.surveys import (
    DEFAULT_QUESTIONS,
    survey_answer,
    survey_close,
    survey_open,
    team_pulses_open,
)
from trains.errors import Conflict, NotAllowed
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db


def all_fives(survey, score=5) -> dict[int, int]:
    return {question.pk: score for question in survey.questions.all()}


@pytest.fixture
def planning_survey(train, pi, rte):
    return survey_open(train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte)


@pytest.fixture
def pulse(train, pi, team, rte):
    return survey_open(train=train, kind=Survey.Kind.TEAM_HEALTH, pi=pi, team=team, actor=rte)


# --- opening ---------------------------------------------------------------------------------------


def test_the_rte_opens_a_survey_with_the_kinds_default_questions_in_order(train, pi, rte):
    survey = survey_open(train=train, kind=Survey.Kind.INSPECT_ADAPT, pi=pi, actor=rte)

    assert survey.title == f"Inspect & Adapt · {pi.name}"
    assert survey.opened_by == rte
    assert survey.closes_on == timezone.localdate() + timedelta(days=7)
    assert [q.text for q in survey.questions.order_by("position")] == list(DEFAULT_QUESTIONS["inspect_adapt"])
    assert survey.is_open


def test_the_questions_are_the_ones_written_when_opening(train, pi, rte):
    survey = survey_open(
        train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte, questions=["  Worth it? ", "", "Clear?"]
    )

    assert [q.text for q in survey.questions.order_by("position")] == ["Worth it?", "Clear?"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"questions": []}, "questions"),
        ({"questions": [f"Question {n}" for n in range(13)]}, "questions"),
        ({"questions": ["Same", "Same"]}, "questions"),
        ({"questions": ["x" * 301]}, "questions"),
        ({"closes_on": timezone.localdate() - timedelta(days=1)}, "closes_on"),
        ({"closes_on": timezone.localdate() + timedelta(days=400)}, "closes_on"),
        ({"title": "t" * 201}, "title"),
    ],
)
def test_a_bad_survey_is_refused_on_its_field_and_nothing_is_opened(train, pi, rte, changes, field):
    with pytest.raises(ValidationError) as refused:
        survey_open(train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte, **changes)

    assert field in refused.value.message_dict
    assert not Survey.objects.exists()


def test_only_the_rte_opens_and_closes_surveys(train, pi, rte, product_manager, planning_survey):
    with pytest.raises(NotAllowed):
        survey_open(train=train, kind=Survey.Kind.INSPECT_ADAPT, pi=pi, actor=product_manager)
    with pytest.raises(NotAllowed):
        survey_close(survey=planning_survey, actor=product_manager)

    assert survey_close(survey=planning_survey, actor=rte).closed_at is not None


def test_an_event_has_one_survey(train, pi, rte, planning_survey):
    with pytest.raises(ValidationError) as refused:
        survey_open(train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte)

    assert "has its PI Planning survey already" in refused.value.message_dict["kind"][0]


def test_a_demo_survey_names_a_demo_of_its_pi_and_once(train, pi, rte):
    demo = system_demo_plan(iteration=pi.iterations.get(number=2), actor=None)
    other_pi_demo = system_demo_plan(
        iteration=ProgramIncrementFactory(
            train=train, name="PI 8", start_date=pi.end_date + timedelta(days=1)
        ).iterations.get(number=1),
        actor=None,
    )

    with pytest.raises(ValidationError) as refused:
        survey_open(train=train, kind=Survey.Kind.SYSTEM_DEMO, pi=pi, actor=rte, system_demo=other_pi_demo)
    assert "system_demo" in refused.value.message_dict

    survey = survey_open(train=train, kind=Survey.Kind.SYSTEM_DEMO, pi=pi, actor=rte, system_demo=demo)
    assert survey.title == f"System demo · {pi.name} · I2"
    with pytest.raises(ValidationError):
        survey_open(train=train, kind=Survey.Kind.SYSTEM_DEMO, pi=pi, actor=rte, system_demo=demo)


def test_a_pulse_asks_a_team_of_the_train(train, pi, rte):
    elsewhere = TeamFactory(train=TrainFactory(slug="elsewhere"))

    for team in (None, elsewhere):
        with pytest.raises(ValidationError) as refused:
            survey_open(train=train, kind=Survey.Kind.TEAM_HEALTH, pi=pi, actor=rte, team=team)
        assert "team" in refused.value.message_dict


def test_pulses_open_for_every_team_that_has_none_yet(train, pi, team, other_team, rte, pulse):
    opened = team_pulses_open(train=train, pi=pi, actor=rte)

    assert [survey.team for survey in opened] == [other_team]
    with pytest.raises(ValidationError, match="Every team has its health pulse"):
        team_pulses_open(train=train, pi=pi, actor=rte)


# --- answering -------------------------------------------------------------------------------------


def test_a_participant_answers_once(planning_survey, team_member):
    survey_answer(
        survey=planning_survey, actor=team_member, scores=all_fives(planning_survey), comment="Good"
    )

    with pytest.raises(Conflict, match="answered this survey already"):
        survey_answer(survey=planning_survey, actor=team_member, scores=all_fives(planning_survey))

    assert SurveyParticipation.objects.filter(survey=planning_survey, user=team_member).count() == 1
    assert SurveyResponse.objects.filter(survey=planning_survey).count() == 1
    assert SurveyScore.objects.filter(response__survey=planning_survey).count() == 4


def test_the_database_refuses_a_second_participation(planning_survey, team_member):
    SurveyParticipation.objects.create(survey=planning_survey, user=team_member)

    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyParticipation.objects.create(survey=planning_survey, user=team_member)


def test_every_role_but_viewer_answers_an_event_survey(
    planning_survey, rte, product_manager, business_owner, scrum_master, viewer, outsider
):
    for person in (rte, product_manager, business_owner, scrum_master):
        survey_answer(survey=planning_survey, actor=person, scores=all_fives(planning_survey))
    for person in (viewer, outsider):
        with pytest.raises(NotAllowed):
            survey_answer(survey=planning_survey, actor=person, scores=all_fives(planning_survey))

    assert planning_survey.participations.count() == 4


def test_only_the_teams_members_answer_its_pulse(pulse, train, other_team, rte, scrum_master, team_member):
    other_member = UserFactory()
    MembershipFactory(user=other_member, train=train, role=Role.TEAM_MEMBER, team=other_team)

    survey_answer(survey=pulse, actor=scrum_master, scores=all_fives(pulse, 4))
    survey_answer(survey=pulse, actor=team_member, scores=all_fives(pulse, 3))
    for person in (rte, other_member):
        with pytest.raises(NotAllowed):
            survey_answer(survey=pulse, actor=person, scores=all_fives(pulse))

    assert pulse.participations.count() == 2


def test_a_survey_closed_by_the_rte_or_by_its_date_takes_no_answer(
    train, pi, rte, team_member, planning_survey
):
    survey_close(survey=planning_survey, actor=rte)
    planning_survey.refresh_from_db()
    with pytest.raises(Conflict, match="has closed"):
        survey_answer(survey=planning_survey, actor=team_member, scores=all_fives(planning_survey))

    past = survey_open(train=train, kind=Survey.Kind.INSPECT_ADAPT, pi=pi, actor=rte)
    with pytest.raises(Conflict, match="has closed"):
        survey_answer(
            survey=past,
            actor=team_member,
            scores=all_fives(past),
            today=past.closes_on + timedelta(days=1),
        )
    assert not SurveyParticipation.objects.exists()
    with pytest.raises(Conflict, match="closed already"):
        survey_close(survey=planning_survey, actor=rte)


@pytest.mark.parametrize("bad", [0, 6, -1, True, "5", None])
def test_a_score_outside_1_to_5_is_refused_and_nothing_is_written(planning_survey, team_member, bad):
    scores = all_fives(planning_survey)
    scores[next(iter(scores))] = bad

    with pytest.raises(ValidationError) as refused:
        survey_answer(survey=planning_survey, actor=team_member, scores=scores)

    assert refused.value.message_dict[f"q{next(iter(scores))}"] == ["Choose a score from 1 to 5."]
    assert not SurveyParticipation.objects.exists()
    assert not SurveyResponse.objects.exists()


def test_every_question_needs_its_score_and_no_other(planning_survey, team_member):
    scores = all_fives(planning_survey)
    missing = dict(list(scores.items())[1:])
    with pytest.raises(ValidationError):
        survey_answer(survey=planning_survey, actor=team_member, scores=missing)
    with pytest.raises(ValidationError):
        survey_answer(survey=planning_survey, actor=team_member, scores={**scores, 10**9: 3})

    assert not SurveyParticipation.objects.exists()


@pytest.mark.parametrize("score", [0, 6])
def test_the_database_holds_scores_to_1_to_5(planning_survey, score):
    response = SurveyResponse.objects.create(survey=planning_survey)

    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyScore.objects.create(response=response, question=planning_survey.questions.first(), score=score)


def test_a_long_comment_is_refused(planning_survey, team_member):
    with pytest.raises(ValidationError) as refused:
        survey_answer(
            survey=planning_survey, actor=team_member, scores=all_fives(planning_survey), comment="x" * 2001
        )

    assert "comment" in refused.value.message_dict
    assert not SurveyParticipation.objects.exists()


def test_nobody_answers_without_being_a_person(planning_survey):
    with pytest.raises(NotAllowed):
        survey_answer(survey=planning_survey, actor=None, scores=all_fives(planning_survey))
