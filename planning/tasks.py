"""Celery tasks of planning: thin, taking ids (conventions.md §11)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


@shared_task(
    autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=300, retry_jitter=True, max_retries=6
)
def apply_import(run_id: int, actor_id: int | None) -> str:
    """Apply an uploaded export whole or not at all; run twice, the second finds it applied."""
    from planning.imports.services import import_run_execute

    return import_run_execute(run_id=run_id, actor_id=actor_id).status
