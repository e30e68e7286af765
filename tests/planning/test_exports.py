"""Exports of PI Planning (issue #13): the PI plan, objectives and capacity as XLSX and CSV."""

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from planning.calculations import wsjf
from planning.factories import (
    DependencyFactory,
    FeatureFactory,
    MilestoneFactory,
    PIObjectiveFactory,
    StoryFactory,
    TeamCapacityFactory,
)
from tests.planning.test_board import build_board

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(name, train, fmt, **query):
    path = reverse(f"planning:{name}", args=[train.slug, fmt])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet) -> list[dict]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def csv_rows(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads it as UTF-8
    text = content.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def plan(train, pi, team, other_team, iterations):
    need = FeatureFactory(
        train=train, pi=pi, team=team, iteration=iterations[1], title="Checkout in one step"
    )
    give = FeatureFactory(
        train=train, pi=pi, team=other_team, iteration=iterations[2], title="Payments API", job_size=8
    )
    StoryFactory(team=team, feature=need, iteration=iterations[1], points=5)
    StoryFactory(team=team, feature=need, iteration=iterations[1], points=3)
    FeatureFactory(train=train, pi=pi, title="Unplanned idea")
    DependencyFactory(
        pi=pi,
        requesting_team=team,
        providing_team=other_team,
        requesting_feature=need,
        providing_feature=give,
        needed_by_iteration=iterations[1],
    )
    objective = PIObjectiveFactory(
        pi=pi, team=team, text="Customers pay in one step", planned_business_value=8
    )
    objective.features.add(need)
    PIObjectiveFactory(
        pi=pi,
        team=team,
        text="Try wallets",
        is_committed=False,
        planned_business_value=3,
        actual_business_value=4,
    )
    objective.actual_business_value = 6
    objective.save()
    MilestoneFactory(pi=pi, name="Release 1")
    TeamCapacityFactory(team=team, iteration=iterations[1], fte=1.25, days_off=1)
    return need, give


def test_the_pi_plan_is_a_real_spreadsheet_with_one_sheet_per_part(client, viewer, train, pi, plan):
    client.force_login(viewer)
    book = workbook(client.get(url("pi_plan_export", train, "xlsx", pi=pi.pk)))
    assert book.sheetnames == [
        "Features",
        "Dependencies",
        "Objectives",
        "Predictability",
        "Milestones",
        "Iterations",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
    features = {row["Feature"]: row for row in rows_of(book["Features"])}
    checkout = features["Checkout in one step"]
    assert checkout["Team"] == "Apollo" and checkout["Iteration"] == "I2" and checkout["State"] == "Backlog"
    assert checkout["Points"] == 8 and isinstance(checkout["Points"], int)
    assert checkout["WSJF"] == pytest.approx(wsjf(5, 3, 2, 5)) and isinstance(checkout["WSJF"], int | float)
    assert isinstance(checkout["Iteration start"], date | datetime)
    assert checkout["Objectives"] == "Customers pay in one step"
    assert features["Payments API"]["WSJF"] == pytest.approx(10 / 8)
    assert features["Unplanned idea"]["Iteration"] == "unplanned"
    (dependency,) = rows_of(book["Dependencies"])
    # Needed in I2, planned in I3: the board's rule (planning/health.py) says red.
    assert dependency["Health"] == "Conflict" and dependency["Providing feature"] == "Payments API"
    objectives = rows_of(book["Objectives"])
    assert [(o["Objective"], o["Planned BV"], o["Actual BV"]) for o in objectives] == [
        ("Customers pay in one step", 8, 6),
        ("Try wallets", 3, 4),
    ]
    predictability = {row["Team"]: row for row in rows_of(book["Predictability"])}
    # §4.1: uncommitted actuals count, uncommitted plans do not: 100 × (6 + 4) / 8.
    assert predictability["Apollo"]["Predictability %"] == pytest.approx(125.0)
    assert predictability["Gemini"]["Predictability %"] is None
    (milestone,) = rows_of(book["Milestones"])
    assert milestone["Milestone"] == "Release 1" and isinstance(milestone["Date"], date | datetime)


def test_the_pi_plan_as_csv_is_a_zip_of_parts_or_one_part(client, viewer, train, pi, plan):
    client.force_login(viewer)
    response = client.get(url("pi_plan_export", train, "csv", pi=pi.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "orbit-pi-7-pi-plan-features.csv" in names and "orbit-pi-7-pi-plan-dependencies.csv" in names
    features = csv_rows(archive.read("orbit-pi-7-pi-plan-features.csv"))
    assert {row["Feature"] for row in features} == {"Checkout in one step", "Payments API", "Unplanned idea"}

    response = client.get(url("pi_plan_export", train, "csv", pi=pi.pk, part="dependencies"))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="orbit-pi-7-pi-plan-dependencies.csv"' in response["Content-Disposition"]
    (row,) = csv_rows(response.content)
    assert row["Health"] == "Conflict" and row["Needed by"] == "I2"
    assert client.get(url("pi_plan_export", train, "csv", pi=pi.pk, part="nothing")).status_code == 404


def test_objectives_and_capacity_exports(client, viewer, train, pi, plan, iterations):
    client.force_login(viewer)
    book = workbook(client.get(url("objectives_export", train, "xlsx", pi=pi.pk)))
    assert book.sheetnames == ["Objectives", "Predictability"]
    book = workbook(client.get(url("capacity_export", train, "xlsx", pi=pi.pk)))
    assert book.sheetnames == ["Capacity", "Totals"]
    cells = {(row["Team"], row["Iteration"]): row for row in rows_of(book["Capacity"])}
    cell = cells[("Apollo", "I2")]
    # §4.3: 8 × 1.25 FTE − 1 day off = 9; 8 points planned: 89 %, amber.
    assert cell["Capacity"] == 9 and cell["Load (points)"] == 8 and cell["Status"] == "amber"
    assert cell["FTE"] == 1.25 and cell["Load / capacity %"] == pytest.approx(100 * 8 / 9)
    rows = csv_rows(client.get(url("capacity_export", train, "csv", pi=pi.pk, part="capacity")).content)
    assert len(rows) == 2 * len(iterations)


def test_another_trains_user_gets_404_and_nobody_signed_in_the_login_page(client, outsider, train, pi, plan):
    client.force_login(outsider)
    for name in ("pi_plan_export", "objectives_export", "capacity_export"):
        assert client.get(url(name, train, "xlsx", pi=pi.pk)).status_code == 404
    client.logout()
    assert client.get(url("pi_plan_export", train, "csv")).status_code == 302


def test_the_pi_plan_export_costs_the_same_queries_for_a_small_and_a_large_pi(client, rte, train, pi):
    client.force_login(rte)
    build_board(train, pi, teams=2, features_per_team=2, dependencies=2)
    client.get(url("pi_plan_export", train, "xlsx", pi=pi.pk))
    with CaptureQueriesContext(connection) as small:
        client.get(url("pi_plan_export", train, "xlsx", pi=pi.pk))
    build_board(train, pi, teams=6, features_per_team=10, dependencies=40)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url("pi_plan_export", train, "xlsx", pi=pi.pk))
    assert response.status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_each_page_links_its_export_without_a_script(client, viewer, train, pi):
    client.force_login(viewer)
    for page, export in [
        ("planning:board", "planning:pi_plan_export"),
        ("planning:objectives", "planning:objectives_export"),
        ("planning:capacity", "planning:capacity_export"),
    ]:
        html = client.get(reverse(page, args=[train.slug]), {"pi": pi.pk}).content.decode()
        for fmt in ("csv", "xlsx"):
            assert f'href="{reverse(export, args=[train.slug, fmt])}?pi={pi.pk}"' in html, page


# --- the API ---------------------------------------------------------------------------------------


def api_client(user, **headers):
    from rest_framework.test import APIClient

    from trains.services import api_token_create

    _, raw = api_token_create(user=user, name="exports")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)
    return client


def api_url(name, train, pi, fmt):
    return reverse(f"planning-api:{name}", kwargs={"slug": train.slug, "pi_id": pi.pk, "fmt": fmt})


def test_the_api_serves_the_same_files_with_a_token(viewer, outsider, train, pi, plan):
    client = api_client(viewer, HTTP_ACCEPT="application/json")
    book = workbook(client.get(api_url("pi-plan-export", train, pi, "xlsx")))
    assert book.sheetnames[:2] == ["Features", "Dependencies"] and book["Features"].freeze_panes == "A2"
    response = client.get(api_url("objectives-export", train, pi, "csv"), {"part": "predictability"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="orbit-pi-7-objectives-predictability.csv"' in response["Content-Disposition"]
    assert {row["Team"] for row in csv_rows(response.content)} >= {"Apollo", "Gemini"}
    assert workbook(client.get(api_url("capacity-export", train, pi, "xlsx"))).sheetnames == [
        "Capacity",
        "Totals",
    ]

    assert api_client(outsider).get(api_url("pi-plan-export", train, pi, "csv")).status_code == 404
    from rest_framework.test import APIClient

    assert APIClient().get(api_url("pi-plan-export", train, pi, "csv")).status_code == 401
