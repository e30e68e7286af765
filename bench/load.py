"""`make load`: the program board under a PI Planning room's load, end to end over real HTTP.

The production processes are started natively on loopback: gunicorn with the production settings
(DEBUG off, the worker count of docker-compose.yml), a Celery worker and beat, on PostgreSQL and
Redis. Simulated people then use the large bench train (bench/board.py) as their browsers do
(templates/planning/board.html, static/js/board.js):

- every board is opened by a person logged in through /login/ (CSRF and session cookies), and
  polls `board/changes/?since=<its version>` on htmx's `every 3s` timer: one request in flight per
  board, a tick during a request queues one more (htmx's `queue:last`), and a swapped board body
  restarts the timer (the poll element is inside the body it swaps). A 204 changes nothing; an HTML
  answer is the whole board body, parsed again; a JSON answer is a delta, applied to the board;
- the first `planners` boards belong to planners (an RTE and Product Managers) who also move cards,
  together at `moves_per_s`, each based on the card and board versions their board shows. A 409
  reloads the board (as board.js does) and the person tries the same move again on the fresh
  version; a 422 is a refusal;
- each page also asks for the inbox's unread count on load and every 120 s, as base.html does.

When the moves stop, every board polls until it has seen the end, then each board's cards (cell and
version) are compared with the server's (read through the ORM and one fresh page), and the server's
board with a replay of the accepted moves in the order the server accepted them (each card's versions):
a move answered as accepted but not on the board is lost, a change nobody was told of is a phantom.

One JSON object is printed. Everything stays on 127.0.0.1; the processes started here are stopped on
exit, on Ctrl-C, on failure and at the hard time limit.

    python -m bench.load --boards 125 --planners 20 --moves-per-s 2 --duration 120
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import html
import http.client
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "load-only-password"  # noqa: S105 - users of the load test's own database
LANE = "lane-unplanned"


@dataclass
class Config:
    boards: int = 125
    planners: int = 20
    moves_per_s: float = 2.0
    duration: float = 120.0
    poll_interval: float = 3.0  # board.html: hx-trigger="every 3s"
    inbox_interval: float = 120.0  # base.html: the inbox count, hx-trigger="load, every 120s"
    settle: float = 90.0  # at most this long for every board to see the end once the moves stop
    time_limit: float = 900.0  # the whole run, setup included
    web_workers: int = 3  # docker-compose.yml: --workers ${WEB_CONCURRENCY:-3}
    worker_args: tuple[str, ...] = ()  # extra arguments for the Celery worker (the default pool)
    beat: bool = True
    retries_after_409: int = 3
    unplan_share: float = 0.05  # share of moves back to the unplanned lane
    hot_cards: int = 0  # > 0: planners fight over that many cards (lowest ids), not the whole board
    seed: int = 1
    setup_concurrency: int = 4  # logins and first page loads before the measured window
    http_timeout: float = 120.0  # a request waiting longer is counted as an error, not waited for


ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
_ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) .* (?P<us>\d+)$')


class TimeLimit(BaseException):
    """The run's hard limit passed: everything stops and the processes are cleaned up."""


# --- the server: gunicorn, a Celery worker and beat, natively ------------------------------------


def database_url(settings_dict: dict) -> str:
    """A postgres:// URL for the database a Django connection points at (the test database in tests)."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = (
        f"{urllib.parse.quote(user)}:{urllib.parse.quote(password)}" if password else urllib.parse.quote(user)
    )
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


try:
    _LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: the child calls it between fork and exec
except OSError:
    _LIBC = None


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM when the harness dies, even when it is killed."""
    if _LIBC is not None and hasattr(_LIBC, "prctl"):
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Server:
    base_url: str
    port: int
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)

    def sessions(self) -> dict[int, str]:
        """Each process leads a session of its own: its id, and the process's name."""
        return {p.pid: name for name, p in self.processes.items()}

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}: {self.tail(name)}")

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


@contextlib.contextmanager
def server(*, db_url: str, redis_url: str, config: Config, workdir: Path):
    """gunicorn, a Celery worker (and beat) with the production settings, on loopback; stopped on exit.

    Each process leads a process group of its own (gunicorn's workers, the worker's pool): stopping
    sends SIGTERM to those groups only, then SIGKILL to what is left after 15 s."""
    started_at = time.monotonic()
    static_root = workdir / "static"
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "artops.settings",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "load-" + secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain http on loopback, as `make run`: Secure cookies would never be sent back.
        "SESSION_COOKIE_SECURE": "false",
        "STATIC_ROOT": str(static_root),
    }
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DATABASE_CONN_MAX_AGE"):
        env.pop(name, None)  # the production defaults: REDIS_URL for both, connections kept 60 s
    # DEBUG off renders {% static %} through the manifest: collect into a folder of this run's own.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    commands = {
        # docker-compose.yml's web command, bound to loopback.
        "web": [
            str(BIN / "gunicorn"),
            "artops.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(config.web_workers),
            "--worker-tmp-dir",
            "/dev/shm",
            # To a file rather than stdout ("-"), with the time each request spent in its worker (%(D)s,
            # microseconds) after the default fields: the figures split that from the wait before it.
            "--access-logfile",
            str(workdir / "access.log"),
            "--access-logformat",
            ACCESS_FORMAT,
        ],
        "worker": [str(BIN / "celery"), "-A", "artops", "worker", "-l", "info", *config.worker_args],
    }
    if config.beat:
        commands["beat"] = [
            *(str(BIN / "celery"), "-A", "artops", "beat", "-l", "info"),
            *("--schedule", str(workdir / "celerybeat-schedule")),
        ]
    running = Server(base_url=f"http://127.0.0.1:{port}", port=port, logs=workdir, started_at=started_at)
    try:
        for name, command in commands.items():
            with (workdir / f"{name}.log").open("w") as log:
                running.processes[name] = subprocess.Popen(  # noqa: S603 - our own commands
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads run yet
                )
        _wait_until_healthy(running)
        yield running
    finally:
        _stop(running.processes)


def _wait_until_healthy(running: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        running.check_alive()
        try:
            answer = Browser(running.port).get("/healthz")
            if answer.status == 200:
                return
            last = answer.status
        except OSError as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(
        f"gunicorn did not answer /healthz within {timeout}s ({last!r}): {running.tail('web')}"
    )


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for process in processes.values():
        # The group too: a pool child may outlive its parent.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


# --- server CPU, from /proc -------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int | str) -> tuple[int, float] | None:
    """(session id, utime + stime in seconds) of a process, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / TICKS


class CpuMeter:
    """CPU seconds of the server's processes over a window, sampled every half second.

    The processes are those of the sessions started here (gunicorn's master and workers, the Celery
    worker and its pool, beat) and PostgreSQL's client backends of the run's database. A process
    seen at the start counts from its value then, one born later from zero; one that ends keeps its
    last sample (at most half a second is missed)."""

    def __init__(self, sessions: dict[int, str], db_settings: dict | None):
        self.sessions = sessions
        self.db_settings = db_settings
        self.start: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="cpu-meter", daemon=True)
        self.db = None
        self.own_backends: set[int] = set()

    def _db_pids(self) -> list[int]:
        if self.db is None:
            return []
        try:
            with self.db.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                    [self.db_settings["NAME"]],
                )
                return [pid for (pid,) in cursor.fetchall() if pid not in self.own_backends]
        except Exception:  # noqa: BLE001 - the meter never stops the run; the app figures stay
            return []

    def _sample(self) -> dict[tuple[str, int], float]:
        seen = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                stat = _proc_stat(entry.name)
                if stat and stat[0] in self.sessions:
                    seen[(self.sessions[stat[0]], int(entry.name))] = stat[1]
        for pid in self._db_pids():
            stat = _proc_stat(pid)
            if stat:
                seen[("db", pid)] = stat[1]
        return seen

    @staticmethod
    def _machine_busy() -> float:
        """Seconds every core of the machine spent busy (anyone's work: the machine is shared)."""
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
        return (user + nice + system + irq + softirq + steal) / TICKS

    def begin(self) -> None:
        if self.db_settings and self.db_settings.get("ENGINE", "").endswith("postgresql"):
            import psycopg2

            self.db = psycopg2.connect(
                host=self.db_settings.get("HOST") or "127.0.0.1",
                port=self.db_settings.get("PORT") or 5432,
                user=self.db_settings.get("USER") or "postgres",
                password=self.db_settings.get("PASSWORD") or None,
                dbname=self.db_settings["NAME"],
                application_name="artops-load-meter",
            )
            self.db.autocommit = True
            with self.db.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.own_backends = {cursor.fetchone()[0]}
        self.start = self._sample()
        self.last = dict(self.start)
        self.machine_start = self._machine_busy()
        self.began = time.monotonic()
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            self.last.update(self._sample())

    def end(self) -> dict:
        self.stop.set()
        self.thread.join(timeout=5)
        self.last.update(self._sample())
        elapsed = time.monotonic() - self.began
        machine = self._machine_busy() - self.machine_start
        if self.db is not None:
            self.db.close()
        used = dict.fromkeys([*self.sessions.values(), "db"], 0.0)
        for key, value in self.last.items():
            used[key[0]] += value - self.start.get(key, 0.0)
        app = {name: seconds for name, seconds in used.items() if name != "db"}
        return {
            "app": sum(app.values()),
            "by_process": app,
            "db": used["db"],
            "machine": machine,
            "elapsed": elapsed,
        }


# --- a browser: cookies, CSRF, the headers htmx sends ----------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    ms: float
    received: int  # status line, headers and body: what crossed the wire

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """One person's browser: its cookies, a new connection per request (gunicorn's sync workers close
    each one after answering, as they do for a real browser)."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port = port
        self.timeout = timeout
        self.origin = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, *, form: dict | None = None, headers: dict | None = None
    ) -> Answer:
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept": "*/*", "User-Agent": "artops-load"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.origin
        sent.update(headers or {})
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            payload = response.read()
        finally:
            connection.close()
        ms = (time.perf_counter() - started) * 1000
        pairs = response.getheaders()
        for name, value in pairs:
            if name.lower() == "set-cookie":
                for morsel in SimpleCookie(value).values():
                    self.cookies[morsel.key] = morsel.value
        received = (
            len(f"HTTP/1.1 {response.status} {response.reason}\r\n")
            + sum(len(name) + len(value) + 4 for name, value in pairs)
            + 2
            + len(payload)
        )
        return Answer(response.status, {k.lower(): v for k, v in pairs}, payload, ms, received)

    def get(self, path: str, headers: dict | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def login(self, username: str, password: str) -> None:
        page = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text())
        if page.status != 200 or token is None:
            raise RuntimeError(f"/login/ answered {page.status} without a form")
        answer = self.request(
            "POST",
            "/login/",
            form={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{self.origin}/login/"},
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not log in: {answer.status} {answer.text()[:300]}")


def htmx_headers(target: str | None, trigger: str | None, current_url: str) -> dict:
    """What htmx adds to each of its requests."""
    headers = {"HX-Request": "true", "HX-Current-URL": current_url}
    if target:
        headers["HX-Target"] = target
    if trigger:
        headers["HX-Trigger"] = trigger
    return headers


# --- a board as a browser holds it -----------------------------------------------------------------

_TAG = re.compile(r'<(?:article|div)\b[^>]*?(?:\bclass="(?:fc|cell)[\s"]|\bid="board-(?:poll|main)")[^>]*>')
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')


def parse_board(body: str) -> dict:
    """The board's version, every card's cell and version, and the grid's cells, from a board page or
    its body (#board-main): the cards a cell holds are the cards that follow it, up to the next cell."""
    version = None
    poll_url = move_base = None
    cards: dict[int, tuple[str, int]] = {}
    cells: dict[str, tuple[str, str]] = {}
    cell = None
    for match in _TAG.finditer(body):
        attrs = dict(_ATTR.findall(match.group(0)))
        classes = attrs.get("class", "").split()
        if attrs.get("id") == "board-poll":
            version = int(attrs["data-version"])
            poll_url = html.unescape(attrs.get("hx-get", ""))
        elif attrs.get("id") == "board-main":
            move_base = attrs.get("data-move-base")
        elif "fc" in classes and match.group(0).startswith("<article"):
            if cell is None:
                raise ValueError(f"card {attrs.get('id')} outside any cell")
            cards[int(attrs["id"].removeprefix("f-"))] = (cell, int(attrs["data-version"]))
        elif "cell" in classes:
            cell = attrs.get("id")  # a milestone cell has none: no card is placed there
            if cell:
                cells[cell] = (attrs.get("data-team", ""), attrs.get("data-iteration", ""))
    if version is None:
        raise ValueError("no #board-poll with a data-version in the answer")
    return {"version": version, "cards": cards, "cells": cells, "poll_url": poll_url, "move_base": move_base}


class Board:
    """What one open board shows: its version and each card's cell and version."""

    def __init__(self):
        self.lock = threading.Lock()
        self.version = -1
        self.cards: dict[int, tuple[str, int]] = {}
        self.cells: dict[str, tuple[str, str]] = {}
        self.swapped_at = 0.0  # when the body was last swapped: htmx's poll timer restarts there

    def load(self, parsed: dict) -> None:
        with self.lock:
            self.version = parsed["version"]
            self.cards = dict(parsed["cards"])
            if parsed["cells"]:
                self.cells = dict(parsed["cells"])
            self.swapped_at = time.monotonic()

    def apply_delta(self, delta: dict) -> None:
        """board.js's applyChanges: a card whose cell this board does not show leaves it."""
        with self.lock:
            for card in delta.get("cards", []):
                if card["cell"] in self.cells:
                    self.cards[int(card["id"])] = (card["cell"], int(card["version"]))
                else:
                    self.cards.pop(int(card["id"]), None)
            for removed in delta.get("removed", []):
                self.cards.pop(int(removed), None)
            self.version = int(delta["version"])

    def apply_moved(self, moved: dict) -> None:
        """board.js's board:moved: the card to its cell, and the board's version when it is newer."""
        with self.lock:
            self.cards[int(moved["id"])] = (moved["cell"], int(moved["version"]))
            version = moved.get("board_version")
            if version is not None and int(version) > self.version:
                self.version = int(version)

    def snapshot(self) -> tuple[int, dict[int, tuple[str, int]]]:
        with self.lock:
            return self.version, dict(self.cards)


# --- the run ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # poll, move, reload, inbox, page
    at: float  # when it was sent (monotonic)
    status: int
    ms: float
    received: int = 0
    content_type: str = ""
    cards: int = 0  # cards a poll's answer carried (a delta's changed ones, or the whole board's)


@dataclass
class Accepted:
    feature: int
    cell: str
    version: int


class Run:
    def __init__(self, *, config: Config, port: int, slug: str, pi_id: int, open_iterations: set[int]):
        self.config = config
        self.port = port
        self.slug = slug
        self.pi_id = pi_id
        self.open_iterations = {str(i) for i in open_iterations}
        self.page = f"/trains/{slug}/board/?pi={pi_id}"
        self.current_url = f"http://127.0.0.1:{port}{self.page}"
        self.samples: list[Sample] = []
        self.errors: list[str] = []
        self.accepted: list[Accepted] = []
        self.noop_moves = 0
        self.gave_up = 0
        self.lock = threading.Lock()
        self.stop_moves = threading.Event()
        self.stop_polls = threading.Event()
        self.moves_ended_at = math.inf
        self.poll_url = ""
        self.move_base = f"/trains/{slug}/board/features/"

    def record(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    # --- opening a board --------------------------------------------------------------------------

    def open_board(self, browser: Browser, board: Board) -> None:
        answer = browser.get(self.page)
        self.record(Sample("page", time.monotonic(), answer.status, answer.ms, answer.received))
        if answer.status != 200:
            raise RuntimeError(f"the board page answered {answer.status}")
        parsed = parse_board(answer.text())
        board.load(parsed)
        self.poll_url = parsed["poll_url"] or f"/trains/{self.slug}/board/changes/?pi={self.pi_id}"
        self.move_base = parsed["move_base"] or self.move_base

    # --- polling, as htmx's `every 3s` does --------------------------------------------------------

    def poll_loop(self, browser: Browser, board: Board, rng: random.Random) -> None:
        interval = self.config.poll_interval
        board.swapped_at = time.monotonic() - rng.uniform(0, interval)  # boards opened at random times
        queued = False
        while not self.stop_polls.is_set():
            if not queued:
                # The timer ticks every `interval` from the last swap of the body that holds it.
                now = time.monotonic()
                phase = board.swapped_at
                due = phase + (math.floor((now - phase) / interval) + 1) * interval
                if self.stop_polls.wait(due - now):
                    return
            sent = time.monotonic()
            try:
                self.poll(browser, board, sent)
            except Exception as exc:  # noqa: BLE001 - counted and reported: the run goes on
                self.error(f"poll: {exc!r}")
                self.record(Sample("poll", sent, 0, (time.monotonic() - sent) * 1000))
            # A tick while the request was in flight was queued (htmx's default `queue:last`) and goes
            # now, unless the answer swapped the body (its fresh poll element starts its own timer).
            phase = board.swapped_at
            ticks_by_now = math.floor((time.monotonic() - phase) / interval)
            ticks_at_send = math.floor((sent - phase) / interval)
            queued = phase <= sent and ticks_by_now > ticks_at_send

    def poll(self, browser: Browser, board: Board, sent: float) -> None:
        with board.lock:
            since = board.version
        separator = "&" if "?" in self.poll_url else "?"
        answer = browser.get(
            f"{self.poll_url}{separator}since={since}",
            headers=htmx_headers("board-main", "board-poll", self.current_url),
        )
        sample = Sample("poll", sent, answer.status, answer.ms, answer.received, answer.content_type)
        self.record(sample)
        if answer.status == 200 and answer.content_type == "application/json":
            delta = json.loads(answer.body)
            sample.cards = len(delta.get("cards", []))
            board.apply_delta(delta)
        elif answer.status == 200:
            parsed = parse_board(answer.text())
            sample.cards = len(parsed["cards"])
            board.load(parsed)

    def inbox_loop(self, browser: Browser, rng: random.Random) -> None:
        """base.html's unread count: on load, then every 120 s."""
        next_at = time.monotonic() + rng.uniform(0, self.config.inbox_interval)
        while not self.stop_polls.wait(max(0.0, next_at - time.monotonic())):
            next_at += self.config.inbox_interval
            sent = time.monotonic()
            try:
                answer = browser.get("/inbox/unread/", headers=htmx_headers(None, None, self.current_url))
                self.record(Sample("inbox", sent, answer.status, answer.ms, answer.received))
            except Exception as exc:  # noqa: BLE001
                self.error(f"inbox: {exc!r}")

    # --- moving cards ------------------------------------------------------------------------------

    def targets(self, board: Board) -> list[str]:
        with board.lock:
            return sorted(
                cell for cell, (_, iteration) in board.cells.items() if iteration in self.open_iterations
            )

    def planner_loop(
        self, browser: Browser, board: Board, index: int, started: float, rng: random.Random
    ) -> None:
        planners = self.config.planners
        period = planners / self.config.moves_per_s  # each planner's pace; together `moves_per_s`
        next_at = started + index * (period / planners) + rng.uniform(0, period / planners)
        while not self.stop_moves.is_set():
            if self.stop_moves.wait(max(0.0, next_at - time.monotonic())):
                return
            # A person who waited on a slow answer does not make up for the moves missed meanwhile.
            next_at = max(next_at + period, time.monotonic())
            try:
                self.one_move(browser, board, rng)
            except Exception as exc:  # noqa: BLE001 - counted and reported: the run goes on
                self.error(f"move: {exc!r}")

    def one_move(self, browser: Browser, board: Board, rng: random.Random) -> None:
        _, cards = board.snapshot()
        if not cards:
            return
        candidates = sorted(cards)
        feature = rng.choice(candidates[: self.config.hot_cards] if self.config.hot_cards else candidates)
        targets = self.targets(board)
        here = cards[feature][0]
        if rng.random() < self.config.unplan_share and here != LANE:
            target = LANE
        else:
            choices = [cell for cell in targets if cell != here]
            if not choices:
                return
            target = rng.choice(choices)
        for attempt in range(1 + self.config.retries_after_409):
            with board.lock:
                place = board.cards.get(feature)
                board_version = board.version
                team, iteration = board.cells.get(target, ("", ""))
            if place is None:
                return  # gone from the board meanwhile
            if place[0] == target:
                if attempt:
                    self._gave_up()  # the fresh board shows it there already: nothing left to do
                return
            status = self.post_move(browser, board, feature, team, iteration, place[1], board_version)
            if status != 409:
                return
            # board.js on a 409: reload the board, then the person drops the card again.
            self.reload(browser, board)
        self._gave_up()

    def _gave_up(self) -> None:
        with self.lock:
            self.gave_up += 1

    def post_move(self, browser, board, feature, team, iteration, version, board_version) -> int:
        sent = time.monotonic()
        answer = browser.request(
            "POST",
            f"{self.move_base}{feature}/move/",
            form={
                "team": team,
                "iteration": iteration,
                "version": version,
                "board_version": board_version,
                "csrfmiddlewaretoken": browser.csrf,
            },
            headers={**htmx_headers(None, None, self.current_url), "X-CSRFToken": browser.csrf},
        )
        self.record(Sample("move", sent, answer.status, answer.ms, answer.received))
        if answer.status in (200, 204):
            trigger = answer.headers.get("hx-trigger")
            if not trigger:
                self.error(f"move {feature}: {answer.status} without HX-Trigger")
                return answer.status
            moved = json.loads(trigger)["board:moved"]
            if int(moved["version"]) == version:
                with self.lock:
                    self.noop_moves += 1
            else:
                with self.lock:
                    self.accepted.append(Accepted(int(moved["id"]), moved["cell"], int(moved["version"])))
            board.apply_moved(moved)
        return answer.status

    def reload(self, browser: Browser, board: Board) -> None:
        """board.js's refreshBoard: the page's URL, into #board-main."""
        sent = time.monotonic()
        answer = browser.get(self.page, headers=htmx_headers("board-main", None, self.current_url))
        self.record(Sample("reload", sent, answer.status, answer.ms, answer.received, answer.content_type))
        if answer.status == 200:
            board.load(parse_board(answer.text()))


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    if len(values) == 1:
        return {"p50": round(values[0], 1), "p95": round(values[0], 1), "p99": round(values[0], 1)}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}


def server_times(path: Path, start: int, end: int) -> dict[str, list[float]]:
    """Milliseconds each request spent in a gunicorn worker, by kind, from the access log's bytes
    between two offsets (the measured window)."""
    times: dict[str, list[float]] = defaultdict(list)
    with path.open("rb") as handle:
        handle.seek(start)
        chunk = handle.read(max(0, end - start)).decode(errors="replace")
    for line in chunk.splitlines():
        match = _ACCESS_LINE.search(line)
        if not match:
            continue
        route = match["path"]
        kind = (
            "poll"
            if "/board/changes/" in route
            else "move"
            if route.endswith("/move/")
            else "inbox"
            if route.startswith("/inbox/")
            else "other"
        )
        times[kind].append(int(match["us"]) / 1000)
    return times


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _cell(team_id, iteration_id) -> str:
    return f"cell-{team_id}-{iteration_id}" if team_id else LANE


def server_board(pi_id: int) -> tuple[int, dict[int, tuple[str, int]]]:
    """The board as the database holds it: its version and every card of the PI."""
    from planning.models import Feature, ProgramIncrement

    version = ProgramIncrement.objects.values_list("board_version", flat=True).get(pk=pi_id)
    cards = {
        pk: (_cell(team, iteration), v)
        for pk, team, iteration, v in Feature.objects.filter(pi_id=pi_id).values_list(
            "pk", "team_id", "iteration_id", "version"
        )
    }
    return version, cards


def replay(initial: dict[int, tuple[str, int]], accepted: list[Accepted], final: dict[int, tuple[str, int]]):
    """Lost and phantom moves: the final board against the initial one with every accepted move applied,
    each card's moves in the order the server accepted them (the versions it answered with).

    A card moved n times from version v must hold versions v+1..v+n and end at version v+n in the cell
    of its last move. An accepted move missing from that (two moves answered with the same version,
    or a card left behind) is lost; a change to a card that no accepted move explains is a phantom."""
    by_card: dict[int, list[Accepted]] = defaultdict(list)
    for move in accepted:
        by_card[move.feature].append(move)
    lost = phantom = 0
    details = []
    for feature in sorted(set(initial) | set(final) | set(by_card)):
        moves = sorted(by_card.get(feature, []), key=lambda m: m.version)
        start = initial.get(feature)
        end = final.get(feature)
        if start is None or end is None:
            phantom += 1
            details.append({"feature": feature, "initial": start, "final": end})
            continue
        expected = (moves[-1].cell, moves[-1].version) if moves else start
        distinct = len({m.version for m in moves})
        card_lost = len(moves) - distinct  # two moves accepted on top of the same version
        applied = end[1] - start[1]  # versions the card went through
        if applied < distinct:
            card_lost += distinct - applied
        elif applied > distinct:
            phantom += applied - distinct
        if end[1] == expected[1] and end[0] != expected[0]:
            card_lost += 1
        if not moves and end != start and applied == 0:
            phantom += 1
        lost += card_lost
        if end != expected or card_lost:
            details.append({"feature": feature, "initial": start, "expected": expected, "final": end})
    return lost, phantom, details[:20]


def _users(train, count_planners: int, count_viewers: int) -> list[tuple[str, str]]:
    """The load's people on the train, made once: an RTE and Product Managers who plan, and viewers.
    Every login shares one password hashed with the production hasher (the tests' fast one is not)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.utils.crypto import get_random_string

    from trains.models import Role
    from trains.services import membership_add

    user_model = get_user_model()
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, get_random_string(22))
    wanted = [
        (f"load-planner-{n:02d}", Role.RTE if n == 0 else Role.PRODUCT_MANAGER) for n in range(count_planners)
    ]
    wanted += [(f"load-viewer-{n:03d}", Role.VIEWER) for n in range(count_viewers)]
    people = []
    for username, role in wanted:
        user, _ = user_model.objects.update_or_create(
            username=username, defaults={"password": hashed, "first_name": username, "is_active": True}
        )
        membership_add(train=train, user=user, role=role)  # actor None: a trusted command
        people.append((username, role))
    return people


def load_test(
    *, config: Config, train, pi, db_url: str, redis_url: str, db_settings: dict | None = None
) -> dict:
    """Start the server, run the load on `train`'s board of `pi`, stop the server; the figures."""
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(config.seed)
    people = _users(train, config.planners, max(0, config.boards - config.planners))
    open_iterations = set(
        pi.iterations.filter(end_date__gte=timezone.localdate()).values_list("pk", flat=True)
    )
    connection.close()  # nothing of the harness's holds the database while the load runs
    workdir = Path(tempfile.mkdtemp(prefix="artops-load-"))
    previous = _arm_time_limit(config.time_limit)
    try:
        with server(db_url=db_url, redis_url=redis_url, config=config, workdir=workdir) as running:
            try:
                return _drive(config, running, people, train.slug, pi.pk, open_iterations, rng, db_settings)
            except BaseException:
                for name in running.processes:
                    sys.stderr.write(f"\n----- {name} log (tail) -----\n{running.tail(name)}\n")
                raise
    finally:
        _disarm_time_limit(previous)
        shutil.rmtree(workdir, ignore_errors=True)


def _arm_time_limit(seconds: float):
    """SIGALRM raises TimeLimit in the main thread after `seconds` (wherever it waits); SIGTERM too,
    so `timeout` and a stopped terminal also stop the processes started here."""
    if threading.current_thread() is not threading.main_thread():
        return None
    remaining = signal.getitimer(signal.ITIMER_REAL)[0]  # an outer limit (main's) stays the bound
    previous = (signal.signal(signal.SIGALRM, _alarm), signal.signal(signal.SIGTERM, _alarm))
    signal.setitimer(signal.ITIMER_REAL, min(seconds, remaining) if remaining else seconds)
    return previous


def _disarm_time_limit(previous) -> None:
    if previous is None:
        return
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous[0])
    signal.signal(signal.SIGTERM, previous[1])


def _in_pool(jobs, concurrency: int) -> None:
    """Run callables, `concurrency` at a time; the first failure is raised."""
    jobs = list(jobs)
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not jobs or failures:
                    return
                job = jobs.pop(0)
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                with lock:
                    failures.append(exc)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _drive(config, running, people, slug, pi_id, open_iterations, rng, db_settings) -> dict:
    run = Run(config=config, port=running.port, slug=slug, pi_id=pi_id, open_iterations=open_iterations)
    browsers = [Browser(running.port, config.http_timeout) for _ in people]
    boards = [Board() for _ in people]

    # Everyone logs in and opens the board (before the measured window: a PI Planning room arrives).
    def arrive(n):
        browsers[n].login(people[n][0], PASSWORD)
        run.open_board(browsers[n], boards[n])
        browsers[n].get("/inbox/unread/", headers=htmx_headers(None, None, run.current_url))  # on load

    server_ready = time.monotonic()
    _in_pool([lambda n=n: arrive(n) for n in range(len(people))], config.setup_concurrency)
    setup = {
        "server": round(server_ready - running.started_at, 1),
        "logins_and_pages": round(time.monotonic() - server_ready, 1),
    }
    running.check_alive()
    _, initial = server_board(pi_id)
    from django.db import connection

    connection.close()

    meter = CpuMeter(running.sessions(), db_settings)
    meter.begin()
    cpu = None
    try:
        client_cpu = resource.getrusage(resource.RUSAGE_SELF)
        load_before = os.getloadavg()
        access_log = running.logs / "access.log"
        access_start = _size(access_log)
        started = time.monotonic()
        threads = []
        for n in range(len(people)):
            seeded = random.Random(rng.random())
            threads.append(
                threading.Thread(target=run.poll_loop, args=(browsers[n], boards[n], seeded), daemon=True)
            )
            threads.append(threading.Thread(target=run.inbox_loop, args=(browsers[n], seeded), daemon=True))
        planners = [
            threading.Thread(
                target=run.planner_loop,
                args=(browsers[n], boards[n], n, started, random.Random(rng.random())),
                daemon=True,
            )
            for n in range(config.planners)
        ]
        for thread in threads + planners:
            thread.start()

        # The moves run for `duration`; then the ones in flight finish.
        time.sleep(config.duration)
        run.stop_moves.set()
        for thread in planners:
            thread.join(timeout=config.http_timeout * (2 + 2 * config.retries_after_409))
        run.moves_ended_at = time.monotonic()
        moves_window = run.moves_ended_at - started
        cpu = meter.end()
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        load_after = os.getloadavg()
        in_workers = server_times(access_log, access_start, _size(access_log))
        running.check_alive()

        # Every board polls until it shows the server's final version (or `settle` passes)...
        final_version, final = server_board(pi_id)
        connection.close()
        settle_started = time.monotonic()
        while time.monotonic() - settle_started < config.settle:
            if all(board.snapshot()[0] >= final_version for board in boards):
                break
            time.sleep(0.2)
        # ...and once more, as a browser keeps polling: a board that is current hears 204 and stays so.
        time.sleep(config.poll_interval + 0.5)
        settle_s = time.monotonic() - settle_started
    finally:
        run.stop_moves.set()
        run.stop_polls.set()
        if cpu is None:
            meter.end()
    for thread in threads:
        thread.join(timeout=1)

    final_version, final = server_board(pi_id)
    connection.close()
    fresh = Browser(running.port, config.http_timeout)
    fresh.cookies = dict(browsers[0].cookies)
    page = parse_board(fresh.get(run.page).text())
    page_matches_db = page["version"] == final_version and page["cards"] == final

    converged = sum(1 for board in boards if board.snapshot() == (final_version, final))
    lost, phantom, details = replay(initial, run.accepted, final)
    return _figures(
        config=config,
        run=run,
        started=started,
        moves_window=moves_window,
        cpu=cpu,
        client_cpu=(client_after.ru_utime + client_after.ru_stime)
        - (client_cpu.ru_utime + client_cpu.ru_stime),
        load_before=load_before,
        load_after=load_after,
        in_workers=in_workers,
        converged=converged,
        boards=len(boards),
        lost=lost,
        phantom=phantom,
        details=details,
        page_matches_db=page_matches_db,
        final_version=final_version,
        settle_s=settle_s,
        setup=setup,
    )


def _figures(
    *,
    config,
    run,
    started,
    moves_window,
    cpu,
    client_cpu,
    load_before,
    load_after,
    in_workers,
    converged,
    boards,
    lost,
    phantom,
    details,
    page_matches_db,
    final_version,
    settle_s,
    setup,
) -> dict:
    window = [s for s in run.samples if started <= s.at < run.moves_ended_at]
    moves = [s for s in run.samples if s.kind == "move"]
    polls = [s for s in window if s.kind == "poll"]
    answered = [s for s in polls if s.status]
    data_polls = [s for s in answered if s.status == 200]
    inbox = [s for s in window if s.kind == "inbox"]
    reloads = [s for s in run.samples if s.kind == "reload"]
    every = [s for s in run.samples if s.at >= started]
    move_p = _percentiles([s.ms for s in moves if s.status])
    poll_p = _percentiles([s.ms for s in answered])
    move_worker_p = _percentiles(in_workers.get("move", []))
    poll_worker_p = _percentiles(in_workers.get("poll", []))
    refused_409 = sum(1 for s in moves if s.status == 409)
    refused_422 = sum(1 for s in moves if s.status == 422)
    server_5xx = sum(1 for s in every if s.status >= 500)
    elapsed = cpu["elapsed"] or 1.0

    def mean(values):
        values = list(values)
        return round(statistics.fmean(values)) if values else None

    figures = {
        "boards": boards,
        "planners": config.planners,
        "duration_s": round(moves_window, 1),
        "poll_interval_s": config.poll_interval,
        "moves_per_s_target": config.moves_per_s,
        "moves_per_s": round(len(moves) / moves_window, 2) if moves_window else 0,
        "moves_attempted": len(moves),
        "moves_accepted": len(run.accepted),
        "moves_refused": refused_409 + refused_422,
        "moves_refused_409": refused_409,
        "moves_refused_422": refused_422,
        "moves_other_status": sum(1 for s in moves if s.status not in (200, 204, 409, 422)),
        "moves_noop": run.noop_moves,
        "moves_given_up_after_409": run.gave_up,
        "reloads_after_409": len(reloads),
        # As the person waits: from sending to the last byte, queueing for a free worker included.
        "moves_p50_ms": move_p["p50"],
        "moves_p95_ms": move_p["p95"],
        "moves_p99_ms": move_p["p99"],
        # The part of it spent inside a gunicorn worker (its access log), for telling work from waiting.
        "moves_in_worker_p50_ms": move_worker_p["p50"],
        "moves_in_worker_p95_ms": move_worker_p["p95"],
        "polls": len(polls),
        "polls_p50_ms": poll_p["p50"],
        "polls_p95_ms": poll_p["p95"],
        "polls_p99_ms": poll_p["p99"],
        "polls_in_worker_p50_ms": poll_worker_p["p50"],
        "polls_in_worker_p95_ms": poll_worker_p["p95"],
        "polls_204_share": round(sum(1 for s in answered if s.status == 204) / len(answered), 3)
        if answered
        else None,
        "polls_200_html": sum(1 for s in data_polls if s.content_type != "application/json"),
        "polls_200_json": sum(1 for s in data_polls if s.content_type == "application/json"),
        # Bytes received (status line, headers, body), over every poll and over the ones that brought
        # changes made elsewhere; a poll may bring several moves when several happened since the last.
        "poll_bytes_avg": mean(s.received for s in answered),
        "poll_bytes_after_remote_move_max": max((s.received for s in data_polls), default=None),
        "poll_bytes_after_remote_move_p95": _percentiles([s.received for s in data_polls])["p95"],
        "poll_bytes_after_remote_move_avg": mean(s.received for s in data_polls),
        "poll_cards_per_change_answer_avg": round(statistics.fmean(s.cards for s in data_polls), 2)
        if data_polls
        else None,
        "inbox_polls": len(inbox),
        "inbox_polls_p95_ms": _percentiles([s.ms for s in inbox if s.status])["p95"],
        "server_5xx": server_5xx,
        "client_errors": len(run.errors),
        "client_error_examples": sorted(set(run.errors))[:5],
        # gunicorn (master and workers), the Celery worker (and its pool) and beat, over the window.
        "cpu_seconds": round(cpu["app"], 1),
        "cpu_cores_avg": round(cpu["app"] / elapsed, 2),
        "cpu_seconds_by_process": {name: round(seconds, 1) for name, seconds in cpu["by_process"].items()},
        "db_cpu_seconds": round(cpu["db"], 1),
        "db_cpu_cores_avg": round(cpu["db"] / elapsed, 2),
        "load_generator_cpu_seconds": round(client_cpu, 1),
        "boards_converged": converged == boards and page_matches_db,
        "boards_converged_count": converged,
        "final_board_version": final_version,
        "server_page_matches_db": page_matches_db,
        "settle_s": round(settle_s, 1),
        # Before the window: collectstatic and the processes starting; everyone logging in and opening the board.
        "setup_s": setup,
        "lost_moves": lost,
        "phantom_moves": phantom,
        # The machine is shared: what everyone else ran meanwhile slows every figure above.
        "machine": {
            "cores": os.cpu_count(),
            "busy_cores_avg": round(cpu["machine"] / elapsed, 2),
            "busy_cores_avg_others": round(
                (cpu["machine"] - cpu["app"] - cpu["db"] - client_cpu) / elapsed, 2
            ),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        },
    }
    if details:
        figures["replay_mismatches"] = details
    figures["targets"] = {
        "no_lost_or_phantom": lost == 0 and phantom == 0,
        "no_5xx": server_5xx == 0,
        "boards_converged": figures["boards_converged"],
        "moves_p95_under_150ms": move_p["p95"] is not None and move_p["p95"] < 150,
        "polls_p95_under_50ms": poll_p["p95"] is not None and poll_p["p95"] < 50,
        "poll_bytes_after_remote_move_under_10KB": (figures["poll_bytes_after_remote_move_max"] or 0)
        <= 10 * 1024,
        "cpu_under_1_core": figures["cpu_cores_avg"] < 1,
    }
    return figures


# --- `python -m bench.load` ------------------------------------------------------------------------


def _alarm(signum, frame):
    raise TimeLimit(f"the run's hard time limit passed (signal {signum})")


def main(argv: list[str] | None = None) -> int:
    defaults = Config()
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--boards", type=int, default=defaults.boards, help="open boards (planners' included)"
    )
    parser.add_argument("--planners", type=int, default=defaults.planners)
    parser.add_argument(
        "--moves-per-s", type=float, default=defaults.moves_per_s, help="all planners together"
    )
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds of moves")
    parser.add_argument("--poll-interval", type=float, default=defaults.poll_interval)
    parser.add_argument("--settle", type=float, default=defaults.settle)
    parser.add_argument(
        "--time-limit", type=float, default=defaults.time_limit, help="hard limit, setup included"
    )
    parser.add_argument(
        "--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", defaults.web_workers))
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--train", default="large", choices=["large", "small"], help="the bench train to load"
    )
    args = parser.parse_args(argv)
    if args.planners > args.boards or args.planners < 1 or args.moves_per_s <= 0:
        parser.error("need 1 ≤ planners ≤ boards and moves-per-s > 0")
    config = Config(
        boards=args.boards,
        planners=args.planners,
        moves_per_s=args.moves_per_s,
        duration=args.duration,
        poll_interval=args.poll_interval,
        settle=args.settle,
        time_limit=args.time_limit,
        web_workers=args.web_workers,
        seed=args.seed,
    )
    # The setup (building the train, once) counts too; load_test arms the limit again for the rest.
    previous = _arm_time_limit(config.time_limit)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "artops.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.board import build

    if connection.vendor != "postgresql":
        parser.error("make load runs on PostgreSQL: set DATABASE_URL (scripts/load.sh does)")
    redis_url = os.environ.get("ARTOPS_LOAD_REDIS_URL", "redis://127.0.0.1:6379/7")
    if args.train == "large":
        train, pi = build(
            "bench-large", teams=12, iterations=6, features=400, dependencies=300, milestones=20
        )
    else:
        train, pi = build("bench-typical", teams=8, iterations=5, features=40, dependencies=30, milestones=4)
    try:
        figures = load_test(
            config=config,
            train=train,
            pi=pi,
            db_url=database_url(connection.settings_dict),
            redis_url=redis_url,
            db_settings=dict(connection.settings_dict),
        )
    except (TimeLimit, KeyboardInterrupt) as stopped:
        print(f"make load stopped: {stopped!r}; the server processes were stopped", file=sys.stderr)
        return 2
    finally:
        _disarm_time_limit(previous)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
