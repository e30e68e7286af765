"""The container set-up: docker-compose.yml, the Dockerfile and the health-check script.

Docker is not needed: the files are parsed and checked against what artops/settings.py reads, and
the settings are loaded in a subprocess with the environment the compose file gives the app.
"""

import importlib.util
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.http.request import validate_host

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_FILE = ROOT / "artops" / "settings.py"
HEALTHCHECK_SCRIPT = ROOT / "deploy" / "healthcheck.py"

APP_SERVICES = ("web", "worker", "beat")
# What `docker compose up` would be given from .env for the variables that have no default.
REQUIRED_COMPOSE_VARIABLES = {"SECRET_KEY": "compose-test-secret-key", "POSTGRES_PASSWORD": "compose-test-pw"}


# --- helpers ------------------------------------------------------------------------------------


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict:
    return load_compose()["services"]


def settings_variables() -> set[str]:
    """Names of the environment variables artops/settings.py reads, from its `_read("NAME", ...)` calls."""
    return set(re.findall(r"""_read\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""", SETTINGS_FILE.read_text()))


def command(service: dict) -> list[str]:
    value = service.get("command", [])
    return shlex.split(value) if isinstance(value, str) else [str(part) for part in value]


def environment(service: dict) -> dict[str, str]:
    value = service.get("environment") or {}
    if isinstance(value, list):  # the ["NAME=value", ...] form
        value = dict(item.split("=", 1) if "=" in item else (item, "") for item in value)
    return {str(name): "" if v is None else str(v) for name, v in value.items()}


def depends_on(service: dict) -> dict[str, str]:
    """{service: condition}; the short list form means service_started."""
    value = service.get("depends_on") or {}
    if isinstance(value, list):
        return dict.fromkeys(value, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in value.items()}


def one_shot_services(all_services: dict) -> set[str]:
    """Services that others wait on to finish (e.g. migrate): they exit, so they need no health check."""
    return {
        name
        for service in all_services.values()
        for name, condition in depends_on(service).items()
        if condition == "service_completed_successfully"
    }


def health_test(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test", [])
    return test if isinstance(test, str) else " ".join(str(part) for part in test)


_INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg")
        unset = name not in variables
        empty = unset or variables[name] == ""
        if op in (":-", "-") and (empty if op == ":-" else unset):
            return arg
        if op in (":?", "?") and (empty if op == ":?" else unset):
            raise KeyError(f"{name}: {arg}")
        return variables.get(name, "")

    return _INTERPOLATION.sub(replace, value)


def app_environment(service_name: str, variables: dict[str, str] | None = None) -> dict[str, str]:
    variables = REQUIRED_COMPOSE_VARIABLES if variables is None else variables
    return {
        name: interpolate(value, variables) for name, value in environment(services()[service_name]).items()
    }


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    lines = [line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def load_healthcheck_script():
    spec = importlib.util.spec_from_file_location("artops_deploy_healthcheck", HEALTHCHECK_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- docker-compose.yml -------------------------------------------------------------------------


def test_settings_variable_scan_finds_the_variables_settings_reads():
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= settings_variables()


def test_compose_defines_web_worker_beat_db_and_redis():
    assert {"web", "worker", "beat", "db", "redis"} <= set(services())


def test_web_runs_gunicorn_serving_artops_wsgi_on_port_8000():
    args = command(services()["web"])
    assert args[0] == "gunicorn"
    assert "artops.wsgi:application" in args
    bind = (
        args[args.index("--bind") + 1]
        if "--bind" in args
        else next(a for a in args if a.startswith("--bind="))
    )
    assert bind.removeprefix("--bind=") == "0.0.0.0:8000"


def test_worker_runs_the_celery_worker_for_artops():
    assert command(services()["worker"])[:4] == ["celery", "-A", "artops", "worker"]


def test_beat_runs_celery_beat_with_its_schedule_in_a_mounted_volume():
    beat = services()["beat"]
    args = command(beat)
    assert args[:4] == ["celery", "-A", "artops", "beat"]
    schedule = Path(args[args.index("--schedule") + 1])
    mounts = [Path(volume.split(":")[1]) for volume in beat.get("volumes", [])]
    assert any(schedule.parent == mount for mount in mounts), (
        "the non-root user needs a writable schedule dir"
    )


def test_web_starts_only_after_migrations_have_run():
    all_services = services()
    waits_for = [
        name
        for name, condition in depends_on(all_services["web"]).items()
        if condition == "service_completed_successfully"
    ]
    assert any(command(all_services[name])[:3] == ["python", "manage.py", "migrate"] for name in waits_for)


def test_every_long_running_service_has_a_health_check():
    all_services = services()
    long_running = set(all_services) - one_shot_services(all_services)
    assert {"web", "worker", "beat", "db", "redis"} <= long_running
    for name in long_running:
        healthcheck = all_services[name].get("healthcheck") or {}
        assert not healthcheck.get("disable"), name
        assert health_test(all_services[name]).strip() not in ("", "NONE"), name


def test_health_checks_use_tools_each_image_has():
    all_services = services()
    assert "pg_isready" in health_test(all_services["db"])
    assert "redis-cli ping" in health_test(all_services["redis"])
    # The slim Python image has no curl: web is checked with a stdlib script fetching /healthz.
    assert "deploy/healthcheck.py web" in health_test(all_services["web"])
    assert "urllib" in HEALTHCHECK_SCRIPT.read_text() and "/healthz" in HEALTHCHECK_SCRIPT.read_text()
    assert "deploy/healthcheck.py beat" in health_test(all_services["beat"])


def test_worker_health_check_pings_its_own_node_with_hostname_escaped_from_compose():
    test = health_test(services()["worker"])
    assert "celery -A artops inspect ping" in test
    # $$ reaches the container's shell as $HOSTNAME; a single $ would be replaced by compose on the host.
    assert "celery@$$HOSTNAME" in test
    assert interpolate(test, {}).count("celery@$HOSTNAME") == 1


def test_app_services_wait_for_healthy_db_and_redis():
    all_services = services()
    for name in APP_SERVICES:
        conditions = depends_on(all_services[name])
        assert conditions.get("db") == "service_healthy", name
        assert conditions.get("redis") == "service_healthy", name


def test_app_services_receive_only_variables_that_settings_reads():
    known = settings_variables()
    for name in APP_SERVICES:
        unknown = set(environment(services()[name])) - known
        assert not unknown, f"{name} is given variables settings.py never reads: {sorted(unknown)}"


def test_app_services_receive_database_redis_and_secret_key():
    for name in APP_SERVICES:
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(environment(services()[name])), name


def test_app_services_share_one_image_and_one_environment():
    all_services = services()
    builds = {
        repr((all_services[name].get("build"), all_services[name].get("image"))) for name in APP_SERVICES
    }
    assert len(builds) == 1
    assert all_services["web"].get("build") or all_services["web"].get("image")
    environments = [environment(all_services[name]) for name in APP_SERVICES]
    assert environments[0] == environments[1] == environments[2]


def test_production_environment_turns_debug_off_and_requires_the_secrets():
    env = environment(services()["web"])
    assert env["DEBUG"].lower() == "false"
    # Neither secret has a default in the compose file: without them compose refuses to start.
    for missing in REQUIRED_COMPOSE_VARIABLES:
        variables = {k: v for k, v in REQUIRED_COMPOSE_VARIABLES.items() if k != missing}
        with pytest.raises(KeyError, match=missing):
            app_environment("web", variables)


def test_database_url_and_db_service_share_the_postgres_password():
    all_services = services()
    db_env = {
        k: interpolate(v, REQUIRED_COMPOSE_VARIABLES) for k, v in environment(all_services["db"]).items()
    }
    database_url = app_environment("web")["DATABASE_URL"]
    expected = (
        f"postgres://{db_env['POSTGRES_USER']}:{db_env['POSTGRES_PASSWORD']}@db:5432/{db_env['POSTGRES_DB']}"
    )
    assert database_url == expected
    assert app_environment("web")["REDIS_URL"] == "redis://redis:6379/0"


def test_db_and_redis_use_pinned_major_versions_and_named_volumes():
    compose = load_compose()
    assert compose["services"]["db"]["image"] == "postgres:15"
    assert compose["services"]["redis"]["image"] == "redis:7"
    named_volumes = set(compose.get("volumes") or {})
    db_volumes = [volume.split(":") for volume in compose["services"]["db"].get("volumes", [])]
    assert any(
        source in named_volumes and target == "/var/lib/postgresql/data" for source, target, *_ in db_volumes
    )


@pytest.mark.parametrize("service", APP_SERVICES)
def test_settings_accept_the_compose_environment(service):
    env = app_environment(service)
    # Point the service hostnames at 127.0.0.1 so that nothing has to resolve; nothing connects.
    env = {name: re.sub(r"(?<=[@/])(db|redis)(?=[:/])", "127.0.0.1", value) for name, value in env.items()}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='artops.settings'; django.setup(); "
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **env},  # nothing leaks in from the test run's environment
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    engine, broker = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert broker == "redis://127.0.0.1:6379/0"


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_builds_from_python_3_11_slim_and_exposes_8000():
    instructions = dockerfile_instructions()
    assert ("FROM", "python:3.11-slim") in instructions
    assert ("EXPOSE", "8000") in instructions


def test_dockerfile_installs_the_project_with_pip_without_dev_extras():
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    assert any(re.search(r"pip install\b[^&;|]*\s\.(\s|$)", run) for run in runs), "pip install . missing"
    assert any("pyproject.toml" in run for run in runs), "dependencies should come from pyproject.toml"
    assert not any(re.search(r"\.\[[^\]]*dev", run) for run in runs)


def test_dockerfile_fetches_nothing_from_a_cdn():
    for keyword, arguments in dockerfile_instructions():
        assert not re.search(r"\b(curl|wget)\b", arguments), (keyword, arguments)
        if keyword in {"RUN", "ADD"}:
            assert not re.search(r"https?://", arguments), (keyword, arguments)


def test_dockerfile_collects_static_files_with_debug_off_and_a_build_only_key():
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    collect = next(run for run in runs if "collectstatic" in run)
    assert "--noinput" in collect
    assert "DEBUG=false" in collect
    assert "SECRET_KEY=" in collect
    # The build key must not end up in the image's environment.
    assert not any(keyword == "ENV" and "SECRET_KEY" in args for keyword, args in dockerfile_instructions())


def test_dockerfile_runs_as_a_non_root_user():
    users = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_build_context_leaves_out_local_state_and_secrets():
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    assert {".git", ".venv", ".env", "db.sqlite3"} <= ignored


# --- deploy/healthcheck.py ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "allowed_hosts",
    ["", "localhost,127.0.0.1", "artops.example.com, localhost", ".example.com", "*"],
)
def test_web_health_check_sends_a_host_that_allowed_hosts_accepts(monkeypatch, allowed_hosts):
    script = load_healthcheck_script()
    if allowed_hosts:
        monkeypatch.setenv("ALLOWED_HOSTS", allowed_hosts)
    else:
        monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    hosts = [h.strip() for h in allowed_hosts.split(",") if h.strip()] or ["127.0.0.1", "localhost"]
    assert validate_host(script._host_header(), hosts)


def test_beat_health_check_fails_once_the_schedule_file_goes_stale(tmp_path):
    script = load_healthcheck_script()
    schedule = tmp_path / "celerybeat-schedule"
    assert script.main(["beat", str(schedule)]) == 1  # beat never wrote it

    written = tmp_path / "celerybeat-schedule.db"  # some dbm modules add a suffix
    written.write_bytes(b"")
    assert script.main(["beat", str(schedule)]) == 0

    stale = time.time() - script.BEAT_MAX_AGE_SECONDS - 60
    os.utime(written, (stale, stale))
    assert script.main(["beat", str(schedule)]) == 1
