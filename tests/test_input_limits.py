"""The cases of issue #14 (part 4), each where it is fixed: the limits of accepted input
(trains/limits.py), the id converter, the form fields, the PI date rule in the service and the
database, and SQLite's "database is locked" as a 409. tests/test_hostile_inputs.py walks every page
with these values; tests/test_sqlite_contention.py saves the same record twice at once on SQLite."""

import sqlite3
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction

from planning.factories import FeatureFactory
from planning.models import ProgramIncrement
from planning.services.lifecycle import iteration_update, pi_create, pi_update_dates
from risks.forms import ImpedimentRaiseForm
from trains.forms import DayField
from trains.limits import DAY_OUT_OF_RANGE, MAX_ID, parse_id, whole_number
from trains.refusals import DATABASE_BUSY, refusal

BEYOND = str(MAX_ID + 1)


@pytest.mark.parametrize(
    ("typed", "read"),
    [("7", 7), ("007", 7), (str(MAX_ID), MAX_ID), (BEYOND, None), ("0", None), ("-1", None)]
    + [("²", None), ("٣", None), ("1.5", None), ("", None), (None, None), ("7\x00", None), ("9" * 400, None)],
)
def test_an_id_in_a_query_string_is_ascii_digits_naming_a_possible_row(typed, read):
    assert parse_id(typed) == read


def test_a_count_may_be_zero_but_is_ascii_digits_too():
    assert whole_number("0") == 0
    assert whole_number("²") is None
    assert whole_number(BEYOND) is None


# --- ids in addresses ---------------------------------------------------------------------------


def test_the_move_address_with_an_id_of_2_to_the_63_is_a_404(client, rte, upcoming_pi, team):
    feature = FeatureFactory(train=upcoming_pi.train, pi=upcoming_pi)
    client.force_login(rte)
    iteration = upcoming_pi.iterations.first()
    data = {"team": team.pk, "iteration": iteration.pk, "version": feature.version}

    for feature_id in (BEYOND, "9" * 40):
        response = client.post(f"/trains/orbit/board/features/{feature_id}/move/", data)
        assert response.status_code == 404
    # The largest id the database holds is an address like any other: no such feature.
    assert client.post(f"/trains/orbit/board/features/{MAX_ID}/move/", data).status_code == 404


# --- query strings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "/trains/orbit/board/?team=²",
        "/trains/orbit/board/changes/?since=²",
        "/trains/orbit/risks/?level=²",
        "/trains/orbit/planning/objectives/?team=²",
        f"/trains/orbit/board/?team={BEYOND}",
        f"/trains/orbit/risks/?level={BEYOND}",
    ],
)
def test_a_filter_that_is_no_id_shows_everything_rather_than_failing(client, rte, pi, team, address):
    client.force_login(rte)
    assert client.get(address).status_code == 200


def test_a_roam_move_from_a_board_at_a_unicode_digit_level_still_moves(client, rte, pi, team):
    from risks.factories import RiskFactory

    risk = RiskFactory(train=pi.train, pi=pi, team=team)
    client.force_login(rte)
    data = {"status": "owned", "owner": rte.pk, "version": risk.version, "level": "²", "board_pi": pi.pk}
    response = client.post(f"/trains/orbit/risks/{risk.pk}/move/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200


# --- form fields --------------------------------------------------------------------------------


@pytest.mark.parametrize("chosen", [[BEYOND], ["9" * 40], ["²"], ["0"]])
def test_a_multi_select_refuses_an_id_no_row_can_have_on_its_field(team, chosen):
    feature = FeatureFactory(train=team.train, team=team)
    form = ImpedimentRaiseForm(
        {"team": team.pk, "title": "Blocked", "severity": "high", "blocked_features": chosen},
        teams=team.train.teams.all(),
        features=type(feature).objects.filter(pk=feature.pk),
    )
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["blocked_features"][0]


@pytest.mark.parametrize("typed", ["31/12/9999", "0001-01-01", "31/12/1999", "01/01/2101"])
def test_a_day_outside_2000_to_2100_is_refused_with_a_message(typed):
    with pytest.raises(ValidationError) as refused:
        DayField().clean(typed)
    assert refused.value.messages == [DAY_OUT_OF_RANGE]


def test_a_day_inside_the_range_is_read_day_first():
    assert DayField().clean("04/01/2027") == date(2027, 1, 4)


# --- the PI's dates: the service and the database -------------------------------------------------


@pytest.mark.parametrize("start", [date(9999, 12, 27), date(1, 1, 1), date(2100, 12, 1)])
def test_a_pi_starting_out_of_range_is_refused_on_its_start_date(train, rte, start):
    # 9999 was an OverflowError: the iterations' dates are computed from the start.
    with pytest.raises(ValidationError) as refused:
        pi_create(train=train, name="PI far", start_date=start, actor=rte)
    assert refused.value.message_dict == {"start_date": [DAY_OUT_OF_RANGE]}


def test_a_pi_or_iteration_moved_out_of_range_is_refused(pi, rte):
    with pytest.raises(ValidationError) as refused:
        pi_update_dates(pi=pi, start_date=date(1, 1, 1), end_date=pi.end_date, actor=rte)
    assert "start_date" in refused.value.message_dict
    iteration = pi.iterations.order_by("number").last()
    with pytest.raises(ValidationError) as refused:
        iteration_update(
            iteration=iteration, start_date=iteration.start_date, end_date=date(9999, 1, 1), actor=rte
        )
    assert "end_date" in refused.value.message_dict


def test_the_database_refuses_a_pi_out_of_range_whatever_writes_it(pi):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramIncrement.objects.filter(pk=pi.pk).update(end_date=date(9999, 12, 31))


# --- SQLite busy ----------------------------------------------------------------------------------


def _sqlite_error(code: int) -> OperationalError:
    error = OperationalError("database is locked")
    cause = sqlite3.OperationalError("database is locked")
    cause.sqlite_errorcode = code
    error.__cause__ = cause
    return error


def test_sqlite_busy_is_a_409_that_says_to_try_again():
    refused = refusal(_sqlite_error(sqlite3.SQLITE_BUSY))
    assert (refused.status, refused.message) == (409, DATABASE_BUSY)


def test_other_database_errors_stay_500s():
    assert refusal(_sqlite_error(sqlite3.SQLITE_IOERR)) is None
    assert refusal(OperationalError("no cause")) is None
