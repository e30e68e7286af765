"""The demo's PI Planning (domain.md §5): baselines, plan vs now, and the next PI being prepared."""

import pytest

from planning.calculations import load_status
from planning.models import (
    Dependency,
    Feature,
    FeatureStateChange,
    PlanBaseline,
    ProgramIncrement,
    Story,
    TeamCapacity,
)
from planning.selectors.baseline import plan_vs_now
from planning.selectors.lifecycle import pi_readiness

from .common import closed_pis_of, draft_pi_of, executing_pi_of

pytestmark = pytest.mark.django_db


def test_every_pi_has_its_business_owners(demo):
    for pi in demo.pis.all():
        assert set(pi.business_owners.values_list("username", flat=True)) == {"bo", "bo2"}, pi.name


def test_each_planned_pi_has_one_baseline_committed_by_the_rte_at_the_end_of_planning(demo):
    planned = [*closed_pis_of(demo), executing_pi_of(demo)]

    for pi in planned:
        baseline = pi.baselines.get()
        assert baseline.committed_at == pi.committed_at
        assert baseline.committed_at.date() < pi.start_date
        assert baseline.committed_by.username == "rte"
        assert baseline.plan["features"] and baseline.plan["objectives"] and baseline.plan["dependencies"]
    assert not draft_pi_of(demo).baselines.exists()


def test_baselines_hold_dependencies_as_agreed_at_planning_not_their_outcome(demo):
    states = {
        row["state"]
        for baseline in PlanBaseline.objects.filter(pi__train=demo)
        for row in baseline.plan["dependencies"]
    }

    assert states <= {Dependency.State.REQUESTED, Dependency.State.COMMITTED}


def test_the_closed_pis_ran_to_their_committed_plan_of_features(demo):
    for pi in closed_pis_of(demo):
        changes = plan_vs_now(pi)
        assert changes.baseline is not None
        assert (changes.features_moved, changes.features_added, changes.features_dropped) == ([], [], [])
        assert {change.now["state"] for change in changes.dependencies_changed} <= set(
            Dependency.RESOLVED_STATES
        )


def test_the_executing_pis_plan_vs_now_shows_a_moved_an_added_and_a_dropped_feature(demo):
    pi = executing_pi_of(demo)

    changes = plan_vs_now(pi)

    [moved] = changes.features_moved
    assert (moved.was["team"], moved.was["iteration"]) == (moved.now["team"], "I3")
    assert moved.now["iteration"] == "I4"
    [added] = changes.features_added
    assert added.now["title"] == "Strong customer authentication update – Borealis"
    assert added.now["team"] == "Borealis"
    [dropped] = changes.features_dropped
    feature = Feature.objects.get(pk=dropped.was["id"])
    assert (feature.pi_id, feature.team_id, feature.iteration_id) == (pi.pk, None, None)
    assert not feature.stories.filter(iteration__isnull=False).exists()
    assert changes.dependencies_changed


def test_the_feature_added_after_the_commit_arrived_after_it_and_has_stories(demo):
    pi = executing_pi_of(demo)
    feature = pi.features.get(title="Strong customer authentication update – Borealis")

    arrived = FeatureStateChange.objects.get(feature=feature, from_state="")

    assert pi.committed_at < arrived.changed_at < feature.started_at
    assert feature.stories.filter(iteration=feature.iteration).exists()


def test_the_draft_pi_is_partly_ready_for_planning(demo):
    pi = draft_pi_of(demo)

    readiness = pi_readiness(pi)

    assert 0 < readiness.percent < 100
    passed = {item.key: item.passed for item in readiness.items}
    assert passed["business_owners"] and not passed["capacity"]


def test_five_of_the_seven_teams_entered_capacity_for_every_development_iteration_of_the_draft_pi(demo):
    pi = draft_pi_of(demo)
    development = pi.iterations.filter(is_ip=False)
    rows = TeamCapacity.objects.filter(iteration__pi=pi)

    per_team = {
        team: rows.filter(team__name=team, iteration__in=development).count()
        for team in rows.values_list("team__name", flat=True).distinct()
    }

    assert demo.teams.count() == 7
    assert per_team == dict.fromkeys(per_team, development.count()) and len(per_team) == 5
    assert not rows.filter(iteration__is_ip=True).exists()
    assert rows.filter(capacity_override__isnull=False).values("team").distinct().count() == 1
    assert rows.values("fte").distinct().count() > 1
    assert rows.values("days_off").distinct().count() > 1


def test_at_least_one_team_iteration_of_the_draft_pi_is_over_capacity(demo):
    """§4.3: load is the points of the team's stories in the iteration; over 100 % is red."""
    pi = draft_pi_of(demo)
    load: dict[tuple[int, int], int] = {}
    for team_id, iteration_id, points in Story.objects.filter(iteration__pi=pi).values_list(
        "team_id", "iteration_id", "points"
    ):
        load[team_id, iteration_id] = load.get((team_id, iteration_id), 0) + points

    statuses = [
        load_status(load.get((row.team_id, row.iteration_id), 0), row.capacity_points)
        for row in TeamCapacity.objects.filter(iteration__pi=pi)
    ]

    assert "red" in statuses
    assert "green" in statuses


def test_the_draft_pi_has_features_pulled_onto_teams_and_draft_objectives_without_business_value(demo):
    pi = draft_pi_of(demo)

    pulled = pi.features.filter(team__isnull=False)
    objectives = pi.objectives.all()

    assert pulled.exists() and pi.features.filter(team__isnull=True).exists()
    assert not pulled.filter(iteration__isnull=False).exists()
    assert objectives.values("team").distinct().count() == 2
    assert all(objective.planned_business_value is None for objective in objectives)
    assert Story.objects.filter(iteration__pi=pi).values("team").distinct().count() == 2
    assert pi.state == ProgramIncrement.State.DRAFT and pi.committed_at is None
