"""The demo's people: one login per role, and a Scrum Master, Product Owner and two developers per
team, each with their membership."""

from __future__ import annotations

from trains.factories import UserFactory
from trains.models import Role, Team, Train
from trains.services import membership_add

from .content import FIRST_NAMES, LAST_NAMES, LOGINS


def people(train: Train, teams: list[Team]) -> dict[str, object]:
    by_name = {team.name: team for team in teams}
    users: dict[str, object] = {}
    for username, first, last, role, team_name in LOGINS:
        user = UserFactory(username=username, first_name=first, last_name=last)
        membership_add(train=train, user=user, role=role, team=by_name.get(team_name))
        users[username] = user
    # The RTE fixes records in the admin (scoped to their trains).
    users["rte"].is_staff = True
    users["rte"].save(update_fields=["is_staff"])
    bo2 = UserFactory(username="bo2", first_name="Bernd", last_name="Ortiz")
    membership_add(train=train, user=bo2, role=Role.BUSINESS_OWNER)
    users["bo2"] = bo2
    names = iter(zip(FIRST_NAMES, LAST_NAMES * 2, strict=False))
    for team in teams:
        key = team.name.lower()
        if team.name != "Borealis":
            for role, prefix in ((Role.SCRUM_MASTER, "sm"), (Role.PRODUCT_OWNER, "po")):
                first, last = next(names)
                user = UserFactory(username=f"{prefix}-{key}", first_name=first, last_name=last)
                membership_add(train=train, user=user, role=role, team=team)
                users[f"{prefix}-{key}"] = user
        for n in (1, 2):
            first, last = next(names)
            user = UserFactory(username=f"dev-{key}-{n}", first_name=first, last_name=last)
            membership_add(train=train, user=user, role=Role.TEAM_MEMBER, team=team)
            users[f"dev-{key}-{n}"] = user
    return users
