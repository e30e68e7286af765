"""Container health checks for docker-compose.yml (python:3.11-slim has no curl).

    python deploy/healthcheck.py web                  # GET /healthz answers 200 (the database answers)
    python deploy/healthcheck.py beat SCHEDULE_FILE   # celery beat wrote its schedule recently

Exits 0 when healthy and 1 otherwise, with the reason on stderr. Standard library only: it must stay
cheap, since Docker runs it every interval, and it must not import Django.
"""

import glob
import os
import sys
import time
import urllib.request

# celery beat wakes at least every 5 minutes (its default max interval) and then rewrites the schedule
# file if the last write is over 3 minutes old; two missed writes mean it is stuck.
BEAT_MAX_AGE_SECONDS = 600


def _host_header() -> str:
    """A Host that Django's ALLOWED_HOSTS accepts, so the check does not fail with 400."""
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts or hosts[0] == "*":
        return "localhost"  # the settings' default list contains it
    return hosts[0].lstrip(".")  # ".example.com" also matches example.com


def check_web(url: str = "http://127.0.0.1:8000/healthz") -> None:
    request = urllib.request.Request(url, headers={"Host": _host_header()})
    with urllib.request.urlopen(request, timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


def check_beat(schedule_file: str, max_age: float = BEAT_MAX_AGE_SECONDS) -> None:
    # The dbm module behind celery's shelve may add a suffix (.db, .dat/.dir), hence the glob.
    files = glob.glob(glob.escape(schedule_file) + "*")
    if not files:
        raise RuntimeError(f"no schedule file {schedule_file}*")
    age = time.time() - max(os.path.getmtime(f) for f in files)
    if age > max_age:
        raise RuntimeError(f"schedule file {schedule_file} not written for {age:.0f}s")


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["web"] and len(argv) == 1:
            check_web()
        elif argv[:1] == ["beat"] and len(argv) == 2:
            check_beat(argv[1])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Exception as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
