"""The production processes, started natively: gunicorn, a Celery worker and beat, on PostgreSQL and
Redis. docker-compose.yml runs these same commands (tests/test_compose.py checks that file)."""

import json
import subprocess
import sys
import uuid

import pytest
from celery import Celery

from metrics.models import Snapshot
from planning.factories import PIObjectiveFactory
from tests.processes import (
    ROOT,
    celery,
    current_database_url,
    free_port,
    gunicorn,
    http_get,
    processes,
    production_env,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("stack")]


@pytest.fixture
def stack_env(postgres, redis_url) -> dict:
    """The environment of a production process, pointed at this test's own database."""
    return production_env(database_url=current_database_url(), redis_url=redis_url)


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
        "web": gunicorn(port),
        "worker": celery("worker", "--pool=solo", "-Q", queue, "-n", f"{queue}@%h"),
        "beat": celery("beat", "--schedule", str(tmp_path / "beat-schedule")),
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
