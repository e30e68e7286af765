"""The RTE imports a Jira export in a real headless Chromium: upload, read the dry run, fix a
mapping, apply, and see the features on the program board."""

import pytest
from playwright.sync_api import expect

from planning.models import Feature
from tests.conftest import log_in
from tests.planning.import_files import export, row, small_export

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_upload_read_the_dry_run_fix_a_mapping_apply_and_see_the_board(
    page, rte, train, upcoming_pi, team, other_team, screenshot
):
    pi = upcoming_pi
    data = export(
        [
            *small_export(),
            row("ART-9", "Runway for payments", "Capability", status="Backlog", component="Apollo"),
        ]
    )
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/planning/import/?pi={pi.pk}")
    expect(page.get_by_role("heading", name="Import from Jira or Azure DevOps")).to_be_visible()
    page.get_by_label("Export from").select_option("jira")
    page.get_by_label("CSV file").set_input_files(
        {"name": "jira.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Upload and show the dry run").click()

    expect(page.get_by_role("heading", name="What the import would do")).to_be_visible()
    expect(page.locator("[data-count=features-create]")).to_have_text(
        "2"
    )  # the Capability waits for its mapping
    expect(page.locator(".import-problems")).to_contain_text("Unknown issue type 'Capability'")
    expect(page.get_by_role("button", name="Apply the import")).to_be_disabled()
    screenshot("import-dry-run-with-a-problem")

    page.get_by_label("Capability").select_option("enabler")
    page.get_by_role("button", name="Use this mapping").click()
    expect(page.get_by_text("None: the file can be imported.")).to_be_visible()
    assert Feature.objects.count() == 0
    screenshot("import-dry-run-clean")

    page.get_by_role("button", name="Apply the import").click()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_contain_text("3 features created")
    page.get_by_role("link", name="See them on the program board").click()
    for key in ("ART-1", "ART-2", "ART-9"):
        card = page.locator(f"#f-{Feature.objects.get(external_key=key).pk}")
        expect(card).to_be_visible()
    expect(page.locator("article.fc").filter(has_text="Runway for payments")).to_contain_text("Enabler")
    screenshot("import-on-the-board")
    assert Feature.objects.get(external_key="ART-9").kind == "enabler"
