"""Fixtures shared by the planning tests."""

import pytest


@pytest.fixture
def iterations(pi):
    """The PI's iterations in order (the `pi` fixture makes them)."""
    return list(pi.iterations.order_by("number"))


def teams_have_voted(pi, rte, *teams):
    """What SAFe takes before the ART's vote: each team plans work in the PI and votes on its plan
    (a team round opened and closed). With no team given, a team of its own does it."""
    from planning.factories import FeatureFactory
    from planning.services.votes import vote_round_close, vote_round_open
    from trains.factories import TeamFactory

    for team in teams or [TeamFactory(train=pi.train, name="Voyager", position=99)]:
        FeatureFactory(train=pi.train, pi=pi, team=team)
        vote_round_close(vote_round=vote_round_open(pi=pi, team=team, actor=rte), actor=rte)
