"""The production processes, started natively: gunicorn, a Celery worker and beat, on PostgreSQL and
Redis. docker-compose.yml runs these same commands (tests/test_compose.py checks that file)."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from metrics.models import Snapshot
from planning.factories import PIObjectiveFactory

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("stack")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stack_env(postgres, redis_url) -> dict:
    """The environment of a production process, pointed at this test's own database."""
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "artops.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "stack-test-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
        "DATABASE_CONN_MAX_AGE": "0",
    }


@contextlib.contextmanager
def processes(tmp_path: Path, env: dict, commands: dict[str, list[str]]):
    running: dict[str, tuple[subprocess.Popen, Path]] = {}
    try:
        for name, command in commands.items():
            log = tmp_path / f"{name}.log"
            handle = log.open("w")
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
            running[name] = (process, log)
        yield running
    except BaseException:
        for name, (_, log) in running.items():
            sys.stderr.write(f"\n----- {name} log -----\n{log.read_text()[-4000:]}\n")
        raise
    finally:
        for process, _ in running.values():
            process.terminate()
        for process, _ in running.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(check, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - retried until the deadline, then reported
            last_error = exc
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen within {timeout}s (last error: {last_error!r})")


def http_get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return response.status, response.read().decode()


def test_gunicorn_worker_and_beat_run_natively_and_the_worker_computes_a_snapshot(
    stack_env, tmp_path, pi, team
):
    # Predictability by hand (domain.md §4.1): committed planned 8 + 6 = 14; actuals 7 + 6 + 3
    # (the uncommitted objective counts in the actuals only) = 16; 100 × 16 / 14 = 114.29 %.
    PIObjectiveFactory(pi=pi, team=team, is_committed=True, planned_business_value=8, actual_business_value=7)
    PIObjectiveFactory(pi=pi, team=team, is_committed=True, planned_business_value=6, actual_business_value=6)
    PIObjectiveFactory(
        pi=pi, team=team, is_committed=False, planned_business_value=4, actual_business_value=3
    )

    # Static files of its own: the suite's other processes serve the checkout's STATIC_ROOT meanwhile.
    stack_env = {**stack_env, "STATIC_ROOT": str(tmp_path / "static")}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=stack_env,
        check=True,
        timeout=120,
    )
    port = free_port()
    queue = f"artops-test-{uuid.uuid4().hex[:8]}"  # a queue of its own: no stray task reaches this worker
    commands = {
        "web": [
            str(BIN / "gunicorn"),
            "artops.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        "worker": [
            str(BIN / "celery"),
            "-A",
            "artops",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "-l",
            "info",
        ],
        "beat": [
            str(BIN / "celery"),
            "-A",
            "artops",
            "beat",
            "-l",
            "info",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
    }
    with processes(tmp_path, stack_env, commands) as running:
        status, body = wait_for(
            lambda: http_get(f"http://127.0.0.1:{port}/healthz"), timeout=30, what="gunicorn answering"
        )
        assert status == 200 and json.loads(body) == {"status": "ok", "database": "postgresql"}
        status, body = http_get(f"http://127.0.0.1:{port}/login/")
        assert status == 200 and "Log in to ARTops" in body

        # A client of its own that does not become the current app: shared tasks of later tests in this
        # process must keep running in-process.
        client = Celery(
            "artops-test", broker=stack_env["REDIS_URL"], backend=stack_env["REDIS_URL"], set_as_current=False
        )
        first = client.send_task("metrics.tasks.recompute_pi", args=[pi.pk], queue=queue).get(timeout=60)
        assert first["pi"] == pi.pk
        assert first["predictability"] == pytest.approx(100 * 16 / 14)
        snapshot = Snapshot.objects.get(pi=pi, team=None, metric=Snapshot.Metric.PREDICTABILITY)
        assert snapshot.value == pytest.approx(114.2857, abs=1e-3)
        assert snapshot.data["actual_bv"] == 16 and snapshot.data["planned_committed_bv"] == 14

        # A task run twice gives the same rows (upsert keyed by PI, team, metric and day).
        before = sorted(Snapshot.objects.values_list("pk", "metric", "team_id", "day", "value"))
        client.send_task("metrics.tasks.recompute_pi", args=[pi.pk], queue=queue).get(timeout=60)
        assert sorted(Snapshot.objects.values_list("pk", "metric", "team_id", "day", "value")) == before

        beat_log = running["beat"][1]
        wait_for(lambda: "beat: Starting" in beat_log.read_text(), timeout=30, what="celery beat starting")
        for name, (process, _) in running.items():
            assert process.poll() is None, f"{name} exited early"
