"""Capacity and load (domain.md §4.3): hand-computed figures, the traffic light, totals, refusals."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from planning.factories import StoryFactory
from planning.models import TeamCapacity
from planning.selectors.capacity import capacity_grid, team_plan
from planning.services.capacity import capacity_set
from trains.errors import NotAllowed, StaleVersion
from trains.factories import MembershipFactory, TeamFactory, UserFactory
from trains.models import Role


def enter(team, iteration, actor, fte, days_off=0, override=None, version=0):
    return capacity_set(
        team=team,
        iteration=iteration,
        fte=fte,
        days_off=days_off,
        capacity_override=override,
        expected_version=version,
        actor=actor,
    )


def test_five_fte_with_three_days_off_gives_37_points(pi, team, iterations, rte):
    enter(team, iterations[0], rte, Decimal("5"), 3)
    cell = capacity_grid(pi).cell(team.pk, iterations[0].pk)
    assert (cell.default, cell.capacity) == (37.0, 37.0)


def test_the_override_wins_over_the_default(pi, team, iterations, rte):
    enter(team, iterations[0], rte, Decimal("5"), 3, override=30)
    cell = capacity_grid(pi).cell(team.pk, iterations[0].pk)
    assert (cell.default, cell.capacity) == (37.0, 30.0)


def test_an_override_of_zero_is_an_override(pi, team, iterations, rte):
    enter(team, iterations[0], rte, Decimal("5"), 0, override=0)
    assert capacity_grid(pi).cell(team.pk, iterations[0].pk).capacity == 0.0


@pytest.mark.parametrize(
    ("points", "ratio", "status"),
    [(32, 80.0, "green"), (33, 82.5, "amber"), (40, 100.0, "amber"), (41, 102.5, "red")],
)
def test_load_against_capacity_is_green_to_80_amber_to_100_red_above(
    pi, team, iterations, rte, points, ratio, status
):
    enter(team, iterations[0], rte, Decimal("5"))  # 40 points
    StoryFactory(team=team, iteration=iterations[0], points=points - 2)
    StoryFactory(team=team, iteration=iterations[0], points=2)
    figures = capacity_grid(pi).cell(team.pk, iterations[0].pk).figures
    assert (figures.load, figures.ratio, figures.status) == (points, ratio, status)


def test_load_counts_only_the_teams_stories_in_that_iteration(pi, team, other_team, iterations, rte):
    StoryFactory(team=team, iteration=iterations[0], points=5)
    StoryFactory(team=team, iteration=iterations[1], points=8)
    StoryFactory(team=other_team, iteration=iterations[0], points=13)
    StoryFactory(team=team, iteration=None, points=20)
    grid = capacity_grid(pi)
    assert grid.cell(team.pk, iterations[0].pk).load == 5
    assert grid.cell(team.pk, iterations[1].pk).load == 8
    assert grid.cell(other_team.pk, iterations[0].pk).load == 13


def test_no_capacity_entered_with_load_is_red_and_without_load_green(pi, team, iterations):
    StoryFactory(team=team, iteration=iterations[0], points=3)
    grid = capacity_grid(pi)
    assert grid.cell(team.pk, iterations[0].pk).figures.status == "red"
    assert grid.cell(team.pk, iterations[1].pk).figures.status == "green"


def test_team_and_train_totals_add_development_iterations_and_leave_out_the_ip(
    pi, team, other_team, iterations, rte
):
    """Apollo I1 40 (load 30), I2 37 (load 40); Gemini I1 override 20 (load 10); IP 16 each, load 5.

    Apollo: 70 / 77 = 90.9 % amber. Gemini: 10 / 20 = 50 % green. I1 column: 40 / 60 = 66.7 % green.
    Train: 80 / 97 = 82.5 % amber (the IP's 32 points and 10 points of load are not in the totals).
    """
    ip = iterations[-1]
    assert ip.is_ip
    enter(team, iterations[0], rte, Decimal("5"))
    enter(team, iterations[1], rte, Decimal("5"), 3)
    enter(other_team, iterations[0], rte, Decimal("4"), override=20)
    enter(team, ip, rte, Decimal("2"))
    enter(other_team, ip, rte, Decimal("2"))
    for points, owner, iteration in [
        (30, team, 0),
        (40, team, 1),
        (10, other_team, 0),
        (5, team, -1),
        (5, other_team, -1),
    ]:
        StoryFactory(team=owner, iteration=iterations[iteration], points=points)
    grid = capacity_grid(pi)
    apollo, gemini = grid.row(team.pk).total, grid.row(other_team.pk).total
    assert (apollo.load, apollo.capacity, round(apollo.ratio, 1), apollo.status) == (70, 77.0, 90.9, "amber")
    assert (gemini.load, gemini.capacity, gemini.ratio, gemini.status) == (10, 20.0, 50.0, "green")
    first = grid.column_total(iterations[0].pk)
    assert (first.load, first.capacity, round(first.ratio, 1), first.status) == (40, 60.0, 66.7, "green")
    ip_column = grid.column_total(ip.pk)
    assert (ip_column.load, ip_column.capacity) == (10, 32.0)
    assert (grid.overall.load, grid.overall.capacity, round(grid.overall.ratio, 1), grid.overall.status) == (
        80,
        97.0,
        82.5,
        "amber",
    )


def test_capacity_set_upserts_and_bumps_the_version(pi, team, iterations, scrum_master):
    first = enter(team, iterations[0], scrum_master, Decimal("5"), 3)
    assert first.version == 1
    second = enter(team, iterations[0], scrum_master, Decimal("5.5"), 3, version=1)
    assert (second.pk, second.version, second.fte) == (first.pk, 2, Decimal("5.5"))
    assert TeamCapacity.objects.count() == 1
    pi.refresh_from_db()
    assert pi.board_version == 2


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"fte": Decimal("-1")}, "fte", "cannot be negative"),
        ({"fte": Decimal("100")}, "fte", "at most 99"),
        ({"fte": Decimal("5.125")}, "fte", "two decimals"),
        ({"days_off": -1}, "days_off", "cannot be negative"),
        ({"override": -1}, "capacity_override", "cannot be negative"),
        ({"days_off": 1.5}, "days_off", "whole number"),
    ],
)
def test_bad_capacity_is_refused_on_its_field_and_nothing_is_saved(
    pi, team, iterations, rte, values, field, message
):
    enter(team, iterations[0], rte, Decimal("5"), 3)
    arguments = {"fte": Decimal("6"), "days_off": 0, "override": None, **values}
    with pytest.raises(ValidationError) as refused:
        enter(
            team,
            iterations[0],
            rte,
            arguments["fte"],
            arguments["days_off"],
            arguments["override"],
            version=1,
        )
    assert message in refused.value.message_dict[field][0]
    row = TeamCapacity.objects.get()
    assert (row.fte, row.days_off, row.capacity_override, row.version) == (Decimal("5"), 3, None, 1)


def test_a_negative_capacity_is_refused_before_anything_exists(team, iterations, rte):
    with pytest.raises(ValidationError):
        enter(team, iterations[0], rte, Decimal("5"), -1)
    assert not TeamCapacity.objects.exists()


def test_a_stale_capacity_edit_is_refused(team, iterations, rte, product_manager):
    enter(team, iterations[0], rte, Decimal("5"))
    enter(team, iterations[0], product_manager, Decimal("6"), version=1)
    with pytest.raises(StaleVersion) as stale:
        enter(team, iterations[0], rte, Decimal("7"), version=1)
    assert stale.value.current.fte == Decimal("6")


def test_entering_a_cell_someone_else_entered_first_is_stale(team, iterations, rte, product_manager):
    enter(team, iterations[0], product_manager, Decimal("6"))
    with pytest.raises(StaleVersion):
        enter(team, iterations[0], rte, Decimal("7"), version=0)
    assert TeamCapacity.objects.get().fte == Decimal("6")


def test_a_scrum_master_of_another_team_cannot_edit_our_capacity(train, other_team, iterations, scrum_master):
    with pytest.raises(NotAllowed):
        enter(other_team, iterations[0], scrum_master, Decimal("5"))
    assert not TeamCapacity.objects.exists()


def test_a_product_owner_enters_their_own_teams_capacity(train, team, iterations):
    owner = UserFactory(username="po")
    MembershipFactory(user=owner, train=train, role=Role.PRODUCT_OWNER, team=team)
    assert enter(team, iterations[0], owner, Decimal("3")).capacity_points == 24.0


@pytest.mark.parametrize("persona", ["viewer", "team_member", "business_owner", "outsider"])
def test_readers_and_outsiders_cannot_enter_capacity(request, team, iterations, persona):
    with pytest.raises(NotAllowed):
        enter(team, iterations[0], request.getfixturevalue(persona), Decimal("5"))


def test_a_team_of_another_train_is_refused(pi, iterations, rte):
    foreign = TeamFactory()
    with pytest.raises(ValidationError):
        enter(foreign, iterations[0], None, Decimal("5"))


def test_the_team_plan_groups_stories_by_iteration_with_an_unscheduled_list(pi, team, iterations, rte):
    enter(team, iterations[0], rte, Decimal("1"))  # 8 points
    planned = StoryFactory(team=team, iteration=iterations[0], points=9)
    waiting = StoryFactory(team=team, iteration=None, points=2)
    plan = team_plan(pi, team)
    assert plan.columns[0].stories == [planned]
    assert plan.columns[0].cell.figures.status == "red"
    assert plan.unscheduled.stories == [waiting]
    assert (plan.total.load, plan.total.capacity) == (9, 8.0)
