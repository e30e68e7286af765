#!/usr/bin/env bash
# `make bench`: builds its trains in a database of its own (artops_bench) on PostgreSQL and prints JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if ! $PY -c "import socket; socket.create_connection(('127.0.0.1', 5432), timeout=2).close()" 2>/dev/null; then
  echo "make bench measures on PostgreSQL: nothing answers on 127.0.0.1:5432" >&2
  exit 1
fi
export DATABASE_URL="${ARTOPS_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/artops_bench}"
unset REDIS_URL CELERY_BROKER_URL
$PY - <<'PYEOF'
import os, urllib.parse, psycopg2
url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
name = url.path.strip("/")
conn = psycopg2.connect(host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres")
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if not cur.fetchone():
        cur.execute(f'CREATE DATABASE "{name}"')
PYEOF
$PY manage.py migrate --noinput -v0
export DEBUG=false SECRET_KEY=bench-only-secret ALLOWED_HOSTS=testserver
$PY manage.py collectstatic --noinput -v0
exec $PY -m bench "$@"
