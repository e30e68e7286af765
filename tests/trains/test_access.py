import pytest

from trains.access import train_access
from trains.factories import MembershipFactory, TeamFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db


def test_rte_and_product_manager_plan_every_team(rte, product_manager, team, other_team):
    for user in (rte, product_manager):
        access = train_access(user, team.train)
        assert access.can_plan_team(team.pk) and access.can_plan_team(other_team.pk)


def test_scrum_master_plans_only_their_own_team(scrum_master, team, other_team):
    access = train_access(scrum_master, team.train)
    assert access.can_plan_team(team.pk)
    assert not access.can_plan_team(other_team.pk)
    assert not access.can_plan_team(None)


def test_viewer_sees_but_can_neither_plan_nor_vote(viewer, team):
    access = train_access(viewer, team.train)
    assert access.can_view
    assert not access.can_plan_any and not access.can_vote


def test_outsider_has_no_access_to_a_train_they_hold_no_role_on(outsider, train):
    assert not train_access(outsider, train).can_view


def test_superuser_without_a_role_does_not_see_the_train(train):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert not train_access(admin, train).can_view


def test_roles_on_one_train_grant_nothing_on_another(train):
    user = UserFactory()
    MembershipFactory(user=user, train=train, role=Role.RTE)
    other_team = TeamFactory(name="Far away")
    assert not train_access(user, other_team.train).can_plan_team(other_team.pk)


def test_access_is_loaded_in_one_query(rte, train, django_assert_num_queries):
    with django_assert_num_queries(1):
        access = train_access(rte, train)
        assert access.is_rte and access.can_plan_any and access.can_vote
