"""The figure the running-the-PI screens compute themselves (demo readiness); predictability is
planning's rule (tests/planning/test_calculations.py)."""

import pytest

from risks.figures import demo_readiness


def test_demo_readiness_is_the_share_shown_as_expected_and_none_without_planned_items():
    assert demo_readiness(shown_as_expected=3, planned=4) == pytest.approx(75.0)
    assert demo_readiness(shown_as_expected=0, planned=0) is None
