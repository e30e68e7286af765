"""The RTE's import pages and the management command."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from planning.imports.services import import_run_apply
from planning.models import Feature, ImportRun, Story

from .import_files import export, row, small_export


@pytest.fixture
def world(upcoming_pi, team, other_team, rte):
    return upcoming_pi


def _upload(client, pi, data: bytes, name: str = "jira.csv"):
    url = reverse("planning:import", args=[pi.train.slug]) + f"?pi={pi.pk}"
    return client.post(url, {"source": "jira", "file": SimpleUploadedFile(name, data, "text/csv")})


def test_upload_dry_run_fix_a_mapping_and_apply(client, world, rte):
    client.force_login(rte)
    rows = [*small_export(), row("ART-9", "Runway", "Capability", status="Backlog", component="Apollo")]
    response = _upload(client, world, export(rows))
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/planning/import/{run.pk}/")

    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Unknown issue type &#x27;Capability&#x27;" in html
    assert 'name="types:Capability"' in html and "disabled" in html
    assert Feature.objects.count() == 0

    client.post(response.url, {"types:Capability": "enabler", "sprints:Orbit 7.2": ""})
    run.refresh_from_db()
    assert run.mapping["types"] == {"Capability": "enabler"}
    html = client.get(response.url).content.decode()
    assert "None: the file can be imported." in html, html[html.find("problems-heading") :][:1500]

    applied = client.post(reverse("planning:import_apply", args=[world.train.slug, run.pk]))
    assert applied.status_code == 302
    run.refresh_from_db()
    assert run.status == "applied", run.result
    assert Feature.objects.get(external_key="ART-9").kind == "enabler"
    assert Feature.objects.get(external_key="ART-1").iteration is None  # its sprint mapped to unscheduled
    assert "See them on the program board" in client.get(response.url).content.decode()


def test_only_the_rte_opens_the_import(client, world, scrum_master):
    client.force_login(scrum_master)
    assert _upload(client, world, export(small_export())).status_code == 403
    assert ImportRun.objects.count() == 0


def test_a_large_file_is_applied_by_the_task_with_progress(world, rte, django_capture_on_commit_callbacks):
    from planning.imports.services import import_run_create

    run = import_run_create(
        train=world.train, pi=world, source="jira", upload=io.BytesIO(export(small_export())), actor=rte
    )
    with django_capture_on_commit_callbacks(execute=True):
        queued = import_run_apply(run=run, actor=rte, in_request_rows=1)
    assert queued.status == "queued"
    run.refresh_from_db()
    assert run.status == "applied" and run.result["counts"]["stories"]["create"] == 3
    assert Story.objects.count() == 3


def test_the_command_prints_the_dry_run_and_applies(world, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(export(small_export()))
    call_command("import_jira", world.train.slug, world.name, str(path))
    assert "features: create 2" in capsys.readouterr().out
    assert Feature.objects.count() == 0
    call_command("import_jira", world.train.slug, world.name, str(path), "--apply")
    assert Feature.objects.filter(external_key__startswith="ART-").count() == 2
    path.write_bytes(export([row("ART-7", "x", "Initiative")]))
    with pytest.raises(CommandError):
        call_command("import_jira", world.train.slug, world.name, str(path), "--apply")


def test_the_progress_bar_is_polled_until_the_run_is_done(client, world, rte):
    from django.core.cache import cache

    from planning.imports.services import import_run_create, progress_key

    client.force_login(rte)
    run = import_run_create(
        train=world.train, pi=world, source="jira", upload=io.BytesIO(export(small_export())), actor=rte
    )
    ImportRun.objects.filter(pk=run.pk).update(status="running", rows_total=10)
    cache.set(progress_key(run.pk), 4)
    url = reverse("planning:import_progress", args=[world.train.slug, run.pk])
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert '<progress id="import-progress-bar" max="10" value="4">' in html
    assert 'hx-trigger="every 1s"' in html and "<html" not in html
    ImportRun.objects.filter(pk=run.pk).update(status="applied")
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.headers["HX-Redirect"].endswith(f"/planning/import/{run.pk}/")


@pytest.mark.parametrize("value", ["a\x00b", "9" * 30, "-1", "", "<script>", "ü" * 100])
def test_a_hostile_value_in_the_forms_is_refused_or_ignored_never_a_500(client, world, rte, value):
    client.force_login(rte)
    url = reverse("planning:import", args=[world.train.slug])
    assert client.post(f"{url}?pi={world.pk}", {"source": value}).status_code == 422
    data = {"source": "jira", "file": SimpleUploadedFile("j.csv", export(small_export()))}
    run_url = _upload(client, world, data["file"].read()).url
    mapping = {f"types:{value}": value, f"sprints:{value}": value, "teams:Apollo": value, "statuses:x": value}
    assert client.post(run_url, mapping).status_code == 302
    assert client.get(run_url).status_code == 200


def test_the_command_takes_an_azure_export_and_a_mapping_file(world, tmp_path, capsys):
    from .test_import_azure import ado, rows

    data = rows()
    data[0][1] = "Initiative"
    (tmp_path / "ado.csv").write_bytes(ado(data))
    (tmp_path / "mapping.json").write_text('{"types": {"Initiative": "feature"}}')
    args = [world.train.slug, str(world.pk), str(tmp_path / "ado.csv"), "--source", "azure", "--apply"]
    with pytest.raises(CommandError):
        call_command("import_jira", *args)
    assert "Unknown issue type 'Initiative'" in capsys.readouterr().out
    call_command("import_jira", *args, "--mapping", str(tmp_path / "mapping.json"))
    assert Feature.objects.get(external_key="101").title == "Checkout, in one step"
