"""Hardening (issue #14): login throttling, and an admin that names nothing of another train."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from artops.lockout import client_address
from planning.models import ConfidenceVote, Dependency, VoteRound
from risks.models import Risk
from tests.test_admin import admin_url, make_staff, make_train
from trains.factories import DEFAULT_PASSWORD
from trains.models import Membership, Role

LOGIN = "/login/"


def log_in(client: Client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


# --- login throttling ---------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_MINUTES=15, AXES_COOLOFF_TIME=timedelta(minutes=15))
def test_wrong_passwords_lock_the_username_out_from_that_address_with_a_clear_message(client, rte):
    for _ in range(2):
        refused = log_in(client, "rte", "guess")
        assert refused.status_code == 200 and "Please enter a correct username and password" in (
            refused.content.decode()
        )

    third = log_in(client, "rte", "guess")
    assert third.status_code == 429

    # The right password no longer opens the door from this address, and the page says why and how long.
    locked = log_in(client, "rte", DEFAULT_PASSWORD)
    html = locked.content.decode()
    assert locked.status_code == 429
    assert SESSION_KEY not in client.session
    assert "Too many failed logins" in html and "“rte”" in html and "15 minutes" in html
    assert 'role="alert"' in html and "Log in to ARTops" in html  # the login page, not a bare text
    assert 'value="rte"' in html  # the username stays filled in


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_lockout_holds_for_one_username_from_one_address_only(client, rte, viewer):
    for _ in range(3):
        log_in(client, "rte", "guess", address="203.0.113.7")

    assert log_in(Client(), "rte", DEFAULT_PASSWORD, address="198.51.100.4").status_code == 302
    assert log_in(Client(), "viewer", DEFAULT_PASSWORD, address="203.0.113.7").status_code == 302


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=timedelta(minutes=15))
def test_the_lockout_ends_after_the_cool_off(client, rte):
    for _ in range(3):
        log_in(client, "rte", "guess")
    assert log_in(client, "rte", DEFAULT_PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    assert log_in(client, "rte", DEFAULT_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(rte.pk)


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_right_password_resets_the_count_of_failures(client, rte):
    for _ in range(2):
        log_in(client, "rte", "guess")
    assert log_in(client, "rte", DEFAULT_PASSWORD).status_code == 302
    client.logout()

    for _ in range(2):
        log_in(client, "rte", "guess")
    assert log_in(client, "rte", DEFAULT_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_admin_login_is_throttled_too(client, rte):
    rte.is_staff = True
    rte.save(update_fields=["is_staff"])
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "rte", "password": "guess"}, REMOTE_ADDR="203.0.113.7")

    locked = client.post(url, {"username": "rte", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="203.0.113.7")

    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.4", "10.0.0.5"),  # no proxy: the header is the client's word, not trusted
        (1, "198.51.100.4", "198.51.100.4"),
        (1, "6.6.6.6, 198.51.100.4", "198.51.100.4"),  # what the client put first is ignored
        (2, "6.6.6.6, 198.51.100.4, 10.0.0.9", "198.51.100.4"),
        (1, "", "10.0.0.5"),  # reached directly despite the setting
    ],
)
def test_failures_are_counted_against_the_address_the_proxies_saw(rf, settings, proxies, forwarded, expected):
    settings.LOGIN_PROXY_COUNT = proxies
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


# --- the admin names nothing of another train ----------------------------------------------------


@pytest.fixture
def two_trains():
    demo, other = make_train("demo"), make_train("other")
    rte = make_staff("rte", rte_of=demo.train)
    stranger = make_staff("stranger-person")
    stranger.first_name, stranger.last_name = "Zacharias", "Quimby"
    stranger.save()
    Membership.objects.create(user=stranger, train=other.train, team=other.team, role=Role.SCRUM_MASTER)
    round_ = VoteRound.objects.create(
        pi=other.pi, team=other.team, number=1, opened_by=stranger, opened_at=timezone.now()
    )
    ConfidenceVote.objects.create(round=round_, voter=stranger, score=2)
    return demo, other, rte, stranger, round_


def names_of_the_other_train(other, stranger) -> list[str]:
    return [other.train.name, other.pi.name, other.team.name, stranger.username, "Zacharias", "Quimby"]


@pytest.mark.django_db
def test_a_raw_id_of_another_trains_vote_round_shows_nothing_of_it(client, two_trains):
    demo, other, rte, stranger, round_ = two_trains
    client.force_login(rte)

    response = client.get(admin_url(ConfidenceVote, "add") + f"?round={round_.pk}&voter={stranger.pk}")

    html = response.content.decode()
    for name in names_of_the_other_train(other, stranger):
        assert name not in html, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Risk, "?owner={stranger}&raised_by={stranger}&pi={pi}"),
        (Dependency, "?owner={stranger}&pi={pi}&requesting_feature={feature}&providing_feature={feature}"),
    ],
)
def test_an_add_page_given_another_trains_ids_names_none_of_them(client, two_trains, model, query):
    demo, other, rte, stranger, round_ = two_trains
    client.force_login(rte)
    query = query.format(stranger=stranger.pk, pi=other.pi.pk, feature=other.features[0].pk)

    response = client.get(admin_url(model, "add") + query)

    assert response.status_code == 200
    html = response.content.decode()
    for name in [*names_of_the_other_train(other, stranger), other.features[0].title]:
        assert name not in html, name


@pytest.mark.django_db
def test_a_raw_id_names_a_person_of_the_rtes_own_train(client, two_trains):
    demo, other, rte, stranger, round_ = two_trains
    colleague = make_staff("colleague")
    colleague.first_name = "Ottilie"
    colleague.save()
    Membership.objects.create(user=colleague, train=demo.train, role=Role.PRODUCT_MANAGER)
    client.force_login(rte)

    html = client.get(admin_url(Risk, "add") + f"?owner={colleague.pk}").content.decode()

    assert "colleague" in html


@pytest.mark.django_db
def test_a_superuser_still_sees_every_trains_names(client, two_trains, admin_user):
    demo, other, rte, stranger, round_ = two_trains
    client.force_login(admin_user)

    html = client.get(admin_url(Risk, "add") + f"?owner={stranger.pk}").content.decode()

    assert "stranger-person" in html
