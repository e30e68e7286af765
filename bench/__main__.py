"""`make bench`: performance figures as one JSON object, each measured against a floor in the same run.

Each module under bench/ exposes `run() -> dict`; their results are merged and printed.
"""

import importlib
import json
import os
import sys

import django

SECTIONS = ["bench.board", "bench.metrics", "bench.api", "bench.imports", "bench.backup"]


def _analyze() -> None:
    """Fresh planner statistics after a section built its rows in bulk, so the next section's plans
    do not depend on when autovacuum last ran."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "artops.settings")
    django.setup()
    from django.test.utils import override_settings

    results: dict = {}
    wanted = sys.argv[1:] or SECTIONS
    # Measured as deployed (docker-compose.yml, with Redis): sessions are read from the cache. Without
    # REDIS_URL, as here, the settings keep them in the database alone (one table every process
    # shares), which would add a session query to every request measured.
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cached_db"):
        for name in wanted:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    print(f"bench: section {name} is not there yet", file=sys.stderr)
                    continue
                raise
            results.update(module.run())
            _analyze()
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
