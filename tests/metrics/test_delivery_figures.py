"""The delivery and quality figures (domain.md §4.7), pinned on hand-computed cases: the pure formulas
(metrics.delivery_calculations), their per-scope and per-iteration snapshots (metrics.figures.delivery), and,
on the database, what the selector reads (production only, "caused an incident", the window, three
queries whatever the size) and what a recompute stores."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metrics import delivery_calculations as calc
from metrics import services
from metrics.delivery_calculations import (
    DefectItem,
    DeploymentItem,
    IncidentItem,
    Restoration,
    change_failure_rate,
    defect_escape_rate,
    deployment_frequency,
    deployment_restorations,
    dora_level,
    lead_time_for_change,
    time_to_restore,
)
from metrics.delivery_selectors import DeliveryInputs, pi_delivery_inputs
from metrics.figures import make_window
from metrics.figures.delivery import DEFINITIONS, delivery_figures
from metrics.models import Snapshot
from planning.factories import ProgramIncrementFactory
from planning.models import Defect, Deployment, Incident

Metric = Snapshot.Metric
T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday midnight: the window's start
TWO_WEEKS = T0 + timedelta(days=14)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def deployment(
    at: float,
    *,
    key=None,
    team=None,
    service="checkout",
    commit: float | None = None,
    merge: float | None = None,
    succeeded=True,
    rolled_back=False,
    caused_incident=False,
) -> DeploymentItem:
    """A production deployment `at` hours after T0; commit and merge in hours after T0 too."""
    return DeploymentItem(
        key=key if key is not None else f"{service}@{at}",
        team_id=team,
        service=service,
        deployed_at=h(at),
        committed_at=None if commit is None else h(commit),
        merged_at=None if merge is None else h(merge),
        succeeded=succeeded,
        rolled_back=rolled_back,
        caused_incident=caused_incident,
    )


def incident(
    started: float, restored: float | None, *, team=None, service="checkout", key=None
) -> IncidentItem:
    return IncidentItem(
        key=key or f"{service}!{started}",
        team_id=team,
        service=service,
        started_at=h(started),
        restored_at=None if restored is None else h(restored),
    )


# --- deployment frequency ------------------------------------------------------------------------


def test_no_production_deployment_gives_no_frequency_not_zero():
    figure = deployment_frequency([], T0, TWO_WEEKS)

    assert figure.per_week is None and figure.per_day is None
    assert (figure.delivered, figure.deployments, figure.days) == (0, 0, 14)


def test_deployments_outside_the_window_are_no_figure_for_it():
    figure = deployment_frequency([deployment(-1), deployment(14 * 24)], T0, TWO_WEEKS)

    assert figure.per_week is None


def test_deployments_recorded_and_none_delivered_is_a_measured_zero():
    figure = deployment_frequency(
        [deployment(5, succeeded=False), deployment(9, rolled_back=True)], T0, TWO_WEEKS
    )

    assert (figure.per_week, figure.per_day, figure.deployments) == (0.0, 0.0, 2)


def test_frequency_counts_delivered_deployments_per_week_and_per_day():
    # 3 delivered (a rolled-back one and a failed one do not count) over 14 days: 1.5 a week, 3/14 a day.
    deployments = [
        deployment(1),
        deployment(30),
        deployment(300),
        deployment(40, succeeded=False),
        deployment(50, rolled_back=True),
    ]
    figure = deployment_frequency(deployments, T0, TWO_WEEKS)

    assert figure.per_week == pytest.approx(1.5)
    assert figure.per_day == pytest.approx(3 / 14)
    assert (figure.delivered, figure.deployments) == (3, 5)


def test_a_window_with_no_length_has_no_frequency():
    assert deployment_frequency([deployment(0)], T0, T0).per_week is None


# --- lead time for change ---------------------------------------------------------------------------


def test_lead_time_from_the_first_commit_else_the_merge_and_neither_is_not_counted():
    deployments = [
        deployment(10, commit=8, merge=9),  # 2 h from the commit (the merge is later)
        deployment(20, merge=16),  # 4 h from the merge: no commit time
        deployment(30, commit=20),  # 10 h
        deployment(40),  # neither: not counted
        deployment(50, commit=1, succeeded=False),  # not delivered: not counted
        deployment(60, commit=1, rolled_back=True),  # rolled back: not delivered
    ]
    summary = lead_time_for_change(deployments, T0, TWO_WEEKS)

    assert summary.count == 3
    assert summary.median_hours == 4
    # 85th percentile of [2, 4, 10]: rank 2 × 0.85 = 1.7 → 4 + 0.7 × (10 − 4) = 8.2
    assert summary.p85_hours == pytest.approx(8.2)
    assert (summary.without_change_time, summary.from_merge) == (1, 1)


@pytest.mark.parametrize(
    ("leads", "median", "p85"),
    [
        ([7.0], 7.0, 7.0),  # one value is every percentile
        ([1.0, 5.0], 3.0, 4.4),  # 1 + 0.85 × 4
        ([1.0, 2.0, 3.0, 100.0], 2.5, 56.35),  # rank 2.55 → 3 + 0.55 × 97
    ],
)
def test_lead_time_percentiles_on_small_samples(leads, median, p85):
    deployments = [deployment(200 + n, commit=200 + n - lead) for n, lead in enumerate(leads)]
    summary = lead_time_for_change(deployments, T0, TWO_WEEKS)

    assert summary.median_hours == pytest.approx(median)
    assert summary.p85_hours == pytest.approx(p85)


def test_no_delivered_deployment_with_a_change_time_gives_no_lead_time():
    summary = lead_time_for_change([deployment(5), deployment(6, commit=1, succeeded=False)], T0, TWO_WEEKS)

    assert (summary.count, summary.median_hours, summary.p85_hours) == (0, None, None)
    assert summary.without_change_time == 1


# --- change failure rate ----------------------------------------------------------------------------


def test_failed_rolled_back_and_incident_causing_deployments_are_failures_each_once():
    deployments = [
        deployment(1),
        deployment(2, succeeded=False),
        deployment(3, rolled_back=True),  # it succeeded, then was rolled back: a failure
        deployment(4, caused_incident=True),
        deployment(5, succeeded=False, rolled_back=True, caused_incident=True),  # one failure, not three
        deployment(6),
        deployment(7),
        deployment(8),
    ]
    summary = change_failure_rate(deployments, T0, TWO_WEEKS)

    assert (summary.deployments, summary.failures) == (8, 4)
    assert summary.percent == 50.0
    assert (summary.not_succeeded, summary.rolled_back, summary.caused_incident) == (2, 2, 2)
    assert summary.healthy is False


def test_a_rolled_back_deployment_alone_counts_as_a_failure():
    summary = change_failure_rate([deployment(3, rolled_back=True)], T0, TWO_WEEKS)

    assert summary.percent == 100.0


def test_change_failure_rate_band_is_below_15_percent():
    one_in_seven = [deployment(n) for n in range(6)] + [deployment(7, succeeded=False)]  # 14.3 %
    summary = change_failure_rate(one_in_seven, T0, TWO_WEEKS)
    assert summary.healthy is True

    one_in_twenty_over_3 = [deployment(n) for n in range(17)] + [
        deployment(20 + n, rolled_back=True) for n in range(3)
    ]
    at_edge = change_failure_rate(one_in_twenty_over_3, T0, TWO_WEEKS)  # 3 / 20 = 15 %: not below
    assert (at_edge.percent, at_edge.healthy) == (15.0, False)


def test_no_deployment_gives_no_change_failure_rate():
    summary = change_failure_rate([], T0, TWO_WEEKS)

    assert (summary.percent, summary.healthy, summary.deployments) == (None, None, 0)


# --- time to restore --------------------------------------------------------------------------------


def test_a_failed_deployment_is_restored_by_the_next_delivered_one_of_its_service():
    deployments = [
        deployment(10, succeeded=False),  # checkout fails at 10:00 …
        deployment(11, service="search"),  # another service: restores nothing of checkout
        deployment(11.5, rolled_back=True),  # … fails again on top (one outage, not two) …
        deployment(13.5),  # … and is restored at 13:30: 3.5 h
        deployment(20, service="search", succeeded=False),  # search, never restored yet
    ]
    restorations = deployment_restorations(deployments)

    assert [(r.deployment.deployed_at, r.restored_at) for r in restorations] == [
        (h(10), h(13.5)),
        (h(20), None),
    ]
    summary = time_to_restore([], restorations, T0, TWO_WEEKS, as_of=h(50))
    assert (summary.median_hours, summary.deployments_restored) == (3.5, 1)
    assert (summary.open_failed_deployments, summary.oldest_failed_deployment_hours) == (1, 30)


def test_a_failed_deployment_that_caused_an_incident_is_timed_by_its_incident_once():
    deployments = [deployment(10, succeeded=False, caused_incident=True), deployment(12)]

    assert deployment_restorations(deployments) == []


def test_an_incident_still_open_is_reported_not_in_the_median():
    incidents = [
        incident(0, 2),  # restored in 2 h
        incident(5, 9),  # 4 h
        incident(20, None),  # open: 30 h old at as_of
        incident(40, None),  # open: 10 h old
    ]
    summary = time_to_restore(incidents, [], T0, TWO_WEEKS, as_of=h(50))

    assert summary.median_hours == 3.0  # of 2 and 4 only
    assert (summary.incidents_restored, summary.open_incidents) == (2, 2)
    assert summary.oldest_open_incident_hours == 30


def test_incidents_and_failed_deployments_are_pooled_in_one_median():
    restorations = deployment_restorations([deployment(10, succeeded=False), deployment(13.5)])
    summary = time_to_restore([incident(0, 2), incident(1, 11)], restorations, T0, TWO_WEEKS, as_of=h(100))

    # Pooled: 2 h, 10 h (incidents) and 3.5 h (the deployment): median 3.5 h.
    assert summary.median_hours == 3.5
    assert (summary.incident_median_hours, summary.deployment_median_hours) == (6.0, 3.5)
    assert summary.restored == 3


def test_only_restores_within_the_window_count_and_a_later_restore_is_still_open():
    incidents = [
        incident(-30, -20),  # restored before the window: not counted
        incident(-5, 3),  # started before, restored in the window: 8 h
        incident(40, 60),  # restored after as_of: open as of then
        incident(70, 71),  # started after as_of: not known yet
    ]
    summary = time_to_restore(incidents, [], T0, TWO_WEEKS, as_of=h(50))

    assert (summary.median_hours, summary.incidents_restored) == (8, 1)
    assert (summary.open_incidents, summary.oldest_open_incident_hours) == (1, 10)


def test_nothing_restored_gives_no_time_to_restore():
    summary = time_to_restore(
        [incident(1, None)], [Restoration(deployment(2, succeeded=False), None)], T0, TWO_WEEKS, h(10)
    )

    assert summary.median_hours is None and summary.restored == 0
    assert (summary.open_incidents, summary.open_failed_deployments) == (1, 1)


# --- defect escape rate -----------------------------------------------------------------------------


def test_defect_escape_rate_is_production_over_all_defects_found_in_the_window():
    defects = [
        DefectItem(team_id=None, found_in_production=True, found_at=h(1)),
        DefectItem(team_id=None, found_in_production=False, found_at=h(2)),
        DefectItem(team_id=None, found_in_production=False, found_at=h(3)),
        DefectItem(team_id=None, found_in_production=False, found_at=h(4)),
        DefectItem(team_id=None, found_in_production=True, found_at=h(-1)),  # before the window
    ]
    summary = defect_escape_rate(defects, T0, TWO_WEEKS)

    assert (summary.percent, summary.production, summary.before_release, summary.total) == (25.0, 1, 3, 4)


def test_no_defect_found_gives_no_escape_rate():
    assert defect_escape_rate([], T0, TWO_WEEKS).percent is None


# --- DORA levels --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "value", "level"),
    [
        ("deployment_frequency", 7.5, "elite"),  # more than once a day
        ("deployment_frequency", 7.0, "high"),  # once a day exactly
        ("deployment_frequency", 1.0, "high"),  # once a week
        ("deployment_frequency", 0.99, "medium"),
        ("deployment_frequency", 7 / calc.DAYS_PER_MONTH, "medium"),  # once a month
        ("deployment_frequency", 0.2, "low"),
        ("deployment_frequency", 0.0, "low"),
        ("lead_time_for_change", 23.9, "elite"),
        ("lead_time_for_change", 24.0, "high"),
        ("lead_time_for_change", 168.0, "high"),
        ("lead_time_for_change", 169.0, "medium"),
        ("lead_time_for_change", 730.0, "medium"),
        ("lead_time_for_change", 731.0, "low"),
        ("change_failure_rate", 0.0, "elite"),
        ("change_failure_rate", 5.0, "elite"),
        ("change_failure_rate", 5.1, "high"),
        ("change_failure_rate", 10.0, "high"),
        ("change_failure_rate", 15.0, "medium"),
        ("change_failure_rate", 15.1, "low"),
        ("time_to_restore", 0.5, "elite"),
        ("time_to_restore", 1.0, "high"),
        ("time_to_restore", 23.9, "high"),
        ("time_to_restore", 24.0, "medium"),
        ("time_to_restore", 168.0, "medium"),
        ("time_to_restore", 169.0, "low"),
    ],
)
def test_dora_levels_at_and_around_each_published_edge(figure, value, level):
    assert dora_level(figure, value) == level


@pytest.mark.parametrize(
    "figure", ["deployment_frequency", "lead_time_for_change", "change_failure_rate", "time_to_restore"]
)
def test_no_figure_has_no_dora_level(figure):
    assert dora_level(figure, None) is None


def test_the_levels_name_their_source():
    assert calc.DORA_SOURCE == "DORA, Accelerate State of DevOps Report 2023"
    assert calc.DORA_LEVELS["lead_time_for_change"].published("high") == "between one day and one week"
    assert calc.DORA_LEVELS["change_failure_rate"].published("low") == "about 64 %"


# --- the figures: ART and teams, per iteration ------------------------------------------------------


APOLLO, GEMINI, VEGA = 1, 2, 3
TEAMS = [(APOLLO, "Apollo"), (GEMINI, "Gemini"), (VEGA, "Vega")]
ITERATIONS = [("I1", T0, T0 + timedelta(days=7)), ("I2", T0 + timedelta(days=7), TWO_WEEKS)]


def window(days_elapsed: float = 14):
    """A two-week PI in UTC, as at `days_elapsed` days after its start."""
    return make_window(
        start_date=date(2026, 1, 5),
        end_date=date(2026, 1, 18),
        day=date(2026, 1, 5) + timedelta(days=max(days_elapsed - 1, 0)),
        as_of=T0 + timedelta(days=days_elapsed),
        tz=UTC,
    )


def by_key(figures) -> dict:
    return {(figure.metric, figure.team_id): figure for figure in figures}


def test_team_figures_count_their_own_events_and_the_art_counts_all():
    inputs = DeliveryInputs(
        deployments=[
            deployment(10, team=APOLLO, commit=6),  # I1, Apollo: lead 4 h
            deployment(200, team=APOLLO, commit=190, succeeded=False),  # I2, Apollo: failed
            deployment(210, team=APOLLO, commit=200),  # I2, Apollo: lead 10 h; restores 200 → 10 h
            deployment(20, team=GEMINI, commit=18),  # I1, Gemini: lead 2 h
            deployment(30, team=None, service="platform", commit=0),  # no team: the ART only, lead 30 h
        ],
        incidents=[incident(50, 52, team=GEMINI), incident(300, None, team=None)],
        defects=[
            DefectItem(team_id=APOLLO, found_in_production=True, found_at=h(5)),
            DefectItem(team_id=APOLLO, found_in_production=False, found_at=h(6)),
            DefectItem(team_id=GEMINI, found_in_production=False, found_at=h(7)),
        ],
    )
    figures = by_key(delivery_figures(inputs, TEAMS, ITERATIONS, window()))

    art = {metric: figures[(metric, None)] for metric in DEFINITIONS}
    assert art[Metric.DEPLOYMENT_FREQUENCY].value == pytest.approx(2.0)  # 4 delivered in 2 weeks
    assert art[Metric.LEAD_TIME_FOR_CHANGE].value == 7.0  # median of 2, 4, 10, 30
    assert art[Metric.CHANGE_FAILURE_RATE].value == 20.0  # 1 of 5
    assert (
        art[Metric.TIME_TO_RESTORE].value == 6.0
    )  # median of 2 (Gemini's incident) and 10 (Apollo's deploy)
    assert art[Metric.TIME_TO_RESTORE].data["open_incidents"] == 1
    assert art[Metric.TIME_TO_RESTORE].data["open"][0]["service"] == "checkout"
    assert art[Metric.DEFECT_ESCAPE_RATE].value == pytest.approx(100 / 3)

    assert figures[(Metric.DEPLOYMENT_FREQUENCY, APOLLO)].value == pytest.approx(1.0)
    assert figures[(Metric.LEAD_TIME_FOR_CHANGE, APOLLO)].value == 7.0  # median of 4 and 10
    assert figures[(Metric.CHANGE_FAILURE_RATE, APOLLO)].value == pytest.approx(100 / 3)
    assert figures[(Metric.TIME_TO_RESTORE, APOLLO)].value == 10.0
    assert figures[(Metric.DEFECT_ESCAPE_RATE, APOLLO)].value == 50.0
    assert figures[(Metric.DEPLOYMENT_FREQUENCY, GEMINI)].value == pytest.approx(0.5)
    assert figures[(Metric.TIME_TO_RESTORE, GEMINI)].value == 2.0
    assert figures[(Metric.DEFECT_ESCAPE_RATE, GEMINI)].value == 0.0

    # Vega recorded nothing: no figure for any of the five, each saying why, never 0.
    vega = {metric: figures[(metric, VEGA)] for metric in DEFINITIONS}
    assert all(figure.value is None for figure in vega.values())
    assert vega[Metric.DEPLOYMENT_FREQUENCY].data["reason"] == "no_deployments"
    assert vega[Metric.LEAD_TIME_FOR_CHANGE].data["reason"] == "no_deployments"
    assert vega[Metric.CHANGE_FAILURE_RATE].data["reason"] == "no_deployments"
    assert vega[Metric.TIME_TO_RESTORE].data["reason"] == "nothing_restored"
    assert vega[Metric.DEFECT_ESCAPE_RATE].data["reason"] == "no_defects"
    assert vega[Metric.DEPLOYMENT_FREQUENCY].data["level"] is None


def test_each_figure_has_a_breakdown_per_iteration_and_its_level():
    inputs = DeliveryInputs(
        deployments=[deployment(n * 12, commit=n * 12 - 2) for n in range(1, 11)]  # 10 in I1, every 12 h
        + [deployment(200, succeeded=False)],  # I2: one failed, nothing delivered
    )
    figures = by_key(delivery_figures(inputs, [], ITERATIONS, window()))

    frequency = figures[(Metric.DEPLOYMENT_FREQUENCY, None)]
    assert frequency.value == pytest.approx(5.0)
    assert (frequency.data["level"], frequency.data["level_band"]) == (
        "high",
        "between once per day and once per week",
    )
    assert frequency.data["source"] == calc.DORA_SOURCE
    assert [
        (row["iteration"], row["delivered"], row["per_week"], row["level"])
        for row in frequency.data["by_iteration"]
    ] == [
        ("I1", 10, pytest.approx(10.0), "elite"),
        ("I2", 0, 0.0, "low"),
    ]
    failure = figures[(Metric.CHANGE_FAILURE_RATE, None)]
    assert [(row["iteration"], row["percent"]) for row in failure.data["by_iteration"]] == [
        ("I1", 0.0),
        ("I2", 100.0),
    ]
    lead = figures[(Metric.LEAD_TIME_FOR_CHANGE, None)]
    assert (lead.value, lead.data["level"]) == (2.0, "elite")
    assert [row["median_hours"] for row in lead.data["by_iteration"]] == [2.0, None]


def test_mid_pi_the_window_and_the_iterations_end_at_the_day_computed():
    inputs = DeliveryInputs(deployments=[deployment(10), deployment(9 * 24)])  # day 1 and day 10
    figures = by_key(delivery_figures(inputs, [], ITERATIONS, window(days_elapsed=3.5)))

    frequency = figures[(Metric.DEPLOYMENT_FREQUENCY, None)]
    assert frequency.value == pytest.approx(2.0)  # 1 in 3.5 days
    assert [row["iteration"] for row in frequency.data["by_iteration"]] == ["I1"]  # I2 has not begun


def test_a_pi_not_started_has_no_figure_and_says_so():
    figures = delivery_figures(DeliveryInputs(), [], ITERATIONS, window(days_elapsed=0))

    assert {figure.value for figure in figures} == {None}
    assert {figure.data["reason"] for figure in figures} == {"not_started"}


# --- on the database: what the selector reads, and the snapshots a recompute stores ------------------


PI_START = date(2026, 1, 5)


def local(days: float) -> datetime:
    start = datetime.combine(PI_START, time.min, tzinfo=timezone.get_current_timezone())
    return start + timedelta(days=days)


@pytest.fixture
def delivery_pi(train):
    return ProgramIncrementFactory(train=train, name="PI 7", start_date=PI_START)  # I1 5–18 Jan …


def deploy(
    train, days: float, *, team=None, environment=Deployment.PRODUCTION, service="checkout", **fields
) -> Deployment:
    return Deployment.objects.create(
        train=train, team=team, service=service, environment=environment, deployed_at=local(days), **fields
    )


@pytest.mark.django_db
def test_non_production_deployments_are_ignored(train, delivery_pi, team):
    deploy(train, 1, team=team, committed_at=local(0.5))
    deploy(train, 2, team=team, environment="staging", succeeded=False)
    deploy(train, 3, team=team, environment="staging", committed_at=local(0))

    services.pi_snapshot_compute(pi=delivery_pi, day=PI_START + timedelta(days=13))

    failure = Snapshot.objects.get(pi=delivery_pi, team=None, metric=Metric.CHANGE_FAILURE_RATE)
    assert (failure.value, failure.data["deployments"]) == (0.0, 1)
    frequency = Snapshot.objects.get(pi=delivery_pi, team=team, metric=Metric.DEPLOYMENT_FREQUENCY)
    assert frequency.data["delivered"] == 1
    assert frequency.value == pytest.approx(0.5)  # 1 in 14 days
    lead = Snapshot.objects.get(pi=delivery_pi, team=team, metric=Metric.LEAD_TIME_FOR_CHANGE)
    assert lead.value == 12.0


@pytest.mark.django_db
def test_an_incident_naming_a_deployment_makes_it_a_change_failure(train, delivery_pi, team):
    bad = deploy(train, 1, team=team)
    deploy(train, 2, team=team)
    Incident.objects.create(
        train=train,
        team=team,
        service="checkout",
        title="Checkout down",
        started_at=local(1.1),
        restored_at=local(1.6),
        deployment=bad,
    )

    services.pi_snapshot_compute(pi=delivery_pi, day=PI_START + timedelta(days=13))

    failure = Snapshot.objects.get(pi=delivery_pi, team=None, metric=Metric.CHANGE_FAILURE_RATE)
    assert (failure.value, failure.data["caused_incident"]) == (50.0, 1)
    restore = Snapshot.objects.get(pi=delivery_pi, team=team, metric=Metric.TIME_TO_RESTORE)
    assert restore.value == pytest.approx(12.0)  # the incident's 0.5 day


@pytest.mark.django_db
def test_a_failure_before_the_pi_restored_in_it_is_read_and_counted_once(train, delivery_pi, team):
    deploy(train, -3, team=team, succeeded=False)  # failing since 3 days before the PI …
    deploy(train, -2, team=team, rolled_back=True)
    deploy(train, -20, team=team, succeeded=False)  # restored long before: not read
    deploy(train, -19, team=team)
    deploy(train, 1, team=team)  # … restored on its second day: 4 days

    inputs = pi_delivery_inputs(delivery_pi, window_start=local(0), as_of=local(14))
    assert sorted(d.deployed_at for d in inputs.deployments) == [local(-3), local(-2), local(1)]

    services.pi_snapshot_compute(pi=delivery_pi, day=PI_START + timedelta(days=13))
    restore = Snapshot.objects.get(pi=delivery_pi, team=team, metric=Metric.TIME_TO_RESTORE)
    assert (restore.value, restore.data["deployments_restored"]) == (96.0, 1)
    # Deployments before the window are not the window's deployments.
    failure = Snapshot.objects.get(pi=delivery_pi, team=team, metric=Metric.CHANGE_FAILURE_RATE)
    assert (failure.value, failure.data["deployments"]) == (0.0, 1)


@pytest.mark.django_db
def test_events_after_the_day_computed_are_not_known_yet(train, delivery_pi, team):
    deploy(train, 1, team=team)
    deploy(train, 5, team=team)
    Incident.objects.create(
        train=train, service="checkout", title="Slow", started_at=local(2), restored_at=local(5)
    )
    Defect.objects.create(
        train=train, team=team, title="Typo", found_at=local(4), found_in=Defect.FoundIn.PRODUCTION
    )

    services.pi_snapshot_compute(pi=delivery_pi, day=PI_START + timedelta(days=2))  # as at the end of day 3

    art = {
        s.metric: s
        for s in Snapshot.objects.filter(pi=delivery_pi, team=None, day=PI_START + timedelta(days=2))
    }
    assert art[Metric.DEPLOYMENT_FREQUENCY].data["delivered"] == 1
    assert art[Metric.TIME_TO_RESTORE].value is None
    assert art[Metric.TIME_TO_RESTORE].data["open_incidents"] == 1
    assert art[Metric.TIME_TO_RESTORE].data["oldest_open_incident_hours"] == 24.0
    assert art[Metric.DEFECT_ESCAPE_RATE].value is None


@pytest.mark.django_db
@pytest.mark.parametrize("events", [2, 40])
def test_the_delivery_inputs_cost_three_queries_whatever_their_number(train, delivery_pi, team, events):
    for n in range(events):
        bad = deploy(train, n * 0.3, team=team, service=f"svc-{n % 3}", succeeded=n % 4 != 0)
        Incident.objects.create(
            train=train, service=bad.service, title=f"Down {n}", started_at=local(n * 0.3), deployment=bad
        )
        Defect.objects.create(train=train, team=team, title=f"Bug {n}", found_at=local(n * 0.2))

    with CaptureQueriesContext(connection) as queries:
        inputs = pi_delivery_inputs(delivery_pi, window_start=local(0), as_of=local(14))

    assert len(queries) == 3
    assert (len(inputs.deployments), len(inputs.incidents), len(inputs.defects)) == (events, events, events)
