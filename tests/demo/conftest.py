"""The demo train (domain.md §5), built once for every test of tests/demo.

The train is built once for the package inside a transaction that is rolled back at the end, like
Django's `setUpTestData`; each test runs in its own savepoint inside it, so tests that delete and
rebuild the train leave the shared one untouched for the next test.
"""

import pytest
from django.db import transaction

from artops.demo import build_demo

from .common import TODAY


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    """Build the demo train once for the package; roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        train, created = build_demo(today=TODAY)
        assert created
        yield train
        transaction.set_rollback(True)
