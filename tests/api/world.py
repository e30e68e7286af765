"""A small train with one person per role, and a personal token each, for the API's tests.

Every API test builds one (cheap: a few rows) so a write in one test cannot leak into another.
"""

from dataclasses import dataclass, field

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


@dataclass
class World:
    train: object
    team_a: object
    team_b: object
    pi: object
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # what a row's setup made, for its path and body

    def client(self, persona: str) -> APIClient:
        client = APIClient()
        if persona != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens[persona]}")
        return client


def build_world() -> World:
    train = TrainFactory(name="Orbit ART", slug="orbit")
    team_a, team_b = TeamFactory(train=train, name="Apollo"), TeamFactory(train=train, name="Gemini")
    pi = ProgramIncrementFactory(train=train, name="PI 7")
    world = World(train=train, team_a=team_a, team_b=team_b, pi=pi)
    teams = {"a": team_a, "b": team_b, None: None}
    for name, role, team in PERSONAS:
        user = UserFactory(username=name)
        MembershipFactory(user=user, train=train, role=role, team=teams[team])
        world.users[name] = user
    elsewhere = TrainFactory(name="Elsewhere ART", slug="elsewhere")
    world.users["outsider"] = UserFactory(username="outsider")
    MembershipFactory(user=world.users["outsider"], train=elsewhere, role=Role.RTE)
    for name, user in world.users.items():
        world.tokens[name] = api_token_create(user=user, name="tests")[1]
    revoked, world.tokens["revoked"] = api_token_create(user=world.users["rte"], name="old")
    api_token_revoke(token=revoked, actor=None)
    return world
