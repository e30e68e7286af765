"""Who may call what, for every endpoint of the API: generated from the table (tests/api/table.py)."""

import importlib
import json
import pkgutil

import pytest
from django.apps import apps
from django.db.models import Max, Sum
from django.urls import URLPattern, URLResolver, get_resolver

from . import rows as rows_package
from .world import EVERYONE, build_world

pytestmark = pytest.mark.django_db

ROWS = [
    row
    for module in pkgutil.iter_modules(rows_package.__path__)
    for row in importlib.import_module(f"{rows_package.__name__}.{module.name}").ROWS
]
API_APPS = ("trains", "planning", "risks", "metrics")


def fingerprint() -> dict:
    """What any write changes: each model's row count, and its versions and times where it has them."""
    seen = {}
    for model in apps.get_models():
        if model._meta.app_label not in API_APPS:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        summary = {"count": model.objects.count()}
        if "version" in names:
            summary["versions"] = model.objects.aggregate(v=Sum("version"))["v"]
        for stamp in ("updated_at", "last_used_at"):
            if stamp in names and model.__name__ != "ApiToken":
                summary[stamp] = model.objects.aggregate(t=Max(stamp))["t"]
        seen[model.__name__] = summary
    return seen


def refused_status(persona: str) -> tuple[int, ...]:
    if persona in ("anonymous", "revoked"):
        return (401,)
    if persona == "outsider":
        return (404,)
    return (403,)


@pytest.mark.parametrize("persona", EVERYONE)
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_every_endpoint_admits_exactly_the_roles_the_table_names(row, persona):
    world = build_world()
    if row.setup:
        row.setup(world)
    headers = {"HTTP_IF_MATCH": f'"{row.if_match(world)}"'} if row.if_match else {}
    before = fingerprint() if row.method != "GET" else None
    body = row.body(world) if row.body else None

    response = world.client(persona).generic(
        row.method,
        row.path(world),
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )

    if persona in row.allowed:
        assert response.status_code in row.ok, (response.status_code, getattr(response, "data", None))
    else:
        assert response.status_code in refused_status(persona), (
            response.status_code,
            getattr(response, "data", None),
        )
        assert set(response.json()) >= {"code", "message", "fields"}
        if before is not None:
            assert fingerprint() == before


def _api_endpoints() -> set[tuple[str, str]]:
    """(method, URL name) of every endpoint under /api/v1/."""
    found = set()

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("api/v1/"):
                view = getattr(pattern.callback, "cls", None)
                methods = {
                    m.upper() for m in ("get", "post", "put", "patch", "delete") if view and hasattr(view, m)
                }
                for method in methods:
                    found.add((method, f"{namespace}:{pattern.name}"))

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_api_endpoint_has_a_row_in_the_permission_table():
    missing = _api_endpoints() - {(row.method, row.name) for row in ROWS}
    assert not missing, f"Add these to tests/api/rows/: {sorted(missing)}"
    assert _api_endpoints(), "no API endpoint found"
