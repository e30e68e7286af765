"""What every step of the demo build shares: the train being built, the build's state, dates."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone

from planning.models import Feature, Iteration, ProgramIncrement
from trains.models import Team, Train

from .content import SEED


@dataclass
class DemoTrain:
    train: Train
    teams: list[Team]
    users: dict[str, object]
    pis: list[ProgramIncrement] = field(default_factory=list)


@dataclass
class Build:
    """The state one build carries from step to step. Every step draws from the one `rng`, so the
    order of the steps (see `_pis` in `__init__`) is what keeps the demo the same on every run."""

    today: date
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    # Features planned in PI Planning, per PI and team: execution and dependencies use them.
    features: dict[int, dict[int, list[Feature]]] = field(default_factory=dict)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def pi_iterations(pi: ProgramIncrement) -> list[Iteration]:
    return list(pi.iterations.order_by("number"))
