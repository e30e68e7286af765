"""Import benchmark (issue 13): the dry run and the apply of a generated 10,000-row Jira export.

A train of 10 teams and a PI that has not begun; the export (tests/planning/import_files.py's
realistic generator: 400 epics, 9,600 stories in the teams' sprints, 'blocks' links between teams)
is written to a file and read from it as a stream, as the worker reads an upload. Reported:
rows per second of dry run + apply together (target ≥ 2,000), and the peak of the memory Python
allocated during them (tracemalloc, in a second, dry-run-only pass; target ≤ 200 MB) with the
process's peak resident size beside it.
"""

import resource
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from planning.factories import ProgramIncrementFactory
from planning.imports.services import import_file, read_plan
from planning.models import Feature
from tests.planning.import_files import export, realistic_export
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.models import Role, Train

SLUG = "import-bench"
TEAMS = 10


def build():
    Train.objects.filter(slug=SLUG).delete()
    train = TrainFactory(slug=SLUG, name="Import bench ART")
    names = [f"Team{n:02d}" for n in range(TEAMS)]
    for i, name in enumerate(names):
        TeamFactory(train=train, name=name, position=i)
    today = timezone.localdate()
    pi = ProgramIncrementFactory(
        train=train, name="PI 9", start_date=today + timedelta(days=7 - today.weekday())
    )
    rte = UserFactory(username="import-bench-rte")
    MembershipFactory(user=rte, train=train, role=Role.RTE)
    return train, pi, rte, names


def run() -> dict:
    train, pi, rte, names = build()
    rows = realistic_export(
        project="BIG", pi_number=9, teams=names, epics_per_team=40, stories_per_epic=24, sprints=4
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(export(rows))
        size_mb = path.stat().st_size / 1e6
        del rows
        tracemalloc.start()
        with path.open("rb") as stream:
            plan = read_plan(pi=pi, source="jira", file=stream)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert plan.ok, plan.problems[:5]
        started = time.perf_counter()
        with path.open("rb") as stream:
            dry = import_file(train=train, pi=pi, source="jira", file=stream, actor=rte).plan
        dry_seconds = time.perf_counter() - started
        with path.open("rb") as stream:
            import_file(train=train, pi=pi, source="jira", file=stream, actor=rte, apply=True)
        seconds = time.perf_counter() - started
    assert Feature.objects.filter(train=train).count() == TEAMS * 40
    return {
        "import_rows": dry.rows,
        "import_file_mb": round(size_mb, 1),
        "import_dry_run_s": round(dry_seconds, 2),
        "import_seconds": round(seconds, 2),
        "import_rows_per_s": round(dry.rows / seconds),
        "import_peak_mb": round(peak / 1e6, 1),
        "import_process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
