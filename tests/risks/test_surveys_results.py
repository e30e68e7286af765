"""Survey results (domain.md §4: the mean of all 1–5 answers, and per question; shown only when at
least 3 people answered; the KPI table's target ≥ 4.2): hand-computed cases, the 3-answer rule, the
PI's event results for the I&A, the series over time, and the demo train's surveys."""

from datetime import timedelta
from fractions import Fraction

import pytest
from django.utils import timezone

from planning.factories import ProgramIncrementFactory
from risks.models import Survey
from risks.selectors.surveys import (
    EVENT_EFFECTIVENESS_TARGET,
    NO_RESULT,
    mean,
    meets_target,
    pi_event_results,
    quarter_of,
    result_of,
    survey_for_train,
    survey_trends,
    waiting_for,
)
from risks.services import system_demo_plan
from risks.services.surveys import survey_answer, survey_close, survey_open
from trains.access import train_access
from trains.factories import MembershipFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db


# --- the figures, without a database ------------------------------------------------------------------


def test_no_answer_is_no_figure_not_zero():
    assert mean(0, 0) is None
    assert mean(13, 3) == Fraction(13, 3)


def test_the_target_is_4_2_and_compared_exactly():
    assert Fraction(21, 5) == EVENT_EFFECTIVENESS_TARGET
    assert meets_target(Fraction(21, 5)) is True
    assert meets_target(Fraction(419, 100)) is False  # shows as 4.19, not rounded up to 4.2
    assert meets_target(None) is None
    assert meets_target(Fraction(5), None) is None


def test_quarters():
    assert [quarter_of(timezone.datetime(2026, m, 1).date()) for m in (1, 3, 4, 12)] == [
        "2026 Q1",
        "2026 Q1",
        "2026 Q2",
        "2026 Q4",
    ]


# --- one survey ------------------------------------------------------------------------------------


def _people(train, count, role=Role.SYSTEM_ARCHITECT, team=None):
    people = []
    for _ in range(count):
        person = UserFactory()
        MembershipFactory(user=person, train=train, role=role, team=team)
        people.append(person)
    return people


def _answer_all(survey, train, rows, comments=()):
    """`rows`: one list of scores per person, in question order."""
    questions = list(survey.questions.order_by("position"))
    comments = list(comments) + [""] * len(rows)
    for person, scores, comment in zip(_people(train, len(rows)), rows, comments, strict=False):
        survey_answer(
            survey=survey,
            actor=person,
            scores={q.pk: s for q, s in zip(questions, scores, strict=True)},
            comment=comment,
        )


@pytest.fixture
def two_questions(train, pi, rte):
    return survey_open(
        train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte, questions=["Clear?", "Worth it?"]
    )


def _closed(train, survey, rte):
    survey_close(survey=survey, actor=rte)
    return result_of(survey_for_train(train, survey.pk))


def test_fewer_than_three_answers_give_no_result_and_no_comment(train, rte, two_questions):
    _answer_all(two_questions, train, [[5, 5], [1, 2]], comments=["Loved it", "Hated it"])

    result = _closed(train, two_questions, rte)

    assert result.answers == 2
    assert not result.shown and result.too_few
    assert result.overall is None and result.questions == [] and result.comments == []
    assert result.status == NO_RESULT == "fewer than 3 answers: no result, to keep answers anonymous"


def test_exactly_three_answers_give_the_hand_computed_means(train, rte, two_questions):
    # Clear?: 5, 4, 3 → 12/3 = 4;  Worth it?: 5, 5, 4 → 14/3 ≈ 4.67;  all six: 26/6 = 13/3 ≈ 4.33.
    _answer_all(two_questions, train, [[5, 5], [4, 5], [3, 4]], comments=["b", "A", ""])

    result = _closed(train, two_questions, rte)

    assert result.shown and result.answers == 3
    assert [(q.text, q.mean) for q in result.questions] == [("Clear?", 4), ("Worth it?", Fraction(14, 3))]
    assert result.overall == Fraction(13, 3)
    assert result.target == Fraction(21, 5) and result.meets_target is True
    assert result.comments == ["A", "b"]


def test_a_mean_below_4_2_misses_the_target(train, rte, two_questions):
    # 4, 4, 5, 4, 4, 4 → 25/6 ≈ 4.17: below 4.2.
    _answer_all(two_questions, train, [[4, 4], [5, 4], [4, 4]])

    result = _closed(train, two_questions, rte)

    assert result.overall == Fraction(25, 6)
    assert result.meets_target is False


def test_an_open_survey_shows_no_result_however_many_answered(train, two_questions):
    _answer_all(two_questions, train, [[5, 5]] * 4)

    result = result_of(survey_for_train(train, two_questions.pk))

    assert result.answers == 4 and not result.closed and not result.shown
    assert result.status.startswith("open until")


def test_a_survey_past_its_last_day_shows_its_result_without_being_closed(train, two_questions):
    _answer_all(two_questions, train, [[2, 3], [3, 3], [4, 3]])

    result = result_of(
        survey_for_train(train, two_questions.pk), today=two_questions.closes_on + timedelta(days=1)
    )

    assert result.closed and result.overall == 3


def test_a_pulse_has_no_target(train, pi, team, rte):
    pulse = survey_open(train=train, kind=Survey.Kind.TEAM_HEALTH, pi=pi, team=team, actor=rte)

    assert result_of(survey_for_train(train, pulse.pk)).target is None


# --- who is waited for -------------------------------------------------------------------------------


def test_the_notice_lists_open_surveys_the_person_may_answer_and_has_not(
    train, pi, team, other_team, rte, team_member, viewer
):
    event = survey_open(train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte)
    own_pulse = survey_open(train=train, kind=Survey.Kind.TEAM_HEALTH, pi=pi, team=team, actor=rte)
    survey_open(train=train, kind=Survey.Kind.TEAM_HEALTH, pi=pi, team=other_team, actor=rte)
    closed = survey_open(train=train, kind=Survey.Kind.INSPECT_ADAPT, pi=pi, actor=rte)
    survey_close(survey=closed, actor=rte)

    def waiting(user):
        return {s.pk for s in waiting_for(train, train_access(user, train), user)}

    assert waiting(team_member) == {event.pk, own_pulse.pk}
    assert waiting(rte) == {event.pk}
    assert waiting(viewer) == set()
    survey_answer(survey=event, actor=team_member, scores={q.pk: 4 for q in event.questions.all()})
    assert waiting(team_member) == {own_pulse.pk}


# --- the PI's events and the series over time ------------------------------------------------------------


def test_the_ia_review_lists_the_pis_event_surveys_in_event_order(train, pi, rte, team):
    ia = survey_open(train=train, kind=Survey.Kind.INSPECT_ADAPT, pi=pi, actor=rte)
    demo = system_demo_plan(iteration=pi.iterations.get(number=3), actor=None)
    demo_survey = survey_open(train=train, kind=Survey.Kind.SYSTEM_DEMO, pi=pi, system_demo=demo, actor=rte)
    planning = survey_open(train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte)
    survey_open(train=train, kind=Survey.Kind.TEAM_HEALTH, pi=pi, team=team, actor=rte)

    review = pi_event_results(pi)

    assert [r.survey.pk for r in review.results] == [planning.pk, demo_survey.pk, ia.pk]
    assert review.target == Fraction(21, 5)


def test_the_trends_give_each_event_kind_across_pis_and_each_team_across_quarters(
    train, team, other_team, rte, django_assert_num_queries
):
    first = ProgramIncrementFactory(train=train, name="PI 7", start_date=timezone.datetime(2026, 1, 5).date())
    second = ProgramIncrementFactory(train=train, name="PI 8", start_date=first.end_date + timedelta(days=1))
    today = second.end_date
    for pi, rows in ((first, [[3, 4], [4, 4], [4, 4]]), (second, [[5, 5], [5, 4], [4, 5]])):
        survey = survey_open(
            train=train,
            kind=Survey.Kind.PI_PLANNING,
            pi=pi,
            actor=rte,
            questions=["Q1", "Q2"],
            today=pi.start_date,
        )
        _answer_all_on(survey, train, rows, pi.start_date)
    pulses = {}
    for pi, scores in ((first, [3, 3, 4]), (second, [4, 4, 4])):
        pulses[pi] = survey_open(
            train=train,
            kind=Survey.Kind.TEAM_HEALTH,
            pi=pi,
            team=team,
            actor=rte,
            questions=["Q"],
            today=pi.start_date,
            at=timezone.make_aware(timezone.datetime.combine(pi.start_date, timezone.datetime.min.time())),
        )
        members = _people(train, 3, Role.TEAM_MEMBER, team)
        for person, score in zip(members, scores, strict=True):
            survey_answer(
                survey=pulses[pi],
                actor=person,
                scores={q.pk: score for q in pulses[pi].questions.all()},
                today=pi.start_date,
            )

    with django_assert_num_queries(4):
        trends = survey_trends(train, today=today)

    planning = next(series for series in trends.events if series.key == "pi_planning")
    # PI 7: 3+4+4+4+4+4 = 23/6 ≈ 3.83 (below); PI 8: 5+5+5+4+4+5 = 28/6 ≈ 4.67 (meets).
    assert [(p.label, p.result.overall, p.result.meets_target) for p in planning.points] == [
        ("PI 7", Fraction(23, 6), False),
        ("PI 8", Fraction(14, 3), True),
    ]
    assert [series.points for series in trends.events if series.key != "pi_planning"] == [[], []]
    (apollo,) = trends.teams
    assert apollo.label == team.name
    assert trends.team_columns == [
        f"2026 Q1 ({first.name})",
        f"{quarter_of(second.start_date)} ({second.name})",
    ]
    assert [c.result.overall for c in apollo.cells] == [Fraction(10, 3), 4]
    assert [c.trend for c in apollo.cells] == ["", "improving"]
    assert not trends.empty


def _answer_all_on(survey, train, rows, day):
    questions = list(survey.questions.order_by("position"))
    for person, scores in zip(_people(train, len(rows)), rows, strict=True):
        survey_answer(
            survey=survey,
            actor=person,
            scores={q.pk: s for q, s in zip(questions, scores, strict=True)},
            today=day,
        )


def test_the_trends_cost_the_same_queries_for_one_survey_and_for_many(train, pi, team, other_team, rte):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    survey_open(train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte)
    with CaptureQueriesContext(connection) as one:
        survey_trends(train)
    survey_open(train=train, kind=Survey.Kind.INSPECT_ADAPT, pi=pi, actor=rte)
    for t in (team, other_team):
        survey_open(train=train, kind=Survey.Kind.TEAM_HEALTH, pi=pi, team=t, actor=rte)
    with CaptureQueriesContext(connection) as many:
        survey_trends(train)

    assert len(one) == len(many)


# --- the demo train ----------------------------------------------------------------------------------


def test_the_demo_has_surveys_for_every_screen_to_show():
    from artops.demo import build_demo

    train, _ = build_demo()
    trends = survey_trends(train)
    results = [p.result for s in [*trends.events, *trends.teams] for p in s.points]
    events = [p.result for s in trends.events for p in s.points if p.result.shown]

    assert sum(1 for r in events if r.meets_target is False) == 1, "one event below the 4.2 target"
    # Averages about 3.6–4.5 (a small team's pulse strays a little further).
    assert all(Fraction(7, 2) <= r.overall <= Fraction(47, 10) for r in results if r.shown)
    assert any(r.closed and r.answers == 2 for r in results), "a survey with only 2 answers: no result"
    rita = train.memberships.get(role=Role.RTE).user
    assert waiting_for(train, train_access(rita, train), rita), "an open survey the RTE has not answered"
    assert {s.key for s in trends.events if s.points} == {"pi_planning", "system_demo", "inspect_adapt"}
    assert len(trends.teams) == train.teams.count()
