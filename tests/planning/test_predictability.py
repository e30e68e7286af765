"""§4.1 predictability as the objectives selector and pages show it, pinned by hand-computed cases.

The formula lives in planning/calculations.py; these tests check the selector feeds it the right
objectives (uncommitted ones in the actuals only, every team in the ART sums) and the pages say
what they computed.
"""

import pytest
from django.urls import reverse

from planning.calculations import (
    ABOVE_BAND,
    BELOW_BAND,
    IN_BAND,
    NO_COMMITTED_VALUE,
    NOT_SCORED_YET,
    band_position,
)
from planning.factories import PIObjectiveFactory
from planning.selectors.objectives import pi_objectives
from trains.factories import TeamFactory

pytestmark = pytest.mark.django_db


def objective(pi, team, planned, actual, committed=True):
    return PIObjectiveFactory(
        pi=pi, team=team, is_committed=committed, planned_business_value=planned, actual_business_value=actual
    )


@pytest.fixture
def scored_pi(pi, team, other_team, train):
    """Hand-computed:
    Apollo: committed 10→8, committed 5→5, uncommitted 6→6: actual 19 / planned 15 = 126.67 % (above).
    Gemini: committed 10→5: 5 / 10 = 50 % (below).
    Hermes: only an uncommitted objective 7→7: no committed planned value, "—".
    ART: actual 19 + 5 + 7 = 31 / planned 15 + 10 = 25 → 124 %.
    Mean of team percentages: (126.67 + 50) / 2 = 88.33 % (Hermes has no figure, so it is left out).
    """
    hermes = TeamFactory(train=train, name="Hermes")
    pi.state = "executing"
    pi.save()
    objective(pi, team, 10, 8)
    objective(pi, team, 5, 5)
    objective(pi, team, 6, 6, committed=False)
    objective(pi, other_team, 10, 5)
    objective(pi, hermes, 7, 7, committed=False)
    return pi, hermes


def test_uncommitted_objectives_add_to_actuals_only_so_a_team_can_exceed_100_percent(scored_pi, team):
    pi, _ = scored_pi
    apollo = next(entry for entry in pi_objectives(pi).teams if entry.team == team)

    assert (apollo.figure.actual_total, apollo.figure.planned_total) == (19, 15)
    assert apollo.figure.percent == pytest.approx(126.6667, abs=1e-3)
    assert apollo.band == ABOVE_BAND
    assert [o.planned_business_value for o in apollo.committed] == [10, 5]
    assert [o.planned_business_value for o in apollo.uncommitted] == [6]


def test_a_team_without_committed_planned_value_has_no_figure(scored_pi):
    pi, hermes = scored_pi
    entry = next(entry for entry in pi_objectives(pi).teams if entry.team == hermes)

    assert entry.figure.percent is None
    assert entry.figure.reason == NO_COMMITTED_VALUE
    assert entry.band is None
    assert (entry.figure.actual_total, entry.figure.planned_total) == (7, 0)


def test_art_figure_pools_the_sums_and_differs_from_the_mean_of_team_percentages(scored_pi, team, other_team):
    pi, _ = scored_pi
    overview = pi_objectives(pi)

    assert (overview.art.actual_total, overview.art.planned_total) == (31, 25)
    assert overview.art.percent == pytest.approx(124.0)
    assert overview.predictability.mean_of_teams == pytest.approx((19 / 15 * 100 + 50) / 2)
    assert overview.predictability.mean_of_teams == pytest.approx(88.3333, abs=1e-3)
    assert overview.teams_with_figure == 2
    assert overview.art_band == ABOVE_BAND and overview.mean_band == IN_BAND


def test_filtering_to_one_team_keeps_the_art_figure_over_the_whole_train(scored_pi, other_team):
    pi, _ = scored_pi
    overview = pi_objectives(pi, team_id=other_team.pk)

    assert [entry.team for entry in overview.teams] == [other_team]
    assert overview.art.percent == pytest.approx(124.0)


@pytest.mark.parametrize(
    ("committed", "uncommitted_actual", "percent", "band"),
    [
        ([(10, 8)], None, 80.0, IN_BAND),  # lower edge is inside the band
        ([(10, 10)], None, 100.0, IN_BAND),  # upper edge is inside the band
        ([(10, 7)], None, 70.0, BELOW_BAND),
        ([(5, 4), (5, 4)], None, 80.0, IN_BAND),
        ([(10, 10)], 1, 110.0, ABOVE_BAND),
    ],
)
def test_band_edges_80_and_100_are_healthy(pi, team, committed, uncommitted_actual, percent, band):
    for planned, actual in committed:
        objective(pi, team, planned, actual)
    if uncommitted_actual is not None:
        objective(pi, team, 3, uncommitted_actual, committed=False)
    entry = pi_objectives(pi).teams[0]

    assert entry.figure.percent == pytest.approx(percent)
    assert entry.band == band


def test_band_position_just_outside_the_edges():
    assert band_position(79.99) == BELOW_BAND
    assert band_position(100.01) == ABOVE_BAND
    assert band_position(None) is None


def test_nothing_scored_yet_is_not_zero_percent(pi, team):
    objective(pi, team, 8, None)
    entry = pi_objectives(pi).teams[0]

    assert entry.figure.percent is None
    assert entry.figure.reason == NOT_SCORED_YET


def test_pages_show_the_figures_with_what_they_are_computed_from(client, viewer, scored_pi, train):
    pi, _ = scored_pi
    client.force_login(viewer)
    for name in ("planning:objectives", "planning:business_owners"):
        html = client.get(reverse(name, args=[train.slug]), {"pi": pi.pk}).content.decode()

        # Whole percent, as on the dashboard and the I&A review (planning.calculations.percent_text).
        assert "127 %" in html and "actual 19 / planned 15 (committed)" in html
        assert "50 %" in html and "below the healthy band" in html
        assert "no committed planned value" in html
        assert "124 %" in html and "actual 31 / planned 25 (committed)" in html
        assert "Mean of team percentages" in html and "88 %" in html
        assert "Healthy band: 80–100 %" in html
