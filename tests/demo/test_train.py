"""The demo train (domain.md §5): its teams and PIs, a PI executing mid-way with figures, and one
login per role."""

import pytest
from django.contrib.auth import get_user_model

from artops.demo import LOGINS, SLUG
from metrics.models import Snapshot
from planning.models import Feature, FeatureStateChange, ProgramIncrement, Story
from trains.factories import DEFAULT_PASSWORD
from trains.models import Membership, Team

from .common import LOGIN_USERNAMES, TODAY, closed_pis_of, executing_pi_of

pytestmark = pytest.mark.django_db


# --- shape of the train ------------------------------------------------------------------------------


def test_the_demo_train_has_six_to_eight_teams_of_mixed_kinds(demo):
    teams = list(demo.teams.all())
    kinds = {team.kind for team in teams}

    assert 6 <= len(teams) <= 8
    assert len(kinds) >= 3
    assert Team.Kind.STREAM_ALIGNED in kinds and Team.Kind.PLATFORM in kinds


def test_the_demo_has_two_closed_pis_one_executing_and_one_draft(demo):
    pis = list(demo.pis.order_by("start_date"))

    assert [pi.state for pi in pis] == [
        ProgramIncrement.State.CLOSED,
        ProgramIncrement.State.CLOSED,
        ProgramIncrement.State.EXECUTING,
        ProgramIncrement.State.DRAFT,
    ]
    for earlier, later in zip(pis, pis[1:], strict=False):
        assert later.start_date > earlier.end_date
    for pi in pis:
        iterations = list(pi.iterations.order_by("number"))
        assert iterations[-1].is_ip and not any(it.is_ip for it in iterations[:-1])


def test_today_falls_mid_way_through_the_executing_pi(demo):
    pi = executing_pi_of(demo)

    current = pi.iterations.get(start_date__lte=TODAY, end_date__gte=TODAY)

    assert pi.start_date < TODAY < pi.end_date
    assert current.number > 1
    assert not current.is_ip


def test_closed_pis_have_scored_committed_and_uncommitted_objectives(demo):
    for pi in closed_pis_of(demo):
        objectives = list(pi.objectives.all())
        assert objectives
        assert all(objective.actual_business_value is not None for objective in objectives)
        assert all(objective.planned_business_value is not None for objective in objectives)
        assert {objective.is_committed for objective in objectives} == {True, False}


def test_closed_pis_have_metric_snapshots_with_a_predictability_value(demo):
    for pi in closed_pis_of(demo):
        art = Snapshot.objects.get(pi=pi, team=None, metric=Snapshot.Metric.PREDICTABILITY)
        assert art.value is not None and art.value > 0
        assert art.data["planned_committed_bv"] > 0
        team_figures = Snapshot.objects.filter(
            pi=pi, team__isnull=False, metric=Snapshot.Metric.PREDICTABILITY
        )
        assert team_figures.count() == demo.teams.count()


def test_the_executing_pi_has_features_moving_through_the_kanban_with_stories(demo):
    pi = executing_pi_of(demo)
    features = pi.features.filter(team__isnull=False)

    states = set(features.values_list("state", flat=True))
    assert {Feature.State.IMPLEMENTING, Feature.State.DONE} <= states
    assert Story.objects.filter(feature__pi=pi).exists()
    assert Story.objects.filter(feature__pi=pi, state=Story.State.DONE).exists()
    assert FeatureStateChange.objects.filter(feature__pi=pi).exists()


def test_every_done_feature_went_through_the_kanban(demo):
    done = Feature.objects.filter(train=demo, state=Feature.State.DONE)

    without_history = sorted(
        feature.title
        for feature in done
        if feature.started_at is None
        or not FeatureStateChange.objects.filter(feature=feature, to_state=Feature.State.DONE).exists()
    )

    assert done.exists()
    assert without_history == []


def test_the_draft_pi_has_a_backlog_to_plan(demo):
    draft = demo.pis.get(state=ProgramIncrement.State.DRAFT)

    assert draft.features.filter(state=Feature.State.BACKLOG).exists()


# --- logins ------------------------------------------------------------------------------------------


def test_there_is_one_login_per_role(demo):
    roles = [role for *_, role, _team in LOGINS]

    assert len(roles) == len(set(roles))
    for username, _first, _last, role, team_name in LOGINS:
        membership = Membership.objects.get(train=demo, user__username=username, role=role)
        assert (membership.team.name if membership.team else None) == team_name


@pytest.mark.parametrize("username", LOGIN_USERNAMES)
def test_each_demo_login_signs_in_and_lands_on_the_demo_train(demo, client, username):
    # Through the login form, as a person signs in (the login throttle needs the request).
    response = client.post("/login/", {"username": username, "password": DEFAULT_PASSWORD}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/trains/{SLUG}/"


def test_every_demo_user_has_a_hashed_demo_password(demo):
    """Not only the printed logins: a raw password in the password column would lock the user out."""
    users = get_user_model().objects.filter(memberships__train=demo).distinct()

    cannot = sorted(user.username for user in users if not user.check_password(DEFAULT_PASSWORD))

    assert cannot == []
