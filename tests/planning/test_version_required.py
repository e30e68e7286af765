"""A versioned write states the version it was based on (issue 11): without it, it is refused with a
message and nothing changes. (A wrong version is refused as stale: tested with each write.)"""

from types import SimpleNamespace

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from planning.factories import (
    DependencyFactory,
    FeatureFactory,
    MilestoneFactory,
    PIObjectiveFactory,
    StoryFactory,
    TeamCapacityFactory,
)
from planning.models import Dependency, Feature, Milestone, PIObjective, ProgramIncrement, Story, TeamCapacity
from planning.services import capacity, objectives, stories
from trains.guards import MISSING_VERSION

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rows(train, pi, team, other_team):
    iterations = list(pi.iterations.order_by("number"))
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[-1], job_size=5)
    return SimpleNamespace(
        pi=pi,
        feature=feature,
        dependency=DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team),
        milestone=MilestoneFactory(pi=pi, date=pi.start_date),
        objective=PIObjectiveFactory(pi=pi, team=team),
        capacity=TeamCapacityFactory(team=team, iteration=iterations[0]),
        story=StoryFactory(team=team, feature=feature, iteration=iterations[0], points=3),
    )


def everything() -> dict:
    return {
        model.__name__: sorted(map(repr, (model_to_dict(obj) for obj in model.objects.all())))
        for model in (Feature, Dependency, Milestone, PIObjective, TeamCapacity, Story)
    }


# (url name, url args, posted data without its version, persona, PI state the write needs)
EDITS = [
    (
        "feature_edit",
        lambda r: [r.feature.pk],
        lambda r: {"pi": r.pi.pk, "title": "Renamed", "kind": "business", "state": r.feature.state},
        "rte",
        None,
    ),
    (
        "feature_move",
        lambda r: [r.feature.pk],
        lambda r: {"pi": r.pi.pk, "team": "", "iteration": ""},
        "rte",
        None,
    ),
    (
        "dependency_edit",
        lambda r: [r.dependency.pk],
        lambda r: {
            "pi": r.pi.pk,
            "requesting_team": r.dependency.requesting_team_id,
            "providing_team": r.dependency.providing_team_id,
            "description": "Reworded",
            "kind": r.dependency.kind,
            "state": r.dependency.state,
        },
        "rte",
        None,
    ),
    (
        "milestone_edit",
        lambda r: [r.milestone.pk],
        lambda r: {"pi": r.pi.pk, "name": "Moved", "date": r.pi.end_date, "kind": "release"},
        "rte",
        None,
    ),
    ("backlog_wsjf", lambda r: [r.feature.pk], lambda r: {"pi": r.pi.pk, "job_size": 8}, "rte", None),
    ("backlog_pull", lambda r: [r.feature.pk], lambda r: {"pi": r.pi.pk, "action": "remove"}, "rte", None),
    (
        "objective_edit",
        lambda r: [r.objective.pk],
        lambda r: {"text": "Rewritten", "is_committed": "1"},
        "rte",
        None,
    ),
    ("objective_delete", lambda r: [r.objective.pk], lambda r: {}, "rte", None),
    ("objective_move", lambda r: [r.objective.pk], lambda r: {"direction": "down"}, "rte", None),
    ("objective_commitment", lambda r: [r.objective.pk], lambda r: {}, "rte", None),
    ("objective_planned_value", lambda r: [r.objective.pk], lambda r: {"value": 3}, "business_owner", None),
    (
        "objective_actual_value",
        lambda r: [r.objective.pk],
        lambda r: {"value": 10},
        "business_owner",
        ProgramIncrement.State.EXECUTING,
    ),
    (
        "capacity_cell",
        lambda r: [r.capacity.team_id, r.capacity.iteration_id],
        lambda r: {"pi": r.pi.pk, "fte": "3", "days_off": 0, "capacity_override": ""},
        "rte",
        None,
    ),
    (
        "story_edit",
        lambda r: [r.story.team_id, r.story.pk],
        lambda r: {"pi": r.pi.pk, "title": "Re-estimated", "points": 13},
        "rte",
        None,
    ),
    ("story_delete", lambda r: [r.story.team_id, r.story.pk], lambda r: {"pi": r.pi.pk}, "rte", None),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("name", "args", "data", "persona", "state"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edit_without_its_version_is_refused_with_a_message_and_changes_nothing(
    request, client, train, rows, name, args, data, persona, state, htmx
):
    if state:
        ProgramIncrement.objects.filter(pk=rows.pi.pk).update(state=state)
    client.force_login(request.getfixturevalue(persona))
    before = everything()

    response = client.post(
        reverse(f"planning:{name}", args=[train.slug, *args(rows)]), data(rows), **(HTMX if htmx else {})
    )

    assert response.status_code == 422, response.content.decode()[:500]
    assert MISSING_VERSION in response.content.decode()
    assert everything() == before


@pytest.mark.parametrize(
    "write",
    [
        lambda r, actor: objectives.objective_update(
            objective=r.objective, expected_version=None, actor=actor, text="x"
        ),
        lambda r, actor: stories.story_update(story=r.story, expected_version=None, actor=actor, points=8),
        lambda r, actor: capacity.capacity_set(
            team=r.capacity.team,
            iteration=r.capacity.iteration,
            fte=3,
            days_off=0,
            capacity_override=None,
            expected_version=None,
            actor=actor,
        ),
    ],
    ids=["objective", "story", "capacity"],
)
@pytest.mark.parametrize("trusted", [False, True], ids=["a person", "a trusted caller"])
def test_a_service_refuses_a_change_without_its_version_whoever_asks(request, rows, write, trusted):
    # No caller skips the check, trusted ones (actor None) included: they pass the version they read.
    from django.core.exceptions import ValidationError

    before = everything()

    with pytest.raises(ValidationError) as refused:
        write(rows, None if trusted else request.getfixturevalue("rte"))

    assert refused.value.message_dict == {"version": [MISSING_VERSION]}
    assert everything() == before
