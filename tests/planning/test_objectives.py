"""Team PI objectives: who writes them, who values them, what is refused (and then nothing changes)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from planning.factories import FeatureFactory, PIObjectiveFactory, ProgramIncrementFactory
from planning.models import PIObjective, ProgramIncrement
from planning.services.objectives import (
    objective_create,
    objective_delete,
    objective_move,
    objective_score_actual,
    objective_set_planned_value,
    objective_update,
)
from trains.errors import NotAllowed, StaleVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def objective(pi, team):
    return PIObjectiveFactory(pi=pi, team=team, text="Self-service refunds live", planned_business_value=None)


def executing(pi):
    pi.state = ProgramIncrement.State.EXECUTING
    pi.save()
    return pi


# --- writing objectives ------------------------------------------------------------------------------


def test_scrum_master_adds_objectives_to_their_team_committed_first_in_order(pi, team, scrum_master):
    first = objective_create(pi=pi, team=team, text="  Refunds in one click  ", actor=scrum_master)
    stretch = objective_create(pi=pi, team=team, text="Dark mode", is_committed=False, actor=scrum_master)
    second = objective_create(pi=pi, team=team, text="Faster checkout", actor=scrum_master)

    assert first.text == "Refunds in one click"
    assert (first.position, second.position, stretch.position) == (0, 1, 0)
    assert list(PIObjective.objects.filter(pi=pi)) == [first, second, stretch]


@pytest.mark.parametrize("persona", ["rte", "product_manager"])
def test_rte_and_product_management_write_objectives_for_any_team(request, persona, pi, other_team):
    actor = request.getfixturevalue(persona)

    created = objective_create(pi=pi, team=other_team, text="Partner API", actor=actor)

    assert created.team == other_team


@pytest.mark.parametrize("persona", ["business_owner", "viewer", "team_member"])
def test_others_may_not_write_objectives(request, persona, pi, team):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed):
        objective_create(pi=pi, team=team, text="Partner API", actor=actor)
    assert not PIObjective.objects.exists()


def test_a_scrum_master_may_not_write_another_teams_objectives(pi, other_team, scrum_master):
    with pytest.raises(NotAllowed):
        objective_create(pi=pi, team=other_team, text="Partner API", actor=scrum_master)
    objective = PIObjectiveFactory(pi=pi, team=other_team)
    with pytest.raises(NotAllowed):
        objective_update(
            objective=objective, expected_version=objective.version, actor=scrum_master, text="x"
        )
    with pytest.raises(NotAllowed):
        objective_delete(objective=objective, expected_version=objective.version, actor=scrum_master)
    assert PIObjective.objects.filter(pk=objective.pk).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Write the objective"), ("   ", "Write the objective"), ("x" * 301, "300 characters")],
)
def test_objective_text_is_required_and_at_most_300_characters(pi, team, scrum_master, text, message):
    with pytest.raises(ValidationError) as refused:
        objective_create(pi=pi, team=team, text=text, actor=scrum_master)

    assert message in refused.value.message_dict["text"][0]
    assert not PIObjective.objects.exists()


def test_300_characters_is_allowed(pi, team, scrum_master):
    assert len(objective_create(pi=pi, team=team, text="x" * 300, actor=scrum_master).text) == 300


def test_objectives_link_only_their_teams_features_in_the_pi(pi, team, other_team, train, scrum_master):
    ours = FeatureFactory(train=train, pi=pi, team=team)
    theirs = FeatureFactory(train=train, pi=pi, team=other_team)
    elsewhere = FeatureFactory(train=train, pi=ProgramIncrementFactory(train=train), team=team)

    created = objective_create(pi=pi, team=team, text="Refunds", features=[ours], actor=scrum_master)
    assert list(created.features.all()) == [ours]
    for wrong in (theirs, elsewhere):
        with pytest.raises(ValidationError) as refused:
            objective_update(
                objective=created, expected_version=created.version, actor=scrum_master, features=[wrong]
            )
        assert "features" in refused.value.message_dict
    assert list(created.features.all()) == [ours]


def test_editing_bumps_the_version_and_a_stale_edit_is_refused_leaving_the_other_change(
    objective, scrum_master, rte
):
    seen = objective.version
    objective_update(objective=objective, expected_version=seen, actor=rte, text="Refunds for all markets")

    with pytest.raises(StaleVersion) as stale:
        objective_update(objective=objective, expected_version=seen, actor=scrum_master, text="Mine")

    assert stale.value.current.text == "Refunds for all markets"
    assert stale.value.current.version == seen + 1
    objective.refresh_from_db()
    assert objective.text == "Refunds for all markets"


def test_a_stale_delete_is_refused(objective, scrum_master, rte):
    seen = objective.version
    objective_update(objective=objective, expected_version=seen, actor=rte, is_committed=False)

    with pytest.raises(StaleVersion):
        objective_delete(objective=objective, expected_version=seen, actor=scrum_master)
    assert PIObjective.objects.filter(pk=objective.pk).exists()
    objective_delete(objective=objective, expected_version=seen + 1, actor=scrum_master)
    assert not PIObjective.objects.filter(pk=objective.pk).exists()


def test_uncommitting_moves_the_objective_to_the_end_of_the_uncommitted_list(pi, team, scrum_master):
    stretch = PIObjectiveFactory(pi=pi, team=team, is_committed=False, position=0)
    promised = PIObjectiveFactory(pi=pi, team=team, is_committed=True, position=0)

    moved = objective_update(
        objective=promised, expected_version=promised.version, actor=scrum_master, is_committed=False
    )

    assert moved.is_committed is False
    assert list(PIObjective.objects.filter(pi=pi, is_committed=False)) == [stretch, moved]


def test_reordering_moves_one_place_within_its_list(pi, team, scrum_master):
    a, b, c = (PIObjectiveFactory(pi=pi, team=team, position=n, text=t) for n, t in enumerate("abc"))

    objective_move(objective=c, offset=-1, expected_version=c.version, actor=scrum_master)
    assert [o.text for o in PIObjective.objects.filter(pi=pi)] == ["a", "c", "b"]
    objective_move(
        objective=a, expected_version=a.version, offset=-1, actor=scrum_master
    )  # already first: stays
    assert [o.text for o in PIObjective.objects.filter(pi=pi)] == ["a", "c", "b"]
    with pytest.raises(StaleVersion):
        objective_move(objective=c, offset=-1, expected_version=c.version, actor=scrum_master)


def test_writes_tell_open_boards_and_metrics_that_the_pi_changed(objective, scrum_master, business_owner):
    before = ProgramIncrement.objects.get(pk=objective.pi_id).board_version

    saved = objective_update(
        objective=objective, expected_version=objective.version, actor=scrum_master, text="New"
    )
    objective_set_planned_value(
        objective=saved, expected_version=saved.version, value=5, actor=business_owner
    )

    assert ProgramIncrement.objects.get(pk=objective.pi_id).board_version == before + 2


# --- business value: Business Owners only ----------------------------------------------------------


def test_a_business_owner_sets_planned_value_during_planning_and_may_clear_it(objective, business_owner):
    for value in (1, 10):
        objective_set_planned_value(
            objective=objective, expected_version=objective.version, value=value, actor=business_owner
        )
        objective.refresh_from_db()
        assert objective.planned_business_value == value

    objective_set_planned_value(
        objective=objective, expected_version=objective.version, value=None, actor=business_owner
    )
    objective.refresh_from_db()
    assert objective.planned_business_value is None


@pytest.mark.parametrize("persona", ["rte", "product_manager", "scrum_master", "viewer", "team_member"])
def test_only_business_owners_set_business_value(request, persona, objective):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed, match="Only Business Owners"):
        objective_set_planned_value(
            objective=objective, expected_version=objective.version, value=8, actor=actor
        )
    executing(objective.pi)
    with pytest.raises(NotAllowed, match="Only Business Owners"):
        objective_score_actual(objective=objective, expected_version=objective.version, value=8, actor=actor)
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.actual_business_value) == (None, None)


@pytest.mark.parametrize("value", [11, 0, -1, True, "8"])
def test_planned_value_outside_1_to_10_is_refused_with_a_field_message(objective, business_owner, value):
    with pytest.raises(ValidationError) as refused:
        objective_set_planned_value(
            objective=objective, expected_version=objective.version, value=value, actor=business_owner
        )

    assert refused.value.message_dict == {
        "planned_business_value": ["Planned business value is a whole number from 1 to 10."]
    }
    objective.refresh_from_db()
    assert objective.planned_business_value is None and objective.version == 1


@pytest.mark.parametrize("value", [11, -1])
def test_actual_value_outside_0_to_10_is_refused_with_a_field_message(objective, business_owner, value):
    executing(objective.pi)

    with pytest.raises(ValidationError) as refused:
        objective_score_actual(
            objective=objective, expected_version=objective.version, value=value, actor=business_owner
        )

    assert refused.value.message_dict == {
        "actual_business_value": ["Actual business value is a whole number from 0 to 10."]
    }
    objective.refresh_from_db()
    assert objective.actual_business_value is None


def test_actual_value_zero_is_a_score_and_ten_the_top(objective, business_owner):
    executing(objective.pi)
    for value in (0, 10):
        objective_score_actual(
            objective=objective, expected_version=objective.version, value=value, actor=business_owner
        )
        objective.refresh_from_db()
        assert objective.actual_business_value == value


def test_planned_value_belongs_to_planning_and_actual_value_to_execution(objective, business_owner):
    with pytest.raises(ValidationError) as too_early:
        objective_score_actual(
            objective=objective, expected_version=objective.version, value=7, actor=business_owner
        )
    assert "once the PI is executing" in too_early.value.message_dict["actual_business_value"][0]

    executing(objective.pi)
    with pytest.raises(ValidationError) as too_late:
        objective_set_planned_value(
            objective=objective, expected_version=objective.version, value=7, actor=business_owner
        )
    assert "while the PI is being planned" in too_late.value.message_dict["planned_business_value"][0]
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.actual_business_value) == (None, None)


def test_a_stale_score_is_refused(objective, business_owner, scrum_master):
    seen = objective.version
    objective_update(objective=objective, expected_version=seen, actor=scrum_master, text="Reworded")

    with pytest.raises(StaleVersion):
        objective_set_planned_value(objective=objective, value=8, expected_version=seen, actor=business_owner)
    objective.refresh_from_db()
    assert objective.planned_business_value is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("planned_business_value", 11), ("planned_business_value", 0), ("actual_business_value", 11)],
)
def test_the_database_refuses_business_value_out_of_range_too(objective, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        PIObjective.objects.filter(pk=objective.pk).update(**{field: value})
