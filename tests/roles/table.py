"""The role matrix: one table saying who may call every route of the product, whatever its door.

A row is a route (its URL name), a method, and the personas allowed (tests/api/world.py: the RTE,
a Product Manager, a Business Owner, the System Architect, Scrum Master and Product Owner of team a
and of team b, a team member, a viewer, the RTE of another train, and anonymous; the API adds a
revoked token). The rows live beside what they cover: the API's in tests/api/rows/<app>.py, the
pages', htmx endpoints' and exports' in tests/roles/rows/<area>.py, the admin's generated from one
table in tests/roles/rows/admin.py. tests/roles/test_role_matrix.py calls every row as every persona
and checks each answer:

- allowed: a success (`ok`, by default 200 for a read; for a write anything that is not a refusal:
  a 2xx, a redirect elsewhere than the login page, a 409 or a 422 for what the body lacks);
- refused: 403 for a role that may not; 404 (never 403) off the person's trains; the login page for
  nobody signed in (401 on the API); the admin sends non-staff to its login page and answers an
  object of another train as missing. A refused write changes nothing.

A route without a row, or a method a page answers that the table does not list, fails the matrix.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.api.world import MEMBERS, World

Build = Callable[[World], object]


@dataclass(frozen=True)
class Row:
    method: str  # GET, POST, PUT, PATCH, DELETE
    name: str  # the URL's name, e.g. "planning-api:feature-list", "risks:risk_move", "admin:index"
    path: Callable[[World], str]  # the URL, from what setup made
    allowed: frozenset[str]  # personas who may
    setup: Build | None = None  # make what the call needs (store it in world.extra)
    body: Callable[[World], dict] | None = None
    if_match: Callable[[World], int] | None = None  # the version an unsafe API call is based on
    ok: tuple[int, ...] | None = None  # the answers that mean "allowed"; None: the door's default
    htmx: bool = False  # sent as htmx sends it (HX-Request), for a fragment endpoint
    # What every signed-in persona who may not gets, when it is the same for all of them: 404 for a
    # person's own things (an API token, an inbox item), which do not exist for anyone else.
    refused: int | None = None
    ok_to_login: bool = False  # an allowed call lands on the login page (signing out)
    note: str = field(default="", compare=False)

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{' ' + self.note if self.note else ''}"


READERS = MEMBERS  # everyone with a role on the train reads it
PARTICIPANTS = READERS - {"viewer"}  # everyone taking part in the PI: all roles but Viewer
SIGNED_IN = MEMBERS | {"outsider"}  # anyone with an account, whatever their trains
EVERYBODY = SIGNED_IN | {"anonymous"}
RTE = frozenset({"rte"})
