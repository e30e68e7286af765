#!/usr/bin/env bash
# `make test`: installs and starts what the suite needs, then lint, the import contract, migrations
# check and pytest. It only reads the tree: `make format` is the target that rewrites.
# PostgreSQL and Redis are used when they answer (and started when they are installed but down);
# under CI=true their absence fails the run; elsewhere the suite falls back to SQLite, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
IN_CI=false
[ "${CI:-}" = "true" ] && IN_CI=true

say() { printf '\n==> %s\n' "$*"; }
loud() { printf '\n\033[1;31m!!! %s\033[0m\n\n' "$*"; }
missing() {
  if $IN_CI; then loud "$1 — CI=true, so this fails the run."; exit 1; fi
  loud "$1"
}
answers() { # host port
  $PY -c "import socket,sys; socket.create_connection(('$1', $2), timeout=2).close()" 2>/dev/null
}
apt_ready=false
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then return 1; fi
  if ! $apt_ready; then apt-get update -qq >/tmp/artops-apt.log 2>&1 || return 1; apt_ready=true; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>/tmp/artops-apt.log 2>&1
}

# --- Chromium for the browser tests (Debian's package, never a downloaded build) -------------------
if [ ! -x /usr/bin/chromium ]; then
  say "Installing Chromium from Debian's packages for the browser tests"
  apt_install chromium fonts-dejavu-core || missing "Chromium could not be installed (see /tmp/artops-apt.log): browser tests will be skipped"
fi

# --- axe-core for the accessibility test (npm registry, pinned in package-lock.json) ----------------
# Injected into the pages by tests/browser/test_accessibility.py; never served to users, never committed.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  say "Installing the browser tests' JavaScript (npm ci: axe-core)"
  if command -v npm >/dev/null && npm ci --no-audit --no-fund >/tmp/artops-npm.log 2>&1; then
    touch node_modules  # newer than the lock now, so the next run skips the install
  else
    missing "npm ci failed or npm is missing (see /tmp/artops-npm.log): the accessibility test will be skipped"
  fi
fi

# --- PostgreSQL ----------------------------------------------------------------------------------
if ! answers 127.0.0.1 5432 && command -v pg_ctlcluster >/dev/null; then
  say "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 20); do answers 127.0.0.1 5432 && break; sleep 0.5; done
fi
if answers 127.0.0.1 5432; then
  export DATABASE_URL="${ARTOPS_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/artops}"
  say "PostgreSQL answers: the suite runs on $DATABASE_URL (test databases test_artops*)"
else
  unset DATABASE_URL
  missing "PostgreSQL is not answering on 127.0.0.1:5432: FALLING BACK TO SQLITE (constraints checked on SQLite only)"
fi

# --- Redis ---------------------------------------------------------------------------------------
if ! answers 127.0.0.1 6379 && command -v redis-server >/dev/null; then
  say "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  for _ in $(seq 20); do answers 127.0.0.1 6379 && break; sleep 0.5; done
fi
if answers 127.0.0.1 6379; then
  # A database number of its own, so tests never touch a developer's queues.
  export ARTOPS_TEST_REDIS_URL="${ARTOPS_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
  say "Redis answers: Celery worker tests use $ARTOPS_TEST_REDIS_URL"
else
  unset ARTOPS_TEST_REDIS_URL
  missing "Redis is not answering on 127.0.0.1:6379: the real Celery worker tests will be SKIPPED"
fi
unset REDIS_URL CELERY_BROKER_URL  # the suite itself runs tasks in-process; worker tests start their own

# --- Lint and migrations ---------------------------------------------------------------------------
say "ruff check"
$PY -m ruff check .
# Tests never change the tree: an unformatted file fails here; `make format` rewrites it.
say "ruff format --check"
$PY -m ruff format --check .
say "lint-imports (imports run trains ← planning ← risks ← metrics, artops above; pyproject.toml)"
.venv/bin/lint-imports --no-cache
say "makemigrations --check"
# On the embedded default: the check compares models with migration files, it needs no server.
DATABASE_URL=sqlite:///:memory: $PY manage.py makemigrations --check --dry-run

# --- Tests -----------------------------------------------------------------------------------------
say "pytest"
# Locally the test databases are kept between runs (migrations still apply); CI builds them fresh.
db_flag=--reuse-db
$IN_CI && db_flag=--create-db
exec $PY -m pytest -n 2 --dist loadgroup $db_flag "$@"
