"""Exports of running the PI (issue #13): the ROAM register, impediments, ART Sync action items."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from planning.factories import FeatureFactory
from risks.factories import ActionItemFactory, ArtSyncFactory, ImpedimentFactory, RiskFactory
from risks.models import Impediment, Risk

pytestmark = pytest.mark.django_db


def url(name, train, fmt, **query):
    path = reverse(f"risks:{name}", args=[train.slug, fmt])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def sheet_rows(response, name):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [name]
    assert book[name].freeze_panes == "A2"
    values = list(book[name].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_the_roam_register(client, viewer, rte, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team, title="Checkout")
    risk = RiskFactory(
        train=train,
        pi=pi,
        team=team,
        title="Vendor late",
        roam_status=Risk.Roam.OWNED,
        owner=rte,
        impact=4,
        likelihood=3,
        due_date=date(2026, 2, 1),
    )
    risk.features.add(feature)
    RiskFactory(train=train, pi=pi, title="Audit", impact=2, likelihood=2)
    client.force_login(viewer)
    rows = sheet_rows(client.get(url("roam_export", train, "xlsx", pi=pi.pk)), "ROAM register")
    assert [row["Risk"] for row in rows] == ["Vendor late", "Audit"]
    vendor = rows[0]
    assert vendor["ROAM"] == "Owned" and vendor["Exposure"] == 12 and isinstance(vendor["Exposure"], int)
    assert isinstance(vendor["Due"], date | datetime) and isinstance(vendor["Raised at"], datetime)
    assert vendor["Features"] == "Checkout" and vendor["Level"] == "team"
    rows = csv_rows(client.get(url("roam_export", train, "csv", pi=pi.pk, level="art")))
    assert [row["Risk"] for row in rows] == ["Audit"] and rows[0]["Exposure"] == "4"


def test_impediments_follow_the_lists_filters(client, viewer, train, team):
    ImpedimentFactory(team=team, title="No test data", severity="high")
    ImpedimentFactory(
        team=team,
        title="Licence",
        status=Impediment.Status.RESOLVED,
        raised_at=timezone.now() - timedelta(days=3),
        resolved_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(viewer)
    rows = sheet_rows(client.get(url("impediments_export", train, "xlsx")), "Impediments")
    assert [row["Impediment"] for row in rows] == ["No test data"]
    assert isinstance(rows[0]["Age (days)"], int | float) and isinstance(rows[0]["Raised at"], datetime)
    rows = csv_rows(client.get(url("impediments_export", train, "csv", status="all")))
    assert {row["Impediment"] for row in rows} == {"No test data", "Licence"}
    licence = next(row for row in rows if row["Impediment"] == "Licence")
    assert float(licence["Age (days)"]) == pytest.approx(2.0)


def test_art_sync_action_items(client, viewer, train, pi):
    sync = ArtSyncFactory(pi=pi, held_on=date(2026, 1, 14))
    ActionItemFactory(raised_in=sync, title="Book the demo room")
    client.force_login(viewer)
    rows = sheet_rows(client.get(url("action_items_export", train, "xlsx", pi=pi.pk)), "ART Sync actions")
    assert rows[0]["Action"] == "Book the demo room"
    assert isinstance(rows[0]["ART Sync"], date | datetime) and isinstance(rows[0]["Due"], date | datetime)
    (row,) = csv_rows(client.get(url("action_items_export", train, "csv", pi=pi.pk)))
    assert row["ART Sync"] == "2026-01-14" and row["Status"] == "Open"


def test_another_trains_user_gets_404(client, outsider, train, pi):
    client.force_login(outsider)
    for name in ("roam_export", "impediments_export", "action_items_export"):
        assert client.get(url(name, train, "csv")).status_code == 404


def test_the_roam_register_costs_the_same_queries_for_few_and_many_risks(client, viewer, train, pi, team):
    client.force_login(viewer)
    feature = FeatureFactory(train=train, pi=pi, team=team)
    RiskFactory(train=train, pi=pi).features.add(feature)
    with CaptureQueriesContext(connection) as few:
        client.get(url("roam_export", train, "xlsx", pi=pi.pk))
    for _ in range(15):
        RiskFactory(train=train, pi=pi, team=team).features.add(FeatureFactory(train=train, pi=pi))
    with CaptureQueriesContext(connection) as many:
        client.get(url("roam_export", train, "xlsx", pi=pi.pk))
    assert len(few.captured_queries) == len(many.captured_queries)


def test_each_page_links_its_export(client, viewer, train, pi):
    client.force_login(viewer)
    for page, export in [
        ("risks:roam_board", "risks:roam_export"),
        ("risks:impediments", "risks:impediments_export"),
        ("risks:art_sync", "risks:action_items_export"),
    ]:
        html = client.get(reverse(page, args=[train.slug])).content.decode()
        for fmt in ("csv", "xlsx"):
            assert f'href="{reverse(export, args=[train.slug, fmt])}"' in html, page


def test_the_api_serves_the_same_files_with_a_token(viewer, outsider, train, pi, team):
    from rest_framework.test import APIClient

    from trains.services import api_token_create

    RiskFactory(train=train, pi=pi, title="Vendor late")
    ImpedimentFactory(team=team, title="No test data")
    ActionItemFactory(raised_in=ArtSyncFactory(pi=pi), title="Book the room")

    def client_of(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='x')[1]}")
        return client

    client = client_of(viewer)
    for name, sheet, title in [
        ("roam-export", "ROAM register", "Vendor late"),
        ("impediments-export", "Impediments", "No test data"),
        ("action-items-export", "ART Sync actions", "Book the room"),
    ]:
        path = reverse(f"risks-api:{name}", kwargs={"slug": train.slug, "fmt": "xlsx"})
        rows = sheet_rows(client.get(path, {"pi": pi.pk}), sheet)
        assert title in rows[0].values()
        csv_path = reverse(f"risks-api:{name}", kwargs={"slug": train.slug, "fmt": "csv"})
        assert len(csv_rows(client.get(csv_path, {"pi": pi.pk}))) == 1
        assert client_of(outsider).get(csv_path).status_code == 404
