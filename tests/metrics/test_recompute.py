"""Recomputes after plan changes: coalesced, enqueued after commit, repaired by the safety net.

These tests run the change hook for real (transactions commit, so planning's on_commit callbacks
fire). "A worker runs the queue" is simulated by turning eager mode off and recording what would
be sent to the broker; tests/test_metrics_worker.py does the same against a real worker on Redis.
"""

import datetime as dt
from datetime import date, timedelta

import pytest
from celery.exceptions import Retry
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from metrics import services, tasks
from metrics.models import PIRecompute, Snapshot
from planning.factories import FeatureFactory, ProgramIncrementFactory
from planning.models import ProgramIncrement
from planning.services import feature_move

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def executing_pi(train):
    start = timezone.localdate() - timedelta(days=20)
    return ProgramIncrementFactory(
        train=train, name="PI 9", start_date=start, state=ProgramIncrement.State.EXECUTING
    )


def at_start(pi):
    """The PI's first morning: the moves are planning, before any iteration has ended."""
    return timezone.make_aware(dt.datetime.combine(pi.start_date, dt.time(9)))


def move_back_and_forth(feature, cells, times: int) -> None:
    for n in range(times):
        team, iteration = cells[n % 2]
        feature_move(
            feature=feature,
            team_id=team.pk,
            iteration_id=iteration.pk,
            expected_version=feature.version,
            at=at_start(feature.pi),
        )


@pytest.fixture
def cells(executing_pi, team, other_team):
    i1, i2 = executing_pi.iterations.order_by("number")[:2]
    return [(other_team, i2), (team, i1)]


def test_a_burst_of_100_board_moves_enqueues_one_recompute(queue, train, executing_pi, team, cells):
    feature = FeatureFactory(train=train, pi=executing_pi, team=team, iteration=cells[1][1])

    move_back_and_forth(feature, cells, 100)

    assert queue == [(executing_pi.pk, services.COALESCE_SECONDS)]
    state = PIRecompute.objects.get(pi=executing_pi)
    assert (state.change_seq, state.computed_seq, state.is_stale) == (100, 0, True)
    assert state.queued_at is not None

    services.pi_recompute(pi_id=executing_pi.pk)  # the worker runs the one queued task

    state.refresh_from_db()
    assert (state.runs, state.computed_seq, state.is_stale) == (1, 100, False)
    assert state.queued_at is None and state.stale_since is None
    assert Snapshot.objects.filter(pi=executing_pi).exists()

    move_back_and_forth(feature, cells, 100)  # the next burst: one more recompute, not 100
    assert len(queue) == 2
    services.pi_recompute(pi_id=executing_pi.pk)
    state.refresh_from_db()
    assert (state.runs, state.is_stale) == (2, False)


def test_a_change_during_a_run_queues_exactly_one_follow_up(
    queue, train, executing_pi, team, cells, monkeypatch
):
    feature = FeatureFactory(train=train, pi=executing_pi, team=team, iteration=cells[1][1])
    move_back_and_forth(feature, cells, 1)
    compute = services.pi_snapshot_compute

    def compute_while_the_board_moves(**kwargs):
        move_back_and_forth(feature, cells[::-1], 3)  # committed after the run read its change number
        return compute(**kwargs)

    monkeypatch.setattr(services, "pi_snapshot_compute", compute_while_the_board_moves)
    services.pi_recompute(pi_id=executing_pi.pk)

    state = PIRecompute.objects.get(pi=executing_pi)
    assert state.is_stale  # the run covers change 1, not 2–4
    assert (state.computed_seq, state.change_seq) == (1, 4)
    assert len(queue) == 2  # the first burst's task, and one follow-up for the three moves

    monkeypatch.setattr(services, "pi_snapshot_compute", compute)
    services.pi_recompute(pi_id=executing_pi.pk)
    state.refresh_from_db()
    assert not state.is_stale


def test_in_the_embedded_default_a_board_move_only_marks_the_pi_stale(
    train, executing_pi, team, cells, django_assert_num_queries
):
    # No worker (CELERY_TASK_ALWAYS_EAGER): recomputing inside the move would make every drag as
    # slow as a recompute. The move marks the PI stale; the dashboard recomputes it when opened.
    feature = FeatureFactory(train=train, pi=executing_pi, team=team, iteration=cells[1][1])
    move_back_and_forth(feature, cells, 5)

    assert not Snapshot.objects.filter(pi=executing_pi).exists()
    state = PIRecompute.objects.get(pi=executing_pi)
    assert state.is_stale and state.queued_at is None and state.runs == 0
    with django_assert_num_queries(1):  # the hook's whole cost on a board move: one UPDATE
        services.pi_mark_changed(executing_pi.pk)


def test_recompute_now_in_the_embedded_default_runs_at_once(executing_pi):
    covers = services.pi_request_recompute(pi_id=executing_pi.pk)

    state = PIRecompute.objects.get(pi=executing_pi)
    assert (state.runs, state.computed_seq, state.is_stale) == (1, covers, False)
    assert Snapshot.objects.filter(pi=executing_pi, day=timezone.localdate()).exists()


def test_recompute_now_counts_as_a_change_so_an_earlier_run_does_not_answer_it(queue, executing_pi):
    services.pi_mark_changed(executing_pi.pk)  # queued
    covers = services.pi_request_recompute(pi_id=executing_pi.pk)

    assert covers == 2
    assert queue == [(executing_pi.pk, services.COALESCE_SECONDS)]  # already queued: no second task


def test_the_safety_net_enqueues_only_pis_left_stale(queue, train):
    now = timezone.now()

    def state(name: str, **fields) -> int:
        pi = ProgramIncrementFactory(train=train, name=name, start_date=date(2026, 1, 5))
        PIRecompute.objects.create(pi=pi, **fields)
        return pi.pk

    lost = state("lost", change_seq=3, computed_seq=1)
    state("fresh", change_seq=3, computed_seq=3)
    state("queued", change_seq=3, computed_seq=1, queued_at=now)
    expired = state("queued long ago", change_seq=3, computed_seq=1, queued_at=now - timedelta(hours=1))
    state("running", change_seq=3, computed_seq=1, running_since=now - timedelta(seconds=30))
    dead = state("killed worker", change_seq=3, computed_seq=1, running_since=now - timedelta(hours=1))
    state("failing", change_seq=3, computed_seq=1, last_error="boom", last_error_at=now)

    enqueued = tasks.recompute_stale_pis()

    assert enqueued == sorted([lost, expired, dead])
    assert sorted(queue) == sorted((pi_id, 0) for pi_id in enqueued)
    assert tasks.recompute_stale_pis() == []  # now queued: not enqueued twice


def test_the_nightly_job_recomputes_every_executing_pi(queue, train, executing_pi):
    ProgramIncrementFactory(train=train, name="closed", state=ProgramIncrement.State.CLOSED)
    ProgramIncrementFactory(train=train, name="draft", state=ProgramIncrement.State.DRAFT)

    assert tasks.recompute_executing_pis() == [executing_pi.pk]
    assert queue == [(executing_pi.pk, 0)]
    assert not PIRecompute.objects.get(pi=executing_pi).is_stale  # nothing changed; a fresh day


def test_with_the_broker_down_a_board_move_still_succeeds_and_the_pi_stays_stale(
    broker_down, train, executing_pi, team, cells
):
    feature = FeatureFactory(train=train, pi=executing_pi, team=team, iteration=cells[1][1])

    move_back_and_forth(feature, cells, 1)

    feature.refresh_from_db()
    assert feature.team == cells[0][0]
    state = PIRecompute.objects.get(pi=executing_pi)
    assert state.is_stale and state.queued_at is None
    assert services.pis_needing_recompute() == [executing_pi.pk]


def test_a_pi_deleted_while_queued_is_skipped(executing_pi):
    pi_id = executing_pi.pk
    executing_pi.delete()

    assert tasks.recompute_pi.apply(args=[pi_id]).get() is None


def test_transient_errors_are_retried_and_bugs_are_not(executing_pi, monkeypatch):
    attempts = []

    def flaky(*, pi_id):
        attempts.append(pi_id)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "pi_recompute", flaky)
    # Eager apply() raises the retry a worker would schedule (CELERY_TASK_EAGER_PROPAGATES).
    with pytest.raises(Retry) as retry:
        tasks.recompute_pi.apply(args=[executing_pi.pk])
    assert isinstance(retry.value.exc, OperationalError)
    assert 0 <= retry.value.when <= 300  # backoff with jitter, within the maximum

    def broken(*, pi_id):
        attempts.append(pi_id)
        raise ValueError("a bug")

    monkeypatch.setattr(services, "pi_recompute", broken)
    with pytest.raises(ValueError):
        tasks.recompute_pi.apply(args=[executing_pi.pk])
    assert len(attempts) == 2  # one attempt each: the bug is not retried


def test_the_recompute_task_is_configured_with_backoff_jitter_and_a_maximum():
    task = tasks.recompute_pi
    assert OperationalError in task.autoretry_for and BrokerError in task.autoretry_for
    assert task.retry_backoff and task.retry_jitter
    assert task.max_retries == 6 and task.retry_backoff_max == 300


def test_the_beat_schedule_runs_the_safety_net_and_the_nightly_recompute():
    from artops.celery import app

    tasks_scheduled = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert tasks_scheduled["metrics.tasks.recompute_stale_pis"] <= 30
    assert "metrics.tasks.recompute_executing_pis" in tasks_scheduled
