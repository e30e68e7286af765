"""The program board: what it shows, who may change it, and that no edit is ever lost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from planning import services
from planning.factories import (
    DependencyFactory,
    FeatureFactory,
    MilestoneFactory,
    StoryFactory,
)
from planning.health import Health
from planning.models import Dependency, Feature
from trains.factories import TeamFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pi(upcoming_pi):
    return upcoming_pi


def board_url(train, **query) -> str:
    from urllib.parse import urlencode

    return reverse("planning:board", args=[train.slug]) + ("?" + urlencode(query) if query else "")


def move_url(train, feature) -> str:
    return reverse("planning:feature_move", args=[train.slug, feature.pk])


def build_board(train, pi, teams: int, features_per_team: int, dependencies: int):
    iterations = list(pi.iterations.order_by("number"))
    made_teams = [TeamFactory(train=train) for _ in range(teams)]
    features = []
    for t, team in enumerate(made_teams):
        for n in range(features_per_team):
            feature = FeatureFactory(
                train=train, pi=pi, team=team, iteration=iterations[(t + n) % (len(iterations) - 1)]
            )
            StoryFactory(team=team, feature=feature, iteration=feature.iteration, points=3)
            features.append(feature)
    for n in range(dependencies):
        requesting, providing = features[n % len(features)], features[(n * 7 + 3) % len(features)]
        if requesting.team_id == providing.team_id:
            continue
        DependencyFactory(
            pi=pi,
            requesting_team=requesting.team,
            providing_team=providing.team,
            requesting_feature=requesting,
            providing_feature=providing,
            needed_by_iteration=requesting.iteration,
        )
    MilestoneFactory(pi=pi)


# --- health ------------------------------------------------------------------------------------------


def test_string_is_red_when_the_provider_is_planned_after_the_needed_by_iteration(
    train, pi, team, other_team, iterations
):
    need = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[1])
    give = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[2])
    dep = DependencyFactory(
        pi=pi,
        requesting_team=team,
        providing_team=other_team,
        requesting_feature=need,
        providing_feature=give,
        needed_by_iteration=iterations[1],
    )
    from planning.selectors import board_strings

    assert [s.health for s in board_strings(pi) if s.dependency.pk == dep.pk] == [Health.CONFLICT]
    services.feature_move(
        feature=give, team_id=other_team.pk, iteration_id=iterations[1].pk, expected_version=give.version
    )
    assert [s.health for s in board_strings(pi)] == [Health.AT_RISK]
    give.refresh_from_db()
    services.feature_move(
        feature=give, team_id=other_team.pk, iteration_id=iterations[0].pk, expected_version=give.version
    )
    assert [s.health for s in board_strings(pi)] == [Health.HEALTHY]


# Where the providing feature is planned, against a dependency needed by iterations[2].
PROVIDED = {"unplanned": None, "before": 1, "same": 2, "after": 3}


def expected_health(state: str, needed: bool, provided: str) -> Health:
    """The rule as the board's legend states it (planning/health.py), case by case."""
    if state in Dependency.RESOLVED_STATES:
        return Health.RESOLVED
    if state == Dependency.State.BLOCKED or provided == "unplanned":
        return Health.CONFLICT
    if not needed:
        return Health.HEALTHY
    return {"before": Health.HEALTHY, "same": Health.AT_RISK, "after": Health.CONFLICT}[provided]


def test_health_rule_on_every_branch_as_the_board_the_move_and_art_sync_read_it(
    train, pi, team, other_team, iterations
):
    """One rule (an ORM expression) rates the board's strings, counts them after a move and picks
    ART Sync's alerts: all three agree with the stated rule on every state × plan × need."""
    import itertools

    from planning.selectors import board_strings, strings_after_move
    from risks.selectors import dependencies_needing_attention

    expected = {}
    for state, needed, provided in itertools.product(Dependency.State.values, (True, False), PROVIDED):
        position = PROVIDED[provided]
        give = FeatureFactory(
            train=train,
            pi=pi,
            team=other_team if position is not None else None,
            iteration=iterations[position] if position is not None else None,
        )
        dep = DependencyFactory(
            pi=pi,
            requesting_team=team,
            providing_team=other_team,
            providing_feature=give,
            needed_by_iteration=iterations[2] if needed else None,
            state=state,
            resolved_at=timezone.now() if state in Dependency.RESOLVED_STATES else None,
        )
        expected[dep.pk] = expected_health(state, needed, provided)

    assert {s.dependency.pk: s.health for s in board_strings(pi)} == expected
    assert set(expected.values()) == set(Health)
    assert [s["health"] for s in strings_after_move(give)] == [expected[max(expected)].value]
    alerts = {a.dependency.pk: a.health for a in dependencies_needing_attention(pi)}
    assert alerts == {pk: h for pk, h in expected.items() if h in (Health.CONFLICT, Health.AT_RISK)}


# --- the page ----------------------------------------------------------------------------------------


def test_board_shows_teams_iterations_cards_milestones_and_the_red_count(
    client, rte, train, pi, team, other_team, iterations
):
    need = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Checkout v2")
    give = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[3], title="Payments API")
    FeatureFactory(train=train, pi=pi, title="Unplanned idea")
    DependencyFactory(
        pi=pi,
        requesting_team=team,
        providing_team=other_team,
        requesting_feature=need,
        providing_feature=give,
        needed_by_iteration=iterations[0],
        description="refund endpoint",
    )
    MilestoneFactory(pi=pi, name="Go-live", date=iterations[1].start_date)
    client.force_login(rte)
    page = client.get(board_url(train)).content.decode()
    for text in (
        "Checkout v2",
        "Payments API",
        "Unplanned idea",
        "Go-live",
        team.name,
        "IP",
        "refund endpoint",
    ):
        assert text in page
    assert "<strong>1</strong> red string" in page
    assert 'draggable="true"' in page


def test_board_filters_by_kind_and_red_strings(client, rte, train, pi, team, iterations):
    FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Plain feature")
    FeatureFactory(
        train=train,
        pi=pi,
        team=team,
        iteration=iterations[0],
        title="Runway enabler",
        kind=Feature.Kind.ENABLER,
    )
    client.force_login(rte)
    page = client.get(board_url(train, kind="enabler")).content.decode()
    assert "Runway enabler" in page and "Plain feature" not in page
    page = client.get(board_url(train, red="1")).content.decode()
    assert "Runway enabler" not in page and "Plain feature" not in page


def test_viewer_sees_a_read_only_board(client, viewer, train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    client.force_login(viewer)
    page = client.get(board_url(train)).content.decode()
    assert feature.title in page and "Read-only" in page
    assert 'draggable="true"' not in page and "Move to…" not in page and "+ Feature" not in page


def test_outsider_gets_404(client, outsider, train, pi):
    client.force_login(outsider)
    assert client.get(board_url(train)).status_code == 404


def test_board_costs_the_same_queries_for_a_typical_and_a_large_train(client, rte, train, pi):
    client.force_login(rte)
    build_board(train, pi, teams=3, features_per_team=2, dependencies=3)
    client.get(board_url(train))
    with CaptureQueriesContext(connection) as small:
        client.get(board_url(train))
    build_board(train, pi, teams=9, features_per_team=8, dependencies=60)
    with CaptureQueriesContext(connection) as large:
        response = client.get(board_url(train))
    assert response.status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries) <= 9


def test_polling_answers_204_while_nothing_changed_and_the_board_after_a_change(
    client, rte, train, pi, team, iterations
):
    feature = FeatureFactory(train=train, pi=pi)
    client.force_login(rte)
    url = reverse("planning:board_changes", args=[train.slug])
    pi.refresh_from_db()
    assert client.get(url, {"pi": pi.pk, "since": pi.board_version}, **HTMX).status_code == 204
    services.feature_move(
        feature=feature, team_id=team.pk, iteration_id=iterations[0].pk, expected_version=feature.version
    )
    response = client.get(url, {"pi": pi.pk, "since": pi.board_version}, **HTMX)
    assert response.status_code == 200 and feature.title in response.content.decode()


# --- dialogs -----------------------------------------------------------------------------------------


def test_creating_a_feature_with_bad_input_shows_field_errors_and_saves_nothing(client, rte, train, pi):
    client.force_login(rte)
    url = reverse("planning:feature_new", args=[train.slug])
    response = client.post(
        url, {"pi": pi.pk, "title": "", "kind": "feature", "state": "funnel", "job_size": 4}, **HTMX
    )
    body = response.content.decode()
    # Refused input is a 422 like everywhere else; the dialog comes back with it on the fields.
    assert response.status_code == 422 and "field-error" in body
    assert "This field is required" in body and "Select a valid choice" in body
    assert not Feature.objects.filter(pi=pi).exists()


def test_creating_a_feature_on_the_board(client, rte, train, pi, team, iterations):
    client.force_login(rte)
    url = reverse("planning:feature_new", args=[train.slug])
    response = client.post(
        url,
        {
            "pi": pi.pk,
            "title": "Loyalty",
            "kind": "feature",
            "state": "backlog",
            "team": team.pk,
            "iteration": iterations[1].pk,
        },
        **HTMX,
    )
    assert response.status_code == 204 and "board:saved" in response["HX-Trigger"]
    feature = Feature.objects.get(title="Loyalty")
    assert (feature.pi, feature.team, feature.iteration, feature.state) == (
        pi,
        team,
        iterations[1],
        "backlog",
    )
    assert feature.state_changes.exists()


def test_a_stale_edit_is_refused_and_shows_the_current_version(client, rte, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, title="Original")
    services.feature_update(feature=feature, expected_version=1, title="Changed by Paul")
    client.force_login(rte)
    url = reverse("planning:feature_edit", args=[train.slug, feature.pk])
    response = client.post(url, {"title": "Mine", "kind": "feature", "state": "funnel", "version": 1}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this feature" in body and "Changed by Paul" in body
    feature.refresh_from_db()
    assert feature.title == "Changed by Paul"


def test_dependency_to_its_own_team_is_refused_with_a_field_message(client, rte, train, pi, team):
    client.force_login(rte)
    url = reverse("planning:dependency_new", args=[train.slug])
    response = client.post(
        url,
        {
            "pi": pi.pk,
            "requesting_team": team.pk,
            "providing_team": team.pk,
            "description": "x",
            "kind": "data",
            "state": "requested",
        },
        **HTMX,
    )
    assert "cannot depend on itself" in response.content.decode()
    assert not Dependency.objects.exists()


def test_milestone_outside_the_pi_is_refused(client, rte, train, pi):
    client.force_login(rte)
    url = reverse("planning:milestone_new", args=[train.slug])
    response = client.post(
        url, {"pi": pi.pk, "name": "Late", "date": "2030-01-01", "kind": "release"}, **HTMX
    )
    assert "Pick a date inside" in response.content.decode()
    assert not pi.milestones.exists()


@pytest.mark.parametrize(
    ("new_name", "edit_name", "factory", "noun"),
    [
        ("feature_new", "feature_edit", FeatureFactory, "feature"),
        ("dependency_new", "dependency_edit", DependencyFactory, "dependency"),
        ("milestone_new", "milestone_edit", MilestoneFactory, "milestone"),
    ],
)
def test_each_board_dialog_is_titled_for_its_object_and_posts_back_to_its_own_url(
    client, rte, train, pi, new_name, edit_name, factory, noun
):
    client.force_login(rte)
    new_url = reverse(f"planning:{new_name}", args=[train.slug])
    body = client.get(new_url, {"pi": pi.pk}, **HTMX).content.decode()
    assert f"New {noun} in {pi.name}" in body and f'hx-post="{new_url}"' in body
    thing = factory(train=train, pi=pi) if noun == "feature" else factory(pi=pi)
    edit_url = reverse(f"planning:{edit_name}", args=[train.slug, thing.pk])
    body = client.get(edit_url).content.decode()  # the page of its own, for a browser without JavaScript
    assert f"Edit {noun}" in body and f'action="{edit_url}"' in body


def test_the_board_picks_its_pi_with_the_planning_screens_picker(client, rte, train, pi):
    client.force_login(rte)
    body = client.get(board_url(train)).content.decode()
    assert 'class="pi-picker"' in body and ">Show</button>" in body
    assert "onchange" not in body  # choosing an option does not leave the page by itself (WCAG 3.2.2)


def test_scrum_master_cannot_place_milestones(client, scrum_master, train, pi):
    client.force_login(scrum_master)
    assert client.get(reverse("planning:milestone_new", args=[train.slug]), {"pi": pi.pk}).status_code == 403


def test_card_points_are_not_multiplied_by_its_dependencies(
    client, rte, train, pi, team, other_team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Counted once")
    StoryFactory(team=team, feature=feature, points=5)
    StoryFactory(team=team, feature=feature, points=3)
    for _ in range(3):
        DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team, requesting_feature=feature)
    client.force_login(rte)
    page = client.get(board_url(train)).content.decode()
    assert "8 pts" in page and "⇄3" in page


def test_a_card_shows_its_points_dependencies_and_objectives(
    scrum_master, train, pi, team, other_team, iterations
):
    from planning.factories import PIObjectiveFactory
    from planning.selectors import board_features

    busy = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Busy")
    quiet = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[1], title="Quiet")
    StoryFactory(team=team, feature=busy, points=5)
    StoryFactory(team=team, feature=busy, points=8)
    DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team, requesting_feature=busy)
    DependencyFactory(pi=pi, requesting_team=other_team, providing_team=team, providing_feature=busy)
    PIObjectiveFactory(pi=pi, team=team, is_committed=True).features.add(busy)
    PIObjectiveFactory(pi=pi, team=team, is_committed=False).features.add(busy)
    names = ("points", "dependency_count", "objective_count", "uncommitted_objective_count")

    cards = {card.pk: card for card in board_features(pi)}
    assert [getattr(cards[busy.pk], n) for n in names] == [13, 2, 2, 1]
    assert [getattr(cards[quiet.pk], n) for n in names] == [0, 0, 0, 0]


def test_dependency_table_loads_on_demand_and_works_as_a_page(client, rte, train, pi, team, other_team):
    DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team, description="schema v3")
    client.force_login(rte)
    url = reverse("planning:board_dependencies", args=[train.slug])
    assert '<table class="table compact">' not in client.get(board_url(train)).content.decode()
    table = client.get(url, {"pi": pi.pk}, **HTMX).content.decode()
    assert '<table class="table compact">' in table and "schema v3" in table
    assert "Back to the board" in client.get(url, {"pi": pi.pk}).content.decode()


def test_admin_state_change_goes_through_the_service_and_keeps_flow_history(client, train, pi):
    from django.contrib.auth import get_user_model

    from planning.models import FeatureStateChange
    from trains.factories import MembershipFactory

    # The admin acts as its user: a superuser changes a train's plan as the train's RTE.
    admin_user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    MembershipFactory(user=admin_user, train=train, role="rte")
    feature = FeatureFactory(train=train, pi=pi, state="backlog")
    client.force_login(admin_user)
    url = reverse("admin:planning_feature_change", args=[feature.pk])
    data = {
        "title": feature.title,
        "kind": "feature",
        "state": "done",
        "train": train.pk,
        "pi": pi.pk,
        "business_value": 5,
        "time_criticality": 3,
        "risk_reduction": 2,
        "job_size": 5,
        "description": "",
        "acceptance_criteria": "",
        "version": feature.version,
    }
    for prefix in ("stories", "state_changes", "blocked_periods"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    feature.refresh_from_db()
    assert feature.state == "done" and feature.done_at is not None
    assert FeatureStateChange.objects.filter(feature=feature, from_state="backlog", to_state="done").exists()
