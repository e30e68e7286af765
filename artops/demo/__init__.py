"""The demo train (domain.md §5): a living train a newcomer can explore at once.

Deterministic: one fixed random seed, and every date is placed relative to the day it is built, so
the executing PI is always mid-way. Idempotent: if the train exists, nothing is changed. Built on
the factories the tests use and, for anything with history (state changes, ROAM moves,
escalations), on the same services the product uses.

This module is the coordinator: it runs the steps of the sub-domain modules (`people`, `planning`,
`execution`, `running`) in a fixed order. Every step draws from the one seeded random generator in
`Build`, so reordering steps changes the demo: keep the order.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from metrics.services import pi_snapshot_compute
from planning.factories import ProgramIncrementFactory
from planning.models import ProgramIncrement
from planning.services.lifecycle import pi_set_business_owners, pi_transition
from trains.factories import TeamFactory, TrainFactory
from trains.models import Train

from . import execution, planning, running, surveys
from .common import Build, DemoTrain
from .content import LOGINS, PI_NUMBERS, SEED, SLUG, TEAMS
from .delivery import delivery_events
from .people import people
from .releases import releases as release_demo

__all__ = ["LOGINS", "SEED", "SLUG", "DemoTrain", "build_demo"]


def build_demo(*, today: date | None = None) -> tuple[Train, bool]:
    """Build the demo train unless it exists. Returns (train, created)."""
    existing = Train.objects.filter(slug=SLUG).first()
    if existing is not None:
        return existing, False
    today = today or timezone.localdate()
    with transaction.atomic():
        demo = _build(Build(today=today))
    return demo.train, True


def _build(build: Build) -> DemoTrain:
    train = TrainFactory(
        slug=SLUG,
        name="Aurora ART",
        description="Digital commerce platform: checkout, payments, partner channels and the platform beneath them.",
    )
    teams = [
        TeamFactory(train=train, name=name, kind=kind, position=i) for i, (name, kind) in enumerate(TEAMS)
    ]
    demo = DemoTrain(train=train, teams=teams, users=people(train, teams))
    _pis(build, demo)
    return demo


def _pis(build: Build, demo: DemoTrain) -> None:
    """Two closed PIs, the executing one and the next in draft, each taken as far as it has got."""
    length = demo.train.iteration_length_days * demo.train.iterations_per_pi
    # The executing PI started ~5 weeks ago, on a Monday: mid-way through iteration 3.
    monday = build.today - timedelta(days=build.today.weekday())
    executing_start = monday - timedelta(weeks=5)
    starts = [executing_start + timedelta(days=length * offset) for offset in (-2, -1, 0, 1)]
    states = [ProgramIncrement.State.CLOSED] * 2 + [
        ProgramIncrement.State.EXECUTING,
        ProgramIncrement.State.DRAFT,
    ]
    owners = [demo.users["bo"], demo.users["bo2"]]
    for number, start, state in zip(PI_NUMBERS, starts, states, strict=True):
        pi = ProgramIncrementFactory(
            train=demo.train, name=f"PI {number}", start_date=start, state=ProgramIncrement.State.DRAFT
        )
        demo.pis.append(pi)
        pi_set_business_owners(pi=pi, users=owners, actor=demo.users["rte"])
        if state == ProgramIncrement.State.DRAFT:
            planning.backlog(build, demo, pi)
            planning.prepare(build, demo, pi)
            continue
        planning.plan(build, demo, pi)
        if len(demo.pis) > 1:
            running.improvements(build, demo, pi)
        # Dependencies are agreed at PI Planning, so they are part of the committed plan;
        # their outcome (delivered, blocked, cancelled) comes with execution.
        closed = state == ProgramIncrement.State.CLOSED
        outcomes = execution.dependencies(build, demo, pi, closed=closed)
        planning.commit(demo, pi)
        # Every PI runs as the executing one; a past PI is run to its end, scored, and only then
        # closed (through the service, as the RTE would): a closed PI is a record nothing writes into.
        pi.state = ProgramIncrement.State.EXECUTING
        pi.save(update_fields=["state"])
        if not closed:
            execution.replan(build, demo, pi)
        # What holds features back is known before they run, so nothing blocked or waiting on an
        # open dependency is ever Done.
        holds = execution.holds(build, outcomes)
        impediments = running.plan_impediments(build, demo, pi, closed=closed, held=holds)
        for plan in impediments:
            if plan.feature is not None and plan.resolved is None:
                holds[plan.feature.pk] = execution.Hold(since=plan.raised, blocks=False)
        impeded = {
            plan.feature.pk: (plan.raised, plan.resolved)
            for plan in impediments
            if plan.feature is not None and plan.resolved is not None
        }
        execution.execute(build, demo, pi, closed=closed, holds=holds, impeded=impeded)
        execution.settle(outcomes)
        running.risks(build, demo, pi, closed=closed)
        running.impediments(build, demo, impediments)
        running.art_syncs(build, demo, pi, closed=closed)
        running.system_demos(build, demo, pi)
        if closed:
            pi_transition(pi=pi, to_state=ProgramIncrement.State.CLOSED, actor=None)
    surveys.surveys(build, demo)
    release_demo(build, demo)
    delivery_events(build, demo)
    for pi in demo.pis[:3]:
        day = min(pi.end_date, build.today)
        pi_snapshot_compute(pi=pi, day=day)
