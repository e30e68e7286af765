"""System demos and Inspect & Adapt over HTTP: readiness, the quantitative review, the workshop's
votes and improvement items taken into the next PI."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.factories import FeatureFactory, PIObjectiveFactory
from planning.models import Feature
from risks.factories import ImprovementItemFactory
from risks.models import DemoFollowUp, DemoItem, ImprovementItem, Problem, SystemDemo
from risks.services import VOTES_PER_PERSON, problem_create, problem_vote_toggle, system_demo_plan

pytestmark = pytest.mark.django_db


def url(name, train, *args):
    return reverse(f"risks:{name}", args=[train.slug, *args])


# --- system demo -------------------------------------------------------------------------------------


def test_the_rte_plans_a_demo_and_records_outcomes_with_readiness(
    client, rte, train, team, running_pi, iterations, htmx
):
    for title in ("Checkout", "Search", "Export", "Refunds"):
        FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[1], title=title)
    client.force_login(rte)

    client.post(url("system_demo_new", train), {"iteration": iterations[1].pk})
    demo = SystemDemo.objects.get()
    checkout = demo.items.get(title="Checkout")
    response = client.post(
        url("demo_item_edit", train, checkout.pk), {"outcome": "shown", "feedback": "Smooth"}, headers=htmx
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="demo-item-{checkout.pk}"' in html
    assert 'id="demo-readiness" class="figure" hx-swap-oob="true"' in html
    assert "25 %" in html and "1 of 4 planned items shown as expected" in html
    page = client.get(url("system_demo", train), {"iteration": iterations[1].pk}).content.decode()
    assert "25 % ready" in page


def test_a_demo_without_items_has_no_readiness_figure(client, rte, train, running_pi, iterations):
    system_demo_plan(iteration=iterations[0], actor=rte)
    client.force_login(rte)

    page = client.get(url("system_demo", train), {"iteration": iterations[0].pk}).content.decode()

    assert "— ready" in page and "0 of 0 planned items" in page


def test_a_demo_date_outside_the_pi_is_refused(client, rte, train, iterations):
    demo = system_demo_plan(iteration=iterations[1], actor=rte)
    client.force_login(rte)

    response = client.post(
        url("system_demo_edit", train, demo.pk), {"held_on": "2001-01-01", "notes": "Great"}
    )

    assert response.status_code == 422
    assert "falls between" in response.content.decode()
    demo.refresh_from_db()
    assert demo.notes == ""


def test_follow_ups_are_added_and_ticked_off_by_their_owner(client, rte, scrum_master, train, iterations):
    demo = system_demo_plan(iteration=iterations[1], actor=rte)
    client.force_login(rte)
    client.post(url("follow_up_new", train, demo.pk), {"title": "Fix CSV export", "owner": scrum_master.pk})
    follow_up = DemoFollowUp.objects.get()
    client.force_login(scrum_master)

    client.post(url("follow_up_done", train, follow_up.pk), {"done": "1"})

    follow_up.refresh_from_db()
    assert (follow_up.owner, follow_up.status) == (scrum_master, "done")


def test_a_feature_is_added_to_a_demo_once(client, rte, train, running_pi, iterations, team_feature):
    demo = system_demo_plan(iteration=iterations[1], actor=rte)  # team_feature is already on it
    client.force_login(rte)

    response = client.post(url("demo_item_new", train, demo.pk), {"title": "Architecture runway walkthrough"})

    assert response.status_code == 302
    assert list(demo.items.values_list("title", flat=True)) == [
        team_feature.title,
        "Architecture runway walkthrough",
    ]
    assert DemoItem.objects.filter(feature=team_feature).count() == 1


# --- Inspect & Adapt: quantitative review ----------------------------------------------------------------


def test_the_review_shows_predictability_per_team_pooled_and_the_mean_of_teams(
    client, rte, train, team, other_team, running_pi
):
    # Apollo: committed 8 + 6 planned, actual 7 + 5 + an uncommitted 3 → 15 / 14 = 107 %.
    PIObjectiveFactory(pi=running_pi, team=team, planned_business_value=8, actual_business_value=7)
    PIObjectiveFactory(pi=running_pi, team=team, planned_business_value=6, actual_business_value=5)
    PIObjectiveFactory(
        pi=running_pi, team=team, is_committed=False, planned_business_value=4, actual_business_value=3
    )
    # Gemini: committed 10, actual 6 → 60 %.
    PIObjectiveFactory(pi=running_pi, team=other_team, planned_business_value=10, actual_business_value=6)
    client.force_login(rte)

    response = client.get(url("inspect_adapt", train))

    review = response.context["review"]
    assert [(team.name, round(row.percent)) for team, row in review.teams] == [
        ("Apollo", 107),
        ("Gemini", 60),
    ]
    assert (review.art.actual_total, review.art.planned_total, round(review.art.percent)) == (21, 24, 88)
    assert round(review.mean_of_teams) == 84  # (107.1 + 60) / 2
    html = response.content.decode()
    assert (
        "107 %" in html and "above band" in html and "88 %" in html and "Mean of the team percentages" in html
    )


def test_a_team_without_committed_value_or_scores_shows_no_figure(
    client, rte, train, team, other_team, running_pi
):
    PIObjectiveFactory(pi=running_pi, team=team, planned_business_value=8, actual_business_value=None)
    PIObjectiveFactory(
        pi=running_pi, team=other_team, is_committed=False, planned_business_value=3, actual_business_value=2
    )
    client.force_login(rte)

    response = client.get(url("inspect_adapt", train))

    assert [row.percent for _team, row in response.context["review"].teams] == [None, None]
    html = response.content.decode()
    assert "not scored yet" in html
    assert "<strong>0 %</strong>" not in html


def test_a_partly_scored_team_is_labelled_partial_not_out_of_band(client, rte, train, team, running_pi):
    PIObjectiveFactory(pi=running_pi, team=team, planned_business_value=10, actual_business_value=2)
    PIObjectiveFactory(pi=running_pi, team=team, planned_business_value=10, actual_business_value=None)
    client.force_login(rte)

    html = client.get(url("inspect_adapt", train)).content.decode()

    # 2 / 20 = 10 %, with one of two objectives scored: said as partial, not as a miss of the band.
    assert '<span class="band band-partial">partial: 1 of 2 scored</span>' in html
    assert "below band" not in html


def test_without_flow_snapshots_the_page_says_so_and_invents_nothing(client, rte, train, running_pi):
    client.force_login(rte)

    html = client.get(url("inspect_adapt", train)).content.decode()

    assert "No flow figures for PI 8 yet" in html


# --- the workshop -------------------------------------------------------------------------------------


def test_a_problem_is_brought_and_voted_for_and_the_list_reranks(
    client, team_member, rte, train, running_pi, htmx
):
    first = problem_create(pi=running_pi, statement="Environments are slow", actor=rte)
    client.force_login(team_member)
    client.post(
        url("problem_new", train) + f"?pi={running_pi.pk}",
        {"statement": "Late integration", "root_causes": "No contract tests"},
    )
    late = Problem.objects.get(statement="Late integration")

    response = client.post(url("problem_vote", train, late.pk), headers=htmx)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Late integration") < html.index("Environments are slow")
    assert f"You have <strong>{VOTES_PER_PERSON - 1}</strong>" in html
    assert late.root_cause_list == ["No contract tests"]
    assert first.votes.count() == 0


def test_a_vote_beyond_the_allowance_is_refused_with_a_message(client, team_member, train, running_pi, htmx):
    problems = [
        problem_create(pi=running_pi, statement=f"P{n}", actor=team_member)
        for n in range(VOTES_PER_PERSON + 1)
    ]
    for problem in problems[:-1]:
        problem_vote_toggle(problem=problem, actor=team_member)
    client.force_login(team_member)

    response = client.post(url("problem_vote", train, problems[-1].pk), headers=htmx)

    assert response.status_code == 422
    assert "You have used your" in response.content.decode()
    assert problems[-1].votes.count() == 0


def test_who_raised_a_problem_records_its_root_causes(client, team_member, train, running_pi):
    problem = problem_create(pi=running_pi, statement="Late integration", actor=team_member)
    client.force_login(team_member)

    response = client.post(
        url("problem_edit", train, problem.pk),
        {"statement": "Integration is late", "root_causes": "No contract tests\nShared staging"},
    )

    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.statement == "Integration is late"
    assert problem.root_cause_list == ["No contract tests", "Shared staging"]


def test_a_blank_problem_statement_is_refused_on_its_field_and_nothing_changes(
    client, team_member, train, running_pi
):
    problem = problem_create(pi=running_pi, statement="Late integration", actor=team_member)
    client.force_login(team_member)

    response = client.post(url("problem_edit", train, problem.pk), {"statement": " ", "root_causes": "New"})

    html = response.content.decode()
    assert response.status_code == 422
    assert '<p class="field-error" role="alert">State the problem in one sentence.</p>' in html
    assert f'id="statement-{problem.pk}"' in html and 'aria-invalid="true"' in html
    problem.refresh_from_db()
    assert (problem.statement, problem.root_causes) == ("Late integration", "")


def test_only_who_raised_a_problem_or_its_managers_edit_it(
    client, team_member, scrum_master, train, running_pi
):
    problem = problem_create(pi=running_pi, statement="Late integration", actor=team_member)
    client.force_login(scrum_master)

    response = client.post(url("problem_edit", train, problem.pk), {"statement": "Something else"})

    assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.statement == "Late integration"


# --- improvement items --------------------------------------------------------------------------------


def test_an_improvement_item_without_an_owner_is_refused_with_a_message(client, rte, train, running_pi):
    client.force_login(rte)

    response = client.post(
        url("improvement_new", train) + f"?pi={running_pi.pk}", {"title": "Contract tests"}
    )

    assert response.status_code == 422
    assert "Every improvement item needs an owner." in response.content.decode()
    assert not ImprovementItem.objects.exists()


def test_an_item_taken_into_the_next_pi_shows_in_that_pis_review_with_its_enabler(
    client, rte, scrum_master, train, running_pi, next_pi
):
    client.force_login(rte)
    client.post(
        url("improvement_new", train) + f"?pi={running_pi.pk}",
        {"title": "Contract tests in CI", "owner": scrum_master.pk},
    )
    item = ImprovementItem.objects.get()

    response = client.post(url("improvement_take", train, item.pk), {"target_pi": next_pi.pk}, follow=True)

    assert "is now an enabler in PI 9&#x27;s backlog" in response.content.decode()
    feature = Feature.objects.get(pi=next_pi)
    assert (feature.kind, feature.state, feature.title) == ("enabler", "backlog", "Contract tests in CI")
    page = client.get(url("inspect_adapt", train), {"pi": next_pi.pk})
    assert [i.title for i in page.context["taken"]] == ["Contract tests in CI"]
    assert "From the PI 8 I&amp;A" in page.content.decode()
    assert (page.context["review"].improvements_taken, page.context["review"].improvements_done) == (1, 0)


def test_taking_an_item_into_an_earlier_pi_is_refused(client, rte, train, running_pi, next_pi):
    item = ImprovementItemFactory(source_pi=next_pi, owner=rte)
    client.force_login(rte)

    response = client.post(url("improvement_take", train, item.pk), {"target_pi": running_pi.pk})

    assert response.status_code == 422
    assert "Choose a later PI" in response.content.decode()
    item.refresh_from_db()
    assert item.target_pi is None and not Feature.objects.exists()


def test_the_owner_marks_an_improvement_done(client, scrum_master, train, running_pi):
    item = ImprovementItemFactory(source_pi=running_pi, owner=scrum_master)
    client.force_login(scrum_master)

    client.post(url("improvement_status", train, item.pk), {"status": "done"})

    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None
    assert item.done_at.date() <= dt.date.today() + dt.timedelta(days=1)


def test_planning_an_item_by_status_is_refused_with_its_message_and_nothing_changes(
    client, rte, train, running_pi, htmx
):
    """The view lets the service's refusal escape: 422 and the message, as a page or (htmx) as text."""
    item = ImprovementItemFactory(source_pi=running_pi, owner=rte)
    client.force_login(rte)

    page = client.post(url("improvement_status", train, item.pk), {"status": "planned"})
    fragment = client.post(url("improvement_status", train, item.pk), {"status": "planned"}, headers=htmx)

    assert page.status_code == 422 and "Take it into a PI to plan it." in page.content.decode()
    assert "<h1>Not saved</h1>" in page.content.decode()
    assert fragment.status_code == 422
    assert fragment.content.decode() == "Take it into a PI to plan it."
    item.refresh_from_db()
    assert item.status == "proposed"


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_the_ia_and_demo_pages_cost_the_same_queries_for_a_small_and_a_busy_pi(
    client, rte, scrum_master, train, team, running_pi, next_pi, iterations
):
    demo = system_demo_plan(iteration=iterations[1], actor=rte)

    def add(n):
        for i in range(n):
            problem = problem_create(pi=running_pi, statement=f"Problem {Problem.objects.count()}", actor=rte)
            if i == 0:
                problem_vote_toggle(problem=problem, actor=scrum_master)
            ImprovementItemFactory(source_pi=running_pi, owner=rte, source_problem=problem)
            PIObjectiveFactory(pi=running_pi, team=team, actual_business_value=5)
            feature = FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[1])
            DemoItem.objects.create(
                demo=demo, feature=feature, title=feature.title, created_at=demo.created_at
            )
            DemoFollowUp.objects.create(
                demo=demo, title=f"Follow-up {i}", owner=rte, created_at=demo.created_at
            )

    ia = url("inspect_adapt", train) + f"?pi={running_pi.pk}"
    demos = url("system_demo", train) + f"?pi={running_pi.pk}&iteration={iterations[1].pk}"
    add(1)
    client.force_login(rte)
    client.get(ia)
    small = (_queries(client, ia), _queries(client, demos))
    add(12)

    assert (_queries(client, ia), _queries(client, demos)) == small
