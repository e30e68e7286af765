"""The audit history (trains/history): every change recorded by its service, with who, when, which
fields from what to what and through which door; read on an item's History panel and on the train's
activity feed by everyone on the train, never edited."""

import ast
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from planning import services as planning
from planning.factories import (
    FeatureFactory,
    MilestoneFactory,
    ProgramIncrementFactory,
)
from planning.models import Feature, ProgramIncrement
from planning.services import backlog, capacity, lifecycle, objectives, stories, votes
from risks import services as running
from risks.factories import ArtSyncFactory
from risks.models import Risk
from trains import services as trains_services
from trains.factories import MembershipFactory, TeamFactory, UserFactory
from trains.history.door import through
from trains.history.models import Action, Change, Door, Kind
from trains.models import Role

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pi(upcoming_pi):
    return upcoming_pi


@pytest.fixture
def iterations(pi):
    return list(pi.iterations.order_by("number"))


def latest(kind: str, **lookup) -> Change:
    return Change.objects.filter(kind=kind, **lookup).order_by("-at", "-pk").first()


# --- the guarded move ----------------------------------------------------------------------------------


def test_a_move_is_recorded_with_the_team_and_iteration_it_left_and_took(
    rte, train, pi, team, other_team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Checkout v2")

    planning.feature_move(
        feature=Feature.objects.get(pk=feature.pk),
        team_id=other_team.pk,
        iteration_id=iterations[2].pk,
        expected_version=1,
        actor=rte,
    )

    change = latest(Kind.FEATURE, object_id=feature.pk)
    assert (change.action, change.object_label, change.actor, change.actor_name) == (
        Action.MOVED,
        "Checkout v2",
        rte,
        rte.get_full_name() or rte.username,
    )
    assert change.fields == {"team": ["Apollo", "Gemini"], "iteration": ["PI 7 · I1", "PI 7 · I3"]}
    assert change.door == Door.TASK  # a service called outside any request
    assert change.train_id == train.pk


def test_a_move_back_to_the_unplanned_lane_is_recorded_as_leaving_its_place(rte, train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[4])  # the IP iteration

    planning.feature_move(feature=feature, team_id=None, iteration_id=None, expected_version=1, actor=rte)

    assert latest(Kind.FEATURE, object_id=feature.pk).fields == {
        "team": ["Apollo", None],
        "iteration": ["PI 7 · IP", None],
    }


def test_a_move_along_the_teams_row_names_only_the_iteration(rte, train, pi, team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])

    planning.feature_move(
        feature=feature, team_id=team.pk, iteration_id=iterations[1].pk, expected_version=1, actor=rte
    )

    assert latest(Kind.FEATURE, object_id=feature.pk).fields == {"iteration": ["PI 7 · I1", "PI 7 · I2"]}


def test_a_refused_move_records_nothing(rte, train, pi, team, other_team, iterations):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    elsewhere = TeamFactory()  # another train's team: the guarded UPDATE applies to no row
    before = Change.objects.count()

    with pytest.raises(ValidationError):
        planning.feature_move(
            feature=feature,
            team_id=elsewhere.pk,
            iteration_id=iterations[1].pk,
            expected_version=1,
            actor=rte,
        )

    assert Change.objects.count() == before


def test_a_move_on_the_board_is_recorded_as_made_on_a_page_within_its_statement_budget(
    client, rte, train, pi, team, other_team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[1])
    client.force_login(rte)
    url = reverse("planning:feature_move", args=[train.slug, feature.pk])
    client.post(url, {"team": team.pk, "iteration": iterations[2].pk, "version": 1}, **HTMX)

    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            url, {"team": other_team.pk, "iteration": iterations[1].pk, "version": 2}, **HTMX
        )

    assert response.status_code == 200
    change = latest(Kind.FEATURE, object_id=feature.pk)
    assert (change.door, change.actor, change.fields) == (
        Door.PAGE,
        rte,
        {"team": ["Apollo", "Gemini"], "iteration": ["PI 7 · I3", "PI 7 · I2"]},
    )
    # The session's read belongs to the session engine (cached or not), not to the move.
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if "SAVEPOINT" not in q["sql"] and "django_session" not in q["sql"]
    ]
    recording = [sql for sql in statements if "trains_change" in sql]
    # One INSERT after the guarded UPDATE, the places named by subqueries in it: no extra read.
    assert len(recording) == 1 and recording[0].startswith("INSERT"), recording
    assert len(statements) <= 9, statements


# --- each kind, with its fields ----------------------------------------------------------------------------


def test_pi_changes_are_recorded(rte, train):
    pi = lifecycle.pi_create(train=train, name="PI 9", start_date=date(2027, 1, 4), actor=rte)
    created = latest(Kind.PI, object_id=pi.pk)
    assert created.action == Action.CREATED
    assert created.fields["name"] == [None, "PI 9"]
    assert created.fields["start_date"] == [None, "2027-01-04"]

    lifecycle.pi_transition(pi=pi, to_state=ProgramIncrement.State.PLANNING, actor=rte)
    assert latest(Kind.PI, object_id=pi.pk).fields == {"state": ["Draft", "Planning"]}

    first = pi.iterations.get(number=1)
    lifecycle.iteration_update(
        iteration=first, start_date=first.start_date, end_date=first.end_date - timedelta(days=1), actor=rte
    )
    assert latest(Kind.PI, object_id=pi.pk).fields == {
        "I1 dates": ["4 Jan – 17 Jan 2027", "4 Jan – 16 Jan 2027"]
    }


def test_feature_changes_are_recorded(rte, train, pi, team, iterations):
    feature = planning.feature_create(
        train=train, title="Pay by card", pi=pi, team=team, iteration=iterations[1], actor=rte, job_size=5
    )
    created = latest(Kind.FEATURE, object_id=feature.pk)
    assert created.action == Action.CREATED
    assert {name: created.fields[name] for name in ("title", "team", "iteration", "job_size", "state")} == {
        "title": [None, "Pay by card"],
        "team": [None, "Apollo"],
        "iteration": [None, "PI 7 · I2"],
        "job_size": [None, 5],
        "state": [None, "Funnel"],
    }

    feature = planning.feature_update(
        feature=feature, expected_version=1, actor=rte, title="Pay by card or wallet"
    )
    assert latest(Kind.FEATURE, object_id=feature.pk).fields == {
        "title": ["Pay by card", "Pay by card or wallet"]
    }

    feature = planning.feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, actor=rte)
    assert latest(Kind.FEATURE, object_id=feature.pk).fields == {"state": ["Funnel", "Implementing"]}

    feature = planning.feature_set_blocked(
        feature=feature, blocked=True, actor=rte, reason="Waiting for the PSP"
    )
    blocked = latest(Kind.FEATURE, object_id=feature.pk)
    assert (blocked.fields, blocked.note) == ({"is_blocked": [False, True]}, "Waiting for the PSP")

    feature = backlog.feature_set_wsjf(
        feature=feature, expected_version=feature.version, actor=rte, job_size=8
    )
    assert latest(Kind.FEATURE, object_id=feature.pk).fields == {"job_size": [5, 8]}


def test_an_edit_that_changes_nothing_records_nothing(rte, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team, title="Same")
    before = Change.objects.count()

    planning.feature_update(feature=feature, expected_version=1, actor=rte, title="Same")

    assert Change.objects.count() == before


def test_dependency_and_milestone_changes_are_recorded(rte, train, pi, team, other_team, iterations):
    dependency = planning.dependency_create(
        pi=pi,
        actor=rte,
        requesting_team=team,
        providing_team=other_team,
        description="Card tokens API",
        needed_by_iteration=iterations[2],
    )
    created = latest(Kind.DEPENDENCY, object_id=dependency.pk)
    assert created.action == Action.CREATED
    assert created.fields["providing_team"] == [None, "Gemini"]
    assert created.fields["needed_by_iteration"] == [None, "PI 7 · I3"]

    planning.dependency_update(
        dependency=dependency, expected_version=1, actor=rte, state="committed", owner=rte
    )
    assert latest(Kind.DEPENDENCY, object_id=dependency.pk).fields == {
        "state": ["Requested", "Committed"],
        "owner": [None, rte.get_full_name() or rte.username],
    }

    milestone = planning.milestone_create(pi=pi, name="Go live", date=iterations[1].end_date, actor=rte)
    assert latest(Kind.MILESTONE, object_id=milestone.pk).fields["name"] == [None, "Go live"]
    planning.milestone_update(milestone=milestone, expected_version=1, actor=rte, name="Go live (EU)")
    assert latest(Kind.MILESTONE, object_id=milestone.pk).fields == {"name": ["Go live", "Go live (EU)"]}


def test_story_and_capacity_changes_are_recorded(rte, train, pi, team, iterations):
    story = stories.story_create(team=team, title="Card form", points=3, actor=rte, iteration=iterations[0])
    assert latest(Kind.STORY, object_id=story.pk).fields["points"] == [None, 3]
    story = stories.story_update(
        story=story, expected_version=1, actor=rte, points=5, iteration=iterations[1]
    )
    assert latest(Kind.STORY, object_id=story.pk).fields == {
        "points": [3, 5],
        "iteration": ["PI 7 · I1", "PI 7 · I2"],
    }
    stories.story_delete(story=story, expected_version=story.version, actor=rte)
    deleted = latest(Kind.STORY, object_id=story.pk)
    assert (deleted.action, deleted.object_label, deleted.fields["title"]) == (
        Action.DELETED,
        "Card form",
        ["Card form", None],
    )

    cell = capacity.capacity_set(
        team=team,
        iteration=iterations[0],
        fte=6,
        days_off=2,
        capacity_override=None,
        expected_version=0,
        actor=rte,
    )
    entered = latest(Kind.CAPACITY, object_id=cell.pk)
    assert (entered.action, entered.object_label) == (Action.CREATED, "Apollo · PI 7 · I1")
    assert entered.fields == {"fte": [None, 6], "days_off": [None, 2]}
    capacity.capacity_set(
        team=team,
        iteration=iterations[0],
        fte=Decimal("5.5"),
        days_off=2,
        capacity_override=40,
        expected_version=1,
        actor=rte,
    )
    assert latest(Kind.CAPACITY, object_id=cell.pk).fields == {
        "fte": [6, 5.5],
        "capacity_override": [None, 40],
    }


def test_objective_and_business_value_changes_are_recorded(rte, business_owner, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team, title="Pay by card")
    objective = objectives.objective_create(pi=pi, team=team, text="Card payments live", actor=rte)
    assert latest(Kind.OBJECTIVE, object_id=objective.pk).fields["text"] == [None, "Card payments live"]

    objective = objectives.objective_update(
        objective=objective, expected_version=1, actor=rte, is_committed=False, features=[feature]
    )
    assert latest(Kind.OBJECTIVE, object_id=objective.pk).fields == {
        "is_committed": [True, False],
        "features": [[], ["Pay by card"]],
    }

    objective = objectives.objective_set_planned_value(
        objective=objective, value=8, actor=business_owner, expected_version=objective.version
    )
    valued = latest(Kind.OBJECTIVE, object_id=objective.pk)
    assert (valued.fields, valued.actor) == ({"planned_business_value": [None, 8]}, business_owner)

    objectives.objective_delete(objective=objective, actor=rte, expected_version=objective.version)
    deleted = latest(Kind.OBJECTIVE, object_id=objective.pk)
    assert deleted.action == Action.DELETED
    assert deleted.fields["planned_business_value"] == [8, None]


def test_vote_rounds_and_votes_are_recorded(rte, team_member, train, pi, team):
    vote_round = votes.vote_round_open(pi=pi, team=team, actor=rte)
    opened = latest(Kind.VOTE_ROUND, object_id=vote_round.pk)
    assert (opened.action, opened.object_label) == (Action.CREATED, "PI 7: Apollo's plan, round 1")

    vote = votes.vote_cast(vote_round=vote_round, voter=team_member, score=2, concern="Too much WIP")
    cast = latest(Kind.VOTE, object_id=vote.pk)
    assert (cast.action, cast.actor, cast.fields) == (
        Action.CREATED,
        team_member,
        {"score": [None, 2], "concern": [None, "Too much WIP"]},
    )
    votes.vote_cast(vote_round=vote_round, voter=team_member, score=4)
    assert latest(Kind.VOTE, object_id=vote.pk).fields == {"score": [2, 4]}

    votes.vote_round_close(vote_round=vote_round, actor=rte)
    assert latest(Kind.VOTE_ROUND, object_id=vote_round.pk).fields == {"state": ["Open", "Closed"]}


def test_risk_changes_are_recorded(rte, scrum_master, train, pi, team):
    risk = running.risk_create(train=train, pi=pi, team=team, title="PSP may slip", actor=scrum_master)
    assert latest(Kind.RISK, object_id=risk.pk).fields["title"] == [None, "PSP may slip"]

    risk = running.risk_update(risk=risk, actor=scrum_master, expected_version=1, impact=5)
    assert latest(Kind.RISK, object_id=risk.pk).fields == {"impact": ["3 – medium", "5 – very high"]}

    risk = running.risk_roam(
        risk=risk,
        status=Risk.Roam.OWNED,
        owner=scrum_master,
        actor=rte,
        expected_version=risk.version,
        note="Sam",
    )
    roamed = latest(Kind.RISK, object_id=risk.pk)
    assert roamed.fields["roam_status"] == ["Un-ROAMed", "Owned"]
    assert roamed.note == "Sam"

    running.risk_raise_to_art(risk=risk, actor=rte, expected_version=risk.version)
    assert latest(Kind.RISK, object_id=risk.pk).fields == {
        "team": ["Apollo", None],
        "origin_team": [None, "Apollo"],
    }


def test_impediment_changes_are_recorded(rte, scrum_master, train, team):
    impediment = running.impediment_raise(team=team, title="No test env", actor=scrum_master)
    raised = latest(Kind.IMPEDIMENT, object_id=impediment.pk)
    assert (raised.action, raised.fields["severity"]) == (Action.CREATED, [None, "Medium"])

    impediment = running.impediment_update(
        impediment=impediment, actor=scrum_master, expected_version=1, severity="high"
    )
    assert latest(Kind.IMPEDIMENT, object_id=impediment.pk).fields == {"severity": ["Medium", "High"]}

    impediment = running.impediment_escalate(
        impediment=impediment, note="Needs a budget", actor=scrum_master, expected_version=impediment.version
    )
    escalated = latest(Kind.IMPEDIMENT, object_id=impediment.pk)
    assert escalated.fields == {"status": ["Open", "Escalated"], "escalation_level": ["Team", "ART"]}
    assert escalated.note == "Needs a budget"

    running.impediment_resolve(
        impediment=impediment, resolution="Env bought", actor=rte, expected_version=impediment.version
    )
    assert latest(Kind.IMPEDIMENT, object_id=impediment.pk).fields == {
        "status": ["Escalated", "Resolved"],
        "resolution": ["", "Env bought"],
    }


def test_action_and_improvement_items_are_recorded(rte, product_manager, train, pi):
    sync = ArtSyncFactory(train=train, pi=pi)
    action = running.action_create(
        sync=sync,
        title="Book the env",
        owner=rte,
        due_date=timezone.localdate() + timedelta(days=3),
        actor=rte,
    )
    assert latest(Kind.ACTION_ITEM, object_id=action.pk).fields["title"] == [None, "Book the env"]
    running.action_set_done(action=action, done=True, actor=rte)
    assert latest(Kind.ACTION_ITEM, object_id=action.pk).fields == {"status": ["Open", "Done"]}

    item = running.improvement_create(pi=pi, title="Automate the env", owner=product_manager, actor=rte)
    assert latest(Kind.IMPROVEMENT_ITEM, object_id=item.pk).fields["owner"] == [
        None,
        product_manager.get_full_name() or product_manager.username,
    ]
    next_pi = ProgramIncrementFactory(train=train, name="PI 8", start_date=pi.start_date + timedelta(days=84))
    running.improvement_take_into_pi(item=item, target_pi=next_pi, actor=rte)
    taken = latest(Kind.IMPROVEMENT_ITEM, object_id=item.pk)
    assert taken.fields["status"] == ["Proposed", "Taken into a PI"]
    assert taken.fields["target_pi"] == [None, "PI 8"]


def test_membership_changes_are_recorded(rte, train, team):
    person = UserFactory(username="nina", first_name="Nina", last_name="Holt")
    membership = trains_services.membership_add(
        train=train, user=person, role=Role.TEAM_MEMBER, team=team, actor=rte
    )
    added = latest(Kind.MEMBERSHIP, object_id=membership.pk)
    assert (added.action, added.object_label) == (Action.CREATED, "Nina Holt: Team member (Apollo)")
    assert added.fields == {
        "user": [None, "Nina Holt"],
        "role": [None, "Team member"],
        "team": [None, "Apollo"],
    }

    trains_services.membership_update(membership=membership, role=Role.SCRUM_MASTER, team=team, actor=rte)
    assert latest(Kind.MEMBERSHIP, object_id=membership.pk).fields == {
        "role": ["Team member", "Scrum Master / Team Coach"]
    }

    pk = membership.pk
    trains_services.membership_remove(membership=membership, actor=rte)
    removed = latest(Kind.MEMBERSHIP, object_id=pk)
    assert (removed.action, removed.fields["user"]) == (Action.DELETED, ["Nina Holt", None])


# --- the door --------------------------------------------------------------------------------------------


def test_a_change_on_a_page_is_recorded_as_made_on_a_page(client, rte, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team)
    client.force_login(rte)
    url = reverse("planning:backlog_wsjf", args=[train.slug, feature.pk])
    client.post(
        url, {"version": 1, "job_size": 13, "business_value": 5, "time_criticality": 3, "risk_reduction": 2}
    )

    change = latest(Kind.FEATURE, object_id=feature.pk)
    assert (change.door, change.actor, change.fields) == (Door.PAGE, rte, {"job_size": [5, 13]})


def test_a_change_through_the_api_is_recorded_as_made_through_the_api(
    client, rte, train, pi, team, iterations
):
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0])
    client.force_login(rte)
    response = client.post(
        f"/api/v1/trains/{train.slug}/features/{feature.pk}/move/",
        {"team": team.pk, "iteration": iterations[1].pk},
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200, response.content
    change = latest(Kind.FEATURE, object_id=feature.pk)
    assert (change.door, change.action, change.fields["iteration"]) == (
        Door.API,
        Action.MOVED,
        ["PI 7 · I1", "PI 7 · I2"],
    )


def test_a_change_in_the_admin_is_recorded_as_made_in_the_admin(client, train, pi, team):
    from tests.test_admin import admin_url, change_form_data

    rte = UserFactory(username="admin-rte", is_staff=True)
    MembershipFactory(user=rte, train=train, role=Role.RTE)
    milestone = MilestoneFactory(pi=pi, name="Audit", date=pi.start_date + timedelta(days=20))
    client.force_login(rte)
    url = admin_url(type(milestone), "change", milestone.pk)
    data = change_form_data(client.get(url))
    data["name"] = "External audit"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    change = latest(Kind.MILESTONE, object_id=milestone.pk)
    assert (change.door, change.actor, change.fields) == (
        Door.ADMIN,
        rte,
        {"name": ["Audit", "External audit"]},
    )


def test_an_import_names_its_door_and_the_door_ends_with_it(rte, train, pi, team):
    with through(Door.IMPORT):
        feature = planning.feature_create(train=train, title="Imported", pi=pi, actor=rte)
    later = planning.feature_create(train=train, title="Typed", pi=pi, actor=rte)

    assert latest(Kind.FEATURE, object_id=feature.pk).door == Door.IMPORT
    assert latest(Kind.FEATURE, object_id=later.pk).door == Door.TASK


# --- reading: the History panel and the activity feed ------------------------------------------------------


def test_the_history_panel_lists_an_items_changes_newest_first_for_a_viewer(
    client, viewer, rte, train, pi, team
):
    feature = FeatureFactory(train=train, pi=pi, team=team, title="Checkout")
    planning.feature_update(feature=feature, expected_version=1, actor=rte, title="Checkout v2")
    planning.feature_update(feature=feature, expected_version=2, actor=rte, title="Checkout v3")
    client.force_login(viewer)

    response = client.get(reverse("trains:history", args=[train.slug, "feature", feature.pk]), **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert [line.split('"after">')[1].split("<")[0] for line in body.splitlines() if '"after">' in line] == [
        "Checkout v3",
        "Checkout v2",
    ]
    assert body.count('class="change ') == 2
    assert "<html" not in body  # the panel's list alone, swapped into the open <details>


def test_without_javascript_an_items_history_is_a_page_of_its_own(client, viewer, rte, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team, title="Checkout")
    planning.feature_update(feature=feature, expected_version=1, actor=rte, title="Checkout v2")
    client.force_login(viewer)

    response = client.get(reverse("trains:history", args=[train.slug, "feature", feature.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Feature history</h1>" in body and "Checkout v2" in body


def test_the_feature_dialog_carries_its_history_panel(client, rte, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team)
    client.force_login(rte)

    response = client.get(reverse("planning:feature_edit", args=[train.slug, feature.pk]), **HTMX)

    history_url = reverse("trains:history", args=[train.slug, "feature", feature.pk])
    assert f'hx-get="{history_url}"' in response.content.decode()


def test_the_activity_feed_filters_by_person_kind_and_days(
    client, viewer, rte, scrum_master, train, pi, team
):
    feature = FeatureFactory(train=train, pi=pi, team=team, title="Checkout")
    planning.feature_update(feature=feature, expected_version=1, actor=rte, title="Checkout by RTE")
    running.impediment_raise(team=team, title="Flaky CI", actor=scrum_master)
    client.force_login(viewer)
    url = reverse("trains:activity", args=[train.slug])

    everything = client.get(url).content.decode()
    by_sm = client.get(url, {"person": scrum_master.pk}).content.decode()
    features = client.get(url, {"kind": "feature"}).content.decode()
    tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%d/%m/%Y")
    from_tomorrow = client.get(url, {"since": tomorrow}).content.decode()

    assert "Checkout by RTE" in everything and "Flaky CI" in everything
    assert "Flaky CI" in by_sm and "Checkout by RTE" not in by_sm
    assert "Checkout by RTE" in features and "Flaky CI" not in features
    assert "Checkout by RTE" not in from_tomorrow and "No change matches these filters." in from_tomorrow


def test_the_activity_feed_pages_older_changes_behind_a_cursor(client, rte, train, pi, team, settings):
    from trains.history import selectors

    feature = FeatureFactory(train=train, pi=pi, team=team, title="v0")
    for n in range(1, 8):
        planning.feature_update(feature=feature, expected_version=n, actor=rte, title=f"v{n}")
    client.force_login(rte)
    url = reverse("trains:activity", args=[train.slug])
    page_size, selectors.PAGE_SIZE = selectors.PAGE_SIZE, 3
    try:
        first = client.get(url, {"kind": "feature"})
        cursor = first.context["page"].next_cursor
        second = client.get(url, {"kind": "feature", "cursor": cursor})
    finally:
        selectors.PAGE_SIZE = page_size

    titles = lambda response: [c.fields["title"][1] for c in response.context["page"].changes]  # noqa: E731
    assert titles(first) == ["v7", "v6", "v5"]
    assert titles(second) == ["v4", "v3", "v2"]


def test_the_activity_page_is_in_the_trains_navigation(client, viewer, train):
    client.force_login(viewer)

    response = client.get(reverse("trains:detail", args=[train.slug]))

    assert f'href="{reverse("trains:activity", args=[train.slug])}"' in response.content.decode()


def test_someone_of_another_train_gets_404_for_its_history(client, outsider, rte, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team)
    client.force_login(outsider)

    assert client.get(reverse("trains:activity", args=[train.slug])).status_code == 404
    assert client.get(reverse("trains:history", args=[train.slug, "feature", feature.pk])).status_code == 404


def test_a_history_of_another_trains_item_shows_nothing_of_it(client, outsider, rte, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team, title="Secret plan")
    client.force_login(outsider)

    response = client.get(reverse("trains:history", args=["elsewhere", "feature", feature.pk]), **HTMX)

    assert response.status_code == 200
    assert "Secret plan" not in response.content.decode()


# --- never edited --------------------------------------------------------------------------------------------


def test_the_database_refuses_to_change_a_history_entry(rte, train, pi, team):
    feature = planning.feature_create(train=train, title="Kept", pi=pi, actor=rte)
    change = latest(Kind.FEATURE, object_id=feature.pk)

    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Change.objects.filter(pk=change.pk).update(object_label="Rewritten")

    change.refresh_from_db()
    assert change.object_label == "Kept"


def test_the_history_pages_take_no_writes(client, rte, train):
    client.force_login(rte)

    assert client.post(reverse("trains:activity", args=[train.slug])).status_code == 405
    assert client.post(reverse("trains:history", args=[train.slug, "feature", 1])).status_code == 405


def test_the_admin_shows_history_read_only(client, train, rte, pi):
    from tests.test_admin import admin_url

    staff = UserFactory(username="staff-rte", is_staff=True)
    MembershipFactory(user=staff, train=train, role=Role.RTE)
    change = Change.objects.filter(train=train).first()
    client.force_login(staff)

    assert client.get(admin_url(Change, "changelist")).status_code == 200
    assert client.get(admin_url(Change, "add")).status_code == 403
    assert client.post(admin_url(Change, "delete", change.pk), {"post": "yes"}).status_code == 403
    assert Change.objects.filter(pk=change.pk).exists()


def test_nothing_in_the_product_writes_history_but_its_recorder():
    """Only trains/history/services.py names a write of Change: every other module records through it."""
    writers = []
    for app in ("artops", "trains", "planning", "risks", "metrics"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "trains/history/services.py":
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in {
                    "create",
                    "update",
                    "delete",
                    "bulk_create",
                }:
                    source = ast.unparse(node.value)
                    if source.startswith("Change.") or ".history." in source or source == "Change":
                        writers.append(f"{path.relative_to(ROOT)}: {ast.unparse(node)}")
    assert writers == []
