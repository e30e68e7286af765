"""The Celery app of tests/test_metrics_worker.py's processes (worker, beat, the "web" that moves
cards): the project's own app, with every task routed to the test's own queue (ARTOPS_TEST_QUEUE),
so no stray task reaches the test's worker and none of the test's tasks reaches anyone else's."""

import os

from django.conf import settings

from artops.celery import app

# Celery reads CELERY_* from the Django settings live (config_from_object, namespace CELERY).
settings.CELERY_TASK_DEFAULT_QUEUE = os.environ["ARTOPS_TEST_QUEUE"]

__all__ = ["app"]
