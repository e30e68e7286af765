import pytest
from django.core.exceptions import ValidationError

from trains.errors import NotAllowed
from trains.factories import TeamFactory, UserFactory
from trains.models import Membership, Role
from trains.services import membership_add, team_create

pytestmark = pytest.mark.django_db


def test_rte_gives_a_user_a_team_role(rte, train, team):
    user = UserFactory()
    membership = membership_add(train=train, user=user, role=Role.SCRUM_MASTER, team=team, actor=rte)
    assert membership.team == team and membership.role == Role.SCRUM_MASTER


def test_adding_the_same_role_twice_keeps_one_membership(rte, train):
    user = UserFactory()
    membership_add(train=train, user=user, role=Role.VIEWER, actor=rte)
    membership_add(train=train, user=user, role=Role.VIEWER, actor=rte)
    assert Membership.objects.filter(user=user, train=train, role=Role.VIEWER).count() == 1


def test_team_role_without_a_team_is_refused_with_a_field_message(rte, train):
    with pytest.raises(ValidationError) as error:
        membership_add(train=train, user=UserFactory(), role=Role.SCRUM_MASTER, actor=rte)
    assert "team" in error.value.message_dict


def test_team_of_another_train_is_refused(rte, train):
    with pytest.raises(ValidationError):
        membership_add(train=train, user=UserFactory(), role=Role.TEAM_MEMBER, team=TeamFactory(), actor=rte)


def test_only_the_rte_manages_roles(scrum_master, train):
    with pytest.raises(NotAllowed):
        membership_add(train=train, user=UserFactory(), role=Role.VIEWER, actor=scrum_master)
    assert not Membership.objects.filter(role=Role.VIEWER).exists()


def test_team_names_are_unique_in_a_train_regardless_of_case(rte, train, team):
    with pytest.raises(ValidationError):
        team_create(train=train, name=team.name.upper(), kind="platform", actor=rte)
