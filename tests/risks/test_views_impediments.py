"""Impediments over HTTP: the train's list (filters, order, age), raising, escalating, resolving,
refused escalations and stale updates."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from planning.factories import FeatureFactory
from risks.factories import ImpedimentFactory
from risks.models import Impediment, ImpedimentEscalation
from risks.services import impediment_escalate, impediment_resolve

pytestmark = pytest.mark.django_db


def url(name, train, *args):
    return reverse(f"risks:{name}", args=[train.slug, *args])


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


@pytest.fixture
def spread(team, other_team, rte):
    """Impediments of both teams, of every age, severity and state."""
    old_low = ImpedimentFactory(team=team, title="Old low", severity="low", raised_at=days_ago(40))
    new_critical = ImpedimentFactory(
        team=team, title="New critical", severity="critical", raised_at=days_ago(1)
    )
    mid_high = ImpedimentFactory(team=other_team, title="Mid high", severity="high", raised_at=days_ago(10))
    old_critical = ImpedimentFactory(
        team=other_team, title="Old critical", severity="critical", raised_at=days_ago(20)
    )
    impediment_escalate(
        impediment=mid_high, expected_version=mid_high.version, note="Needs the ART", actor=rte
    )
    resolved = ImpedimentFactory(team=team, title="Resolved one", severity="critical", raised_at=days_ago(30))
    impediment_resolve(
        impediment=resolved, expected_version=resolved.version, resolution="Fixed", actor=rte, at=days_ago(25)
    )
    return {
        "old_low": old_low,
        "new_critical": new_critical,
        "mid_high": mid_high,
        "old_critical": old_critical,
    }


def titles(response):
    return [impediment.title for impediment in response.context["impediments"]]


def test_the_list_shows_unresolved_impediments_most_severe_then_oldest_first(client, viewer, train, spread):
    client.force_login(viewer)

    response = client.get(url("impediments", train))

    assert titles(response) == ["Old critical", "New critical", "Mid high", "Old low"]
    assert response.context["nav"] == "impediments"


def test_the_list_can_put_the_oldest_first(client, viewer, train, spread):
    client.force_login(viewer)

    response = client.get(url("impediments", train), {"sort": "age"})

    assert titles(response) == ["Old low", "Old critical", "Mid high", "New critical"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"level": "art"}, ["Mid high"]),
        ({"status": "resolved"}, ["Resolved one"]),
        ({"status": "all"}, ["Old critical", "New critical", "Mid high", "Old low", "Resolved one"]),
        ({"age": "lt7"}, ["New critical"]),
        ({"age": "7to14"}, ["Mid high"]),
        ({"age": "14to30"}, ["Old critical"]),
        ({"age": "gt30"}, ["Old low"]),
    ],
)
def test_the_list_filters_by_status_level_and_age(client, viewer, train, spread, filters, expected):
    client.force_login(viewer)

    assert titles(client.get(url("impediments", train), filters)) == expected


def test_the_list_filters_by_team(client, viewer, train, other_team, spread):
    client.force_login(viewer)

    assert titles(client.get(url("impediments", train), {"team": other_team.pk})) == [
        "Old critical",
        "Mid high",
    ]


def test_age_is_shown_for_open_ones_and_resolution_time_for_resolved_ones(client, viewer, train, spread):
    client.force_login(viewer)

    html = client.get(url("impediments", train), {"status": "all"}).content.decode()

    assert "40 d" in html  # the oldest open one
    assert "resolved after 5 d" in html


def test_a_scrum_master_raises_an_impediment_that_blocks_a_feature(
    client, scrum_master, train, team, team_feature
):
    client.force_login(scrum_master)

    response = client.post(
        url("impediment_new", train),
        {
            "team": team.pk,
            "title": "Test data missing",
            "severity": "high",
            "blocked_features": [team_feature.pk],
        },
    )

    impediment = Impediment.objects.get()
    assert response.status_code == 302 and response.url == url("impediment_detail", train, impediment.pk)
    assert (impediment.team, impediment.raised_by, impediment.severity) == (team, scrum_master, "high")
    team_feature.refresh_from_db()
    assert team_feature.is_blocked


def test_escalating_without_a_note_says_why_and_changes_nothing(client, scrum_master, train, team):
    impediment = ImpedimentFactory(team=team)
    client.force_login(scrum_master)

    response = client.post(url("impediment_escalate", train, impediment.pk), {"note": "  ", "version": 1})

    assert response.status_code == 422
    assert "Say why it needs escalating and what was tried." in response.content.decode()
    impediment.refresh_from_db()
    assert (impediment.escalation_level, impediment.version) == ("team", 1)


def test_escalating_a_resolved_impediment_is_refused_with_a_clear_message(client, scrum_master, train, team):
    impediment = ImpedimentFactory(team=team)
    impediment_resolve(
        impediment=impediment, expected_version=impediment.version, resolution="Fixed", actor=scrum_master
    )
    resolved_at = Impediment.objects.get(pk=impediment.pk).resolved_at
    client.force_login(scrum_master)

    response = client.post(
        url("impediment_escalate", train, impediment.pk), {"note": "It hurts again", "version": 2}
    )

    assert response.status_code == 422
    assert "This impediment is resolved; reopen it before escalating." in response.content.decode()
    impediment.refresh_from_db()
    assert (impediment.status, impediment.escalation_level, impediment.resolved_at, impediment.version) == (
        "resolved",
        "team",
        resolved_at,
        2,
    )
    assert not ImpedimentEscalation.objects.exists()


def test_resolving_records_the_time_and_unblocks_the_features(
    client, scrum_master, train, team, team_feature
):
    client.force_login(scrum_master)
    client.post(
        url("impediment_new", train),
        {"team": team.pk, "title": "CI down", "severity": "high", "blocked_features": [team_feature.pk]},
    )
    impediment = Impediment.objects.get()
    before = timezone.now()

    response = client.post(
        url("impediment_resolve", train, impediment.pk), {"resolution": "Runners added", "version": 1}
    )

    assert response.status_code == 302
    impediment.refresh_from_db()
    assert impediment.status == "resolved" and impediment.resolved_at >= before
    team_feature.refresh_from_db()
    assert not team_feature.is_blocked


def test_a_stale_update_shows_the_current_state_and_changes_nothing(client, scrum_master, rte, train, team):
    impediment = ImpedimentFactory(team=team, title="CI down")
    impediment_escalate(
        impediment=impediment, expected_version=impediment.version, note="Needs budget", actor=rte
    )  # meanwhile, the RTE
    client.force_login(scrum_master)

    response = client.post(
        url("impediment_resolve", train, impediment.pk), {"resolution": "Fixed", "version": 1}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else updated this impediment" in html
    assert "Needs budget" in html  # the fresh data
    impediment.refresh_from_db()
    assert (impediment.status, impediment.version) == ("escalated", 2)


def test_the_update_form_edits_severity_status_and_blocked_features(
    client, scrum_master, train, team, team_feature
):
    impediment = ImpedimentFactory(team=team, title="CI down")
    client.force_login(scrum_master)

    response = client.post(
        url("impediment_detail", train, impediment.pk),
        {
            "title": "CI down again",
            "severity": "critical",
            "status": "in_progress",
            "blocked_features": [team_feature.pk],
            "version": 1,
        },
    )

    assert response.status_code == 302
    impediment.refresh_from_db()
    assert (impediment.title, impediment.severity, impediment.status, impediment.version) == (
        "CI down again",
        "critical",
        "in_progress",
        2,
    )
    assert list(impediment.blocked_features.all()) == [team_feature]


def test_the_list_costs_the_same_queries_for_2_impediments_and_for_20(client, rte, train, team):
    def add(n):
        for _ in range(n):
            impediment = ImpedimentFactory(team=team)
            impediment.blocked_features.add(FeatureFactory(train=train, team=team))
            impediment_escalate(
                impediment=impediment, expected_version=impediment.version, note="Up", actor=rte
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(url("impediments", train))
        return len(queries)

    add(2)
    client.force_login(rte)
    client.get(url("impediments", train))
    small = count()
    add(18)

    assert count() == small


def test_reopening_needs_the_version_the_user_saw(client, scrum_master, team, train, rte):
    impediment = ImpedimentFactory(team=team, title="Flaky staging")
    impediment_resolve(
        impediment=impediment, expected_version=impediment.version, resolution="Fixed the DNS", actor=rte
    )
    impediment.refresh_from_db()
    client.force_login(scrum_master)

    blind = client.post(url("impediment_reopen", train, impediment.pk))
    assert blind.status_code == 409 and "Nothing was changed" in blind.content.decode()
    assert Impediment.objects.get(pk=impediment.pk).status == Impediment.Status.RESOLVED

    seen = client.post(url("impediment_reopen", train, impediment.pk), {"version": impediment.version})
    assert seen.status_code == 302
    assert Impediment.objects.get(pk=impediment.pk).status != Impediment.Status.RESOLVED
