"""The confidence vote screen: buttons by role, htmx answers, refusals, the live poll and its cost."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.factories import FeatureFactory, ProgramIncrementFactory
from planning.models import ConfidenceVote, VoteRound
from planning.services.votes import SCORE_MESSAGE, vote_cast, vote_round_close, vote_round_open
from tests.planning.conftest import teams_have_voted
from trains.factories import MembershipFactory, TeamFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _pi_in_planning(pi):
    """Votes are taken during PI Planning: the PI of these tests is in planning."""
    pi.state = "planning"
    pi.save(update_fields=["state"])


def url(name, train, *args):
    return reverse(f"planning:{name}", args=[train.slug, *args])


@pytest.fixture
def as_user(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.fixture
def art_round(pi, rte):
    teams_have_voted(pi, rte)
    return vote_round_open(pi=pi, team=None, actor=rte)


def page(client, train, pi, **extra):
    return client.get(url("votes", train), {"pi": pi.pk}, **extra)


# --- the page ------------------------------------------------------------------------------------------


def test_the_rte_sees_open_vote_for_the_art_and_each_team(as_user, rte, train, pi, team, other_team):
    html = page(as_user(rte), train, pi).content.decode()

    assert html.count(">Open vote<") == 3
    for label in ("the ART's plan", "Apollo's plan", "Gemini's plan"):
        assert f'Open vote<span class="visually-hidden"> on {label}' in html
    assert 'aria-current="page">Confidence vote' in html


def test_the_rte_sees_close_vote_on_an_open_round_and_a_revote_after_a_closed_one(
    as_user, rte, train, pi, team, art_round
):
    closed = vote_round_open(pi=pi, team=team, actor=rte)
    vote_round_close(vote_round=closed, actor=rte)

    html = page(as_user(rte), train, pi).content.decode()

    assert url("vote_round_close", train, art_round.pk) in html
    assert "Open re-vote (round 2)" in html


def test_a_participant_sees_the_fist_of_five_with_their_choice_pressed(
    as_user, team_member, train, pi, art_round
):
    vote_cast(vote_round=art_round, voter=team_member, score=4)

    html = page(as_user(team_member), train, pi).content.decode()

    buttons = re.findall(r'name="score" value="(\d)"[^>]*aria-pressed="(\w+)"', html)
    assert buttons == [("1", "false"), ("2", "false"), ("3", "false"), ("4", "true"), ("5", "false")]
    for label in ("No confidence", "Very confident"):
        assert label in html
    assert "Open vote" not in html and "Close vote" not in html


def test_a_viewer_sees_the_results_but_no_buttons(as_user, viewer, team_member, train, pi, art_round):
    vote_cast(vote_round=art_round, voter=team_member, score=2)

    html = page(as_user(viewer), train, pi).content.decode()

    assert 'name="score"' not in html
    assert "Viewers do not vote" in html
    assert "So far: mean 2.00, below 3" in html  # open: a running count, not "Needs rework" yet
    assert "Make it a risk" not in html


def test_a_viewer_posting_a_vote_is_refused_and_nothing_is_saved(as_user, viewer, train, pi, art_round):
    response = as_user(viewer).post(url("vote_cast", train, art_round.pk), {"pi": pi.pk, "score": 4}, **HTMX)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain") and response["HX-Reswap"] == "none"
    assert not ConfidenceVote.objects.filter(round__team=None).exists()


def test_an_outsider_gets_404_everywhere_and_sees_nothing_of_the_train(
    as_user, outsider, train, pi, art_round
):
    client = as_user(outsider)

    assert page(client, train, pi).status_code == 404
    assert client.get(url("vote_live", train), {"pi": pi.pk}).status_code == 404
    assert client.post(url("vote_cast", train, art_round.pk), {"score": 4}).status_code == 404
    assert client.post(url("vote_round_open", train), {"pi": pi.pk}).status_code == 404
    assert not ConfidenceVote.objects.filter(round__team=None).exists()


def test_a_round_of_another_train_is_not_found_from_this_one(as_user, outsider, rte, train, pi, art_round):
    # The outsider is RTE of "elsewhere": asking for our round through their own train is a 404 too.
    response = as_user(outsider).post(
        reverse("planning:vote_cast", args=["elsewhere", art_round.pk]), {"score": 4}
    )
    assert response.status_code == 404


# --- opening and closing -------------------------------------------------------------------------------


def test_the_rte_opens_a_team_vote_and_gets_the_scope_back(as_user, rte, train, pi, team):
    response = as_user(rte).post(url("vote_round_open", train), {"pi": pi.pk, "team": team.pk}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="scope-team-{team.pk}"' in html and "Voting open" in html
    assert VoteRound.objects.get(team=team).number == 1


def test_a_second_open_is_refused_with_a_clear_message(as_user, rte, train, pi, art_round):
    response = as_user(rte).post(url("vote_round_open", train), {"pi": pi.pk, "team": ""}, **HTMX)

    assert response.status_code == 422
    assert "already open" in response.content.decode()
    assert VoteRound.objects.filter(team=None).count() == 1


def test_only_the_rte_opens_and_closes(as_user, scrum_master, train, pi, art_round):
    client = as_user(scrum_master)

    opened = client.post(url("vote_round_open", train), {"pi": pi.pk, "team": ""}, **HTMX)
    closed = client.post(url("vote_round_close", train, art_round.pk), {"pi": pi.pk}, **HTMX)

    assert (opened.status_code, closed.status_code) == (403, 403)
    art_round.refresh_from_db()
    assert art_round.is_open and VoteRound.objects.filter(team=None).count() == 1


def test_closing_without_javascript_redirects_back_to_the_scope(as_user, rte, train, pi, art_round):
    response = as_user(rte).post(url("vote_round_close", train, art_round.pk), {"pi": pi.pk})

    assert response.status_code == 302
    assert response["Location"].endswith(f"?pi={pi.pk}#scope-art")
    art_round.refresh_from_db()
    assert not art_round.is_open


# --- casting -------------------------------------------------------------------------------------------


def test_a_low_vote_asks_for_the_concern_at_once(as_user, team_member, train, pi, art_round):
    response = as_user(team_member).post(
        url("vote_cast", train, art_round.pk), {"pi": pi.pk, "score": 2}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "What worries you?" in html and "autofocus" in html
    assert f'id="results-{art_round.pk}" hx-swap-oob="true"' in html
    assert ConfidenceVote.objects.get(round=art_round).score == 2


def test_a_confident_vote_asks_for_no_concern(as_user, team_member, train, pi, art_round):
    response = as_user(team_member).post(
        url("vote_cast", train, art_round.pk), {"pi": pi.pk, "score": 4}, **HTMX
    )
    assert "What worries you?" not in response.content.decode()


@pytest.mark.parametrize("score", ["0", "6", "", "four"])
def test_a_score_outside_1_to_5_gets_a_field_message_and_nothing_is_saved(
    as_user, team_member, train, pi, art_round, score
):
    client = as_user(team_member)

    htmx = client.post(url("vote_cast", train, art_round.pk), {"pi": pi.pk, "score": score}, **HTMX)
    plain = client.post(url("vote_cast", train, art_round.pk), {"pi": pi.pk, "score": score})

    for response in (htmx, plain):
        assert response.status_code == 422
        assert SCORE_MESSAGE in response.content.decode()
    assert f'id="score-error-{art_round.pk}"' in htmx.content.decode()
    assert not ConfidenceVote.objects.filter(round__team=None).exists()


def test_voting_in_a_closed_round_is_refused(as_user, rte, team_member, train, pi, art_round):
    vote_round_close(vote_round=art_round, actor=rte)

    response = as_user(team_member).post(
        url("vote_cast", train, art_round.pk), {"pi": pi.pk, "score": 3}, **HTMX
    )

    assert response.status_code == 422
    assert "closed" in response.content.decode()
    assert not ConfidenceVote.objects.filter(round__team=None).exists()


def test_the_concern_is_saved_and_shown_in_the_results(as_user, team_member, train, pi, art_round):
    client = as_user(team_member)
    client.post(url("vote_cast", train, art_round.pk), {"pi": pi.pk, "score": 1}, **HTMX)

    response = client.post(
        url("vote_concern", train, art_round.pk), {"pi": pi.pk, "concern": "Payments API too late"}, **HTMX
    )

    html = response.content.decode()
    assert "Concern saved." in html and "Payments API too late" in html
    assert ConfidenceVote.objects.get(round=art_round).concern == "Payments API too late"


def test_a_concern_without_a_vote_is_refused(as_user, team_member, train, pi, art_round):
    response = as_user(team_member).post(
        url("vote_concern", train, art_round.pk), {"pi": pi.pk, "concern": "hm"}, **HTMX
    )
    assert response.status_code == 422
    assert "Vote first" in response.content.decode()


# --- the live poll -------------------------------------------------------------------------------------


def _shown_state(html: str) -> dict:
    return dict(re.findall(r'name="((?:state|digest)-[\w-]+)" value="([^"]*)" data-vote-state', html))


def test_the_poll_answers_204_while_nothing_changed_and_the_results_when_a_vote_lands(
    as_user, rte, team_member, train, pi, art_round
):
    client = as_user(rte)
    shown = _shown_state(page(client, train, pi).content.decode())

    assert client.get(url("vote_live", train), {"pi": pi.pk, **shown}, **HTMX).status_code == 204

    vote_cast(vote_round=art_round, voter=team_member, score=2, concern="Audit date")
    response = client.get(url("vote_live", train), {"pi": pi.pk, **shown}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="results-{art_round.pk}" hx-swap-oob="true"' in html
    assert "So far: mean 2.00, below 3" in html and "Audit date" in html and "Make it a risk" in html
    assert 'name="score"' not in html  # the ballot is never redrawn by the poll


def test_the_poll_redraws_a_scope_whose_round_opened(as_user, rte, team_member, train, pi, team):
    client = as_user(team_member)
    shown = _shown_state(page(client, train, pi).content.decode())

    vote_round_open(pi=pi, team=team, actor=rte)
    html = client.get(url("vote_live", train), {"pi": pi.pk, **shown}, **HTMX).content.decode()

    assert f'id="scope-team-{team.pk}"' in html and 'hx-swap-oob="true"' in html
    assert 'name="score"' in html  # Apollo's member can now vote on Apollo's plan


def _crowd(pi, rte, teams, per_round):
    train = pi.train
    for team in teams:
        FeatureFactory(train=train, pi=pi, team=team)  # planned work, so its team votes first
    for team in [*teams, None]:
        for number in (1, 2):
            vote_round = vote_round_open(pi=pi, team=team, actor=rte)
            for _ in range(per_round):
                person = UserFactory()
                MembershipFactory(user=person, train=train, role=Role.SYSTEM_ARCHITECT)
                vote_cast(vote_round=vote_round, voter=person, score=1 + number, concern="hm")
            if number == 1:
                vote_round_close(vote_round=vote_round, actor=rte)


def _costs(client, train, pi) -> tuple[int, int, int]:
    """Queries for the page, a poll redrawing every open round's results, and a poll answering 204."""
    with CaptureQueriesContext(connection) as page_queries:
        shown = _shown_state(page(client, train, pi).content.decode())
    with CaptureQueriesContext(connection) as redraw_queries:
        assert client.get(url("vote_live", train), {"pi": pi.pk}, **HTMX).status_code == 200
    with CaptureQueriesContext(connection) as quiet_queries:
        assert client.get(url("vote_live", train), {"pi": pi.pk, **shown}, **HTMX).status_code == 204
    return len(page_queries), len(redraw_queries), len(quiet_queries)


def test_the_page_and_the_poll_cost_the_same_queries_for_a_small_and_a_large_vote(as_user, rte, train, team):
    client = as_user(rte)
    small = ProgramIncrementFactory(train=train, name="PI small")
    _crowd(small, rte, [team], 1)
    big = ProgramIncrementFactory(train=train, name="PI big")
    _crowd(big, rte, [team, *TeamFactory.create_batch(5, train=train)], 8)

    small_costs = _costs(client, train, small)
    big_costs = _costs(client, train, big)

    assert small_costs == big_costs
    page_cost, redraw_cost, quiet_cost = big_costs
    # user, train with the user's roles, the PIs; then teams, rounds, votes, who may vote, which teams
    # are still to vote (page) or rounds, votes, who may vote (poll)
    assert (page_cost, redraw_cost, quiet_cost) == (8, 6, 6)
    assert (
        page(client, train, big).content.decode().count("Make it a risk<") == 7 * 2 * 8
    )  # the ART and six teams


# --- an open round is no result; team votes come first -------------------------------------------


def test_an_open_round_shows_x_of_n_have_voted_and_no_verdict_yet(
    as_user, rte, team_member, train, pi, art_round
):
    vote_cast(vote_round=art_round, voter=team_member, score=4)

    html = page(as_user(rte), train, pi).content.decode()

    # Entitled on the ART's plan: the RTE and Apollo's member (Voyager, who voted first, has nobody).
    assert "So far: mean 4.00, at or above 3" in html
    assert "1 of 2 has voted" in html
    assert "decided when the RTE closes the vote" in html
    art = html[html.index('id="scope-art"') : html.index("</section>", html.index('id="scope-art"'))]
    assert "Accepted" not in art and "✓" not in art


def test_a_closed_round_gives_its_verdict_with_the_turnout(as_user, rte, team_member, train, pi, art_round):
    vote_cast(vote_round=art_round, voter=team_member, score=4)
    vote_round_close(vote_round=art_round, actor=rte)

    html = page(as_user(rte), train, pi).content.decode()

    assert 'Accepted <span class="verdict-why">mean 4.00 ≥ 3</span>' in html
    assert "1 of 2 voted" in html
    assert "So far" not in html


def test_the_art_open_button_is_disabled_with_the_reason_until_the_teams_have_voted(
    as_user, rte, train, pi, team
):
    FeatureFactory(train=train, pi=pi, team=team)
    client = as_user(rte)

    html = page(client, train, pi).content.decode()
    assert re.search(
        r'<button type="button" class="vote-btn vote-btn-primary" disabled aria-describedby="scope-art-wait">',
        html,
    )
    assert 'id="scope-art-wait">Team votes come first: Apollo has no closed vote on their plan yet' in html

    refused = client.post(url("vote_round_open", train), {"pi": pi.pk, "team": ""}, **HTMX)
    assert refused.status_code == 422 and "Team votes come first" in refused.content.decode()
    assert not VoteRound.objects.filter(team=None).exists()

    team_round = vote_round_open(pi=pi, team=team, actor=rte)
    vote_cast(vote_round=team_round, voter=rte, score=4)
    closed = client.post(url("vote_round_close", train, team_round.pk), {"pi": pi.pk}, **HTMX)
    # Closing the last team's vote redraws the ART's scope too: its button is live now.
    html = closed.content.decode()
    assert 'id="scope-art"' in html and 'hx-swap-oob="true"' in html
    assert (
        "scope-art-wait" not in html and 'Open vote<span class="visually-hidden"> on the ART\'s plan' in html
    )
