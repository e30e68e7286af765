"""The confidence vote's services and selectors (domain.md §4.2): who opens, who votes, the results."""

import pytest
from django.core.exceptions import ValidationError

from planning.factories import FeatureFactory, PIObjectiveFactory, ProgramIncrementFactory
from planning.models import ConfidenceVote, VoteRound
from planning.selectors.votes import entitled_voters, latest_vote_results, live_votes, vote_scopes
from planning.services import votes as votes_service
from planning.services.votes import (
    SCORE_MESSAGE,
    vote_cast,
    vote_round_close,
    vote_round_open,
    vote_set_concern,
)
from tests.planning.conftest import teams_have_voted
from trains.errors import NotAllowed
from trains.factories import MembershipFactory, TeamFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pi_in_planning(pi):
    """Votes are taken during PI Planning: the PI of these tests is in planning."""
    pi.state = "planning"
    pi.save(update_fields=["state"])


def voters(train, n, role=Role.SYSTEM_ARCHITECT, team=None):
    people = []
    for _ in range(n):
        user = UserFactory()
        MembershipFactory(user=user, train=train, role=role, team=team)
        people.append(user)
    return people


def cast_all(vote_round, scores, train):
    for person, score in zip(voters(train, len(scores)), scores, strict=True):
        vote_cast(vote_round=vote_round, voter=person, score=score)


@pytest.fixture
def art_round(pi, rte):
    teams_have_voted(pi, rte)
    return vote_round_open(pi=pi, team=None, actor=rte)


@pytest.fixture
def team_round(pi, team, rte):
    return vote_round_open(pi=pi, team=team, actor=rte)


def art_scope(pi, user=None):
    return vote_scopes(pi, user_id=user.pk if user else None)[0]


# --- the §4.2 results --------------------------------------------------------------------------------


def test_a_mean_of_exactly_3_is_accepted(pi, train, art_round):
    cast_all(art_round, [2, 3, 4], train)  # (2 + 3 + 4) / 3 = 3.0

    summary = art_scope(pi).latest.summary

    assert (summary.mean, summary.accepted, summary.voters) == (3.0, True, 3)


def test_a_mean_just_below_3_needs_rework(pi, train, art_round):
    cast_all(art_round, [2, 3], train)  # 2.5

    summary = art_scope(pi).latest.summary

    assert (summary.mean, summary.accepted) == (2.5, False)


def test_results_count_each_score_and_the_low_scores(pi, train, art_round):
    cast_all(art_round, [1, 2, 2, 4, 5, 5, 5], train)

    summary = art_scope(pi).latest.summary

    assert summary.counts == {1: 1, 2: 2, 3: 0, 4: 1, 5: 3}
    assert summary.voters == 7
    assert summary.low_scores == 3
    assert summary.mean == pytest.approx(24 / 7)


def test_a_voter_changes_their_vote_while_it_is_open_and_it_counts_once(pi, art_round, team_member):
    vote_cast(vote_round=art_round, voter=team_member, score=2)
    vote_cast(vote_round=art_round, voter=team_member, score=4)

    assert ConfidenceVote.objects.get(round=art_round, voter=team_member).score == 4
    scope = art_scope(pi, team_member)
    assert scope.latest.summary.counts == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    assert scope.latest.my_vote.score == 4


@pytest.mark.parametrize("score", [0, 6, -1, "3", None, True])
def test_a_score_outside_1_to_5_is_refused_on_its_field_and_nothing_is_saved(art_round, team_member, score):
    with pytest.raises(ValidationError) as refused:
        vote_cast(vote_round=art_round, voter=team_member, score=score)

    assert refused.value.message_dict == {"score": [SCORE_MESSAGE]}
    assert not ConfidenceVote.objects.filter(round__team=None).exists()


def test_voting_in_a_closed_round_is_refused_and_the_result_stays(art_round, rte, team_member):
    vote_cast(vote_round=art_round, voter=team_member, score=4)
    vote_round_close(vote_round=art_round, actor=rte)

    with pytest.raises(ValidationError, match="closed"):
        vote_cast(vote_round=art_round, voter=team_member, score=1)

    assert ConfidenceVote.objects.get(round=art_round).score == 4


# --- who votes -----------------------------------------------------------------------------------------


def test_a_viewer_cannot_vote(art_round, viewer):
    with pytest.raises(NotAllowed, match="Viewers"):
        vote_cast(vote_round=art_round, voter=viewer, score=4)
    assert not ConfidenceVote.objects.filter(round__team=None).exists()


def test_a_voter_of_another_train_cannot_vote(art_round, outsider):
    with pytest.raises(NotAllowed):
        vote_cast(vote_round=art_round, voter=outsider, score=4)


def test_everyone_but_viewers_votes_on_the_art_plan(
    art_round, rte, product_manager, business_owner, scrum_master, team_member, other_team
):
    gemini_member = voters(art_round.pi.train, 1, Role.TEAM_MEMBER, other_team)[0]
    for person in (rte, product_manager, business_owner, scrum_master, team_member, gemini_member):
        vote_cast(vote_round=art_round, voter=person, score=3)
    assert ConfidenceVote.objects.filter(round=art_round).count() == 6


def test_a_team_plan_is_voted_by_the_team_and_the_train_level_roles_not_by_other_teams(
    train, team_round, rte, business_owner, scrum_master, team_member, other_team
):
    architect = voters(train, 1)[0]
    for person in (rte, business_owner, architect, scrum_master, team_member):
        vote_cast(vote_round=team_round, voter=person, score=4)
    gemini_sm = voters(train, 1, Role.SCRUM_MASTER, other_team)[0]

    with pytest.raises(NotAllowed, match="own plan"):
        vote_cast(vote_round=team_round, voter=gemini_sm, score=1)

    assert ConfidenceVote.objects.filter(round=team_round).count() == 5


# --- opening and closing -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["product_manager", "scrum_master", "business_owner", "viewer"])
def test_only_the_rte_opens_a_vote(request, pi, persona):
    with pytest.raises(NotAllowed, match="Release Train Engineer"):
        vote_round_open(pi=pi, team=None, actor=request.getfixturevalue(persona))
    assert not VoteRound.objects.exists()


@pytest.mark.parametrize("persona", ["product_manager", "scrum_master", "team_member"])
def test_only_the_rte_closes_a_vote(request, art_round, persona):
    with pytest.raises(NotAllowed, match="Release Train Engineer"):
        vote_round_close(vote_round=art_round, actor=request.getfixturevalue(persona))
    art_round.refresh_from_db()
    assert art_round.is_open


def test_the_rte_opens_and_closes_a_vote_and_who_did_it_is_kept(pi, team, rte):
    vote_round = vote_round_open(pi=pi, team=team, actor=rte)
    assert (vote_round.number, vote_round.opened_by, vote_round.is_open) == (1, rte, True)

    vote_round_close(vote_round=vote_round, actor=rte)

    vote_round.refresh_from_db()
    assert (vote_round.is_open, vote_round.closed_by) == (False, rte)
    with pytest.raises(ValidationError, match="already closed"):
        vote_round_close(vote_round=vote_round, actor=rte)


def test_a_second_open_round_for_the_same_plan_is_refused(pi, team, rte, art_round, team_round):
    with pytest.raises(ValidationError, match="already open"):
        vote_round_open(pi=pi, team=None, actor=rte)
    with pytest.raises(ValidationError, match="Apollo's plan is already open"):
        vote_round_open(pi=pi, team=team, actor=rte)
    assert VoteRound.objects.filter(closed_at__isnull=True).count() == 2


def test_the_database_refusal_of_a_second_open_round_becomes_the_same_message(
    pi, rte, art_round, monkeypatch
):
    # Two tabs racing past the checks: the one-open-round constraint answers, and says it clearly.
    monkeypatch.setattr(VoteRound.objects, "filter", lambda **kw: VoteRound.objects.none())
    monkeypatch.setattr(votes_service, "art_vote_refusal", lambda pi: None)
    with pytest.raises(ValidationError, match="already open"):
        vote_round_open(pi=pi, team=None, actor=rte)


def test_a_revote_opens_round_2_and_keeps_round_1(pi, train, rte, art_round):
    cast_all(art_round, [1, 2, 3], train)  # mean 2: rework
    vote_round_close(vote_round=art_round, actor=rte)

    second = vote_round_open(pi=pi, team=None, actor=rte)
    cast_all(second, [3, 4, 4], train)

    scope = art_scope(pi)
    assert [r.round.number for r in scope.rounds] == [1, 2]
    assert [r.summary.accepted for r in scope.rounds] == [False, True]
    assert scope.rounds[0].summary.counts == {1: 1, 2: 1, 3: 1, 4: 0, 5: 0}
    assert scope.open_round.round == second
    assert latest_vote_results(pi)[None].mean == pytest.approx(11 / 3)


def test_a_team_of_another_train_cannot_be_voted_on(pi, rte):
    foreign = TeamFactory()
    with pytest.raises(ValidationError):
        vote_round_open(pi=pi, team=foreign, actor=rte)


@pytest.mark.parametrize(
    ("state", "says"),
    [
        ("draft", "still a draft"),
        ("executing", "taken during PI Planning"),
        # closed: refused as every write into a closed PI is (Conflict), tests/planning/test_closed_pi.py
    ],
)
def test_a_vote_is_only_opened_while_the_pi_is_in_planning(train, rte, state, says):
    other = ProgramIncrementFactory(train=train, state=state)
    with pytest.raises(ValidationError, match=says):
        vote_round_open(pi=other, team=None, actor=rte)
    assert not VoteRound.objects.filter(pi=other).exists()


# --- concerns ------------------------------------------------------------------------------------------


def test_a_concern_given_with_a_low_score_is_kept_and_listed(pi, art_round, team_member):
    vote_cast(vote_round=art_round, voter=team_member, score=2, concern="  The payments API lands in I4.  ")

    concerns = art_scope(pi).latest.concerns
    assert [(v.voter, v.score, v.concern) for v in concerns] == [
        (team_member, 2, "The payments API lands in I4.")
    ]


def test_raising_the_score_keeps_the_concern_until_the_voter_clears_it(art_round, team_member):
    """Nothing someone wrote is dropped behind their back; they clear it themselves."""
    vote_cast(vote_round=art_round, voter=team_member, score=1, concern="No capacity for the audit.")
    vote = vote_cast(vote_round=art_round, voter=team_member, score=4)
    assert vote.concern == "No capacity for the audit."

    vote_set_concern(vote=vote, concern="", actor=team_member)

    assert ConfidenceVote.objects.get(pk=vote.pk).concern == ""


def test_only_the_voter_writes_their_concern_and_only_while_open(art_round, rte, team_member, scrum_master):
    vote = vote_cast(vote_round=art_round, voter=team_member, score=2)
    with pytest.raises(NotAllowed):
        vote_set_concern(vote=vote, concern="Not mine to say", actor=scrum_master)

    vote_set_concern(vote=vote, concern="Too many red strings.", actor=team_member)
    vote_round_close(vote_round=art_round, actor=rte)

    with pytest.raises(ValidationError, match="closed"):
        vote_set_concern(vote=vote, concern="Changed my mind", actor=team_member)
    assert ConfidenceVote.objects.get(pk=vote.pk).concern == "Too many red strings."


def test_an_overlong_concern_is_refused_on_its_field(art_round, team_member):
    with pytest.raises(ValidationError) as refused:
        vote_cast(vote_round=art_round, voter=team_member, score=1, concern="x" * 2001)
    assert "concern" in refused.value.message_dict
    assert not ConfidenceVote.objects.filter(round__team=None).exists()


# --- the reads -----------------------------------------------------------------------------------------


def test_scopes_are_the_art_then_each_team_with_no_rounds_before_any_vote(pi, team, other_team):
    scopes = vote_scopes(pi, user_id=None)
    assert [s.team for s in scopes] == [None, team, other_team]
    assert [s.key for s in scopes] == ["art", f"team-{team.pk}", f"team-{other_team.pk}"]
    assert all(s.latest is None and s.open_round is None for s in scopes)


def _populate(pi, rte, teams, voters_per_round):
    train = pi.train
    for team in teams:
        FeatureFactory(train=train, pi=pi, team=team)  # planned work, so its team votes first
    for team in [*teams, None]:
        first = vote_round_open(pi=pi, team=team, actor=rte)
        cast_all(first, [1 + i % 5 for i in range(voters_per_round)], train)
        vote_round_close(vote_round=first, actor=rte)
        second = vote_round_open(pi=pi, team=team, actor=rte)
        for person in voters(train, voters_per_round):
            vote_cast(vote_round=second, voter=person, score=2, concern="worried")


def test_the_vote_scopes_cost_five_queries_however_many_teams_rounds_and_voters(
    pi, rte, team, django_assert_num_queries
):
    # Teams, rounds, votes, who may vote in each, and which teams are still to vote (for the ART's).
    _populate(pi, rte, [team], 2)
    with django_assert_num_queries(5):
        small = vote_scopes(pi, user_id=rte.pk)
        [c.risk if hasattr(c, "risk") else None for s in small for r in s.rounds for c in r.concerns]

    bigger = ProgramIncrementFactory(train=pi.train)
    _populate(bigger, rte, [team, *TeamFactory.create_batch(4, train=pi.train)], 6)
    with django_assert_num_queries(5):
        scopes = vote_scopes(bigger, user_id=rte.pk)
        [c.voter.username for s in scopes for r in s.rounds for c in r.concerns]
    assert sum(len(s.rounds) for s in scopes) == 12


def test_the_live_read_costs_three_queries_and_tracks_round_changes(pi, rte, team, django_assert_num_queries):
    _populate(pi, rte, [team, *TeamFactory.create_batch(3, train=pi.train)], 5)
    with django_assert_num_queries(3):  # rounds, the open rounds' votes, who may vote in them
        live = live_votes(pi, user_id=rte.pk)
    assert len(live.open_results) == 5
    before = live.states["art"]
    before_digest = next(r.digest for r in live.open_results if r.round.team_id is None)

    art_open = VoteRound.objects.get(pi=pi, team=None, closed_at__isnull=True)
    vote_cast(vote_round=art_open, voter=voters(pi.train, 1)[0], score=5)
    after = live_votes(pi, user_id=rte.pk)
    assert after.states["art"] == before
    assert next(r.digest for r in after.open_results if r.round.team_id is None) != before_digest

    vote_round_close(vote_round=art_open, actor=rte)
    assert live_votes(pi, user_id=rte.pk).states["art"] != before


# --- team votes come first; who may vote ---------------------------------------------------------


def test_the_art_vote_is_refused_until_every_team_with_planned_work_has_voted(pi, rte, team, other_team):
    FeatureFactory(train=pi.train, pi=pi, team=team)
    FeatureFactory(train=pi.train, pi=pi, team=other_team)
    with pytest.raises(ValidationError, match="Team votes come first: Apollo, Gemini have no closed vote"):
        vote_round_open(pi=pi, team=None, actor=rte)

    teams_have_voted(pi, rte, team)
    empty = vote_round_open(pi=pi, team=other_team, actor=rte)
    with pytest.raises(ValidationError, match="Gemini has no closed vote"):  # open is not voted yet
        vote_round_open(pi=pi, team=None, actor=rte)
    vote_round_close(vote_round=empty, actor=rte)
    with pytest.raises(ValidationError, match="Gemini has no closed vote"):  # closed with no vote in it
        vote_round_open(pi=pi, team=None, actor=rte)

    second = vote_round_open(pi=pi, team=other_team, actor=rte)
    vote_cast(vote_round=second, voter=rte, score=3)
    vote_round_close(vote_round=second, actor=rte)
    assert vote_round_open(pi=pi, team=None, actor=rte).team is None
    assert not VoteRound.objects.filter(team=None).exclude(number=1).exists()


def test_a_team_without_planned_work_is_not_waited_for(pi, rte, team, other_team):
    teams_have_voted(pi, rte, team)  # Gemini plans nothing in this PI

    assert vote_round_open(pi=pi, team=None, actor=rte).team is None


def test_the_art_vote_needs_some_team_plan_to_follow(pi, rte, team):
    with pytest.raises(ValidationError, match="No team has planned work in PI"):
        vote_round_open(pi=pi, team=None, actor=rte)
    assert not VoteRound.objects.exists()


def test_the_art_scope_says_why_its_vote_cannot_open_yet(pi, rte, team):
    PIObjectiveFactory(pi=pi, team=team)  # an objective is planned work too

    assert "Apollo has no closed vote" in art_scope(pi).opening_refused

    teams_have_voted(pi, rte, team)
    assert art_scope(pi).opening_refused is None


def test_entitled_voters_follow_who_may_vote_in_each_round(pi, train, rte, team, other_team, viewer):
    MembershipFactory(train=train, role=Role.TEAM_MEMBER, team=team)
    MembershipFactory(train=train, role=Role.SCRUM_MASTER, team=team)
    MembershipFactory(train=train, role=Role.TEAM_MEMBER, team=other_team)
    MembershipFactory(train=train, role=Role.BUSINESS_OWNER)
    MembershipFactory(user=rte, train=train, role=Role.PRODUCT_MANAGER)  # one person, two roles: once

    counts = entitled_voters(train.pk, [None, team.pk, other_team.pk])

    # ART: everyone but the viewer; a team: its own people and the train-level roles (RTE, BO).
    assert counts == {None: 5, team.pk: 4, other_team.pk: 3}


def test_each_round_result_knows_how_many_may_vote_in_it(pi, train, rte, team, art_round):
    MembershipFactory(train=train, role=Role.TEAM_MEMBER, team=team)
    cast_all(art_round, [4], train)  # the voter is a System Architect: one of the entitled

    latest = art_scope(pi).latest
    assert (latest.summary.voters, latest.entitled) == (1, 3)  # the RTE, Apollo's member, the voter
