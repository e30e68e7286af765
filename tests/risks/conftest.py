"""Fixtures for running the PI: an executing PI around today, the next PI, features of the team."""

from datetime import timedelta

import pytest
from django.utils import timezone

from planning.factories import FeatureFactory, ProgramIncrementFactory
from planning.models import Feature, ProgramIncrement


@pytest.fixture
def running_pi(train):
    """An executing PI that started three weeks ago: today falls in its second iteration."""
    return ProgramIncrementFactory(
        train=train,
        name="PI 8",
        start_date=timezone.localdate() - timedelta(days=21),
        state=ProgramIncrement.State.EXECUTING,
    )


@pytest.fixture
def next_pi(train, running_pi):
    return ProgramIncrementFactory(
        train=train,
        name="PI 9",
        start_date=running_pi.end_date + timedelta(days=1),
        state=ProgramIncrement.State.DRAFT,
    )


@pytest.fixture
def iterations(running_pi):
    return list(running_pi.iterations.order_by("number"))


@pytest.fixture
def team_feature(train, team, running_pi, iterations):
    return FeatureFactory(
        train=train, pi=running_pi, team=team, iteration=iterations[1], state=Feature.State.IMPLEMENTING
    )


@pytest.fixture
def htmx():
    """Headers of a request htmx makes."""
    return {"HX-Request": "true"}
