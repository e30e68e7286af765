#!/usr/bin/env bash
# `make load`: the program board under load, over real HTTP to gunicorn, with a Celery worker and beat,
# on PostgreSQL (a database of its own, artops_load) and Redis (database 7); prints one JSON object.
# Bounded: loopback only, a hard time limit (LOAD_TIME_LIMIT seconds, setup included), and every
# process it starts is stopped on exit. Arguments go to `python -m bench.load` (see --help), e.g.
#   bash scripts/load.sh --boards 30 --duration 30
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
answers() { # host port
  $PY -c "import socket; socket.create_connection(('$1', $2), timeout=2).close()" 2>/dev/null
}
if ! answers 127.0.0.1 5432; then
  echo "make load needs PostgreSQL: nothing answers on 127.0.0.1:5432" >&2
  exit 1
fi
if ! answers 127.0.0.1 6379; then
  echo "make load needs Redis (the Celery worker's broker, the sessions' cache): nothing answers on 127.0.0.1:6379" >&2
  exit 1
fi
export DATABASE_URL="${ARTOPS_LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/artops_load}"
export ARTOPS_LOAD_REDIS_URL="${ARTOPS_LOAD_REDIS_URL:-redis://127.0.0.1:6379/7}"
# The harness itself runs tasks in-process (it only builds the train); the server gets REDIS_URL.
unset REDIS_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND
$PY - <<'PYEOF'
import os, urllib.parse, psycopg2
url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
name = url.path.strip("/")
conn = psycopg2.connect(host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
                        password=url.password, dbname="postgres")
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if not cur.fetchone():
        cur.execute(f'CREATE DATABASE "{name}"')
PYEOF
$PY manage.py migrate --noinput -v0
LIMIT="${LOAD_TIME_LIMIT:-900}"
# The harness stops itself at the limit (and stops its processes); `timeout` is the backstop.
exec timeout --foreground --signal=TERM --kill-after=30 "$((LIMIT + 60))" $PY -m bench.load --time-limit "$LIMIT" "$@"
