"""The doors of a backup: the commands, the RTE's download on the train's page and over the API."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from artops.backup.registry import TABLES
from artops.backup.restore import restore_backup
from trains.factories import MembershipFactory, TrainFactory, UserFactory
from trains.models import Membership, Role, Train
from trains.services import api_token_create

from .common import database_counts, delete_train_and_people, document, encoded

pytestmark = pytest.mark.django_db


def member(train, role):
    return Membership.objects.select_related("user").filter(train=train, role=role).first().user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def outsider():
    user = UserFactory(username="stranger")
    MembershipFactory(user=user, train=TrainFactory(slug="elsewhere"), role=Role.RTE)
    return user


# --- the commands ---


def test_backup_train_writes_the_file_and_restore_train_brings_the_train_back(demo, tmp_path):
    target = tmp_path / "aurora.json"
    out = io.StringIO()
    call_command("backup_train", "aurora", "-o", str(target), stdout=out)
    assert f"to {target}" in out.getvalue()
    raw = target.read_bytes()
    assert document(raw)["train"] == "aurora"
    delete_train_and_people(demo, [person["username"] for person in document(raw)["users"]])

    report = io.StringIO()
    call_command("restore_train", str(target), stdout=report)

    printed = report.getvalue()
    assert "Restored Aurora ART (/trains/aurora/)" in printed
    assert "People created without a password" in printed
    assert "/trains/aurora/people/welcome/" in printed  # each one's invitation link
    assert "PIs marked for recompute" in printed
    assert "trains.webhook:" in printed  # what to set up again
    assert Train.objects.filter(slug="aurora").exists()


def test_restore_train_check_writes_nothing(demo, backup, tmp_path):
    target = tmp_path / "aurora.json"
    target.write_bytes(backup)
    Train.objects.filter(pk=demo.pk).delete()
    before = database_counts()
    out = io.StringIO()

    call_command("restore_train", str(target), "--check", stdout=out)

    assert "Checked: the file would restore Aurora ART" in out.getvalue()
    assert database_counts() == before


def test_restore_train_refuses_a_damaged_file_with_the_reason(demo, backup, tmp_path):
    target = tmp_path / "aurora.json"
    doc = document(backup)
    doc["version"] = 7
    target.write_bytes(encoded(doc))
    before = database_counts()

    with pytest.raises(CommandError, match="Refused, nothing was restored: This backup is format version 7"):
        call_command("restore_train", str(target))
    assert database_counts() == before


def test_backup_train_without_a_file_writes_the_backup_to_stdout(demo, backup):
    out, err = io.StringIO(), io.StringIO()
    call_command("backup_train", "aurora", stdout=out, stderr=err)

    assert document(out.getvalue().encode())["tables"] == document(backup)["tables"]
    assert "to stdout" in err.getvalue()


def test_backup_train_refuses_an_unknown_train():
    with pytest.raises(CommandError, match="No train 'nowhere'"):
        call_command("backup_train", "nowhere", "-o", "/dev/null")


# --- the download on the train's page ---


def test_the_rte_downloads_the_backup_from_the_trains_page(demo):
    client = signed_in(member(demo, Role.RTE))
    page = client.get(reverse("trains:detail", args=["aurora"]))
    link = reverse("backup:download", args=["aurora"])
    assert link.encode() in page.content

    response = client.get(link)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="aurora-backup-')
    assert response["Cache-Control"] == "private, no-store"
    raw = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(raw)
    assert set(document(raw)["tables"]) == {entry.label for entry in TABLES}


def test_the_downloaded_file_restores(demo):
    raw = b"".join(
        signed_in(member(demo, Role.RTE)).get(reverse("backup:download", args=["aurora"])).streaming_content
    )
    Train.objects.filter(pk=demo.pk).delete()
    assert restore_backup(raw).train.slug == "aurora"


@pytest.mark.parametrize("role", [Role.BUSINESS_OWNER, Role.PRODUCT_MANAGER, Role.VIEWER, Role.SCRUM_MASTER])
def test_other_roles_get_no_backup_nor_its_link(demo, role):
    client = signed_in(member(demo, role))
    assert (
        reverse("backup:download", args=["aurora"]).encode()
        not in client.get(reverse("trains:detail", args=["aurora"])).content
    )
    assert client.get(reverse("backup:download", args=["aurora"])).status_code == 403


def test_someone_of_another_train_finds_no_backup(demo):
    assert signed_in(outsider()).get(reverse("backup:download", args=["aurora"])).status_code == 404


def test_nobody_signed_in_is_sent_to_sign_in(demo):
    response = Client().get(reverse("backup:download", args=["aurora"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- the API ---


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='backup')[1]}")
    return client


def test_the_rte_downloads_the_backup_with_a_token(demo, backup):
    response = api(member(demo, Role.RTE)).get("/api/v1/trains/aurora/backup/")

    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert document(raw)["tables"] == document(backup)["tables"]


def test_the_api_refuses_other_roles_and_other_trains(demo):
    refused = api(member(demo, Role.BUSINESS_OWNER)).get("/api/v1/trains/aurora/backup/")
    assert refused.status_code == 403
    assert (
        json.loads(refused.content)["message"]
        == "Only the train's Release Train Engineer downloads its backup."
    )
    assert api(outsider()).get("/api/v1/trains/aurora/backup/").status_code == 404
    assert APIClient().get("/api/v1/trains/aurora/backup/").status_code == 401
