# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY := .venv/bin/python
STAMP := .venv/.installed-stamp

.PHONY: install run test format bench load worker beat web clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Embedded default: SQLite file, tasks in-process, the demo train, served on 127.0.0.1:8000.
## DEBUG is off, as for a user: a wrong address shows the app's 404 page, not Django's list of URL
## patterns, and WhiteNoise serves the collected static files. It needs a secret key, made once
## per checkout in .venv/secret-key, and cookies sent over plain http://127.0.0.1. DEBUG,
## SECRET_KEY or SESSION_COOKIE_SECURE set in the environment win (`DEBUG=true make run`).
RUN_ENV = DEBUG=$${DEBUG:-false} SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-false} \
	SECRET_KEY="$${SECRET_KEY:-$$(cat .venv/secret-key)}"
run: install
	test -s .venv/secret-key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > .venv/secret-key
	$(RUN_ENV) $(PY) manage.py migrate --noinput -v0
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(RUN_ENV) $(PY) manage.py seed_demo
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## Lint, the import contract, migrations check and the whole suite, on PostgreSQL and Redis when
## they answer. Reads the tree, never rewrites it.
test: install
	bash scripts/test.sh

## Rewrite the code to the project's style: ruff's formatter and its safe lint fixes.
format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

## The production processes, natively (set DATABASE_URL and REDIS_URL first; see README).
web: install
	$(PY) manage.py migrate --noinput && $(PY) manage.py collectstatic --noinput -v0
	.venv/bin/gunicorn artops.wsgi:application --bind 127.0.0.1:8000 --workers 3
worker: install
	.venv/bin/celery -A artops worker -l info
beat: install
	.venv/bin/celery -A artops beat -l info --schedule .venv/celerybeat-schedule

## Performance figures (JSON) on PostgreSQL, against floors measured in the same run. See README.
bench: install
	bash scripts/bench.sh

## The program board under a PI Planning room's load, over real HTTP: gunicorn, a Celery worker and beat
## started natively, PostgreSQL and Redis; 125 boards, 20 planners, 2 moves/s for 120 s. JSON; see README.
## Not part of `make test` (tests/test_load.py runs it small). `make load LOAD_ARGS="--boards 30"`.
load: install
	bash scripts/load.sh $(LOAD_ARGS)

clean:
	rm -rf .venv db.sqlite3 staticfiles
