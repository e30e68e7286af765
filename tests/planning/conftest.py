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
    from planning.services.votes import vote_round_close, vote_round_open
    from trains.factories import TeamFactory

    if not teams:
        planning, waiting = teams_yet_to_vote(pi)
        teams = waiting if planning else [TeamFactory(train=pi.train, name="Voyager", position=99)]
    for team in teams:
        FeatureFactory(train=pi.train, pi=pi, team=team)
        vote_round_close(vote_round=vote_round_open(pi=pi, team=team, actor=rte), actor=rte)
