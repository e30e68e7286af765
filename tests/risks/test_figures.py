"""The figures the running-the-PI screens compute themselves (domain.md §4.1 and demo readiness)."""

import pytest

from risks.figures import PredictabilityRow, art_row, demo_readiness, in_band, mean_of_teams, predictability


def row(planned, actual, objectives=4, scored=4, team="t"):
    return PredictabilityRow(
        team=team, planned_committed=planned, actual=actual, objectives=objectives, scored=scored
    )


def test_predictability_is_actual_over_committed_planned():
    assert predictability(actual_total=18, planned_committed_total=24) == pytest.approx(75.0)


def test_uncommitted_value_can_take_predictability_above_100_percent():
    assert predictability(actual_total=30, planned_committed_total=24) == pytest.approx(125.0)


def test_no_committed_planned_value_gives_no_figure_never_zero():
    assert predictability(actual_total=7, planned_committed_total=0) is None


def test_a_team_with_nothing_scored_yet_has_no_figure_rather_than_zero_percent():
    assert row(24, 0, scored=0).percent is None
    assert row(24, 0, scored=1).percent == 0


def test_partially_scored_is_provisional():
    assert row(24, 8, scored=2).provisional
    assert not row(24, 20).provisional


def test_art_figure_pools_the_sums_and_the_mean_of_teams_is_separate():
    teams = [row(10, 10), row(30, 15)]

    art = art_row(teams)

    assert (art.planned_committed, art.actual) == (40, 25)
    assert art.percent == pytest.approx(62.5)  # pooled, not the mean of 100 % and 50 %
    assert mean_of_teams(teams) == pytest.approx(75.0)


def test_the_mean_of_teams_leaves_out_teams_without_a_figure():
    assert mean_of_teams([row(10, 8), row(0, 3)]) == pytest.approx(80.0)
    assert mean_of_teams([row(0, 3)]) is None


@pytest.mark.parametrize(
    ("percent", "healthy"), [(79.9, False), (80, True), (100, True), (100.1, False), (None, None)]
)
def test_healthy_band_is_80_to_100_percent(percent, healthy):
    assert in_band(percent) is healthy


def test_demo_readiness_is_the_share_shown_as_expected_and_none_without_planned_items():
    assert demo_readiness(shown_as_expected=3, planned=4) == pytest.approx(75.0)
    assert demo_readiness(shown_as_expected=0, planned=0) is None
