"""Celery tasks of risks. Thin: they call risks' services."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .services.inbox import inbox_risks_due

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=2, retry_jitter=True, max_retries=6)
def tell_owners_of_risks_due() -> int:
    """Each owner of a risk whose due date has come finds it in their inbox (once per due date)."""
    return inbox_risks_due(today=timezone.localdate())
