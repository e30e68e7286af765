"""The delivery figures on a real Celery worker, on PostgreSQL and Redis: deployments posted to the REST
API by another process (a CI/CD pipeline's calls, through the web's own request handling) change the
PI's DORA snapshots, recomputed by the worker as for any plan change (planning's change hook → metrics
marks the PI stale and queues one recompute after the commit).

The processes use tests/metrics/worker_app.py: the project's Celery app on a queue of this test's own.
"""

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from metrics.models import PIRecompute, Snapshot
from metrics.services import pi_snapshot_compute
from planning.factories import ProgramIncrementFactory
from planning.models import ProgramIncrement
from tests.processes import processes, wait_for
from trains.services import api_token_create

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
Metric = Snapshot.Metric

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("stack"), pytest.mark.services]

# The pipeline's side: POST each deployment with a personal token, as curl would, through the whole
# request stack of this process (middleware, authentication, throttling, the API view, the service).
POST_SCRIPT = """
import json
import sys

import django

django.setup()
import tests.metrics.worker_app  # noqa: F401 - this process's tasks go to the test's queue

from django.test import Client

slug, token, bodies = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
for body in bodies:
    response = client.post(f"/api/v1/trains/{slug}/deployments/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, (response.status_code, response.content)
"""


@pytest.fixture
def queue() -> str:
    return f"artops-delivery-{uuid.uuid4().hex[:8]}"


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
        "SECRET_KEY": "delivery-worker-test-" + uuid.uuid4().hex,
        "DATABASE_CONN_MAX_AGE": "0",
        "ARTOPS_TEST_QUEUE": queue,
    }


def figure(pi, metric, team=None) -> Snapshot:
    return Snapshot.objects.get(pi=pi, team=team, metric=metric)


def settled(pi) -> PIRecompute | None:
    state = PIRecompute.objects.get(pi=pi)
    return None if state.is_stale or state.queued_at or state.running_since else state


def test_deployments_posted_to_the_api_change_the_pis_dora_snapshots(
    worker_env, queue, tmp_path, train, team, rte
):
    # An executing PI of 21 days so far (20 days ago to the end of today), its figures computed once.
    pi = ProgramIncrementFactory(
        train=train,
        name="PI 9",
        start_date=timezone.localdate() - timedelta(days=20),
        state=ProgramIncrement.State.EXECUTING,
    )
    pi_snapshot_compute(pi=pi)
    before = figure(pi, Metric.DEPLOYMENT_FREQUENCY)
    assert (before.value, before.data["reason"]) == (None, "no_deployments")  # no figure, not zero
    _token, secret = api_token_create(user=rte, name="pipeline")

    now = timezone.now().replace(microsecond=0)
    bodies = [
        {  # delivered, 6 h after its first commit
            "team": team.pk,
            "service": "checkout",
            "deployed_at": (now - timedelta(days=3)).isoformat(),
            "committed_at": (now - timedelta(days=3, hours=6)).isoformat(),
            "reference": "run-101",
        },
        {  # failed: checkout down until the next delivered deployment, 2 h later
            "team": team.pk,
            "service": "checkout",
            "deployed_at": (now - timedelta(days=2)).isoformat(),
            "committed_at": (now - timedelta(days=2, hours=1)).isoformat(),
            "succeeded": False,
            "reference": "run-102",
        },
        {  # delivered, 10 h after its merge (no commit time given)
            "team": team.pk,
            "service": "checkout",
            "deployed_at": (now - timedelta(days=2) + timedelta(hours=2)).isoformat(),
            "merged_at": (now - timedelta(days=2) - timedelta(hours=8)).isoformat(),
            "reference": "run-103",
        },
        {"team": team.pk, "service": "checkout", "environment": "staging", "deployed_at": now.isoformat()},
    ]
    commands = {
        "worker": [
            str(BIN / "celery"),
            "-A",
            "tests.metrics.worker_app",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
        ]
        + ["-n", f"{queue}@%h", "-l", "info"]
    }

    with processes(tmp_path, worker_env, commands) as running:
        worker_log = running["worker"][1]
        wait_for(lambda: "ready" in worker_log.read_text(), timeout=30, what="the worker starting")

        subprocess.run(
            [sys.executable, "-c", POST_SCRIPT, train.slug, secret, json.dumps(bodies)],
            cwd=ROOT,
            env=worker_env,
            check=True,
            timeout=60,
        )
        wait_for(
            lambda: figure(pi, Metric.DEPLOYMENT_FREQUENCY).value is not None,
            timeout=20,
            what="the worker recomputing the PI's delivery figures",
        )
        wait_for(lambda: settled(pi), timeout=20, what="the recomputes settling")

    # 2 delivered production deployments in 21 days; the staging one is not counted.
    frequency = figure(pi, Metric.DEPLOYMENT_FREQUENCY)
    assert frequency.value == pytest.approx(2 / 21 * 7)
    assert (frequency.data["delivered"], frequency.data["deployments"]) == (2, 3)
    assert figure(pi, Metric.DEPLOYMENT_FREQUENCY, team).value == pytest.approx(2 / 21 * 7)
    lead = figure(pi, Metric.LEAD_TIME_FOR_CHANGE)
    assert (lead.value, lead.data["from_merge"], lead.data["level"]) == (
        8.0,
        1,
        "elite",
    )  # median of 6 and 10
    failure = figure(pi, Metric.CHANGE_FAILURE_RATE)
    assert failure.value == pytest.approx(100 / 3)
    assert failure.data["healthy"] is False
    restore = figure(pi, Metric.TIME_TO_RESTORE, team)
    assert (restore.value, restore.data["deployments_restored"]) == (2.0, 1)
