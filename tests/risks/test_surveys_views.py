"""Surveys over HTTP: the list with its notice, opening one (the RTE), the answer form (fieldset and
legend per question, radios 1–5), the thank-you, htmx errors on their fields, the results with the
target, closing, the navigation's count, and the PI's event results in the I&A review."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from risks.models import Survey, SurveyParticipation, SurveyResponse
from risks.services.surveys import survey_answer, survey_close, survey_open
from trains.factories import MembershipFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db


def url(name, train, *args):
    return reverse(f"risks:{name}", args=[train.slug, *args])


@pytest.fixture
def survey(train, pi, rte):
    return survey_open(
        train=train, kind=Survey.Kind.PI_PLANNING, pi=pi, actor=rte, questions=["Clear?", "Worth it?"]
    )


def answer_body(survey, score=4, comment=""):
    return {**{f"q{q.pk}": score for q in survey.questions.all()}, "comment": comment}


def answered_by(train, survey, scores):
    for score in scores:
        person = UserFactory()
        MembershipFactory(user=person, train=train, role=Role.SYSTEM_ARCHITECT)
        survey_answer(survey=survey, actor=person, scores={q.pk: score for q in survey.questions.all()})


# --- the list and the notice ------------------------------------------------------------------------------


def test_the_list_asks_for_an_answer_and_offers_the_rte_to_open_one(client, train, rte, team_member, survey):
    client.force_login(team_member)
    page = client.get(url("surveys", train)).content.decode()
    assert "Waiting for your answer" in page and survey.title in page
    assert "Open a survey:" not in page

    client.force_login(rte)
    page = client.get(url("surveys", train)).content.decode()
    assert "Open a survey:" in page and "PI Planning survey" in page and "Team health pulses" in page


def test_the_navigation_counts_the_surveys_waiting_for_the_person(
    client, train, team_member, viewer, survey, htmx
):
    client.force_login(team_member)
    assert ">1<" in client.get(url("surveys_waiting", train), headers=htmx).content.decode()
    assert url("surveys_waiting", train) in client.get(url("surveys", train)).content.decode()

    client.force_login(viewer)
    assert client.get(url("surveys_waiting", train), headers=htmx).content.decode().strip() == ""


# --- opening ---------------------------------------------------------------------------------------


def test_the_rte_opens_a_survey_from_the_prefilled_form(client, train, pi, rte):
    client.force_login(rte)
    form = client.get(url("survey_new", train) + "?kind=inspect_adapt")
    assert "The quantitative review showed how the PI really went." in form.content.decode()

    closes = (timezone.localdate() + timedelta(days=5)).strftime("%d/%m/%Y")
    response = client.post(
        url("survey_new", train) + "?kind=inspect_adapt",
        {
            "kind": "inspect_adapt",
            "pi": pi.pk,
            "closes_on": closes,
            "title": "",
            "questions": "One?\r\n\r\nTwo?",
        },
    )

    survey = Survey.objects.get()
    assert response.status_code == 302 and response.url == url("survey_detail", train, survey.pk)
    assert [q.text for q in survey.questions.order_by("position")] == ["One?", "Two?"]
    assert survey.closes_on == timezone.localdate() + timedelta(days=5)


def test_a_refused_opening_shows_the_message_on_its_field_and_opens_nothing(client, train, pi, rte):
    client.force_login(rte)
    yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")

    response = client.post(
        url("survey_new", train) + "?kind=pi_planning",
        {"kind": "pi_planning", "pi": pi.pk, "closes_on": yesterday, "questions": "Q?"},
    )

    assert response.status_code == 422
    assert "A survey cannot close in the past" in response.content.decode()
    assert not Survey.objects.exists()


def test_every_team_gets_its_pulse_in_one_go(client, train, pi, team, other_team, rte):
    client.force_login(rte)
    closes = (timezone.localdate() + timedelta(days=7)).strftime("%d/%m/%Y")

    response = client.post(
        url("survey_new", train) + "?kind=team_health",
        {"kind": "team_health", "pi": pi.pk, "team": "", "closes_on": closes, "questions": "Fine?"},
    )

    assert response.status_code == 302
    assert set(Survey.objects.values_list("team__name", flat=True)) == {team.name, other_team.name}


def test_only_the_rte_opens_and_an_unknown_kind_is_no_page(client, train, rte, product_manager):
    client.force_login(product_manager)
    assert client.get(url("survey_new", train) + "?kind=pi_planning").status_code == 403
    client.force_login(rte)
    assert client.get(url("survey_new", train) + "?kind=party").status_code == 404


# --- answering -------------------------------------------------------------------------------------


def test_the_answer_form_has_a_fieldset_and_legend_per_question_with_radios_1_to_5(
    client, train, team_member, survey
):
    client.force_login(team_member)

    page = client.get(url("survey_detail", train, survey.pk)).content.decode()

    assert page.count("<fieldset") == 2
    assert "<legend>1. Clear?</legend>" in page and "<legend>2. Worth it?</legend>" in page
    question = survey.questions.get(position=1)
    for score in range(1, 6):
        assert f'name="q{question.pk}" value="{score}"' in page


def test_an_answer_is_thanked_and_the_form_is_gone(client, train, team_member, survey):
    client.force_login(team_member)

    response = client.post(
        url("survey_answer", train, survey.pk), answer_body(survey, comment="Nice"), follow=True
    )

    page = response.content.decode()
    assert "You answered, thank you" in page
    assert "<fieldset" not in page
    assert SurveyParticipation.objects.filter(user=team_member).count() == 1
    assert SurveyResponse.objects.get().comment == "Nice"


def test_htmx_answer_swaps_in_the_thank_you(client, train, team_member, survey, htmx):
    client.force_login(team_member)

    response = client.post(url("survey_answer", train, survey.pk), answer_body(survey), headers=htmx)

    assert response.status_code == 200
    assert 'id="survey-answer"' in response.content.decode()
    assert "You answered, thank you" in response.content.decode()


@pytest.mark.parametrize("bad", ["", "6", "0", "٣", "4.0", "x" * 50])
def test_htmx_answer_with_a_bad_score_shows_the_message_on_the_question_and_saves_nothing(
    client, train, team_member, survey, htmx, bad
):
    client.force_login(team_member)
    body = answer_body(survey)
    first = survey.questions.get(position=1)
    body[f"q{first.pk}"] = bad

    response = client.post(url("survey_answer", train, survey.pk), body, headers=htmx)

    page = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_q{first.pk}-error"' in page or "Choose a score from 1 to 5." in page
    assert page.count("Choose a score from 1 to 5.") == 1
    assert not SurveyParticipation.objects.exists() and not SurveyResponse.objects.exists()


def test_a_too_long_comment_is_refused_on_its_field(client, train, team_member, survey, htmx):
    client.force_login(team_member)

    response = client.post(
        url("survey_answer", train, survey.pk), answer_body(survey, comment="x" * 2001), headers=htmx
    )

    assert response.status_code == 422
    assert "at most 2000 characters" in response.content.decode()
    assert not SurveyParticipation.objects.exists()


def test_a_second_answer_or_one_after_closing_is_refused(client, train, rte, team_member, survey, htmx):
    client.force_login(team_member)
    client.post(url("survey_answer", train, survey.pk), answer_body(survey))

    again = client.post(url("survey_answer", train, survey.pk), answer_body(survey), headers=htmx)
    assert again.status_code == 409
    assert "answered this survey already" in again.content.decode()

    survey_close(survey=survey, actor=rte)
    other = UserFactory()
    MembershipFactory(user=other, train=train, role=Role.BUSINESS_OWNER)
    client.force_login(other)
    late = client.post(url("survey_answer", train, survey.pk), answer_body(survey), headers=htmx)
    assert late.status_code == 409
    assert SurveyParticipation.objects.count() == 1


def test_a_viewer_reads_but_does_not_answer(client, train, viewer, survey):
    client.force_login(viewer)

    page = client.get(url("survey_detail", train, survey.pk)).content.decode()
    assert "<fieldset" not in page and "viewers only read" in page
    assert client.post(url("survey_answer", train, survey.pk), answer_body(survey)).status_code == 403
    assert not SurveyParticipation.objects.exists()


# --- results and closing ---------------------------------------------------------------------------


def test_the_rte_closes_and_the_results_show_with_the_target(client, train, rte, product_manager, survey):
    answered_by(train, survey, [5, 4, 4])
    client.force_login(product_manager)
    assert client.post(url("survey_close", train, survey.pk)).status_code == 403
    assert (
        "The results show when the survey closes"
        in client.get(url("survey_detail", train, survey.pk)).content.decode()
    )

    client.force_login(rte)
    response = client.post(url("survey_close", train, survey.pk), follow=True)

    page = response.content.decode()
    # (5+5+4+4+4+4) / 6 = 26/6 ≈ 4.33, at or above 4.2.
    assert "4.33" in page and "Target 4.20 of 5" in page and "meets the target" in page


def test_two_answers_show_no_result(client, train, rte, survey):
    answered_by(train, survey, [5, 1])
    survey_close(survey=survey, actor=rte)
    client.force_login(rte)

    page = client.get(url("survey_detail", train, survey.pk)).content.decode()

    assert "fewer than 3 answers give no result, to keep answers anonymous" in page
    assert "meets the target" not in page and "below the target" not in page


def test_the_ia_review_shows_the_pis_event_results_against_the_target(client, train, pi, rte, survey):
    answered_by(train, survey, [4, 4, 4])
    survey_close(survey=survey, actor=rte)
    client.force_login(rte)

    page = client.get(url("inspect_adapt", train) + f"?pi={pi.pk}").content.decode()

    assert "ART event effectiveness" in page
    assert "4.00" in page and "below the target" in page and "target at least 4.20 of 5" in page
    assert url("survey_detail", train, survey.pk) in page


def test_the_metrics_dashboard_shows_the_survey_results_over_time(client, train, pi, rte, survey):
    answered_by(train, survey, [5, 5, 4])
    survey_close(survey=survey, actor=rte)
    client.force_login(rte)

    page = client.get(reverse("metrics:dashboard", args=[train.slug])).content.decode()

    # (5+5+5+5+4+4) / 6 = 28/6 ≈ 4.67, at or above 4.2.
    assert "Surveys: event effectiveness and team health" in page
    assert "4.67" in page and "meets the target" in page


def test_a_survey_of_another_train_is_no_page(client, train, outsider, survey):
    client.force_login(outsider)

    assert client.get(url("survey_detail", train, survey.pk)).status_code == 404
