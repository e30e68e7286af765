"""Unit tests for the formulas of domain.md §4.5–4.6 (metrics.calculations): plain values, no
database. §4.1–4.4 are planning's (tests/planning/test_calculations.py)."""

import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from metrics.calculations import (
    AgingSummary,
    BlockedPeriod,
    FlowItem,
    StateChange,
    StateHistory,
    StoryItem,
    blocker_resolution,
    carry_over_pct,
    cumulative_done,
    cumulative_flow,
    dependency_aging,
    flow_distribution,
    flow_efficiency,
    flow_efficiency_summary,
    flow_load_series,
    flow_time,
    flow_velocity,
    improvement_throughput,
    is_committed_feature,
    iteration_completion_pct,
    iteration_outcomes,
    littles_law,
    mean_flow_efficiency,
    monte_carlo_forecast,
    open_aging_series,
    percentile,
    throughput_per_window,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# --- §4.5 Flow -------------------------------------------------------------------------------------


def test_percentile_interpolates_linearly_between_closest_ranks():
    values = [4, 1, 3, 2]  # sorted 1, 2, 3, 4
    assert percentile(values, 50) == pytest.approx(2.5)  # rank 1.5
    assert percentile(values, 85) == pytest.approx(3.55)  # rank 2.55 -> 3 + 0.55 x (4 - 3)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    # same as the standard library's "inclusive" method (85th = 17th of 19 cut points)
    assert percentile(values, 85) == pytest.approx(statistics.quantiles(values, n=20, method="inclusive")[16])


def test_percentile_of_one_value_and_of_none():
    assert percentile([7], 85) == 7.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def flow_item(key, *, started, done, kind="feature", points=0):
    return FlowItem(
        key=key,
        kind=kind,
        points=points,
        started_at=None if started is None else day(started),
        done_at=None if done is None else day(done),
    )


WINDOW = (day(10), day(40))
FLOW_ITEMS = [
    flow_item(1, started=8, done=10),  # 2 days, done exactly at window start: in
    flow_item(2, started=11, done=15),  # 4 days
    flow_item(3, started=14, done=20),  # 6 days
    flow_item(4, started=20, done=30),  # 10 days
    flow_item(5, started=None, done=25),  # done without a start: velocity only
    flow_item(6, started=30, done=40),  # done exactly at window end: out
    flow_item(7, started=1, done=5),  # before the window: out
    flow_item(8, started=35, done=None),  # still in progress
]


def test_flow_velocity_counts_items_done_in_the_half_open_window():
    assert flow_velocity(FLOW_ITEMS, *WINDOW) == 5  # items 1-5


def test_flow_time_reports_median_p85_and_mean_of_items_with_a_start():
    summary = flow_time(FLOW_ITEMS, *WINDOW)
    # durations 2, 4, 6, 10
    assert summary.count == 4
    assert summary.median_days == pytest.approx(5.0)  # (4 + 6) / 2
    assert summary.p85_days == pytest.approx(8.2)  # rank 3 x 0.85 = 2.55 -> 6 + 0.55 x 4
    assert summary.mean_days == pytest.approx(5.5)  # 22 / 4


def test_flow_time_of_an_empty_window_has_no_figures():
    summary = flow_time(FLOW_ITEMS, day(100), day(110))
    assert (summary.count, summary.median_days, summary.p85_days, summary.mean_days) == (0, None, None, None)


def test_flow_load_series_counts_wip_at_the_end_of_each_local_day():
    paris = ZoneInfo("Europe/Paris")  # UTC+1 in early March
    items = [
        FlowItem(
            "x", "feature", 0, datetime(2025, 3, 1, 10, tzinfo=paris), datetime(2025, 3, 2, 15, tzinfo=paris)
        ),
        # 22:30 UTC is 23:30 in Paris: still 2 March locally
        FlowItem("y", "feature", 0, datetime(2025, 3, 2, 22, 30, tzinfo=UTC), None),
        # started on the stroke of local midnight: belongs to 3 March
        FlowItem("z", "feature", 0, datetime(2025, 3, 3, 0, 0, tzinfo=paris), None),
        FlowItem("never", "feature", 0, None, None),
    ]
    days = [date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 3)]
    assert flow_load_series(items, days, paris) == [
        (date(2025, 3, 1), 1),  # x
        (date(2025, 3, 2), 1),  # y (x was done in the afternoon)
        (date(2025, 3, 3), 2),  # y and z
    ]


def test_flow_efficiency_is_lowered_by_a_blocked_period():
    # 10 days of flow, 2 blocked -> 8 / 10
    assert flow_efficiency(day(0), day(10), [BlockedPeriod(day(2), day(4))]) == pytest.approx(80.0)
    assert flow_efficiency(day(0), day(10), []) == pytest.approx(100.0)


def test_flow_efficiency_does_not_double_count_overlapping_blocked_periods():
    # days 2-5 and 4-6 overlap: waiting is days 2-6 = 4, not 3 + 2 = 5 -> 6 / 10
    overlapping = [BlockedPeriod(day(4), day(6)), BlockedPeriod(day(2), day(5))]
    assert flow_efficiency(day(0), day(10), overlapping) == pytest.approx(60.0)
    # a period inside another adds nothing
    nested = [BlockedPeriod(day(2), day(6)), BlockedPeriod(day(3), day(4))]
    assert flow_efficiency(day(0), day(10), nested) == pytest.approx(60.0)


def test_flow_efficiency_clips_blocked_periods_to_the_flow_and_ends_open_ones_at_done():
    # blocked from day -3 to 1 counts 1 day; still open from day 8 counts 2 days -> 7 / 10
    blocked = [BlockedPeriod(day(-3), day(1)), BlockedPeriod(day(8), None), BlockedPeriod(day(12), day(13))]
    assert flow_efficiency(day(0), day(10), blocked) == pytest.approx(70.0)


def test_flow_efficiency_of_zero_flow_time_is_none():
    assert flow_efficiency(day(1), day(1), []) is None


def test_mean_flow_efficiency_weights_by_time_not_by_item():
    items = [
        (day(0), day(10), [BlockedPeriod(day(0), day(5))]),  # 5 active of 10
        (day(0), day(30), []),  # 30 active of 30
    ]
    # (5 + 30) / (10 + 30) = 87.5 %, not the mean of 50 % and 100 %
    assert mean_flow_efficiency(items) == pytest.approx(87.5)
    assert mean_flow_efficiency([]) is None


def test_flow_distribution_shares_completed_items_by_count_and_by_points():
    items = [
        flow_item(1, started=0, done=1, kind="feature", points=3),
        flow_item(2, started=0, done=2, kind="feature", points=5),
        flow_item(3, started=0, done=3, kind="enabler", points=2),
        flow_item(4, started=0, done=4, kind="defect", points=0),
        flow_item(5, started=0, done=None, kind="feature", points=8),  # not done: ignored
    ]
    # 4 done items, 10 points
    assert flow_distribution(items) == {
        "defect": {"count": 1, "count_share": 25.0, "points": 0, "points_share": 0.0},
        "enabler": {"count": 1, "count_share": 25.0, "points": 2, "points_share": 20.0},
        "feature": {"count": 2, "count_share": 50.0, "points": 8, "points_share": 80.0},
    }


def test_flow_distribution_without_points_has_no_points_share():
    items = [flow_item(1, started=0, done=1, kind="debt"), flow_item(2, started=0, done=1, kind="debt")]
    assert flow_distribution(items) == {
        "debt": {"count": 2, "count_share": 100.0, "points": 0, "points_share": None}
    }
    assert flow_distribution([]) == {}


def test_littles_law_compares_mean_wip_with_velocity_times_flow_time():
    # expected 0.5 / day x 20 days = 10; actual 12 -> ratio 1.2
    assert littles_law(12, 0.5, 20) == {"actual_wip": 12, "expected_wip": 10.0, "ratio": pytest.approx(1.2)}
    assert littles_law(3, 0, 20)["ratio"] is None


# --- §4.6 Other figures ----------------------------------------------------------------------------


def test_carry_over_is_the_share_of_planned_points_not_done():
    assert carry_over_pct(40, 30) == 25.0  # (40 - 30) / 40
    assert carry_over_pct(40, 40) == 0.0
    assert carry_over_pct(0, 0) is None


def test_carry_over_rejects_more_done_than_planned():
    with pytest.raises(ValueError):
        carry_over_pct(40, 45)


def test_iteration_completion_can_exceed_100_when_work_is_pulled_in():
    assert iteration_completion_pct(40, 30) == 75.0
    assert iteration_completion_pct(40, 45) == 112.5
    assert iteration_completion_pct(0, 5) is None


def test_dependency_aging_by_state_and_overall():
    now = datetime(2025, 3, 31, 12, tzinfo=UTC)
    items = [
        ("requested", datetime(2025, 3, 21, 12, tzinfo=UTC)),  # 10 days
        ("requested", datetime(2025, 3, 29, 12, tzinfo=UTC)),  # 2 days
        ("blocked", datetime(2025, 3, 1, 12, tzinfo=UTC)),  # 30 days
        ("committed", datetime(2025, 3, 30, 0, tzinfo=UTC)),  # 1.5 days
    ]
    aging = dependency_aging(items, now)
    assert aging["requested"] == AgingSummary(count=2, median_days=6.0, max_days=10.0)
    assert aging["blocked"] == AgingSummary(count=1, median_days=30.0, max_days=30.0)
    assert aging["committed"] == AgingSummary(count=1, median_days=1.5, max_days=1.5)
    # all: 1.5, 2, 10, 30 -> median (2 + 10) / 2 = 6
    assert aging["all"] == AgingSummary(count=4, median_days=6.0, max_days=30.0)


def test_dependency_aging_without_open_dependencies_still_has_all():
    assert dependency_aging([], day(0)) == {"all": AgingSummary(count=0, median_days=None, max_days=None)}


def test_blocker_resolution_median_and_open_ages_oldest_first():
    now = day(30)
    resolved = [(day(0), day(1)), (day(2), day(10)), (day(5), day(8))]  # 1, 8, 3 days
    open_raised = [day(28), day(29.5), day(25)]  # 2, 0.5, 5 days old
    assert blocker_resolution(resolved, open_raised, now) == {
        "resolved_count": 3,
        "median_resolution_days": 3.0,
        "open_count": 3,
        "open_ages_days": [5.0, 2.0, 0.5],
        "open_median_days": 2.0,
        "open_max_days": 5.0,
    }


def test_blocker_resolution_without_impediments_has_no_figures():
    result = blocker_resolution([], [], day(0))
    assert result["median_resolution_days"] is None
    assert result["open_ages_days"] == []
    assert result["open_max_days"] is None


def test_improvement_throughput_is_share_of_taken_items_done():
    assert improvement_throughput(8, 6) == 75.0
    assert improvement_throughput(0, 0) is None
    with pytest.raises(ValueError):
        improvement_throughput(3, 4)


# --- §4.6 Forecast ---------------------------------------------------------------------------------

ENDS = [date(2025, 4, 11), date(2025, 4, 25), date(2025, 5, 9)]


def test_forecast_is_deterministic_with_a_seed():
    first = monte_carlo_forecast([0, 3, 5, 8], 12, ENDS, trials=2000, seed=42)
    second = monte_carlo_forecast([0, 3, 5, 8], 12, ENDS, trials=2000, seed=42)
    assert first == second
    assert 0.0 < first.probability < 1.0


def test_forecast_is_certain_when_every_iteration_covers_the_remaining_work():
    forecast = monte_carlo_forecast([5, 6, 7], 5, ENDS, trials=500, seed=1)
    assert forecast.probability == 1.0
    assert forecast.date_85 == ENDS[0]
    assert (forecast.trials, forecast.remaining) == (500, 5)


def test_forecast_never_finishes_with_zero_throughput():
    forecast = monte_carlo_forecast([0, 0, 0], 1, ENDS, trials=500, seed=1)
    assert forecast.probability == 0.0
    assert forecast.date_85 is None


def test_forecast_with_constant_throughput_finishes_in_the_expected_iteration():
    # 2 per iteration: 2, 4, 6 -> 5 items done in the third iteration
    assert monte_carlo_forecast([2], 5, ENDS, trials=100, seed=1).date_85 == ENDS[2]
    assert monte_carlo_forecast([2], 5, ENDS[:2], trials=100, seed=1).probability == 0.0


def test_forecast_probability_matches_the_odds_of_sampled_throughput():
    # 0 or 10 per iteration, 10 remaining: done by the 2nd end with 1 - 0.5^2 = 75 % (below 85 %),
    # by the 3rd with 1 - 0.5^3 = 87.5 %
    two = monte_carlo_forecast([0, 10], 10, ENDS[:2], trials=10_000, seed=7)
    assert two.probability == pytest.approx(0.75, abs=0.03)
    assert two.date_85 is None
    three = monte_carlo_forecast([0, 10], 10, ENDS, trials=10_000, seed=7)
    assert three.probability == pytest.approx(0.875, abs=0.03)
    assert three.date_85 == ENDS[2]


def test_forecast_edge_cases_nothing_remaining_and_no_history():
    done = monte_carlo_forecast([3], 0, ENDS)
    assert (done.probability, done.date_85, done.trials) == (1.0, None, 0)
    no_history = monte_carlo_forecast([], 4, ENDS)
    assert (no_history.probability, no_history.date_85) == (0.0, None)
    with pytest.raises(ValueError):
        monte_carlo_forecast([3], -1, ENDS)


# --- §4.5 series ----------------------------------------------------------------------------------


def test_cumulative_flow_counts_each_item_in_its_state_at_the_end_of_each_day():
    items = [
        # created on day 0 in funnel, implementing on day 1, done on day 2 at noon
        StateHistory(
            "done",
            [
                StateChange(day(0), "", "funnel"),
                StateChange(day(1), "funnel", "implementing"),
                StateChange(day(2.5), "implementing", "done"),
            ],
        ),
        # recorded only from day 1 (backlog -> implementing): in backlog before that
        StateHistory("implementing", [StateChange(day(1.5), "backlog", "implementing")]),
        # created on day 2: does not exist on days 0 and 1
        StateHistory("funnel", [StateChange(day(2.2), "", "funnel")]),
        # no recorded change: its current state throughout
        StateHistory("backlog", []),
    ]
    days = [(T0 + timedelta(days=n)).date() for n in range(3)]
    flow = cumulative_flow(items, days, UTC, ["funnel", "backlog", "implementing", "done"])
    assert flow == {
        "funnel": [1, 0, 1],
        "backlog": [2, 1, 1],
        "implementing": [0, 2, 1],
        "done": [0, 0, 1],
    }


def test_a_change_at_midnight_belongs_to_the_next_day():
    items = [StateHistory("done", [StateChange(day(1), "implementing", "done")])]
    days = [(T0 + timedelta(days=n)).date() for n in range(2)]
    assert cumulative_flow(items, days, UTC, ["implementing", "done"]) == {
        "implementing": [1, 0],
        "done": [0, 1],
    }


def test_cumulative_done_sums_weights_done_by_the_end_of_each_day():
    days = [(T0 + timedelta(days=n)).date() for n in range(3)]
    items = [(5, day(0.5)), (3, day(2.9)), (8, None), (2, day(1))]
    assert cumulative_done(items, days, UTC) == [5.0, 7.0, 10.0]


def test_throughput_per_window_counts_items_done_in_each_half_open_window():
    windows = [(day(0), day(14)), (day(14), day(28))]
    done = [day(1), day(13.9), day(14), day(30), day(-1)]
    assert throughput_per_window(done, windows) == [2, 1]


@pytest.mark.parametrize(
    ("planned", "objectives", "committed_objectives", "expected"),
    [
        (True, 0, 0, True),  # planned, no objective: part of the plan
        (True, 2, 1, True),  # serves a committed objective
        (True, 1, 0, False),  # serves only an uncommitted objective: planned but not promised
        (False, 1, 1, False),  # not on a team's row of the board
    ],
)
def test_committed_feature_rule(planned, objectives, committed_objectives, expected):
    assert (
        is_committed_feature(
            planned_on_board=planned, objectives=objectives, committed_objectives=committed_objectives
        )
        is expected
    )


def test_flow_efficiency_summary_gives_the_totals_behind_the_percentage():
    items = [
        (day(0), day(10), [BlockedPeriod(day(2), day(4))]),  # 8 active, 2 waiting
        (day(0), day(10), [BlockedPeriod(day(3), day(6)), BlockedPeriod(day(8), None)]),  # 3 + 2 waiting
        (day(3), day(3), []),  # no flow time: left out
    ]
    summary = flow_efficiency_summary(items)
    assert summary.items == 2
    assert summary.active_days == pytest.approx(13.0)
    assert summary.waiting_days == pytest.approx(7.0)
    assert summary.percent == pytest.approx(65.0)
    assert mean_flow_efficiency(items) == summary.percent


# --- §4.6 carry-over and completion across iterations -----------------------------------------


def test_carry_over_and_completion_follow_a_story_carried_over_into_the_next_iteration():
    iterations = [("I1", day(0), day(14)), ("I2", day(14), day(28))]
    stories = [
        StoryItem(5, "I1", day(10)),  # planned I1, done in I1
        StoryItem(3, "I1", day(20)),  # planned I1, done in I2: carried over
        StoryItem(2, "I2", day(27)),  # planned I2, done in I2
        StoryItem(1, "I3", day(16)),  # planned I3, done in I2: pulled in
        StoryItem(4, "I2", None),  # planned I2, not done: carried over
        StoryItem(6, None, day(5)),  # never planned, done in I1: pulled in
    ]
    first, second = iteration_outcomes(stories, iterations)
    # I1: planned 5 + 3 = 8, 5 done by its end -> carry-over 3 / 8; done 5 + pulled-in 6 = 11 / 8
    assert (first.planned_points, first.planned_done_points, first.pulled_in_points) == (8, 5, 6)
    assert first.carry_over_pct == pytest.approx(37.5)
    assert first.completion_pct == pytest.approx(137.5)
    # I2: planned 2 + 4 = 6, 2 done -> carry-over 4 / 6; the late I1 story is not I2's completion,
    # the pulled-in I3 story is: (2 + 1) / 6
    assert (second.planned_points, second.planned_done_points, second.pulled_in_points) == (6, 2, 1)
    assert second.carry_over_pct == pytest.approx(100 * 4 / 6)
    assert second.completion_pct == pytest.approx(50.0)
    assert second.done_points == 3


def test_an_iteration_with_nothing_planned_has_no_carry_over_or_completion():
    (outcome,) = iteration_outcomes([StoryItem(3, None, day(1))], [("IP", day(0), day(14))])
    assert outcome.carry_over_pct is None
    assert outcome.completion_pct is None
    assert outcome.pulled_in_points == 3


def test_open_aging_series_reports_open_items_at_each_day_end_capped_at_as_of():
    items = [(day(0), day(1.5)), (day(0.5), None), (day(2.5), None)]
    days = [(T0 + timedelta(days=n)).date() for n in range(3)]
    series = open_aging_series(items, days, UTC, as_of=day(2.75))
    # end of day 0: both first items open, ages 1 and 0.5
    assert series[0] == AgingSummary(count=2, median_days=0.75, max_days=1.0)
    # end of day 1: the first was closed at 1.5
    assert series[1] == AgingSummary(count=1, median_days=1.5, max_days=1.5)
    # day 2 is cut at as_of (2.75): ages 2.25 and 0.25
    assert series[2] == AgingSummary(count=2, median_days=1.25, max_days=2.25)


# --- §4.6 forecast beyond the deadline ------------------------------------------------------------


def test_forecast_reports_the_85_percent_date_after_the_deadline_and_the_cumulative_shares():
    # 2 per iteration, 5 remaining: done at the third end, after a two-iteration deadline
    forecast = monte_carlo_forecast([2], 5, ENDS, trials=100, seed=1, deadline=ENDS[1])
    assert forecast.probability == 0.0
    assert forecast.date_85 == ENDS[2]
    assert forecast.by_end == ((ENDS[0], 0.0), (ENDS[1], 0.0), (ENDS[2], 1.0))


def test_forecast_probability_is_measured_at_the_deadline_not_the_last_end():
    # 0 or 10 per iteration, 10 remaining: 50 % by the first end, 75 % by the second
    forecast = monte_carlo_forecast([0, 10], 10, ENDS, trials=10_000, seed=3, deadline=ENDS[0])
    assert forecast.probability == pytest.approx(0.5, abs=0.03)
    assert forecast.by_end[1][1] == pytest.approx(0.75, abs=0.03)
    assert forecast.date_85 == ENDS[2]
