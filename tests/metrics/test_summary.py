"""The leadership summary: what the page says, what it costs, and that its PDF says the same."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from metrics.models import Snapshot
from metrics.releases import services as releases
from metrics.summary.selectors import leadership_summary
from planning.factories import MilestoneFactory, PIObjectiveFactory, ProgramIncrementFactory
from planning.models import Milestone
from risks.factories import ImpedimentFactory, RiskFactory
from risks.models import Impediment, Risk
from trains.factories import TeamFactory

pytestmark = pytest.mark.django_db


def summary_url(train, pi) -> str:
    return reverse("metrics:summary", args=[train.slug, pi.pk])


def pdf_url(train, pi) -> str:
    return reverse("metrics:summary_pdf", args=[train.slug, pi.pk])


def _forecast(train, pi, value=72.0, remaining=6):
    Snapshot.objects.create(
        train=train,
        pi=pi,
        team=None,
        metric=Snapshot.Metric.FORECAST,
        day=timezone.localdate(),
        value=value,
        data={"committed": 10, "done": 10 - remaining, "remaining": remaining, "date_85": "2026-03-20"},
        computed_at=timezone.now(),
    )


def _release(pi, rte, name, days, decide=None):
    milestone = MilestoneFactory(
        pi=pi, name=name, date=pi.start_date + timedelta(days=days), kind=Milestone.Kind.RELEASE
    )
    checklist = releases.release_checklist_create(milestone=milestone, actor=rte)
    if decide:
        releases.release_decision_record(
            checklist=checklist,
            outcome=decide,
            reason="Reviewed in the go/no-go.",
            conditions="Smoke tests green in production." if decide == "go_with_conditions" else "",
            expected_version=1,
            actor=rte,
        )
    return milestone


def _impediment(team, title, level):
    return ImpedimentFactory(
        team=team,
        title=title,
        status=Impediment.Status.ESCALATED,
        escalation_level=level,
        raised_at=timezone.now() - timedelta(days=9),
    )


@pytest.fixture
def busy_pi(train, team, other_team, pi, rte):
    """Objectives scored, a forecast stored, risks, escalated impediments and two releases."""
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=10, actual_business_value=8)
    PIObjectiveFactory(
        pi=pi, team=team, is_committed=False, planned_business_value=4, actual_business_value=3
    )
    PIObjectiveFactory(pi=pi, team=other_team, planned_business_value=10, actual_business_value=6)
    _forecast(train, pi)
    RiskFactory(train=train, pi=pi, title="Vendor API may slip", impact=5, likelihood=4)
    RiskFactory(
        train=train,
        pi=pi,
        team=team,
        title="Load test lab booked late",
        impact=3,
        likelihood=3,
        roam_status=Risk.Roam.OWNED,
        owner=rte,
    )
    RiskFactory(
        train=train, pi=pi, title="Old concern", impact=5, likelihood=5, roam_status=Risk.Roam.RESOLVED
    )
    _impediment(team, "Firewall change stuck in CAB", Impediment.Level.PORTFOLIO)
    _impediment(other_team, "Test data refresh", Impediment.Level.ART)
    ImpedimentFactory(team=team, title="Team-level hiccup")
    _release(pi, rte, "Release 7.1", 20, decide="no_go")
    _release(pi, rte, "Release 7.2", 40, decide="go")
    return pi


def test_a_figure_still_being_scored_says_so_and_is_not_called_below_band(team, pi):
    # Two committed objectives of 10, one scored 6: 60 % so far, but the scoring is not done.
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=10, actual_business_value=6)
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=10)

    line = next(t for t in leadership_summary(pi).teams if t.name == team.name)

    assert line.predictability == "30 %"
    assert (line.band, line.band_key) == ("partial: 1 of 2 scored", "")


def test_the_forecast_is_never_rounded_onto_a_band_edge_it_has_not_reached(train, pi):
    _forecast(train, pi, value=84.6)

    assert leadership_summary(pi).forecast == "84.6 %"


def test_the_summary_says_what_a_business_owner_needs(client, train, busy_pi, business_owner):
    client.force_login(business_owner)
    response = client.get(summary_url(train, busy_pi))
    assert response.status_code == 200
    page = response.content.decode()
    # Predictability per team and for the ART: Apollo 11 of 10 (uncommitted counts), Gemini 6 of 10.
    assert "110 %" in page and "60 %" in page
    assert "85 %" in page  # ART: (11 + 6) / 20
    assert "80–100 %" in page
    assert "72 %" in page and "85 % of trials finish by 20 Mar 2026" in page
    # Open risks by exposure, the resolved one left out; the escalated impediments, not the team's.
    assert page.index("Vendor API may slip") < page.index("Load test lab booked late")
    assert "Old concern" not in page
    assert "Firewall change stuck in CAB" in page and "Test data refresh" in page
    assert "Team-level hiccup" not in page
    # Releases with readiness and the latest decision; decisions needed.
    assert "Release 7.1" in page and "No-go" in page and "Go (" in page
    assert "Go/no-go for Release 7.1" in page
    assert "Go/no-go for Release 7.2" not in page
    assert "Impediment escalated to the portfolio: Firewall change stuck in CAB" in page
    assert "Risk not yet ROAMed: Vendor API may slip" in page
    assert reverse("metrics:summary_pdf", args=[train.slug, busy_pi.pk]) in page


def test_the_summary_costs_the_same_queries_for_a_bigger_train(
    client, train, busy_pi, rte, django_assert_max_num_queries
):
    client.force_login(rte)
    url = summary_url(train, busy_pi)
    client.get(url)  # warm: the session, the user

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(6):
        team = TeamFactory(train=train, name=f"Team {n}")
        PIObjectiveFactory(pi=busy_pi, team=team, planned_business_value=5, actual_business_value=5)
        RiskFactory(train=train, pi=busy_pi, team=team, title=f"Risk {n}", impact=2, likelihood=2)
        _impediment(team, f"Blocked {n}", Impediment.Level.ART)
        _release(busy_pi, rte, f"Release extra {n}", 10 + n, decide="go_with_conditions" if n % 2 else None)
    with django_assert_max_num_queries(len(small)):
        page = client.get(url).content.decode()
    assert "Release extra 5" in page and "Team 5" in page


def test_the_pdf_carries_the_same_figures_as_the_page(client, train, busy_pi, viewer):
    client.force_login(viewer)
    response = client.get(pdf_url(train, busy_pi))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    assert len(reader.pages) == 1  # one page, A4 landscape
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    text = " ".join((reader.pages[0].extract_text() or "").split())

    summary = leadership_summary(busy_pi)
    figures = [
        summary.art.predictability,
        *(t.predictability for t in summary.teams),
        summary.forecast,
        *(r.title for r in summary.risks),
        *(i.title for i in summary.impediments),
        *(r.name for r in summary.releases),
        *(r.readiness for r in summary.releases),
        *(h.value for h in summary.headlines),
    ]
    for figure in figures:
        assert figure in text, figure
    assert "Decisions needed" in text and "Go/no-go for Release 7.1" in text


def test_the_summary_of_an_empty_pi_says_so_rather_than_inventing_figures(client, train, pi, viewer):
    client.force_login(viewer)
    page = client.get(summary_url(train, pi)).content.decode()
    assert "Not computed yet" in page
    assert "No release milestone in this PI." in page
    assert "Nothing waits for a decision." in page
    pdf = client.get(pdf_url(train, pi))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_another_trains_summary_is_not_found(client, train, pi, outsider):
    client.force_login(outsider)
    assert client.get(summary_url(train, pi)).status_code == 404
    assert client.get(pdf_url(train, pi)).status_code == 404


def test_the_pi_picker_opens_the_summary_of_the_pi_asked_for(client, train, pi, viewer):
    ProgramIncrementFactory(train=train, name="PI 8", start_date=pi.end_date + timedelta(days=1))
    client.force_login(viewer)
    url = reverse("metrics:summary_current", args=[train.slug])
    assert client.get(url, {"pi": pi.pk}).context["pi"] == pi
    assert client.get(url, {"pi": "9" * 40}).status_code == 404
    assert client.get(url, {"pi": "²"}).status_code == 404
