"""Executing the demo's PIs: dependencies agreed at PI Planning and what became of them, the re-plan
after the commit, and features and stories moving through the PI up to today."""

from __future__ import annotations

from datetime import datetime, timedelta

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


def settle(outcomes: list[tuple[Dependency, str, datetime | None]]) -> None:
    """Execution's outcome for each dependency: what "plan vs now" reports as changed."""
    for dependency, state, resolved in outcomes:
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


def execute(build: Build, demo: DemoTrain, pi: ProgramIncrement, *, closed: bool) -> None:
    """Run the PI up to today (`closed`: to its end, and BV is scored): features move through the
    Kanban, stories get done."""
    rng = build.rng
    horizon = pi.end_date if closed else build.today
    for team in demo.teams:
        for feature in build.features[pi.pk][team.pk]:
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
                feature_set_state(feature=feature, state=Feature.State.VALIDATING, at=at(validating_day, 14))
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
                    Story.objects.filter(pk=story.pk).update(state=Story.State.DONE, done_at=at(finish, 12))
                elif story.iteration.start_date <= horizon:
                    Story.objects.filter(pk=story.pk).update(state=Story.State.IN_PROGRESS)
        if closed:
            for objective in pi.objectives.filter(team=team):
                planned = objective.planned_business_value
                objective.actual_business_value = max(0, min(10, planned - rng.choice([0, 0, 1, 2, 3, -1])))
                objective.save(update_fields=["actual_business_value"])
