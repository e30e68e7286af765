"""The production processes, started natively by tests: gunicorn, Celery workers and beat.

Shared by the tests that run them (test_stack, test_faults, …). Kept small on purpose:

- `free_port()`: a loopback port nobody listens on;
- `production_env(database_url=…, redis_url=…)`: the environment of a production process;
- `current_database_url()`: the running test's own database as a DATABASE_URL;
- `processes(tmp_path, env, commands)`: start commands, yield them, stop them, print their logs on failure;
- `gunicorn(port)`, `celery(*args)`: the commands docker-compose.yml runs;
- `wait_for(check, timeout=…, what=…)`, `http_get(url)`.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_database_url() -> str:
    """The database the running test uses (pytest-django's test database), as DATABASE_URL names it."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def production_env(*, database_url: str, redis_url: str | None, **overrides: str) -> dict:
    """The environment of a production process (DEBUG off), on the given database and Redis.

    Without `redis_url` there is no broker: Celery runs tasks in-process and the cache is local.
    DATABASE_CONN_MAX_AGE defaults to 0 here (a connection per request, as the suite's other
    processes share the server); pass it to test persistent connections.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "artops.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "stack-test-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return {**env, **overrides}


def gunicorn(port: int, *, workers: int = 1) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        "artops.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]


def celery(*args: str) -> list[str]:
    """`celery -A artops <args> -l info`: `celery("worker", "--pool=solo")`, `celery("beat", …)`."""
    return [str(BIN / "celery"), "-A", "artops", *args, "-l", "info"]


@contextlib.contextmanager
def processes(tmp_path: Path, env: dict, commands: dict[str, list[str]]):
    """Start each command (its output in tmp_path/<name>.log); yield {name: (Popen, log path)}.

    On the way out every process still running is terminated (killed after 15 s); when the block
    failed, the tail of each log is printed.
    """
    running: dict[str, tuple[subprocess.Popen, Path]] = {}
    try:
        for name, command in commands.items():
            log = tmp_path / f"{name}.log"
            handle = log.open("w")
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
            running[name] = (process, log)
        yield running
    except BaseException:
        for name, (_, log) in running.items():
            sys.stderr.write(f"\n----- {name} log -----\n{log.read_text()[-4000:]}\n")
        raise
    finally:
        for process, _ in running.values():
            process.terminate()
        for process, _ in running.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(check, *, timeout: float, what: str, interval: float = 0.3):
    """Call `check` until it returns something true (returned) or `timeout` seconds pass (fails)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - retried until the deadline, then reported
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"{what} did not happen within {timeout}s (last error: {last_error!r})")


def http_get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return response.status, response.read().decode()
