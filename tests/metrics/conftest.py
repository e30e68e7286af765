import pytest
from kombu.exceptions import OperationalError as BrokerError

from artops.celery import app
from metrics import tasks


@pytest.fixture(autouse=True)
def project_celery_app():
    """Run metrics tests against the project's Celery app.

    A test that builds a client `Celery(...)` without `set_as_current=False` (tests/test_stack.py
    does) makes it the process's current app, and every `shared_task` then resolves through it:
    not eager, another broker. Restoring the project's app keeps these tests independent of what
    ran before them in the same process.
    """
    app.set_current()
    app.set_default()
    return app


class Sent(list):
    """The recomputes that would have reached the broker: [(pi_id, countdown), …]."""


@pytest.fixture
def queue(monkeypatch, settings) -> Sent:
    """As in production: tasks go to a broker for a worker (recorded here, not run)."""
    sent = Sent()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # Celery reads the Django setting live
    monkeypatch.setattr(
        tasks.recompute_pi,
        "apply_async",
        lambda args, countdown=None, **kwargs: sent.append((args[0], countdown)),
    )
    return sent


@pytest.fixture
def broker_down(monkeypatch, settings) -> None:
    """A worker-backed deployment whose broker cannot be reached."""
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def unreachable(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_pi, "apply_async", unreachable)
