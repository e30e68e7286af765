"""A database that cannot be reached is an outage, not a bug: a 503 that says so, with Retry-After.

PostgreSQL restarting (a fail-over, an upgrade, a crash) fails every request that touches it for a
few seconds. Left alone each is a 500, "something went wrong", logged as a bug. Here a view's error
that says the database could not be reached is answered as every refusal is (trains/refusals.py):

- htmx: the message alone as text/plain, swapped nowhere (static/js/app.js shows it);
- under /api/: the API's error shape (trains/api/errors.py), code "unavailable";
- a page: templates/503.html, standalone like 500.html (base.html reads the user, from the database).

Only an error that says the connection failed counts (`database_unavailable`). psycopg reports one
without an SQLSTATE (the server never answered: connection refused, connection lost) or with a
connection-class or shutdown one. A query that failed (a statement or lock timeout, a deadlock) keeps
its 500, and no SQLite error is an outage: "database is locked" is contention, a 409 that says to try
again (trains/refusals.py).

Recovery needs nothing here: Django closes a broken connection when the request ends and, with
CONN_HEALTH_CHECKS, checks a reused one before its first query, so each process serves again by
itself once the database is back.
"""

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from trains.api.errors import body
from trains.refusals import Refusal, htmx_refusal

logger = logging.getLogger(__name__)

MESSAGE = "ARTops cannot reach its database just now. Try again in a moment."
# A database restart takes seconds; a client that retries waits about this long first.
RETRY_AFTER_SECONDS = 5
# SQLSTATEs a server sends as it goes away or turns connections down: admin_shutdown,
# crash_shutdown, cannot_connect_now, too_many_connections; and the whole 08 class (connection exception).
SERVER_GOING_AWAY = {"57P01", "57P02", "57P03", "53300"}


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached, as opposed to a query that failed."""
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    driver_error = error.__cause__
    # psycopg 2 calls the SQLSTATE pgcode, psycopg 3 sqlstate; sqlite3's errors have neither.
    if not (hasattr(driver_error, "pgcode") or hasattr(driver_error, "sqlstate")):
        return False
    if isinstance(error, InterfaceError):
        # psycopg says "cursor already closed" both for a cursor used after its block (a bug) and for
        # one whose connection died: only the state of the connection tells them apart.
        return any(_closed(connection) for connection in connections.all(initialized_only=True))
    sqlstate = getattr(driver_error, "pgcode", None) or getattr(driver_error, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in SERVER_GOING_AWAY


def _closed(connection) -> bool:
    return connection.vendor == "postgresql" and (
        connection.connection is not None and bool(connection.connection.closed)
    )


def outage_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({**body(503, MESSAGE), "code": "unavailable"}, status=503)
    elif getattr(request, "htmx", False):
        response = htmx_refusal(Refusal(503, "Database unavailable", MESSAGE))
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    """Answers a view's database-unavailable error with a 503; any other error goes on as it was."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        logger.warning(
            "Database unavailable, answered 503: %s %s: %s", request.method, request.path, exception
        )
        return outage_response(request)
