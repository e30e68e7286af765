"""Developer language stays off the screen: no references to the design notes, no formula names an
RTE has to look up, and Django's own words replaced by the product's."""

import re
from pathlib import Path

import pytest

from metrics.dashboard.pi_charts import little_notes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)


@pytest.mark.parametrize("template", sorted((ROOT / "templates").rglob("*.html")), ids=lambda p: p.name)
def test_no_page_points_to_a_section_of_the_design_notes(template):
    shown = TEMPLATE_COMMENT.sub("", template.read_text())

    assert "§" not in shown and "domain." not in shown


@pytest.mark.parametrize(
    ("ratio", "says"),
    [
        (1.64, "More work is started than is finished"),
        (1.0, "The two agree"),
        (0.5, "work is finished faster than new work starts"),
    ],
)
def test_the_flow_load_note_explains_work_in_progress_in_plain_words(ratio, says):
    [note] = little_notes({"littles_law": {"actual_wip": 8.2, "expected_wip": 8.2 / ratio, "ratio": ratio}})

    assert note.startswith("On average 8.2 features were in progress;")
    assert says in note
    assert "Little" not in note and "ratio" not in note and "WIP" not in note


def test_no_flow_load_note_without_a_figure():
    assert little_notes({}) == [] and little_notes({"littles_law": {"ratio": None}}) == []


@pytest.mark.django_db
def test_the_admin_is_called_artops_administration(client):
    html = client.get("/admin/login/").content.decode()

    assert "ARTops administration" in html and "Django" not in html
