"""Webhooks on a real Celery worker on Redis, as in production: a board move made by another process
(the "web") is delivered by the worker to a receiver on 127.0.0.1 that checks the signature; a
receiver answering 500 is retried with backoff, and the delivery's log shows every attempt.

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
from django.db import connection
from django.utils import timezone

from planning.factories import FeatureFactory, ProgramIncrementFactory
from trains.models import WebhookDelivery, WebhookEvent
from trains.webhooks.services import webhook_create

from .. import test_stack as stack
from .webhook_receiver import receiver

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
MAX_ATTEMPTS = 4
RETRY_BASE_SECONDS = 0.5

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("stack"), pytest.mark.services]

MOVE_SCRIPT = """
import sys
import django

django.setup()
import tests.metrics.worker_app  # noqa: F401 - this process's tasks go to the test's queue

from django.contrib.auth import get_user_model

from planning.models import Feature
from planning.services import feature_move

feature = Feature.objects.select_related("pi", "train").get(pk=int(sys.argv[1]))
feature_move(
    feature=feature, team_id=feature.team_id, iteration_id=int(sys.argv[2]), expected_version=feature.version,
    actor=get_user_model().objects.get(username="rte"),
)
"""


@pytest.fixture
def queue() -> str:
    return f"artops-webhooks-{uuid.uuid4().hex[:8]}"


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
        "SECRET_KEY": "webhooks-worker-test-" + uuid.uuid4().hex,
        "DATABASE_CONN_MAX_AGE": "0",
        "ARTOPS_TEST_QUEUE": queue,
        # Short waits, so every attempt fits in the test: 0.5 s, 1 s, 2 s (plus jitter).
        "WEBHOOK_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "WEBHOOK_RETRY_BASE_SECONDS": str(RETRY_BASE_SECONDS),
        "WEBHOOK_TIMEOUT_SECONDS": "3",
    }


def move(env: dict, feature, iteration) -> None:
    """Move the card from another process (the web), which enqueues its deliveries on Redis."""
    subprocess.run(
        [sys.executable, "-c", MOVE_SCRIPT, str(feature.pk), str(iteration.pk)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )


def test_a_board_move_is_delivered_once_signed_and_a_failing_receiver_is_retried_with_backoff(
    worker_env, queue, tmp_path, train, team, rte
):
    today = timezone.localdate()
    pi = ProgramIncrementFactory(
        train=train, name="PI 8", start_date=today + timedelta(days=7 - today.weekday())
    )
    i1, i2 = pi.iterations.order_by("number")[:2]
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=i1)
    command = [str(BIN / "celery"), "-A", "tests.metrics.worker_app", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@%h", "-l", "info"]

    with receiver("") as hook:
        webhook, hook.secret = webhook_create(
            train=train, url=hook.url, events=[WebhookEvent.FEATURE_MOVED], actor=rte
        )
        with stack.processes(tmp_path, worker_env, {"worker": command}) as running:
            worker_log = running["worker"][1]
            stack.wait_for(lambda: "ready" in worker_log.read_text(), timeout=30, what="the worker starting")

            # One move: one signed event, delivered once.
            move(worker_env, feature, i2)
            stack.wait_for(lambda: hook.received, timeout=20, what="the move's event reaching the receiver")
            time.sleep(1.5)  # a second delivery, if one were coming, would arrive by now
            (got,) = hook.received
            assert got.signature_valid
            assert got.headers["X-ARTops-Event"] == "feature.moved"
            assert got.payload["data"]["feature"]["id"] == feature.pk
            assert got.payload["data"]["to"] == {"team": team.pk, "iteration": i2.pk}
            assert got.payload["actor"] == "rte"
            delivered = WebhookDelivery.objects.get(uuid=got.headers["X-ARTops-Delivery"])
            assert (delivered.state, delivered.attempts, delivered.response_status) == ("delivered", 1, 200)

            # The receiver fails: the next move's event is tried MAX_ATTEMPTS times, ever further apart.
            hook.statuses = [500]
            move(worker_env, feature, i1)
            failed = stack.wait_for(
                lambda: WebhookDelivery.objects.filter(webhook=webhook, state="failed").first(),
                timeout=30,
                what="the failing delivery's last attempt",
            )

    attempts = hook.received[1:]
    assert len(attempts) == MAX_ATTEMPTS and all(a.signature_valid for a in attempts)
    assert {a.headers["X-ARTops-Delivery"] for a in attempts} == {str(failed.uuid)}
    # Signed afresh for each attempt (a new timestamp), always the same event.
    assert len({a.payload["id"] for a in attempts}) == 1
    gaps = [later.at - earlier.at for earlier, later in zip(attempts, attempts[1:], strict=False)]
    sys.stderr.write(f"\nseconds between attempts: {[round(g, 2) for g in gaps]}\n")
    assert gaps[0] >= RETRY_BASE_SECONDS * 0.9
    assert all(later > earlier for earlier, later in zip(gaps, gaps[1:], strict=False)), gaps  # backoff
    # The delivery log shows every attempt, with its code and duration.
    assert failed.attempts == MAX_ATTEMPTS
    assert [entry["attempt"] for entry in failed.attempt_log] == list(range(1, MAX_ATTEMPTS + 1))
    assert [entry["status"] for entry in failed.attempt_log] == [500] * MAX_ATTEMPTS
    assert all(entry["duration_ms"] is not None for entry in failed.attempt_log)
    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 1 and webhook.is_active
