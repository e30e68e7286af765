"""Backup benchmark (issue 13, part 4): the whole backup of the large bench train, and its restore.

The large train of bench/board.py (12 teams × 6 iterations, 400 features, 300 dependencies, 20
milestones). `backup_ms_large`: the median time to write its backup (to memory); `restore_ms_large`:
the median time to restore that file into the database after the train was deleted, each restore
rolled back so the bench's train stays as it was (the deletion is not timed). The peak of the memory
Python allocated during one restore (tracemalloc) is `restore_peak_mb_large`: the parsed document plus
one batch of rows, never the database twice.
"""

import io
import statistics
import time
import tracemalloc

from django.db import transaction

from artops.backup.dump import write_backup
from artops.backup.restore import restore_backup
from trains.models import Train

from . import board

RUNS = 5


def measure(train, runs: int = RUNS) -> dict:
    backup_ms = []
    for _ in range(runs):
        out = io.BytesIO()
        started = time.perf_counter()
        counts = write_backup(train, out)
        backup_ms.append((time.perf_counter() - started) * 1000)
    raw = out.getvalue()
    restore_ms = []
    for _ in range(runs):
        restore_ms.append(_restore_rolled_back(train, raw))
    tracemalloc.start()
    _restore_rolled_back(train, raw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": sum(counts.values()),
        "bytes": len(raw),
        "backup_ms": statistics.median(backup_ms),
        "restore_ms": statistics.median(restore_ms),
        "restore_peak_mb": peak / 1e6,
    }


def _restore_rolled_back(train, raw: bytes) -> float:
    with transaction.atomic():
        Train.objects.filter(pk=train.pk).delete()
        started = time.perf_counter()
        restore_backup(raw)
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed


def run() -> dict:
    train, _ = board.build(
        "bench-large", teams=12, iterations=6, features=400, dependencies=300, milestones=20
    )
    figures = measure(train)
    return {
        "backup_rows_large": figures["rows"],
        "backup_bytes_large": figures["bytes"],
        "backup_ms_large": round(figures["backup_ms"], 1),
        "restore_ms_large": round(figures["restore_ms"], 1),
        "restore_peak_mb_large": round(figures["restore_peak_mb"], 1),
    }
