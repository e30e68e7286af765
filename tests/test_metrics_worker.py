"""Metrics on a real Celery worker and beat, on PostgreSQL and Redis, with board moves made by another
process (the "web"), exactly as in production: the change hook enqueues after commit, coalesced.

The processes use tests/metrics/worker_app.py: the project's Celery app on a queue of this test's own.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from metrics.models import PIRecompute, Snapshot
from metrics.services import pi_snapshot_compute
from planning.factories import FeatureFactory, PIObjectiveFactory, ProgramIncrementFactory
from planning.models import Feature, ProgramIncrement
from planning.services import feature_set_state
from tests import test_stack as stack

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("stack"), pytest.mark.services]

MOVE_SCRIPT = """
import sys
import django

django.setup()
import tests.metrics.worker_app  # noqa: F401 - this process's tasks go to the test's queue

from datetime import datetime, time

from django.utils import timezone

from planning.models import Feature, Iteration
from planning.services import feature_move
from trains.models import Team

feature = Feature.objects.get(pk=int(sys.argv[1]))
cells = [
    (Team.objects.get(pk=int(team)), Iteration.objects.get(pk=int(iteration)))
    for team, iteration in (cell.split(":") for cell in sys.argv[2].split(","))
]
for n in range(int(sys.argv[3])):
    team, iteration = cells[n % len(cells)]
    # As planned on the PI's first day, before any of its iterations ended.
    feature = feature_move(
        feature=feature, team_id=team.pk, iteration_id=iteration.pk, expected_version=feature.version,
        at=timezone.make_aware(datetime.combine(feature.pi.start_date, time(9))),
    )
"""


@pytest.fixture
def queue() -> str:
    return f"artops-metrics-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker_env(postgres, redis_url, queue) -> dict:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "artops.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "metrics-worker-test-" + uuid.uuid4().hex,
        "DATABASE_CONN_MAX_AGE": "0",
        "ARTOPS_TEST_QUEUE": queue,
    }


def celery_command(*args: str) -> list[str]:
    return [str(BIN / "celery"), "-A", "tests.metrics.worker_app", *args, "-l", "info"]


def move(env: dict, feature: Feature, cells, times: int) -> float:
    """Move the card `times` times round `cells` from another process (the web); return the seconds it took."""
    spec = ",".join(f"{team.pk}:{iteration.pk}" for team, iteration in cells)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", MOVE_SCRIPT, str(feature.pk), spec, str(times)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    return time.monotonic() - started


def settled(pi: ProgramIncrement) -> PIRecompute | None:
    """The PI's recompute state once nothing is stale, queued or running."""
    state = PIRecompute.objects.get(pi=pi)
    if state.is_stale or state.queued_at or state.running_since:
        return None
    return state


def velocity(pi, team) -> float | None:
    return Snapshot.objects.get(pi=pi, team=team, metric=Snapshot.Metric.FLOW_VELOCITY).value


@pytest.fixture
def plan(train, team, other_team):
    """An executing PI with one feature done by Apollo in I1."""
    start = timezone.localdate() - timedelta(days=20)
    pi = ProgramIncrementFactory(
        train=train, name="PI 9", start_date=start, state=ProgramIncrement.State.EXECUTING
    )
    i1, i2 = pi.iterations.order_by("number")[:2]
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8)
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=i1)
    now = timezone.now()
    feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=now - timedelta(days=10))
    feature_set_state(feature=feature, state=Feature.State.DONE, at=now - timedelta(days=2))
    pi_snapshot_compute(pi=pi)
    return pi, feature, [(team, i1), (other_team, i2)]


def test_a_board_move_reaches_the_snapshots_within_seconds_and_a_burst_is_coalesced(
    worker_env, queue, tmp_path, plan, team, other_team
):
    pi, feature, (apollo_cell, gemini_cell) = plan
    assert (velocity(pi, team), velocity(pi, other_team)) == (1, 0)
    commands = {"worker": celery_command("worker", "--pool=solo", "-Q", queue, "-n", f"{queue}@%h")}

    with stack.processes(tmp_path, worker_env, commands) as running:
        worker_log = running["worker"][1]
        stack.wait_for(lambda: "ready" in worker_log.read_text(), timeout=30, what="the worker starting")

        # One move on the board (by the web process): the done feature now belongs to Gemini.
        started = time.monotonic()
        move(worker_env, feature, [gemini_cell], 1)
        stack.wait_for(
            lambda: velocity(pi, other_team) == 1, timeout=20, what="the snapshot following the move"
        )
        elapsed = time.monotonic() - started
        assert velocity(pi, team) == 0
        assert elapsed < 10, f"the snapshot changed {elapsed:.1f}s after the move"

        # A burst of 100 moves: a handful of recomputes, not 100, and the last position wins.
        runs_before = stack.wait_for(
            lambda: settled(pi), timeout=30, what="the first recompute settling"
        ).runs
        burst_seconds = move(worker_env, feature, [apollo_cell, gemini_cell], 100)  # ends on Gemini
        state = stack.wait_for(lambda: settled(pi), timeout=60, what="the burst's recomputes settling")
        runs = state.runs - runs_before
        sys.stderr.write(f"\n100 moves in {burst_seconds:.1f}s caused {runs} recompute(s)\n")
        assert 1 <= runs <= 2 + burst_seconds / 2  # at most one per coalescing window (2 s), plus the tail
        assert runs <= 10
        assert state.change_seq - state.computed_seq == 0
        assert (velocity(pi, team), velocity(pi, other_team)) == (0, 1)

        # The task run twice gives identical rows: same keys, figures and computation times.
        # Not the current app: a client app made current would take over every shared_task of this
        # test process (the eager project app) for the tests that run after this one.
        client = Celery(
            "metrics-worker-test",
            broker=worker_env["REDIS_URL"],
            backend=worker_env["REDIS_URL"],
            set_as_current=False,
        )
        before = sorted(Snapshot.objects.filter(pi=pi).values_list(), key=repr)
        for _ in range(2):
            result = client.send_task("metrics.tasks.recompute_pi", args=[pi.pk], queue=queue).get(timeout=60)
            assert result["pi"] == pi.pk and result["written"] == 0
        assert sorted(Snapshot.objects.filter(pi=pi).values_list(), key=repr) == before


def test_beat_repairs_a_pi_left_stale_by_a_killed_worker(worker_env, queue, tmp_path, plan, other_team):
    pi, feature, (_apollo_cell, gemini_cell) = plan
    # What a worker killed mid-recompute leaves: its transaction rolled back (the figures are the
    # previous ones), the PI stale, the run marked running long ago, no task queued any more.
    Feature.objects.filter(pk=feature.pk).update(team=other_team, iteration=gemini_cell[1])
    # (Building the plan already marked the PI changed: its row exists; set it as the dead run left it.)
    PIRecompute.objects.update_or_create(
        pi=pi,
        defaults={
            "change_seq": 1,
            "computed_seq": 0,
            "queued_at": None,
            "running_since": timezone.now() - timedelta(hours=1),
            "last_error_at": None,
        },
    )
    assert velocity(pi, other_team) == 0
    commands = {
        "worker": celery_command("worker", "--pool=solo", "-Q", queue, "-n", f"{queue}@%h"),
        "beat": celery_command("beat", "--schedule", str(tmp_path / "beat-schedule")),
    }

    with stack.processes(tmp_path, worker_env, commands):
        # The safety net runs every 15 s: it enqueues the stale PI, the worker recomputes it.
        state = stack.wait_for(lambda: settled(pi), timeout=45, what="beat and the worker repairing the PI")

    assert state.runs == 1
    assert velocity(pi, other_team) == 1
