"""What the dashboard says beside its figures: a partial predictability says so on the tile, the
chart and the team table; percentages never round across a band edge; flow efficiency is explained.

Built from unsaved snapshots: the dashboard reads only their values and data."""

from datetime import UTC, datetime

from metrics.dashboard import across_pis
from metrics.dashboard.page import pi_dashboard
from metrics.dashboard.tiles import pi_tiles
from metrics.models import Snapshot
from planning.models import ProgramIncrement
from trains.models import Team

Metric = Snapshot.Metric
COMPUTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def snapshot(metric, value, data=None, *, pi_name="PI 3", team=None) -> Snapshot:
    return Snapshot(
        pi=ProgramIncrement(name=pi_name),
        team=team,
        metric=metric,
        value=value,
        data=data or {},
        computed_at=COMPUTED,
    )


def predictability(value, *, scored, objectives, pi_name="PI 3", team=None, reason=None) -> Snapshot:
    data = {"scored": scored, "objectives": objectives, "reason": reason, "mean_of_teams": value}
    return snapshot(Metric.PREDICTABILITY, value, data, pi_name=pi_name, team=team)


def tile(tiles, label):
    return next(t for t in tiles if t.label == label)


# --- a partial predictability ---------------------------------------------------------------------


def test_a_partial_predictability_is_labelled_partial_on_the_tile_and_not_coloured_as_a_miss():
    tiles = pi_tiles({Metric.PREDICTABILITY: predictability(16.0, scored=3, objectives=28)})

    shown = tile(tiles, "Predictability (ART)")
    assert shown.value == "16%"
    assert shown.flag == "partial: 3 of 28 scored"
    assert shown.status == "partial"  # neither the amber of a miss nor the green of a hit
    assert "not final" in shown.detail


def test_a_final_predictability_has_no_partial_label_and_its_band_colour():
    tiles = pi_tiles({Metric.PREDICTABILITY: predictability(92.0, scored=28, objectives=28)})

    shown = tile(tiles, "Predictability (ART)")
    assert (shown.flag, shown.status) == ("", "good")


def test_a_partial_pi_is_a_hollow_labelled_point_on_the_per_pi_chart():
    cards = across_pis(
        [
            predictability(101.0, scored=28, objectives=28, pi_name="PI 2"),
            predictability(16.0, scored=3, objectives=28, pi_name="PI 3"),
        ]
    )

    chart = cards[0].chart
    assert chart.id == "chart-predictability-pis"
    svg = str(chart.svg)
    assert svg.count('class="dot s0 partial"') == 1  # PI 3 only; PI 2 is drawn as final
    assert 'class="partial-label"' in svg and "partial: 3 of 28 scored</text>" in svg
    assert 'dashed partial"' in svg  # the line into the partial point is dashed
    assert ["PI 3", "16.0% (partial: 3 of 28 scored)", "16.0% (partial: 3 of 28 scored)"] in chart.table.rows
    assert ["PI 2", "101.0%", "101.0%"] in chart.table.rows
    assert ("Hollow mark: partial figure, not final", "partial-mark") in chart.legend
    assert "PI 3 16% (partial: 3 of 28 scored)" in chart.description
    assert any("PI 3 is partial: 3 of 28 scored" in note for note in cards[0].notes)


def test_a_pi_not_scored_at_all_is_no_point_rather_than_a_partial_one():
    cards = across_pis(
        [
            predictability(101.0, scored=28, objectives=28, pi_name="PI 2"),
            predictability(None, scored=0, objectives=28, pi_name="PI 3", reason="not_scored_yet"),
        ]
    )

    assert "partial" not in str(cards[0].chart.svg)


def test_a_partial_team_bar_and_the_team_table_say_partial():
    team = Team(pk=7, name="Comets", position=1)
    art = predictability(40.0, scored=2, objectives=6)
    team_figure = predictability(40.0, scored=2, objectives=6, team=team)
    board = pi_dashboard(
        ProgramIncrement(name="PI 3"),
        {(Metric.PREDICTABILITY, None): art, (Metric.PREDICTABILITY, team.pk): team_figure},
    )

    card = board.cards[0]
    assert 'class="bar s0 partial"' in str(card.chart.svg)
    assert ["Comets", "40.0% (partial: 2 of 6 scored)"] in card.chart.table.rows
    assert any("partial: 2 of 6 scored" in note and "not final" in note for note in card.notes)
    assert board.team_rows[0].cells[0] == "40% (partial: 2 of 6 scored)"


# --- percentages beside a band --------------------------------------------------------------------


def test_a_percentage_just_under_a_band_edge_is_not_rounded_onto_it():
    tiles = pi_tiles({Metric.PREDICTABILITY: predictability(79.5, scored=28, objectives=28)})

    shown = tile(tiles, "Predictability (ART)")
    assert shown.value == "79.5%"
    assert shown.status == "warn"  # below the band, and the text reads below it too


def test_the_forecast_and_the_load_keep_their_own_edges():
    forecast = snapshot(Metric.FORECAST, 84.6, {"remaining": 3, "committed": 9, "date_85": None})
    tiles = pi_tiles({Metric.FORECAST: forecast})
    assert tile(tiles, "Forecast: done by PI end").value == "84.6%"

    team = Team(pk=7, name="Comets", position=1)
    load = {
        "iterations": [],
        "teams": [{"team": "Comets", "iterations": [{"iteration": "I1", "ratio": 100.3}]}],
    }
    board = pi_dashboard(
        ProgramIncrement(name="PI 3"),
        {
            (Metric.PREDICTABILITY, None): predictability(90.0, scored=1, objectives=1),
            (Metric.LOAD, None): snapshot(Metric.LOAD, 100.3, load),
            (Metric.LOAD, team.pk): snapshot(Metric.LOAD, 100.3, team=team),
        },
    )
    assert board.load_matrix["teams"][0]["iterations"][0]["ratio_text"] == "100.3%"  # not "100%": over
    assert board.team_rows[0].cells[6] == "100.3%"


# --- flow efficiency explained ----------------------------------------------------------------------


def test_flow_efficiency_is_explained_on_its_tile_and_under_the_team_table():
    efficiency = snapshot(Metric.FLOW_EFFICIENCY, 42.0, {"waiting_days": 12.5})
    tiles = pi_tiles({Metric.FLOW_EFFICIENCY: efficiency})

    shown = tile(tiles, "Flow efficiency")
    assert "time worked ÷ time from start to done" in shown.detail
    assert "waiting" in shown.explanation and "rather than" in shown.explanation

    board = pi_dashboard(
        ProgramIncrement(name="PI 3"),
        {(Metric.PREDICTABILITY, None): predictability(90.0, scored=1, objectives=1)},
    )
    assert any(note.startswith("Flow efficiency:") for note in board.team_notes)
