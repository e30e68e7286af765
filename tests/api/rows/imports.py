"""Who may call the import API (planning/api/imports.py): the RTE only, as on the PI Planning pages;
anonymous and revoked tokens get 401, another train's people 404. The upload itself, its dry run and
its apply are tested in tests/planning/test_import_api.py: here a call without a file is the RTE's to
be refused on its input (422), everyone else's on who they are."""

from django.urls import reverse

from tests.roles.rows.planning import import_run

from ..table import Row

RTE = frozenset({"rte"})


def url(name: str, w, *args) -> str:
    return reverse(f"planning-api:{name}", args=["orbit", w.pi.pk, *args])


ROWS = [
    Row(
        "POST", "planning-api:import-list", lambda w: url("import-list", w), RTE, body=lambda w: {}, ok=(422,)
    ),
    Row(
        "GET",
        "planning-api:import-detail",
        lambda w: url("import-detail", w, w.extra["run"].pk),
        RTE,
        setup=import_run,
    ),
    Row(
        "POST",
        "planning-api:import-apply",
        lambda w: url("import-apply", w, w.extra["run"].pk),
        RTE,
        setup=import_run,
        body=lambda w: {},
        ok=(200, 202, 422),
    ),
]
