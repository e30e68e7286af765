"""The dashboard's Delivery section: the five figures of a PI for the ART and each team, each with its
definition and DORA level, the change failure band, a missing figure said as such (never 0), a
per-iteration table, the incidents still open, and trend charts across PIs.

The section's unit tests use unsaved snapshots (it reads only their values and data); the page's are
built by a real recompute from deployments, incidents and defects in the database."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from metrics import delivery_calculations as calc
from metrics import services
from metrics.dashboard import delivery_section
from metrics.dashboard.delivery import frequency_text, hours_text, trend_cards
from metrics.figures.delivery import DEFINITIONS
from metrics.models import Snapshot
from planning.factories import ProgramIncrementFactory
from planning.models import Defect, Deployment, Incident, ProgramIncrement
from trains.models import Team

Metric = Snapshot.Metric
COMPUTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def snap(metric, value, data=None, *, pi_name="PI 3", team=None) -> Snapshot:
    return Snapshot(
        pi=ProgramIncrement(name=pi_name),
        team=team,
        metric=metric,
        value=value,
        data=data or {},
        computed_at=COMPUTED,
    )


def no_figure(reason: str) -> dict:
    return {"reason": reason, "level": None, "by_iteration": []}


def section(snapshots: list[Snapshot], across: list[Snapshot] = ()):
    keyed = {(s.metric, s.team.pk if s.team else None): s for s in snapshots}
    return delivery_section(ProgramIncrement(name="PI 3"), keyed, across)


def figure(found, metric):
    return next(f for f in found.figures if f.metric == metric)


# --- words and numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_week", "text"),
    [(None, "—"), (0.0, "0.0 per week"), (2.5, "2.5 per week"), (7.0, "7.0 per week"), (14.0, "2.0 per day")],
)
def test_frequency_is_per_week_and_per_day_above_seven_a_week(per_week, text):
    assert frequency_text(per_week) == text


@pytest.mark.parametrize(
    ("hours", "text"),
    [(None, "—"), (0.5, "30\u00a0min"), (5.25, "5.2\u00a0h"), (47.9, "47.9\u00a0h"), (72.0, "3.0\u00a0days")],
)
def test_durations_read_in_minutes_hours_or_days(hours, text):
    assert hours_text(hours) == text


# --- the section --------------------------------------------------------------------------------------


def test_no_delivery_snapshot_is_no_section():
    assert section([snap(Metric.PREDICTABILITY, 90.0)]) is None


def test_each_figure_shows_its_value_level_and_definition():
    found = section(
        [
            snap(
                Metric.DEPLOYMENT_FREQUENCY,
                10.5,
                {"delivered": 21, "deployments": 23, "days": 14, "level": "elite", "level_band": "on demand"},
            ),
            snap(
                Metric.LEAD_TIME_FOR_CHANGE,
                30.0,
                {
                    "count": 21,
                    "p85_hours": 80.0,
                    "from_merge": 2,
                    "level": "high",
                    "level_band": "between one day and one week",
                },
            ),
            snap(
                Metric.CHANGE_FAILURE_RATE,
                8.7,
                {
                    "deployments": 23,
                    "failures": 2,
                    "not_succeeded": 1,
                    "rolled_back": 1,
                    "caused_incident": 0,
                    "healthy": True,
                    "level": "high",
                },
            ),
            snap(
                Metric.TIME_TO_RESTORE,
                0.5,
                {
                    "restored": 3,
                    "incidents_restored": 2,
                    "deployments_restored": 1,
                    "open_incidents": 0,
                    "level": "elite",
                },
            ),
            snap(Metric.DEFECT_ESCAPE_RATE, 20.0, {"production": 2, "before_release": 8, "total": 10}),
        ]
    )

    frequency = figure(found, Metric.DEPLOYMENT_FREQUENCY)
    assert (frequency.value, frequency.level) == ("1.5 per day", "Elite")  # 10.5 a week is above 7
    assert frequency.detail == "21 delivered of 23 production deployments in 14 days"
    assert frequency.definition == DEFINITIONS[Metric.DEPLOYMENT_FREQUENCY]
    lead = figure(found, Metric.LEAD_TIME_FOR_CHANGE)
    assert lead.detail.startswith("median · 85th percentile 3.3\u00a0days · 21 delivered deployments")
    assert (lead.value, lead.level, lead.level_band) == (
        "30.0\u00a0h",
        "High",
        "between one day and one week",
    )
    assert "2 timed from the merge" in lead.detail
    failure = figure(found, Metric.CHANGE_FAILURE_RATE)
    assert (failure.value, failure.status) == ("9%", "good")
    assert "healthy below 15 %" in failure.detail and "rolled back 1" in failure.detail
    assert figure(found, Metric.TIME_TO_RESTORE).value == "30\u00a0min"
    escape = figure(found, Metric.DEFECT_ESCAPE_RATE)
    assert (escape.value, escape.level) == ("20%", "")  # not a DORA figure: no level
    assert found.source == "DORA, Accelerate State of DevOps Report 2023"
    assert [row["label"] for row in found.level_table] == [
        "Deployment frequency",
        "Lead time for change",
        "Change failure rate",
        "Time to restore",
    ]


def test_a_change_failure_rate_near_the_band_never_reads_as_inside_it():
    found = section(
        [snap(Metric.CHANGE_FAILURE_RATE, 15.2, {"deployments": 125, "failures": 19, "healthy": False})]
    )

    failure = figure(found, Metric.CHANGE_FAILURE_RATE)
    assert (failure.value, failure.status) == ("15.2%", "bad")  # not "15%": it is above the edge


def test_no_deployments_is_no_figure_with_its_reason_never_zero():
    found = section(
        [
            snap(Metric.DEPLOYMENT_FREQUENCY, None, no_figure("no_deployments")),
            snap(Metric.CHANGE_FAILURE_RATE, None, no_figure("no_deployments")),
            snap(
                Metric.TIME_TO_RESTORE,
                None,
                {**no_figure("nothing_restored"), "open_incidents": 2, "oldest_open_incident_hours": 30.0},
            ),
        ]
    )

    frequency = figure(found, Metric.DEPLOYMENT_FREQUENCY)
    assert frequency.value == "—"
    assert frequency.reason == "No figure: no production deployment recorded in the window."
    assert (frequency.level, frequency.detail, frequency.status) == ("", "", "")
    assert figure(found, Metric.CHANGE_FAILURE_RATE).status == ""  # no figure, no colour
    restore = figure(found, Metric.TIME_TO_RESTORE)
    assert restore.value == "—"
    assert restore.detail == "2 incidents open, the oldest for 30.0\u00a0h"  # reported even with no median
    # Figures not computed at all (an older snapshot set) say so too.
    assert figure(found, Metric.DEFECT_ESCAPE_RATE).reason == "Not computed yet."


def test_the_table_has_the_art_then_each_team_with_levels():
    apollo, gemini = Team(pk=1, name="Apollo", position=2), Team(pk=2, name="Gemini", position=1)
    found = section(
        [
            snap(Metric.DEPLOYMENT_FREQUENCY, 3.0, {"level": "high"}),
            snap(Metric.DEPLOYMENT_FREQUENCY, 2.0, {"level": "high"}, team=apollo),
            snap(Metric.DEPLOYMENT_FREQUENCY, None, no_figure("no_deployments"), team=gemini),
            snap(Metric.CHANGE_FAILURE_RATE, 50.0, {"level": "low"}, team=apollo),
        ]
    )

    assert [row.name for row in found.rows] == ["ART (all teams)", "Gemini", "Apollo"]  # teams by position
    assert found.columns[0] == "Deployment frequency"
    apollo_row = found.rows[2]
    assert (apollo_row.cells[0].text, apollo_row.cells[0].level) == ("2.0 per week", "High")
    assert (apollo_row.cells[2].text, apollo_row.cells[2].level) == ("50%", "Low")
    assert (found.rows[1].cells[0].text, found.rows[1].cells[0].level) == ("—", "")


def test_the_iteration_table_and_the_open_incidents_come_from_the_arts_breakdown():
    found = section(
        [
            snap(
                Metric.DEPLOYMENT_FREQUENCY,
                1.5,
                {
                    "by_iteration": [
                        {"iteration": "I1", "per_week": 2.0, "level": "high"},
                        {"iteration": "I2", "per_week": None, "level": None},
                    ]
                },
            ),
            snap(
                Metric.CHANGE_FAILURE_RATE,
                25.0,
                {
                    "by_iteration": [
                        {"iteration": "I1", "percent": 25.0, "failures": 1, "deployments": 4, "level": "low"},
                        {"iteration": "I2", "percent": None, "failures": 0, "deployments": 0, "level": None},
                    ]
                },
            ),
            snap(
                Metric.TIME_TO_RESTORE,
                None,
                {
                    **no_figure("nothing_restored"),
                    "open_incidents": 1,
                    "oldest_open_incident_hours": 50.0,
                    "open": [
                        {"service": "payments", "started_at": "2026-03-01T07:00:00+00:00", "open_hours": 50.0}
                    ],
                },
            ),
        ]
    )

    assert [(row.name, row.cells[0].text, row.cells[2].text) for row in found.iterations] == [
        ("I1", "2.0 per week", "25% (1 of 4)"),
        ("I2", "—", "—"),
    ]
    assert found.open_incidents[0]["service"] == "payments"
    assert found.open_incidents[0]["open_text"] == "2.1\u00a0days"
    assert found.open_summary == "1 incident open, the oldest for 2.1\u00a0days"


def test_trends_across_pis_leave_a_pi_without_a_figure_as_a_gap_and_say_why():
    across = [
        snap(Metric.CHANGE_FAILURE_RATE, 20.0, {}, pi_name="PI 1"),
        snap(Metric.CHANGE_FAILURE_RATE, None, no_figure("no_deployments"), pi_name="PI 2"),
        snap(Metric.CHANGE_FAILURE_RATE, 10.0, {}, pi_name="PI 3"),
        snap(
            Metric.CHANGE_FAILURE_RATE, 99.0, {}, pi_name="PI 3", team=Team(pk=1, name="Apollo")
        ),  # teams: not drawn
        snap(Metric.PREDICTABILITY, 90.0, {}, pi_name="PI 3"),  # other figures: ignored
    ]
    cards = trend_cards(across)

    assert [card.chart.id for card in cards] == [
        "chart-deployment-frequency-pis",
        "chart-lead-time-pis",
        "chart-change-failure-pis",
        "chart-time-to-restore-pis",
        "chart-defect-escape-pis",
    ]
    failure = cards[2]
    assert failure.chart.table.rows == [["PI 1", "20.0%"], ["PI 2", "—"], ["PI 3", "10.0%"]]
    assert "healthy below 15 %" in str(failure.chart.svg) and 'class="band"' in str(failure.chart.svg)
    assert failure.notes == ["PI 2: No figure: no production deployment recorded in the window."]
    assert cards[0].chart.empty  # no PI has a deployment frequency: an empty chart, not zeros


# --- the page ---------------------------------------------------------------------------------------


@pytest.fixture
def executing(train):
    return ProgramIncrementFactory(
        train=train,
        name="PI 9",
        start_date=timezone.localdate() - timedelta(days=20),
        state=ProgramIncrement.State.EXECUTING,
    )


def dashboard_url(train, pi) -> str:
    return reverse("metrics:dashboard_pi", args=[train.slug, pi.pk])


@pytest.mark.django_db
def test_the_page_shows_the_delivery_section_from_a_recompute(
    client, viewer, train, team, other_team, executing
):
    now = timezone.now()
    for days, succeeded in ((3, True), (2, False), (1, True)):
        Deployment.objects.create(
            train=train,
            team=team,
            service="checkout",
            deployed_at=now - timedelta(days=days),
            committed_at=now - timedelta(days=days, hours=4),
            succeeded=succeeded,
        )
    Incident.objects.create(
        train=train,
        team=team,
        service="payments",
        title="Card payments fail",
        started_at=now - timedelta(hours=5),
    )
    Defect.objects.create(
        train=train,
        team=team,
        title="Wrong total",
        found_at=now - timedelta(days=1),
        found_in=Defect.FoundIn.PRODUCTION,
    )
    services.pi_recompute(pi_id=executing.pk)
    client.force_login(viewer)

    page = client.get(dashboard_url(train, executing)).content.decode()

    assert '<h2 id="delivery-h">Delivery, PI 9</h2>' in page
    for definition in DEFINITIONS.values():
        assert escape(definition) in page  # each figure's definition, under "Definition"
    assert page.count("<summary>Definition</summary>") == 5
    assert "performance levels: DORA, Accelerate State of DevOps Report 2023" in page
    assert "33%" in page and "healthy below 15 %" in page  # 1 failed of 3
    assert "1 incident open" in page and "Card payments fail" in page
    assert "100%" in page  # the one defect found was found in production
    # Gemini recorded nothing: its row says no figure, not 0.
    delivery = page.split('id="delivery-h"', 1)[1]
    gemini_row = delivery.split(f'<th scope="row">{other_team.name}</th>', 1)[1].split("</tr>", 1)[0]
    assert gemini_row.count('<td class="num">—</td>') == 5
    for chart_id in ("chart-deployment-frequency-pis", "chart-change-failure-pis", "chart-defect-escape-pis"):
        assert f'id="{chart_id}-h"' in page
    assert calc.DORA_LEVELS["change_failure_rate"].published("elite") in page  # the levels table


@pytest.mark.django_db
def test_a_pi_without_delivery_figures_yet_says_so(client, viewer, train, executing, monkeypatch):
    monkeypatch.setattr(services, "pi_refresh_if_stale", lambda pi: None)  # nothing computed yet
    client.force_login(viewer)

    page = client.get(dashboard_url(train, executing)).content.decode()

    assert "No delivery figures for PI 9 yet." in page


@pytest.mark.django_db
def test_the_dashboard_api_carries_the_delivery_section(client, viewer, train, team, executing):
    Deployment.objects.create(
        train=train,
        team=team,
        service="checkout",
        deployed_at=timezone.now() - timedelta(days=1),
        rolled_back=True,
    )
    services.pi_recompute(pi_id=executing.pk)
    client.force_login(viewer)

    data = client.get(reverse("metrics-api:dashboard", args=[train.slug, executing.pk])).json()

    delivery = data["delivery"]
    assert delivery["source"] == "DORA, Accelerate State of DevOps Report 2023"
    failure = next(f for f in delivery["figures"] if f["metric"] == "change_failure_rate")
    assert (failure["value"], failure["level"], failure["status"]) == ("100%", "Low", "bad")  # rolled back
    frequency = next(f for f in delivery["figures"] if f["metric"] == "deployment_frequency")
    assert (frequency["value"], frequency["level"]) == ("0.0 per week", "Low")  # recorded, none delivered
    assert frequency["definition"] == DEFINITIONS[Metric.DEPLOYMENT_FREQUENCY]
    assert [row["name"] for row in delivery["rows"]] == ["ART (all teams)", team.name]
    assert len(delivery["across_pis"]) == 5
    # The snapshots themselves, by kind, as every other figure's.
    rows = client.get(
        reverse("metrics-api:snapshot-list", args=[train.slug, executing.pk]),
        {"metric": "change_failure_rate", "art": "true"},
    ).json()["results"]
    assert [(row["metric"], row["value"]) for row in rows] == [("change_failure_rate", 100.0)]
