"""Celery tasks of trains: webhook deliveries. Thin: they take IDs and call trains.webhooks.services.

A receiver's failure (a non-2xx answer, a timeout) is not an exception here: the service records the
attempt and says when to try again, and the task is retried then, up to WEBHOOK_MAX_ATTEMPTS. Only
our own transient errors (the database or broker dropping) are retried by Celery's autoretry.
"""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from trains.conversation.services import inbox_mail_send
from trains.webhooks import services

TRANSIENT = (OperationalError, InterfaceError, BrokerError)


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def deliver_webhook(self, delivery_id: int) -> dict:
    """One attempt at a delivery; retried with backoff while the service asks for another."""
    delay = services.delivery_attempt(delivery_id=delivery_id)
    if delay is not None and self.request.is_eager:
        # In-process (the embedded default, no worker) a retry would wait inside the request that
        # made the change: the delivery keeps its next attempt for the safety net and the
        # webhook page's Redeliver button.
        return {"delivery": delivery_id, "retry_in": delay}
    if delay is not None:
        # max_retries=None: the service counts the attempts (on the delivery row, which survives a
        # lost message and a redelivery), not Celery.
        raise self.retry(countdown=delay, max_retries=None)
    return {"delivery": delivery_id}


@shared_task(autoretry_for=TRANSIENT, retry_backoff=2, retry_jitter=True, max_retries=6)
def resend_stalled_webhook_deliveries() -> list[int]:
    """Safety net: deliveries whose message was lost (broker down at commit, worker killed)."""
    return services.stalled_deliveries_resend()


# A mail server that refuses or drops the connection is transient too: the items of a mail that was
# not handed over stay unmailed (the service marks them in the same transaction), so a retry resends
# nothing twice.
@shared_task(
    autoretry_for=(*TRANSIENT, SMTPException, OSError), retry_backoff=30, retry_jitter=True, max_retries=6
)
def send_inbox_mail(user_ids: list[int] | None = None) -> int:
    """Mail people what is new in their inbox (the digest: everyone; right after an event: those it
    concerns). Nothing when e-mail is not configured."""
    return inbox_mail_send(user_ids=user_ids)
