"""Importing through the API: upload (the dry run), then apply, whole or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from planning.models import Feature

from .import_files import export, row, small_export


@pytest.fixture
def world(upcoming_pi, team, other_team, rte):
    return upcoming_pi


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _base(pi) -> str:
    return f"/api/v1/trains/{pi.train.slug}/pis/{pi.pk}/imports/"


def test_upload_then_apply(world, rte):
    client = _client(rte)
    upload = SimpleUploadedFile("jira.csv", export(small_export()), "text/csv")
    response = client.post(_base(world), {"file": upload, "source": "jira"}, format="multipart")
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["result"]["counts"]["features"]["create"] == 2 and run["result"]["problems"] == []
    assert Feature.objects.count() == 0

    applied = client.post(f"{_base(world)}{run['id']}/apply/", {}, format="json")
    assert applied.status_code == 200, applied.content
    assert applied.json()["status"] == "applied"
    assert Feature.objects.filter(external_key__startswith="ART-").count() == 2


def test_a_file_with_problems_is_refused_with_them(world, rte):
    client = _client(rte)
    data = export([*small_export(), row("ART-9", "Bet", "Initiative")])
    run = client.post(_base(world), {"file": SimpleUploadedFile("j.csv", data)}, format="multipart").json()
    assert run["result"]["problems"] == [
        {"line": 9, "column": "Issue Type", "reason": run["result"]["problems"][0]["reason"]}
    ]
    refused = client.post(f"{_base(world)}{run['id']}/apply/", {}, format="json")
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["line"] == 9
    assert Feature.objects.count() == 0

    fixed = client.post(
        f"{_base(world)}{run['id']}/apply/", {"mapping": {"types": {"Initiative": "skip"}}}, format="json"
    )
    assert fixed.status_code == 200, fixed.content
    assert Feature.objects.filter(external_key__startswith="ART-").count() == 2


def test_only_the_rte(world, scrum_master):
    upload = SimpleUploadedFile("jira.csv", export(small_export()), "text/csv")
    response = _client(scrum_master).post(_base(world), {"file": upload}, format="multipart")
    assert response.status_code == 403
