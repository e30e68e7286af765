"""The API's permission table: one row per endpoint and method, saying who may call it.

Each app lists its rows in tests/api/rows/<app>.py. tests/api/test_permission_table.py calls every
row as every persona (tests/api/world.py): an allowed call succeeds, a forbidden one is refused
(401 without a live token, 404 off the caller's trains, 403 otherwise) and changes nothing. An API
endpoint with no row fails the suite.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from .world import MEMBERS, World

Build = Callable[[World], object]


@dataclass(frozen=True)
class Row:
    method: str  # GET, POST, PUT, PATCH, DELETE
    name: str  # the URL's name, e.g. "planning-api:feature-list"
    path: Callable[[World], str]  # the URL, from what setup made
    allowed: frozenset[str]  # personas who may
    setup: Build | None = None  # make what the call needs (store it in world.extra)
    body: Callable[[World], dict] | None = None
    if_match: Callable[[World], int] | None = None  # the version an unsafe call is based on
    ok: tuple[int, ...] = (200, 201, 202, 204)
    note: str = field(default="", compare=False)

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{' ' + self.note if self.note else ''}"


READERS = MEMBERS  # everyone with a role on the train reads it
