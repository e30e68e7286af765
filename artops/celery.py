"""The Celery app. Tasks live in each app's tasks.py; the beat schedule is kept here, in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "artops.settings")

app = Celery("artops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Nightly at 02:30 (TIME_ZONE): refresh the figures of every executing PI so that daily series
    # (flow load, burn-up) get one point per day even when nobody touched the train.
    "recompute-executing-pis": {
        "task": "metrics.tasks.recompute_executing_pis",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every 15 s: the safety net behind the change hook. A board move enqueues its own recompute;
    # this re-enqueues any PI left stale by a lost message, a killed worker or a broker outage.
    "recompute-stale-pis": {
        "task": "metrics.tasks.recompute_stale_pis",
        "schedule": 15.0,
    },
    # Every minute: the safety net behind webhook deliveries. A change enqueues its own deliveries
    # after commit; this re-enqueues any left pending or overdue by a lost message or a killed worker.
    "resend-stalled-webhook-deliveries": {
        "task": "trains.tasks.resend_stalled_webhook_deliveries",
        "schedule": 60.0,
    },
    # Hourly, on the hour: the e-mail digest. Each person gets one mail with what is new in their
    # inbox and not read yet (what they read in the app meanwhile is not mailed); a no-op when e-mail
    # is not configured.
    "send-inbox-digest": {
        "task": "trains.tasks.send_inbox_mail",
        "schedule": crontab(minute=0),
    },
    # Daily at 07:00 (TIME_ZONE), before the working day: owners of risks whose due date has come
    # find them in their inbox (once per due date, so the daily run never repeats itself).
    "tell-owners-of-risks-due": {
        "task": "risks.tasks.tell_owners_of_risks_due",
        "schedule": crontab(hour=7, minute=0),
    },
}
