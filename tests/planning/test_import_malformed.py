"""Malformed Jira exports, each a way a real one goes wrong: every one is refused whole, with the
line, column and reason of its problem, and the database is left exactly as it was."""

import io

import pytest

from planning.imports.services import ImportRefused, import_file
from planning.models import BoardChange, Dependency, Feature, FeatureStateChange, Story
from trains.history.models import Change

from .import_files import changed, export, row, small_export, with_row

GOOD = export(small_export())
LONG_TITLE = "Checkout " * 30


def _cut(data: bytes) -> bytes:
    """The download stopped inside ART-3's quoted description."""
    return data[: data.index(b'line ""two')]


def _drop_field(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[1] = lines[1].replace(b'"ART-1",', b"", 1)
    return b"\r\n".join(lines)


def _extra_field(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[6] = lines[6] + b',"unquoted, stray"'
    return b"\r\n".join(lines)


def _stray_quote(data: bytes) -> bytes:
    return data.replace(b'"Settle with partners"', b'"Settle "with" partners"')


CASES = {
    # The file as a whole.
    "empty file": (b"", 1, "", "empty"),
    "only a byte-order mark": (b"\xef\xbb\xbf", 1, "", "empty"),
    "an export of other columns": (
        export([["Checkout", "To Do"]], header=["Summary", "Status"]),
        1,
        "Issue key, Issue Type",
        "missing",
    ),
    "saved by Excel as Windows-1252": (
        export([row("ART-1", "Caf\u00e9 checkout", "Epic")]).replace("\u00e9".encode(), b"\xe9"),
        2,
        "",
        "not UTF-8",
    ),
    "exported as UTF-16": (("\ufeff" + GOOD.decode("utf-8-sig")).encode("utf-16-le"), 1, "", "not UTF-8"),
    "an .xlsx renamed to .csv": (
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(40),
        1,
        "",
        "NUL",
    ),
    "download cut inside a quoted description": (_cut(GOOD), 4, "", "unexpected end of data"),
    "a row lost a field": (_drop_field(GOOD), 2, "Description", "has 18 fields"),
    "a row gained a field": (_extra_field(GOOD), 7, "Description", "has 20 fields"),
    "a quote inside a quoted field not doubled": (_stray_quote(GOOD), 7, "", "expected after"),
    # Keys and types.
    "an issue without its key": (changed("ART-5", "Issue key", ""), 8, "Issue key", "empty"),
    "a key that is no Jira key": (
        changed("ART-5", "Issue key", "art 5"),
        8,
        "Issue key",
        "not a Jira issue key",
    ),
    "the same issue twice (two exports pasted together)": (
        with_row(row("ART-4", "Settle with partners", points="3", epic_link="ART-2")),
        9,
        "Issue key",
        "also on line 7",
    ),
    "an issue type nobody mapped": (
        with_row(row("ART-9", "Portfolio bet", "Initiative")),
        9,
        "Issue Type",
        "Unknown issue type 'Initiative'",
    ),
    "an empty issue type": (changed("ART-5", "Issue Type", ""), 8, "Issue Type", "empty"),
    "an empty summary": (changed("ART-4", "Summary", ""), 7, "Summary", "no summary"),
    "a summary longer than a card holds": (
        changed("ART-1", "Summary", LONG_TITLE),
        2,
        "Summary",
        "200 at most",
    ),
    "a workflow status nobody mapped": (
        changed("ART-2", "Status", "Waiting for vendor"),
        3,
        "Status",
        "Unknown status",
    ),
    # Numbers and dates.
    "story points in words": (
        changed("ART-4", "Custom field (Story Points)", "three"),
        7,
        "Custom field (Story Points)",
        "not a number",
    ),
    "story points with a decimal comma": (
        changed("ART-4", "Custom field (Story Points)", "2,5"),
        7,
        "Custom field (Story Points)",
        "comma",
    ),
    "negative story points": (
        changed("ART-4", "Custom field (Story Points)", "-1"),
        7,
        "Custom field (Story Points)",
        "negative",
    ),
    "story points beyond any estimate": (
        changed("ART-4", "Custom field (Story Points)", "99999"),
        7,
        "Custom field (Story Points)",
        "more than",
    ),
    "a date with a German month": (
        changed("ART-2", "Created", "12/Mär/24 3:45 PM"),
        3,
        "Created",
        "English month",
    ),
    "a date that does not exist": (
        changed("ART-2", "Resolved", "31/Feb/24 1:00 PM"),
        3,
        "Resolved",
        "not a real date",
    ),
    "a date in the US format": (
        changed("ART-2", "Updated", "03/12/2024 15:45"),
        3,
        "Updated",
        "not a date like",
    ),
    # Links to the rest of the plan.
    "an epic link to another project's epic": (
        changed("ART-4", "Custom field (Epic Link)", "OPS-7"),
        7,
        "Custom field (Epic Link)",
        "not in the file or the train",
    ),
    "a parent id not in the file": (
        changed("ART-3", "Parent", "99999"),
        4,
        "Parent",
        "not in the file or the train",
    ),
    "a story under a story": (
        changed("ART-5", "Custom field (Epic Link)", "ART-4"),
        8,
        "Custom field (Epic Link)",
        "is a Story, not a feature",
    ),
    "a sprint of another PI": (changed("ART-5", "Sprint", "Orbit 9.7"), 8, "Sprint", "maps to no iteration"),
    "a story of no team": (
        with_row(row("ART-9", "Loose end", points="1")),
        9,
        "Component/s",
        "belongs to no team",
    ),
    "a story of another team than its epic": (
        changed("ART-5", "Component/s", "Gemini"),
        8,
        "Component/s",
        "a story belongs to its feature's team",
    ),
    "an epic naming two teams": (changed("ART-1", "Labels", "Gemini"), 2, "Component/s", "several teams"),
    "a block link to an issue not exported": (
        changed("ART-4", "Outward issue link (Blocks)", "ART-77"),
        7,
        "Outward issue link (Blocks)",
        "not in the file or the train",
    ),
    "a link field that holds prose": (
        changed("ART-4", "Inward issue link (Blocks)", "see ART-3"),
        7,
        "Inward issue link (Blocks)",
        "not a Jira issue key",
    ),
}


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (Feature, Story, Dependency, FeatureStateChange, BoardChange, Change)
    }


def test_there_are_at_least_25_malformed_files():
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", list(CASES))
def test_a_malformed_export_is_refused_whole(name, upcoming_pi, team, other_team, rte):
    data, line, column, reason = CASES[name]
    # Something imported before: a refused file must leave it as it was too.
    import_file(
        train=upcoming_pi.train, pi=upcoming_pi, source="jira", file=io.BytesIO(GOOD), actor=rte, apply=True
    )
    Feature.objects.filter(external_key="ART-2").update(title="Edited in ARTops since")
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_file(
            train=upcoming_pi.train,
            pi=upcoming_pi,
            source="jira",
            file=io.BytesIO(data),
            actor=rte,
            apply=True,
        )
    problems = [(p.line, p.column, p.reason) for p in refused.value.plan.problems]
    assert any(p[0] == line and p[1] == column and reason in p[2] for p in problems), problems
    assert counts() == before
    assert Feature.objects.get(external_key="ART-2").title == "Edited in ARTops since"


def test_a_feature_not_done_is_not_planned_in_an_iteration_that_ended(pi, team, other_team, rte):
    """The `pi` fixture began on 5 January 2026: its iterations have ended."""
    data = export(
        [
            row(
                "ART-1",
                "Checkout",
                "Epic",
                status="In Progress",
                component="Apollo",
                sprints=("", "PI 7 Sprint 2"),
            )
        ]
    )
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_file(train=pi.train, pi=pi, source="jira", file=io.BytesIO(data), actor=rte, apply=True)
    assert refused.value.plan.problems[0].column == "Sprint"
    assert "ended on" in refused.value.plan.problems[0].reason
    assert counts() == before


def test_a_closed_pi_takes_no_import(upcoming_pi, team, other_team, rte):
    upcoming_pi.state = upcoming_pi.State.CLOSED
    upcoming_pi.save()
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_file(
            train=upcoming_pi.train,
            pi=upcoming_pi,
            source="jira",
            file=io.BytesIO(GOOD),
            actor=rte,
            apply=True,
        )
    assert "closed" in refused.value.plan.problems[0].reason
    assert counts() == before
