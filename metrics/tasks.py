"""Celery tasks: thin wrappers that take IDs and call metrics services."""

from celery import shared_task
from django.db import OperationalError

from planning.models import ProgramIncrement

from .services import pi_snapshot_compute

TRANSIENT = (OperationalError, ConnectionError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_jitter=True, max_retries=5)
def recompute_pi(pi_id: int) -> dict:
    """Recompute one PI's snapshots for today; safe to run twice (upsert)."""
    pi = ProgramIncrement.objects.get(pk=pi_id)
    return pi_snapshot_compute(pi=pi)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_jitter=True, max_retries=5)
def recompute_executing_pis() -> list[int]:
    """Nightly: one point a day for every executing PI, so trends have data even on quiet days."""
    pi_ids = list(
        ProgramIncrement.objects.filter(state=ProgramIncrement.State.EXECUTING).values_list("pk", flat=True)
    )
    for pi_id in pi_ids:
        recompute_pi.delay(pi_id)
    return pi_ids
