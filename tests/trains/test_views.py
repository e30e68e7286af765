import pytest
from django.urls import reverse

from planning.factories import ProgramIncrementFactory
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_login_page(client, train):
    response = client.get(reverse("trains:detail", args=[train.slug]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_after_login_a_user_lands_on_their_train(client, rte, train):
    response = client.post(reverse("login"), {"username": "rte", "password": "artops-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("trains:detail", args=[train.slug])
    assert train.name in response.content.decode()


def test_wrong_password_shows_a_clear_message_and_logs_nobody_in(client, rte):
    response = client.post(reverse("login"), {"username": "rte", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_user_on_several_trains_chooses_one(client, rte, train):
    MembershipFactory(user=rte, train=TrainFactory(name="Second ART", slug="second"), role=Role.VIEWER)
    client.force_login(rte)
    page = client.get(reverse("home")).content.decode()
    assert "Orbit ART" in page and "Second ART" in page


def test_train_home_lists_pis_teams_and_members(client, rte, scrum_master, train, team, pi):
    client.force_login(rte)
    page = client.get(reverse("trains:detail", args=[train.slug])).content.decode()
    assert pi.name in page and team.name in page
    assert "Scrum Master / Team Coach" in page and "Release Train Engineer" in page


def test_outsider_gets_404_not_403_for_a_train_they_hold_no_role_on(client, outsider, train):
    client.force_login(outsider)
    assert client.get(reverse("trains:detail", args=[train.slug])).status_code == 404


def test_train_home_costs_the_same_queries_for_a_small_and_a_large_train(
    client, rte, scrum_master, train, pi
):
    client.force_login(rte)
    url = reverse("trains:detail", args=[train.slug])
    client.get(url)  # warm the session

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for n in range(8):
        team = TeamFactory(train=train)
        for _ in range(4):
            MembershipFactory(user=UserFactory(), train=train, team=team, role=Role.TEAM_MEMBER)
        ProgramIncrementFactory(train=train, name=f"PI big {n}")
    assert count() == small


def test_healthz_reports_the_database(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json()["status"] == "ok"
