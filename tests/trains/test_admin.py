"""The admin of trains, teams and memberships writes through the trains services, as the RTE."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from planning.models import Feature, PIObjective
from tests.test_admin import admin_url, change_form_data, make_staff, make_train
from trains.models import Membership, Role, Team, Train
from trains.services import (
    LAST_RTE,
    ONLY_THE_RTE_CHANGES_THE_TRAIN,
    ONLY_THE_RTE_MANAGES_ROLES,
    ONLY_THE_RTE_MANAGES_TEAMS,
)

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return make_train("demo", feature_count=2)


@pytest.fixture
def rte(demo):
    return make_staff("rte", rte_of=demo.train)


@pytest.fixture
def superuser(db):
    """Staff who sees every train in the admin but holds no role on ours."""
    return User.objects.create_superuser("root", password="x")


def refusal_on(response) -> str:
    """Every error the re-shown form carries, on its fields or above them."""
    return " ".join(
        message for messages in response.context["adminform"].form.errors.values() for message in messages
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def team_form(client, team: Team) -> tuple[str, dict]:
    url = admin_url(Team, "change", team.pk)
    return url, change_form_data(client.get(url))


def add_member_row(data: dict, user, role: str) -> dict:
    index = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": str(index + 1),
            f"memberships-{index}-user": user.pk,
            f"memberships-{index}-role": role,
        }
    )
    return data


# --- somebody who is not the train's RTE ----------------------------------------------------------------


def test_a_superuser_who_is_not_the_rte_cannot_change_a_team(client, superuser, demo):
    client.force_login(superuser)
    url, data = team_form(client, demo.team)
    data.update(name="Renamed", position=9)

    response = client.post(url, data)

    assert response.status_code == 200
    assert ONLY_THE_RTE_MANAGES_TEAMS in refusal_on(response)
    demo.team.refresh_from_db()
    assert (demo.team.name, demo.team.position) == ("demo Alpha", 1)


def test_a_superuser_who_is_not_the_rte_cannot_add_a_member_on_the_team_page(client, superuser, demo):
    newcomer = User.objects.create_user("newcomer")
    client.force_login(superuser)
    url, data = team_form(client, demo.team)

    response = client.post(url, add_member_row(data, newcomer, Role.TEAM_MEMBER))

    assert response.status_code == 200
    assert ONLY_THE_RTE_MANAGES_TEAMS in refusal_on(response)
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_superuser_who_is_not_the_rte_cannot_give_a_team_role(client, superuser, demo):
    newcomer = User.objects.create_user("newcomer")
    client.force_login(superuser)
    data = change_form_data(client.get(admin_url(Membership, "add")))
    data.update(user=newcomer.pk, train=demo.train.pk, team=demo.team.pk, role=Role.SCRUM_MASTER)

    response = client.post(admin_url(Membership, "add"), data)

    assert response.status_code == 200
    assert ONLY_THE_RTE_MANAGES_ROLES in refusal_on(response)
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_superuser_who_is_not_the_rte_cannot_change_the_trains_settings(client, superuser, demo):
    client.force_login(superuser)
    url = admin_url(Train, "change", demo.train.pk)
    data = change_form_data(client.get(url))
    data["iteration_length_days"] = 10

    response = client.post(url, data)

    assert response.status_code == 200
    assert ONLY_THE_RTE_CHANGES_THE_TRAIN in refusal_on(response)
    demo.train.refresh_from_db()
    assert demo.train.iteration_length_days == 14


def test_the_rte_of_another_train_finds_nothing_to_change(client, rte, demo):
    other = make_train("other", feature_count=0)
    outsider = make_staff("outsider", rte_of=other.train)
    membership = Membership.objects.get(train=demo.train, role=Role.RTE)
    client.force_login(outsider)

    renamed = client.post(admin_url(Team, "change", demo.team.pk), {"name": "Hijacked", "kind": "platform"})
    removed = client.post(admin_url(Membership, "delete", membership.pk), {"post": "yes"})

    # "Not found": another train's rows are not disclosed, let alone written.
    assert (renamed.status_code, renamed.url) == (302, "/admin/")
    assert removed.status_code == 302 and removed.url == "/admin/"
    demo.team.refresh_from_db()
    assert demo.team.name == "demo Alpha"
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_staff_with_a_team_role_but_not_rte_is_not_let_in(client, demo):
    coach = make_staff("coach")
    Membership.objects.create(user=coach, train=demo.train, team=demo.team, role=Role.SCRUM_MASTER)
    client.force_login(coach)

    assert client.get(admin_url(Team, "change", demo.team.pk)).status_code == 403
    assert client.post(admin_url(Team, "change", demo.team.pk), {"name": "x"}).status_code == 403
    demo.team.refresh_from_db()
    assert demo.team.name == "demo Alpha"


# --- the RTE ---------------------------------------------------------------------------------------


def test_the_rte_changes_a_team_and_its_members_on_the_team_page(client, rte, demo):
    newcomer = User.objects.create_user("newcomer")
    leaver = User.objects.create_user("leaver")
    Membership.objects.create(user=leaver, train=demo.train, team=demo.team, role=Role.TEAM_MEMBER)
    client.force_login(rte)
    url, data = team_form(client, demo.team)
    data.update(name="Apollo", kind=Team.Kind.PLATFORM, position=4)
    data = add_member_row(data, newcomer, Role.PRODUCT_OWNER)
    data["memberships-0-DELETE"] = "on"  # the leaver's row

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    demo.team.refresh_from_db()
    assert (demo.team.name, demo.team.kind, demo.team.position) == ("Apollo", Team.Kind.PLATFORM, 4)
    assert set(demo.team.memberships.values_list("user__username", "role")) == {
        ("newcomer", Role.PRODUCT_OWNER)
    }


def test_a_duplicate_team_name_is_refused_on_the_name_field(client, rte, demo):
    client.force_login(rte)
    url, data = team_form(client, demo.team)
    data["name"] = demo.other_team.name.upper()

    response = client.post(url, data)

    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    demo.team.refresh_from_db()
    assert demo.team.name == "demo Alpha"


def test_the_rte_adds_a_team_at_the_end_of_the_board(client, rte, demo):
    client.force_login(rte)
    data = change_form_data(client.get(admin_url(Team, "add")))
    data.update(train=demo.train.pk, name="demo Gamma", kind=Team.Kind.ENABLING)

    response = client.post(admin_url(Team, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Team.objects.get(name="demo Gamma").train == demo.train


def test_the_rte_gives_changes_and_takes_a_role_in_the_memberships_admin(client, rte, demo):
    newcomer = User.objects.create_user("newcomer")
    client.force_login(rte)
    data = change_form_data(client.get(admin_url(Membership, "add")))
    data.update(user=newcomer.pk, train=demo.train.pk, team=demo.team.pk, role=Role.TEAM_MEMBER)

    added = client.post(admin_url(Membership, "add"), data)

    assert added.status_code == 302, added.context["adminform"].form.errors
    membership = Membership.objects.get(user=newcomer)
    url = admin_url(Membership, "change", membership.pk)
    data = change_form_data(client.get(url))
    data["role"] = Role.SCRUM_MASTER
    assert client.post(url, data).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.SCRUM_MASTER
    assert client.post(admin_url(Membership, "delete", membership.pk), {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_trains_last_rte_cannot_be_removed(client, rte, demo):
    membership = Membership.objects.get(user=rte, role=Role.RTE)
    client.force_login(rte)

    response = client.post(admin_url(Membership, "delete", membership.pk), {"post": "yes"})

    assert response.status_code == 302
    assert LAST_RTE in messages_of(response)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_train_page_shows_teams_and_roles_without_writing_them(client, rte, demo):
    client.force_login(rte)
    url = admin_url(Train, "change", demo.train.pk)
    page = client.get(url)
    data = change_form_data(page)
    data.update(
        {"name": "Demo ART", "teams-0-name": "Hijacked", "teams-TOTAL_FORMS": "3", "teams-2-name": "New"}
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    demo.train.refresh_from_db()
    assert demo.train.name == "Demo ART"  # the train itself, through train_update
    assert set(demo.train.teams.values_list("name", flat=True)) == {"demo Alpha", "demo Beta"}


# --- deleting ------------------------------------------------------------------------------------------


def test_deleting_a_team_with_work_on_it_is_refused_with_the_reason(client, rte, demo):
    PIObjective.objects.create(pi=demo.pi, team=demo.team, text="Pay by card")
    client.force_login(rte)
    url = admin_url(Team, "delete", demo.team.pk)

    asked = client.get(url)
    posted = client.post(url, {"post": "yes"})

    for response in (asked, posted):
        assert (response.status_code, response.url) == (302, admin_url(Team, "change", demo.team.pk))
        message = messages_of(response)[-1]  # the GET's message is still waiting in the cookie
        assert message.startswith("demo Alpha still has 1 PI objective, 2 features: move or remove them")
    assert Team.objects.filter(pk=demo.team.pk).exists()
    assert Feature.objects.filter(team=demo.team).count() == 2


def test_the_rte_deletes_a_team_with_no_work_and_its_members_go_with_it(client, rte, demo):
    member = User.objects.create_user("member")
    Membership.objects.create(user=member, train=demo.train, team=demo.other_team, role=Role.TEAM_MEMBER)
    client.force_login(rte)
    url = admin_url(Team, "delete", demo.other_team.pk)

    assert client.get(url).status_code == 200
    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Team.objects.filter(pk=demo.other_team.pk).exists()
    assert not Membership.objects.filter(user=member).exists()


# --- trains --------------------------------------------------------------------------------------------


def test_a_superuser_creates_a_train_with_its_first_rte(client, superuser):
    future_rte = make_staff("future-rte")
    client.force_login(superuser)
    data = change_form_data(client.get(admin_url(Train, "add")))
    data.update(name="Nova ART", slug="nova")

    refused = client.post(admin_url(Train, "add"), data)
    created = client.post(admin_url(Train, "add"), {**data, "rte": future_rte.pk})

    assert refused.status_code == 200
    assert "rte" in refused.context["adminform"].form.errors
    assert created.status_code == 302, created.context["adminform"].form.errors
    train = Train.objects.get(slug="nova")
    assert Membership.objects.filter(train=train, user=future_rte, role=Role.RTE).exists()
    client.force_login(future_rte)
    assert client.get(admin_url(Train, "change", train.pk)).status_code == 200


def test_the_rte_changes_the_trains_cadence(client, rte, demo):
    client.force_login(rte)
    url = admin_url(Train, "change", demo.train.pk)
    data = change_form_data(client.get(url))
    data.update(iteration_length_days=10, iterations_per_pi=6)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    demo.train.refresh_from_db()
    assert (demo.train.iteration_length_days, demo.train.iterations_per_pi) == (10, 6)


def test_a_train_with_a_record_is_not_deleted(client, superuser, demo):
    client.force_login(superuser)

    response = client.post(admin_url(Train, "delete", demo.train.pk), {"post": "yes"})

    assert response.status_code == 302
    [message] = messages_of(response)
    assert message.startswith("Demo train still has")
    assert Train.objects.filter(pk=demo.train.pk).exists()
