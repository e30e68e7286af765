"""Delivery events over the API (planning/api/delivery.py): a pipeline posting with its token, idempotent
posting by reference, versions over HTTP, filters, the CSV import, and hostile input answered 4xx.

Who may call what is in the role matrix (tests/api/rows/delivery.py)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planning.factories import FeatureFactory
from planning.models import Defect, Deployment, Incident
from tests.api.world import build_world
from trains.history.models import Change, Door, Kind

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"planning-api:{name}", args=["orbit", *args])


@pytest.fixture
def w():
    return build_world()


def send(w, persona, method, path, body=None, version=None):
    headers = {"HTTP_IF_MATCH": f'"{version}"'} if version is not None else {}
    return w.client(persona).generic(
        method,
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def test_a_pipeline_posts_a_deployment_with_its_token_and_the_history_says_api(w):
    body = {
        "team": w.team_a.pk,
        "service": "checkout",
        "deployed_at": "2026-01-20T10:15:00Z",
        "committed_at": "2026-01-19T16:40:00+01:00",
        "reference": "pipeline-8812",
    }

    response = send(w, "member", "POST", url("deployment-list"), body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["service"] == "checkout" and data["environment"] == "production"
    assert data["committed_at"] == "2026-01-19T15:40:00Z" and data["recorded_by"] == "member"
    assert Change.objects.get(kind=Kind.DEPLOYMENT).door == Door.API


def test_posting_a_known_reference_answers_200_and_updates_it(w):
    first = {
        "service": "checkout",
        "title": "Card payments fail",
        "started_at": "2026-01-20T10:40:00Z",
        "reference": "INC-311",
    }
    assert send(w, "rte", "POST", url("incident-list"), first).status_code == 201

    again = send(w, "rte", "POST", url("incident-list"), {**first, "restored_at": "2026-01-20T11:25:00Z"})

    assert again.status_code == 200, again.content
    assert again.json()["is_open"] is False and again.json()["version"] == 2
    assert Incident.objects.count() == 1


def test_an_incident_names_its_cause_by_the_deployments_reference(w):
    send(
        w,
        "rte",
        "POST",
        url("deployment-list"),
        {"service": "a", "deployed_at": "2026-01-20T10:00:00Z", "reference": "sha-1"},
    )

    response = send(
        w,
        "rte",
        "POST",
        url("incident-list"),
        {
            "service": "a",
            "title": "Down",
            "started_at": "2026-01-20T10:30:00Z",
            "deployment_reference": "sha-1",
        },
    )
    unknown = send(
        w,
        "rte",
        "POST",
        url("incident-list"),
        {
            "service": "a",
            "title": "Down",
            "started_at": "2026-01-20T10:30:00Z",
            "deployment_reference": "nope",
        },
    )

    assert response.status_code == 201
    assert response.json()["deployment"] == Deployment.objects.get(reference="sha-1").pk
    assert unknown.status_code == 422 and "deployment_reference" in unknown.json()["fields"]


def test_a_patch_needs_the_version_it_read(w):
    created = send(
        w, "rte", "POST", url("defect-list"), {"title": "Typo", "found_at": "2026-01-20T08:00:00Z"}
    ).json()
    path = url("defect-detail", created["id"])

    assert send(w, "rte", "PATCH", path, {"severity": "low"}).status_code == 428
    ok = send(w, "rte", "PATCH", path, {"resolved_at": "2026-01-21T08:00:00Z"}, version=1)
    stale = send(w, "rte", "PATCH", path, {"severity": "high"}, version=1)

    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    assert stale.status_code == 412 and stale.json()["current"]["version"] == 2
    assert Defect.objects.get().severity == Defect.Severity.MEDIUM


def test_a_wrong_field_answers_422_on_that_field_and_writes_nothing(w):
    response = send(
        w,
        "rte",
        "POST",
        url("deployment-list"),
        {"service": "a", "deployed_at": "2026-01-20T10:00:00Z", "merged_at": "2026-01-20T11:00:00Z"},
    )

    assert response.status_code == 422
    assert "merged_at" in response.json()["fields"]
    assert not Deployment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"service": "a", "deployed_at": "9999-12-31T23:59:59-12:00"},
        {"service": "a", "deployed_at": "0001-01-01T00:00:00+14:00"},
        {"service": "a\x00", "deployed_at": "2026-01-20T10:00:00Z"},
        {"service": "a", "deployed_at": "2026-01-20T10:00:00Z", "team": 2**63},
        {"service": "a", "deployed_at": "2026-01-20T10:00:00Z", "team": "x"},
        {"service": ["a"], "deployed_at": 5},
        {"service": "a" * 20000, "deployed_at": "2026-01-20T10:00:00Z"},
    ],
)
def test_hostile_bodies_answer_422_not_500(w, body):
    response = send(w, "rte", "POST", url("deployment-list"), body)

    assert response.status_code == 422, response.content
    assert not Deployment.objects.exists()


def test_another_trains_team_is_no_choice(w):
    from trains.factories import TeamFactory

    stranger = TeamFactory(train=w.users["outsider"].memberships.get().train)
    response = send(
        w,
        "rte",
        "POST",
        url("deployment-list"),
        {"service": "a", "deployed_at": "2026-01-20T10:00:00Z", "team": stranger.pk},
    )

    assert response.status_code == 422 and "team" in response.json()["fields"]


def test_lists_filter_by_team_service_and_time(w):
    for team, service, when in [
        (w.team_a, "checkout", "2026-01-10T10:00:00Z"),
        (w.team_a, "search", "2026-01-20T10:00:00Z"),
        (w.team_b, "checkout", "2026-01-30T10:00:00Z"),
    ]:
        send(
            w,
            "rte",
            "POST",
            url("deployment-list"),
            {"team": team.pk, "service": service, "deployed_at": when},
        )

    def services(query):
        return [
            row["service"]
            for row in send(w, "viewer", "GET", url("deployment-list") + query).json()["results"]
        ]

    assert services(f"?team={w.team_a.pk}") == ["search", "checkout"]
    assert services("?service=CHECKOUT") == ["checkout", "checkout"]
    assert services("?since=2026-01-15T00:00:00Z&until=2026-01-25T00:00:00Z") == ["search"]
    assert send(w, "viewer", "GET", url("deployment-list") + "?since=yesterday").status_code == 422


def test_open_incidents_are_filtered(w):
    send(
        w,
        "rte",
        "POST",
        url("incident-list"),
        {"service": "a", "title": "Open", "started_at": "2026-01-20T10:00:00Z"},
    )
    send(
        w,
        "rte",
        "POST",
        url("incident-list"),
        {
            "service": "a",
            "title": "Closed",
            "started_at": "2026-01-20T10:00:00Z",
            "restored_at": "2026-01-20T12:00:00Z",
        },
    )

    rows = send(w, "viewer", "GET", url("incident-list") + "?open=true").json()["results"]

    assert [row["title"] for row in rows] == ["Open"]


def test_a_deployment_is_corrected_and_removed(w):
    created = send(
        w,
        "sm",
        "POST",
        url("deployment-list"),
        {"team": w.team_a.pk, "service": "a", "deployed_at": "2026-01-20T10:00:00Z"},
    ).json()
    path = url("deployment-detail", created["id"])

    assert send(w, "sm", "PATCH", path, {"rolled_back": True}).json()["rolled_back"] is True
    assert send(w, "sm_other", "DELETE", path).status_code == 403
    assert send(w, "sm", "DELETE", path).status_code == 204
    assert not Deployment.objects.exists()


def test_a_revoked_token_records_nothing(w):
    response = send(
        w, "revoked", "POST", url("deployment-list"), {"service": "a", "deployed_at": "2026-01-20T10:00:00Z"}
    )

    assert response.status_code == 401
    assert not Deployment.objects.exists()


# --- CSV import ------------------------------------------------------------------------------------------


def upload(w, persona, kind, text):
    file = SimpleUploadedFile(f"{kind}s.csv", text.encode(), content_type="text/csv")
    return w.client(persona).post(url("delivery-import"), {"kind": kind, "file": file}, format="multipart")


def test_a_csv_of_defects_is_imported_whole(w):
    feature = FeatureFactory(train=w.train, pi=w.pi, team=w.team_a, external_key="SHOP-12")
    text = (
        "title,found_at,feature,found_in,severity,reference\n"
        "Totals round wrongly,2026-01-20 08:00,SHOP-12,production,high,BUG-1\n"
        f"Label cut,20/Jan/26 9:30 AM,{feature.pk},before release,low,BUG-2\n"
    )

    response = upload(w, "po", "defect", text)

    assert response.status_code == 200, response.content
    assert response.json() == {"kind": "defect", "created": 2, "updated": 0, "problems": []}
    assert set(Defect.objects.values_list("team", flat=True)) == {w.team_a.pk}
    assert Change.objects.filter(kind=Kind.DEFECT).first().door == Door.IMPORT


def test_a_csv_with_a_bad_row_imports_nothing_and_says_where(w):
    text = "service,deployed_at,team,succeeded\na,2026-01-20T10:00Z,Apollo,yes\nb,2026-13-40 10:00,Nowhere,maybe\n"

    response = upload(w, "rte", "deployment", text)

    assert response.status_code == 422
    problems = {(p["line"], p["column"]) for p in response.json()["problems"]}
    assert problems == {(3, "deployed_at"), (3, "team"), (3, "succeeded")}
    assert not Deployment.objects.exists()


@pytest.mark.parametrize("name", ["deployment-list", "incident-list", "defect-list"])
def test_a_list_costs_the_same_queries_for_two_events_and_for_twenty(w, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from planning.services.delivery import defect_record, deployment_record, incident_record

    def add(n):
        for i in range(n):
            when = f"2026-01-{10 + i % 15:02d}T10:00:00Z"
            cause = deployment_record(
                train=w.train, actor=None, team=w.team_a, service=f"s{i}", deployed_at=_parse(when)
            ).event
            incident_record(
                train=w.train,
                actor=None,
                team=w.team_b,
                service="a",
                title=f"i{i}",
                started_at=_parse(when),
                deployment=cause,
            )
            defect_record(train=w.train, actor=None, team=w.team_a, title=f"d{i}", found_at=_parse(when))

    client = w.client("viewer")
    client.get(url(name))  # the token's first use of the day is noted once
    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(name)).status_code == 200
    add(18)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url(name)).json()["results"]) == 20

    assert len(many) == len(few)


def _parse(text):
    from datetime import datetime

    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    "since", ["0775-10-05T23:17:05-22:10", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]
)
def test_a_time_filter_postgresql_cannot_take_is_answered_without_a_database_error(w, since):
    from django.db import connection, transaction

    with transaction.atomic():
        response = send(w, "viewer", "GET", url("deployment-list") + f"?since={since.replace('+', '%2B')}")
        with connection.cursor() as cursor:  # the transaction is still usable
            cursor.execute("SELECT 1")

    assert response.status_code in (200, 422)
