"""Moving a card on the program board: where it may go, who may move it, what the mover gets back."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from planning import services
from planning.factories import (
    DependencyFactory,
    FeatureFactory,
    ProgramIncrementFactory,
)
from planning.models import Feature
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


# --- moving ------------------------------------------------------------------------------------------


def test_rte_moves_a_card_and_gets_only_what_changed_back(
    client, rte, train, pi, team, other_team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Checkout v2")
    needs = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[1])
    DependencyFactory(
        pi=pi,
        requesting_team=other_team,
        providing_team=team,
        requesting_feature=needs,
        providing_feature=feature,
        needed_by_iteration=iterations[1],
    )
    client.force_login(rte)
    response = client.post(
        move_url(train, feature),
        {"team": team.pk, "iteration": iterations[2].pk, "version": feature.version},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    # The mover's board already shows the card: the answer names its new place and version, and
    # sends the strings it provides (now red: planned after I2) and the counters, not the card.
    moved = json.loads(response["HX-Trigger"])["board:moved"]
    assert (moved["id"], moved["cell"], moved["version"]) == (
        feature.pk,
        f"cell-{team.pk}-{iterations[2].pk}",
        2,
    )
    assert [s["health"] for s in moved["strings"]] == ["conflict"]
    assert 'id="red-count"' not in body  # the board recounts from its strings
    assert "Checkout v2" not in body
    feature.refresh_from_db()
    assert (feature.team, feature.iteration, feature.version) == (team, iterations[2], 2)


def test_a_move_costs_at_most_nine_queries(client, rte, train, pi, team, other_team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[1])  # the PI has changed before
    client.force_login(rte)
    client.post(
        move_url(train, feature), {"team": team.pk, "iteration": iterations[2].pk, "version": 1}, **HTMX
    )
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            move_url(train, feature),
            {"team": other_team.pk, "iteration": iterations[1].pk, "version": 2},
            **HTMX,
        )
    assert response.status_code == 200
    # The test runs inside a transaction, so the move's own one shows as savepoints: not queries.
    queries = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # Reads: user, roles, card; writes: the move, its history, the board's version and change log,
    # the figures' stale mark; then the strings the card provides. Flat whatever the board's size.
    assert len(queries) <= 9, queries


def test_the_move_brings_the_movers_board_to_the_new_version_so_its_next_poll_is_empty(
    client, rte, train, pi, team, other_team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    pi.refresh_from_db()
    seen = pi.board_version
    client.force_login(rte)
    response = client.post(
        move_url(train, feature),
        {"team": other_team.pk, "iteration": iterations[2].pk, "version": 1, "board_version": seen},
        **HTMX,
    )
    event = json.loads(response["HX-Trigger"])["board:moved"]
    assert event["board_version"] == seen + 1
    poll = reverse("planning:board_changes", args=[train.slug])
    assert client.get(poll, {"pi": pi.pk, "since": event["board_version"]}, **HTMX).status_code == 204


def test_a_mover_whose_board_missed_another_change_is_not_told_it_is_current(
    client, rte, train, pi, team, other_team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    pi.refresh_from_db()
    seen = pi.board_version
    services.feature_create(train=train, pi=pi, title="Added by someone else")  # the mover has not seen it
    client.force_login(rte)
    response = client.post(
        move_url(train, feature),
        {"team": other_team.pk, "iteration": iterations[2].pk, "version": 1, "board_version": seen},
        **HTMX,
    )
    assert json.loads(response["HX-Trigger"])["board:moved"]["board_version"] is None
    # Its board keeps the version it showed, so its next poll brings what it missed.
    poll = reverse("planning:board_changes", args=[train.slug])
    response = client.get(poll, {"pi": pi.pk, "since": seen}, **HTMX)
    assert response.status_code == 200 and "Added by someone else" in response.content.decode()


def test_a_not_done_feature_cannot_be_moved_into_an_iteration_that_has_ended(
    client, rte, train, team, other_team
):
    today = timezone.localdate()
    running = ProgramIncrementFactory(
        train=train, name="PI 6", start_date=today - dt.timedelta(days=today.weekday() + 21)
    )
    ended, current = running.iterations.order_by("number")[:2]
    assert ended.end_date < today <= current.end_date or current.start_date > today
    feature = FeatureFactory(train=train, pi=running, team=team, iteration=current)
    client.force_login(rte)
    response = client.post(
        move_url(train, feature), {"team": other_team.pk, "iteration": ended.pk, "version": 1}, **HTMX
    )
    assert response.status_code == 422
    assert f"{ended.label} ended on" in response.content.decode()
    feature.refresh_from_db()
    assert (feature.team, feature.iteration, feature.version) == (team, current, 1)

    with pytest.raises(ValidationError) as refused:
        services.feature_move(feature=feature, team_id=team.pk, iteration_id=ended.pk, expected_version=1)
    assert "not done" in refused.value.message_dict["iteration"][0]


def test_a_done_feature_may_still_be_recorded_in_the_ended_iteration_it_finished_in(train, team):
    today = timezone.localdate()
    running = ProgramIncrementFactory(
        train=train, name="PI 6", start_date=today - dt.timedelta(days=today.weekday() + 21)
    )
    ended, current = running.iterations.order_by("number")[:2]
    feature = FeatureFactory(
        train=train,
        pi=running,
        team=team,
        iteration=current,
        state=Feature.State.DONE,
        done_at=timezone.now(),
    )
    moved = services.feature_move(feature=feature, team_id=team.pk, iteration_id=ended.pk, expected_version=1)
    assert moved.iteration_id == ended.pk


def test_a_move_to_another_trains_team_or_another_pis_iteration_is_refused_on_the_field(
    client, rte, train, pi, team, other_team, iterations
):
    from planning.factories import ProgramIncrementFactory
    from trains.factories import TrainFactory

    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    foreign_team = TeamFactory(train=TrainFactory())
    later_pi = ProgramIncrementFactory(train=train, name="Later", start_date=iterations[-1].end_date)
    later_iteration = later_pi.iterations.order_by("number").first()
    client.force_login(rte)

    wrong_team = client.post(
        move_url(train, feature),
        {"team": foreign_team.pk, "iteration": iterations[1].pk, "version": 1},
        **HTMX,
    )
    assert wrong_team.status_code == 422
    assert "That team is not on this train." in wrong_team.content.decode()
    wrong_iteration = client.post(
        move_url(train, feature), {"team": other_team.pk, "iteration": later_iteration.pk, "version": 1}
    )
    assert "That iteration is not in this feature&#x27;s PI." in wrong_iteration.content.decode()
    with pytest.raises(ValidationError) as refused:
        services.feature_move(
            feature=feature, team_id=foreign_team.pk, iteration_id=later_iteration.pk, expected_version=1
        )
    assert set(refused.value.message_dict) == {"team", "iteration"}
    feature.refresh_from_db()
    assert (feature.team, feature.iteration, feature.version) == (team, iterations[0], 1)


def test_a_move_with_an_id_no_row_can_have_is_refused_on_the_field(client, rte, train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    client.force_login(rte)
    for team_id in ("99999999999999999999", "-3", "0"):
        response = client.post(
            move_url(train, feature), {"team": team_id, "iteration": iterations[1].pk, "version": 1}, **HTMX
        )
        assert response.status_code == 422, team_id
    feature.refresh_from_db()
    assert (feature.iteration, feature.version) == (iterations[0], 1)


def test_a_feature_in_no_pi_is_pulled_into_one_before_it_is_planned(train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=None)
    with pytest.raises(ValidationError) as refused:
        services.feature_move(
            feature=feature, team_id=team.pk, iteration_id=iterations[0].pk, expected_version=1
        )
    assert "Pull the feature into a PI" in str(refused.value.message_dict["iteration"])
    feature.refresh_from_db()
    assert (feature.pi, feature.iteration, feature.version) == (None, None, 1)


def test_a_stale_move_is_refused_with_a_message_and_nothing_changes(
    client, rte, train, pi, team, other_team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    services.feature_move(
        feature=feature, team_id=team.pk, iteration_id=iterations[1].pk, expected_version=1
    )  # someone else
    client.force_login(rte)
    response = client.post(
        move_url(train, feature), {"team": other_team.pk, "iteration": iterations[3].pk, "version": 1}, **HTMX
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    # The one refusal contract (trains/refusals.py): app.js shows the text, board.js then reloads.
    assert response["Content-Type"] == "text/plain; charset=utf-8" and response["HX-Reswap"] == "none"
    feature.refresh_from_db()
    assert (feature.team, feature.iteration, feature.version) == (team, iterations[1], 2)


def test_a_drag_with_input_no_form_sends_is_refused_with_a_message_not_a_bare_status(
    client, rte, train, pi, team, iterations
):
    from trains.forms import MISSING_VERSION

    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    client.force_login(rte)

    response = client.post(move_url(train, feature), {"team": team.pk, "iteration": iterations[1].pk}, **HTMX)

    assert response.status_code == 422
    assert response["Content-Type"] == "text/plain; charset=utf-8" and response["HX-Reswap"] == "none"
    assert response.content.decode() == MISSING_VERSION  # a sentence, never a bare "(422)"
    feature.refresh_from_db()
    assert (feature.iteration, feature.version) == (iterations[0], 1)


def test_scrum_master_moves_their_team_features_but_not_others(
    client, scrum_master, train, pi, team, other_team, iterations
):
    own = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    theirs = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[0])
    client.force_login(scrum_master)
    ok = client.post(
        move_url(train, own), {"team": team.pk, "iteration": iterations[1].pk, "version": 1}, **HTMX
    )
    assert ok.status_code == 200
    refused = client.post(
        move_url(train, theirs), {"team": other_team.pk, "iteration": iterations[1].pk, "version": 1}, **HTMX
    )
    assert refused.status_code == 403
    theirs.refresh_from_db()
    assert theirs.iteration == iterations[0]
    handed_over = client.post(
        move_url(train, own), {"team": other_team.pk, "iteration": iterations[1].pk, "version": 2}, **HTMX
    )
    assert handed_over.status_code == 403


def test_viewer_cannot_move_anything(client, viewer, train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    client.force_login(viewer)
    response = client.post(
        move_url(train, feature), {"team": team.pk, "iteration": iterations[1].pk, "version": 1}, **HTMX
    )
    assert response.status_code == 403
    feature.refresh_from_db()
    assert feature.iteration == iterations[0] and feature.version == 1


def test_move_with_only_a_team_gets_a_clear_message(client, rte, train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    client.force_login(rte)
    response = client.post(move_url(train, feature), {"team": team.pk, "iteration": "", "version": 1})
    assert "Choose both a team and an iteration" in response.content.decode()
    feature.refresh_from_db()
    assert feature.iteration == iterations[0]


def test_keyboard_move_page_works_without_javascript(client, rte, train, pi, team, other_team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    client.force_login(rte)
    assert "Move “" in client.get(move_url(train, feature)).content.decode()
    response = client.post(
        move_url(train, feature), {"team": other_team.pk, "iteration": iterations[1].pk, "version": 1}
    )
    assert response.status_code == 302
    feature.refresh_from_db()
    assert feature.team == other_team


def test_the_strings_a_move_answers_with_agree_with_the_board(train, pi, team, other_team, iterations):
    """The move reads only the strings its card provides (their health is the only one a move can
    change): health and labels equal the board's."""
    from planning.selectors import board_strings, strings_after_move

    moved = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[2], title="Moved")
    early = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[0], title="Early")
    for needed_by, provider, state in [
        (iterations[1], moved, "requested"),  # provider after needed-by: red
        (iterations[2], moved, "committed"),  # same iteration: amber
        (iterations[3], moved, "delivered"),  # resolved
        (iterations[1], early, "requested"),  # healthy; the moved card needs it, its health stays
        (iterations[0], None, "blocked"),  # red, not touching
    ]:
        DependencyFactory(
            pi=pi,
            requesting_team=other_team if provider is moved else team,
            providing_team=team if provider is moved else other_team,
            requesting_feature=early if provider is moved else moved if provider is early else None,
            providing_feature=provider,
            needed_by_iteration=needed_by,
            state=state,
            description=f"thing needed by {needed_by.label}",
            resolved_at=timezone.now() if state == "delivered" else None,
        )

    changed = strings_after_move(moved)

    board = board_strings(pi)
    expected = [s.as_json() for s in board if s.dependency.providing_feature_id == moved.pk]
    assert changed == sorted(expected, key=lambda s: s["id"])
    assert [s["health"] for s in changed] == ["conflict", "at_risk", "resolved"]
    assert strings_after_move(early) == [
        s.as_json() for s in board if s.dependency.providing_feature_id == early.pk
    ]


def test_the_board_holds_every_string_so_it_can_count_them_after_a_move(
    client, rte, train, pi, team, other_team, iterations
):
    """The board recounts its red and amber strings after a move from the strings it holds: all of
    the PI's, also those with a feature missing at one end (not drawn, but counted)."""
    give = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[2])
    DependencyFactory(
        pi=pi,
        requesting_team=team,
        providing_team=other_team,
        providing_feature=give,
        needed_by_iteration=iterations[1],
    )  # red, no requesting feature
    DependencyFactory(
        pi=pi, requesting_team=team, providing_team=other_team, state="blocked"
    )  # red, no feature
    client.force_login(rte)
    page = client.get(reverse("planning:board", args=[train.slug])).content.decode()
    held = json.loads(page.split('id="strings-data" type="application/json">')[1].split("</script>")[0])
    assert [s["health"] for s in held] == ["conflict", "conflict"]
    assert "<strong>2</strong> red strings" in page.replace('<span class="plural">s</span>', "s")
