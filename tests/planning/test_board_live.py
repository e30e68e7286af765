"""An open board kept live: each poll brings only what changed since the version the board shows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import services
from planning.factories import DependencyFactory, FeatureFactory
from planning.models import BoardChange
from planning.selectors import board as board_selectors
from planning.services.backlog import feature_pull
from planning.services.capacity import capacity_set
from planning.services.lifecycle import pi_transition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pi(upcoming_pi):
    return upcoming_pi


def poll(client, train, pi, since, **filters):
    url = reverse("planning:board_changes", args=[train.slug])
    return client.get(url, {"pi": pi.pk, "since": since, **filters}, **HTMX)


def version(pi) -> int:
    pi.refresh_from_db()
    return pi.board_version


def move(feature, team, iteration):
    feature.refresh_from_db()
    return services.feature_move(
        feature=feature,
        team_id=team.pk if team else None,
        iteration_id=iteration.pk if iteration else None,
        expected_version=feature.version,
    )


def test_a_remote_move_reaches_an_open_board_as_that_card_in_its_new_cell(
    client, viewer, train, pi, team, other_team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Checkout v2")
    FeatureFactory.create_batch(5, train=train, pi=pi, team=team, iteration=iterations[1])
    seen = version(pi)
    move(feature, other_team, iterations[2])

    response = poll(client.force_login(viewer) or client, train, pi, seen)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    changes = response.json()
    assert changes["version"] == version(pi) == seen + 1
    [card] = changes["cards"]
    assert (card["id"], card["cell"], card["version"]) == (
        feature.pk,
        f"cell-{other_team.pk}-{iterations[2].pk}",
        2,
    )
    assert card["html"].startswith(f'<article class="fc k-feature" id="f-{feature.pk}"')
    assert "Checkout v2" in card["html"]
    assert 'draggable="true"' not in card["html"]  # a viewer's board: nothing to drag
    assert changes["removed"] == [] and changes["strings"] == [] and changes["removed_strings"] == []


def test_a_planners_card_comes_draggable(client, rte, train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    seen = version(pi)
    move(feature, team, iterations[1])
    client.force_login(rte)
    [card] = poll(client, train, pi, seen).json()["cards"]
    assert 'draggable="true"' in card["html"] and "Move to…" in card["html"]


def test_the_strings_at_a_moved_card_come_re_rated_and_its_partner_card_too(
    client, rte, train, pi, team, other_team, iterations
):
    provider = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    consumer = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[1])
    string = DependencyFactory(
        pi=pi,
        requesting_team=other_team,
        providing_team=team,
        providing_feature=provider,
        requesting_feature=consumer,
        needed_by_iteration=iterations[1],
    )
    DependencyFactory.create_batch(3, pi=pi)  # strings elsewhere on the board: not sent
    seen = version(pi)
    move(provider, team, iterations[3])  # now planned after the iteration it is needed by

    client.force_login(rte)
    changes = poll(client, train, pi, seen).json()

    [rated] = changes["strings"]
    assert (rated["id"], rated["from"], rated["to"], rated["health"]) == (
        string.pk,
        provider.pk,
        consumer.pk,
        "conflict",
    )
    [card] = changes["cards"]
    assert card["id"] == provider.pk and 'class="fc k-feature red"' in card["html"]


def test_a_new_string_re_renders_both_its_cards_with_their_string_counts(
    client, rte, train, pi, team, other_team, iterations
):
    provider = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    consumer = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[1])
    seen = version(pi)
    string = services.dependency_create(
        pi=pi,
        requesting_team=other_team,
        providing_team=team,
        providing_feature=provider,
        requesting_feature=consumer,
        needed_by_iteration=iterations[1],
        description="Payment API",
    )
    client.force_login(rte)
    changes = poll(client, train, pi, seen).json()
    assert [s["id"] for s in changes["strings"]] == [string.pk]
    assert sorted(card["id"] for card in changes["cards"]) == sorted([provider.pk, consumer.pk])
    assert all("⇄1" in card["html"] for card in changes["cards"])


def test_a_card_leaving_the_pi_or_the_filtered_team_is_removed_from_the_board(
    client, rte, train, pi, team, other_team, iterations
):
    leaving = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    changing_team = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    seen = version(pi)
    move(leaving, None, None)
    leaving.refresh_from_db()
    feature_pull(feature=leaving, pi=None, team=None, expected_version=leaving.version, actor=rte)
    move(changing_team, other_team, iterations[0])

    client.force_login(rte)
    changes = poll(client, train, pi, seen, team=team.pk).json()
    assert changes["cards"] == []
    assert changes["removed"] == sorted([leaving.pk, changing_team.pk])
    # The unfiltered board still shows the card that changed team.
    unfiltered = poll(client, train, pi, seen).json()
    assert [card["id"] for card in unfiltered["cards"]] == [changing_team.pk]


def test_a_change_to_what_no_card_shows_brings_just_the_new_version(client, rte, train, pi, team, iterations):
    seen = version(pi)
    capacity_set(
        team=team,
        iteration=iterations[0],
        fte=5,
        days_off=0,
        capacity_override=None,
        expected_version=0,
        actor=rte,
    )
    client.force_login(rte)
    changes = poll(client, train, pi, seen).json()
    assert changes == {"version": seen + 1, "cards": [], "removed": [], "strings": [], "removed_strings": []}


@pytest.mark.parametrize("why", ["milestone", "red filter", "too far behind", "before the log"])
def test_a_board_that_cannot_be_patched_gets_its_whole_body(
    client, rte, train, pi, team, iterations, monkeypatch, why
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Whole body")
    seen = version(pi)
    filters = {}
    if why == "milestone":
        services.milestone_create(pi=pi, name="Beta", date=iterations[1].start_date, actor=rte)
    elif why == "red filter":
        move(feature, team, iterations[1])
        filters = {"red": "1"}
    elif why == "too far behind":
        monkeypatch.setattr(board_selectors, "DELTA_LIMIT", 2)
        for iteration in (iterations[1], iterations[2], iterations[3]):
            move(feature, team, iteration)
    else:  # a board opened before the change log existed
        move(feature, team, iterations[1])
        BoardChange.objects.all().delete()
        seen -= 1
    client.force_login(rte)
    response = poll(client, train, pi, seen, **filters)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert 'id="board-poll"' in response.content.decode()


def test_a_poll_costs_the_same_queries_and_about_the_same_bytes_whatever_the_board_size(
    client, rte, train, pi, team, other_team, iterations
):
    def measure(extra_cards: int) -> tuple[int, int]:
        FeatureFactory.create_batch(extra_cards, train=train, pi=pi, team=team, iteration=iterations[1])
        DependencyFactory.create_batch(extra_cards // 4, pi=pi)
        feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Same")
        seen = version(pi)
        move(feature, other_team, iterations[2])
        with CaptureQueriesContext(connection) as queries:
            response = poll(client, train, pi, seen)
        assert response.status_code == 200
        return len(queries), len(response.content)

    client.force_login(rte)
    small_queries, small_bytes = measure(2)
    large_queries, large_bytes = measure(120)
    assert small_queries == large_queries <= 8
    assert large_bytes < 2_000 and abs(large_bytes - small_bytes) < 50


def test_closing_a_pi_drops_its_change_log_and_open_boards_reload(client, rte, train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    seen = version(pi)
    move(feature, team, iterations[1])
    pi.state = pi.State.EXECUTING
    pi.save(update_fields=["state"])
    pi_transition(pi=pi, to_state=pi.State.CLOSED, actor=rte, confirm_unscored=True)
    assert list(BoardChange.objects.filter(pi=pi).values_list("version", "kind")) == [(version(pi), "board")]
    client.force_login(rte)
    response = poll(client, train, pi, seen)
    assert response["Content-Type"].startswith("text/html")


def test_every_change_notes_what_it_touched_in_the_same_transaction(train, pi, team, rte, iterations):
    feature = services.feature_create(train=train, title="Noted", pi=pi, team=team, actor=rte)
    services.milestone_create(pi=pi, name="Demo", date=pi.start_date + dt.timedelta(days=3), actor=rte)
    changes = list(
        BoardChange.objects.filter(pi=pi).order_by("version").values_list("version", "kind", "object_id")
    )
    assert changes == [
        (version(pi) - 1, "feature", feature.pk),
        (version(pi), "board", None),
    ]
