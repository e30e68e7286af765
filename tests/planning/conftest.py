"""Fixtures shared by the planning tests."""

import pytest


@pytest.fixture
def iterations(pi):
    """The PI's iterations in order (the `pi` fixture makes them)."""
    return list(pi.iterations.order_by("number"))
