"""Unit tests for planning's formulas, domain.md §4.1–4.4 (planning.calculations): plain values, no
database. Every app's predictability, band and percentage come from these."""

from decimal import Decimal

import pytest

from planning.calculations import (
    ABOVE_BAND,
    BELOW_BAND,
    IN_BAND,
    NO_COMMITTED_VALUE,
    NOT_SCORED_YET,
    PREDICTABILITY_BAND,
    ObjectiveValue,
    WsjfItem,
    art_predictability,
    cost_of_delay,
    default_capacity,
    effective_capacity,
    load_ratio,
    load_status,
    pi_predictability,
    predictability,
    predictability_figure,
    rank_by_wsjf,
    share,
    vote_summary,
    wsjf,
)


def committed(planned, actual=None):
    return ObjectiveValue(is_committed=True, planned=planned, actual=actual)


def uncommitted(planned, actual=None):
    return ObjectiveValue(is_committed=False, planned=planned, actual=actual)


def test_share_is_a_percentage_and_none_of_nothing():
    assert share(3, 4) == pytest.approx(75.0)
    assert share(0, 0) is None


# --- §4.1 Predictability ---------------------------------------------------------------------------


def test_predictability_counts_uncommitted_actuals_so_it_can_exceed_100():
    # actual 8 + 5 = 13 over committed planned 10 only (the uncommitted 5 is not planned) -> 130 %
    objectives = [committed(10, 8), uncommitted(5, 5)]
    assert predictability(objectives) == pytest.approx(130.0)


def test_predictability_is_none_for_a_team_with_no_committed_value():
    assert predictability([uncommitted(5, 4)]) is None
    assert predictability([committed(None, 3)]) is None
    assert predictability([]) is None


def test_predictability_counts_unscored_committed_objectives_in_the_plan_only():
    # actual 9 (the unscored one adds nothing) over planned 10 + 10 -> 45 %
    assert predictability([committed(10, None), committed(10, 9)]) == pytest.approx(45.0)


def test_predictability_of_a_scored_zero_is_zero_not_none():
    assert predictability([committed(7, 0)]) == 0.0


def test_art_predictability_pools_sums_and_reports_mean_of_team_percentages_beside_it():
    by_team = {
        "alpha": [committed(10, 10), committed(10, 10)],  # 20 / 20 = 100 %
        "beta": [committed(5, 1)],  # 1 / 5 = 20 %
        "gamma": [uncommitted(4, 3)],  # no committed value -> None
    }
    result = art_predictability(by_team)
    # pooled: actual 10 + 10 + 1 + 3 = 24, planned 10 + 10 + 5 = 25 -> 96 %
    assert result.actual_total == 24
    assert result.planned_total == 25
    assert result.percent == pytest.approx(96.0)
    # mean of the teams that have a figure: (100 + 20) / 2 = 60 %
    assert result.mean_of_teams == pytest.approx(60.0)
    assert result.teams == {"alpha": pytest.approx(100.0), "beta": pytest.approx(20.0), "gamma": None}


def test_art_predictability_without_any_committed_value_has_no_figures():
    result = art_predictability({"alpha": [uncommitted(3, 3)], "beta": []})
    assert result.percent is None
    assert result.mean_of_teams is None
    assert result.teams == {"alpha": None, "beta": None}


def test_predictability_band_is_80_to_100():
    assert PREDICTABILITY_BAND == (80.0, 100.0)


# --- §4.2 Confidence vote --------------------------------------------------------------------------


def test_vote_with_mean_exactly_3_is_accepted():
    summary = vote_summary([1, 2, 3, 4, 5])  # 15 / 5 = 3.0
    assert summary.mean == 3.0
    assert summary.accepted is True
    assert summary.voters == 5
    assert summary.counts == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert summary.low_scores == 2


def test_vote_with_mean_below_3_needs_rework():
    summary = vote_summary([3, 3, 2])  # 8 / 3 = 2.67
    assert summary.mean == pytest.approx(8 / 3)
    assert summary.accepted is False
    assert summary.low_scores == 1


def test_vote_counts_always_have_every_score_key():
    assert vote_summary([5, 5, 4]).counts == {1: 0, 2: 0, 3: 0, 4: 1, 5: 2}


def test_vote_without_votes_is_neither_accepted_nor_rejected():
    summary = vote_summary([])
    assert summary.voters == 0
    assert summary.mean is None
    assert summary.accepted is None
    assert summary.counts == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


@pytest.mark.parametrize("score", [0, 6, -1, 2.5, True])
def test_vote_score_out_of_range_is_rejected(score):
    with pytest.raises(ValueError):
        vote_summary([3, score])


# --- §4.3 Capacity and load ------------------------------------------------------------------------


def test_default_capacity_is_8_per_fte_less_one_per_day_off():
    assert default_capacity(5, 3) == 37.0  # 8 x 5 - 3
    assert default_capacity(Decimal("4.5"), 2) == 34.0  # 8 x 4.5 - 2


def test_default_capacity_never_goes_below_zero():
    assert default_capacity(0.5, 10) == 0.0  # 8 x 0.5 - 10 = -6 -> 0


def test_effective_capacity_prefers_the_override_even_when_zero():
    assert effective_capacity(5, 3, override=30) == 30.0
    assert effective_capacity(5, 3, override=0) == 0.0
    assert effective_capacity(5, 3, override=None) == 37.0


@pytest.mark.parametrize(
    ("load", "capacity", "status"),
    [
        (8, 10, "green"),  # exactly 80 %
        (24, 30, "green"),  # exactly 80 %
        (8.1, 10, "amber"),  # 81 %
        (10, 10, "amber"),  # exactly 100 %
        (10.5, 10, "red"),  # 105 %
        (0, 0, "green"),
        (1, 0, "red"),
    ],
)
def test_load_status_boundaries(load, capacity, status):
    assert load_status(load, capacity) == status


def test_load_ratio_is_a_percentage_or_none_without_capacity():
    assert load_ratio(30, 40) == 75.0
    assert load_ratio(5, 0) is None


# --- §4.4 WSJF -------------------------------------------------------------------------------------


def test_wsjf_is_cost_of_delay_over_job_size():
    assert cost_of_delay(8, 5, 3) == 16
    assert wsjf(8, 5, 3, 2) == 8.0  # 16 / 2


@pytest.mark.parametrize("inputs", [(8, 5, 3, 0), (4, 5, 3, 2), (8, 5, 3, -1), (8, 21, 3, 2)])
def test_wsjf_rejects_values_off_the_fibonacci_scale(inputs):
    with pytest.raises(ValueError):
        wsjf(*inputs)


def test_rank_by_wsjf_breaks_ties_by_smaller_job_then_key_and_puts_incomplete_last():
    items = [
        WsjfItem("Z", 8, 8, 8, None),  # incomplete
        WsjfItem("A", 8, 5, 3, 8),  # 16 / 8 = 2.0, big job
        WsjfItem("D", 1, 1, 2, 2),  # 4 / 2 = 2.0, small job
        WsjfItem("E", None, 1, 1, 1),  # incomplete
        WsjfItem("C", 20, 20, 20, 20),  # 60 / 20 = 3.0
        WsjfItem("B", 2, 1, 1, 2),  # 4 / 2 = 2.0, small job
    ]
    assert [item.key for item in rank_by_wsjf(items)] == ["C", "B", "D", "A", "E", "Z"]


# --- §4.1 the "no figure" rules ------------------------------------------------------------------


def test_predictability_figure_before_any_objective_is_scored_is_not_scored_yet_not_zero():
    figure = predictability_figure([committed(10), committed(6), uncommitted(4)])
    assert figure.percent is None
    assert figure.reason == NOT_SCORED_YET
    assert (figure.actual_total, figure.planned_total, figure.scored, figure.objectives) == (0, 16, 0, 3)


def test_predictability_figure_once_one_objective_is_scored_follows_the_formula():
    # actual 0 (a scored zero) over planned 10 + 6 -> 0 %, a real figure now
    figure = predictability_figure([committed(10, 0), committed(6)])
    assert figure.percent == 0.0
    assert figure.reason is None


def test_predictability_figure_counts_uncommitted_only_in_the_actuals():
    # actual 7 + 6 + 3 = 16 over committed planned 8 + 6 = 14
    figure = predictability_figure([committed(8, 7), committed(6, 6), uncommitted(4, 3)])
    assert figure.percent == pytest.approx(100 * 16 / 14)
    assert (figure.actual_total, figure.planned_total) == (16, 14)


def test_predictability_figure_without_committed_value_has_that_reason_even_if_scored():
    figure = predictability_figure([uncommitted(5, 5)])
    assert figure.percent is None
    assert figure.reason == NO_COMMITTED_VALUE


def test_pi_predictability_pools_teams_and_leaves_unscored_teams_out_of_the_mean():
    result = pi_predictability(
        {
            "alpha": [committed(10, 8), uncommitted(2, 2)],  # 10 / 10 = 100 %
            "beta": [committed(5, 3)],  # 3 / 5 = 60 %
            "gamma": [committed(5)],  # not scored yet
        }
    )
    assert result.teams["alpha"].percent == pytest.approx(100.0)
    assert result.teams["gamma"].reason == NOT_SCORED_YET
    # pooled: (8 + 2 + 3) / (10 + 5 + 5) = 65 %
    assert result.art.percent == pytest.approx(65.0)
    assert result.mean_of_teams == pytest.approx(80.0)  # (100 + 60) / 2


def test_pi_predictability_of_an_executing_pi_has_no_figure_at_any_level():
    result = pi_predictability({"alpha": [committed(10)], "beta": [committed(4), uncommitted(3)]})
    assert result.art.percent is None and result.art.reason == NOT_SCORED_YET
    assert result.mean_of_teams is None


# --- §4.1 as the review shows it: provisional and the band -----------------------------------------


def test_a_figure_is_provisional_while_some_but_not_all_objectives_are_scored():
    assert predictability_figure([committed(12, 8), committed(12)]).provisional
    assert not predictability_figure([committed(12, 8), committed(12, 12)]).provisional
    assert not predictability_figure([committed(12), committed(12)]).provisional


@pytest.mark.parametrize(
    ("actual", "band"), [(79, BELOW_BAND), (80, IN_BAND), (100, IN_BAND), (101, ABOVE_BAND)]
)
def test_a_figure_knows_its_place_against_the_80_to_100_band(actual, band):
    assert predictability_figure([committed(100, actual)]).band == band


def test_a_figure_without_a_value_has_no_band():
    assert predictability_figure([committed(10)]).band is None


# --- how a percentage is written beside a band, and a partial figure -----------------------------


def test_a_percentage_is_whole_unless_it_would_round_onto_an_edge_it_has_not_reached():
    from planning.calculations import percent_text

    band = (80.0, 100.0)
    assert percent_text(None, band) == "—"
    assert percent_text(16.2, band) == "16"
    assert percent_text(79.5, band) == "79.5"  # not "80" beside the band's edge
    assert percent_text(79.96, band) == "79.9"  # cut towards its own side, never up onto the edge
    assert percent_text(100.02, band) == "100.1"
    assert percent_text(80.0, band) == "80"  # exactly on the edge: it is the edge
    assert percent_text(99.6, band) == "99.6"
    assert percent_text(79.5) == "80"  # no band, no edge to keep away from


def test_a_provisional_figure_says_partial_with_how_far_scoring_has_got():
    partial = predictability_figure([committed(12, 8), committed(12), committed(10)])
    assert partial.partial_text == "partial: 1 of 3 scored"
    assert predictability_figure([committed(12, 8), committed(12, 12)]).partial_text == ""
    assert predictability_figure([committed(12), committed(12)]).partial_text == ""
    assert partial.percent_text == "24"  # 8 / 34 = 23.5 %: far from an edge, whole percent
