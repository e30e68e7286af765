"""Celery tasks: thin wrappers that take IDs, return JSON and call metrics services.

Only transient errors are retried (a database or broker connection dropped, a lock timeout), with
exponential backoff, jitter and a maximum; anything else is a bug and fails loudly, leaving the
PI stale with the error noted for the dashboard.
"""

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from planning.models import ProgramIncrement

from . import services

TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**RETRY)
def recompute_pi(pi_id: int) -> dict | None:
    """Recompute one PI's snapshots for today; safe to run twice (upsert of unchanged rows is a no-op)."""
    return services.pi_recompute(pi_id=pi_id)


@shared_task(**RETRY)
def recompute_stale_pis() -> list[int]:
    """Safety net: enqueue the PIs whose recompute was lost (dead worker, purged queue, broker down)."""
    return services.stale_pis_enqueue()


@shared_task(**RETRY)
def resume_recomputes() -> list[int]:
    """A worker started: re-send the recomputes a dead worker or a restarted broker may have lost."""
    return services.stale_pis_resume()


@worker_ready.connect
def _resume_recomputes_when_a_worker_starts(**kwargs) -> None:
    # Sent as a task, not run here: this is the worker's main process, which forks the pool
    # processes and must not hold a database connection they would inherit.
    resume_recomputes.delay()


@shared_task(**RETRY)
def recompute_executing_pis() -> list[int]:
    """Nightly: one point a day for every executing PI, so trends have data even on quiet days."""
    pi_ids = list(
        ProgramIncrement.objects.filter(state=ProgramIncrement.State.EXECUTING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pi_id in pi_ids:
        services.pi_request_recompute(pi_id=pi_id, note_change=False)
    return pi_ids
