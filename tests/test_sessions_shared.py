"""A logout ends the session in every process serving the site (issue #14).

gunicorn runs several workers; without Redis each has its own in-process cache, so a session kept in
that cache outlived its logout in the other workers. Here gunicorn runs natively with three workers
and no Redis (the embedded default's engine, on this test's PostgreSQL database): a person logs in,
logs out on one worker, and the old cookie is refused by every worker afterwards.
"""

import http.client
import re
import subprocess
import sys
from http.cookies import SimpleCookie

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.processes import (
    ROOT,
    current_database_url,
    free_port,
    gunicorn,
    http_get,
    processes,
    production_env,
    wait_for,
)
from trains.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("stack")]

PASSWORD = "shared-sessions-test"
WORKERS = 3
# The worker's pid beside each request, to tell which worker answered it.
ACCESS_LOG = ["--access-logfile", "-", "--access-logformat", "served-by %(p)s %(m)s %(U)s?%(q)s %(s)s"]


class Client:
    """Raw HTTP on a new connection per request (so the kernel hands each to any worker), cookies by hand."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = "&".join(f"{name}={value}" for name, value in form.items())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()


def served_by(log: str, marker: str) -> str:
    """The pid of the worker that answered the request whose query string is `marker`."""
    match = re.search(rf"served-by <?(\d+)>? \w+ \S+\?{re.escape(marker)} \d+", log)
    assert match, f"no access-log line for {marker}"
    return match.group(1)


def test_a_logout_on_one_worker_is_honoured_by_every_other_worker_without_redis(tmp_path):
    user = UserFactory(username="shared-session")
    hasher = PBKDF2PasswordHasher()  # the production settings do not accept the test settings' MD5
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])

    env = production_env(
        database_url=current_database_url(), redis_url=None, STATIC_ROOT=str(tmp_path / "static")
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    port = free_port()
    with processes(tmp_path, env, {"web": [*gunicorn(port, workers=WORKERS), *ACCESS_LOG]}) as running:
        log_path = running["web"][1]
        wait_for(lambda: http_get(f"http://127.0.0.1:{port}/healthz"), timeout=30, what="gunicorn answering")

        client = Client(port)
        status, _, page = client.request("GET", "/login/?step=form")
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, headers, _ = client.request(
            "POST",
            "/login/?step=login",
            {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert status == 302 and "sessionid" in client.cookies, headers
        old_cookies = dict(client.cookies)

        # Signed in on every worker: each has read (and, with a per-process cache, kept) the session.
        before = [client.request("GET", f"/?step=before-{n}")[0] for n in range(3 * WORKERS)]
        assert before == [200] * len(before)

        status, headers, _ = client.request(
            "POST", "/logout/?step=logout", {"csrfmiddlewaretoken": client.cookies["csrftoken"]}
        )
        assert status == 302 and headers["Location"] == "/login/"

        # Someone kept the cookie of the ended session: every request sends it as it was, whatever
        # an answer says to do with it.
        def with_the_old_cookie(n: int):
            kept = Client(port)
            kept.cookies = dict(old_cookies)
            return kept.request("GET", f"/?step=after-{n}")

        after = [with_the_old_cookie(n) for n in range(20)]
        assert [status for status, _, _ in after] == [302] * 20, "the old cookie still opened a page"
        assert all(headers["Location"].startswith("/login/") for _, headers, _ in after)

        # The refusals came from the other workers too, not only the one that logged out.
        log = wait_for(
            lambda: (text := log_path.read_text()).count("step=after-") >= 20 and text,
            timeout=10,
            what="the access log catching up",
        )
        logout_worker = served_by(log, "step=logout")
        refusing_workers = {served_by(log, f"step=after-{n}") for n in range(20)}
        assert refusing_workers - {logout_worker}, (
            f"every refusal came from the worker that logged out ({logout_worker}); "
            "the test proves nothing about the others"
        )
