"""`make bench`'s backup section still runs against the current models (a tiny train, one run)."""

import pytest

from bench import backup, board

pytestmark = pytest.mark.django_db


def test_the_backup_bench_writes_and_restores_a_train():
    train, _ = board.build(
        "bench-backup-smoke", teams=3, iterations=3, features=12, dependencies=4, milestones=1
    )

    figures = backup.measure(train, runs=1)

    assert figures["rows"] > 12 and figures["bytes"] > 0
    assert figures["backup_ms"] > 0 and figures["restore_ms"] > 0 and figures["restore_peak_mb"] > 0
    assert train.features.count() == 12  # each restore was rolled back onto the train as it was
