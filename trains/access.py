"""The one authorization layer: what a user may see and do on a train.

Nobody sees a train they hold no role on (superusers included: they use the admin).
A `TrainAccess` is built once per request (one query) and answers every "can this person…"
question for that train without touching the database again, so a board of 400 cards costs no
extra query for its permission checks. Each app adds its own predicates on top of it
(planning/permissions.py, risks/permissions.py); views, API views and services all ask those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import NotAllowed
from .models import TEAM_ROLES, Membership, Role, Train

# Roles that plan the whole train (move any feature, edit any dependency).
TRAIN_PLANNERS = frozenset({Role.RTE, Role.PRODUCT_MANAGER})
# Team roles that plan their own team's work.
TEAM_PLANNERS = frozenset({Role.SCRUM_MASTER, Role.PRODUCT_OWNER})
# Roles that take part in the confidence vote (everyone but viewers).
VOTERS = frozenset(Role) - {Role.VIEWER}


@dataclass(frozen=True)
class TrainAccess:
    """A user's roles on one train: (role, team id or None) pairs."""

    train_id: int
    user_id: int | None
    grants: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for role, _ in self.grants)

    @property
    def can_view(self) -> bool:
        return bool(self.grants)

    def has(self, *roles: str) -> bool:
        return any(role in roles for role, _ in self.grants)

    def has_for_team(self, team_id: int | None, *roles: str) -> bool:
        return team_id is not None and any(role in roles and team == team_id for role, team in self.grants)

    def team_ids(self, *roles: str) -> frozenset[int]:
        return frozenset(
            team for role, team in self.grants if team is not None and (not roles or role in roles)
        )

    @property
    def is_rte(self) -> bool:
        return self.has(Role.RTE)

    @property
    def is_business_owner(self) -> bool:
        return self.has(Role.BUSINESS_OWNER)

    @property
    def can_vote(self) -> bool:
        return self.has(*VOTERS)

    def can_plan_team(self, team_id: int | None) -> bool:
        """RTE and Product Managers plan every team; a team's SM/PO plan their own team only."""
        if self.has(*TRAIN_PLANNERS):
            return True
        return self.has_for_team(team_id, *TEAM_PLANNERS)

    @property
    def can_plan_any(self) -> bool:
        return self.has(*TRAIN_PLANNERS) or self.has(*TEAM_PLANNERS)

    def require(self, allowed: bool, message: str) -> None:
        """Refuse with a message that says what was refused and who may do it."""
        if not allowed:
            raise NotAllowed(message)

    def describe(self) -> list[str]:
        labels = {r.value: r.label for r in Role}
        return sorted({labels[role] for role in self.roles})


def remember(user, access: TrainAccess) -> TrainAccess:
    """Keep a user's access on the user object for the rest of the request: the view and every
    service it calls ask again, and should not cost a query each time."""
    cache = user.__dict__.setdefault("_train_access", {})
    cache[access.train_id] = access
    return access


def train_access(user, train: Train | int) -> TrainAccess:
    """A user's roles on a train: one query, then remembered on the user object."""
    train_id = train if isinstance(train, int) else train.pk
    if user is None or not user.is_authenticated:
        return TrainAccess(train_id=train_id, user_id=None)
    cached = user.__dict__.get("_train_access", {}).get(train_id)
    if cached is not None:
        return cached
    grants = frozenset(
        Membership.objects.filter(user_id=user.pk, train_id=train_id).values_list("role", "team_id")
    )
    return remember(user, TrainAccess(train_id=train_id, user_id=user.pk, grants=grants))


__all__ = ["TEAM_ROLES", "TrainAccess", "remember", "train_access"]
