import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from planning.factories import FeatureFactory, StoryFactory
from risks.factories import RiskFactory
from trains.errors import NotAllowed
from trains.factories import MembershipFactory, TeamFactory, UserFactory
from trains.models import Membership, Role, Team, Train
from trains.services import (
    LAST_RTE,
    membership_add,
    membership_remove,
    membership_update,
    team_create,
    team_delete,
    team_update,
    train_create,
    train_delete,
    train_update,
)

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


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="x")


def cadence(train, **changes):
    fields = {
        "name": train.name,
        "slug": train.slug,
        "description": train.description,
        "iteration_length_days": train.iteration_length_days,
        "iterations_per_pi": train.iterations_per_pi,
    }
    return {**fields, **changes}


# --- trains -------------------------------------------------------------------------------------------


def test_a_superuser_creates_a_train_with_its_first_rte(superuser):
    first_rte = UserFactory()

    train = train_create(name="Nova ART", slug="nova", rte=first_rte, actor=superuser)

    assert list(train.memberships.values_list("user", "role", "team")) == [(first_rte.pk, Role.RTE, None)]


def test_only_a_superuser_creates_a_train(rte):
    with pytest.raises(NotAllowed):
        train_create(name="Nova ART", slug="nova", rte=rte, actor=rte)
    assert not Train.objects.filter(slug="nova").exists()


def test_a_train_is_not_created_without_an_rte_or_with_a_taken_slug(superuser, train):
    with pytest.raises(ValidationError) as no_rte:
        train_create(name="Nova ART", slug="nova", rte=None, actor=superuser)
    with pytest.raises(ValidationError) as taken:
        train_create(name="Orbit again", slug=train.slug, rte=UserFactory(), actor=superuser)

    assert "rte" in no_rte.value.message_dict
    assert "slug" in taken.value.message_dict


def test_the_rte_changes_the_trains_cadence(rte, train):
    train_update(train=train, actor=rte, **cadence(train, name="Orbit", iteration_length_days=10))

    train.refresh_from_db()
    assert (train.name, train.iteration_length_days) == ("Orbit", 10)


def test_a_cadence_out_of_range_is_refused_on_its_fields(rte, train):
    with pytest.raises(ValidationError) as error:
        train_update(train=train, actor=rte, **cadence(train, iteration_length_days=30, iterations_per_pi=1))

    assert set(error.value.message_dict) == {"iteration_length_days", "iterations_per_pi"}


@pytest.mark.parametrize("who", ["scrum_master", "superuser"])
def test_only_the_rte_changes_the_train(request, who, train):
    actor = request.getfixturevalue(who)

    with pytest.raises(NotAllowed):
        train_update(train=train, actor=actor, **cadence(train, name="Hijacked"))
    train.refresh_from_db()
    assert train.name == "Orbit ART"


def test_a_superuser_deletes_an_empty_train_with_its_teams_and_roles(superuser, rte, train, team):
    train_delete(train=train, actor=superuser)

    assert not Train.objects.filter(pk=train.pk).exists()
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not Membership.objects.filter(user=rte).exists()


def test_a_train_with_work_is_not_deleted(superuser, train, team):
    StoryFactory(team=team)

    with pytest.raises(ValidationError, match="Orbit ART still has 1 story"):
        train_delete(train=train, actor=superuser)
    assert Train.objects.filter(pk=train.pk).exists()


def test_the_rte_does_not_delete_the_train(rte, train):
    with pytest.raises(NotAllowed):
        train_delete(train=train, actor=rte)


# --- teams -------------------------------------------------------------------------------------------


def test_a_new_team_goes_last_on_the_board_unless_placed(rte, train, team):
    last = team_create(train=train, name="Gemini", kind="platform", actor=rte)
    placed = team_create(train=train, name="Mercury", kind="enabling", position=0, actor=rte)

    assert (last.position, placed.position) == (1, 0)


def test_the_rte_renames_and_moves_a_team(rte, team):
    team_update(team=team, name="Apollo 11", kind="platform", position=3, actor=rte)

    team.refresh_from_db()
    assert (team.name, team.kind, team.position) == ("Apollo 11", "platform", 3)


def test_a_team_keeps_its_own_name_in_another_case_but_not_a_neighbours(rte, team, other_team):
    team_update(team=team, name="APOLLO", kind=team.kind, position=team.position, actor=rte)

    with pytest.raises(ValidationError) as error:
        team_update(team=team, name="gemini", kind=team.kind, position=team.position, actor=rte)
    assert "name" in error.value.message_dict


def test_an_unknown_team_kind_is_refused_on_its_field(rte, team):
    with pytest.raises(ValidationError) as error:
        team_update(team=team, name=team.name, kind="squad", position=0, actor=rte)
    assert "kind" in error.value.message_dict


def test_only_the_rte_changes_teams(scrum_master, team):
    with pytest.raises(NotAllowed):
        team_update(team=team, name="Hijacked", kind=team.kind, position=0, actor=scrum_master)
    with pytest.raises(NotAllowed):
        team_delete(team=team, actor=scrum_master)
    team.refresh_from_db()
    assert team.name == "Apollo"


@pytest.mark.parametrize(
    "work",
    [
        lambda team: StoryFactory(team=team),  # CASCADE would erase it
        lambda team: FeatureFactory(train=team.train, team=team),  # SET_NULL would take it off the board
        lambda team: RiskFactory(train=team.train, team=team),  # SET_NULL would make it an ART risk
    ],
    ids=["story", "feature", "risk"],
)
def test_a_team_with_work_on_it_is_not_deleted(rte, team, work):
    work(team)

    with pytest.raises(ValidationError, match="Apollo still has 1 .*before deleting the team"):
        team_delete(team=team, actor=rte)
    assert Team.objects.filter(pk=team.pk).exists()


def test_a_team_with_no_work_is_deleted_with_its_roles(rte, scrum_master, team):
    team_delete(team=team, actor=rte)

    assert not Team.objects.filter(pk=team.pk).exists()
    assert not Membership.objects.filter(user=scrum_master).exists()


# --- memberships --------------------------------------------------------------------------------------


def test_the_rte_changes_and_takes_a_role(rte, scrum_master, team):
    membership = Membership.objects.get(user=scrum_master)

    membership_update(membership=membership, role=Role.PRODUCT_OWNER, team=team, actor=rte)
    assert Membership.objects.get(pk=membership.pk).role == Role.PRODUCT_OWNER
    membership_remove(membership=membership, actor=rte)
    assert not Membership.objects.filter(user=scrum_master).exists()


def test_a_role_already_held_is_not_given_twice_by_a_change(rte, train, team):
    user = UserFactory()
    MembershipFactory(user=user, train=train, team=team, role=Role.TEAM_MEMBER)
    coach = MembershipFactory(user=user, train=train, team=team, role=Role.SCRUM_MASTER)

    with pytest.raises(ValidationError) as error:
        membership_update(membership=coach, role=Role.TEAM_MEMBER, team=team, actor=rte)
    assert "role" in error.value.message_dict


def test_only_the_rte_takes_a_role(scrum_master, team_member):
    membership = Membership.objects.get(user=team_member)

    with pytest.raises(NotAllowed):
        membership_remove(membership=membership, actor=scrum_master)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_trains_last_rte_stays_until_another_is_appointed(rte, train):
    membership = Membership.objects.get(user=rte, role=Role.RTE)

    with pytest.raises(ValidationError, match=LAST_RTE):
        membership_remove(membership=membership, actor=rte)
    with pytest.raises(ValidationError, match=LAST_RTE):
        membership_update(membership=membership, role=Role.VIEWER, team=None, actor=rte)
    membership_add(train=train, user=UserFactory(), role=Role.RTE, actor=rte)
    membership_remove(membership=membership, actor=rte)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_superuser_appoints_an_rte_but_gives_no_other_role(superuser, train):
    successor = UserFactory()

    membership_add(train=train, user=successor, role=Role.RTE, actor=superuser)
    with pytest.raises(NotAllowed):
        membership_add(train=train, user=UserFactory(), role=Role.VIEWER, actor=superuser)
    assert Membership.objects.filter(user=successor, role=Role.RTE).exists()
