"""A worker starting re-sends the recomputes a crash may have lost (tests/test_faults.py does it for
real: a worker killed, Redis restarted, a worker started again)."""

from datetime import date, timedelta

import pytest
from celery.signals import worker_ready
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from metrics import services, tasks
from metrics.models import PIRecompute
from planning.factories import ProgramIncrementFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_starting_enqueues_every_stale_pi_even_those_marked_queued_or_running(queue, train):
    now = timezone.now()

    def state(name: str, **fields) -> int:
        pi = ProgramIncrementFactory(train=train, name=name, start_date=date(2026, 1, 5))
        PIRecompute.objects.create(pi=pi, **fields)
        return pi.pk

    lost = state("lost", change_seq=3, computed_seq=1)
    # Marks the safety net trusts for minutes; the broker or the worker they count on may be gone.
    queued = state("queued a moment ago", change_seq=3, computed_seq=1, queued_at=now)
    running = state("running", change_seq=3, computed_seq=1, running_since=now - timedelta(seconds=30))
    state("fresh", change_seq=3, computed_seq=3)
    state("failing", change_seq=3, computed_seq=1, last_error="boom", last_error_at=now)
    assert tasks.recompute_stale_pis() == [lost]
    queue.clear()

    assert tasks.resume_recomputes() == sorted([lost, queued, running])
    assert sorted(queue) == sorted((pi_id, 0) for pi_id in [lost, queued, running])
    # Each is marked queued again, so the moves that follow coalesce onto the recompute just sent.
    assert PIRecompute.objects.filter(pk__in=[lost, queued, running], queued_at__gte=now).count() == 3


def test_the_resume_is_sent_when_a_worker_is_ready(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.resume_recomputes, "delay", lambda: sent.append("resume"))

    worker_ready.send(sender=None)

    assert sent == ["resume"]


def test_with_the_broker_down_the_resume_fails_to_be_retried_and_the_pi_stays_stale(broker_down, train):
    pi = ProgramIncrementFactory(train=train, name="PI 1", start_date=date(2026, 1, 5))
    PIRecompute.objects.create(pi=pi, change_seq=2, computed_seq=1, queued_at=timezone.now())

    with pytest.raises(BrokerError):
        services.stale_pis_resume()

    state = PIRecompute.objects.get(pi=pi)
    assert state.is_stale and state.queued_at is None  # the token handed back: the safety net takes it
