"""The WSJF backlog: ranking (domain.md §4.4, hand-computed), editing the inputs, pulling into a PI."""

import pytest
from django.core.exceptions import ValidationError

from planning.factories import FeatureFactory, ProgramIncrementFactory, StoryFactory
from planning.models import Feature, ProgramIncrement
from planning.selectors.backlog import backlog
from planning.services.backlog import feature_pull, feature_set_wsjf
from trains.errors import NotAllowed, StaleVersion
from trains.factories import TrainFactory


def wsjf_feature(train, pi, title, bv, tc, rr, js, **extra):
    return FeatureFactory(
        train=train,
        pi=pi,
        title=title,
        business_value=bv,
        time_criticality=tc,
        risk_reduction=rr,
        job_size=js,
        **extra,
    )


@pytest.fixture
def ranked(train, pi):
    """Hand-computed: C = (20+13+8)/13 = 3.1538; D = 3/1, B = 9/3, A = 15/5 all 3.00 (ties by job size 1 < 3 < 5)."""
    return {
        "A": wsjf_feature(train, pi, "A", 8, 5, 2, 5),
        "B": wsjf_feature(train, pi, "B", 5, 3, 1, 3),
        "C": wsjf_feature(train, pi, "C", 20, 13, 8, 13),
        "D": wsjf_feature(train, pi, "D", 1, 1, 1, 1),
        "E": wsjf_feature(train, pi, "E", 13, 13, 13, None),
    }


def test_backlog_ranks_highest_wsjf_first_and_ties_go_to_the_smaller_job(ranked, pi):
    rows = backlog(pi).in_pi
    assert [row.feature.title for row in rows] == ["C", "D", "B", "A", "E"]
    assert [row.rank for row in rows] == [1, 2, 3, 4, None]
    assert round(rows[0].wsjf, 4) == 3.1538
    assert [row.cost_of_delay for row in rows] == [41, 3, 9, 15, 39]
    assert rows[1].wsjf == rows[2].wsjf == rows[3].wsjf == 3.0


def test_a_feature_missing_an_input_has_no_rank_and_no_wsjf(ranked, pi):
    last = backlog(pi).in_pi[-1]
    assert (last.feature.title, last.rank, last.wsjf) == ("E", None, None)


def test_not_yet_in_a_pi_lists_open_unassigned_features_of_the_train_only(train, pi):
    waiting = FeatureFactory(train=train, title="Waiting")
    FeatureFactory(train=train, title="Done long ago", state=Feature.State.DONE, done_at="2025-01-01T00:00Z")
    FeatureFactory(train=train, pi=ProgramIncrementFactory(train=train, name="PI 8"), title="Next PI")
    FeatureFactory(train=TrainFactory(), title="Other train")
    data = backlog(pi)
    assert [row.feature for row in data.not_in_pi] == [waiting]
    assert data.in_pi == []


def test_setting_a_wsjf_input_bumps_the_version_and_reranks(ranked, pi, product_manager):
    a = ranked["A"]
    version = a.version
    saved = feature_set_wsjf(feature=a, expected_version=version, actor=product_manager, job_size=1)
    assert saved.version == version + 1
    # A becomes 15/1 = 15.00, first.
    assert backlog(pi).in_pi[0].feature.title == "A"
    pi.refresh_from_db()
    assert pi.board_version >= 1


def test_an_input_off_the_scale_is_refused_on_its_field_and_nothing_is_saved(ranked, rte):
    a = ranked["A"]
    with pytest.raises(ValidationError) as refused:
        feature_set_wsjf(feature=a, expected_version=a.version, actor=rte, business_value=4, job_size=3)
    assert "business_value" in refused.value.message_dict
    assert "Fibonacci" in refused.value.message_dict["business_value"][0]
    a.refresh_from_db()
    assert (a.business_value, a.job_size, a.version) == (8, 5, 1)


def test_a_stale_wsjf_edit_is_refused_with_the_current_feature(ranked, rte, product_manager):
    a = ranked["A"]
    feature_set_wsjf(feature=a, expected_version=1, actor=product_manager, time_criticality=20)
    with pytest.raises(StaleVersion) as stale:
        feature_set_wsjf(feature=a, expected_version=1, actor=rte, time_criticality=1)
    assert stale.value.current.time_criticality == 20
    a.refresh_from_db()
    assert a.time_criticality == 20


@pytest.mark.parametrize("persona", ["scrum_master", "viewer", "business_owner", "team_member"])
def test_only_rte_and_product_management_set_wsjf(request, ranked, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        feature_set_wsjf(feature=ranked["A"], expected_version=1, actor=user, job_size=1)


def test_pulling_a_feature_sets_pi_and_team_and_leaves_it_unplanned(train, pi, team, rte):
    feature = FeatureFactory(train=train, title="Waiting")
    pulled = feature_pull(feature=feature, pi=pi, team=team, expected_version=1, actor=rte)
    feature.refresh_from_db()
    assert (feature.pi, feature.team, feature.iteration, feature.version) == (pi, team, None, 2)
    assert pulled.version == 2
    assert [row.feature for row in backlog(pi).in_pi] == [feature]


def test_a_scrum_master_pulls_onto_their_own_team_only(train, pi, team, other_team, scrum_master):
    feature = FeatureFactory(train=train, title="Waiting")
    with pytest.raises(NotAllowed):
        feature_pull(feature=feature, pi=pi, team=other_team, expected_version=1, actor=scrum_master)
    feature_pull(feature=feature, pi=pi, team=team, expected_version=1, actor=scrum_master)
    feature.refresh_from_db()
    assert feature.team == team


def test_a_scrum_master_cannot_take_another_teams_feature(train, pi, team, other_team, scrum_master):
    theirs = FeatureFactory(train=train, pi=pi, team=other_team)
    with pytest.raises(NotAllowed):
        feature_pull(feature=theirs, pi=pi, team=team, expected_version=1, actor=scrum_master)
    with pytest.raises(NotAllowed):
        feature_pull(feature=theirs, pi=None, team=None, expected_version=1, actor=scrum_master)


@pytest.mark.parametrize("persona", ["viewer", "team_member", "business_owner"])
def test_readers_cannot_pull(request, train, pi, team, persona):
    feature = FeatureFactory(train=train)
    with pytest.raises(NotAllowed):
        feature_pull(
            feature=feature, pi=pi, team=team, expected_version=1, actor=request.getfixturevalue(persona)
        )


def test_removing_from_the_pi_clears_pi_team_and_iteration(train, pi, team, product_manager):
    iteration = pi.iterations.first()
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iteration)
    feature_pull(feature=feature, pi=None, team=None, expected_version=1, actor=product_manager)
    feature.refresh_from_db()
    assert (feature.pi, feature.team, feature.iteration) == (None, None, None)
    assert [row.feature for row in backlog(pi).not_in_pi] == [feature]


def test_removing_a_feature_whose_stories_are_planned_is_refused(train, pi, team, rte):
    feature = FeatureFactory(train=train, pi=pi, team=team)
    StoryFactory(team=team, feature=feature, iteration=pi.iterations.first())
    with pytest.raises(ValidationError) as refused:
        feature_pull(feature=feature, pi=None, team=None, expected_version=1, actor=rte)
    assert "has 1 story planned" in refused.value.message_dict["pi"][0]
    feature.refresh_from_db()
    assert feature.pi == pi


def test_pulling_into_a_closed_pi_is_refused(train, pi, team, rte):
    pi.state = ProgramIncrement.State.CLOSED
    pi.save()
    feature = FeatureFactory(train=train)
    with pytest.raises(ValidationError):
        feature_pull(feature=feature, pi=pi, team=team, expected_version=1, actor=rte)
    feature.refresh_from_db()
    assert feature.pi is None


def test_a_stale_pull_is_refused(train, pi, team, other_team, rte):
    feature = FeatureFactory(train=train)
    feature_pull(feature=feature, pi=pi, team=team, expected_version=1, actor=rte)
    with pytest.raises(StaleVersion):
        feature_pull(feature=feature, pi=pi, team=other_team, expected_version=1, actor=rte)
    feature.refresh_from_db()
    assert feature.team == team


def test_a_team_of_another_train_is_refused(train, pi, rte):
    from trains.factories import TeamFactory

    foreign = TeamFactory(train=TrainFactory())
    feature = FeatureFactory(train=train)
    with pytest.raises(ValidationError):
        feature_pull(feature=feature, pi=pi, team=foreign, expected_version=1, actor=rte)
