"""The demo train (domain.md §5): a living train a newcomer can explore at once.

Deterministic: one fixed random seed, and every date is placed relative to the day it is built, so
the executing PI is always mid-way. Idempotent: if the train exists, nothing is changed. Built on
the factories the tests use and, for anything with history (state changes, ROAM moves,
escalations), on the same services the product uses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from metrics.services import pi_snapshot_compute
from planning.factories import (
    ConfidenceVoteFactory,
    DependencyFactory,
    FeatureFactory,
    MilestoneFactory,
    PIObjectiveFactory,
    ProgramIncrementFactory,
    TeamCapacityFactory,
    VoteRoundFactory,
)
from planning.models import (
    Dependency,
    Feature,
    FeatureStateChange,
    Iteration,
    Milestone,
    PlanBaseline,
    ProgramIncrement,
    Story,
    VoteRound,
)
from planning.selectors.lifecycle import top_features
from planning.services import feature_create, feature_move, feature_set_blocked, feature_set_state
from planning.services.baseline import plan_commit
from planning.services.lifecycle import pi_set_business_owners
from risks.factories import ActionItemFactory, ArtSyncFactory, ImprovementItemFactory, RiskFactory
from risks.models import ActionItem, Impediment, ImprovementItem, Risk
from risks.services import impediment_escalate, impediment_raise, impediment_resolve, risk_roam
from trains.factories import TeamFactory, TrainFactory, UserFactory
from trains.models import Role, Team, Train
from trains.services import membership_add

SLUG = "aurora"
SEED = 2026
PI_NUMBERS = (24, 25, 26, 27)  # two closed, one executing, one in draft for the next planning

TEAMS = [
    ("Atlas", Team.Kind.PLATFORM),
    ("Borealis", Team.Kind.STREAM_ALIGNED),
    ("Comet", Team.Kind.STREAM_ALIGNED),
    ("Draco", Team.Kind.STREAM_ALIGNED),
    ("Eclipse", Team.Kind.COMPLICATED_SUBSYSTEM),
    ("Fusion", Team.Kind.ENABLING),
    ("Galaxy", Team.Kind.STREAM_ALIGNED),
]

# One login per role, printed by `make run`. The team roles act for Borealis.
LOGINS = [
    ("rte", "Rita", "Engel", Role.RTE, None),
    ("pm", "Paul", "Mendes", Role.PRODUCT_MANAGER, None),
    ("bo", "Beatrice", "Owens", Role.BUSINESS_OWNER, None),
    ("architect", "Arjun", "Rao", Role.SYSTEM_ARCHITECT, None),
    ("sm", "Sam", "Moreau", Role.SCRUM_MASTER, "Borealis"),
    ("po", "Priya", "Olsen", Role.PRODUCT_OWNER, "Borealis"),
    ("member", "Mia", "Berg", Role.TEAM_MEMBER, "Borealis"),
    ("viewer", "Victor", "Wu", Role.VIEWER, None),
]

FEATURE_TITLES = [
    "Self-service onboarding",
    "Usage-based billing",
    "Fraud scoring v2",
    "Partner API gateway",
    "Offline mode for field agents",
    "Single sign-on for partners",
    "Audit trail export",
    "Real-time order tracking",
    "Search relevance tuning",
    "Data residency (EU)",
    "Mobile push preferences",
    "Customer health dashboard",
    "Event streaming backbone",
    "Observability baseline",
    "Feature flag service",
    "Accessibility fixes (WCAG 2.2)",
    "Payment retries",
    "Recommendation widgets",
    "Invoice PDF redesign",
    "Consent management",
    "Multi-currency pricing",
    "Bulk import for catalogues",
    "Load test harness",
    "Zero-downtime deploys",
    "Schema registry",
    "Returns workflow",
    "Loyalty points",
    "Chat support handover",
]
ENABLER_TITLES = {
    "Event streaming backbone",
    "Observability baseline",
    "Feature flag service",
    "Load test harness",
    "Zero-downtime deploys",
    "Schema registry",
}
# Deterministic names for the people of the other teams (the logins above keep theirs).
FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Luca",
    "Maya",
    "Nils",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bruno",
    "Carla",
    "Dario",
    "Emma",
    "Farah",
]
LAST_NAMES = [
    "Novak",
    "Silva",
    "Larsen",
    "Kaya",
    "Dubois",
    "Okafor",
    "Fischer",
    "Rossi",
    "Nakamura",
    "Costa",
    "Jensen",
    "Haddad",
    "Kowalski",
    "Moreno",
    "Ahmed",
    "Schmidt",
    "Tanaka",
    "Virtanen",
    "Murphy",
    "Petrov",
]
STORY_VERBS = ["Design", "Build", "Test", "Document", "Instrument", "Harden", "Spike on"]


@dataclass
class DemoTrain:
    train: Train
    teams: list[Team]
    users: dict[str, object]
    pis: list[ProgramIncrement] = field(default_factory=list)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def build_demo(*, today: date | None = None) -> tuple[Train, bool]:
    """Build the demo train unless it exists. Returns (train, created)."""
    existing = Train.objects.filter(slug=SLUG).first()
    if existing is not None:
        return existing, False
    today = today or timezone.localdate()
    with transaction.atomic():
        demo = _Builder(today).build()
    return demo.train, True


class _Builder:
    def __init__(self, today: date):
        self.today = today
        self.rng = random.Random(SEED)
        # Features planned in PI Planning, per PI and team: execution and dependencies use them.
        self.features: dict[int, dict[int, list[Feature]]] = {}

    def build(self) -> DemoTrain:
        train = TrainFactory(
            slug=SLUG,
            name="Aurora ART",
            description="Digital commerce platform: checkout, payments, partner channels and the platform beneath them.",
        )
        teams = [
            TeamFactory(train=train, name=name, kind=kind, position=i) for i, (name, kind) in enumerate(TEAMS)
        ]
        demo = DemoTrain(train=train, teams=teams, users=self._people(train, teams))
        self._pis(demo)
        return demo

    # --- people ---------------------------------------------------------------------------------

    def _people(self, train: Train, teams: list[Team]) -> dict[str, object]:
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

    @staticmethod
    def planning_days(pi: ProgramIncrement) -> tuple[date, date]:
        """PI Planning: the Thursday and Friday before the PI starts on a Monday."""
        return pi.start_date - timedelta(days=4), pi.start_date - timedelta(days=3)

    @classmethod
    def committed_at(cls, pi: ProgramIncrement) -> datetime:
        """The end of planning day 2, when the RTE commits the plan."""
        return at(cls.planning_days(pi)[1], 17)

    @classmethod
    def closed_round(cls, pi: ProgramIncrement, team: Team | None) -> VoteRound:
        """The vote taken on planning day 2, before the plan is committed."""
        opened = at(cls.planning_days(pi)[1], hour=15)
        return VoteRoundFactory(pi=pi, team=team, opened_at=opened, closed_at=opened + timedelta(minutes=10))

    def team_people(self, demo: DemoTrain, team: Team) -> list:
        key = team.name.lower()
        names = ["sm", "po", "member"] if team.name == "Borealis" else [f"sm-{key}", f"po-{key}"]
        return [demo.users[n] for n in [*names, f"dev-{key}-1", f"dev-{key}-2"]]

    # --- PIs ------------------------------------------------------------------------------------

    def _pis(self, demo: DemoTrain) -> None:
        length = demo.train.iteration_length_days * demo.train.iterations_per_pi
        # The executing PI started ~5 weeks ago, on a Monday: mid-way through iteration 3.
        monday = self.today - timedelta(days=self.today.weekday())
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
                self._backlog(demo, pi)
                self._prepare(demo, pi)
                continue
            self._plan(demo, pi)
            if len(demo.pis) > 1:
                self._improvements(demo, pi)
            # Dependencies are agreed at PI Planning, so they are part of the committed plan;
            # their outcome (delivered, blocked, cancelled) comes with execution.
            outcomes = self._dependencies(demo, pi, closed=state == ProgramIncrement.State.CLOSED)
            self._commit(demo, pi)
            pi.state = state
            pi.save(update_fields=["state"])
            if state == ProgramIncrement.State.EXECUTING:
                self._replan(demo, pi)
            self._execute(demo, pi)
            self._settle(outcomes)
            self._risks_and_impediments(demo, pi)
            self._syncs(demo, pi)
        for pi in demo.pis[:3]:
            day = min(pi.end_date, self.today)
            pi_snapshot_compute(pi=pi, day=day)

    def _iterations(self, pi: ProgramIncrement) -> list[Iteration]:
        return list(pi.iterations.order_by("number"))

    def _backlog(self, demo: DemoTrain, pi: ProgramIncrement) -> None:
        """The next PI's backlog: features in analysis, not yet on a team."""
        fib = [1, 2, 3, 5, 8, 13, 20]
        for i, title in enumerate(self.rng.sample(FEATURE_TITLES, 10)):
            title = f"{title} ({pi.name})"
            state = Feature.State.BACKLOG if i < 6 else Feature.State.ANALYZING
            FeatureFactory(
                train=demo.train,
                pi=pi,
                title=title,
                kind=Feature.Kind.ENABLER if i % 4 == 3 else Feature.Kind.FEATURE,
                state=state,
                business_value=self.rng.choice(fib),
                time_criticality=self.rng.choice(fib),
                risk_reduction=self.rng.choice(fib[:5]),
                job_size=self.rng.choice(fib[1:6]),
                acceptance_criteria="" if i >= 8 else "Agreed with the Business Owners at the pre-PI sync.",
            )

    def _prepare(self, demo: DemoTrain, pi: ProgramIncrement) -> None:
        """The next PI, weeks before its PI Planning: partly ready, so every planning screen has
        content and the readiness checklist a partial score. Five of the seven teams have entered
        capacity, the top features are pulled onto teams, two teams have drafted stories and
        objectives (no business value yet: the Business Owners assign it at the event)."""
        rng = self.rng
        development = [it for it in self._iterations(pi) if not it.is_ip]
        by_name = {team.name: team for team in demo.teams}
        capacity: dict[tuple[int, int], float] = {}
        for team in demo.teams[:5]:  # Fusion and Galaxy have not entered theirs yet
            fte = rng.choice([Decimal("5"), Decimal("5.5"), Decimal("6"), Decimal("7"), Decimal("8")])
            for iteration in development:
                row = TeamCapacityFactory(
                    team=team,
                    iteration=iteration,
                    fte=fte,
                    days_off=rng.randint(0, 9),
                    # Atlas plans with its measured velocity rather than 8 × FTE.
                    capacity_override=rng.randint(30, 36) if team.name == "Atlas" else None,
                )
                capacity[team.pk, iteration.pk] = row.capacity_points

        # The top five by WSJF are pulled onto teams; iterations are chosen at the event.
        top = top_features(pi, limit=5)
        pulled: dict[str, list[Feature]] = {"Borealis": [], "Comet": [], "Atlas": []}
        for feature, name in zip(top, ["Borealis", "Comet", "Borealis", "Comet", "Atlas"], strict=True):
            feature_move(feature=feature, team=by_name[name], iteration=None, expected_version=None)
            pulled[name].append(feature)

        # Draft stories for Borealis and Comet; Borealis overbooks I2 (the red load on the grid).
        for name in ("Borealis", "Comet"):
            team = by_name[name]
            stories = []
            for index, iteration in enumerate(development):
                cap = capacity[team.pk, iteration.pk]
                overbooked = name == "Borealis" and iteration.number == 2
                target = cap * (1.15 if overbooked else rng.uniform(0.55, 0.95))
                feature = pulled[name][0 if index < len(development) // 2 else 1]
                base = feature.title.split(" (")[0].lower()
                load = 0
                while True:
                    points = rng.choice([1, 2, 3, 3, 5, 5, 8])
                    if load + points > target and not (overbooked and load <= cap):
                        break
                    load += points
                    stories.append(
                        Story(
                            team=team,
                            feature=feature,
                            iteration=iteration,
                            title=f"{rng.choice(STORY_VERBS)} {base} part {len(stories) + 1}",
                            points=points,
                        )
                    )
            Story.objects.bulk_create(stories)

        # Draft objectives: committed or not as the team proposes, business value still open.
        drafts = [
            ("Borealis", 0, True, "live for all customers"),
            ("Borealis", 1, True, "piloted with two partners"),
            ("Borealis", None, False, "Reduce checkout drop-off by 5 %"),
            ("Comet", 0, True, "delivered and shown at the System Demo"),
            ("Comet", 1, False, "beta for field agents"),
        ]
        positions: dict[tuple[str, bool], int] = {}
        for name, feature_index, committed, text in drafts:
            feature = pulled[name][feature_index] if feature_index is not None else None
            position = positions.get((name, committed), 0)
            positions[name, committed] = position + 1
            objective = PIObjectiveFactory(
                pi=pi,
                team=by_name[name],
                text=f"{name}: {feature.title.split(' (')[0]} {text}" if feature else f"{name}: {text}",
                is_committed=committed,
                planned_business_value=None,
                position=position,
            )
            if feature is not None:
                objective.features.add(feature)

    def _plan(self, demo: DemoTrain, pi: ProgramIncrement) -> None:
        """PI Planning: capacity, features and stories per team, objectives with BV, votes."""
        rng = self.rng
        iterations = self._iterations(pi)
        dev_iterations = [it for it in iterations if not it.is_ip]
        fib = [1, 2, 3, 5, 8, 13, 20]
        self.features[pi.pk] = {}
        for team in demo.teams:
            fte = rng.choice([5, 6, 6, 7, 8])
            for iteration in iterations:
                TeamCapacityFactory(team=team, iteration=iteration, fte=fte, days_off=rng.randint(0, 6))
            features = []
            for slot in range(5):
                title = FEATURE_TITLES[
                    (demo.teams.index(team) * 5 + slot + demo.pis.index(pi) * 3) % len(FEATURE_TITLES)
                ]
                planned = dev_iterations[
                    min(slot, len(dev_iterations) - 1) if slot < 4 else rng.randrange(len(dev_iterations))
                ]
                feature = FeatureFactory(
                    train=demo.train,
                    pi=pi,
                    team=team,
                    iteration=planned,
                    title=f"{title} – {team.name}",
                    kind=Feature.Kind.ENABLER
                    if title in ENABLER_TITLES
                    else (Feature.Kind.DEBT if slot == 4 and rng.random() < 0.4 else Feature.Kind.FEATURE),
                    state=Feature.State.FUNNEL,
                    business_value=rng.choice(fib),
                    time_criticality=rng.choice(fib),
                    risk_reduction=rng.choice(fib[:5]),
                    job_size=rng.choice(fib[1:6]),
                )
                for state, days_before in ((Feature.State.ANALYZING, 40), (Feature.State.BACKLOG, 20)):
                    feature_set_state(
                        feature=feature,
                        state=state,
                        at=at(pi.start_date - timedelta(days=days_before + slot)),
                    )
                features.append(feature)
                stories = []
                for n in range(rng.randint(3, 5)):
                    story_iteration = dev_iterations[
                        max(0, dev_iterations.index(planned) - rng.randint(0, 1))
                    ]
                    stories.append(
                        Story(
                            team=team,
                            feature=feature,
                            iteration=story_iteration,
                            title=f"{rng.choice(STORY_VERBS)} {title.lower()} part {n + 1}",
                            points=rng.choice([1, 2, 3, 3, 5, 5, 8]),
                        )
                    )
                Story.objects.bulk_create(stories)
            self.features[pi.pk][team.pk] = features
            for n in range(4):
                committed = n < 3
                objective = PIObjectiveFactory(
                    pi=pi,
                    team=team,
                    text=f"{team.name}: {features[n].title.split(' – ')[0]} live for {rng.choice(['all customers', 'EU customers', 'partners', 'field agents'])}",
                    is_committed=committed,
                    planned_business_value=rng.randint(4, 10) if committed else rng.randint(2, 6),
                    position=n,
                )
                objective.features.add(features[n])
            team_round = self.closed_round(pi, team)
            for voter in self.team_people(demo, team):
                score = rng.choice([3, 4, 4, 5]) if rng.random() > 0.12 else 2
                ConfidenceVoteFactory(
                    round=team_round,
                    voter=voter,
                    score=score,
                    concern="Too many unknowns in the integration work." if score <= 2 else "",
                )
        # The ART vote: everyone but the viewer.
        art_round = self.closed_round(pi, None)
        for username, user in demo.users.items():
            if username == "viewer":
                continue
            score = rng.choice([3, 4, 4, 4, 5]) if rng.random() > 0.08 else 2
            ConfidenceVoteFactory(
                round=art_round,
                voter=user,
                score=score,
                concern="Platform capacity is thin in I3." if score <= 2 else "",
            )
        # Unplanned features of the PI: the board's side lane.
        for n in range(3):
            title = FEATURE_TITLES[(n * 7 + len(pi.name)) % len(FEATURE_TITLES)]
            FeatureFactory(
                train=demo.train,
                pi=pi,
                title=f"{title} (stretch)",
                state=Feature.State.BACKLOG,
                business_value=rng.choice(fib),
                time_criticality=rng.choice(fib),
                risk_reduction=rng.choice(fib[:4]),
                job_size=rng.choice(fib[2:6]),
            )
        for name, offset, kind in (
            ("Release 1", 27, Milestone.Kind.RELEASE),
            ("Partner summit", 45, Milestone.Kind.TRADE_SHOW),
            ("PCI audit", 55, Milestone.Kind.AUDIT),
        ):
            MilestoneFactory(pi=pi, name=f"{name}", date=pi.start_date + timedelta(days=offset), kind=kind)

    def _commit(self, demo: DemoTrain, pi: ProgramIncrement) -> None:
        """The end of PI Planning: the RTE commits the plan, which stores its baseline."""
        pi.state = ProgramIncrement.State.PLANNING
        pi.save(update_fields=["state"])
        baseline = plan_commit(pi=pi, actor=demo.users["rte"])
        # The service stamps "now"; the demo's commit happened on planning day 2.
        committed_at = self.committed_at(pi)
        PlanBaseline.objects.filter(pk=baseline.pk).update(committed_at=committed_at)
        ProgramIncrement.objects.filter(pk=pi.pk).update(committed_at=committed_at)
        pi.committed_at = committed_at

    def _replan(self, demo: DemoTrain, pi: ProgramIncrement) -> None:
        """Changes since the commit, for "plan vs now": at the I2 planning one feature slipped an
        iteration, one came in (a regulator's deadline) and one was dropped to make room."""
        iterations = [it for it in self._iterations(pi) if not it.is_ip]
        by_name = {team.name: team for team in demo.teams}
        planned = self.features[pi.pk]
        on_dependencies = set(
            Dependency.objects.filter(pi=pi).values_list("requesting_feature_id", flat=True)
        ) | set(Dependency.objects.filter(pi=pi).values_list("providing_feature_id", flat=True))

        # Moved: an I3 feature no dependency hangs on (Comet's if it has one) slips to I4.
        order = ["Comet", "Draco", "Borealis", "Galaxy", "Eclipse", "Atlas", "Fusion"]
        slipping = next(
            feature
            for name in order
            for feature in planned[by_name[name].pk]
            if feature.iteration.number == 3 and feature.pk not in on_dependencies
        )
        feature_move(feature=slipping, team=slipping.team, iteration=iterations[3], expected_version=None)

        # Dropped: a late feature nothing else refers to goes back to the PI's unplanned lane, and
        # its stories leave the iterations (they stay in the team's backlog).
        dropped = next(
            feature
            for name in ("Fusion", "Draco", "Eclipse")
            for feature in planned[by_name[name].pk][4:]
            if feature.iteration.number >= 3 and feature.pk not in on_dependencies
        )
        planned[dropped.team_id].remove(dropped)
        Story.objects.filter(feature=dropped).update(iteration=None)
        feature_move(feature=dropped, team=None, iteration=None, expected_version=None)

        # Added: new work for Borealis in I4, created at the I2 planning (I2's first day).
        borealis = by_name["Borealis"]
        added_day = iterations[1].start_date
        added = feature_create(
            train=demo.train,
            title="Strong customer authentication update – Borealis",
            pi=pi,
            team=borealis,
            iteration=iterations[3],
            kind=Feature.Kind.FEATURE,
            acceptance_criteria="Meets the regulator's new SCA rules before the deadline.",
            business_value=13,
            time_criticality=20,
            risk_reduction=8,
            job_size=5,
        )
        # The service stamps "now"; the demo dates the feature's arrival.
        Feature.objects.filter(pk=added.pk).update(created_at=at(added_day, 11))
        FeatureStateChange.objects.filter(feature=added).update(changed_at=at(added_day, 11))
        for state, days in ((Feature.State.ANALYZING, 1), (Feature.State.BACKLOG, 2)):
            feature_set_state(feature=added, state=state, at=at(added_day + timedelta(days=days), 10))
        Story.objects.bulk_create(
            Story(
                team=borealis,
                feature=added,
                iteration=iterations[3],
                title=f"{verb} strong customer authentication",
                points=points,
            )
            for verb, points in (("Design", 3), ("Build", 5), ("Test", 3))
        )
        planned[borealis.pk].append(added)

    def _execute(self, demo: DemoTrain, pi: ProgramIncrement) -> None:
        """Run the PI up to today: features move through the Kanban, stories get done, BV is scored."""
        rng = self.rng
        closed = pi.state == ProgramIncrement.State.CLOSED
        horizon = pi.end_date if closed else self.today
        for team in demo.teams:
            for feature in self.features[pi.pk][team.pk]:
                iteration = feature.iteration
                start_day = max(pi.start_date, iteration.start_date - timedelta(days=rng.randint(7, 20)))
                if start_day >= horizon:
                    continue
                feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=at(start_day, 9))
                if rng.random() < 0.25:
                    block_start = start_day + timedelta(days=rng.randint(1, 4))
                    if block_start < horizon:
                        feature_set_blocked(
                            feature=feature,
                            blocked=True,
                            at=at(block_start, 11),
                            reason="Waiting on another team",
                        )
                        block_end = block_start + timedelta(days=rng.randint(2, 6))
                        if block_end < horizon or closed:
                            feature_set_blocked(
                                feature=feature, blocked=False, at=at(min(block_end, horizon), 15)
                            )
                slip = rng.choice([-3, -1, 0, 0, 2, 4, 9, 16])
                done_day = iteration.end_date + timedelta(days=slip)
                validating_day = done_day - timedelta(days=rng.randint(2, 5))
                if validating_day < horizon and validating_day > start_day:
                    feature_set_state(
                        feature=feature, state=Feature.State.VALIDATING, at=at(validating_day, 14)
                    )
                if done_day < horizon and done_day <= pi.end_date:
                    feature_set_state(feature=feature, state=Feature.State.DONE, at=at(done_day, 16))
                # Stories: done within their iteration, unless the feature slipped past it.
                for story in feature.stories.select_related("iteration"):
                    finish = (
                        story.iteration.end_date
                        - timedelta(days=rng.randint(0, 5))
                        + timedelta(days=max(0, slip))
                    )
                    if finish < horizon and rng.random() > 0.1:
                        Story.objects.filter(pk=story.pk).update(
                            state=Story.State.DONE, done_at=at(finish, 12)
                        )
                    elif story.iteration.start_date <= horizon:
                        Story.objects.filter(pk=story.pk).update(state=Story.State.IN_PROGRESS)
            if closed:
                for objective in pi.objectives.filter(team=team):
                    planned = objective.planned_business_value
                    objective.actual_business_value = max(
                        0, min(10, planned - rng.choice([0, 0, 1, 2, 3, -1]))
                    )
                    objective.save(update_fields=["actual_business_value"])

    def _dependencies(
        self, demo: DemoTrain, pi: ProgramIncrement, *, closed: bool
    ) -> list[tuple[Dependency, str, datetime | None]]:
        """Dependencies agreed at PI Planning (requested or committed), with the state each reaches
        in execution (`closed`: the PI will be run to its end): every state in the executing PI,
        where some strings are red."""
        rng = self.rng
        iterations = [it for it in self._iterations(pi) if not it.is_ip]
        planned = {team.pk: self.features[pi.pk][team.pk] for team in demo.teams}
        states = (
            [Dependency.State.DELIVERED] * 8 + [Dependency.State.CANCELLED]
            if closed
            else [
                Dependency.State.DELIVERED,
                Dependency.State.DELIVERED,
                Dependency.State.COMMITTED,
                Dependency.State.COMMITTED,
                Dependency.State.COMMITTED,
                Dependency.State.COMMITTED,
                Dependency.State.REQUESTED,
                Dependency.State.REQUESTED,
                Dependency.State.BLOCKED,
                Dependency.State.CANCELLED,
                Dependency.State.COMMITTED,
                Dependency.State.REQUESTED,
            ]
        )
        kinds = list(Dependency.Kind.values)
        owners = [demo.users["sm"], demo.users["architect"], demo.users["pm"], demo.users["rte"]]
        outcomes = []
        for n, state in enumerate(states):
            requester, provider = rng.sample(demo.teams, 2)
            requesting_feature = rng.choice(planned[requester.pk])
            providing_feature = rng.choice(planned[provider.pk])
            needed_by = requesting_feature.iteration
            # A few deliberate conflicts in the executing PI: the provider plans it too late.
            if not closed and n in (3, 7):
                later = [it for it in iterations if it.number > needed_by.number] or iterations[-1:]
                Feature.objects.filter(pk=providing_feature.pk).update(iteration=later[0])
                providing_feature.iteration = later[0]
                needed_by = iterations[max(0, later[0].number - 2)]
            # From pre-planning up to planning day 2, before the commit at 17:00.
            created = at(pi.start_date - timedelta(days=rng.randint(3, 7)), 15)
            resolved = (
                at(min(needed_by.end_date, self.today - timedelta(days=1)), 16)
                if state in Dependency.RESOLVED_STATES
                else None
            )
            dependency = DependencyFactory(
                pi=pi,
                requesting_team=requester,
                providing_team=provider,
                requesting_feature=requesting_feature,
                providing_feature=None if (not closed and n == 11) else providing_feature,
                needed_by_iteration=needed_by,
                description=f"{rng.choice(['API', 'Schema', 'Environment', 'Data feed', 'SDK'])} for {requesting_feature.title.split(' – ')[0].lower()}",
                kind=kinds[n % len(kinds)],
                state=Dependency.State.REQUESTED
                if state == Dependency.State.REQUESTED
                else Dependency.State.COMMITTED,
                owner=rng.choice(owners),
                created_at=created,
            )
            outcomes.append((dependency, state, resolved))
        return outcomes

    @staticmethod
    def _settle(outcomes: list[tuple[Dependency, str, datetime | None]]) -> None:
        """Execution's outcome for each dependency: what "plan vs now" reports as changed."""
        for dependency, state, resolved in outcomes:
            if state != dependency.state:
                Dependency.objects.filter(pk=dependency.pk).update(
                    state=state, resolved_at=resolved, version=F("version") + 1
                )

    def _risks_and_impediments(self, demo: DemoTrain, pi: ProgramIncrement) -> None:
        rng = self.rng
        rte = demo.users["rte"]
        closed = pi.state == ProgramIncrement.State.CLOSED
        risk_specs = [
            ("Payment provider sandbox unstable", None, Risk.Roam.OWNED, "pm"),
            ("Key architect on leave during I3", None, Risk.Roam.ACCEPTED, None),
            ("GDPR review may delay data residency", "Eclipse", Risk.Roam.MITIGATED, "architect"),
            ("Load test environment not sized", "Atlas", Risk.Roam.RESOLVED, None),
            ("Partner API contract not signed", None, Risk.Roam.UNROAMED, None),
            ("Shared QA capacity overbooked", "Comet", Risk.Roam.UNROAMED, None),
            ("Mobile store review lead time", "Galaxy", Risk.Roam.OWNED, "po"),
            ("Legacy billing batch window", "Borealis", Risk.Roam.UNROAMED, None),
        ]
        teams = {team.name: team for team in demo.teams}
        for n, (title, team_name, status, owner) in enumerate(risk_specs):
            if closed and n >= 5:
                break
            created = at(pi.start_date - timedelta(days=2), 11)
            risk = RiskFactory(
                train=demo.train,
                pi=pi,
                team=teams.get(team_name),
                title=title,
                impact=rng.randint(2, 5),
                likelihood=rng.randint(1, 5),
                due_date=(pi.start_date + timedelta(days=rng.randint(10, 60))),
                mitigation_plan="Second environment booked; weekly check with the vendor."
                if status == Risk.Roam.MITIGATED
                else "",
                raised_by=rte,
                created_at=created,
            )
            if closed:
                status = Risk.Roam.RESOLVED
            if status != Risk.Roam.UNROAMED:
                risk_roam(
                    risk=risk,
                    status=status,
                    actor=rte,
                    owner=demo.users.get(owner),
                    at=created + timedelta(hours=5),
                )
            features = self.features[pi.pk][(teams.get(team_name) or demo.teams[0]).pk]
            risk.features.add(features[n % len(features)])

        impediment_specs = [
            ("CI runners saturated every afternoon", "Atlas", "high", 2),
            ("Test data for partner flows missing", "Borealis", "critical", 1),
            ("Waiting on security sign-off for SSO", "Comet", "medium", 0),
            ("Staging database refresh broken", "Draco", "high", 0),
            ("Vendor SDK licence expired", "Galaxy", "low", 0),
        ]
        for n, (title, team_name, severity, escalations) in enumerate(impediment_specs):
            team = teams[team_name]
            sm = demo.users["sm"] if team_name == "Borealis" else demo.users[f"sm-{team_name.lower()}"]
            raised_day = pi.start_date + timedelta(days=3 + 6 * n)
            if raised_day >= min(self.today, pi.end_date):
                raised_day = pi.start_date + timedelta(days=1 + n)
            impediment = impediment_raise(
                team=team, title=title, actor=sm, severity=severity, at=at(raised_day, 9)
            )
            features = self.features[pi.pk][team.pk]
            impediment.blocked_features.add(features[n % len(features)])
            for level in range(escalations):
                impediment_escalate(
                    impediment=impediment,
                    note=[
                        "Team cannot fix it alone; needs ART platform budget.",
                        "Needs a portfolio decision on vendor spend.",
                    ][level],
                    actor=sm if level == 0 else rte,
                    at=at(raised_day + timedelta(days=2 + 3 * level), 15),
                )
            if closed or n == 4:
                resolved_day = raised_day + timedelta(days=rng.randint(2, 12))
                impediment_resolve(
                    impediment=impediment,
                    resolution="Fixed and verified at the ART Sync.",
                    actor=rte,
                    at=at(min(resolved_day, self.today), 17),
                )
            elif n == 3:
                Impediment.objects.filter(pk=impediment.pk).update(status=Impediment.Status.IN_PROGRESS)

    def _syncs(self, demo: DemoTrain, pi: ProgramIncrement) -> None:
        owners = [demo.users[name] for name in ("rte", "pm", "architect", "sm", "po")]
        day = pi.start_date + timedelta(days=2)
        n = 0
        while day < min(pi.end_date, self.today):
            sync = ArtSyncFactory(
                train=demo.train, pi=pi, held_on=day, notes="Coach Sync and PO Sync, 45 minutes."
            )
            for k in range(2):
                done = day + timedelta(days=10) < self.today and (n + k) % 3 != 0
                ActionItemFactory(
                    train=demo.train,
                    raised_in=sync,
                    title=[
                        "Book the shared performance lab",
                        "Clarify the partner API owner",
                        "Re-plan Atlas I4 load",
                        "Share the SSO timeline",
                    ][(n + k) % 4],
                    owner=owners[(n + k) % len(owners)],
                    due_date=day + timedelta(days=7),
                    status=ActionItem.Status.DONE if done else ActionItem.Status.OPEN,
                    created_at=at(day, 11),
                    done_at=at(day + timedelta(days=5), 12) if done else None,
                )
            day += timedelta(days=7)
            n += 1

    def _improvements(self, demo: DemoTrain, target: ProgramIncrement) -> None:
        """I&A of the PI before `target`: improvement items taken into `target`'s PI Planning (so
        they are in its committed plan), some done."""
        rte, pm = demo.users["rte"], demo.users["architect"]
        plans = [
            (0, "Automate the release checklist", ImprovementItem.Status.DONE, 9),
            (0, "Shorten the environment request lead time", ImprovementItem.Status.DONE, 7),
            (0, "Definition of Ready for features", ImprovementItem.Status.DROPPED, 3),
            (1, "Contract tests between Atlas and stream teams", ImprovementItem.Status.IN_PROGRESS, 11),
            (1, "Make dependencies visible before PI Planning", ImprovementItem.Status.DONE, 8),
            (1, "Reduce WIP per team to three features", ImprovementItem.Status.PLANNED, 6),
        ]
        fusion = next(team for team in demo.teams if team.name == "Fusion")
        target_index = demo.pis.index(target)
        for source_index, title, status, votes in plans:
            if source_index + 1 != target_index:
                continue
            source = demo.pis[source_index]
            iterations = self._iterations(target)
            feature = FeatureFactory(
                train=demo.train,
                pi=target,
                team=fusion if status != ImprovementItem.Status.DROPPED else None,
                iteration=iterations[1] if status != ImprovementItem.Status.DROPPED else None,
                title=f"Improvement: {title}",
                kind=Feature.Kind.ENABLER,
                state=Feature.State.BACKLOG,
            )
            # Through the Kanban like any feature, so flow time sees when improvements started.
            done_day = min(iterations[1].end_date, self.today - timedelta(days=1))
            if status in (ImprovementItem.Status.IN_PROGRESS, ImprovementItem.Status.DONE):
                feature_set_state(
                    feature=feature,
                    state=Feature.State.IMPLEMENTING,
                    at=at(iterations[0].start_date + timedelta(days=3)),
                )
            if status == ImprovementItem.Status.DONE:
                feature_set_state(feature=feature, state=Feature.State.DONE, at=at(done_day, 16))
            ImprovementItemFactory(
                train=demo.train,
                source_pi=source,
                target_pi=target if status != ImprovementItem.Status.DROPPED else None,
                feature=feature if status != ImprovementItem.Status.DROPPED else None,
                title=title,
                problem="Too much time is lost between teams at integration points.",
                root_causes="Late visibility of dependencies; manual release steps.",
                owner=rte if votes > 7 else pm,
                status=status,
                votes=votes,
                created_at=at(source.end_date - timedelta(days=2), 14),
                done_at=feature.done_at if status == ImprovementItem.Status.DONE else None,
            )
