"""The life around the demo's PIs: risks and their ROAM moves, impediments and their escalations,
the weekly ART Syncs with their action items, and the improvements taken from each I&A."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from planning.factories import FeatureFactory
from planning.models import Feature, FeatureStateChange, ProgramIncrement
from planning.services import feature_set_blocked, feature_set_state
from risks.factories import ActionItemFactory, ArtSyncFactory, ImprovementItemFactory, RiskFactory
from risks.models import ActionItem, DemoItem, Impediment, ImprovementItem, Risk
from risks.services import (
    demo_follow_up_add,
    demo_follow_up_set_done,
    demo_item_record,
    impediment_escalate,
    impediment_raise,
    impediment_resolve,
    problem_create,
    problem_vote_toggle,
    risk_roam,
    system_demo_plan,
    system_demo_update,
)
from trains.models import Team

from .common import Build, DemoTrain, at, pi_iterations


def risks(build: Build, demo: DemoTrain, pi: ProgramIncrement, *, closed: bool) -> None:
    rng = build.rng
    rte = demo.users["rte"]
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
                expected_version=risk.version,
                status=status,
                actor=rte,
                owner=demo.users.get(owner),
                at=created + timedelta(hours=5),
            )
        features = build.features[pi.pk][(teams.get(team_name) or demo.teams[0]).pk]
        risk.features.add(features[n % len(features)])


# (title, team, severity, escalations, age in days in the executing PI); the last is resolved there.
IMPEDIMENTS = [
    ("CI runners saturated every afternoon", "Atlas", "high", 2, 12),
    ("Test data for partner flows missing", "Borealis", "critical", 1, 9),
    ("Waiting on security sign-off for SSO", "Comet", "medium", 0, 6),
    ("Staging database refresh broken", "Draco", "high", 0, 4),
    ("Vendor SDK licence expired", "Galaxy", "low", 0, 25),
]


@dataclass(frozen=True)
class ImpedimentPlan:
    title: str
    team: Team
    severity: str
    escalations: int
    raised: date
    resolved: date | None
    feature: Feature | None


def plan_impediments(
    build: Build, demo: DemoTrain, pi: ProgramIncrement, *, closed: bool, held: dict
) -> list[ImpedimentPlan]:
    """Decided before the PI runs, so execution knows what they block: an open impediment holds its
    feature back (it cannot be Done while blocked), a resolved one delays it. Each blocks the
    team's feature of the iteration it was raised in, one a dependency does not already hold."""
    rng = build.rng
    teams = {team.name: team for team in demo.teams}
    iterations = [it for it in pi_iterations(pi) if not it.is_ip]
    plans = []
    for n, (title, team_name, severity, escalations, age) in enumerate(IMPEDIMENTS):
        team = teams[team_name]
        raised = pi.start_date + timedelta(days=3 + 6 * n) if closed else build.today - timedelta(days=age)
        resolved = None
        if closed or n == len(IMPEDIMENTS) - 1:
            resolved = min(raised + timedelta(days=rng.randint(2, 12)), build.today - timedelta(days=1))
        current = next((it for it in iterations if it.start_date <= raised <= it.end_date), iterations[-1])
        candidates = sorted(
            (f for f in build.features[pi.pk][team.pk] if f.pk not in held),
            key=lambda f: (abs(f.iteration.number - current.number), f.iteration.number, f.pk),
        )
        plans.append(
            ImpedimentPlan(title, team, severity, escalations, raised, resolved, next(iter(candidates), None))
        )
    return plans


def impediments(build: Build, demo: DemoTrain, plans: list[ImpedimentPlan]) -> None:
    """Raised, escalated and resolved through the product's services, which block and release the
    features (flow efficiency counts the wait)."""
    rte = demo.users["rte"]
    for n, plan in enumerate(plans):
        name = plan.team.name
        sm = demo.users["sm"] if name == "Borealis" else demo.users[f"sm-{name.lower()}"]
        features = Feature.objects.filter(pk=plan.feature.pk) if plan.feature else []
        impediment = impediment_raise(
            team=plan.team,
            title=plan.title,
            actor=sm,
            severity=plan.severity,
            blocked_features=list(features),
            at=at(plan.raised, 9),
        )
        for level in range(plan.escalations):
            impediment_escalate(
                impediment=impediment,
                expected_version=impediment.version,
                note=[
                    "Team cannot fix it alone; needs ART platform budget.",
                    "Needs a portfolio decision on vendor spend.",
                ][level],
                actor=sm if level == 0 else rte,
                at=at(plan.raised + timedelta(days=2 + 3 * level), 15),
            )
        if plan.resolved is not None:
            impediment_resolve(
                impediment=impediment,
                expected_version=impediment.version,
                resolution="Fixed and verified at the ART Sync.",
                actor=rte,
                at=at(plan.resolved, 17),
            )
        elif n == 3:
            Impediment.objects.filter(pk=impediment.pk).update(status=Impediment.Status.IN_PROGRESS)


# One action each, never twice: an ART Sync agrees new actions, it does not repeat old ones.
ACTIONS = [
    "Book the shared performance lab",
    "Clarify the partner API owner",
    "Re-plan Atlas's I4 load",
    "Share the SSO timeline with Comet",
    "Renew the vendor SDK licence",
    "Agree the schema registry cut-over date",
    "Ask security for a sign-off slot",
    "Confirm the payment sandbox fix with the vendor",
    "Move the demo environment refresh to Mondays",
    "Find a second reviewer for the fraud model",
    "Publish the release calendar",
    "Align the EU data residency timeline with Legal",
    "Check Galaxy's app store submission date",
    "Agree who owns the shared QA queue",
    "Invite the Business Owners to the system demo",
    "Raise the CI runner budget with the portfolio",
    "Update the dependency board before the PO Sync",
    "Plan the load test window",
    "Send the partner summit demo list",
    "Review the WIP limits with the Scrum Masters",
]


def art_syncs(build: Build, demo: DemoTrain, pi: ProgramIncrement, *, closed: bool) -> None:
    """The weekly ART Syncs: two actions each. A closed PI's actions were all done before it
    closed; in the executing one some older actions are still open, overdue."""
    owners = [demo.users[name] for name in ("rte", "pm", "architect", "sm", "po")]
    day = pi.start_date + timedelta(days=2)
    n = 0
    while day < min(pi.end_date, build.today):
        sync = ArtSyncFactory(
            train=demo.train, pi=pi, held_on=day, notes="Coach Sync and PO Sync, 45 minutes."
        )
        for k in range(2):
            done = closed or (day + timedelta(days=10) < build.today and (n + k) % 3 != 0)
            ActionItemFactory(
                train=demo.train,
                raised_in=sync,
                title=ACTIONS[(2 * n + k) % len(ACTIONS)],
                owner=owners[(n + k) % len(owners)],
                due_date=day + timedelta(days=7),
                status=ActionItem.Status.DONE if done else ActionItem.Status.OPEN,
                created_at=at(day, 11),
                done_at=at(day + timedelta(days=5), 12) if done else None,
            )
        day += timedelta(days=7)
        n += 1


FEEDBACK = {
    DemoItem.Outcome.SHOWN: "Works end to end on the staging environment.",
    DemoItem.Outcome.ISSUES: "Shown, but the error messages need work before release.",
    DemoItem.Outcome.NOT_SHOWN: "Not ready: still in progress.",
}
FOLLOW_UPS = [
    "Send the Business Owners the recording and the open questions",
    "Fix the error messages the stakeholders found confusing",
    "Show the partner flow again once the test data is there",
    "Share the performance figures asked for at the demo",
]


def system_demos(build: Build, demo: DemoTrain, pi: ProgramIncrement) -> None:
    """The system demo of every iteration begun, on its last Friday: the features planned in it,
    shown if their work was finished by then (one in five with issues), with follow-ups. The current
    iteration's demo is planned, its items not shown yet until its day has come."""
    rng = build.rng
    rte, pm = demo.users["rte"], demo.users["pm"]
    for n, iteration in enumerate(it for it in pi_iterations(pi) if not it.is_ip):
        if iteration.start_date > min(pi.end_date, build.today):
            break
        held_on = iteration.end_date - timedelta(days=2)
        system_demo = system_demo_plan(
            iteration=iteration,
            actor=rte,
            held_on=held_on,
            at=at(iteration.start_date + timedelta(days=7), 10),
        )
        if held_on >= build.today:
            continue
        system_demo_update(
            demo=system_demo,
            actor=rte,
            held_on=held_on,
            notes="Business Owners and two partner representatives attended.",
        )
        for item in system_demo.items.select_related("feature"):
            # Shown when its work was finished by the demo: in validation or done by then.
            finished = FeatureStateChange.objects.filter(
                feature=item.feature,
                to_state__in=[Feature.State.VALIDATING, Feature.State.DONE],
                changed_at__date__lte=held_on,
            ).exists()
            if finished:
                outcome = DemoItem.Outcome.ISSUES if rng.random() < 0.2 else DemoItem.Outcome.SHOWN
            else:
                outcome = DemoItem.Outcome.NOT_SHOWN
            demo_item_record(item=item, outcome=outcome, feedback=FEEDBACK[outcome], actor=rte)
        follow_up = demo_follow_up_add(
            demo=system_demo,
            title=FOLLOW_UPS[n % len(FOLLOW_UPS)],
            actor=rte,
            owner=pm,
            due_date=held_on + timedelta(days=7),
            today=held_on,
            at=at(held_on, 16),
        )
        if held_on + timedelta(days=7) < build.today:
            demo_follow_up_set_done(
                follow_up=follow_up, done=True, actor=rte, at=at(held_on + timedelta(days=5), 12)
            )


# The I&A problem-solving workshop of each closed PI: the problems the train voted on, and what
# answers each (the improvement items below, by title; None: voted on, not taken up).
PROBLEMS = [
    (
        0,
        "Releases take days of manual steps",
        "Release checklist kept by hand\nNo deployment pipeline for Atlas services",
        "Automate the release checklist",
    ),
    (
        0,
        "Teams wait days for a test environment",
        "Requests go through a ticket queue\nEnvironments are shared by all teams",
        "Shorten the environment request lead time",
    ),
    (
        0,
        "Features start before they are understood",
        "Acceptance criteria written during the iteration",
        "Definition of Ready for features",
    ),
    (
        0,
        "The IP iteration fills up with leftover work",
        "Carry-over is not visible until the last iteration",
        None,
    ),
    (
        1,
        "Integration breaks late between Atlas and the stream teams",
        "No contract tests\nAPI changes announced in chat only",
        "Contract tests between Atlas and stream teams",
    ),
    (
        1,
        "Dependencies surprise us at PI Planning",
        "Dependencies are found on the day\nNo shared view of them before the event",
        "Make dependencies visible before PI Planning",
    ),
    (
        1,
        "Too much work in progress per team",
        "Teams start new features while others wait for review",
        "Reduce WIP per team to three features",
    ),
    (1, "Nobody owns the shared QA queue", "QA capacity is planned by no team", None),
]


def workshop(build: Build, demo: DemoTrain, source: ProgramIncrement, votes: dict[str, int]) -> dict:
    """The I&A workshop at the end of `source`: its problems, each with the votes the train gave
    it (at most three per person, through the workshop's own service). Returns them by the title
    of the improvement that answers them."""
    index = demo.pis.index(source)
    voters = [user for name, user in demo.users.items() if name != "viewer"]
    day = source.end_date - timedelta(days=2)
    answered = {}
    cursor = 0
    for source_index, statement, causes, answer in PROBLEMS:
        if source_index != index:
            continue
        problem = problem_create(
            pi=source, statement=statement, root_causes=causes, actor=demo.users["rte"], at=at(day, 10)
        )
        for k in range(votes.get(answer, 2)):
            voter = voters[(cursor + k) % len(voters)]
            problem_vote_toggle(problem=problem, actor=voter, at=at(day, 11))
        cursor += votes.get(answer, 2)
        if answer is not None:
            answered[answer] = problem
    return answered


def improvements(build: Build, demo: DemoTrain, target: ProgramIncrement) -> None:
    """I&A of the PI before `target`: the workshop's problems, and improvement items answering them
    taken into `target`'s PI Planning (so they are in its committed plan), some done."""
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
    source = demo.pis[target_index - 1]
    problems = workshop(
        build, demo, source, {title: votes for index, title, _, votes in plans if index + 1 == target_index}
    )
    for source_index, title, status, _votes in plans:
        if source_index + 1 != target_index:
            continue
        iterations = pi_iterations(target)
        feature = FeatureFactory(
            train=demo.train,
            pi=target,
            team=fusion if status != ImprovementItem.Status.DROPPED else None,
            iteration=iterations[1] if status != ImprovementItem.Status.DROPPED else None,
            title=f"Improvement: {title}",
            kind=Feature.Kind.ENABLER,
            state=Feature.State.BACKLOG,
        )
        # Through the Kanban like any feature, so flow time sees when improvements started, and
        # with the wait any change across teams has.
        started = iterations[0].start_date + timedelta(days=3)
        # Done in time for I2's system demo, on its last Friday.
        done_day = min(iterations[1].end_date - timedelta(days=3), build.today - timedelta(days=1))
        if status in (ImprovementItem.Status.IN_PROGRESS, ImprovementItem.Status.DONE):
            feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=at(started))
            feature_set_blocked(
                feature=feature,
                blocked=True,
                at=at(started + timedelta(days=4), 11),
                reason="Waiting for the teams' Scrum Masters to agree",
            )
            feature_set_blocked(feature=feature, blocked=False, at=at(started + timedelta(days=6), 15))
        if status == ImprovementItem.Status.DONE:
            feature_set_state(feature=feature, state=Feature.State.DONE, at=at(done_day, 16))
        problem = problems[title]
        ImprovementItemFactory(
            train=demo.train,
            source_pi=source,
            source_problem=problem,
            target_pi=target if status != ImprovementItem.Status.DROPPED else None,
            feature=feature if status != ImprovementItem.Status.DROPPED else None,
            title=title,
            problem=problem.statement,
            root_causes=problem.root_causes,
            owner=rte if problem.votes.count() > 7 else pm,
            status=status,
            votes=0,
            created_at=at(source.end_date - timedelta(days=2), 14),
            done_at=feature.done_at if status == ImprovementItem.Status.DONE else None,
        )
