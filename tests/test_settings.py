"""Configuration: the embedded default needs nothing; a bad value stops start-up naming the variable."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"}
}


def load_settings(**env) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "artops.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_default_uses_sqlite_and_runs_tasks_in_process():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "memory://", "True"]


def test_database_and_redis_urls_switch_to_postgresql_and_a_real_broker():
    result = load_settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/artops", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://127.0.0.1:6379/0", "False"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "postgress//nohost"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/artops"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "false"}, "SECRET_KEY"),
    ],
)
def test_bad_configuration_stops_start_up_with_a_message_naming_the_variable(env, named):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]


def test_the_readme_documents_every_variable_the_settings_read():
    import re

    read = set(re.findall(r'_read\("([A-Z_]+)"', (ROOT / "artops" / "settings.py").read_text()))
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(), flags=re.M))
    assert read and read <= documented, sorted(read - documented)


# --- `make run`: DEBUG off, as a user meets the product --------------------------------------------


def make_run_commands(port: int) -> list[str]:
    """`make run`'s shell lines as make would run them, seeding aside (slow, and tested in tests/demo),
    served on `port` without the autoreloader's child process."""
    printed = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    lines = [line for line in printed.splitlines() if "manage.py" in line or "secret-key" in line]
    assert any("runserver 127.0.0.1:8000" in line for line in lines), printed
    return [
        line.replace("127.0.0.1:8000", f"127.0.0.1:{port} --noreload")
        for line in lines
        if "seed_demo" not in line
    ]


def test_make_run_serves_with_debug_off_and_needs_no_configuration(tmp_path):
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    *setup, serve = make_run_commands(port)
    env = {
        **CLEAN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("SESSION_COOKIE_SECURE", None)
    for line in setup:
        done = subprocess.run(
            ["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{line}\n{done.stderr}"

    log = (tmp_path / "runserver.log").open("w")
    server = subprocess.Popen(  # its own process group: bash and the server it starts stop together
        ["bash", "-c", serve], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )

    def get(path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:  # noqa: S310
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, body = get("/login/")
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "runserver.log").read_text()
                time.sleep(0.3)
        assert status == 200  # the secret key and the allowed hosts work without configuration
        assert "Secure" not in headers["Set-Cookie"]  # plain http://127.0.0.1 keeps its cookies

        status, _, body = get("/no-such-page/")
        assert status == 404
        assert "Page not found" in body and "ARTops" in body
        assert "URLconf" not in body and "urlpatterns" not in body and "DEBUG" not in body

        status, headers, body = get("/static/favicon.svg")  # WhiteNoise, from collectstatic
        assert (status, headers["Content-Type"]) == (200, "image/svg+xml")
        assert body.startswith("<svg")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


@pytest.mark.django_db
def test_the_404_page_looks_like_the_app_for_a_signed_in_user(client, rte):
    client.force_login(rte)

    response = client.get("/trains/no-such-train/nowhere/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and "Go to your train" in html and 'class="topbar"' in html


def test_the_500_page_renders_without_a_request_and_looks_like_the_app(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and 'class="topbar"' in html and "favicon.svg" in html


@pytest.mark.django_db
def test_every_page_links_the_favicon_and_says_it_is_in_british_english(client, rte):
    from django.contrib.staticfiles import finders

    client.force_login(rte)

    html = client.get("/account/tokens/").content.decode()

    assert '<html lang="en-GB">' in html
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in html
    assert finders.find("favicon.svg")
