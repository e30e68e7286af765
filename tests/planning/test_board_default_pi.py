"""Which PI the program board (and the header's "Program board" link) opens when none is asked for:
the PI in planning while there is one (the RTE's PI Planning), else the executing one."""

from datetime import date

import pytest
from django.urls import reverse

from planning.factories import ProgramIncrementFactory
from planning.models import ProgramIncrement
from planning.selectors.pis import pi_on_the_board, pis_of_train

pytestmark = pytest.mark.django_db

State = ProgramIncrement.State


def make(train, name, start, state):
    return ProgramIncrementFactory(train=train, name=name, start_date=start, state=state)


@pytest.fixture
def closed(train):
    return make(train, "PI 5", date(2026, 1, 5), State.CLOSED)


@pytest.fixture
def executing(train):
    return make(train, "PI 6", date(2026, 3, 30), State.EXECUTING)


@pytest.fixture
def in_planning(train):
    return make(train, "PI 7", date(2026, 6, 22), State.PLANNING)


def test_the_board_opens_the_pi_in_planning_while_another_executes(train, closed, executing, in_planning):
    assert pi_on_the_board(train, None) == in_planning


def test_without_a_pi_in_planning_it_opens_the_executing_one(train, closed, executing):
    make(train, "PI 7", date(2026, 6, 22), State.DRAFT)  # a draft is not being planned yet

    assert pi_on_the_board(train, None) == executing


def test_between_pis_it_opens_the_newest(train, closed):
    newest = make(train, "PI 6", date(2026, 3, 30), State.DRAFT)

    assert pi_on_the_board(train, None, list(pis_of_train(train))) == newest


def test_a_pi_asked_for_wins(train, executing, in_planning):
    assert pi_on_the_board(train, str(executing.pk)) == executing


def test_the_program_board_link_opens_the_pi_being_planned(client, rte, train, executing, in_planning):
    client.force_login(rte)
    board_url = reverse("planning:board", args=[train.slug])

    other_page = client.get(reverse("planning:backlog", args=[train.slug])).content.decode()
    assert f'href="{board_url}"' in other_page  # the link names no PI: the board's own default decides

    response = client.get(board_url)
    assert response.status_code == 200
    assert response.context["pi"] == in_planning
