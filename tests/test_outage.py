"""A database that cannot be reached is answered 503 with Retry-After (artops/outage.py); any other
database error stays a 500. The errors here are real ones, from real connections: a port nobody
listens on, a server session terminated, a statement timeout, a SQLite file locked by another
connection. tests/test_faults.py stops a real PostgreSQL under a running gunicorn."""

import json

import pytest
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.utils import ConnectionHandler
from django.http import HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from artops import urls as project_urls
from artops.outage import RETRY_AFTER_SECONDS, database_unavailable
from tests.processes import free_port

HTMX = {"HX-Request": "true"}


def caught(action) -> BaseException:
    try:
        action()
    except Exception as error:  # noqa: BLE001 - the error is what the test looks at
        return error
    raise AssertionError("no error was raised")


class Databases:
    """Connections of the test's own, besides Django's, each in a handler of its own (as Django's
    `connections`, which the outage check reads for InterfaceError)."""

    def __init__(self):
        self.handlers: list[ConnectionHandler] = []

    def handler(self, settings: dict) -> ConnectionHandler:
        handler = ConnectionHandler({"default": settings})
        self.handlers.append(handler)
        return handler

    def open(self, settings: dict):
        return self.handler(settings)["default"]

    def close(self) -> None:
        for handler in self.handlers:
            handler.close_all()


@pytest.fixture
def databases():
    opened = Databases()
    yield opened
    opened.close()


def unreachable() -> dict:
    """The test database's settings on a port nobody listens on."""
    return {**connection.settings_dict, "PORT": free_port(), "OPTIONS": {"connect_timeout": 2}}


def _unreachable() -> None:
    """What a view meets while PostgreSQL is down: its connection is refused."""
    handler = ConnectionHandler({"default": unreachable()})
    try:
        handler["default"].ensure_connection()
    finally:
        handler.close_all()


# --- telling an outage from a failed query ----------------------------------------------------------


def test_a_refused_connection_is_an_outage(postgres, databases):
    error = caught(databases.open(unreachable()).ensure_connection)

    assert isinstance(error, OperationalError)
    assert database_unavailable(error)


def test_a_connection_the_server_closed_is_an_outage_and_so_is_using_it_again(postgres, databases):
    side_connections = databases.handler({**connection.settings_dict})
    side = side_connections["default"]
    with side.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with connection.cursor() as cursor:  # as a server shutting down does to every session
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    def query():
        with side.cursor() as cursor:
            cursor.execute("SELECT 1")

    lost = caught(query)
    again = caught(query)

    assert isinstance(lost, OperationalError) and database_unavailable(lost)
    # Django's handler only knows its own connections: the closed one must be among them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("artops.outage.connections", side_connections)
        assert isinstance(again, InterfaceError) and database_unavailable(again)


def test_a_cursor_used_after_its_block_is_a_bug_not_an_outage(postgres):
    with connection.cursor() as cursor:
        pass

    error = caught(lambda: cursor.execute("SELECT 1"))

    assert isinstance(error, InterfaceError)
    assert not database_unavailable(error)


def test_a_query_that_timed_out_is_not_an_outage(postgres):
    def slow_query():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(1)")

    def in_savepoint():
        with transaction.atomic():
            slow_query()

    error = caught(in_savepoint)

    assert isinstance(error, OperationalError) and error.__cause__.pgcode == "57014"  # query_canceled
    assert not database_unavailable(error)


@pytest.mark.parametrize(
    ("sqlstate", "outage"),
    [
        ("57P01", True),  # admin_shutdown: terminating connection due to administrator command
        ("57P03", True),  # cannot_connect_now: the database system is starting up
        ("08006", True),  # connection_failure
        ("53300", True),  # too_many_connections
        ("40P01", False),  # deadlock_detected
        ("55P03", False),  # lock_not_available
        ("53100", False),  # disk_full: the server answers, the write fails
    ],
)
def test_the_servers_sqlstate_says_whether_it_is_going_away(sqlstate, outage):
    class ServerError(Exception):
        """Stands for psycopg2's error: the server's SQLSTATE in `pgcode`."""

        pgcode = sqlstate

    error = OperationalError("from the server")
    error.__cause__ = ServerError()

    assert database_unavailable(error) is outage


def test_a_locked_sqlite_database_is_not_an_outage(db, databases, tmp_path):
    sqlite = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "db.sqlite3"),
        "OPTIONS": {"timeout": 0},
    }
    holder, waiter = databases.open(sqlite), databases.open(sqlite)
    with holder.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
        cursor.execute("BEGIN EXCLUSIVE")

    def read():
        with waiter.cursor() as cursor:
            cursor.execute("SELECT * FROM t")

    error = caught(read)

    assert isinstance(error, OperationalError) and "database is locked" in str(error)
    assert not database_unavailable(error)


def test_other_errors_are_not_outages():
    for error in (RuntimeError("x"), ConnectionError("x"), OperationalError("no cause")):
        assert not database_unavailable(error)


# --- the answer -----------------------------------------------------------------------------------


def down(request):
    _unreachable()
    return HttpResponse("unreachable")


def timed_out(request):
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1")
        try:
            cursor.execute("SELECT pg_sleep(1)")
        finally:
            cursor.execute("SET statement_timeout = 0")
    return HttpResponse("unreachable")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_down(request):
    _unreachable()


urlpatterns = [
    path("down/", down),
    path("timed-out/", timed_out),
    path("api/v1/down/", api_down),
    *project_urls.urlpatterns,
]


@pytest.mark.urls(__name__)
def test_a_page_gets_the_503_page_saying_to_try_again(client, postgres):
    response = client.get("/down/")

    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    assert "ARTops cannot reach its database" in html and "try again in a moment" in html
    assert 'class="topbar"' in html and "favicon.svg" in html  # looks like the app


@pytest.mark.urls(__name__)
def test_htmx_gets_the_message_alone_swapped_nowhere(client, postgres):
    response = client.post("/down/", headers=HTMX)

    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["HX-Reswap"] == "none"
    assert response.content.decode() == "ARTops cannot reach its database just now. Try again in a moment."


@pytest.mark.urls(__name__)
def test_the_api_gets_its_error_shape_through_drfs_handler(client, postgres):
    response = client.get("/api/v1/down/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert json.loads(response.content) == {
        "code": "unavailable",
        "message": "ARTops cannot reach its database just now. Try again in a moment.",
        "fields": {},
    }


@pytest.mark.urls(__name__)
def test_a_query_error_stays_a_500(client, postgres):
    client.raise_request_exception = False

    response = client.get("/timed-out/")

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_the_middleware_is_installed():
    from django.conf import settings

    assert "artops.outage.DatabaseOutageMiddleware" in settings.MIDDLEWARE
