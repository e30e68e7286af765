"""Refusals are whole: the reason is said, and the database is as it was (every table's row count)."""

import pytest

from artops.backup.restore import BackupRefused, restore_backup

from .common import database_counts


def assert_refused(raw: bytes, *words: str) -> str:
    before = database_counts()
    with pytest.raises(BackupRefused) as refused:
        restore_backup(raw)
    assert database_counts() == before, "a refused restore changed the database"
    reason = refused.value.reason
    for word in words:
        assert word in reason, reason
    return reason
