"""Anonymity: the product keeps THAT a person answered, never WHICH answer is theirs. The answer rows
hold no user and no time and have random keys; nothing joins them to the participation; the
history holds no score or comment; comments come back in an order that is not the order of answering."""

import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models

from risks.models import Survey, SurveyParticipation, SurveyResponse, SurveyScore
from risks.selectors.surveys import result_of, survey_for_train
from risks.services.surveys import survey_answer, survey_close, survey_open
from trains.factories import MembershipFactory, UserFactory
from trains.history.models import Change
from trains.models import Role

pytestmark = pytest.mark.django_db

ANSWER_MODELS = (SurveyResponse, SurveyScore)


def _related_models(model) -> set:
    return {field.related_model for field in model._meta.get_fields() if field.is_relation}


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_the_answer_rows_hold_no_user_no_time_and_a_random_key(model):
    user_model = get_user_model()

    fields = model._meta.get_fields()
    assert user_model not in _related_models(model)
    assert SurveyParticipation not in _related_models(model)
    assert not [f.name for f in fields if isinstance(f, models.DateField | models.TimeField)]
    assert isinstance(model._meta.pk, models.UUIDField)
    assert model._meta.pk.default is uuid.uuid4
    # Nothing orders them by when they came in: their order is by their random key.
    assert model._meta.ordering[-1] in ("id", "question_id")
    assert settings.AUTH_USER_MODEL.lower() not in {str(f.related_model).lower() for f in fields}


def test_the_participation_holds_who_and_nothing_of_the_answer():
    names = {field.name for field in SurveyParticipation._meta.concrete_fields}

    assert names == {"id", "survey", "user"}
    assert not _related_models(SurveyParticipation) & set(ANSWER_MODELS)


@pytest.fixture
def answered(train, pi, rte):
    """A PI Planning survey answered by five people, the first with a comment."""
    survey = survey_open(train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte)
    people = []
    for n, (score, comment) in enumerate(
        [(2, "zebra crossing was confusing"), (5, "Amazing two days"), (4, ""), (3, "more breaks"), (4, "")]
    ):
        person = UserFactory(username=f"person{n}")
        MembershipFactory(user=person, train=train, role=Role.SYSTEM_ARCHITECT)
        survey_answer(
            survey=survey,
            actor=person,
            scores={q.pk: score for q in survey.questions.all()},
            comment=comment,
        )
        people.append(person)
    survey_close(survey=survey, actor=rte)
    return survey, people


def test_the_first_answerer_cannot_be_told_from_the_stored_rows(answered):
    survey, people = answered

    responses = list(SurveyResponse.objects.filter(survey=survey).values())
    assert len(responses) == 5
    for row in responses:
        assert set(row) == {"id", "survey_id", "comment"}
        assert isinstance(row["id"], uuid.UUID) and row["id"].version == 4
    # The participations are there, one per person, and carry nothing else.
    assert set(SurveyParticipation.objects.filter(survey=survey).values_list("user_id", flat=True)) == {
        p.pk for p in people
    }


def test_the_history_holds_no_score_and_no_comment_of_anyone(answered, train):
    survey, _ = answered

    for change in Change.objects.filter(train=train):
        text = f"{change.object_label} {change.fields} {change.note}".lower()
        assert "zebra" not in text and "amazing" not in text and "breaks" not in text
        assert "score" not in text


def test_comments_come_back_sorted_by_their_text_not_in_the_order_given(answered, train):
    survey, _ = answered

    result = result_of(survey_for_train(train, survey.pk))

    assert result.comments == ["Amazing two days", "more breaks", "zebra crossing was confusing"]


def test_the_answer_service_tells_nobody_which_response_is_theirs(train, pi, rte):
    survey = survey_open(train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte)

    assert survey_answer(survey=survey, actor=rte, scores={q.pk: 4 for q in survey.questions.all()}) is None
