"""Writes of running the PI beyond the basics: raising and editing risks, stale versions, impediments
blocking features, ART Sync actions, system demos, the I&A workshop and improvement items."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from planning.factories import FeatureFactory, PIObjectiveFactory
from planning.models import Feature, FeatureBlockedPeriod, ProgramIncrement
from risks.factories import ArtSyncFactory, ImpedimentFactory, ImprovementItemFactory, RiskFactory
from risks.models import (
    ActionItem,
    DemoItem,
    Impediment,
    ImprovementItem,
    ProblemVote,
    Risk,
    RiskRoamChange,
)
from risks.services import (
    VOTES_PER_PERSON,
    action_create,
    action_set_done,
    art_sync_start,
    demo_follow_up_add,
    demo_item_add,
    demo_item_record,
    impediment_escalate,
    impediment_raise,
    impediment_reopen,
    impediment_resolve,
    impediment_update,
    improvement_create,
    improvement_set_status,
    improvement_take_into_pi,
    problem_create,
    problem_vote_toggle,
    risk_create,
    risk_raise_to_art,
    risk_roam,
    risk_update,
    system_demo_plan,
)
from trains.errors import NotAllowed, StaleVersion
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)


# --- risks -------------------------------------------------------------------------------------------


def test_anyone_taking_part_raises_a_risk_unroamed_with_links(
    team_member, train, team, running_pi, team_feature
):
    objective = PIObjectiveFactory(pi=running_pi, team=team)

    risk = risk_create(
        train=train,
        pi=running_pi,
        team=team,
        title="  Vendor may slip  ",
        impact=4,
        likelihood=2,
        features=[team_feature],
        objectives=[objective],
        actor=team_member,
    )

    risk.refresh_from_db()
    assert (risk.title, risk.roam_status, risk.raised_by, risk.exposure) == (
        "Vendor may slip",
        "unroamed",
        team_member,
        8,
    )
    assert list(risk.features.all()) == [team_feature]
    assert list(risk.objectives.all()) == [objective]


def test_a_viewer_may_not_raise_a_risk(viewer, train):
    with pytest.raises(NotAllowed):
        risk_create(train=train, title="Anything", actor=viewer)

    assert not Risk.objects.exists()


def test_a_risk_cannot_link_another_trains_feature(rte, train, running_pi):
    foreign = FeatureFactory(train=TrainFactory())

    with pytest.raises(ValidationError) as error:
        risk_create(train=train, pi=running_pi, title="Cross-train", features=[foreign], actor=rte)

    assert "features" in error.value.message_dict
    assert not Risk.objects.exists()


def test_a_risk_owner_must_hold_a_role_on_the_train(rte, train):
    stranger = UserFactory()

    with pytest.raises(ValidationError) as error:
        risk_create(train=train, title="Owned by a stranger", owner=stranger, actor=rte)

    assert "owner" in error.value.message_dict


def test_editing_a_risk_bumps_its_version_and_a_stale_edit_is_refused(rte, product_manager, train):
    risk = RiskFactory(train=train, title="Old title")
    MembershipFactory(user=product_manager, train=train, role=Role.RTE)

    risk_update(risk=risk, expected_version=1, title="Rita's title", actor=rte)

    with pytest.raises(StaleVersion) as stale:
        risk_update(
            risk=Risk.objects.get(pk=risk.pk), expected_version=1, title="Paul's title", actor=product_manager
        )

    assert stale.value.current.title == "Rita's title"
    risk.refresh_from_db()
    assert (risk.title, risk.version) == ("Rita's title", 2)


def test_a_stale_roam_move_is_refused_and_nothing_moves(rte, train):
    risk = RiskFactory(train=train)
    risk_roam(risk=risk, status=Risk.Roam.ACCEPTED, actor=rte, expected_version=1)

    with pytest.raises(StaleVersion):
        risk_roam(risk=risk, status=Risk.Roam.RESOLVED, actor=rte, expected_version=1)

    risk.refresh_from_db()
    assert (risk.roam_status, risk.version) == (Risk.Roam.ACCEPTED, 2)
    assert RiskRoamChange.objects.filter(risk=risk).count() == 1


def test_an_owned_risk_keeps_its_owner_on_edit(rte, train):
    risk = RiskFactory(train=train)
    risk_roam(risk=risk, expected_version=risk.version, status=Risk.Roam.OWNED, owner=rte, actor=rte)

    with pytest.raises(ValidationError) as error:
        risk_update(risk=risk, expected_version=risk.version, owner=None, actor=rte)

    assert "owner" in error.value.message_dict
    risk.refresh_from_db()
    assert risk.owner == rte


def test_moving_to_mitigated_with_a_plan_given_in_the_move_saves_the_plan(rte, train):
    risk = RiskFactory(train=train)

    risk_roam(
        risk=risk,
        expected_version=risk.version,
        status=Risk.Roam.MITIGATED,
        mitigation_plan=" Second sandbox ",
        actor=rte,
    )

    risk.refresh_from_db()
    assert (risk.roam_status, risk.mitigation_plan) == (Risk.Roam.MITIGATED, "Second sandbox")


def test_a_team_risk_raised_to_the_art_board_remembers_its_team_and_its_history(scrum_master, train, team):
    risk = RiskFactory(train=train, team=team)

    risk_raise_to_art(risk=risk, note="Needs the vendor contract", expected_version=1, actor=scrum_master)

    risk.refresh_from_db()
    assert (risk.team, risk.origin_team, risk.version) == (None, team, 2)
    assert risk.raised_to_art_at is not None
    change = RiskRoamChange.objects.get(risk=risk)
    assert "Raised from Apollo to the ART board" in change.note
    assert change.actor == scrum_master
    # On the ART board the team's planners no longer ROAM it: the RTE does.
    with pytest.raises(NotAllowed):
        risk_roam(risk=risk, expected_version=risk.version, status=Risk.Roam.ACCEPTED, actor=scrum_master)


def test_another_teams_scrum_master_may_not_raise_a_risk_to_the_art(scrum_master, train, other_team):
    risk = RiskFactory(train=train, team=other_team)

    with pytest.raises(NotAllowed):
        risk_raise_to_art(risk=risk, expected_version=risk.version, actor=scrum_master)

    risk.refresh_from_db()
    assert risk.team == other_team


def test_an_art_risk_cannot_be_raised_again(rte, train):
    risk = RiskFactory(train=train, team=None)

    with pytest.raises(ValidationError):
        risk_raise_to_art(risk=risk, expected_version=risk.version, actor=rte)


# --- impediments and blocked features ------------------------------------------------------------------


def _open_period(feature):
    return FeatureBlockedPeriod.objects.filter(feature=feature, ended_at__isnull=True).first()


def test_an_impediment_blocks_its_features_while_open_and_resolving_unblocks_them(
    scrum_master, team, team_feature
):
    impediment = impediment_raise(
        team=team, title="Test data missing", blocked_features=[team_feature], actor=scrum_master
    )

    team_feature.refresh_from_db()
    assert team_feature.is_blocked
    assert _open_period(team_feature).reason == "Impediment: Test data missing"

    impediment_resolve(
        impediment=impediment,
        expected_version=impediment.version,
        resolution="Data loaded",
        actor=scrum_master,
    )

    team_feature.refresh_from_db()
    assert not team_feature.is_blocked
    period = FeatureBlockedPeriod.objects.get(feature=team_feature)
    assert (
        period.ended_at == Impediment.objects.get(pk=impediment.pk).resolved_at
    )  # waiting time ends with it


def test_a_feature_stays_blocked_while_another_open_impediment_blocks_it(scrum_master, team, team_feature):
    first = impediment_raise(
        team=team, title="No test data", blocked_features=[team_feature], actor=scrum_master
    )
    impediment_raise(team=team, title="No staging", blocked_features=[team_feature], actor=scrum_master)

    impediment_resolve(
        impediment=first, expected_version=first.version, resolution="Loaded", actor=scrum_master
    )

    team_feature.refresh_from_db()
    assert team_feature.is_blocked


def test_an_impediment_may_only_block_its_own_teams_features(scrum_master, train, team, other_team):
    foreign = FeatureFactory(train=train, team=other_team)

    with pytest.raises(ValidationError) as error:
        impediment_raise(team=team, title="Blocked", blocked_features=[foreign], actor=scrum_master)

    assert "blocked_features" in error.value.message_dict
    assert not Impediment.objects.exists()
    foreign.refresh_from_db()
    assert not foreign.is_blocked


def test_updating_the_blocked_features_blocks_the_added_and_releases_the_removed(
    scrum_master, train, team, team_feature
):
    second = FeatureFactory(train=train, team=team)
    impediment = impediment_raise(
        team=team, title="CI down", blocked_features=[team_feature], actor=scrum_master
    )

    impediment_update(
        impediment=impediment, blocked_features=[second], expected_version=1, actor=scrum_master
    )

    team_feature.refresh_from_db()
    second.refresh_from_db()
    assert (team_feature.is_blocked, second.is_blocked) == (False, True)
    assert impediment.version == 2


def test_updating_an_impediment_changes_its_working_status_but_never_resolves_it(scrum_master, team):
    impediment = ImpedimentFactory(team=team)

    impediment_update(
        impediment=impediment,
        status="in_progress",
        severity="critical",
        expected_version=1,
        actor=scrum_master,
    )
    with pytest.raises(ValidationError) as error:
        impediment_update(impediment=impediment, status="resolved", expected_version=2, actor=scrum_master)

    assert "status" in error.value.message_dict
    impediment.refresh_from_db()
    assert (impediment.status, impediment.severity, impediment.resolved_at) == (
        "in_progress",
        "critical",
        None,
    )


def test_a_stale_escalation_is_refused(scrum_master, team):
    impediment = ImpedimentFactory(team=team)
    impediment_update(impediment=impediment, title="Renamed", expected_version=1, actor=scrum_master)

    with pytest.raises(StaleVersion):
        impediment_escalate(impediment=impediment, note="Needs help", expected_version=1, actor=scrum_master)

    impediment.refresh_from_db()
    assert impediment.escalation_level == Impediment.Level.TEAM


def test_reopening_keeps_the_level_reached_and_blocks_the_features_again(rte, team, team_feature):
    impediment = impediment_raise(team=team, title="Vendor down", blocked_features=[team_feature], actor=rte)
    impediment_escalate(
        impediment=impediment, expected_version=impediment.version, note="Vendor contract", actor=rte
    )
    impediment_resolve(
        impediment=impediment, expected_version=impediment.version, resolution="Back up", actor=rte
    )

    impediment_reopen(impediment=impediment, expected_version=impediment.version, actor=rte)

    impediment.refresh_from_db()
    team_feature.refresh_from_db()
    assert (impediment.status, impediment.escalation_level, impediment.resolved_at) == (
        "escalated",
        "art",
        None,
    )
    assert team_feature.is_blocked


# --- ART Sync ----------------------------------------------------------------------------------------


def test_starting_the_art_sync_twice_on_a_day_opens_the_same_meeting(rte, train, running_pi):
    day = running_pi.start_date + dt.timedelta(days=2)
    first = art_sync_start(train=train, pi=running_pi, held_on=day, actor=rte)
    second = art_sync_start(train=train, pi=running_pi, held_on=day, actor=rte)

    assert first == second


def test_only_the_rte_runs_the_art_sync(scrum_master, train, running_pi):
    with pytest.raises(NotAllowed):
        art_sync_start(train=train, pi=running_pi, actor=scrum_master)


def test_an_action_needs_an_owner_and_a_due_date_not_in_the_past(rte, train, running_pi):
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)

    with pytest.raises(ValidationError) as error:
        action_create(
            sync=sync,
            title="Call the vendor",
            owner=None,
            due_date=TODAY - dt.timedelta(days=1),
            actor=rte,
            today=TODAY,
        )

    assert set(error.value.message_dict) == {"owner", "due_date"}
    assert "cannot be due in the past" in error.value.message_dict["due_date"][0]
    assert not ActionItem.objects.exists()


def test_an_action_due_today_is_accepted(rte, train, running_pi):
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)

    action = action_create(
        sync=sync, title="Call the vendor", owner=rte, due_date=TODAY, actor=rte, today=TODAY
    )

    assert (action.train, action.raised_in, action.status) == (train, sync, ActionItem.Status.OPEN)


def test_the_owner_of_an_action_ticks_it_off_and_others_may_not(rte, scrum_master, viewer, train, running_pi):
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)
    action = action_create(
        sync=sync, title="Share the plan", owner=scrum_master, due_date=TODAY, actor=rte, today=TODAY
    )

    with pytest.raises(NotAllowed):
        action_set_done(action=action, done=True, actor=viewer)
    action_set_done(action=action, done=True, actor=scrum_master)

    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE and action.done_at is not None


# --- system demo -------------------------------------------------------------------------------------


def test_planning_a_demo_takes_the_features_planned_to_finish_in_the_iteration(
    rte, iterations, team_feature, train, running_pi
):
    FeatureFactory(train=train, pi=running_pi, iteration=iterations[2])  # another iteration's

    demo = system_demo_plan(iteration=iterations[1], actor=rte)

    assert [(item.feature, item.outcome) for item in demo.items.all()] == [
        (team_feature, DemoItem.Outcome.PLANNED)
    ]
    assert demo.held_on == iterations[1].end_date
    assert system_demo_plan(iteration=iterations[1], actor=rte) == demo  # once per iteration


def test_the_same_feature_is_not_added_twice_to_a_demo(rte, iterations, team_feature):
    demo = system_demo_plan(iteration=iterations[1], actor=rte)

    with pytest.raises(ValidationError) as error:
        demo_item_add(demo=demo, feature=team_feature, actor=rte)

    assert "feature" in error.value.message_dict


def test_recording_an_outcome_needs_a_known_outcome_and_a_runner(rte, team_member, iterations, team_feature):
    demo = system_demo_plan(iteration=iterations[1], actor=rte)
    item = demo.items.get()

    with pytest.raises(NotAllowed):
        demo_item_record(item=item, outcome="shown", feedback="", actor=team_member)
    with pytest.raises(ValidationError):
        demo_item_record(item=item, outcome="wow", feedback="", actor=rte)
    demo_item_record(item=item, outcome="shown", feedback=" Loved it ", actor=rte)

    item.refresh_from_db()
    assert (item.outcome, item.feedback) == ("shown", "Loved it")


def test_a_follow_up_due_in_the_past_is_refused(rte, iterations):
    demo = system_demo_plan(iteration=iterations[1], actor=rte)

    with pytest.raises(ValidationError) as error:
        demo_follow_up_add(
            demo=demo, title="Fix the export", due_date=TODAY - dt.timedelta(days=1), actor=rte, today=TODAY
        )

    assert "due_date" in error.value.message_dict


# --- Inspect & Adapt ---------------------------------------------------------------------------------


def test_each_person_votes_once_per_problem_and_can_take_the_vote_back(team_member, running_pi):
    problem = problem_create(pi=running_pi, statement="Late integration", actor=team_member)

    assert problem_vote_toggle(problem=problem, actor=team_member) is True
    assert ProblemVote.objects.filter(problem=problem).count() == 1
    assert problem_vote_toggle(problem=problem, actor=team_member) is False
    assert not ProblemVote.objects.exists()


def test_a_person_has_a_limited_number_of_votes_per_pi(team_member, running_pi):
    problems = [
        problem_create(pi=running_pi, statement=f"Problem {n}", actor=team_member)
        for n in range(VOTES_PER_PERSON + 1)
    ]
    for problem in problems[:VOTES_PER_PERSON]:
        problem_vote_toggle(problem=problem, actor=team_member)

    with pytest.raises(ValidationError) as error:
        problem_vote_toggle(problem=problems[-1], actor=team_member)

    assert "used your" in error.value.messages[0]
    assert ProblemVote.objects.count() == VOTES_PER_PERSON


def test_viewers_neither_bring_problems_nor_vote(viewer, team_member, running_pi):
    problem = problem_create(pi=running_pi, statement="Late integration", actor=team_member)

    with pytest.raises(NotAllowed):
        problem_create(pi=running_pi, statement="Another", actor=viewer)
    with pytest.raises(NotAllowed):
        problem_vote_toggle(problem=problem, actor=viewer)


def test_the_same_problem_is_not_listed_twice(team_member, running_pi):
    problem_create(pi=running_pi, statement="Late integration", actor=team_member)

    with pytest.raises(ValidationError):
        problem_create(pi=running_pi, statement="late integration", actor=team_member)


def test_an_improvement_item_needs_an_owner(rte, running_pi):
    with pytest.raises(ValidationError) as error:
        improvement_create(pi=running_pi, title="Contract tests", owner=None, actor=rte)

    assert "owner" in error.value.message_dict
    assert not ImprovementItem.objects.exists()


def test_taking_an_item_into_the_next_pi_makes_it_an_enabler_in_that_backlog(
    rte, scrum_master, running_pi, next_pi
):
    problem = problem_create(pi=running_pi, statement="Late integration", actor=scrum_master)
    item = improvement_create(
        pi=running_pi, title="Contract tests in CI", owner=scrum_master, problem=problem, actor=rte
    )

    item = improvement_take_into_pi(item=item, target_pi=next_pi, actor=rte)

    feature = item.feature
    assert (item.target_pi, item.status, item.source_problem) == (
        next_pi,
        ImprovementItem.Status.PLANNED,
        problem,
    )
    assert (feature.pi, feature.kind, feature.state, feature.title) == (
        next_pi,
        "enabler",
        "backlog",
        "Contract tests in CI",
    )
    assert "Late integration" in feature.description
    assert list(feature.state_changes.values_list("to_state", flat=True)) == ["funnel", "backlog"]


def test_an_item_is_taken_into_a_pi_only_once_and_only_into_a_later_open_pi(rte, train, running_pi, next_pi):
    item = improvement_create(pi=running_pi, title="Contract tests", owner=rte, actor=rte)
    earlier = train.pis.create(
        name="PI 7",
        start_date=running_pi.start_date - dt.timedelta(days=70),
        end_date=running_pi.start_date - dt.timedelta(days=1),
        state=ProgramIncrement.State.CLOSED,
    )

    with pytest.raises(ValidationError):
        improvement_take_into_pi(item=item, target_pi=earlier, actor=rte)
    improvement_take_into_pi(item=item, target_pi=next_pi, actor=rte)
    with pytest.raises(ValidationError):
        improvement_take_into_pi(item=item, target_pi=next_pi, actor=rte)

    assert Feature.objects.filter(kind="enabler", pi=next_pi).count() == 1


def test_only_the_rte_or_product_management_take_items_into_a_pi(scrum_master, running_pi, next_pi):
    item = ImprovementItemFactory(source_pi=running_pi, owner=scrum_master)

    with pytest.raises(NotAllowed):
        improvement_take_into_pi(item=item, target_pi=next_pi, actor=scrum_master)

    assert not Feature.objects.filter(pi=next_pi).exists()


def test_the_owner_reports_progress_and_done_keeps_the_time(scrum_master, running_pi):
    item = ImprovementItemFactory(source_pi=running_pi, owner=scrum_master)

    improvement_set_status(item=item, status="done", actor=scrum_master)
    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None

    improvement_set_status(item=item, status="in_progress", actor=scrum_master)
    item.refresh_from_db()
    assert item.done_at is None


def test_an_item_counts_as_complete_when_its_enabler_is_done(rte, running_pi, next_pi):
    item = improvement_take_into_pi(
        item=improvement_create(pi=running_pi, title="Contract tests", owner=rte, actor=rte),
        target_pi=next_pi,
        actor=rte,
    )
    assert not item.is_complete
    Feature.objects.filter(pk=item.feature_id).update(state="done", done_at=timezone.now())

    item = ImprovementItem.objects.select_related("feature").get(pk=item.pk)

    assert item.is_complete and item.status == ImprovementItem.Status.PLANNED


def test_status_planned_needs_a_target_pi(rte, running_pi):
    item = ImprovementItemFactory(source_pi=running_pi, owner=rte)

    with pytest.raises(ValidationError):
        improvement_set_status(item=item, status="planned", actor=rte)


def test_an_owner_who_left_the_train_cannot_be_given_an_item(rte, running_pi):
    other_train_person = UserFactory()
    MembershipFactory(user=other_train_person, train=TrainFactory(), team=None, role=Role.RTE)

    with pytest.raises(ValidationError):
        improvement_create(pi=running_pi, title="x", owner=other_train_person, actor=rte)


def test_a_team_of_another_train_cannot_get_a_risk(rte, train):
    with pytest.raises(ValidationError) as error:
        risk_create(train=train, title="x", team=TeamFactory(), actor=rte)

    assert "team" in error.value.message_dict
