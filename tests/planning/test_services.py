"""Planning writes: PI creation on the train's cadence, the feature Kanban and its flow history."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from planning.factories import FeatureFactory
from planning.models import Feature, FeatureBlockedPeriod, FeatureStateChange, Iteration, ProgramIncrement
from planning.services import feature_set_blocked, feature_set_state, pi_create
from trains.errors import NotAllowed
from trains.factories import TrainFactory

pytestmark = pytest.mark.django_db

State = Feature.State
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def hours(n: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


@pytest.fixture
def feature(train, team):
    return FeatureFactory(train=train, team=team, state=State.BACKLOG)


@pytest.fixture
def other_feature(train, other_team):
    return FeatureFactory(train=train, team=other_team, state=State.BACKLOG)


# --- pi_create ---------------------------------------------------------------------------------------


def test_pi_create_builds_back_to_back_iterations_on_the_train_cadence_with_the_last_one_ip(rte, train):
    start = dt.date(2026, 1, 5)

    pi = pi_create(train=train, name="PI 8", start_date=start, actor=rte)

    iterations = list(pi.iterations.order_by("number"))
    assert [it.number for it in iterations] == [1, 2, 3, 4, 5]  # the train's default cadence
    assert [it.is_ip for it in iterations] == [False, False, False, False, True]
    assert iterations[0].start_date == start
    for earlier, later in zip(iterations, iterations[1:], strict=False):
        assert later.start_date == earlier.end_date + dt.timedelta(days=1)
    for iteration in iterations:
        assert (iteration.end_date - iteration.start_date).days + 1 == train.iteration_length_days
    assert pi.start_date == start
    assert pi.end_date == iterations[-1].end_date == dt.date(2026, 3, 15)
    assert pi.state == ProgramIncrement.State.DRAFT


def test_pi_create_follows_a_custom_train_cadence(db):
    train = TrainFactory(iteration_length_days=7, iterations_per_pi=4)

    pi = pi_create(train=train, name="PI 1", start_date=dt.date(2026, 2, 2))

    spans = list(pi.iterations.order_by("number").values_list("start_date", "end_date", "is_ip"))
    assert spans == [
        (dt.date(2026, 2, 2), dt.date(2026, 2, 8), False),
        (dt.date(2026, 2, 9), dt.date(2026, 2, 15), False),
        (dt.date(2026, 2, 16), dt.date(2026, 2, 22), False),
        (dt.date(2026, 2, 23), dt.date(2026, 3, 1), True),
    ]
    assert pi.end_date == dt.date(2026, 3, 1)


def test_pi_create_refuses_a_duplicate_name_with_a_field_error(rte, train, pi):
    iterations_before = Iteration.objects.count()

    with pytest.raises(ValidationError) as error:
        pi_create(train=train, name=pi.name, start_date=dt.date(2026, 6, 1), actor=rte)

    assert "name" in error.value.message_dict
    assert ProgramIncrement.objects.filter(train=train).count() == 1
    assert Iteration.objects.count() == iterations_before


def test_the_same_pi_name_is_allowed_on_another_train(rte, train, pi):
    other_train = TrainFactory()
    assert pi_create(train=other_train, name=pi.name, start_date=dt.date(2026, 1, 5)).train == other_train


@pytest.mark.parametrize(
    "persona", ["product_manager", "scrum_master", "business_owner", "viewer", "outsider"]
)
def test_only_the_rte_creates_a_pi_and_nothing_is_created_otherwise(request, persona, train):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed):
        pi_create(train=train, name="PI 9", start_date=dt.date(2026, 1, 5), actor=actor)

    assert not ProgramIncrement.objects.filter(train=train).exists()
    assert not Iteration.objects.exists()


# --- feature_set_state -------------------------------------------------------------------------------


def test_a_state_change_is_recorded_with_from_to_time_and_actor(rte, feature):
    feature_set_state(feature=feature, state=State.IMPLEMENTING, actor=rte, at=T0)

    change = FeatureStateChange.objects.get(feature=feature)
    assert (change.from_state, change.to_state, change.changed_at, change.actor) == (
        State.BACKLOG,
        State.IMPLEMENTING,
        T0,
        rte,
    )
    feature.refresh_from_db()
    assert feature.state == State.IMPLEMENTING
    assert feature.state_changed_at == T0


def test_started_at_is_set_on_first_entry_into_implementing(rte, feature):
    feature_set_state(feature=feature, state=State.ANALYZING, actor=rte, at=hours(1))
    assert feature.started_at is None

    feature_set_state(feature=feature, state=State.IMPLEMENTING, actor=rte, at=hours(2))

    feature.refresh_from_db()
    assert feature.started_at == hours(2)


def test_started_at_is_set_when_a_feature_skips_implementing(rte, feature):
    feature_set_state(feature=feature, state=State.VALIDATING, actor=rte, at=hours(3))

    feature.refresh_from_db()
    assert feature.started_at == hours(3)


def test_started_at_is_not_moved_by_later_moves(rte, feature):
    feature_set_state(feature=feature, state=State.IMPLEMENTING, actor=rte, at=hours(1))
    feature_set_state(feature=feature, state=State.VALIDATING, actor=rte, at=hours(2))
    feature_set_state(feature=feature, state=State.IMPLEMENTING, actor=rte, at=hours(3))
    feature_set_state(feature=feature, state=State.BACKLOG, actor=rte, at=hours(4))
    feature_set_state(feature=feature, state=State.IMPLEMENTING, actor=rte, at=hours(5))

    feature.refresh_from_db()
    assert feature.started_at == hours(1)
    assert FeatureStateChange.objects.filter(feature=feature).count() == 5


def test_done_sets_done_at_and_reopening_clears_it(rte, feature):
    feature_set_state(feature=feature, state=State.IMPLEMENTING, actor=rte, at=hours(1))
    feature_set_state(feature=feature, state=State.DONE, actor=rte, at=hours(2))
    feature.refresh_from_db()
    assert feature.done_at == hours(2)

    feature_set_state(feature=feature, state=State.VALIDATING, actor=rte, at=hours(3))

    feature.refresh_from_db()
    assert feature.state == State.VALIDATING
    assert feature.done_at is None
    assert feature.started_at == hours(1)


def test_version_increases_on_each_write(rte, feature):
    versions = [feature.version]
    for n, state in enumerate([State.IMPLEMENTING, State.VALIDATING, State.DONE], start=1):
        feature_set_state(feature=feature, state=state, actor=rte, at=hours(n))
        versions.append(feature.version)

    assert versions == [1, 2, 3, 4]
    feature.refresh_from_db()
    assert feature.version == 4


def test_moving_to_the_same_state_is_a_no_op(rte, feature):
    feature_set_state(feature=feature, state=State.BACKLOG, actor=rte, at=T0)

    assert not FeatureStateChange.objects.filter(feature=feature).exists()
    feature.refresh_from_db()
    assert feature.version == 1
    assert feature.state_changed_at is None


def test_an_unknown_state_is_refused_and_nothing_changes(rte, feature):
    with pytest.raises(ValidationError) as error:
        feature_set_state(feature=feature, state="shipped", actor=rte, at=T0)

    assert "state" in error.value.message_dict
    assert not FeatureStateChange.objects.filter(feature=feature).exists()
    feature.refresh_from_db()
    assert (feature.state, feature.version, feature.started_at) == (State.BACKLOG, 1, None)


def test_a_scrum_master_changes_their_own_teams_feature(scrum_master, feature):
    feature_set_state(feature=feature, state=State.IMPLEMENTING, actor=scrum_master, at=T0)

    feature.refresh_from_db()
    assert feature.state == State.IMPLEMENTING
    assert FeatureStateChange.objects.get(feature=feature).actor == scrum_master


def test_a_scrum_master_may_not_change_another_teams_feature(scrum_master, other_feature):
    with pytest.raises(NotAllowed):
        feature_set_state(feature=other_feature, state=State.IMPLEMENTING, actor=scrum_master, at=T0)

    assert not FeatureStateChange.objects.exists()
    other_feature.refresh_from_db()
    assert (other_feature.state, other_feature.version) == (State.BACKLOG, 1)


def test_a_product_manager_changes_any_teams_feature(product_manager, other_feature):
    feature_set_state(feature=other_feature, state=State.IMPLEMENTING, actor=product_manager, at=T0)

    other_feature.refresh_from_db()
    assert other_feature.state == State.IMPLEMENTING


@pytest.mark.parametrize("persona", ["viewer", "team_member", "business_owner", "outsider"])
def test_readers_and_outsiders_may_not_change_a_feature(request, persona, feature):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed):
        feature_set_state(feature=feature, state=State.IMPLEMENTING, actor=actor, at=T0)

    assert not FeatureStateChange.objects.exists()
    feature.refresh_from_db()
    assert (feature.state, feature.version) == (State.BACKLOG, 1)


# --- feature_set_blocked -----------------------------------------------------------------------------


def test_blocking_opens_a_period_and_unblocking_closes_it_with_the_time(rte, feature):
    feature_set_blocked(feature=feature, blocked=True, actor=rte, at=hours(1), reason="Waiting on Gemini")

    period = FeatureBlockedPeriod.objects.get(feature=feature)
    assert (period.started_at, period.ended_at, period.reason) == (hours(1), None, "Waiting on Gemini")
    feature.refresh_from_db()
    assert feature.is_blocked

    feature_set_blocked(feature=feature, blocked=False, actor=rte, at=hours(5))

    period.refresh_from_db()
    assert (period.started_at, period.ended_at) == (hours(1), hours(5))
    feature.refresh_from_db()
    assert not feature.is_blocked


def test_blocking_twice_keeps_one_open_period(rte, feature):
    feature_set_blocked(feature=feature, blocked=True, actor=rte, at=hours(1))
    feature_set_blocked(feature=feature, blocked=True, actor=rte, at=hours(2))

    periods = FeatureBlockedPeriod.objects.filter(feature=feature)
    assert periods.count() == 1
    assert periods.get().started_at == hours(1)
    assert periods.get().ended_at is None


def test_each_blocked_stretch_is_its_own_period(rte, feature):
    feature_set_blocked(feature=feature, blocked=True, actor=rte, at=hours(1))
    feature_set_blocked(feature=feature, blocked=False, actor=rte, at=hours(2))
    feature_set_blocked(feature=feature, blocked=True, actor=rte, at=hours(3))
    feature_set_blocked(feature=feature, blocked=False, actor=rte, at=hours(4))

    spans = list(FeatureBlockedPeriod.objects.filter(feature=feature).values_list("started_at", "ended_at"))
    assert spans == [(hours(1), hours(2)), (hours(3), hours(4))]


def test_blocking_and_unblocking_bump_the_version(rte, feature):
    feature_set_blocked(feature=feature, blocked=True, actor=rte, at=hours(1))
    assert feature.version == 2
    feature_set_blocked(feature=feature, blocked=False, actor=rte, at=hours(2))
    assert feature.version == 3


def test_unblocking_a_feature_that_is_not_blocked_changes_nothing(rte, feature):
    feature_set_blocked(feature=feature, blocked=False, actor=rte, at=hours(1))

    assert not FeatureBlockedPeriod.objects.exists()
    feature.refresh_from_db()
    assert feature.version == 1


def test_a_scrum_master_may_not_block_another_teams_feature(scrum_master, other_feature):
    with pytest.raises(NotAllowed):
        feature_set_blocked(feature=other_feature, blocked=True, actor=scrum_master, at=hours(1))

    assert not FeatureBlockedPeriod.objects.exists()
    other_feature.refresh_from_db()
    assert not other_feature.is_blocked
