"""The PI page, new PI and plan vs now over HTTP: who sees what, who may write, refusals on fields."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from planning.factories import (
    FeatureFactory,
    PIObjectiveFactory,
    ProgramIncrementFactory,
    TeamCapacityFactory,
)
from planning.models import Feature, PlanBaseline, ProgramIncrement
from planning.services.baseline import plan_commit
from trains.factories import MembershipFactory, TeamFactory, TrainFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, train, *args) -> str:
    return reverse(f"planning:{name}", args=[train.slug, *args])


def test_the_pi_page_shows_state_iterations_readiness_and_commit_for_the_rte(client, rte, train, pi):
    client.force_login(rte)
    response = client.get(url("planning", train), {"pi": pi.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Move to executing" in body
    assert "% ready" in body
    assert "Commit the plan" in body
    assert "Save I1" in body
    assert 'href="/trains/orbit/planning/?pi=' in body  # the PI Planning tab and nav link exist


@pytest.mark.parametrize("persona", ["product_manager", "scrum_master", "business_owner", "viewer"])
def test_others_see_the_pi_page_read_only(request, client, train, pi, persona):
    client.force_login(request.getfixturevalue(persona))
    body = client.get(url("planning", train), {"pi": pi.pk}).content.decode()
    assert "% ready" in body
    assert "Commit the plan" not in body and "Move to executing" not in body and "Save I1" not in body


def test_an_outsider_gets_404(client, outsider, train, pi):
    client.force_login(outsider)
    assert client.get(url("planning", train)).status_code == 404
    assert client.post(url("plan_commit", train), {"pi": pi.pk}).status_code == 404
    assert client.get(url("plan_vs_now", train)).status_code == 404


@pytest.mark.parametrize("persona", ["product_manager", "scrum_master", "business_owner", "viewer"])
def test_writes_by_anyone_but_the_rte_get_403_and_change_nothing(request, client, train, pi, persona):
    client.force_login(request.getfixturevalue(persona))
    iteration = pi.iterations.order_by("number").first()
    posts = [
        (url("pi_transition", train), {"pi": pi.pk, "to_state": "executing"}),
        (url("plan_commit", train), {"pi": pi.pk}),
        (url("pi_business_owners", train), {"pi": pi.pk}),
        (url("pi_dates", train), {"pi": pi.pk, "start_date": "2026-01-01", "end_date": "2026-12-31"}),
        (url("iteration_edit", train, iteration.pk), {"start_date": "2026-01-05", "end_date": "2026-01-06"}),
        (url("pi_new", train), {"name": "PI 99", "start_date": "2027-01-04", "iteration_count": 5}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 403, path
    assert client.get(url("pi_new", train)).status_code == 403
    assert not PlanBaseline.objects.exists()
    assert not ProgramIncrement.objects.filter(name="PI 99").exists()
    assert ProgramIncrement.objects.get(pk=pi.pk).state == "planning"


def test_rte_creates_a_pi_from_the_form_with_the_cadence_as_default(client, rte, train, pi):
    client.force_login(rte)
    form_page = client.get(url("pi_new", train)).content.decode()
    assert f'value="{train.iterations_per_pi}"' in form_page
    response = client.post(
        url("pi_new", train), {"name": "PI 8", "start_date": "2026-04-06", "iteration_count": 4}
    )
    created = ProgramIncrement.objects.get(train=train, name="PI 8")
    assert response.status_code == 302 and response["Location"].endswith(f"?pi={created.pk}")
    assert created.iterations.count() == 4 and created.iterations.get(number=4).is_ip


def test_a_new_pi_with_a_taken_name_is_refused_on_the_field(client, rte, train, pi):
    client.force_login(rte)
    response = client.post(
        url("pi_new", train), {"name": pi.name, "start_date": "2026-04-06", "iteration_count": 5}
    )
    assert response.status_code == 422
    assert "already has a PI of that name" in response.content.decode()


def test_a_train_without_a_pi_sends_the_rte_to_create_one(client, rte):
    empty = TrainFactory(slug="empty")
    MembershipFactory(user=rte, train=empty, role="rte")
    client.force_login(rte)
    response = client.get(url("planning", empty))
    assert response.status_code == 302 and response["Location"].endswith("/planning/pis/new/")
    assert "has no PI yet" in client.get(url("pi_new", empty)).content.decode()


def test_moving_to_executing_without_commit_is_refused_with_its_message(client, rte, train, pi, team):
    PIObjectiveFactory(pi=pi, team=team)
    client.force_login(rte)
    response = client.post(url("pi_transition", train), {"pi": pi.pk, "to_state": "executing"})
    assert response.status_code == 422
    assert "Commit the plan before execution starts" in response.content.decode()
    assert ProgramIncrement.objects.get(pk=pi.pk).state == "planning"


def test_the_move_to_executing_button_waits_for_a_committed_plan(client, rte, train, pi, team):
    PIObjectiveFactory(pi=pi, team=team)
    client.force_login(rte)

    before = client.get(url("planning", train), {"pi": pi.pk}).content.decode()
    pi.committed_at = timezone.now()
    pi.save(update_fields=["committed_at"])
    after = client.get(url("planning", train), {"pi": pi.pk}).content.decode()

    assert 'class="primary" disabled>Move to executing' in before and "Commit the plan with" in before
    assert 'class="primary">Move to executing' in after and "Commit the plan with" not in after


def test_closing_asks_to_confirm_unscored_objectives(client, rte, train, pi, team):
    pi.state = "executing"
    pi.save()
    PIObjectiveFactory(pi=pi, team=team, actual_business_value=None)
    client.force_login(rte)
    page = client.get(url("planning", train), {"pi": pi.pk}).content.decode()
    assert "Close with 1 objective unscored" in page
    refused = client.post(url("pi_transition", train), {"pi": pi.pk, "to_state": "closed"})
    assert (
        refused.status_code == 422
        and "1 objective lacks an actual business value (Apollo)" in refused.content.decode()
    )
    done = client.post(
        url("pi_transition", train), {"pi": pi.pk, "to_state": "closed", "confirm_unscored": "on"}
    )
    assert done.status_code == 302
    assert ProgramIncrement.objects.get(pk=pi.pk).state == "closed"


def test_iteration_dates_outside_the_pi_are_refused_on_the_field_and_nothing_saved(client, rte, train, pi):
    client.force_login(rte)
    first = pi.iterations.get(number=1)
    before = (first.start_date, first.end_date)
    data = {
        "start_date": (pi.start_date - dt.timedelta(days=3)).isoformat(),
        "end_date": first.end_date.isoformat(),
    }
    response = client.post(url("iteration_edit", train, first.pk), data, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="iteration-{first.pk}"')
    assert "cannot start before the PI does" in body
    first.refresh_from_db()
    assert (first.start_date, first.end_date) == before
    # Without JavaScript: the whole page, with the message on that row.
    page = client.post(url("iteration_edit", train, first.pk), data)
    assert page.status_code == 422 and "cannot start before the PI does" in page.content.decode()


def test_an_iteration_with_end_before_start_is_refused_by_the_form(client, rte, train, pi):
    client.force_login(rte)
    second = pi.iterations.get(number=2)
    data = {"start_date": second.end_date.isoformat(), "end_date": second.start_date.isoformat()}
    response = client.post(url("iteration_edit", train, second.pk), data, **HTMX)
    assert response.status_code == 422 and "end date is before the start date" in response.content.decode()


def test_iteration_dates_saved_inline_return_the_row(client, rte, train, pi):
    client.force_login(rte)
    ip = pi.iterations.get(is_ip=True)
    new_start = ip.start_date + dt.timedelta(days=1)
    response = client.post(
        url("iteration_edit", train, ip.pk),
        {"start_date": new_start.isoformat(), "end_date": ip.end_date.isoformat()},
        **HTMX,
    )
    assert response.status_code == 200 and "Saved" in response.content.decode()
    ip.refresh_from_db()
    assert ip.start_date == new_start


def test_an_iteration_of_another_train_is_404(client, rte, outsider):
    foreign = ProgramIncrementFactory(train=outsider.memberships.get().train).iterations.first()
    client.force_login(rte)
    response = client.post(reverse("planning:iteration_edit", args=["orbit", foreign.pk]), {})
    assert response.status_code == 404


def test_rte_assigns_business_owners_and_readiness_counts_them(
    client, rte, business_owner, viewer, train, pi
):
    client.force_login(rte)
    refused = client.post(url("pi_business_owners", train), {"pi": pi.pk, "business_owners": [viewer.pk]})
    assert refused.status_code == 422 and not pi.business_owners.exists()
    response = client.post(
        url("pi_business_owners", train), {"pi": pi.pk, "business_owners": [business_owner.pk]}
    )
    assert response.status_code == 302
    assert list(pi.business_owners.all()) == [business_owner]


def test_commit_stores_a_baseline_and_the_page_shows_its_time(client, rte, train, pi):
    client.force_login(rte)
    response = client.post(url("plan_commit", train), {"pi": pi.pk}, follow=True)
    assert response.status_code == 200
    assert PlanBaseline.objects.filter(pi=pi).count() == 1
    body = response.content.decode()
    assert "Plan committed" in body and "Commit the plan again" in body


def test_commit_outside_planning_is_refused_with_a_message(client, rte, train, pi):
    pi.state = "draft"
    pi.save()
    client.force_login(rte)
    response = client.post(url("plan_commit", train), {"pi": pi.pk})
    assert response.status_code == 422 and "only while the PI is in planning" in response.content.decode()


def test_readiness_links_to_where_it_is_fixed_when_that_page_exists(client, rte, train, pi, team):
    FeatureFactory(train=train, pi=pi, title="Vague", acceptance_criteria="")
    client.force_login(rte)
    body = client.get(url("planning", train), {"pi": pi.pk}).content.decode()
    assert "Vague" in body and "no capacity for I1, I2, I3, I4" in body


def test_plan_vs_now_page_lists_what_moved(client, rte, viewer, train, pi, team, other_team):
    iterations = list(pi.iterations.order_by("number"))
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Search")
    plan_commit(pi=pi, actor=rte)
    Feature.objects.filter(pk=feature.pk).update(team=other_team, iteration=iterations[2])
    client.force_login(viewer)
    body = client.get(url("plan_vs_now", train), {"pi": pi.pk}).content.decode()
    assert "Search" in body and "Apollo · I1 → Gemini · I3" in body


def build(train, pi, teams: int, features: int):
    iterations = list(pi.iterations.order_by("number"))
    made = [TeamFactory(train=train) for _ in range(teams)]
    for n in range(features):
        team = made[n % teams]
        FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[n % 4], acceptance_criteria="")
    for team in made:
        for it in iterations[:2]:
            TeamCapacityFactory(team=team, iteration=it)
        PIObjectiveFactory(pi=pi, team=team)


@pytest.mark.parametrize("name", ["planning", "plan_vs_now"])
def test_pages_cost_the_same_queries_small_or_large(
    client, rte, train, pi, name, django_assert_max_num_queries
):
    client.force_login(rte)
    build(train, pi, teams=1, features=3)
    plan_commit(pi=pi, actor=rte)
    with django_assert_max_num_queries(25) as small:
        assert client.get(url(name, train), {"pi": pi.pk}).status_code == 200
    build(train, pi, teams=8, features=80)
    with django_assert_max_num_queries(25) as large:
        assert client.get(url(name, train), {"pi": pi.pk}).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
