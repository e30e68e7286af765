"""Fixtures shared by the planning tests."""

import pytest


@pytest.fixture
def iterations(pi):
    """The PI's iterations in order (the `pi` fixture makes them)."""
    return list(pi.iterations.order_by("number"))


def teams_have_voted(pi, rte, *teams):
    """What SAFe takes before the ART's vote: each team plans work in the PI and votes on its plan
    (a team round opened and closed). With no team given: the teams that planned work and have not
    voted yet, or when none did, a team of its own."""
    from planning.factories import FeatureFactory
    from planning.selectors.votes import teams_yet_to_vote
    from planning.services.votes import vote_cast, vote_round_close, vote_round_open
    from trains.factories import MembershipFactory, TeamFactory
    from trains.models import Role

    if not teams:
        planning, waiting = teams_yet_to_vote(pi)
        teams = waiting if planning else [TeamFactory(train=pi.train, name="Voyager", position=99)]
    for team in teams:
        FeatureFactory(train=pi.train, pi=pi, team=team)
        team_round = vote_round_open(pi=pi, team=team, actor=rte)
        # A vote in it (a closed round with none is no team vote): the RTE's, or a member's when the
        # world has no RTE to hand (the API's tests open rounds as the system, actor None).
        voter = rte or MembershipFactory(train=pi.train, team=team, role=Role.TEAM_MEMBER).user
        vote_cast(vote_round=team_round, voter=voter, score=4)
        vote_round_close(vote_round=team_round, actor=rte)
