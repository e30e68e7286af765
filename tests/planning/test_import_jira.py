"""Importing a plan from a Jira CSV export (issue #13): the reader, the mapping, the dry run and
the whole-or-nothing apply, with the malformed files real exports turn out to be."""

import io

import pytest

from planning.imports import jira
from planning.imports.plan import Mapping
from planning.imports.services import ImportRefused, import_file
from planning.imports.values import ValueProblem, parse_datetime, parse_points
from planning.models import BoardChange, Dependency, Feature, FeatureStateChange, Story
from trains.errors import NotAllowed
from trains.history.models import Change

from .import_files import HEADER, export, row, small_export


def counts() -> dict[str, int]:
    models = (Feature, Story, Dependency, FeatureStateChange, BoardChange, Change)
    return {model.__name__: model.objects.count() for model in models}


def run(rte, pi, data: bytes, *, apply: bool = True, mapping: Mapping | None = None):
    return import_file(
        train=pi.train, pi=pi, source="jira", file=io.BytesIO(data), actor=rte, mapping=mapping, apply=apply
    )


@pytest.fixture
def world(upcoming_pi, team, other_team, rte):
    return upcoming_pi


# The reader and the values, without a database.


def test_jira_dates_are_read_in_their_own_formats_not_the_locale():
    assert parse_datetime("12/Mar/24 3:45 PM").isoformat() == "2024-03-12T15:45:00"
    assert parse_datetime("12/Mar/24 12:05 AM").isoformat() == "2024-03-12T00:05:00"
    assert parse_datetime("1/Dec/2023 17:45").isoformat() == "2023-12-01T17:45:00"
    assert parse_datetime("2024-03-12T15:45:00.000+0100").isoformat() == "2024-03-12T15:45:00+01:00"
    assert parse_datetime("2024-03-12 15:45").isoformat() == "2024-03-12T15:45:00"
    assert parse_datetime("") is None
    for bad in ("12/Mär/24 3:45 PM", "31/Feb/24 1:00 PM", "03/12/2024", "13/Mar/24 15:45 PM"):
        with pytest.raises(ValueProblem):
            parse_datetime(bad)


def test_story_points_take_a_decimal_point_and_round_fractions_up():
    assert parse_points("5.0", maximum=100) == (5, "")
    assert parse_points("0.5", maximum=100) == (1, "0.5 points rounded up to 1.")
    assert parse_points("", maximum=100) == (None, "")
    for bad in ("1,5", "-3", "three", "5 pts", "200"):
        with pytest.raises(ValueProblem):
            parse_points(bad, maximum=100)


def test_the_reader_takes_bom_crlf_multiline_fields_and_repeated_headers():
    items, problems = jira.read(io.BytesIO(export(small_export())))
    assert problems == []
    assert [item.key for item in items] == ["ART-1", "ART-2", "ART-3", "ART-4", "ART-5"]
    card = items[2]
    assert card.line == 4
    assert card.description == 'Line one,\r\nline "two", with commas\r\nand a third'
    assert card.sprint == "Orbit 7.2"  # carried over: the last sprint
    assert card.points == 5 and items[4].points == 1
    assert items[4].line == 8  # the description above spans three lines
    assert items[1].title == 'Partner payments, "phase 1"' and items[1].teams == ["Gemini"]
    assert card.blocks == ["ART-4"] and card.parent == "10001"


# The dry run and the apply.


def test_the_dry_run_says_what_would_be_created_and_writes_nothing(world, rte):
    before = counts()
    plan = run(rte, world, export(small_export()), apply=False).plan
    assert plan.problems == []
    assert plan.counts()["features"] == {"create": 2, "update": 0, "unchanged": 0}
    assert plan.counts()["stories"] == {"create": 3, "update": 0, "unchanged": 0}
    assert plan.counts()["dependencies"]["create"] == 1
    assert {row.source: row.target for row in plan.types} == {
        "Epic": "feature",
        "Story": "story",
        "Task": "story",
    }
    assert counts() == before


def test_apply_creates_features_stories_and_the_dependency_between_the_teams(world, rte, team, other_team):
    run(rte, world, export(small_export()))
    checkout = Feature.objects.get(external_key="ART-1")
    assert (checkout.team, checkout.iteration.number, checkout.state) == (team, 2, "implementing")
    assert checkout.pi == world
    card = Story.objects.get(external_key="ART-3")
    assert (card.team, card.feature, card.points, card.iteration.number) == (team, checkout, 5, 2)
    dependency = Dependency.objects.get()
    assert (dependency.providing_team, dependency.requesting_team) == (team, other_team)
    assert dependency.providing_feature == checkout
    assert dependency.requesting_feature.external_key == "ART-2"
    assert dependency.needed_by_iteration.number == 3
    assert Change.objects.filter(door="import").exists()
    # Features come in batches too (feature_create_many): their first state is their flow history.
    assert list(checkout.state_changes.values_list("from_state", "to_state")) == [("", "implementing")]
    assert checkout.started_at is not None and checkout.done_at is None
    assert Change.objects.filter(kind="feature", action="created", object_id=checkout.pk).count() == 1
    assert Change.objects.filter(kind="dependency", action="created", door="import").count() == 1
    # Stories are created in a batch (story_create_many): each still has its history entry.
    created = Change.objects.filter(kind="story", action="created", door="import")
    assert sorted(created.values_list("object_label", flat=True)) == [
        "Card form",
        "Copy review",
        "Settle with partners",
    ]
    assert created.get(object_label="Card form").fields["points"] == [None, 5]


def test_a_second_import_of_a_newer_export_updates_without_duplicates(world, rte, team):
    run(rte, world, export(small_export()))
    first = counts()
    again = run(rte, world, export(small_export()), apply=False).plan
    assert again.counts()["features"] == {"create": 0, "update": 0, "unchanged": 2}
    assert again.counts()["stories"] == {"create": 0, "update": 0, "unchanged": 3}
    newer = small_export()
    newer[0] = row(
        "ART-1",
        "Checkout in one step (v2)",
        "Epic",
        status="Done",
        component="Apollo",
        sprints=("", "Orbit 7.3"),
    )
    newer[2][HEADER.index("Custom field (Story Points)")] = "8"
    newer.append(row("ART-6", "Receipts", points="2", epic_link="ART-1"))
    plan = run(rte, world, export(newer)).plan
    assert plan.counts()["features"]["update"] == 1 and plan.counts()["stories"]["create"] == 1
    assert Feature.objects.filter(external_key__startswith="ART-").count() == 2
    assert Story.objects.filter(external_key__startswith="ART-").count() == 4
    assert Dependency.objects.count() == 1
    checkout = Feature.objects.get(external_key="ART-1")
    assert (checkout.title, checkout.state, checkout.iteration.number) == (
        "Checkout in one step (v2)",
        "done",
        3,
    )
    assert Story.objects.get(external_key="ART-3").points == 8
    assert counts()["Feature"] == first["Feature"]


def test_a_mapping_fixes_an_unknown_type_and_a_sprint(world, rte):
    rows = [
        *small_export(),
        row("ART-9", "Runway", "Capability", status="Backlog", sprints=("", "Hardening")),
    ]
    plan = run(rte, world, export(rows), apply=False).plan
    assert {(p.line, p.column) for p in plan.problems} == {(9, "Issue Type")}
    fixed = Mapping(
        types={"Capability": "enabler"}, sprints={"Hardening": world.iterations.get(is_ip=True).pk}
    )
    run(rte, world, export(rows), mapping=fixed)
    assert Feature.objects.get(external_key="ART-9").kind == "enabler"
    assert Feature.objects.get(external_key="ART-9").iteration.is_ip


def test_only_the_rte_imports(world, scrum_master):
    with pytest.raises(NotAllowed):
        run(scrum_master, world, export(small_export()), apply=False)


def test_a_refusal_while_applying_rolls_back_everything(world, rte, team):
    """A feature imported earlier and since moved into another PI: the dry run says so."""
    run(rte, world, export(small_export()))
    from planning.factories import ProgramIncrementFactory

    Feature.objects.filter(external_key="ART-2").update(pi=ProgramIncrementFactory(train=world.train))
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        run(rte, world, export(small_export()))
    assert "another PI" in refused.value.plan.problems[0].reason
    assert counts() == before
