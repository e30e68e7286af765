"""Executing the demo's PIs: dependencies agreed at PI Planning and what became of them, the re-plan
after the commit, and features and stories moving through the PI up to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F

from planning.factories import DependencyFactory
from planning.models import Dependency, Feature, FeatureStateChange, ProgramIncrement, Story
from planning.services import feature_create, feature_move, feature_set_blocked, feature_set_state

from .common import Build, DemoTrain, at, pi_iterations


def dependencies(
    build: Build, demo: DemoTrain, pi: ProgramIncrement, *, closed: bool
) -> list[tuple[Dependency, str, datetime | None]]:
    """Dependencies agreed at PI Planning (requested or committed), with the state each reaches
    in execution (`closed`: the PI will be run to its end): every state in the executing PI,
    where some strings are red."""
    rng = build.rng
    iterations = [it for it in pi_iterations(pi) if not it.is_ip]
    planned = {team.pk: build.features[pi.pk][team.pk] for team in demo.teams}
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
        if state in Dependency.RESOLVED_STATES:
            # Delivered on time: needed early, by a feature its provider planned no later.
            requesting_feature = rng.choice(_planned_in(planned[requester.pk], 1, 2 if not closed else 4))
            providing_feature = rng.choice(
                _planned_in(planned[provider.pk], 1, requesting_feature.iteration.number)
            )
        else:
            # Still open mid-PI: needed by the next iteration's work (by the current one's where the
            # provider plans it too late, below), provided by the next iteration's.
            needed_in = 3 if n in (3, 7) else 4
            requesting_feature = rng.choice(_planned_in(planned[requester.pk], needed_in, needed_in))
            providing_feature = rng.choice(_planned_in(planned[provider.pk], 4, 4))
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
            at(min(needed_by.end_date, build.today - timedelta(days=1)), 16)
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


def _planned_in(features: list[Feature], first: int, last: int) -> list[Feature]:
    """The features planned in iterations `first`..`last`, or all of them if none is."""
    return [f for f in features if first <= f.iteration.number <= last] or features


def unresolved(outcomes: list[tuple[Dependency, str, datetime | None]]) -> list[tuple[Dependency, str]]:
    return [(d, state) for d, state, _ in outcomes if state not in Dependency.RESOLVED_STATES]


def holds(build: Build, outcomes) -> dict[int, Hold]:
    """The features an open dependency holds back: both ends; a blocked one's provider is blocked."""
    held: dict[int, Hold] = {}
    for dependency, state in unresolved(outcomes):
        if state == Dependency.State.BLOCKED and dependency.providing_feature_id:
            held[dependency.providing_feature_id] = Hold(
                since=build.today - timedelta(days=build.rng.randint(4, 9)),
                blocks=True,
                reason=f"Blocked: {dependency.description}"[:200],
            )
        for feature_id in (dependency.requesting_feature_id, dependency.providing_feature_id):
            if feature_id is not None:
                held.setdefault(feature_id, Hold(since=None, blocks=False))
    return held


def settle(outcomes: list[tuple[Dependency, str, datetime | None]]) -> None:
    """Execution's outcome for each dependency: what "plan vs now" reports as changed. A delivered
    dependency was delivered no later than its provider finished, nor than the feature that needed
    it finished."""
    for dependency, state, resolved in outcomes:
        if state == Dependency.State.DELIVERED:
            done = Feature.objects.filter(
                pk__in=[dependency.requesting_feature_id, dependency.providing_feature_id],
                done_at__isnull=False,
            ).values_list("done_at", flat=True)
            resolved = max(min([resolved, *done]), dependency.created_at + timedelta(days=1))
        if state != dependency.state:
            Dependency.objects.filter(pk=dependency.pk).update(
                state=state, resolved_at=resolved, version=F("version") + 1
            )


def replan(build: Build, demo: DemoTrain, pi: ProgramIncrement) -> None:
    """Changes since the commit, for "plan vs now": at the I2 planning one feature slipped an
    iteration, one came in (a regulator's deadline) and one was dropped to make room."""
    iterations = [it for it in pi_iterations(pi) if not it.is_ip]
    by_name = {team.name: team for team in demo.teams}
    planned = build.features[pi.pk]
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
    # Its remaining work slips with it.
    Story.objects.filter(feature=slipping, iteration=iterations[2]).update(iteration=iterations[3])
    feature_move(
        feature=slipping,
        team_id=slipping.team_id,
        iteration_id=iterations[3].pk,
        expected_version=slipping.version,
        at=at(iterations[1].start_date),
    )

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
    feature_move(feature=dropped, team_id=None, iteration_id=None, expected_version=dropped.version)

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
    # Designed in I3 to meet the deadline, built and tested in I4.
    Story.objects.bulk_create(
        Story(
            team=borealis,
            feature=added,
            iteration=iterations[2 if verb == "Design" else 3],
            title=f"{verb} strong customer authentication",
            points=points,
        )
        for verb, points in (("Design", 3), ("Build", 5), ("Test", 3))
    )
    planned[borealis.pk].append(added)


# Why a feature waits, besides an impediment or a blocked dependency (flow efficiency counts it).
WAITING_REASONS = [
    "Waiting for the shared test environment",
    "Waiting for a review by the System Architect",
    "Waiting on another team's merge",
    "Waiting for the Business Owner's acceptance",
    "Waiting for production access",
]


@dataclass(frozen=True)
class Hold:
    """What keeps a feature from Done: an open impediment raised on `since`, a blocked dependency it
    provides (blocked since `since`), or an open dependency it needs or provides (`since` None)."""

    since: date | None
    # Whether execution sets the feature's blocked flag from `since`: for a blocked dependency, not
    # for an impediment, whose own service sets it when it is raised.
    blocks: bool
    reason: str = ""


def execute(
    build: Build,
    demo: DemoTrain,
    pi: ProgramIncrement,
    *,
    closed: bool,
    holds: dict[int, Hold],
    impeded: dict[int, tuple[date, date]],
) -> None:
    """Run the PI up to today (`closed`: to its end, and BV is scored): features move through the
    Kanban as their stories get done. A feature is Done only when all its stories are, nothing
    blocks it and no dependency it needs or provides is still open (`holds`); a resolved impediment
    (`impeded`: raised, resolved) delays it."""
    rng = build.rng
    horizon = pi.end_date if closed else build.today
    for team in demo.teams:
        for feature in build.features[pi.pk][team.pk]:
            _run(rng, pi, feature, horizon, hold=holds.get(feature.pk), impeded=impeded.get(feature.pk))
        if closed:
            for objective in pi.objectives.filter(team=team):
                planned = objective.planned_business_value
                objective.actual_business_value = max(0, min(10, planned - rng.choice([0, 0, 1, 2, 3, -1])))
                objective.save(update_fields=["actual_business_value"])


def _run(rng, pi, feature: Feature, horizon: date, *, hold: Hold | None, impeded) -> None:
    stories = list(feature.stories.select_related("iteration").order_by("iteration__number", "pk"))
    first = min((s.iteration.start_date for s in stories), default=feature.iteration.start_date)
    start_day = max(pi.start_date, first - timedelta(days=rng.randint(0, 3)))
    for day in (hold.since if hold else None, impeded[0] if impeded else None):
        if day is not None:
            start_day = min(start_day, day - timedelta(days=1))
    if start_day >= horizon:
        return
    delay = (impeded[1] - impeded[0]) if impeded else timedelta(0)
    # Stories finish within their iteration, by the system demo on its last Friday. About one
    # feature in five slips: its last stories are carried over a few days into the next iteration
    # (and it misses its demo); now and then an earlier story is carried over too.
    last_iteration = max((s.iteration.number for s in stories), default=0)
    slips = rng.random() < 0.2
    finishes = []
    for story in stories:
        finish = story.iteration.end_date - timedelta(days=2 + rng.randint(0, 6))
        final = story.iteration.number == last_iteration
        if (slips and final and finish >= story.iteration.end_date - timedelta(days=5)) or (
            not final and rng.random() < 0.1
        ):
            finish += timedelta(days=rng.randint(2, 8))
        if impeded and finish >= impeded[0]:
            finish += delay
        finishes.append(max(finish, start_day + timedelta(days=1)))
    open_stories = set()
    if hold is not None and stories:
        # The work that waits: what is left after `since`, or at least the last story.
        last = max(range(len(stories)), key=lambda i: finishes[i])
        open_stories = {i for i, f in enumerate(finishes) if hold.since and f >= hold.since} | {last}
    # Validated (the Business Owners' acceptance) from the day its last story is done.
    validating_day = max(finishes, default=feature.iteration.end_date - timedelta(days=3))
    done_day = validating_day + timedelta(days=rng.randint(2, 6))
    if impeded:
        done_day = max(done_day, impeded[1] + timedelta(days=1))

    # Waiting: a few short stretches while in progress, never overlapping an impediment's or the hold's.
    end_of_waiting = min(d for d in (validating_day, hold.since if hold else None) if d is not None)
    span = max(1, (end_of_waiting - start_day).days - 1)
    periods = []
    for _ in range(rng.choice([1, 2, 2, 3])):
        begin = start_day + timedelta(days=rng.randint(1, span))
        periods.append((begin, begin + timedelta(days=rng.randint(1, 4)), rng.choice(WAITING_REASONS)))
    waiting, covered = [], start_day
    for begin, end, reason in sorted(periods):
        begin = max(begin, covered)
        end = min(end, end_of_waiting - timedelta(days=1))
        if impeded and begin < impeded[1] and end > impeded[0]:
            continue
        if begin < end and begin < horizon:
            waiting.append((begin, end, reason))
            covered = end + timedelta(days=1)

    feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=at(start_day, 9))
    for begin, end, reason in waiting:
        feature_set_blocked(feature=feature, blocked=True, at=at(begin, 11), reason=reason)
        if end < horizon or pi.end_date <= horizon:
            feature_set_blocked(feature=feature, blocked=False, at=at(min(end, horizon), 15))
    if hold is not None and hold.blocks and hold.since < horizon:
        feature_set_blocked(feature=feature, blocked=True, at=at(hold.since, 11), reason=hold.reason)
    if hold is None and not feature.is_blocked:
        if validating_day < horizon:
            feature_set_state(feature=feature, state=Feature.State.VALIDATING, at=at(validating_day, 14))
        if done_day < horizon and done_day <= pi.end_date:
            feature_set_state(feature=feature, state=Feature.State.DONE, at=at(done_day, 16))
    for index, (story, finish) in enumerate(zip(stories, finishes, strict=True)):
        if finish < horizon and index not in open_stories:
            Story.objects.filter(pk=story.pk).update(state=Story.State.DONE, done_at=at(finish, 12))
        elif story.iteration.start_date <= horizon:
            Story.objects.filter(pk=story.pk).update(state=Story.State.IN_PROGRESS)
