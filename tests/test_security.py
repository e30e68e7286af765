"""Hardening (issue #14): login throttling, HTTPS settings, the Content Security Policy, the production
example passing `check --deploy`, and an admin that names nothing of another train."""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

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
from tests.test_compose import app_environment
from trains.factories import DEFAULT_PASSWORD
from trains.models import Membership, Role

ROOT = Path(__file__).resolve().parent.parent
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


# --- settings from the environment ---------------------------------------------------------------


def settings_with(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "AXES_", "LOGIN_", "DEBUG"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings as s; {code}",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "artops.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


HTTPS_SETTINGS = (
    "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
    "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, "
    "s.ALLOWED_HOSTS)"
)


def test_https_is_off_by_default_and_testserver_is_no_default_host():
    result = settings_with(HTTPS_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None False 0 False False 5 0:15:00 ['127.0.0.1', 'localhost']"


def test_hsts_redirect_proxy_header_and_throttling_come_from_the_environment():
    result = settings_with(
        HTTPS_SETTINGS,
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
        AXES_FAILURE_LIMIT="8",
        AXES_COOLOFF_MINUTES="30",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "('HTTP_X_FORWARDED_PROTO', 'https') True 600 True True 8 0:30:00 ['127.0.0.1', 'localhost']"
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https"}, "SECURE_PROXY_SSL_HEADER"),
        ({"SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS"),
        ({"SECURE_HSTS_SECONDS": "-1"}, "SECURE_HSTS_SECONDS"),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT"),
        ({"LOGIN_PROXY_COUNT": "-1"}, "LOGIN_PROXY_COUNT"),
    ],
)
def test_a_bad_security_setting_stops_start_up_naming_it(env, named):
    result = settings_with("pass", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr.strip().splitlines()[-1]


@pytest.mark.django_db
def test_plain_http_is_redirected_and_https_through_the_proxy_gets_hsts(rte):
    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=31536000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        client = Client()  # its middleware is built with these settings
        plain = client.get(LOGIN)
        assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
        # The container's health check speaks plain HTTP from inside: it is not redirected.
        assert client.get("/healthz").status_code == 200

        through_proxy = client.get(LOGIN, HTTP_X_FORWARDED_PROTO="https")
        assert through_proxy.status_code == 200
        assert through_proxy["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def production_example_environment() -> dict[str, str]:
    """What `docker compose up` gives the web service from deploy/env.example, the secrets filled in."""
    variables = {}
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip()
    variables.update(SECRET_KEY=secrets.token_urlsafe(50), POSTGRES_PASSWORD=secrets.token_hex(24))
    env = app_environment("web", variables)
    # Nothing connects (check --deploy reads the settings): the service names need not resolve.
    return {name: re.sub(r"(?<=[@/])(db|redis)(?=[:/])", "127.0.0.1", value) for name, value in env.items()}


def test_the_production_example_passes_check_deploy_without_a_warning():
    env = production_example_environment()
    assert env["SECURE_SSL_REDIRECT"] == "true" and int(env["SECURE_HSTS_SECONDS"]) >= 31536000

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **env},  # nothing leaks in from the test run's environment
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced).", result.stdout


# --- Content Security Policy ---------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_a_policy_with_strict_scripts(client, rte):
    client.force_login(rte)

    policy = client.get("/account/tokens/")["Content-Security-Policy"]

    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["report-uri"] == ["/csp-report/"]
    assert "unsafe-eval" not in policy


def test_no_template_holds_an_inline_script_or_event_handler():
    found = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", template.read_text())  # a comment may name what it avoids
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                found.append(f"{template.name}: {tag}")
        found += [f"{template.name}: {m}" for m in re.findall(r"\s(?:on[a-z]+|hx-on[:\w-]*)=", text)]
        found += [f"{template.name}: {m}" for m in re.findall(r"javascript:|js:", text)]
    assert not found, found


def test_htmx_runs_without_eval_under_the_policy():
    base = (ROOT / "templates" / "base.html").read_text()
    assert '"allowEval":false' in base and '"includeIndicatorStyles":false' in base


@pytest.mark.django_db
def test_a_violation_report_is_logged(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "http://testserver/trains/orbit/board/",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "blocked-uri": "inline",
            "line-number": 12,
        }
    }
    with caplog.at_level(logging.WARNING, logger="artops.csp"):
        response = client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    assert "script-src-elem" in caplog.text and "/trains/orbit/board/" in caplog.text


@pytest.mark.django_db
def test_a_report_that_is_no_json_is_still_answered(client, caplog):
    with caplog.at_level(logging.WARNING, logger="artops.csp"):
        response = client.post("/csp-report/", b"\x00" * 100, content_type="application/csp-report")
    assert response.status_code == 204 and "could not be read" in caplog.text


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
