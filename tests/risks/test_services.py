"""Risk and impediment writes: ROAM moves, raising, escalating and resolving, with their history."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from risks.factories import ImpedimentFactory, RiskFactory
from risks.models import Impediment, ImpedimentEscalation, Risk, RiskRoamChange
from risks.services import (
    impediment_escalate,
    impediment_raise,
    impediment_resolve,
    risk_create,
    risk_raise_to_art,
    risk_roam,
    risk_update,
)
from trains.errors import NotAllowed
from trains.factories import MembershipFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db

Roam = Risk.Roam
Level = Impediment.Level
Status = Impediment.Status
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def hours(n: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


@pytest.fixture
def art_risk(train):
    """An ART-level risk: no team."""
    return RiskFactory(train=train, team=None)


@pytest.fixture
def team_risk(train, team):
    return RiskFactory(train=train, team=team)


@pytest.fixture
def impediment(train, team):
    return ImpedimentFactory(team=team, raised_at=T0)


def _escalations(impediment):
    return list(
        ImpedimentEscalation.objects.filter(impediment=impediment)
        .order_by("escalated_at")
        .values_list("from_level", "to_level", "note", "escalated_at")
    )


# --- risk_roam ---------------------------------------------------------------------------------------


def test_roaming_a_risk_moves_it_and_records_the_change(rte, art_risk, train):
    owner = UserFactory()
    MembershipFactory(user=owner, train=train, role=Role.SYSTEM_ARCHITECT)

    risk_roam(
        risk=art_risk,
        expected_version=art_risk.version,
        status=Roam.OWNED,
        owner=owner,
        actor=rte,
        note="Rita takes it",
        at=T0,
    )

    art_risk.refresh_from_db()
    assert (art_risk.roam_status, art_risk.owner, art_risk.version) == (Roam.OWNED, owner, 2)
    change = RiskRoamChange.objects.get(risk=art_risk)
    assert (change.from_status, change.to_status, change.note, change.actor, change.changed_at) == (
        Roam.UNROAMED,
        Roam.OWNED,
        "Rita takes it",
        rte,
        T0,
    )


def test_each_roam_move_adds_to_the_history(rte, art_risk):
    risk_roam(risk=art_risk, expected_version=art_risk.version, status=Roam.ACCEPTED, actor=rte, at=hours(1))
    risk_roam(risk=art_risk, expected_version=art_risk.version, status=Roam.RESOLVED, actor=rte, at=hours(2))

    moves = list(RiskRoamChange.objects.filter(risk=art_risk).values_list("from_status", "to_status"))
    assert moves == [(Roam.UNROAMED, Roam.ACCEPTED), (Roam.ACCEPTED, Roam.RESOLVED)]
    assert art_risk.version == 3


def test_roaming_to_the_same_status_is_a_no_op(rte, art_risk):
    risk_roam(risk=art_risk, expected_version=art_risk.version, status=Roam.UNROAMED, actor=rte, at=T0)

    assert not RiskRoamChange.objects.exists()
    art_risk.refresh_from_db()
    assert art_risk.version == 1


def test_owned_without_an_owner_is_refused_on_owner_and_nothing_changes(rte, art_risk):
    with pytest.raises(ValidationError) as error:
        risk_roam(risk=art_risk, expected_version=art_risk.version, status=Roam.OWNED, actor=rte, at=T0)

    assert "owner" in error.value.message_dict
    assert not RiskRoamChange.objects.exists()
    art_risk.refresh_from_db()
    assert (art_risk.roam_status, art_risk.owner, art_risk.version) == (Roam.UNROAMED, None, 1)


def test_mitigated_without_a_mitigation_plan_is_refused(rte, art_risk):
    with pytest.raises(ValidationError) as error:
        risk_roam(risk=art_risk, expected_version=art_risk.version, status=Roam.MITIGATED, actor=rte, at=T0)

    assert "mitigation_plan" in error.value.message_dict
    assert not RiskRoamChange.objects.exists()
    art_risk.refresh_from_db()
    assert art_risk.roam_status == Roam.UNROAMED


def test_a_blank_mitigation_plan_does_not_count_as_a_plan(rte, train):
    risk = RiskFactory(train=train, mitigation_plan="   \n")

    with pytest.raises(ValidationError):
        risk_roam(risk=risk, expected_version=risk.version, status=Roam.MITIGATED, actor=rte, at=T0)


def test_mitigated_with_a_plan_is_accepted(rte, train):
    risk = RiskFactory(train=train, mitigation_plan="Book a second sandbox.")

    risk_roam(risk=risk, expected_version=risk.version, status=Roam.MITIGATED, actor=rte, at=T0)

    risk.refresh_from_db()
    assert risk.roam_status == Roam.MITIGATED


def test_an_unknown_roam_status_is_refused(rte, art_risk):
    with pytest.raises(ValidationError) as error:
        risk_roam(risk=art_risk, expected_version=art_risk.version, status="ignored", actor=rte, at=T0)

    assert "roam_status" in error.value.message_dict
    assert not RiskRoamChange.objects.exists()


def test_a_scrum_master_roams_their_own_teams_risk(scrum_master, team_risk):
    risk_roam(
        risk=team_risk, expected_version=team_risk.version, status=Roam.ACCEPTED, actor=scrum_master, at=T0
    )

    team_risk.refresh_from_db()
    assert team_risk.roam_status == Roam.ACCEPTED
    assert RiskRoamChange.objects.get(risk=team_risk).actor == scrum_master


def test_a_scrum_master_may_not_roam_an_art_level_risk(scrum_master, art_risk):
    with pytest.raises(NotAllowed):
        risk_roam(
            risk=art_risk, expected_version=art_risk.version, status=Roam.ACCEPTED, actor=scrum_master, at=T0
        )

    assert not RiskRoamChange.objects.exists()
    art_risk.refresh_from_db()
    assert art_risk.roam_status == Roam.UNROAMED


def test_a_scrum_master_may_not_roam_another_teams_risk(scrum_master, train, other_team):
    risk = RiskFactory(train=train, team=other_team)

    with pytest.raises(NotAllowed):
        risk_roam(risk=risk, expected_version=risk.version, status=Roam.ACCEPTED, actor=scrum_master, at=T0)

    assert not RiskRoamChange.objects.exists()


def test_a_product_manager_roams_and_edits_an_art_level_risk(product_manager, art_risk):
    risk_roam(
        risk=art_risk, expected_version=art_risk.version, status=Roam.ACCEPTED, actor=product_manager, at=T0
    )
    risk_update(risk=art_risk, expected_version=2, title="Vendor contract unsigned", actor=product_manager)

    art_risk.refresh_from_db()
    assert (art_risk.roam_status, art_risk.title) == (Roam.ACCEPTED, "Vendor contract unsigned")


def test_a_product_manager_may_not_roam_edit_or_raise_a_teams_risk(product_manager, team_risk):
    """Product Management owns content; a team's risks are the team's (its SM/PO) and the RTE's."""
    with pytest.raises(NotAllowed):
        risk_roam(
            risk=team_risk,
            expected_version=team_risk.version,
            status=Roam.ACCEPTED,
            actor=product_manager,
            at=T0,
        )
    with pytest.raises(NotAllowed):
        risk_update(
            risk=team_risk, expected_version=team_risk.version, title="Mine now", actor=product_manager
        )
    with pytest.raises(NotAllowed):
        risk_raise_to_art(risk=team_risk, expected_version=team_risk.version, actor=product_manager)

    team_risk.refresh_from_db()
    assert (team_risk.roam_status, team_risk.version, team_risk.team_id) == (
        Roam.UNROAMED,
        1,
        team_risk.team_id,
    )
    assert not RiskRoamChange.objects.exists()


@pytest.mark.parametrize("persona", ["team_member", "business_owner", "product_manager", "scrum_master"])
def test_everyone_but_viewers_raises_a_risk_for_any_team_or_the_art(request, persona, train, other_team):
    actor = request.getfixturevalue(persona)

    for team in (other_team, None):
        risk = risk_create(train=train, team=team, title="Vendor may slip", actor=actor)
        assert (risk.team, risk.roam_status, risk.raised_by) == (team, Roam.UNROAMED, actor)


def test_a_viewer_raises_no_risk(viewer, train):
    with pytest.raises(NotAllowed):
        risk_create(train=train, title="Vendor may slip", actor=viewer)

    assert not Risk.objects.exists()


@pytest.mark.parametrize("persona", ["viewer", "team_member", "business_owner", "outsider"])
def test_readers_and_outsiders_may_not_roam_a_risk(request, persona, team_risk):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed):
        risk_roam(
            risk=team_risk, expected_version=team_risk.version, status=Roam.ACCEPTED, actor=actor, at=T0
        )

    assert not RiskRoamChange.objects.exists()


# --- impediment_raise --------------------------------------------------------------------------------


def test_a_scrum_master_raises_an_impediment_for_their_team(scrum_master, train, team):
    impediment = impediment_raise(
        team=team, title="  CI runners saturated  ", actor=scrum_master, severity="high", at=T0
    )

    impediment.refresh_from_db()
    assert impediment.train == train
    assert impediment.team == team
    assert impediment.title == "CI runners saturated"
    assert impediment.severity == Impediment.Severity.HIGH
    assert (impediment.status, impediment.escalation_level) == (Status.OPEN, Level.TEAM)
    assert (impediment.raised_by, impediment.owner, impediment.raised_at) == (scrum_master, scrum_master, T0)
    assert impediment.resolved_at is None


def test_the_rte_raises_an_impediment_for_any_team(rte, other_team):
    impediment = impediment_raise(team=other_team, title="Staging is down", actor=rte, at=T0)

    assert impediment.team == other_team


@pytest.mark.parametrize(
    "persona", ["viewer", "team_member", "product_manager", "business_owner", "outsider"]
)
def test_only_the_teams_scrum_master_or_the_rte_raises_its_impediments(request, persona, team):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed):
        impediment_raise(team=team, title="Staging is down", actor=actor, at=T0)

    assert not Impediment.objects.exists()


def test_another_teams_scrum_master_may_not_raise_an_impediment(scrum_master, other_team):
    with pytest.raises(NotAllowed):
        impediment_raise(team=other_team, title="Staging is down", actor=scrum_master, at=T0)

    assert not Impediment.objects.exists()


@pytest.mark.parametrize("title", ["", "   "])
def test_a_blank_title_is_refused(scrum_master, team, title):
    with pytest.raises(ValidationError) as error:
        impediment_raise(team=team, title=title, actor=scrum_master, at=T0)

    assert "title" in error.value.message_dict
    assert not Impediment.objects.exists()


# --- impediment_escalate -----------------------------------------------------------------------------


def test_escalation_goes_team_then_art_then_portfolio_with_notes(scrum_master, rte, impediment):
    impediment_escalate(
        impediment=impediment,
        expected_version=impediment.version,
        note=" Needs platform budget ",
        actor=scrum_master,
        at=hours(1),
    )
    impediment.refresh_from_db()
    assert (impediment.escalation_level, impediment.status, impediment.version) == (
        Level.ART,
        Status.ESCALATED,
        2,
    )

    impediment_escalate(
        impediment=impediment,
        expected_version=impediment.version,
        note="Needs a vendor decision",
        actor=rte,
        at=hours(2),
    )
    impediment.refresh_from_db()
    assert (impediment.escalation_level, impediment.status, impediment.version) == (
        Level.PORTFOLIO,
        Status.ESCALATED,
        3,
    )

    assert _escalations(impediment) == [
        (Level.TEAM, Level.ART, "Needs platform budget", hours(1)),
        (Level.ART, Level.PORTFOLIO, "Needs a vendor decision", hours(2)),
    ]
    actors = list(ImpedimentEscalation.objects.order_by("escalated_at").values_list("actor", flat=True))
    assert actors == [scrum_master.pk, rte.pk]


def test_escalating_beyond_the_portfolio_is_refused(rte, impediment):
    impediment_escalate(
        impediment=impediment,
        expected_version=impediment.version,
        note="Up to the ART",
        actor=rte,
        at=hours(1),
    )
    impediment_escalate(
        impediment=impediment,
        expected_version=impediment.version,
        note="Up to the portfolio",
        actor=rte,
        at=hours(2),
    )

    with pytest.raises(ValidationError) as error:
        impediment_escalate(
            impediment=impediment,
            expected_version=impediment.version,
            note="Higher still",
            actor=rte,
            at=hours(3),
        )

    assert "escalation_level" in error.value.message_dict
    assert ImpedimentEscalation.objects.filter(impediment=impediment).count() == 2
    impediment.refresh_from_db()
    assert (impediment.escalation_level, impediment.version) == (Level.PORTFOLIO, 3)


@pytest.mark.parametrize("note", ["", "  \n "])
def test_escalating_without_a_note_is_refused(rte, impediment, note):
    with pytest.raises(ValidationError) as error:
        impediment_escalate(
            impediment=impediment, expected_version=impediment.version, note=note, actor=rte, at=hours(1)
        )

    assert "note" in error.value.message_dict
    assert not ImpedimentEscalation.objects.exists()
    impediment.refresh_from_db()
    assert (impediment.escalation_level, impediment.status) == (Level.TEAM, Status.OPEN)


def test_escalating_a_resolved_impediment_is_refused_and_nothing_changes(rte, impediment):
    impediment_resolve(
        impediment=impediment, expected_version=impediment.version, resolution="Fixed", actor=rte, at=hours(1)
    )

    with pytest.raises(ValidationError) as error:
        impediment_escalate(
            impediment=impediment,
            expected_version=impediment.version,
            note="Still hurts",
            actor=rte,
            at=hours(2),
        )

    assert "status" in error.value.message_dict
    assert not ImpedimentEscalation.objects.exists()
    impediment.refresh_from_db()
    assert (impediment.status, impediment.escalation_level, impediment.resolved_at, impediment.version) == (
        Status.RESOLVED,
        Level.TEAM,
        hours(1),
        2,
    )


def test_another_teams_scrum_master_may_not_escalate(scrum_master, other_team):
    impediment = ImpedimentFactory(team=other_team, raised_at=T0)

    with pytest.raises(NotAllowed):
        impediment_escalate(
            impediment=impediment,
            expected_version=impediment.version,
            note="Please",
            actor=scrum_master,
            at=hours(1),
        )

    assert not ImpedimentEscalation.objects.exists()


# --- impediment_resolve ------------------------------------------------------------------------------


def test_resolving_records_the_time_status_and_resolution(scrum_master, impediment):
    impediment_resolve(
        impediment=impediment,
        expected_version=impediment.version,
        resolution="Runners doubled",
        actor=scrum_master,
        at=hours(30),
    )

    impediment.refresh_from_db()
    assert (impediment.status, impediment.resolved_at, impediment.resolution, impediment.version) == (
        Status.RESOLVED,
        hours(30),
        "Runners doubled",
        2,
    )


def test_an_escalated_impediment_can_be_resolved(rte, impediment):
    impediment_escalate(
        impediment=impediment,
        expected_version=impediment.version,
        note="Up to the ART",
        actor=rte,
        at=hours(1),
    )

    impediment_resolve(
        impediment=impediment,
        expected_version=impediment.version,
        resolution="Budget granted",
        actor=rte,
        at=hours(2),
    )

    impediment.refresh_from_db()
    assert (impediment.status, impediment.escalation_level) == (Status.RESOLVED, Level.ART)


def test_resolving_before_it_was_raised_is_refused(rte, impediment):
    with pytest.raises(ValidationError) as error:
        impediment_resolve(
            impediment=impediment,
            expected_version=impediment.version,
            resolution="Fixed",
            actor=rte,
            at=hours(-1),
        )

    assert "resolved_at" in error.value.message_dict
    impediment.refresh_from_db()
    assert (impediment.status, impediment.resolved_at, impediment.version) == (Status.OPEN, None, 1)


def test_resolving_at_the_moment_it_was_raised_is_allowed(rte, impediment):
    impediment_resolve(
        impediment=impediment, expected_version=impediment.version, resolution="False alarm", actor=rte, at=T0
    )

    impediment.refresh_from_db()
    assert impediment.resolved_at == T0


def test_resolving_twice_is_refused(rte, impediment):
    impediment_resolve(
        impediment=impediment, expected_version=impediment.version, resolution="Fixed", actor=rte, at=hours(1)
    )

    with pytest.raises(ValidationError) as error:
        impediment_resolve(
            impediment=impediment,
            expected_version=impediment.version,
            resolution="Fixed again",
            actor=rte,
            at=hours(2),
        )

    assert "status" in error.value.message_dict
    impediment.refresh_from_db()
    assert (impediment.resolved_at, impediment.resolution, impediment.version) == (hours(1), "Fixed", 2)


@pytest.mark.parametrize("persona", ["viewer", "team_member", "outsider"])
def test_readers_and_outsiders_may_not_resolve_an_impediment(request, persona, impediment):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed):
        impediment_resolve(
            impediment=impediment,
            expected_version=impediment.version,
            resolution="Fixed",
            actor=actor,
            at=hours(1),
        )

    impediment.refresh_from_db()
    assert (impediment.status, impediment.resolved_at) == (Status.OPEN, None)
