"""The ART Sync screen: what the RTE runs the meeting from, and the actions carried until done."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from planning.factories import (
    DependencyFactory,
    FeatureFactory,
    PIObjectiveFactory,
    ProgramIncrementFactory,
    StoryFactory,
)
from planning.models import Dependency, Feature, ProgramIncrement
from planning.services import feature_set_blocked
from risks.factories import ActionItemFactory, ArtSyncFactory, ImpedimentFactory, RiskFactory
from risks.models import ActionItem, ArtSync, Risk
from risks.selectors import (
    actions_for_sync,
    dependencies_needing_attention,
    feature_progress,
    objectives_at_risk,
)
from risks.services import action_create, art_sync_start, impediment_escalate, risk_roam

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def url(name, train, *args):
    return reverse(f"risks:{name}", args=[train.slug, *args])


@pytest.fixture
def plan(train, team, other_team, running_pi, iterations):
    """Apollo needs things from Gemini: one too late (red), one just in time (at risk), one early."""
    needing = FeatureFactory(
        train=train, pi=running_pi, team=team, iteration=iterations[1], title="Checkout v2"
    )
    late = FeatureFactory(
        train=train, pi=running_pi, team=other_team, iteration=iterations[2], title="Late API"
    )
    same = FeatureFactory(
        train=train, pi=running_pi, team=other_team, iteration=iterations[1], title="Same-time API"
    )
    early = FeatureFactory(
        train=train, pi=running_pi, team=other_team, iteration=iterations[0], title="Early API"
    )

    def dependency(description, provider):
        return DependencyFactory(
            pi=running_pi,
            requesting_team=team,
            providing_team=other_team,
            requesting_feature=needing,
            providing_feature=provider,
            needed_by_iteration=iterations[1],
            description=description,
        )

    return {
        "needing": needing,
        "red": dependency("Payments API", late),
        "amber": dependency("Tokens API", same),
        "healthy": dependency("Audit API", early),
        "delivered": DependencyFactory(
            pi=running_pi,
            requesting_team=team,
            providing_team=other_team,
            description="Done already",
            state=Dependency.State.DELIVERED,
            resolved_at=timezone.now(),
        ),
    }


def test_red_dependencies_come_first_then_at_risk_and_nothing_else(running_pi, plan):
    alerts = dependencies_needing_attention(running_pi)

    assert [(a.dependency.description, a.health) for a in alerts] == [
        ("Payments API", "conflict"),
        ("Tokens API", "at_risk"),
    ]


def test_objectives_at_risk_say_why(rte, train, team, running_pi, iterations, plan):
    objective = PIObjectiveFactory(pi=running_pi, team=team, text="Customers pay in one click")
    objective.features.add(plan["needing"])
    fine = PIObjectiveFactory(pi=running_pi, team=team, text="Nothing wrong here")
    fine.features.add(FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[2]))
    late = FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[0], title="Slipped")
    objective.features.add(late)
    blocked = FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[2], title="Stuck")
    feature_set_blocked(feature=blocked, blocked=True)
    objective.features.add(blocked)
    risk = RiskFactory(train=train, pi=running_pi, title="Card scheme change")
    risk.objectives.add(objective)

    result = objectives_at_risk(running_pi, TODAY, dependencies_needing_attention(running_pi))

    assert [item.objective for item in result] == [objective]
    reasons = " | ".join(result[0].reasons)
    assert "“Checkout v2” waits on a red dependency: Payments API from Gemini" in reasons
    assert "“Slipped” was planned for I1" in reasons
    assert "“Stuck” is blocked" in reasons
    assert "Risk “Card scheme change” is un-ROAMed" in reasons


def test_feature_progress_counts_the_current_iterations_features_and_points(
    train, team, running_pi, iterations
):
    current = iterations[1]
    FeatureFactory(
        train=train,
        pi=running_pi,
        team=team,
        iteration=current,
        state=Feature.State.DONE,
        done_at=timezone.now(),
    )
    FeatureFactory(train=train, pi=running_pi, team=team, iteration=current, state=Feature.State.IMPLEMENTING)
    FeatureFactory(train=train, pi=running_pi, team=team, iteration=current, state=Feature.State.BACKLOG)
    FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[2])  # another iteration
    StoryFactory(team=team, iteration=current, points=5, state="done", done_at=timezone.now())
    StoryFactory(team=team, iteration=current, points=3)

    rows = {row.team.name: row for row in feature_progress(train, running_pi, current)}

    apollo = rows["Apollo"]
    assert (
        apollo.features_planned,
        apollo.features_done,
        apollo.features_in_progress,
        apollo.features_not_started,
    ) == (
        3,
        1,
        1,
        1,
    )
    assert (apollo.points_done, apollo.points_planned, apollo.points_done_percent) == (5, 8, 62.5)


def test_actions_still_open_are_carried_to_later_syncs_until_done(rte, train, running_pi):
    first = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY - dt.timedelta(days=14))
    second = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY - dt.timedelta(days=7))
    third = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)
    open_one = ActionItemFactory(raised_in=first, owner=rte, title="Still open")
    done_between = ActionItemFactory(
        raised_in=first,
        owner=rte,
        title="Done after the second sync",
        status=ActionItem.Status.DONE,
        done_at=timezone.now() - dt.timedelta(days=3),
    )
    raised_in_second = ActionItemFactory(raised_in=second, owner=rte, title="From the second")

    at_second = actions_for_sync(second)
    at_third = actions_for_sync(third)

    assert {a.title for a in at_second.carried} == {"Still open", "Done after the second sync"}
    assert at_second.raised == [raised_in_second]
    assert {a.title for a in at_third.carried} == {"Still open", "From the second"}
    assert open_one in at_third.carried and done_between not in at_third.carried


def test_the_page_gathers_everything_the_rte_runs_the_meeting_from(
    client, rte, scrum_master, train, team, running_pi, plan
):
    impediment = ImpedimentFactory(
        team=team, title="Sandbox down", raised_at=timezone.now() - dt.timedelta(days=9)
    )
    impediment_escalate(
        impediment=impediment,
        expected_version=impediment.version,
        note="Vendor contact needed",
        actor=scrum_master,
    )
    RiskFactory(train=train, pi=running_pi, title="Un-ROAMed one")
    due = RiskFactory(train=train, pi=running_pi, title="Due soon", due_date=TODAY + dt.timedelta(days=2))
    risk_roam(risk=due, expected_version=due.version, status=Risk.Roam.ACCEPTED, actor=rte)
    not_due = RiskFactory(train=train, pi=running_pi, title="Not due", due_date=TODAY + dt.timedelta(days=30))
    risk_roam(risk=not_due, expected_version=not_due.version, status=Risk.Roam.ACCEPTED, actor=rte)
    client.force_login(rte)

    response = client.get(url("art_sync", train))

    html = response.content.decode()
    assert response.context["nav"] == "art_sync"
    assert "Payments API" in html and "Red · conflict" in html and "Tokens API" in html
    assert "Audit API" not in html
    assert "Sandbox down" in html and "Vendor contact needed" in html and "9 d" in html
    assert "Un-ROAMed one" in html and "Due soon" in html and "Not due" not in html
    assert "Feature progress per team · I2" in html
    assert "Start today's ART Sync" in html


def test_the_rte_starts_todays_sync_and_adds_an_action(client, rte, scrum_master, train, running_pi, htmx):
    client.force_login(rte)

    client.post(url("art_sync_start", train), {"pi": running_pi.pk})
    sync = ArtSync.objects.get()
    response = client.post(
        url("action_new", train, sync.pk),
        {
            "title": "Book the perf lab",
            "owner": scrum_master.pk,
            "due_date": (TODAY + dt.timedelta(days=7)).isoformat(),
        },
        headers=htmx,
    )

    assert sync.held_on == TODAY
    assert response.status_code == 200
    assert 'id="sync-actions"' in response.content.decode()
    action = ActionItem.objects.get()
    assert (action.title, action.owner, action.raised_in) == ("Book the perf lab", scrum_master, sync)


def test_an_action_due_in_the_past_is_refused_with_a_message(client, rte, train, running_pi, htmx):
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)
    client.force_login(rte)

    response = client.post(
        url("action_new", train, sync.pk),
        {"title": "Too late", "owner": rte.pk, "due_date": (TODAY - dt.timedelta(days=1)).isoformat()},
        headers=htmx,
    )

    assert response.status_code == 422
    assert "A new action cannot be due in the past" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_an_action_without_an_owner_is_refused_without_javascript_too(client, rte, train, running_pi):
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)
    client.force_login(rte)

    response = client.post(
        url("action_new", train, sync.pk), {"title": "Nobody's", "due_date": TODAY.isoformat()}
    )

    assert response.status_code == 422
    assert "Every action needs an owner." in response.content.decode()
    assert not ActionItem.objects.exists()


def test_the_owner_ticks_an_action_off(client, rte, scrum_master, train, running_pi, htmx):
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)
    action = ActionItemFactory(raised_in=sync, owner=scrum_master, due_date=TODAY)
    client.force_login(scrum_master)

    response = client.post(url("action_done", train, action.pk), {"done": "1", "sync": sync.pk}, headers=htmx)

    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE


def test_the_page_costs_the_same_queries_for_a_quiet_and_a_busy_pi(
    client, rte, train, team, other_team, running_pi, iterations
):
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)

    def add(n):
        for i in range(n):
            feature = FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[1])
            provider = FeatureFactory(train=train, pi=running_pi, team=other_team, iteration=iterations[2])
            DependencyFactory(
                pi=running_pi,
                requesting_team=team,
                providing_team=other_team,
                requesting_feature=feature,
                providing_feature=provider,
                needed_by_iteration=iterations[1],
            )
            objective = PIObjectiveFactory(pi=running_pi, team=team)
            objective.features.add(feature)
            ImpedimentFactory(team=team)
            RiskFactory(train=train, pi=running_pi).objectives.add(objective)
            ActionItemFactory(raised_in=sync, owner=rte, due_date=TODAY + dt.timedelta(days=i))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("art_sync", train)).status_code == 200
        return len(queries)

    add(2)
    client.force_login(rte)
    client.get(url("art_sync", train))
    small = count()
    add(15)

    assert count() == small


# --- a PI that has not started, carried actions once, earlier PIs apart ------------------------------


def test_art_sync_refuses_a_pi_that_has_not_started(client, rte, train, next_pi):
    with pytest.raises(ValidationError) as error:
        art_sync_start(train=train, pi=next_pi, actor=rte)
    assert "PI 9 has not started" in str(error.value)

    client.force_login(rte)
    response = client.post(url("art_sync_start", train), {"pi": next_pi.pk})

    assert response.status_code == 422
    assert "PI 9 has not started: it starts on" in response.content.decode()
    assert not ArtSync.objects.exists()


def test_the_page_of_a_pi_not_started_offers_no_sync_and_says_why(client, rte, train, next_pi):
    client.force_login(rte)

    html = client.get(url("art_sync", train), {"pi": next_pi.pk}).content.decode()

    assert "Start today's ART Sync" not in html
    start = next_pi.start_date
    assert f"PI 9 has not started: it starts on {start:%a} {start.day} {start:%b %Y}." in html
    assert "No ART Sync before PI 9 starts." in html


def test_the_sync_starts_on_the_pis_first_day(rte, train, next_pi):
    sync = art_sync_start(train=train, pi=next_pi, actor=rte, held_on=next_pi.start_date)

    assert (sync.pi, sync.held_on) == (next_pi, next_pi.start_date)


def test_an_action_still_open_in_the_pi_is_not_raised_twice(rte, scrum_master, train, running_pi):
    earlier = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY - dt.timedelta(days=7))
    ActionItemFactory(raised_in=earlier, owner=scrum_master, title="Book the perf lab")
    today = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)

    with pytest.raises(ValidationError) as error:
        action_create(sync=today, title="  book the PERF   lab ", owner=rte, due_date=TODAY, actor=rte)

    assert "is already open (raised at the sync of" in str(error.value)
    assert ActionItem.objects.count() == 1
    carried = actions_for_sync(today)
    assert [a.title for a in carried.all] == ["Book the perf lab"]


def test_each_carried_action_is_listed_once_on_the_page(client, rte, train, running_pi):
    syncs = [
        ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY - dt.timedelta(days=days))
        for days in (14, 7, 0)
    ]
    ActionItemFactory(raised_in=syncs[0], owner=rte, title="Share the SSO timeline")
    client.force_login(rte)

    html = client.get(url("art_sync", train), {"pi": running_pi.pk, "sync": syncs[2].pk}).content.decode()

    assert html.count("Share the SSO timeline") == 1
    assert "1 open in PI 8." in html


def test_actions_left_open_by_an_earlier_pi_are_shown_apart_not_carried(client, rte, train, running_pi):
    earlier_pi = ProgramIncrementFactory(
        train=train,
        name="PI 7",
        start_date=running_pi.start_date - dt.timedelta(days=70),
        state=ProgramIncrement.State.CLOSED,
    )
    old_sync = ArtSyncFactory(
        train=train, pi=earlier_pi, held_on=earlier_pi.start_date + dt.timedelta(days=3)
    )
    ActionItemFactory(raised_in=old_sync, owner=rte, title="Left from before")
    this_pi = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY - dt.timedelta(days=7))
    ActionItemFactory(raised_in=this_pi, owner=rte, title="Raised in PI 8")
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=TODAY)

    actions = actions_for_sync(sync)

    assert [a.title for a in actions.carried] == ["Raised in PI 8"]
    assert [(pi.name, [a.title for a in left]) for pi, left in actions.left_by_pi] == [
        ("PI 7", ["Left from before"])
    ]
    assert actions.open_count == 1
    client.force_login(rte)
    html = client.get(url("art_sync", train), {"pi": running_pi.pk, "sync": sync.pk}).content.decode()
    carried_section = html.split("Carried from earlier syncs", 1)[1].split("Left from PI 7", 1)[0]
    assert "Raised in PI 8" in carried_section and "Left from before" not in carried_section
    assert "Left from PI 7: 1 action" in html and "Not carried into PI 8" in html
