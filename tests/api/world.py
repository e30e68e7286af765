"""A small train with one person per role, a personal token and a signed-in session each, for the
API's tests and the role matrix (tests/roles).

Every API test builds one (cheap: a few rows) so a write in one test cannot leak into another; the
role matrix builds one per module and rolls each call back (tests/roles/test_role_matrix.py).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from planning.factories import ProgramIncrementFactory
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.models import Role
from trains.services import api_token_create, api_token_revoke

# (persona, role, team: "a", "b" or None). "outsider" is the RTE of another train.
PERSONAS = [
    ("rte", Role.RTE, None),
    ("pm", Role.PRODUCT_MANAGER, None),
    ("bo", Role.BUSINESS_OWNER, None),
    ("architect", Role.SYSTEM_ARCHITECT, None),
    ("sm", Role.SCRUM_MASTER, "a"),
    ("po", Role.PRODUCT_OWNER, "a"),
    ("sm_other", Role.SCRUM_MASTER, "b"),
    ("po_other", Role.PRODUCT_OWNER, "b"),
    ("member", Role.TEAM_MEMBER, "a"),
    ("viewer", Role.VIEWER, None),
]
EVERYONE = [name for name, _, _ in PERSONAS] + ["outsider", "anonymous", "revoked"]
MEMBERS = frozenset(name for name, _, _ in PERSONAS)
# Who holds `is_staff` (the admin's door): the RTE, as in the demo; the outsider, an RTE elsewhere;
# and the Product Manager, staff for some other reason but RTE of no train, whom the admin refuses.
STAFF = frozenset({"rte", "outsider", "pm"})


@dataclass
class World:
    train: object
    team_a: object
    team_b: object
    pi: object
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # what a row's setup made, for its path and body
    sessions: dict = field(default_factory=dict)  # persona: session key, once signed_in() ran

    def client(self, persona: str) -> APIClient:
        client = APIClient()
        if persona != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens[persona]}")
        return client

    def signed_in(self) -> "World":
        """Sign every persona in once (a session each), for page_client()."""
        for name, user in self.users.items():
            client = Client()
            client.force_login(user)
            self.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return self

    def page_client(self, persona: str) -> Client:
        """A browser signed in as the persona (anonymous: signed in as nobody)."""
        client = Client()
        if persona != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        return client

    def fresh(self) -> "World":
        """The same world read again from the database, with nothing in `extra`: what one row's setup
        changes in memory (a PI saved as committed, a user's remembered roles) stays with that row."""
        users = get_user_model().objects.in_bulk([user.pk for user in self.users.values()])
        return World(
            train=type(self.train).objects.get(pk=self.train.pk),
            team_a=type(self.team_a).objects.get(pk=self.team_a.pk),
            team_b=type(self.team_b).objects.get(pk=self.team_b.pk),
            pi=type(self.pi).objects.get(pk=self.pi.pk),
            users={name: users[user.pk] for name, user in self.users.items()},
            tokens=self.tokens,
            sessions=self.sessions,
        )


def build_world() -> World:
    train = TrainFactory(name="Orbit ART", slug="orbit")
    team_a, team_b = TeamFactory(train=train, name="Apollo"), TeamFactory(train=train, name="Gemini")
    pi = ProgramIncrementFactory(train=train, name="PI 7")
    world = World(train=train, team_a=team_a, team_b=team_b, pi=pi)
    teams = {"a": team_a, "b": team_b, None: None}
    for name, role, team in PERSONAS:
        user = UserFactory(username=name, is_staff=name in STAFF)
        MembershipFactory(user=user, train=train, role=role, team=teams[team])
        world.users[name] = user
    elsewhere = TrainFactory(name="Elsewhere ART", slug="elsewhere")
    world.users["outsider"] = UserFactory(username="outsider", is_staff=True)
    MembershipFactory(user=world.users["outsider"], train=elsewhere, role=Role.RTE)
    for name, user in world.users.items():
        world.tokens[name] = api_token_create(user=user, name="tests")[1]
    revoked, world.tokens["revoked"] = api_token_create(user=world.users["rte"], name="old")
    api_token_revoke(token=revoked, actor=None)
    return world
