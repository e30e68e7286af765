"""Snapshots (metrics.services.pi_snapshot_compute): every figure from real rows, hand-computed cases,
idempotent upserts, figures as at a moment, and a query count that does not grow with the plan."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metrics import services
from metrics.models import PIRecompute, Snapshot
from planning.factories import (
    ConfidenceVoteFactory,
    DependencyFactory,
    FeatureFactory,
    PIObjectiveFactory,
    ProgramIncrementFactory,
    StoryFactory,
    TeamCapacityFactory,
)
from planning.models import Dependency, Feature, ProgramIncrement
from planning.services import feature_set_blocked, feature_set_state
from risks.factories import ImpedimentFactory, ImprovementItemFactory
from risks.models import Impediment, ImprovementItem
from trains.factories import TeamFactory

pytestmark = pytest.mark.django_db

Metric = Snapshot.Metric
PI_START = date(2026, 1, 5)  # ProgramIncrementFactory: I1 5–18 Jan, I2 19 Jan–1 Feb, … IP 2–15 Mar


def at(days: float, pi_start: date = PI_START) -> datetime:
    """A moment `days` after the PI's first midnight (local time)."""
    start = datetime.combine(pi_start, time.min, tzinfo=timezone.get_current_timezone())
    return start + timedelta(days=days)


def snapshot(pi, metric, team=None) -> Snapshot:
    return Snapshot.objects.get(pi=pi, metric=metric, team=team)


def closed_day(pi: ProgramIncrement) -> dict:
    """Compute a closed PI's figures as at its end."""
    return services.pi_snapshot_compute(pi=pi, day=pi.end_date)


def done_feature(train, pi, team, *, started: float, done: float, iteration=None, **fields) -> Feature:
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iteration, **fields)
    feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=at(started, pi.start_date))
    feature_set_state(feature=feature, state=Feature.State.DONE, at=at(done, pi.start_date))
    return feature


# --- §4.1 predictability ---------------------------------------------------------------------------


def test_predictability_counts_uncommitted_objectives_in_the_actuals_only(pi, team, other_team):
    # Apollo: committed 8 → 7 and 6 → 6, uncommitted 4 → 3: 100 × (7 + 6 + 3) / (8 + 6) = 114.29 %
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8, actual_business_value=7)
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=6, actual_business_value=6)
    PIObjectiveFactory(
        pi=pi, team=team, is_committed=False, planned_business_value=4, actual_business_value=3
    )
    # Gemini: committed 10 → 5: 50 %
    PIObjectiveFactory(pi=pi, team=other_team, planned_business_value=10, actual_business_value=5)

    closed_day(pi)

    apollo = snapshot(pi, Metric.PREDICTABILITY, team)
    assert apollo.value == pytest.approx(100 * 16 / 14)
    assert (apollo.data["actual_bv"], apollo.data["planned_committed_bv"]) == (16, 14)
    assert snapshot(pi, Metric.PREDICTABILITY, other_team).value == pytest.approx(50.0)
    art = snapshot(pi, Metric.PREDICTABILITY)
    # ART: the same sums over every objective, (16 + 5) / (14 + 10) = 87.5 %, mean of teams beside it
    assert art.value == pytest.approx(87.5)
    assert art.data["mean_of_teams"] == pytest.approx((100 * 16 / 14 + 50) / 2)
    assert art.data["band"] == [80.0, 100.0]
    assert {t["team"]: t["percent"] for t in art.data["teams"]} == {
        "Apollo": pytest.approx(100 * 16 / 14),
        "Gemini": pytest.approx(50.0),
    }


def test_no_committed_planned_value_gives_no_predictability_figure(pi, team):
    PIObjectiveFactory(
        pi=pi, team=team, is_committed=False, planned_business_value=5, actual_business_value=5
    )

    closed_day(pi)

    figure = snapshot(pi, Metric.PREDICTABILITY, team)
    assert figure.value is None
    assert figure.data["reason"] == "no_committed_value"
    assert snapshot(pi, Metric.PREDICTABILITY).value is None


def test_a_pi_whose_objectives_are_not_scored_yet_has_no_predictability_and_says_why(pi, team):
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8)
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=5)

    services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=20))

    art = snapshot(pi, Metric.PREDICTABILITY)
    assert art.value is None
    assert art.data["reason"] == "not_scored_yet"
    assert art.data["planned_committed_bv"] == 13
    assert art.data["teams_not_scored"] == 1
    assert "nor before any objective is scored" in art.data["rule"]


# --- §4.2 and §4.3 -----------------------------------------------------------------------------


def test_confidence_vote_per_scope(pi, team):
    for score in (5, 4, 2):
        ConfidenceVoteFactory(pi=pi, team=team, score=score)
    ConfidenceVoteFactory(pi=pi, team=None, score=3)

    closed_day(pi)

    apollo = snapshot(pi, Metric.CONFIDENCE, team)
    assert apollo.value == pytest.approx(11 / 3)
    assert apollo.data["counts"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert (apollo.data["voters"], apollo.data["accepted"], apollo.data["low_scores"]) == (3, True, 1)
    assert snapshot(pi, Metric.CONFIDENCE).value == 3.0


def test_load_vs_capacity_per_team_and_iteration(pi, team, other_team):
    i1, i2 = pi.iterations.order_by("number")[:2]
    TeamCapacityFactory(team=team, iteration=i1, fte=5, days_off=2)  # 8 × 5 − 2 = 38
    TeamCapacityFactory(team=team, iteration=i2, fte=5, days_off=0, capacity_override=20)
    TeamCapacityFactory(team=other_team, iteration=i1, fte=1, days_off=0)  # 8
    StoryFactory(team=team, iteration=i1, points=30)  # 30 / 38 = 78.9 %: green
    StoryFactory(team=team, iteration=i2, points=13)
    StoryFactory(team=team, iteration=i2, points=8)  # 21 / 20 = 105 %: red
    StoryFactory(team=other_team, iteration=i1, points=7)  # 7 / 8 = 87.5 %: amber

    closed_day(pi)

    apollo = snapshot(pi, Metric.LOAD, team)
    cells = {cell["iteration"]: cell for cell in apollo.data["iterations"]}
    assert (cells["I1"]["load"], cells["I1"]["capacity"], cells["I1"]["status"]) == (30, 38.0, "green")
    assert (cells["I2"]["load"], cells["I2"]["capacity"], cells["I2"]["status"]) == (21, 20.0, "red")
    assert cells["I3"]["status"] == "no capacity recorded"
    assert apollo.value == pytest.approx(100 * 51 / 58)
    gemini = snapshot(pi, Metric.LOAD, other_team)
    assert gemini.data["iterations"][0]["status"] == "amber"
    art = {cell["iteration"]: cell for cell in snapshot(pi, Metric.LOAD).data["iterations"]}
    assert (art["I1"]["load"], art["I1"]["capacity"]) == (37, 46.0)


# --- §4.5 flow ---------------------------------------------------------------------------------


def test_flow_velocity_time_and_distribution_over_the_pi(train, pi, team, other_team):
    i1 = pi.iterations.get(number=1)
    a = done_feature(train, pi, team, started=1, done=5, iteration=i1)  # 4 days
    done_feature(train, pi, team, started=2, done=12, kind=Feature.Kind.ENABLER)  # 10 days
    done_feature(train, pi, other_team, started=10, done=16)  # 6 days, in I2
    done_feature(train, pi, other_team, started=60, done=75)  # done after the PI's end: not counted
    StoryFactory(team=team, feature=a, iteration=i1, points=5)
    StoryFactory(team=team, feature=a, iteration=i1, points=3)

    closed_day(pi)

    velocity = snapshot(pi, Metric.FLOW_VELOCITY)
    assert velocity.value == 3
    assert velocity.data["by_iteration"][:2] == [
        {"iteration": "I1", "done": 2},
        {"iteration": "I2", "done": 1},
    ]
    assert snapshot(pi, Metric.FLOW_VELOCITY, team).value == 2
    flow = snapshot(pi, Metric.FLOW_TIME)
    assert flow.value == 6.0  # median of 4, 6, 10
    assert flow.data["p85_days"] == pytest.approx(6 + 0.7 * 4)  # rank 1.7 between 6 and 10
    assert [point["days"] for point in flow.data["points"]] == [4.0, 10.0, 6.0]
    distribution = snapshot(pi, Metric.FLOW_DISTRIBUTION).data["kinds"]
    assert distribution["feature"]["count"] == 2 and distribution["enabler"]["count"] == 1
    assert distribution["feature"]["points"] == 8 and distribution["feature"]["points_share"] == 100.0


def test_blocked_periods_and_impediments_lower_flow_efficiency_counted_once(train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team)
    feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=at(0))
    # Blocked flag days 2–4, an impediment blocking it days 3–6: waiting is days 2–6, 4 of 10.
    feature_set_blocked(feature=feature, blocked=True, at=at(2))
    feature_set_blocked(feature=feature, blocked=False, at=at(4))
    impediment = ImpedimentFactory(
        team=team, raised_at=at(3), resolved_at=at(6), status=Impediment.Status.RESOLVED
    )
    impediment.blocked_features.add(feature)
    feature_set_state(feature=feature, state=Feature.State.DONE, at=at(10))
    unblocked = done_feature(train, pi, team, started=0, done=10)  # 10 active days of 10

    closed_day(pi)

    efficiency = snapshot(pi, Metric.FLOW_EFFICIENCY)
    # (6 + 10) / (10 + 10) = 80 %
    assert efficiency.value == pytest.approx(80.0)
    assert efficiency.data["waiting_days"] == pytest.approx(4.0)
    assert efficiency.data["items"] == 2 and efficiency.data["blocked_items"] == 1
    assert unblocked.done_at is not None


def test_cumulative_flow_and_burn_up_are_daily_series_from_the_state_history(train, pi, team):
    i1 = pi.iterations.get(number=1)
    feature = done_feature(train, pi, team, started=1.5, done=3.5, iteration=i1)
    FeatureFactory(train=train, pi=pi, team=None, state=Feature.State.BACKLOG)  # unplanned: not committed
    StoryFactory(team=team, feature=feature, iteration=i1, points=5, state="done", done_at=at(2.5))
    StoryFactory(team=team, feature=feature, iteration=i1, points=3)

    services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=4))

    cfd = snapshot(pi, Metric.CUMULATIVE_FLOW).data
    assert cfd["days"] == [(PI_START + timedelta(days=n)).isoformat() for n in range(5)]
    assert cfd["series"]["backlog"] == [2, 1, 1, 1, 1]
    assert cfd["series"]["implementing"] == [0, 1, 1, 0, 0]
    assert cfd["series"]["done"] == [0, 0, 0, 1, 1]
    burn_up = snapshot(pi, Metric.BURN_UP)
    assert burn_up.data["features_scope"] == 1
    assert burn_up.data["features_done"] == [0, 0, 0, 1, 1]
    assert burn_up.data["points_done"] == [0, 0, 5, 5, 5]
    assert burn_up.data["points_scope"] == 8
    assert burn_up.value == 100.0
    wip = snapshot(pi, Metric.FLOW_LOAD)
    assert wip.data["series"] == [
        [day, count] for day, count in zip(cfd["days"], [0, 1, 1, 0, 0], strict=True)
    ]


# --- §4.6 other figures ----------------------------------------------------------------------------


def test_carry_over_and_completion_across_iterations(pi, team):
    i1, i2, i3 = pi.iterations.order_by("number")[:3]
    StoryFactory(team=team, iteration=i1, points=5, state="done", done_at=at(10))
    StoryFactory(team=team, iteration=i1, points=3, state="done", done_at=at(20))  # carried into I2
    StoryFactory(team=team, iteration=i2, points=2, state="done", done_at=at(27))
    StoryFactory(team=team, iteration=i3, points=1, state="done", done_at=at(16))  # pulled into I2

    # As at the end of I2 (1 Feb): I1 and I2 have ended, I3 has not.
    services.pi_snapshot_compute(pi=pi, day=date(2026, 2, 1))

    carry = snapshot(pi, Metric.CARRY_OVER, team)
    assert [row["carry_over_pct"] for row in carry.data["iterations"]] == [pytest.approx(37.5), 0.0]
    # pooled over I1 and I2: (8 + 2 − 5 − 2) / 10 = 30 %
    assert carry.value == pytest.approx(30.0)
    completion = snapshot(pi, Metric.ITERATION_COMPLETION, team)
    assert [row["completion_pct"] for row in completion.data["iterations"]] == [62.5, 150.0]
    assert completion.value == pytest.approx(80.0)  # (5 + 2 + 1) / 10


def test_no_iteration_ended_yet_gives_no_carry_over(pi, team):
    StoryFactory(team=team, iteration=pi.iterations.get(number=1), points=5)

    services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=3))

    assert snapshot(pi, Metric.CARRY_OVER, team).value is None
    assert snapshot(pi, Metric.CARRY_OVER, team).data["ended_iterations"] == 0


def test_dependency_aging_and_blocker_resolution_as_at_the_day(pi, team, other_team):
    DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team, created_at=at(0))
    DependencyFactory(
        pi=pi,
        requesting_team=team,
        providing_team=other_team,
        created_at=at(6),
        state=Dependency.State.BLOCKED,
    )
    # Delivered on day 9, after the day computed: still unresolved then.
    DependencyFactory(
        pi=pi,
        requesting_team=other_team,
        providing_team=team,
        created_at=at(2),
        state=Dependency.State.DELIVERED,
        resolved_at=at(9),
    )
    ImpedimentFactory(team=team, raised_at=at(1), resolved_at=at(4), status=Impediment.Status.RESOLVED)
    ImpedimentFactory(team=team, raised_at=at(2), resolved_at=at(3), status=Impediment.Status.RESOLVED)
    ImpedimentFactory(team=other_team, raised_at=at(5))

    services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=7))  # as at day 8's midnight

    aging = snapshot(pi, Metric.DEPENDENCY_AGING)
    # ages 8, 2 and 6 days: median 6, max 8
    assert aging.data["by_state"]["all"] == {"count": 3, "median_days": 6.0, "max_days": 8.0}
    assert aging.data["by_state"]["unresolved"]["count"] == 1
    assert aging.data["by_state"]["blocked"]["max_days"] == 2.0
    assert snapshot(pi, Metric.DEPENDENCY_AGING, team).value == 5.0  # requested by Apollo: 8 and 2
    blockers = snapshot(pi, Metric.BLOCKER_RESOLUTION)
    assert blockers.value == 2.0  # median of 3 and 1 days
    assert blockers.data["open_ages_days"] == [3.0]
    assert snapshot(pi, Metric.BLOCKER_RESOLUTION, team).data["open_count"] == 0


def test_improvement_throughput_of_items_taken_into_the_pi(train, pi):
    source = ProgramIncrementFactory(train=train, name="PI 6", start_date=PI_START - timedelta(days=70))
    ImprovementItemFactory(source_pi=source, target_pi=pi, status=ImprovementItem.Status.DONE, done_at=at(20))
    ImprovementItemFactory(source_pi=source, target_pi=pi, status=ImprovementItem.Status.IN_PROGRESS)
    ImprovementItemFactory(source_pi=source, target_pi=pi, status=ImprovementItem.Status.DONE, done_at=at(80))
    ImprovementItemFactory(source_pi=source, target_pi=None, status=ImprovementItem.Status.DROPPED)

    closed_day(pi)

    throughput = snapshot(pi, Metric.IMPROVEMENT_THROUGHPUT)
    # taken 3; done by the PI's end 1 (the other was done after it ended)
    assert (throughput.data["taken"], throughput.data["done"]) == (3, 1)
    assert throughput.value == pytest.approx(100 / 3)


def test_forecast_counts_only_committed_features_and_samples_history(train, team):
    previous = ProgramIncrementFactory(train=train, name="PI 6", start_date=PI_START - timedelta(days=70))
    # History: 2 features done in each of the previous PI's five iterations.
    for it in previous.iterations.all():
        for hour in (10, 14):
            feature = FeatureFactory(train=train, pi=previous, team=team)
            moment = datetime.combine(
                it.start_date + timedelta(days=3), time(hour), tzinfo=timezone.get_current_timezone()
            )
            feature_set_state(
                feature=feature, state=Feature.State.IMPLEMENTING, at=moment - timedelta(days=2)
            )
            feature_set_state(feature=feature, state=Feature.State.DONE, at=moment)
    pi = ProgramIncrementFactory(
        train=train, name="PI 7", start_date=PI_START, state=ProgramIncrement.State.EXECUTING
    )
    i1, i2 = pi.iterations.order_by("number")[:2]
    committed = PIObjectiveFactory(pi=pi, team=team, is_committed=True)
    uncommitted = PIObjectiveFactory(pi=pi, team=team, is_committed=False)
    linked = FeatureFactory(train=train, pi=pi, team=team, iteration=i1)
    committed.features.add(linked)
    FeatureFactory(train=train, pi=pi, team=team, iteration=i2)  # planned, no objective: committed
    only_uncommitted = FeatureFactory(train=train, pi=pi, team=team, iteration=i2)
    uncommitted.features.add(only_uncommitted)  # serves only an uncommitted objective: not committed
    FeatureFactory(train=train, pi=pi, team=None)  # not on the board: not committed
    done = done_feature(train, pi, team, started=1, done=3, iteration=i1)  # committed, done in I1

    services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=6))

    forecast = snapshot(pi, Metric.FORECAST)
    assert (forecast.data["committed"], forecast.data["done"], forecast.data["remaining"]) == (3, 1, 2)
    assert [row["done"] for row in forecast.data["history"]] == [2, 2, 2, 2, 2]
    # The current iteration I1 is drawn whole: the feature already done in it is added back, so
    # 3 must be done with 2 per iteration: I1 + I2 give 4 ≥ 3 in every trial.
    assert forecast.data["done_in_current_iteration"] == 1
    assert forecast.value == 100.0
    assert forecast.data["date_85"] == i2.end_date.isoformat()
    assert forecast.data["by_end"][0] == {"end": i1.end_date.isoformat(), "iteration": "I1", "share": 0.0}
    assert done.is_blocked is False


def test_a_pi_that_has_ended_reports_its_outcome_not_a_probability(train, pi, team):
    FeatureFactory(train=train, pi=pi, team=team, iteration=pi.iterations.first())

    closed_day(pi)

    forecast = snapshot(pi, Metric.FORECAST)
    assert forecast.value is None
    assert forecast.data["reason"] == "pi_ended"
    assert forecast.data["remaining"] == 1


# --- upserts, history, as_of -----------------------------------------------------------------------


def rows(pi) -> list[tuple]:
    return sorted(
        Snapshot.objects.filter(pi=pi).values_list(
            "pk", "team_id", "metric", "day", "value", "data", "computed_at"
        ),
        key=repr,
    )


def test_running_twice_changes_nothing(train, pi, team):
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8, actual_business_value=6)
    done_feature(train, pi, team, started=1, done=9)
    first = services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=30))
    before = rows(pi)

    second = services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=30))

    assert first["written"] == len(before) > 0
    assert second["written"] == 0
    assert rows(pi) == before  # the same rows, keys, figures and computation times


def test_a_change_rewrites_only_the_figures_it_changes_and_keeps_earlier_days(train, pi, team):
    objective = PIObjectiveFactory(pi=pi, team=team, planned_business_value=8, actual_business_value=6)
    services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=30))
    earlier = rows(pi)
    objective.actual_business_value = 8
    objective.save()

    result = services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=30))

    assert result["written"] == 2  # the team's predictability and the ART's
    assert snapshot(pi, Metric.PREDICTABILITY, team).value == 100.0
    services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=31))
    assert Snapshot.objects.filter(pi=pi).values("day").distinct().count() == 2
    assert len(rows(pi)) == 2 * len(earlier)


def test_a_closed_pi_recomputed_later_shows_its_figures_as_at_its_end(train, pi, team):
    feature = done_feature(train, pi, team, started=1, done=9)
    closed_day(pi)
    before = rows(pi)
    # After the PI ended the feature is reopened: the closed PI's figures must not change.
    feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=at(80))

    result = services.pi_snapshot_compute(pi=pi)  # today: long after the PI's end

    assert result["day"] == pi.end_date.isoformat()
    assert result["written"] == 0
    assert rows(pi) == before


def test_snapshot_data_names_teams_and_iterations_never_database_ids(pi, team):
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8, actual_business_value=6)

    closed_day(pi)

    load = snapshot(pi, Metric.LOAD).data
    assert load["teams"][0]["team"] == "Apollo"
    assert [cell["iteration"] for cell in load["iterations"]] == ["I1", "I2", "I3", "I4", "IP"]


def test_a_failed_write_leaves_the_previous_figures_and_the_next_run_repairs(pi, team, monkeypatch):
    objective = PIObjectiveFactory(pi=pi, team=team, planned_business_value=8, actual_business_value=4)
    services.pi_recompute(pi_id=pi.pk)
    before = rows(pi)
    objective.actual_business_value = 8
    objective.save()
    TeamFactory(train=pi.train, name="Newcomers")  # new rows to insert beside the changed ones
    services.pi_mark_changed(pi.pk)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patched:
        patched.setattr(Snapshot.objects, "bulk_create", crash)
        with pytest.raises(RuntimeError):
            services.pi_recompute(pi_id=pi.pk)

    assert rows(pi) == before  # the changed figures were rolled back with the failed inserts
    state = PIRecompute.objects.get(pi=pi)
    assert state.is_stale and state.running_since is None
    assert state.last_error == "RuntimeError: worker killed"

    services.pi_recompute(pi_id=pi.pk)

    state.refresh_from_db()
    assert not state.is_stale and state.last_error == ""
    assert snapshot(pi, Metric.PREDICTABILITY, team).value == 100.0


# --- cost --------------------------------------------------------------------------------------


def build_plan(train, pi, teams, feature_count: int) -> None:
    """A PI with features in every state, stories, history, blocks, impediments and dependencies."""
    iterations = list(pi.iterations.order_by("number"))
    for team in teams:
        PIObjectiveFactory(pi=pi, team=team, planned_business_value=7, actual_business_value=5)
        ConfidenceVoteFactory(pi=pi, team=team, score=4)
        for iteration in iterations:
            TeamCapacityFactory(team=team, iteration=iteration)
    for n in range(feature_count):
        team, iteration = teams[n % len(teams)], iterations[n % 4]
        feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iteration)
        feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=at(1 + n % 20))
        if n % 3 == 0:
            feature_set_blocked(feature=feature, blocked=True, at=at(2 + n % 20))
            feature_set_blocked(feature=feature, blocked=False, at=at(3 + n % 20))
        if n % 2 == 0:
            feature_set_state(feature=feature, state=Feature.State.DONE, at=at(8 + n % 30))
        StoryFactory(team=team, feature=feature, iteration=iteration, points=3)
        StoryFactory(team=team, feature=feature, iteration=iteration, points=5, state="done", done_at=at(9))
        if n % 5 == 0:
            ImpedimentFactory(team=team, raised_at=at(n % 20)).blocked_features.add(feature)
            DependencyFactory(
                pi=pi, requesting_team=team, providing_team=teams[(n + 1) % len(teams)], created_at=at(1)
            )


@pytest.mark.parametrize("feature_count", [2, 60])
def test_a_recompute_costs_the_same_queries_for_2_features_and_for_60(
    train, feature_count, django_assert_num_queries
):
    teams = [TeamFactory(train=train, name=name) for name in ("Ares", "Boreas", "Castor")]
    ProgramIncrementFactory(train=train, name="PI 6", start_date=PI_START - timedelta(days=70))
    pi = ProgramIncrementFactory(train=train, name="PI 7", start_date=PI_START)
    build_plan(train, pi, teams, feature_count)

    # 16 reads, 3 of delivery events (deployments, incidents, defects), the day's existing rows, the
    # insert, two savepoints and their releases; PostgreSQL adds the advisory lock.
    expected = 26 if connection.vendor == "postgresql" else 25
    with django_assert_num_queries(expected):
        services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=40))
    # A second run with one figure changed: an update instead of the insert, same count.
    Feature.objects.filter(pi=pi, state=Feature.State.IMPLEMENTING).update(title="Renamed")
    PIObjectiveFactory(pi=pi, team=teams[0], planned_business_value=3, actual_business_value=3)
    with CaptureQueriesContext(connection) as second:
        services.pi_snapshot_compute(pi=pi, day=PI_START + timedelta(days=40))
    assert len(second) == expected
