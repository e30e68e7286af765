"""Configuration: the embedded default needs nothing; a bad value stops start-up naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"}
}


def load_settings(**env) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "artops.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_default_uses_sqlite_and_runs_tasks_in_process():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "memory://", "True"]


def test_database_and_redis_urls_switch_to_postgresql_and_a_real_broker():
    result = load_settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/artops", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://127.0.0.1:6379/0", "False"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "postgress//nohost"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/artops"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "false"}, "SECRET_KEY"),
    ],
)
def test_bad_configuration_stops_start_up_with_a_message_naming_the_variable(env, named):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]


def test_the_readme_documents_every_variable_the_settings_read():
    import re

    read = set(re.findall(r'_read\("([A-Z_]+)"', (ROOT / "artops" / "settings.py").read_text()))
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(), flags=re.M))
    assert read and read <= documented, sorted(read - documented)
