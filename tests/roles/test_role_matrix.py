"""The role matrix (tests/roles/table.py): every route of the product, pages, htmx endpoints, exports,
the admin and the API, called as every persona with every method the table lists, answering exactly
what the table says; and no route or method that the table leaves out.

One world (tests/api/world.py) is built per module, everyone signed in once, inside a transaction
that is never committed. Each row's setup runs in the test's own savepoint and each persona's call in
one more, rolled back after it: an allowed write (a PI moved on, a role taken away) never reaches the
next persona or the next row.
"""

import importlib
import json
import pkgutil
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import URLResolver, get_resolver, reverse

from tests.api import rows as api_rows
from tests.api.world import EVERYONE, STAFF, build_world

from . import rows as page_rows
from .table import Row

pytestmark = pytest.mark.django_db

ROWS: list[Row] = [
    row
    for package in (api_rows, page_rows)
    for module in pkgutil.iter_modules(package.__path__)
    for row in importlib.import_module(f"{package.__name__}.{module.name}").ROWS
]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
API_PREFIX, ADMIN_PREFIX = "/api/v1/", "/admin/"
# A write is allowed when it is not refused: saved (2xx, a redirect on), or its input refused (422)
# or in conflict with the state of things (409). The API's rows send valid bodies and say so exactly.
PAGE_WRITE_OK = (200, 201, 204, 301, 302, 303, 409, 422)
API_OK = (200, 201, 202, 204)


def door(path: str) -> str:
    if path.startswith(API_PREFIX):
        return "api"
    return "admin" if path.startswith(ADMIN_PREFIX) else "page"


def personas(door_name: str) -> list[str]:
    # A revoked token is the API's own way of being nobody; the pages' is "anonymous".
    return EVERYONE if door_name == "api" else [p for p in EVERYONE if p != "revoked"]


# --- what a write changes ------------------------------------------------------------------------------

FINGERPRINT_APPS = ("trains", "planning", "risks", "metrics", "artops", "auth")


def _fingerprint_sql() -> str:
    """Each table's row count, and its versions and times where it has them, in one statement: the
    matrix takes a fingerprint before and after every refused write (thousands), so one round trip
    each rather than one per table (the ORM would ask each table apart)."""
    parts = []
    for model in apps.get_models():
        if model._meta.app_label not in FINGERPRINT_APPS or model._meta.proxy or not model._meta.managed:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT count(*) FROM {table})")
        columns = {f.column for f in model._meta.concrete_fields}
        stamps = ["version", "updated_at"] + (["last_used_at"] if model.__name__ != "ApiToken" else [])
        for column in (c for c in stamps if c in columns):
            aggregate = "sum" if column == "version" else "max"
            parts.append(f"(SELECT {aggregate}({connection.ops.quote_name(column)}) FROM {table})")
    return "SELECT " + ", ".join(parts)


def fingerprint() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return tuple(cursor.fetchone())


# --- one call --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    changed: bool  # a refused write that changed something anyway
    error: str = ""  # the exception a view raised (answered 500)

    @property
    def to_login(self) -> bool:
        path = urlsplit(self.location).path
        return self.status in (301, 302, 303) and path in (reverse("login"), reverse("admin:login"))

    @property
    def to_admin_index(self) -> bool:
        """The admin's "no such object": a redirect to its index (with a message)."""
        return self.status == 302 and urlsplit(self.location).path == reverse("admin:index")

    def __str__(self) -> str:
        where = f" → {self.location}" if self.location else ""
        return f"{self.status}{where}{' and CHANGED the data' if self.changed else ''}{' ' + self.error if self.error else ''}"


def send(world, row: Row, persona: str, path: str, method: str, data: dict | None):
    if door(path) == "api":
        headers = {"HTTP_IF_MATCH": f'"{row.if_match(world)}"'} if row.if_match else {}
        client = world.client(persona)
        client.raise_request_exception = False
        return client.generic(
            method,
            path,
            data=json.dumps(data) if data is not None else "",
            content_type="application/json",
            **headers,
        )
    client = world.page_client(persona)
    client.raise_request_exception = False
    headers = {"HTTP_HX_REQUEST": "true"} if row.htmx else {}
    encoded = urlencode(data or {}, doseq=True)
    return client.generic(
        method, path, data=encoded, content_type="application/x-www-form-urlencoded", **headers
    )


def call(
    world, row: Row, persona: str, path: str, data=None, *, method: str | None = None, watch: bool = False
) -> Answer:
    """One call, rolled back afterwards; `watch`: whether it changed anything."""
    savepoint = transaction.savepoint()
    try:
        before = fingerprint() if watch else None
        response = send(world, row, persona, path, method or row.method, data)
        changed = watch and fingerprint() != before
    finally:
        transaction.savepoint_rollback(savepoint)
    error = ""
    if getattr(response, "exc_info", None):
        error = repr(response.exc_info[1])
    elif door(path) == "api" and response.status_code >= 400 and not _api_shaped(response):
        error = "(not in the API's error shape)"
    return Answer(response.status_code, response.headers.get("Location", ""), changed, error)


def _api_shaped(response) -> bool:
    try:
        return set(response.json()) >= {"code", "message", "fields"}
    except ValueError:
        return False


# --- what each persona should get -------------------------------------------------------------------


def ok_statuses(row: Row, door_name: str) -> tuple[int, ...]:
    if row.ok is not None:
        return row.ok
    if row.method == "GET":
        return (200,)
    return API_OK if door_name == "api" else PAGE_WRITE_OK


def allowed_as_expected(row: Row, door_name: str, answer: Answer) -> bool:
    landed = not answer.to_login or row.ok_to_login
    return answer.status in ok_statuses(row, door_name) and landed and not answer.error


def refused_as_expected(row: Row, door_name: str, persona: str, answer: Answer) -> bool:
    if answer.changed or answer.error:
        return False
    # Who is nobody at this door is sent to sign in, whatever the row.
    if door_name == "api" and persona in ("anonymous", "revoked"):
        return answer.status == 401
    if door_name == "admin" and persona not in STAFF:
        return answer.to_login
    if door_name == "page" and persona == "anonymous":
        return answer.to_login
    if row.refused is not None:
        return answer.status == row.refused
    if door_name == "admin":
        # Staff without the right: 403, or (the admin looks a row up before it asks) not found,
        # which is all an RTE of another train may learn of our rows.
        return answer.status in (403, 404) or answer.to_admin_index
    return answer.status == (404 if persona == "outsider" else 403)


def expectation(row: Row, door_name: str, persona: str) -> str:
    if door_name == "api" and persona in ("anonymous", "revoked"):
        return "401"
    if door_name == "admin" and persona not in STAFF:
        return "the admin's login"
    if door_name == "page" and persona == "anonymous":
        return "the login page"
    if row.refused is not None:
        return str(row.refused)
    if door_name == "admin":
        return "403 or not found"
    return "404" if persona == "outsider" else "403"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The module's one world, in a transaction rolled back when the module is done."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world().signed_in()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_every_route_admits_exactly_the_roles_the_table_names(world, row):
    world = world.fresh()
    if row.setup:
        row.setup(world)
    path = row.path(world)
    data = row.body(world) if row.body else None
    door_name = door(path)
    wrong = []
    for persona in personas(door_name):
        allowed = persona in row.allowed
        answer = call(world, row, persona, path, data, watch=not allowed and row.method != "GET")
        if allowed and not allowed_as_expected(row, door_name, answer):
            wrong.append(f"{persona}: {answer}, expected {ok_statuses(row, door_name)}")
        elif not allowed and not refused_as_expected(row, door_name, persona, answer):
            wrong.append(
                f"{persona}: {answer}, expected {expectation(row, door_name, persona)} and no change"
            )
    assert not wrong, f"{row.method} {path}:\n  " + "\n  ".join(wrong)


# --- every route has its rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the namespaced URL name, or the route itself for an unnamed pattern (the admin's)
    route: str
    api_methods: frozenset[str]  # what a DRF view class answers; empty for other views


def routes() -> list[Route]:
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
                continue
            route = prefix + str(pattern.pattern)
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            view = getattr(pattern.callback, "cls", None)
            methods = frozenset(
                m.upper() for m in ("get", "post", "put", "patch", "delete") if view and hasattr(view, m)
            )
            found.append(
                Route(name or route, route, methods if ("/" + route).startswith(API_PREFIX) else frozenset())
            )

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_route_of_the_product_has_rows_in_the_table():
    named = {row.name for row in ROWS}
    missing = sorted(route.key for route in routes() if route.key not in named)
    assert not missing, f"Add rows for these routes (tests/roles/rows/, tests/api/rows/): {missing}"


def test_every_method_an_api_view_answers_has_its_row():
    listed = {(row.method, row.name) for row in ROWS}
    missing = sorted(
        (method, route.key)
        for route in routes()
        for method in route.api_methods
        if (method, route.key) not in listed
    )
    assert not missing, f"Add these to tests/api/rows/: {missing}"


def test_every_row_names_a_route_that_exists():
    keys = {route.key for route in routes()}
    assert not sorted({row.name for row in ROWS} - keys)


PAGE_ROUTES = sorted({row.name for row in ROWS if not row.name.split(":")[0].endswith("-api")})


@pytest.mark.parametrize("name", PAGE_ROUTES)
def test_a_page_answers_no_method_the_table_leaves_out_but_as_a_read(world, name):
    """A method the table does not list for a page is refused (405) or answered as the GET is, and
    changes nothing: a write the matrix does not know of would be a door nobody checked."""
    rows = [row for row in ROWS if row.name == name]
    listed = {row.method for row in rows}
    row = next((r for r in rows if r.method == "GET"), rows[0])
    persona = next((p for p in ("rte", *sorted(row.allowed)) if p in row.allowed), None)
    if persona is None or listed >= set(METHODS):
        return
    world = world.fresh()
    if row.setup:
        row.setup(world)
    path = row.path(world)
    read = call(world, row, persona, path, method="GET") if "GET" in listed else None
    wrong = []
    for method in sorted(set(METHODS) - listed):
        answer = call(world, row, persona, path, method=method, watch=True)
        as_a_read = read is not None and answer.status == read.status
        if answer.changed or answer.error or not (answer.status == 405 or as_a_read):
            wrong.append(f"{method} as {persona}: {answer}")
    assert not wrong, (
        f"{path} answers methods the table does not list (add rows, or refuse them):\n  " + "\n  ".join(wrong)
    )
