"""Planning the demo's PIs: backlog and capacity, PI Planning (features, stories, objectives,
confidence votes, milestones), the commit that stores the baseline, and the next PI prepared
weeks before its own PI Planning."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from planning.factories import (
    ConfidenceVoteFactory,
    FeatureFactory,
    MilestoneFactory,
    PIObjectiveFactory,
    TeamCapacityFactory,
    VoteRoundFactory,
)
from planning.models import Feature, Milestone, PlanBaseline, ProgramIncrement, Story, VoteRound
from planning.selectors.lifecycle import top_features
from planning.services import feature_move, feature_set_state
from planning.services.baseline import plan_commit
from trains.models import Team

from .common import Build, DemoTrain, at, pi_iterations
from .content import ENABLER_TITLES, FEATURE_TITLES, STORY_VERBS


def planning_days(pi: ProgramIncrement) -> tuple[date, date]:
    """PI Planning: the Thursday and Friday before the PI starts on a Monday."""
    return pi.start_date - timedelta(days=4), pi.start_date - timedelta(days=3)


def commit_time(pi: ProgramIncrement) -> datetime:
    """The end of planning day 2, when the RTE commits the plan."""
    return at(planning_days(pi)[1], 17)


def closed_round(pi: ProgramIncrement, team: Team | None) -> VoteRound:
    """The vote taken on planning day 2, before the plan is committed."""
    opened = at(planning_days(pi)[1], hour=15)
    return VoteRoundFactory(pi=pi, team=team, opened_at=opened, closed_at=opened + timedelta(minutes=10))


def team_people(demo: DemoTrain, team: Team) -> list:
    key = team.name.lower()
    names = ["sm", "po", "member"] if team.name == "Borealis" else [f"sm-{key}", f"po-{key}"]
    return [demo.users[n] for n in [*names, f"dev-{key}-1", f"dev-{key}-2"]]


def backlog(build: Build, demo: DemoTrain, pi: ProgramIncrement) -> None:
    """The next PI's backlog: features in analysis, not yet on a team."""
    fib = [1, 2, 3, 5, 8, 13, 20]
    for i, title in enumerate(build.rng.sample(FEATURE_TITLES, 10)):
        title = f"{title} ({pi.name})"
        state = Feature.State.BACKLOG if i < 6 else Feature.State.ANALYZING
        FeatureFactory(
            train=demo.train,
            pi=pi,
            title=title,
            kind=Feature.Kind.ENABLER if i % 4 == 3 else Feature.Kind.FEATURE,
            state=state,
            business_value=build.rng.choice(fib),
            time_criticality=build.rng.choice(fib),
            risk_reduction=build.rng.choice(fib[:5]),
            job_size=build.rng.choice(fib[1:6]),
            acceptance_criteria="" if i >= 8 else "Agreed with the Business Owners at the pre-PI sync.",
        )


def prepare(build: Build, demo: DemoTrain, pi: ProgramIncrement) -> None:
    """The next PI, weeks before its PI Planning: partly ready, so every planning screen has
    content and the readiness checklist a partial score. Five of the seven teams have entered
    capacity, the top features are pulled onto teams, two teams have drafted stories and
    objectives (no business value yet: the Business Owners assign it at the event)."""
    rng = build.rng
    development = [it for it in pi_iterations(pi) if not it.is_ip]
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
        feature_move(
            feature=feature, team_id=by_name[name].pk, iteration_id=None, expected_version=feature.version
        )
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


def plan(build: Build, demo: DemoTrain, pi: ProgramIncrement) -> None:
    """PI Planning: capacity, features and stories per team, objectives with BV, votes."""
    rng = build.rng
    iterations = pi_iterations(pi)
    dev_iterations = [it for it in iterations if not it.is_ip]
    fib = [1, 2, 3, 5, 8, 13, 20]
    build.features[pi.pk] = {}
    for team in demo.teams:
        fte = rng.choice([5, 6, 6, 7, 8])
        capacity = {
            iteration.pk: TeamCapacityFactory(
                team=team, iteration=iteration, fte=fte, days_off=rng.randint(0, 6)
            ).capacity_points
            for iteration in iterations
        }
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
        _plan_stories(build, team, features, dev_iterations, capacity)
        build.features[pi.pk][team.pk] = features
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
        team_round = closed_round(pi, team)
        for voter in team_people(demo, team):
            score = rng.choice([3, 4, 4, 5]) if rng.random() > 0.12 else 2
            ConfidenceVoteFactory(
                round=team_round,
                voter=voter,
                score=score,
                concern="Too many unknowns in the integration work." if score <= 2 else "",
            )
    # The ART vote: everyone but the viewer.
    art_round = closed_round(pi, None)
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


def _plan_stories(build: Build, team: Team, features: list[Feature], iterations, capacity) -> None:
    """The team's stories, iteration by iteration, up to a committed plan's load: 80–92 % of the
    iteration's capacity (SAFe teams keep a buffer), each story for a feature planned in that
    iteration or the next (the work that leads up to it)."""
    rng = build.rng
    numbers: dict[int, int] = {}
    stories = []
    for index, iteration in enumerate(iterations):
        target = capacity[iteration.pk] * rng.uniform(0.8, 0.92)
        ahead = iterations[index + 1] if index + 1 < len(iterations) else None
        candidates = [f for f in features if f.iteration_id == iteration.pk] + [
            f for f in features if ahead is not None and f.iteration_id == ahead.pk
        ]
        load = 0
        while candidates:
            points = rng.choice([1, 2, 3, 3, 5, 5, 8])
            if load + points > target:
                break
            load += points
            feature = candidates[len(stories) % len(candidates)]
            numbers[feature.pk] = numbers.get(feature.pk, 0) + 1
            base = feature.title.split(" – ")[0].lower()
            stories.append(
                Story(
                    team=team,
                    feature=feature,
                    iteration=iteration,
                    title=f"{rng.choice(STORY_VERBS)} {base} part {numbers[feature.pk]}",
                    points=points,
                )
            )
    Story.objects.bulk_create(stories)


def commit(demo: DemoTrain, pi: ProgramIncrement) -> None:
    """The end of PI Planning: the RTE commits the plan, which stores its baseline."""
    pi.state = ProgramIncrement.State.PLANNING
    pi.save(update_fields=["state"])
    baseline = plan_commit(pi=pi, actor=demo.users["rte"])
    # The service stamps "now"; the demo's commit happened on planning day 2.
    committed_at = commit_time(pi)
    PlanBaseline.objects.filter(pk=baseline.pk).update(committed_at=committed_at)
    ProgramIncrement.objects.filter(pk=pi.pk).update(committed_at=committed_at)
    pi.committed_at = committed_at
