"""The Delivery page (planning/views/delivery.py): the lists, recording by hand with field messages,
restoring an incident, resolving a defect, the CSV upload, and what each role is offered."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planning.factories import FeatureFactory
from planning.models import Defect, Deployment, Incident
from planning.services.delivery import defect_record, deployment_record, incident_record

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)


def url(name: str, *args) -> str:
    return reverse(f"planning:{name}", args=["orbit", *args])


def test_the_page_lists_open_incidents_first_and_filters_by_team(client, rte, team, other_team):
    incident_record(
        train=team.train,
        actor=None,
        team=team,
        service="checkout",
        title="Old and restored",
        started_at=WHEN - timedelta(days=3),
        restored_at=WHEN - timedelta(days=3) + timedelta(hours=1),
    )
    incident_record(
        train=team.train, actor=None, team=team, service="checkout", title="Still open", started_at=WHEN
    )
    deployment_record(train=team.train, actor=None, team=other_team, service="ledger-sync", deployed_at=WHEN)
    client.force_login(rte)

    page = client.get(url("delivery")).content.decode()
    apollo = client.get(url("delivery") + f"?team={team.pk}").content.decode()

    assert page.index("Still open") < page.index("Old and restored")
    row = '<th scope="row">ledger-sync</th>'
    assert "1 open" in page and row in page
    assert "Still open" in apollo and row not in apollo


def test_the_train_navigation_links_the_page(client, viewer):
    client.force_login(viewer)

    page = client.get(reverse("trains:detail", args=["orbit"])).content.decode()

    assert url("delivery") in page


def test_a_viewer_reads_the_page_without_any_form(client, viewer, team):
    client.force_login(viewer)

    page = client.get(url("delivery")).content.decode()

    assert "Record a deployment" not in page and "Import a CSV file" not in page
    assert client.post(url("deployment_new"), {"service": "a"}).status_code == 403


def test_a_team_member_records_a_deployment_for_their_team_only(client, team_member, team, other_team):
    client.force_login(team_member)
    page = client.get(url("delivery")).content.decode()
    assert "Record a deployment" in page and other_team.name not in page.split("Record a deployment")[1]

    response = client.post(
        url("deployment_new"),
        {
            "team": team.pk,
            "service": "checkout",
            "environment": "production",
            "deployed_at": "2026-01-20T10:15",
            "committed_at": "2026-01-19T09:00",
            "succeeded": "on",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200, response.content
    assert "Recorded: checkout to production" in response.content.decode()
    deployment = Deployment.objects.get()
    assert (deployment.team, deployment.recorded_by, deployment.succeeded) == (team, team_member, True)
    assert client.post(url("deployment_new"), {"team": other_team.pk, "service": "a"}).status_code == 403


def test_a_wrong_field_answers_422_with_the_message_on_the_field(client, rte):
    client.force_login(rte)

    response = client.post(
        url("deployment_new"),
        {
            "service": "checkout",
            "environment": "production",
            "deployed_at": "2026-01-20T10:15",
            "merged_at": "2026-01-20T11:00",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="deployment-merged_at_error"' in body and "The merge cannot come after the deployment." in body
    assert '<details class="record" open>' in body
    assert not Deployment.objects.exists()


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59", "0001-01-01T00:00", "2026-02-30T10:00", "x" * 300, "10²"]
)
def test_hostile_times_are_field_errors(client, rte, value):
    client.force_login(rte)

    response = client.post(
        url("incident_new"), {"title": "Down", "service": "a", "severity": "high", "started_at": value}
    )

    assert response.status_code == 422
    assert not Incident.objects.exists()


def test_an_incident_is_marked_restored(client, scrum_master, team):
    incident = incident_record(
        train=team.train, actor=None, team=team, service="a", title="Down", started_at=WHEN
    ).event
    client.force_login(scrum_master)

    response = client.post(url("incident_restore", incident.pk), {"version": 1}, HTTP_HX_REQUEST="true")
    stale = client.post(url("incident_restore", incident.pk), {"version": 1}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "Restored: “Down”" in response.content.decode()
    assert not Incident.objects.get().is_open
    assert stale.status_code in (409, 422)


def test_another_teams_incident_is_not_theirs_to_restore(client, scrum_master, other_team):
    incident = incident_record(
        train=other_team.train, actor=None, team=other_team, service="a", title="Down", started_at=WHEN
    ).event
    client.force_login(scrum_master)

    assert client.post(url("incident_restore", incident.pk), {"version": 1}).status_code == 403
    assert Incident.objects.get().is_open


def test_a_defect_is_recorded_for_a_feature_and_resolved(client, rte, team, pi):
    feature = FeatureFactory(train=team.train, pi=pi, team=team, title="One-step checkout")
    client.force_login(rte)

    recorded = client.post(
        url("defect_new"),
        {
            "title": "Totals round wrongly",
            "found_in": "production",
            "severity": "high",
            "feature": feature.pk,
            "found_at": "2026-01-21T08:00",
        },
    )
    defect = Defect.objects.get()
    resolved = client.post(url("defect_resolve", defect.pk), {"version": 1, "at": "2026-01-22T08:00"})

    assert recorded.status_code == 302 and resolved.status_code == 302
    defect.refresh_from_db()
    assert (defect.team, defect.feature, defect.found_in) == (team, feature, "production")
    assert defect.resolved_at == datetime(2026, 1, 22, 8, 0, tzinfo=UTC)


def test_an_unknown_event_id_is_a_404(client, rte):
    client.force_login(rte)

    assert client.post(url("incident_restore", 999999), {"version": 1}).status_code == 404
    assert client.post(url("defect_resolve", 2**62), {"version": 1}).status_code == 404


def test_a_csv_upload_imports_or_lists_its_problems(client, rte, team):
    client.force_login(rte)
    good = SimpleUploadedFile("d.csv", b"service,deployed_at,team\ncheckout,2026-01-20 10:00,Apollo\n")
    bad = SimpleUploadedFile("d.csv", b"service,deployed_at,colour\ncheckout,2026-01-20 10:00,blue\n")

    refused = client.post(url("delivery_import"), {"kind": "deployment", "file": bad})
    imported = client.post(url("delivery_import"), {"kind": "deployment", "file": good}, follow=True)

    assert refused.status_code == 422 and "&#x27;colour&#x27; is not a column" in refused.content.decode()
    assert "Imported 1 deployments: 1 new, 0 updated." in imported.content.decode()
    assert Deployment.objects.get().team == team


def test_an_outsider_gets_404(client, outsider):
    client.force_login(outsider)

    assert client.get(url("delivery")).status_code == 404


def test_the_page_costs_the_same_queries_for_few_and_many_events(
    client, rte, team, django_assert_max_num_queries
):
    client.force_login(rte)
    deployment_record(train=team.train, actor=None, team=team, service="a", deployed_at=WHEN)
    defect_record(train=team.train, actor=None, team=team, title="x", found_at=WHEN)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url("delivery"))
    for n in range(20):
        deployment_record(train=team.train, actor=None, team=team, service=f"s{n}", deployed_at=WHEN)
        incident_record(train=team.train, actor=None, team=team, service="a", title=f"i{n}", started_at=WHEN)
        defect_record(train=team.train, actor=None, team=team, title=f"d{n}", found_at=WHEN)
    with CaptureQueriesContext(connection) as many:
        client.get(url("delivery"))

    assert len(many) == len(few)
