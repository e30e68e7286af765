"""The PI lifecycle services and the readiness checklist: who may, what is refused and why."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from planning.factories import (
    FeatureFactory,
    PIObjectiveFactory,
    ProgramIncrementFactory,
    TeamCapacityFactory,
)
from planning.models import Iteration, PlanBaseline, ProgramIncrement
from planning.selectors.lifecycle import pi_readiness
from planning.services import lifecycle as services
from planning.services.baseline import plan_commit
from trains.errors import NotAllowed
from trains.factories import MembershipFactory, TeamFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db

State = ProgramIncrement.State


def field_messages(error: ValidationError, name: str) -> str:
    return " ".join(error.value.message_dict[name])


# --- create -----------------------------------------------------------------------------------------


def test_rte_creates_a_pi_on_the_trains_cadence_with_the_last_iteration_ip(train, rte):
    train.iteration_length_days, train.iterations_per_pi = 14, 5
    pi = services.pi_create(train=train, name="PI 9", start_date=dt.date(2027, 1, 4), actor=rte)
    iterations = list(pi.iterations.order_by("number"))
    assert pi.state == State.DRAFT
    assert [(it.start_date, it.end_date, it.is_ip) for it in iterations[:2]] == [
        (dt.date(2027, 1, 4), dt.date(2027, 1, 17), False),
        (dt.date(2027, 1, 18), dt.date(2027, 1, 31), False),
    ]
    assert [it.is_ip for it in iterations] == [False, False, False, False, True]
    assert (pi.start_date, pi.end_date) == (dt.date(2027, 1, 4), dt.date(2027, 3, 14))  # 5 × 14 days


@pytest.mark.parametrize(
    "persona", ["product_manager", "scrum_master", "business_owner", "viewer", "outsider"]
)
def test_only_the_rte_creates_a_pi(request, train, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        services.pi_create(train=train, name="PI 9", start_date=dt.date(2027, 1, 4), actor=actor)
    assert not ProgramIncrement.objects.filter(name="PI 9").exists()


def test_a_pi_name_is_unique_on_the_train(train, rte, pi):
    with pytest.raises(ValidationError) as error:
        services.pi_create(train=train, name=pi.name, start_date=dt.date(2027, 1, 4), actor=rte)
    assert "already has a PI" in field_messages(error, "name")


# --- dates ------------------------------------------------------------------------------------------


def test_rte_moves_an_iteration_end_inside_the_pi(rte, pi, iterations):
    last_dev, ip = iterations[-2], iterations[-1]
    services.iteration_update(
        iteration=ip, start_date=ip.start_date + dt.timedelta(days=2), end_date=ip.end_date, actor=rte
    )
    ip.refresh_from_db()
    assert ip.start_date == last_dev.end_date + dt.timedelta(days=3)


@pytest.mark.parametrize(
    ("shift_start", "shift_end", "field", "message"),
    [
        (-1, 0, "start_date", "cannot start before the PI"),
        (0, 1, "end_date", "cannot end after the PI"),
        (0, -20, "end_date", "must end on or after its start"),
    ],
)
def test_iteration_dates_outside_the_pi_or_reversed_are_refused_and_nothing_saved(
    rte, pi, iterations, shift_start, shift_end, field, message
):
    # The first iteration starts with the PI and the last ends with it: step outside on either side.
    target = iterations[0] if shift_start else iterations[-1]
    before = (target.start_date, target.end_date)
    with pytest.raises(ValidationError) as error:
        services.iteration_update(
            iteration=target,
            start_date=target.start_date + dt.timedelta(days=shift_start),
            end_date=target.end_date + dt.timedelta(days=shift_end),
            actor=rte,
        )
    assert message in field_messages(error, field)
    target.refresh_from_db()
    assert (target.start_date, target.end_date) == before


def test_overlapping_iterations_are_refused(rte, pi, iterations):
    first, second = iterations[0], iterations[1]
    with pytest.raises(ValidationError) as error:
        services.iteration_update(
            iteration=second, start_date=first.end_date, end_date=second.end_date, actor=rte
        )
    assert "Overlaps I1" in field_messages(error, "start_date")


def test_the_database_guard_becomes_a_field_message_not_a_crash(rte, pi, iterations, monkeypatch):
    # Were the service's own checks to miss, the trigger refuses; the user still sees a field message.
    ip = iterations[-1]
    monkeypatch.setattr(services, "check_iteration_span", lambda *args: None)
    with pytest.raises(ValidationError) as error:
        services.iteration_update(
            iteration=ip, start_date=ip.start_date, end_date=pi.end_date + dt.timedelta(days=5), actor=rte
        )
    assert "inside the PI" in field_messages(error, "start_date")
    assert Iteration.objects.get(pk=ip.pk).end_date == pi.end_date
    assert ip.end_date == pi.end_date  # the caller's instance still shows the saved dates


def test_only_the_rte_changes_iteration_dates(scrum_master, product_manager, pi, iterations):
    for actor in (scrum_master, product_manager):
        with pytest.raises(NotAllowed):
            services.iteration_update(
                iteration=iterations[0],
                start_date=iterations[0].start_date,
                end_date=iterations[0].end_date,
                actor=actor,
            )


def test_pi_dates_must_still_contain_every_iteration(rte, pi, iterations):
    with pytest.raises(ValidationError) as error:
        services.pi_update_dates(
            pi=pi, start_date=pi.start_date, end_date=pi.end_date - dt.timedelta(days=1), actor=rte
        )
    assert "the PI must end on or after it" in field_messages(error, "end_date")
    services.pi_update_dates(
        pi=pi, start_date=pi.start_date - dt.timedelta(days=3), end_date=pi.end_date, actor=rte
    )
    pi.refresh_from_db()
    assert pi.start_date == iterations[0].start_date - dt.timedelta(days=3)


# --- Business Owners --------------------------------------------------------------------------------


def test_rte_assigns_business_owners_who_hold_the_role(rte, business_owner, pi):
    services.pi_set_business_owners(pi=pi, users=[business_owner], actor=rte)
    assert list(pi.business_owners.all()) == [business_owner]


def test_someone_without_the_business_owner_role_cannot_be_assigned(rte, viewer, business_owner, pi):
    with pytest.raises(ValidationError) as error:
        services.pi_set_business_owners(pi=pi, users=[business_owner, viewer], actor=rte)
    assert "Business Owner role" in field_messages(error, "business_owners")
    assert not pi.business_owners.exists()


def test_business_owners_cannot_assign_themselves(business_owner, pi):
    with pytest.raises(NotAllowed):
        services.pi_set_business_owners(pi=pi, users=[business_owner], actor=business_owner)


# --- transitions ------------------------------------------------------------------------------------


@pytest.fixture
def draft(train):
    return ProgramIncrementFactory(
        train=train, name="PI 8", start_date=dt.date(2026, 4, 6), state=State.DRAFT
    )


def test_draft_moves_to_planning(rte, draft):
    services.pi_transition(pi=draft, to_state=State.PLANNING, actor=rte)
    assert ProgramIncrement.objects.get(pk=draft.pk).state == State.PLANNING


def test_a_state_cannot_be_skipped(rte, draft):
    with pytest.raises(ValidationError) as error:
        services.pi_transition(pi=draft, to_state=State.EXECUTING, actor=rte)
    assert "cannot move" in field_messages(error, "to_state")


@pytest.mark.parametrize(
    "persona", ["product_manager", "scrum_master", "business_owner", "viewer", "outsider"]
)
def test_only_the_rte_moves_a_pi(request, draft, persona):
    with pytest.raises(NotAllowed):
        services.pi_transition(pi=draft, to_state=State.PLANNING, actor=request.getfixturevalue(persona))
    assert ProgramIncrement.objects.get(pk=draft.pk).state == State.DRAFT


def test_execution_without_a_commit_is_refused(rte, pi, team):
    PIObjectiveFactory(pi=pi, team=team, is_committed=True)
    with pytest.raises(ValidationError) as error:
        services.pi_transition(pi=pi, to_state=State.EXECUTING, actor=rte)
    assert "Commit the plan" in field_messages(error, "to_state")
    assert ProgramIncrement.objects.get(pk=pi.pk).state == State.PLANNING


def test_execution_without_a_committed_objective_is_refused(rte, pi, team):
    PIObjectiveFactory(pi=pi, team=team, is_committed=False)
    plan_commit(pi=pi, actor=rte)
    with pytest.raises(ValidationError) as error:
        services.pi_transition(pi=pi, to_state=State.EXECUTING, actor=rte)
    assert "committed objective" in field_messages(error, "to_state")


def test_committed_plan_with_a_committed_objective_starts_executing(rte, pi, team):
    PIObjectiveFactory(pi=pi, team=team, is_committed=True)
    plan_commit(pi=pi, actor=rte)
    services.pi_transition(pi=pi, to_state=State.EXECUTING, actor=rte)
    assert ProgramIncrement.objects.get(pk=pi.pk).state == State.EXECUTING


def test_a_train_executes_one_pi_at_a_time(rte, train, pi, team):
    ProgramIncrementFactory(train=train, name="PI 6", start_date=dt.date(2025, 10, 6), state=State.EXECUTING)
    PIObjectiveFactory(pi=pi, team=team, is_committed=True)
    plan_commit(pi=pi, actor=rte)
    with pytest.raises(ValidationError) as error:
        services.pi_transition(pi=pi, to_state=State.EXECUTING, actor=rte)
    assert "PI 6 is still executing" in field_messages(error, "to_state")


def test_closing_with_unscored_objectives_is_refused_naming_the_count_and_teams(rte, pi, team, other_team):
    pi.state = State.EXECUTING
    pi.save()
    PIObjectiveFactory(pi=pi, team=team, actual_business_value=7)
    PIObjectiveFactory(pi=pi, team=team, actual_business_value=None)
    PIObjectiveFactory(pi=pi, team=other_team, is_committed=False, actual_business_value=None)
    with pytest.raises(ValidationError) as error:
        services.pi_transition(pi=pi, to_state=State.CLOSED, actor=rte)
    message = field_messages(error, "confirm_unscored")
    assert "2 objectives lack an actual business value (Apollo, Gemini)" in message
    assert ProgramIncrement.objects.get(pk=pi.pk).state == State.EXECUTING


def test_closing_with_unscored_objectives_goes_through_when_the_rte_confirms(rte, pi, team):
    pi.state = State.EXECUTING
    pi.save()
    PIObjectiveFactory(pi=pi, team=team, actual_business_value=None)
    services.pi_transition(pi=pi, to_state=State.CLOSED, actor=rte, confirm_unscored=True)
    assert ProgramIncrement.objects.get(pk=pi.pk).state == State.CLOSED


def test_closing_with_every_objective_scored_needs_no_confirmation(rte, pi, team):
    pi.state = State.EXECUTING
    pi.save()
    PIObjectiveFactory(pi=pi, team=team, actual_business_value=0)
    services.pi_transition(pi=pi, to_state=State.CLOSED, actor=rte)
    assert ProgramIncrement.objects.get(pk=pi.pk).state == State.CLOSED


def test_a_transition_bumps_the_board_version(rte, draft):
    before = draft.board_version
    services.pi_transition(pi=draft, to_state=State.PLANNING, actor=rte)
    assert ProgramIncrement.objects.get(pk=draft.pk).board_version == before + 1


# --- readiness --------------------------------------------------------------------------------------


def test_readiness_percent_is_passed_checks_over_checks(train, pi, team, other_team, business_owner):
    """Hand-computed, 5 checks. Backlog: 12 estimated features and one unsized; the unsized one ranks
    last, so the top 10 by WSJF are estimated (pass) but include "Best" (WSJF 42), which has no
    acceptance criteria (fail). Capacity: Apollo has all 4 development iterations, Gemini only I1
    (fail; its IP row does not count). No Business Owner (fail). Cadence: 4 + IP (pass). 2 / 5 = 40 %."""
    iterations = list(pi.iterations.order_by("number"))
    for n in range(11):
        FeatureFactory(train=train, pi=pi, title=f"F{n}")  # WSJF (5 + 3 + 2) / 5 = 2
    FeatureFactory(train=train, pi=pi, title="Unsized", job_size=None)
    top = FeatureFactory(
        train=train, pi=pi, title="Best", business_value=20, time_criticality=20, risk_reduction=2, job_size=1
    )
    top.acceptance_criteria = ""
    top.save()
    for it in iterations[:-1]:
        TeamCapacityFactory(team=team, iteration=it)
    TeamCapacityFactory(team=other_team, iteration=iterations[0])
    TeamCapacityFactory(team=other_team, iteration=iterations[-1])  # IP: does not count

    readiness = pi_readiness(pi)
    by_key = {item.key: item for item in readiness.items}
    assert {key: item.passed for key, item in by_key.items()} == {
        "acceptance": False,
        "estimates": True,
        "capacity": False,
        "business_owners": False,
        "cadence": True,
    }
    assert (readiness.passed, readiness.total, readiness.percent) == (2, 5, 40)
    assert [m.label for m in by_key["acceptance"].missing] == ["Best"]
    assert [(m.label, m.detail) for m in by_key["capacity"].missing] == [
        ("Gemini", "no capacity for I2, I3, I4")
    ]
    assert "5 of 8 team × iteration cells" in by_key["capacity"].detail

    pi.business_owners.add(business_owner)
    top.acceptance_criteria = "Given …"
    top.save()
    assert pi_readiness(pi).percent == 80  # 4 / 5


def test_unestimated_features_in_the_top_ten_fail_the_estimates_check(train, pi):
    FeatureFactory(train=train, pi=pi, title="Sized")
    FeatureFactory(train=train, pi=pi, title="No size", job_size=None, time_criticality=None)
    item = next(i for i in pi_readiness(pi).items if i.key == "estimates")
    assert not item.passed
    assert [(m.label, m.detail) for m in item.missing] == [("No size", "missing time criticality, job size")]


def test_an_empty_backlog_is_not_ready(pi):
    items = {i.key: i for i in pi_readiness(pi).items}
    assert not items["acceptance"].passed and not items["estimates"].passed


def test_readiness_costs_the_same_queries_for_a_small_and_a_large_train(
    train, pi, django_assert_max_num_queries
):
    iterations = list(pi.iterations.order_by("number"))

    def grow(teams: int, features: int):
        for _ in range(teams):
            team = TeamFactory(train=train)
            for it in iterations[:-1]:
                TeamCapacityFactory(team=team, iteration=it)
        for _ in range(features):
            FeatureFactory(train=train, pi=pi)
        user = UserFactory()
        MembershipFactory(user=user, train=train, role=Role.BUSINESS_OWNER)
        pi.business_owners.add(user)

    grow(1, 2)
    with django_assert_max_num_queries(5) as small:
        pi_readiness(pi, iterations)
    grow(8, 60)
    with django_assert_max_num_queries(5) as large:
        pi_readiness(pi, iterations)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_recommit_during_planning_adds_a_new_baseline(rte, pi):
    plan_commit(pi=pi, actor=rte)
    plan_commit(pi=pi, actor=rte)
    assert PlanBaseline.objects.filter(pi=pi).count() == 2
