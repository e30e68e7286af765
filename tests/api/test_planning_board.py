"""The program board's API: versions over HTTP, filters, the board in one read, its query budget,
and no 500 for any input. Who may call what is in tests/api/rows/planning_board.py."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench import api as api_bench
from bench import board as board_bench
from planning.factories import (
    DependencyFactory,
    FeatureFactory,
    MilestoneFactory,
    PIObjectiveFactory,
    ProgramIncrementFactory,
    StoryFactory,
)
from planning.models import Dependency, Feature, FeatureStateChange, ProgramIncrement
from trains.factories import TeamFactory
from trains.services import api_token_create

from .world import build_world

pytestmark = pytest.mark.django_db
State = ProgramIncrement.State


def url(name: str, *args, slug: str = "orbit") -> str:
    return reverse(f"planning-api:{name}", args=[slug, *args])


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def rte(world):
    return world.client("rte")


def running_pi(world, name="PI 9"):
    """A PI whose iterations have not ended (the world's PI 7 is in the past)."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    return ProgramIncrementFactory(train=world.train, name=name, start_date=monday)


def post(client, path, body=None, version=None):
    headers = {"HTTP_IF_MATCH": f'"{version}"'} if version is not None else {}
    return client.post(path, body or {}, format="json", **headers)


def patch(client, path, body, version=None):
    headers = {"HTTP_IF_MATCH": f'"{version}"'} if version is not None else {}
    return client.patch(path, body, format="json", **headers)


# --- versions over HTTP ------------------------------------------------------------------------


def test_a_feature_answers_with_its_version_as_etag(world, rte):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a)

    response = rte.get(url("feature-detail", feature.pk))

    assert response.status_code == 200
    assert response["ETag"] == f'"{feature.version}"'
    assert response.json()["wsjf"] == pytest.approx(2.0)


def test_a_stale_edit_is_refused_with_412_and_the_current_feature_and_changes_nothing(world, rte):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a, title="Old")
    assert (
        patch(rte, url("feature-detail", feature.pk), {"title": "Theirs"}, feature.version).status_code == 200
    )

    response = patch(rte, url("feature-detail", feature.pk), {"title": "Mine"}, feature.version)

    assert response.status_code == 412
    body = response.json()
    assert body["code"] == "stale" and body["current"]["title"] == "Theirs"
    assert response["ETag"] == f'"{feature.version + 1}"'
    feature.refresh_from_db()
    assert (feature.title, feature.version) == ("Theirs", 2)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("feature-state", {"state": "implementing"}),
        ("feature-blocked", {"blocked": True, "reason": "sandbox"}),
        ("feature-move", {"team": None, "iteration": None}),
    ],
)
def test_a_stale_action_on_a_feature_is_refused_with_412_and_changes_nothing(world, rte, name, body):
    pi = running_pi(world)
    first = pi.iterations.get(number=1)
    feature = FeatureFactory(train=world.train, pi=pi, team=world.team_a, iteration=first, version=3)

    response = post(rte, url(name, feature.pk), body, version=2)

    assert response.status_code == 412, response.json()
    assert response.json()["current"]["version"] == 3
    feature.refresh_from_db()
    assert (feature.version, feature.state, feature.is_blocked, feature.team_id) == (
        3,
        Feature.State.BACKLOG,
        False,
        world.team_a.pk,
    )
    assert not FeatureStateChange.objects.filter(feature=feature).exists()


@pytest.mark.parametrize(
    ("method", "name", "body"),
    [
        ("post", "feature-move", {"team": None, "iteration": None}),
        ("post", "feature-state", {"state": "implementing"}),
        ("post", "feature-blocked", {"blocked": True}),
        ("patch", "feature-detail", {"title": "New"}),
    ],
)
def test_a_versioned_write_without_if_match_is_refused_with_428(world, rte, method, name, body):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a)

    response = getattr(rte, method)(url(name, feature.pk), body, format="json")

    assert response.status_code == 428
    assert response.json()["code"] == "version_required"
    feature.refresh_from_db()
    assert feature.version == 1


def test_dependency_and_milestone_writes_need_if_match_and_refuse_a_stale_one(world, rte):
    dependency = DependencyFactory(pi=world.pi, requesting_team=world.team_a, providing_team=world.team_b)
    milestone = MilestoneFactory(pi=world.pi)

    assert patch(rte, url("dependency-detail", dependency.pk), {"state": "committed"}).status_code == 428
    assert patch(rte, url("milestone-detail", milestone.pk), {"name": "X"}).status_code == 428
    assert patch(rte, url("dependency-detail", dependency.pk), {"state": "committed"}, 1).status_code == 200
    stale = patch(rte, url("dependency-detail", dependency.pk), {"state": "blocked"}, 1)

    assert stale.status_code == 412
    assert stale.json()["current"]["state"] == "committed"
    assert stale.json()["current"]["health"] == "conflict"  # no providing feature planned
    dependency.refresh_from_db()
    assert (dependency.state, dependency.version) == ("committed", 2)


# --- features ----------------------------------------------------------------------------------


def test_a_move_plans_the_card_and_answers_with_its_new_version(world):
    pi = running_pi(world)
    first, second = pi.iterations.order_by("number")[:2]
    feature = FeatureFactory(train=world.train, pi=pi, team=world.team_a, iteration=first)

    response = post(
        world.client("sm"),
        url("feature-move", feature.pk),
        {"team": world.team_a.pk, "iteration": second.pk},
        feature.version,
    )

    assert response.status_code == 200, response.json()
    assert response.json()["iteration"] == second.pk
    assert response["ETag"] == '"2"'


def test_a_move_to_another_teams_row_is_refused_for_a_scrum_master(world):
    pi = running_pi(world)
    first = pi.iterations.get(number=1)
    feature = FeatureFactory(train=world.train, pi=pi, team=world.team_a, iteration=first)

    response = post(
        world.client("sm"),
        url("feature-move", feature.pk),
        {"team": world.team_b.pk, "iteration": first.pk},
        feature.version,
    )

    assert response.status_code == 403
    feature.refresh_from_db()
    assert feature.team_id == world.team_a.pk


def test_a_move_into_an_ended_iteration_is_refused_on_the_field(world, rte):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a)
    ended = world.pi.iterations.get(number=1)

    response = post(
        rte,
        url("feature-move", feature.pk),
        {"team": world.team_a.pk, "iteration": ended.pk},
        feature.version,
    )

    assert response.status_code == 422
    assert "ended" in response.json()["fields"]["iteration"][0]


def test_a_feature_is_created_in_its_state_and_a_closed_pi_refuses_it(world, rte):
    created = rte.post(
        url("feature-list"),
        {"title": "Checkout", "pi": world.pi.pk, "team": world.team_a.pk, "state": "analyzing"},
        format="json",
    )
    closed = ProgramIncrementFactory(train=world.train, name="PI 6", state=State.CLOSED)
    refused = rte.post(url("feature-list"), {"title": "Late", "pi": closed.pk}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["state"] == "analyzing" and created["ETag"] == '"2"'
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert not Feature.objects.filter(title="Late").exists()


def test_blocking_a_feature_keeps_the_reason(world, rte):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a)

    response = post(rte, url("feature-blocked", feature.pk), {"blocked": True, "reason": "sandbox"}, 1)

    assert response.status_code == 200 and response.json()["is_blocked"] is True
    assert feature.blocked_periods.get().reason == "sandbox"


def test_features_are_filtered_and_ordered(world, rte):
    other_pi = ProgramIncrementFactory(
        train=world.train, name="PI 8", start_date=world.pi.end_date + timedelta(1)
    )
    iteration = world.pi.iterations.get(number=2)
    mine = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a, iteration=iteration, title="B")
    FeatureFactory(train=world.train, pi=world.pi, team=world.team_a, title="A", kind="enabler")
    FeatureFactory(
        train=world.train, pi=world.pi, team=world.team_b, title="C", state="done", done_at=timezone.now()
    )
    FeatureFactory(train=world.train, pi=other_pi, team=world.team_a, title="D")

    def titles(**query):
        response = rte.get(url("feature-list"), query)
        assert response.status_code == 200, response.json()
        return [row["title"] for row in response.json()["results"]]

    assert titles(pi=world.pi.pk, team=world.team_a.pk, ordering="title") == ["A", "B"]
    assert titles(iteration=iteration.pk) == [mine.title]
    assert titles(state="done") == ["C"]
    assert titles(kind="enabler") == ["A"]
    assert titles(ordering="-title") == ["D", "C", "B", "A"]


@pytest.mark.parametrize(
    "query",
    [{"state": "nope"}, {"team": "abc"}, {"team": str(10**30)}, {"pi": "-1"}, {"ordering": "secret"}],
)
def test_a_bad_filter_is_refused_with_422_or_ignored_never_a_500(world, rte, query):
    response = rte.get(url("feature-list"), query)

    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert set(response.json()) >= {"code", "message", "fields"}


def test_features_of_another_train_are_not_there(world, rte):
    elsewhere = FeatureFactory(title="Not yours")

    assert rte.get(url("feature-detail", elsewhere.pk)).status_code == 404
    assert "Not yours" not in rte.get(url("feature-list")).content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {"team": 10**30, "iteration": 10**30},
        {"team": "abc", "iteration": 1},
        {"team": 1},
        {"team": True, "iteration": False},
        [],
        "text",
    ],
)
def test_a_move_with_a_bad_body_is_refused_with_422(world, rte, body):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a)

    response = post(rte, url("feature-move", feature.pk), body, feature.version)

    assert response.status_code == 422, response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"title": "X", "team": 10**30},
        {"title": "X", "pi": "abc"},
        {"title": "X", "kind": "epic"},
        {"title": "X", "job_size": 4},
        {"title": ""},
        {},
    ],
)
def test_a_new_feature_with_a_bad_body_is_refused_with_422(world, rte, body):
    response = rte.post(url("feature-list"), body, format="json")

    assert response.status_code == 422, response.json()
    assert not Feature.objects.exists()


def test_a_team_of_another_train_is_an_unknown_team(world, rte):
    stranger = TeamFactory()

    response = rte.post(url("feature-list"), {"title": "X", "team": stranger.pk}, format="json")

    assert response.status_code == 422
    assert "team" in response.json()["fields"]


def test_ids_too_large_in_the_path_are_not_found(world, rte):
    huge = 10**20
    assert rte.get(url("feature-detail", huge)).status_code == 404
    assert rte.get(url("pi-board", huge)).status_code == 404
    assert rte.get(url("iteration-detail", huge, huge)).status_code == 404


# --- dependencies ------------------------------------------------------------------------------


def test_dependencies_are_filtered_by_health_state_and_team(world, rte):
    third = TeamFactory(train=world.train, name="Mercury")
    i1, i2 = world.pi.iterations.order_by("number")[:2]
    provider = FeatureFactory(train=world.train, pi=world.pi, team=world.team_b, iteration=i1)
    late = FeatureFactory(
        train=world.train, pi=world.pi, team=world.team_b, iteration=world.pi.iterations.get(number=4)
    )
    healthy = DependencyFactory(
        pi=world.pi,
        requesting_team=world.team_a,
        providing_team=world.team_b,
        providing_feature=provider,
        needed_by_iteration=i2,
    )
    red = DependencyFactory(
        pi=world.pi,
        requesting_team=world.team_a,
        providing_team=world.team_b,
        providing_feature=late,
        needed_by_iteration=i2,
    )
    elsewhere = DependencyFactory(
        pi=world.pi, requesting_team=third, providing_team=world.team_b, state="blocked"
    )

    def ids(**query):
        response = rte.get(url("dependency-list"), query)
        assert response.status_code == 200, response.json()
        return {row["id"]: row["health"] for row in response.json()["results"]}

    assert ids(health="conflict") == {red.pk: "conflict", elsewhere.pk: "conflict"}
    assert ids(health="healthy") == {healthy.pk: "healthy"}
    assert ids(team=third.pk) == {elsewhere.pk: "conflict"}
    assert set(ids(team=world.team_b.pk)) == {healthy.pk, red.pk, elsewhere.pk}
    assert set(ids(state="blocked")) == {elsewhere.pk}
    assert rte.get(url("dependency-list"), {"health": "purple"}).status_code == 422


def test_a_new_dependency_answers_with_its_health(world):
    response = world.client("sm_other").post(
        url("dependency-list"),
        {
            "pi": world.pi.pk,
            "requesting_team": world.team_a.pk,
            "providing_team": world.team_b.pk,
            "description": "Payments API",
            "owner": "sm_other",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["health"] == "conflict" and response.json()["owner"] == "sm_other"


def test_a_dependency_on_its_own_team_is_refused_on_the_field(world, rte):
    response = rte.post(
        url("dependency-list"),
        {
            "pi": world.pi.pk,
            "requesting_team": world.team_a.pk,
            "providing_team": world.team_a.pk,
            "description": "X",
        },
        format="json",
    )

    assert response.status_code == 422
    assert "providing_team" in response.json()["fields"]
    assert not Dependency.objects.exists()


# --- PIs -------------------------------------------------------------------------------------


def test_a_pi_goes_through_its_lifecycle_as_on_the_pi_page(world, rte):
    pi = ProgramIncrementFactory(
        train=world.train, name="PI 8", state=State.DRAFT, start_date=world.pi.end_date + timedelta(1)
    )
    world.pi.state = State.CLOSED
    world.pi.save(update_fields=["state"])

    assert post(rte, url("pi-start-planning", pi.pk)).json()["state"] == "planning"
    refused = post(rte, url("pi-execute", pi.pk))
    assert refused.status_code == 422 and "to_state" in refused.json()["fields"]
    pi.committed_at = timezone.now()
    pi.save(update_fields=["committed_at"])
    PIObjectiveFactory(pi=pi, team=world.team_a)
    assert post(rte, url("pi-execute", pi.pk)).json()["state"] == "executing"

    unscored = post(rte, url("pi-close", pi.pk))
    assert unscored.status_code == 422 and "confirm_unscored" in unscored.json()["fields"]
    closed = post(rte, url("pi-close", pi.pk), {"confirm_unscored": True})
    assert closed.json()["state"] == "closed" and closed.json()["next_state"] is None

    assert post(rte, url("pi-reopen", pi.pk), {"reason": ""}).status_code == 422
    reopened = post(rte, url("pi-reopen", pi.pk), {"reason": "A wrong score"})
    assert reopened.status_code == 200
    assert reopened.json()["state"] == "executing"
    assert reopened.json()["reopenings"][0] == {
        "reopened_at": reopened.json()["reopenings"][0]["reopened_at"],
        "reopened_by": "rte",
        "reason": "A wrong score",
    }


def test_a_pi_is_created_with_its_iterations(world, rte):
    response = rte.post(
        url("pi-list"), {"name": "PI 8", "start_date": "2027-01-04", "iteration_count": 4}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert [it["label"] for it in response.json()["iterations"]] == ["I1", "I2", "I3", "IP"]
    duplicate = rte.post(url("pi-list"), {"name": "PI 8", "start_date": "2027-01-04"}, format="json")
    assert duplicate.status_code == 422 and "name" in duplicate.json()["fields"]


def test_business_owners_are_named_by_username_and_must_hold_the_role(world, rte):
    ok = rte.put(url("pi-business-owners", world.pi.pk), {"business_owners": ["bo"]}, format="json")
    refused = rte.put(url("pi-business-owners", world.pi.pk), {"business_owners": ["sm"]}, format="json")
    unknown = rte.put(
        url("pi-business-owners", world.pi.pk), {"business_owners": ["outsider"]}, format="json"
    )

    assert ok.status_code == 200 and ok.json()["business_owners"] == ["bo"]
    assert refused.status_code == 422
    assert unknown.status_code == 422
    assert list(world.pi.business_owners.values_list("username", flat=True)) == ["bo"]


def test_iteration_dates_that_overlap_are_refused_on_the_field(world, rte):
    first, second = world.pi.iterations.order_by("number")[:2]

    response = patch(
        rte, url("iteration-detail", world.pi.pk, first.pk), {"end_date": str(second.start_date)}
    )

    assert response.status_code == 422 and "end_date" in response.json()["fields"]
    assert rte.get(url("iteration-detail", world.pi.pk, second.pk)).json()["label"] == "I2"
    other = ProgramIncrementFactory(
        train=world.train, name="PI 8", start_date=world.pi.end_date + timedelta(1)
    )
    assert rte.get(url("iteration-detail", other.pk, first.pk)).status_code == 404


# --- the board ---------------------------------------------------------------------------------


def test_the_board_is_one_read_with_cards_figures_strings_and_counts(world):
    i1, i2, i3 = world.pi.iterations.order_by("number")[:3]
    provider = FeatureFactory(train=world.train, pi=world.pi, team=world.team_b, iteration=i3, title="API")
    wanting = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a, iteration=i2, title="UI")
    unplanned = FeatureFactory(train=world.train, pi=world.pi, title="Later")
    StoryFactory(team=world.team_a, feature=wanting, points=5)
    StoryFactory(team=world.team_a, feature=wanting, points=3)
    red = DependencyFactory(
        pi=world.pi,
        requesting_team=world.team_a,
        providing_team=world.team_b,
        requesting_feature=wanting,
        providing_feature=provider,
        needed_by_iteration=i2,
    )
    DependencyFactory(
        pi=world.pi,
        requesting_team=world.team_b,
        providing_team=world.team_a,
        providing_feature=wanting,
        needed_by_iteration=i2,
    )
    MilestoneFactory(pi=world.pi, name="Release", date=i1.start_date)

    response = world.client("viewer").get(url("pi-board", world.pi.pk))

    assert response.status_code == 200
    board = response.json()
    assert "ETag" not in response
    assert [team["name"] for team in board["teams"]] == ["Apollo", "Gemini"]
    assert [it["label"] for it in board["iterations"]][-1] == "IP"
    cards = {card["title"]: card for card in board["cards"]}
    assert [card["title"] for card in board["cards"]] == ["UI", "API", "Later"]
    assert cards["UI"]["points"] == 8 and cards["UI"]["dependency_count"] == 2
    assert cards["UI"]["on_red_string"] and not cards["Later"]["on_red_string"]
    assert cards["Later"]["team"] is None and unplanned.pk == cards["Later"]["id"]
    strings = {string["id"]: string for string in board["strings"]}
    assert strings[red.pk]["health"] == "conflict"
    assert strings[red.pk]["providing_feature"] == provider.pk
    assert (board["red_count"], board["amber_count"]) == (1, 1)
    assert board["milestones"][0]["iteration"] == i1.pk

    only_a = world.client("viewer").get(
        url("pi-board", world.pi.pk), {"team": world.team_a.pk, "red": "true"}
    )
    assert [card["title"] for card in only_a.json()["cards"]] == ["UI"]
    assert only_a.json()["red_count"] == 1
    assert world.client("viewer").get(url("pi-board", world.pi.pk), {"kind": "epic"}).status_code == 422


def _board_of(world, name, features, dependencies, teams):
    """A PI with `features` cards over `teams` extra teams and `dependencies` strings (bulk: the
    shape matters here, not how it was made)."""
    pi = ProgramIncrementFactory(train=world.train, name=name, start_date=world.pi.end_date + timedelta(1))
    team_rows = [world.team_a, world.team_b] + [
        TeamFactory(train=world.train, name=f"{name} team {n}") for n in range(teams)
    ]
    iterations = list(pi.iterations.order_by("number"))
    cards = Feature.objects.bulk_create(
        Feature(
            train=world.train,
            pi=pi,
            team=team_rows[n % len(team_rows)],
            iteration=iterations[n % (len(iterations) - 1)],
            title=f"{name} {n}",
            job_size=5,
        )
        for n in range(features)
    )
    Dependency.objects.bulk_create(
        Dependency(
            pi=pi,
            requesting_team=cards[n].team,
            providing_team=cards[n + 1].team,
            requesting_feature=cards[n],
            providing_feature=cards[n + 1],
            needed_by_iteration=cards[n].iteration,
            description=f"need {n}",
            created_at=timezone.now(),
        )
        for n in range(dependencies)
    )
    MilestoneFactory(pi=pi, date=iterations[1].start_date)
    return pi


def _queries(client, path, query=None) -> int:
    client.get(path, query)  # warm: the token's last-used time is written once a minute
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, query)
    assert response.status_code == 200
    return len(captured)


def test_the_board_costs_the_same_few_queries_for_a_typical_and_a_large_train(world):
    typical = _board_of(world, "Typical", features=40, dependencies=30, teams=6)
    large = _board_of(world, "Large", features=400, dependencies=300, teams=10)
    client = world.client("viewer")

    small, big = _queries(client, url("pi-board", typical.pk)), _queries(client, url("pi-board", large.pk))

    assert small == big <= 12
    assert len(client.get(url("pi-board", large.pk)).json()["cards"]) == 400


def test_a_page_of_100_features_costs_the_same_few_queries_with_100_or_400_on_the_train(world):
    client = world.client("viewer")
    _board_of(world, "First", features=100, dependencies=0, teams=0)
    hundred = _queries(client, url("feature-list"))
    _board_of(world, "More", features=300, dependencies=0, teams=0)
    four_hundred = _queries(client, url("feature-list"))

    page = client.get(url("feature-list"))
    assert len(page.json()["results"]) == 100 and page.json()["next"]
    assert hundred == four_hundred <= 6


def test_the_api_bench_measures_the_board_read_against_its_own_sql(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    train, pi = board_bench.build(
        "bench-api-smoke", teams=3, iterations=3, features=12, dependencies=4, milestones=1
    )
    _, raw = api_token_create(user=train.memberships.get().user, name="smoke")

    figures = api_bench.measure_board(Client(), raw, train, pi)

    assert 0 < figures["queries"] <= 12 and figures["ratio"] > 0
