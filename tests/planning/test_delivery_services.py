"""Recording deployments, incidents and defects (planning/services/delivery.py): checks per field,
idempotent references, history, who may, and which PIs' figures are told to recompute."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from planning import hooks
from planning.factories import FeatureFactory, ProgramIncrementFactory
from planning.imports.delivery import delivery_import
from planning.models import Defect, Deployment, Incident
from planning.services.delivery import (
    defect_delete,
    defect_record,
    defect_resolve,
    deployment_delete,
    deployment_record,
    deployment_update,
    incident_record,
    incident_restore,
    incident_update,
)
from trains.errors import NotAllowed, StaleVersion
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.history.models import Action, Change, Kind
from trains.models import Role

pytestmark = pytest.mark.django_db

# PI 7 of the `pi` fixture runs from 5 Jan 2026 for ten weeks.
IN_PI = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def changed_pis():
    """The PI ids planning's hook announced, in order."""
    seen: list[int] = []
    hooks.on_pi_changed(seen.append)
    yield seen
    hooks._callbacks.remove(seen.append)


def test_a_deployment_is_recorded_with_its_history_and_tells_its_pi(pi, team, rte, changed_pis):
    recorded = deployment_record(
        train=pi.train,
        actor=rte,
        team=team,
        service="checkout",
        deployed_at=IN_PI,
        committed_at=IN_PI - timedelta(days=2),
        reference="run-1",
    )

    deployment = recorded.event
    assert recorded.created
    assert (deployment.environment, deployment.succeeded, deployment.rolled_back) == (
        "production",
        True,
        False,
    )
    assert deployment.recorded_by == rte
    entry = Change.objects.get(kind=Kind.DEPLOYMENT, object_id=deployment.pk)
    assert entry.action == Action.CREATED and entry.fields["service"] == [None, "checkout"]
    assert changed_pis == [pi.pk]


def test_posting_a_known_reference_updates_the_event_instead_of_adding_one(pi, team, rte):
    deployment_record(
        train=pi.train, actor=rte, team=team, service="checkout", deployed_at=IN_PI, reference="r"
    )

    again = deployment_record(
        train=pi.train, actor=rte, service="checkout", deployed_at=IN_PI, succeeded=False, reference="r"
    )

    assert not again.created
    assert Deployment.objects.count() == 1
    stored = Deployment.objects.get()
    assert stored.succeeded is False
    assert stored.team == team  # a field the repost did not send keeps its value


def test_the_same_reference_on_another_train_is_another_event(pi, team, rte):
    other = TrainFactory(slug="elsewhere")
    deployment_record(train=pi.train, actor=None, service="a", deployed_at=IN_PI, reference="r")
    deployment_record(train=other, actor=None, service="a", deployed_at=IN_PI, reference="r")

    assert Deployment.objects.count() == 2


@pytest.mark.parametrize(
    "values, field",
    [
        ({"service": "", "deployed_at": IN_PI}, "service"),
        ({"service": "x" * 101, "deployed_at": IN_PI}, "service"),
        ({"service": "a\x00b", "deployed_at": IN_PI}, "service"),
        ({"service": "a"}, "deployed_at"),
        ({"service": "a", "deployed_at": IN_PI, "committed_at": IN_PI + timedelta(hours=1)}, "committed_at"),
        ({"service": "a", "deployed_at": IN_PI, "merged_at": IN_PI + timedelta(hours=1)}, "merged_at"),
        (
            {
                "service": "a",
                "deployed_at": IN_PI,
                "committed_at": IN_PI - timedelta(hours=1),
                "merged_at": IN_PI - timedelta(hours=2),
            },
            "committed_at",
        ),
        ({"service": "a", "deployed_at": datetime(9999, 12, 31, 23, 0, tzinfo=UTC)}, "deployed_at"),
        ({"service": "a", "deployed_at": datetime(1, 1, 1, tzinfo=UTC)}, "deployed_at"),
        ({"service": "a", "deployed_at": datetime.now(UTC) + timedelta(days=1)}, "deployed_at"),
        ({"service": "a", "deployed_at": IN_PI, "environment": " "}, "environment"),
        ({"service": "a", "deployed_at": IN_PI, "succeeded": "yes"}, "succeeded"),
    ],
)
def test_a_wrong_deployment_is_refused_on_its_field_and_nothing_is_written(pi, rte, values, field):
    with pytest.raises(ValidationError) as refused:
        deployment_record(train=pi.train, actor=rte, **values)

    assert field in refused.value.message_dict
    assert not Deployment.objects.exists()
    assert not Change.objects.filter(kind=Kind.DEPLOYMENT).exists()


def test_a_team_of_another_train_is_refused(pi, rte):
    stranger = TeamFactory(train=TrainFactory(slug="elsewhere"))

    with pytest.raises(ValidationError) as refused:
        deployment_record(train=pi.train, actor=None, team=stranger, service="a", deployed_at=IN_PI)

    assert "team" in refused.value.message_dict


def test_a_naive_time_is_the_trains_local_time(pi):
    recorded = deployment_record(
        train=pi.train, actor=None, service="a", deployed_at=datetime(2026, 1, 20, 9)
    )

    assert recorded.event.deployed_at == datetime(2026, 1, 20, 9, tzinfo=UTC)  # TIME_ZONE is UTC


def test_the_environment_is_kept_in_lower_case_so_production_counts(pi):
    recorded = deployment_record(
        train=pi.train, actor=None, service="a", deployed_at=IN_PI, environment=" Production "
    )

    assert recorded.event.environment == Deployment.PRODUCTION


def test_an_incident_is_restored_and_its_version_moves_on(pi, team, rte):
    incident = incident_record(
        train=pi.train, actor=rte, team=team, service="checkout", title="Payments fail", started_at=IN_PI
    ).event
    assert incident.is_open

    restored = incident_restore(
        incident=incident, actor=rte, expected_version=1, restored_at=IN_PI + timedelta(hours=2)
    )

    assert not restored.is_open and restored.version == 2
    with pytest.raises(ValidationError) as again:
        incident_restore(incident=restored, actor=rte, expected_version=2)
    assert "restored_at" in again.value.message_dict


def test_an_incident_edit_based_on_an_old_version_is_refused(pi, rte):
    incident = incident_record(train=pi.train, actor=rte, service="a", title="Down", started_at=IN_PI).event
    incident_update(incident=incident, actor=rte, expected_version=1, title="Down hard")

    with pytest.raises(StaleVersion):
        incident_update(incident=incident, actor=rte, expected_version=1, severity="critical")

    assert Incident.objects.get().severity == Incident.Severity.MEDIUM


def test_an_incident_restored_before_it_started_is_refused(pi, rte):
    with pytest.raises(ValidationError) as refused:
        incident_record(
            train=pi.train,
            actor=rte,
            service="a",
            title="Down",
            started_at=IN_PI,
            restored_at=IN_PI - timedelta(minutes=1),
        )

    assert "restored_at" in refused.value.message_dict


def test_a_deployment_after_the_incident_cannot_have_caused_it(pi, rte):
    later = deployment_record(
        train=pi.train, actor=rte, service="a", deployed_at=IN_PI + timedelta(hours=1)
    ).event

    with pytest.raises(ValidationError) as refused:
        incident_record(
            train=pi.train, actor=rte, service="a", title="Down", started_at=IN_PI, deployment=later
        )

    assert "deployment" in refused.value.message_dict


def test_an_incident_caused_by_a_deployment_of_an_earlier_pi_tells_both_pis(pi, rte, changed_pis):
    earlier_pi = ProgramIncrementFactory(
        train=pi.train, name="PI 6", start_date=pi.start_date - timedelta(weeks=10)
    )
    cause = deployment_record(
        train=pi.train, actor=rte, service="a", deployed_at=datetime(2025, 12, 1, tzinfo=UTC)
    ).event
    changed_pis.clear()

    incident_record(train=pi.train, actor=rte, service="a", title="Down", started_at=IN_PI, deployment=cause)

    assert sorted(changed_pis) == sorted([pi.pk, earlier_pi.pk])


def test_moving_an_event_to_another_pi_tells_both(pi, rte, changed_pis):
    later_pi = ProgramIncrementFactory(
        train=pi.train, name="PI 8", start_date=pi.end_date + timedelta(days=1)
    )
    deployment = deployment_record(train=pi.train, actor=rte, service="a", deployed_at=IN_PI).event
    changed_pis.clear()

    deployment_update(
        deployment=deployment, actor=rte, deployed_at=datetime.combine(later_pi.start_date, IN_PI.timetz())
    )

    assert sorted(changed_pis) == sorted([pi.pk, later_pi.pk])


def test_reimporting_a_reference_that_moves_a_deployment_tells_the_pi_it_left(pi, rte, changed_pis):
    earlier_pi = ProgramIncrementFactory(
        train=pi.train, name="PI 6", start_date=pi.start_date - timedelta(weeks=10)
    )
    header = b"service,deployed_at,reference\n"
    delivery_import(
        train=pi.train, kind="deployment", file=io.BytesIO(header + b"a,2026-01-20 10:00,run-1\n"), actor=rte
    )
    changed_pis.clear()

    moved = delivery_import(
        train=pi.train, kind="deployment", file=io.BytesIO(header + b"a,2025-12-01 10:00,run-1\n"), actor=rte
    )

    assert (moved.problems, moved.updated) == ([], 1)
    assert sorted(changed_pis) == sorted([pi.pk, earlier_pi.pk])


def test_an_event_tells_every_later_pi_that_has_begun_but_none_to_come(pi, rte, changed_pis):
    # An incident still open counts in every PI until it is restored, and a failed deployment is
    # restored by a later one: the PIs from the event's on may all change. One not begun cannot.
    running = ProgramIncrementFactory(
        train=pi.train, name="PI 8", start_date=date.today() - timedelta(weeks=2)
    )
    ProgramIncrementFactory(train=pi.train, name="PI 9", start_date=running.end_date + timedelta(days=1))

    incident_record(train=pi.train, actor=rte, service="a", title="Down", started_at=IN_PI)

    assert sorted(changed_pis) == sorted([pi.pk, running.pk])


def test_an_event_after_every_pi_that_has_begun_tells_none(pi, rte, changed_pis):
    ProgramIncrementFactory(train=pi.train, name="PI 9", start_date=date.today() + timedelta(weeks=2))

    deployment_record(
        train=pi.train, actor=rte, service="a", deployed_at=datetime.now(UTC) - timedelta(minutes=5)
    )

    assert changed_pis == []


def test_a_defect_of_a_feature_is_the_features_teams(pi, team, team_member):
    feature = FeatureFactory(train=pi.train, pi=pi, team=team)

    defect = defect_record(
        train=pi.train,
        actor=team_member,
        feature=feature,
        title="Totals round wrongly",
        found_in=Defect.FoundIn.PRODUCTION,
        found_at=IN_PI,
    ).event

    assert defect.team == team and defect.feature == feature


def test_a_defect_is_resolved_not_before_it_was_found(pi, rte):
    defect = defect_record(train=pi.train, actor=rte, title="Typo", found_at=IN_PI).event
    assert defect.found_in == Defect.FoundIn.BEFORE_RELEASE

    with pytest.raises(ValidationError):
        defect_resolve(defect=defect, actor=rte, expected_version=1, resolved_at=IN_PI - timedelta(days=1))
    resolved = defect_resolve(
        defect=defect, actor=rte, expected_version=1, resolved_at=IN_PI + timedelta(days=1)
    )

    assert not resolved.is_open


@pytest.mark.parametrize("field, value", [("severity", "urgent"), ("found_in", "staging")])
def test_a_defect_with_an_unknown_choice_is_refused(pi, rte, field, value):
    with pytest.raises(ValidationError) as refused:
        defect_record(train=pi.train, actor=rte, title="x", found_at=IN_PI, **{field: value})

    assert field in refused.value.message_dict


def test_deleting_keeps_a_history_entry_and_tells_the_pi(pi, rte, changed_pis):
    deployment = deployment_record(train=pi.train, actor=rte, service="a", deployed_at=IN_PI).event
    defect = defect_record(train=pi.train, actor=rte, title="x", found_at=IN_PI).event
    changed_pis.clear()

    deployment_delete(deployment=deployment, actor=rte)
    defect_delete(defect=defect, actor=rte, expected_version=1)

    assert not Deployment.objects.exists() and not Defect.objects.exists()
    assert Change.objects.filter(action=Action.DELETED).count() == 2
    assert changed_pis == [pi.pk, pi.pk]


# --- who may ---------------------------------------------------------------------------------------------


def _person(train, role, team=None):
    user = UserFactory()
    MembershipFactory(user=user, train=train, role=role, team=team)
    return user


@pytest.mark.parametrize(
    "role, own_team, allowed",
    [
        (Role.RTE, False, True),
        (Role.SYSTEM_ARCHITECT, False, True),
        (Role.SCRUM_MASTER, True, True),
        (Role.PRODUCT_OWNER, True, True),
        (Role.TEAM_MEMBER, True, True),
        (Role.SCRUM_MASTER, False, False),
        (Role.TEAM_MEMBER, False, False),
        (Role.PRODUCT_MANAGER, False, False),
        (Role.BUSINESS_OWNER, False, False),
        (Role.VIEWER, False, False),
    ],
)
def test_who_records_a_teams_deployment(pi, team, other_team, role, own_team, allowed):
    person = _person(
        pi.train,
        role,
        (team if own_team else other_team)
        if role in (Role.SCRUM_MASTER, Role.PRODUCT_OWNER, Role.TEAM_MEMBER)
        else None,
    )

    def record():
        return deployment_record(train=pi.train, actor=person, team=team, service="a", deployed_at=IN_PI)

    if allowed:
        assert record().created
    else:
        with pytest.raises(NotAllowed):
            record()
        assert not Deployment.objects.exists()


def test_an_event_of_no_team_is_the_rtes_and_the_architects(pi, team):
    member = _person(pi.train, Role.TEAM_MEMBER, team)
    architect = _person(pi.train, Role.SYSTEM_ARCHITECT)

    with pytest.raises(NotAllowed):
        incident_record(train=pi.train, actor=member, service="dns", title="DNS down", started_at=IN_PI)
    assert incident_record(
        train=pi.train, actor=architect, service="dns", title="DNS down", started_at=IN_PI
    ).created


def test_a_team_member_cannot_move_an_event_to_another_team_nor_change_anothers(pi, team, other_team):
    member = _person(pi.train, Role.TEAM_MEMBER, team)
    own = deployment_record(train=pi.train, actor=member, team=team, service="a", deployed_at=IN_PI).event
    theirs = deployment_record(
        train=pi.train, actor=None, team=other_team, service="b", deployed_at=IN_PI
    ).event

    with pytest.raises(NotAllowed):
        deployment_update(deployment=own, actor=member, team=other_team)
    with pytest.raises(NotAllowed):
        deployment_update(deployment=theirs, actor=member, succeeded=False)
    assert Deployment.objects.get(pk=theirs.pk).succeeded is True


def test_reposting_another_teams_reference_is_refused(pi, team, other_team):
    member = _person(pi.train, Role.TEAM_MEMBER, team)
    deployment_record(
        train=pi.train, actor=None, team=other_team, service="b", deployed_at=IN_PI, reference="r9"
    )

    with pytest.raises(NotAllowed):
        deployment_record(
            train=pi.train, actor=member, team=team, service="b", deployed_at=IN_PI, reference="r9"
        )

    assert Deployment.objects.get().team == other_team


def test_reposting_the_same_event_changes_nothing(pi, rte):
    values = {"service": "a", "title": "Down", "started_at": IN_PI, "reference": "INC-1"}
    incident_record(train=pi.train, actor=rte, **values)

    again = incident_record(train=pi.train, actor=rte, **values)

    assert not again.created and again.event.version == 1
    assert Change.objects.filter(kind=Kind.INCIDENT).count() == 1
