"""Importing an Azure DevOps query exported as CSV: the same dry run and whole-or-nothing apply."""

import csv
import io

import pytest

from planning.imports.services import ImportRefused, import_file
from planning.models import Dependency, Feature, Story

HEADER = [
    "ID",
    "Work Item Type",
    "Title",
    "Assigned To",
    "State",
    "Tags",
    "Iteration Path",
    "Area Path",
    "Story Points",
    "Parent",
]


def ado(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return "\ufeff".encode() + text.getvalue().encode()


def rows() -> list[list[str]]:
    return [
        [
            "101",
            "Feature",
            "Checkout, in one step",
            "Rita Engel <rte@example.com>",
            "Active",
            "pi-7",
            "Orbit\\PI 7\\Sprint 2",
            "Orbit\\Apollo",
            "",
            "",
        ],
        ["102", "Feature", "Partner payments", "", "New", "", "Orbit", "Orbit\\Gemini", "", ""],
        [
            "103",
            "User Story",
            "Card form",
            "",
            "Active",
            "ux; forms",
            "Orbit\\PI 7\\Sprint 1",
            "Orbit\\Apollo",
            "5",
            "101",
        ],
        [
            "104",
            "Product Backlog Item",
            "Settle with partners",
            "",
            "New",
            "",
            "Orbit\\PI 7\\Sprint 3",
            "Orbit\\Gemini",
            "2.5",
            "102",
        ],
        ["105", "Bug", "Rounding of totals", "", "Closed", "", "Orbit\\PI 7\\Sprint 2", "Orbit", "1", "101"],
    ]


@pytest.fixture
def world(upcoming_pi, team, other_team, rte):
    return upcoming_pi


def run(rte, pi, data: bytes, apply: bool = True):
    return import_file(train=pi.train, pi=pi, source="azure", file=io.BytesIO(data), actor=rte, apply=apply)


def test_an_azure_devops_export_imports_and_reimports_without_duplicates(world, rte, team, other_team):
    plan = run(rte, world, ado(rows()), apply=False).plan
    assert plan.problems == []
    assert {r.source: r.target for r in plan.teams}["Apollo"] == team.pk
    run(rte, world, ado(rows()))
    checkout = Feature.objects.get(external_key="101")
    assert (checkout.title, checkout.team, checkout.state, checkout.iteration.number) == (
        "Checkout, in one step",
        team,
        "implementing",
        2,
    )
    assert Feature.objects.get(external_key="102").iteration is None  # the project's root: unscheduled
    settle = Story.objects.get(external_key="104")
    assert (settle.team, settle.points, settle.iteration.number) == (other_team, 3, 3)
    assert Story.objects.get(external_key="105").team == team  # no team node: its feature's team

    newer = rows()
    newer[2][2] = "Card form, validated"
    plan = run(rte, world, ado(newer)).plan
    assert plan.counts()["stories"] == {"create": 0, "update": 1, "unchanged": 2}
    assert Story.objects.filter(external_key__in=["103", "104", "105"]).count() == 3


@pytest.mark.parametrize(
    ("change", "line", "column", "reason"),
    [
        ((0, 0, "ABC"), 2, "ID", "not a work item ID"),
        ((0, 0, "10²"), 2, "ID", "not a work item ID"),  # isdigit() passes it; it is no number
        ((2, 9, "999"), 4, "Parent", "not in the file or the train"),
        ((3, 8, "two"), 5, "Story Points", "not a number"),
        ((1, 1, "Impediment"), 3, "Work Item Type", "Unknown issue type"),
        ((1, 4, "Removed"), 3, "State", "Unknown status"),
        ((2, 6, "Orbit\\PI 9\\Sprint 8"), 4, "Iteration Path", "maps to no iteration"),
    ],
)
def test_a_malformed_azure_export_is_refused_whole(world, rte, change, line, column, reason):
    data = rows()
    row_index, column_index, value = change
    data[row_index][column_index] = value
    before = (Feature.objects.count(), Story.objects.count(), Dependency.objects.count())
    with pytest.raises(ImportRefused) as refused:
        run(rte, world, ado(data))
    problems = [(p.line, p.column, p.reason) for p in refused.value.plan.problems]
    assert any(p[0] == line and p[1] == column and reason in p[2] for p in problems), problems
    assert (Feature.objects.count(), Story.objects.count(), Dependency.objects.count()) == before
