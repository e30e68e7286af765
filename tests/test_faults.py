"""Faults on the production processes, started natively (tests/processes.py), while people plan.

- The Celery worker's pool child is killed (SIGKILL) in the middle of a recompute, then the worker
  itself, then Redis is restarted (nothing persisted), then a worker is started again: board moves
  made through gunicorn meanwhile succeed, the recomputes resume by themselves, and the final
  snapshots are exactly what a recompute from scratch gives, one row per key. (Moves made while Redis
  is down fail today: the test says so last, as an expected failure, see its message.)
- PostgreSQL stops for a few seconds under a running gunicorn, one move half-way through its
  transaction: requests get the 503 page (the message alone for htmx, JSON under /api/), nothing is
  half-written, and the same gunicorn processes serve again by themselves once the database is back.

Redis and PostgreSQL here are servers of the test's own, on free ports: the machine's are never touched.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg2
import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import IntegrityError, connection, transaction

from metrics.models import PIRecompute, Snapshot
from metrics.services import ADVISORY_LOCK_CLASS, pi_snapshot_compute
from planning.factories import FeatureFactory, PIObjectiveFactory, StoryFactory
from planning.models import Feature
from tests.conftest import need
from tests.processes import (
    ROOT,
    celery,
    current_database_url,
    free_port,
    gunicorn,
    processes,
    production_env,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("stack")]


# --- a browser's requests, as htmx makes them ------------------------------------------------------


class Session:
    """One person's cookies (session, CSRF) against one server."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        """(status, headers, body) of one request; an error status is returned, not raised."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def csrf_token(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def log_in(self, username: str, password: str = "artops-demo") -> None:
        status, _, page = self.request("GET", "/login/")
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, page = self.request(
            "POST", "/login/", {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        assert status == 200 and "Log in to ARTops" not in page, page[:2000]

    def htmx_post(self, path: str, data: dict):
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf_token(), "Referer": self.base_url + "/"}
        return self.request("POST", path, data, headers)


class Mover(threading.Thread):
    """Drags one card back and forth between two cells, as the board does, until stopped.

    Every answer's status is kept, so the test can say no move failed whatever happened meanwhile."""

    def __init__(self, session: Session, feature: Feature, cells: list[tuple[int, int]]):
        super().__init__(daemon=True)
        self.session, self.cells = session, cells
        self.path = f"/trains/{feature.train.slug}/board/features/{feature.pk}/move/"
        self.version, self.board_version = feature.version, feature.pi.board_version
        self.answers: list[tuple[str, int, str]] = []  # (phase, status, body) of every move
        self.phase = "start"  # what the test is doing meanwhile, set by the test
        self.stopping = threading.Event()

    def run(self):
        n = 0
        while not self.stopping.is_set():
            team, iteration = self.cells[n % len(self.cells)]
            data = {
                "team": team,
                "iteration": iteration,
                "version": self.version,
                "board_version": self.board_version,
            }
            phase = self.phase
            try:
                status, headers, body = self.session.htmx_post(self.path, data)
                if status == 200:
                    moved = json.loads(headers["HX-Trigger"])["board:moved"]
                    self.version = moved["version"]
                    self.board_version = moved["board_version"] or self.board_version
                    n += 1
            except Exception as exc:  # noqa: BLE001 - no answer, or not the move's: a failure too
                status, body = 599, repr(exc)
            self.answers.append((phase, status, body[:300]))
            time.sleep(0.05)  # a person's pace, not a benchmark: the faults are the point

    def moves(self) -> int:
        return len(self.answers)

    def wait_for_moves(self, count: int, *, what: str) -> None:
        """Wait until `count` more moves have been answered."""
        target = self.moves() + count
        wait_for(lambda: self.moves() >= target, timeout=30, what=f"{count} moves {what}", interval=0.05)

    def stop(self) -> list[tuple[str, int, str]]:
        self.stopping.set()
        self.join(timeout=30)
        return self.answers


def can_log_in(user, password: str = "artops-demo") -> None:
    """The test settings hash passwords with MD5 (fast), which the production settings refuse."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(password, hasher.salt())
    user.save(update_fields=["password"])


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """Static files of the module's own (DEBUG off reads their manifest): the suite's other
    processes serve the checkout's STATIC_ROOT meanwhile."""
    static_root = tmp_path_factory.mktemp("static")
    env = production_env(database_url="sqlite:///unused", redis_url=None, STATIC_ROOT=str(static_root))
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=120)
    return static_root


# --- servers of the test's own ----------------------------------------------------------------------


class RedisServer:
    """A Redis that keeps nothing on disk: a restart loses every queued message, as a crash would."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = tmp_path / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(command, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_timeout=1)
        wait_for(client.ping, timeout=10, what="Redis answering", interval=0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


# --- the worker's processes --------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The worker's pool processes (Linux: /proc lists a process's children)."""
    with contextlib.suppress(FileNotFoundError):
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def locker(postgres):
    """A database session of the test's own, outside the test's connection, to hold locks with."""
    db = connection.settings_dict
    session = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    session.autocommit = True
    yield session
    session.close()


def blocked_by(locker) -> list[tuple[int, str]]:
    """Database sessions waiting for a lock `locker` (a psycopg2 connection) holds."""
    with locker.cursor() as cursor:
        # Inside a transaction PostgreSQL shows the activity as first read: read it afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return cursor.fetchall()


def settled(pi) -> PIRecompute | None:
    """The PI's recompute state once nothing is stale, queued or running."""
    state = PIRecompute.objects.get(pi=pi)
    if state.is_stale or state.queued_at or state.running_since:
        return None
    return state


def figures(pi) -> dict:
    """Every snapshot of the PI by its key: (team, metric, day) → (value, data)."""
    return {
        (row.team_id, row.metric, row.day): (row.value, row.data) for row in Snapshot.objects.filter(pi=pi)
    }


@pytest.fixture
def board(upcoming_pi, team, other_team, rte):
    """A PI being planned with some work in it, one card to drag between Apollo's I1 and Gemini's I2."""
    pi = upcoming_pi
    i1, i2, i3 = pi.iterations.order_by("number")[:3]
    feature = FeatureFactory(train=pi.train, pi=pi, team=team, iteration=i1, title="Dragged")
    for n, (owner, iteration) in enumerate([(team, i1), (other_team, i2), (team, i3), (other_team, i3)]):
        other = FeatureFactory(train=pi.train, pi=pi, team=owner, iteration=iteration)
        StoryFactory(team=owner, feature=other, iteration=iteration, points=n + 2)
    StoryFactory(team=team, feature=feature, iteration=i1, points=5)
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8)
    PIObjectiveFactory(pi=pi, team=other_team, planned_business_value=5)
    pi_snapshot_compute(pi=pi)
    can_log_in(rte)
    return pi, Feature.objects.get(pk=feature.pk), [(team.pk, i1.pk), (other_team.pk, i2.pk)]


def test_killed_worker_and_restarted_redis_lose_no_move_and_the_figures_catch_up_exactly(
    own_redis, locker, static_root, tmp_path, board
):
    pi, feature, cells = board
    env = production_env(
        database_url=current_database_url(), redis_url=own_redis.url, STATIC_ROOT=str(static_root)
    )
    port = free_port()
    commands = {
        "web": gunicorn(port, workers=2),
        "worker": celery("worker", "--concurrency=1", "-n", "faults-1@%h"),
        "beat": celery("beat", "--schedule", str(tmp_path / "beat-schedule")),
    }
    started = time.monotonic()
    with processes(tmp_path, env, commands) as running:
        worker, worker_log = running["worker"]
        wait_for(lambda: "ready" in worker_log.read_text(), timeout=30, what="the worker starting")
        session = Session(f"http://127.0.0.1:{port}")
        wait_for(lambda: session.request("GET", "/login/")[0] == 200, timeout=30, what="gunicorn answering")
        session.log_in("rte")
        mover = Mover(session, feature, cells)
        mover.start()

        # 1. The pool child dies in the middle of a recompute. Deterministic: the test holds the
        # PI's recompute lock, so the run the moves queued waits inside its transaction, after it
        # took the PI's queue token and marked itself running.
        with locker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, pi.pk])
        wait_for(lambda: blocked_by(locker), timeout=30, what="a recompute waiting for the PI's lock")
        assert PIRecompute.objects.get(pi=pi).running_since is not None
        (child,) = children(worker.pid)
        runs_before = PIRecompute.objects.get(pi=pi).runs
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: not alive(child), timeout=10, what="the pool child dying")
        with locker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, pi.pk])
        # The worker carries on with a new child: the moves' next recompute completes.
        wait_for(
            lambda: PIRecompute.objects.get(pi=pi).runs > runs_before,
            timeout=30,
            what="a recompute completing after the child was killed",
        )
        assert "WorkerLostError" in worker_log.read_text()
        mover.wait_for_moves(3, what="after the child was killed")
        mover.phase = "worker killed"

        # 2. The worker itself dies; its pool child goes with it (or after its task).
        pool = children(worker.pid)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        wait_for(lambda: not any(alive(pid) for pid in pool), timeout=30, what="the orphaned pool exiting")
        mover.wait_for_moves(3, what="with no worker")

        # 3. Redis restarts, losing whatever was queued; moves go on while it is down and after.
        mover.phase = "Redis down"
        own_redis.stop()
        mover.wait_for_moves(3, what="with Redis down")
        own_redis.start()
        mover.phase = "Redis back"
        mover.wait_for_moves(3, what="after Redis came back")
        assert PIRecompute.objects.get(pi=pi).is_stale

        # 4. A worker comes back: the recomputes resume without anyone asking (the worker re-sends
        # every stale PI's recompute as it starts: the marks the lost one left would hold it off).
        again = {"worker-again": celery("worker", "--concurrency=1", "-n", "faults-2@%h")}
        mover.phase = "worker back"
        runs_before = PIRecompute.objects.get(pi=pi).runs
        with processes(tmp_path, env, again) as restarted:
            wait_for(
                lambda: PIRecompute.objects.get(pi=pi).runs > runs_before,
                timeout=30,
                what="recomputes resuming on the new worker",
            )
            mover.wait_for_moves(3, what="with the new worker")
            answers = mover.stop()
            state = wait_for(
                lambda: settled(pi), timeout=30, what="the figures catching up with the last move"
            )
            new_worker, new_log = restarted["worker-again"]
            assert new_worker.poll() is None
            assert re.search(r"metrics\.tasks\.resume_recomputes\[\S+\] succeeded", new_log.read_text())
        for name in ("web", "beat"):
            assert running[name][0].poll() is None, f"{name} exited"

    sys.stderr.write(f"\n{len(answers)} moves in {time.monotonic() - started:.1f}s of faults\n")
    failed = [answer for answer in answers if answer[1] != 200]
    assert not failed, f"{len(failed)} of {len(answers)} moves failed: {failed[:3]}"
    assert state.computed_seq == state.change_seq

    # The figures are exactly those of a recompute from scratch, one row per key.
    final = figures(pi)
    assert Snapshot.objects.filter(pi=pi).count() == len(final)
    Snapshot.objects.filter(pi=pi).delete()
    pi_snapshot_compute(pi=pi)
    assert figures(pi) == final

    # And the database itself refuses a second row for a key, for a team's figure and the ART's.
    for team_id in (cells[0][0], None):
        row = Snapshot.objects.filter(pi=pi, team_id=team_id).first()
        row.pk = None
        with pytest.raises(IntegrityError), transaction.atomic():
            row.save(force_insert=True)


# --- PostgreSQL stopping under gunicorn -------------------------------------------------------------

# Debian's server binaries, newest version last.
PG_BINARIES = sorted(
    Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
    key=lambda pg_ctl: [int(part) for part in re.findall(r"\d+", pg_ctl.parent.parent.name)],
)


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (Debian's binaries, run as the postgres user, who must
    own its directory), on a free port, with no durability to pay for."""

    def __init__(self):
        self.bin = PG_BINARIES[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="artops-faults-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data, self.port = self.dir / "data", free_port()

    def run(self, program: str, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(self.bin / program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)


@pytest.fixture
def cluster():
    need("PostgreSQL's server binaries", bool(PG_BINARIES), "no /usr/lib/postgresql/<version>/bin/pg_ctl")
    need("runuser", bool(shutil.which("runuser")), "initdb and pg_ctl must run as the postgres user")
    server = PostgresCluster()
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


# Run by `manage.py shell` on the cluster: what the test needs, built with the app's own factories.
PLAN_SCRIPT = """
import json
from datetime import timedelta

from django.utils import timezone

from planning.factories import FeatureFactory, ProgramIncrementFactory
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.models import Role

train = TrainFactory(name="Orbit ART", slug="orbit")
apollo, gemini = TeamFactory(train=train, name="Apollo"), TeamFactory(train=train, name="Gemini")
today = timezone.localdate()
pi = ProgramIncrementFactory(train=train, name="PI 7", start_date=today + timedelta(days=7 - today.weekday()))
i1, i2 = pi.iterations.order_by("number")[:2]
feature = FeatureFactory(train=train, pi=pi, team=apollo, iteration=i1, title="Dragged")
MembershipFactory(user=UserFactory(username="rte"), train=train, role=Role.RTE)
print(json.dumps({"feature": feature.pk, "pi": pi.pk, "version": feature.version, "to": [gemini.pk, i2.pk]}))
"""


def placed(database, feature_id: int, pi_id: int) -> tuple:
    """The feature's place and version, and its PI's board version, as the database holds them."""
    with database.cursor() as cursor:
        cursor.execute(
            "SELECT team_id, iteration_id, version FROM planning_feature WHERE id = %s", [feature_id]
        )
        feature = cursor.fetchone()
        cursor.execute("SELECT board_version FROM planning_programincrement WHERE id = %s", [pi_id])
        return (*feature, *cursor.fetchone())


def test_postgresql_stopping_gets_503_writes_nothing_and_the_same_processes_serve_again(
    cluster, static_root, tmp_path
):
    database_url = cluster.url("artops")
    admin = cluster.connect()
    admin.autocommit = True
    admin.cursor().execute("CREATE DATABASE artops")
    admin.close()
    # Persistent connections, as in production: the ones open when PostgreSQL stops are dead after.
    env = production_env(
        database_url=database_url, redis_url=None, STATIC_ROOT=str(static_root), DATABASE_CONN_MAX_AGE="60"
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    made = subprocess.run(
        [*manage, "shell", "-c", PLAN_SCRIPT], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True
    )
    plan = json.loads(made.stdout.decode().strip().splitlines()[-1])
    port = free_port()
    move_path = f"/trains/orbit/board/features/{plan['feature']}/move/"
    move = {"team": plan["to"][0], "iteration": plan["to"][1], "version": plan["version"]}

    with processes(tmp_path, env, {"web": gunicorn(port)}) as running:
        web = running["web"][0]
        session = Session(f"http://127.0.0.1:{port}")
        wait_for(lambda: session.request("GET", "/login/")[0] == 200, timeout=30, what="gunicorn answering")
        session.log_in("rte")
        pages = {"board": "/trains/orbit/board/", "api": "/api/v1/trains/", "health": "/healthz"}
        assert {name: session.request("GET", url)[0] for name, url in pages.items()} == dict.fromkeys(
            pages, 200
        )
        workers = children(web.pid)
        database = cluster.connect("artops")
        before = placed(database, plan["feature"], plan["pi"])

        # A move half-way through its transaction when PostgreSQL stops: it has moved the card and
        # waits to bump the PI's board version, held by the test's lock on the PI's row.
        with database.cursor() as cursor:
            cursor.execute("SELECT 1 FROM planning_programincrement WHERE id = %s FOR UPDATE", [plan["pi"]])
        answers = []
        half_way = threading.Thread(target=lambda: answers.append(session.htmx_post(move_path, move)))
        half_way.start()
        ((blocked, query),) = wait_for(lambda: blocked_by(database), timeout=15, what="the move waiting")
        assert query.startswith('UPDATE "planning_programincrement"')
        with database.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation "
                "WHERE pid = %s AND relname = 'planning_feature' AND mode = 'RowExclusiveLock'",
                [blocked],
            )
            assert cursor.fetchone(), "the move has not written the card yet"

        cluster.stop()
        database.close()
        half_way.join(timeout=15)
        ((status, headers, body),) = answers
        assert (status, headers["Content-Type"], headers["HX-Reswap"]) == (
            503,
            "text/plain; charset=utf-8",
            "none",
        )
        assert body == "ARTops cannot reach its database just now. Try again in a moment."

        # While it is down: the page, the API, another move (htmx and a plain form post), the probe.
        status, headers, page = session.request("GET", pages["board"])
        assert (status, headers["Retry-After"]) == (503, "5")
        assert "ARTops cannot reach its database" in page and "try again in a moment" in page
        status, headers, answer = session.request("GET", pages["api"])
        assert (status, headers["Content-Type"]) == (503, "application/json")
        assert json.loads(answer) == {
            "code": "unavailable",
            "message": "ARTops cannot reach its database just now. Try again in a moment.",
            "fields": {},
        }
        assert session.htmx_post(move_path, move)[0] == 503
        plain = {**move, "csrfmiddlewaretoken": session.csrf_token()}
        assert session.request("POST", move_path, plain, {"Referer": session.base_url + "/"})[0] == 503
        assert session.request("GET", pages["health"])[0] == 503

        # PostgreSQL is back: the same processes serve again, from the very next request.
        cluster.start()
        assert {name: session.request("GET", url)[0] for name, url in pages.items()} == dict.fromkeys(
            pages, 200
        )
        assert web.poll() is None and children(web.pid) == workers
        database = cluster.connect("artops")
        assert placed(database, plan["feature"], plan["pi"]) == before  # nothing of the moves was written
        status, headers, _ = session.htmx_post(move_path, move)
        assert status == 200
        after = placed(database, plan["feature"], plan["pi"])
        assert after[:3] == (*plan["to"], plan["version"] + 1) and after[3] == before[3] + 1
        database.close()
