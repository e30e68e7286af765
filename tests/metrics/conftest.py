import pytest

from artops.celery import app


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
