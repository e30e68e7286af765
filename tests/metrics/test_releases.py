"""Release readiness: the computed criteria on hand-built cases, the readiness %, the decision log,
who may do what, and two people editing the same checklist."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from metrics.models import ReleaseChecklist, ReleaseCriterion, ReleaseDecision
from metrics.releases import readiness as rules
from metrics.releases import selectors, services
from planning.factories import DependencyFactory, FeatureFactory, MilestoneFactory
from planning.models import Defect, Dependency, Feature, Incident, Milestone, ProgramIncrement
from risks.models import DemoItem, SystemDemo
from trains.errors import Conflict, NotAllowed, StaleVersion
from trains.history.models import Change, Kind

pytestmark = pytest.mark.django_db

Kinds = ReleaseCriterion.Kind
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- the rules, on plain values ----------------------------------------------------------------------

RELEASE_DAY = date(2026, 2, 13)
BEFORE, AFTER = date(2026, 1, 19), date(2026, 2, 16)
SCOPE = rules.Scope(RELEASE_DAY)


def test_features_done_counts_the_features_planned_by_the_release_date():
    features = [
        rules.FeatureFact(1, BEFORE, "done"),
        rules.FeatureFact(2, BEFORE, "done"),
        rules.FeatureFact(2, BEFORE, "implementing"),
        rules.FeatureFact(1, AFTER, "backlog"),  # planned after the release: not in it
        rules.FeatureFact(None, BEFORE, "backlog"),  # on no team: not on the board
    ]
    check = rules.features_done(features, SCOPE)
    assert check == rules.Check(rules.NOT_MET, "2 of 3 features done; 0 of the 1 left past implementing.")
    # Only team 1 picked: its one feature is done.
    assert rules.features_done(features, rules.Scope(RELEASE_DAY, frozenset({1}))).status == rules.MET


def test_features_left_only_past_implementing_are_at_risk_and_none_is_not_applicable():
    at_risk = rules.features_done(
        [rules.FeatureFact(1, BEFORE, "done"), rules.FeatureFact(1, BEFORE, "validating")], SCOPE
    )
    assert at_risk.status == rules.AT_RISK
    assert at_risk.detail.startswith("1 of 2 features done")
    assert rules.features_done([rules.FeatureFact(1, AFTER, "done")], SCOPE).status == rules.NOT_APPLICABLE


def test_a_red_dependency_is_not_met_and_an_amber_one_at_risk():
    red = [rules.DependencyFact(1, 2, "conflict"), rules.DependencyFact(1, 2, "healthy")]
    assert rules.dependencies_clear(red, SCOPE) == rules.Check(
        rules.NOT_MET, "1 red, 0 at risk, of 2 dependencies in scope."
    )
    assert rules.dependencies_clear([rules.DependencyFact(1, 2, "at_risk")], SCOPE).status == rules.AT_RISK
    assert rules.dependencies_clear([rules.DependencyFact(1, 2, "resolved")], SCOPE).status == rules.MET
    # A red string needed only after the release, or between teams out of its scope, does not hold it up.
    assert (
        rules.dependencies_clear([rules.DependencyFact(1, 2, "conflict", AFTER)], SCOPE).status == rules.MET
    )
    assert (
        rules.dependencies_clear([rules.DependencyFact(1, 2, "conflict", BEFORE)], SCOPE).status
        == rules.NOT_MET
    )
    assert rules.dependencies_clear(red, rules.Scope(RELEASE_DAY, frozenset({3}))).status == rules.MET


def test_an_open_critical_incident_is_not_met_and_a_teamless_one_concerns_every_scope():
    scope = rules.Scope(RELEASE_DAY, frozenset({1}))
    assert rules.none_open([rules.OpenCritical(None)], scope, "incident") == rules.Check(
        rules.NOT_MET, "1 open critical incident."
    )
    assert rules.none_open([rules.OpenCritical(2)], scope, "incident").status == rules.MET
    assert rules.none_open([], scope, "defect") == rules.Check(rules.MET, "0 open critical defects.")


def test_demo_accepted_reads_the_demo_items_by_the_release_date():
    items = [
        rules.DemoItemFact(BEFORE, 1, True, "shown"),
        rules.DemoItemFact(BEFORE, 1, True, "issues"),
        rules.DemoItemFact(AFTER, 1, True, "not_shown"),  # a later demo: not this release's
    ]
    assert rules.demo_accepted(items, SCOPE) == rules.Check(rules.AT_RISK, "1 of 2 demo items accepted.")
    refused = [*items, rules.DemoItemFact(BEFORE, None, False, "not_shown")]
    assert rules.demo_accepted(refused, SCOPE).status == rules.NOT_MET
    assert rules.demo_accepted([], SCOPE).status == rules.NOT_MET
    assert rules.demo_accepted(items[:1], SCOPE).status == rules.MET


def test_readiness_is_met_over_applicable_and_no_applicable_criterion_gives_no_figure():
    figure = rules.readiness(["met", "met", "not_met", "at_risk", "na"])
    assert (figure.met, figure.applicable, figure.percent, figure.text) == (2, 4, 50.0, "50 %")
    assert rules.readiness(["na"]).percent is None
    assert rules.readiness(["na"]).text == "—"


# --- the checklist on live data -----------------------------------------------------------------------


@pytest.fixture
def iterations(pi):
    return list(pi.iterations.order_by("number"))


@pytest.fixture
def release(pi, iterations):
    """A release on the last day of the PI's second iteration."""
    return MilestoneFactory(
        pi=pi, name="Release 7.1", date=iterations[1].end_date, kind=Milestone.Kind.RELEASE
    )


@pytest.fixture
def checklist(release, rte):
    return services.release_checklist_create(milestone=release, actor=rte)


def _done(train, pi, team, iteration):
    return FeatureFactory(
        train=train, pi=pi, team=team, iteration=iteration, state=Feature.State.DONE, done_at=timezone.now()
    )


def _result(release, kind) -> selectors.CriterionResult:
    readiness = selectors.release_readiness(release)
    return next(r for r in readiness.results if r.criterion.kind == kind)


def test_a_new_checklist_has_the_standard_computed_criteria(checklist, release, rte):
    kinds = list(checklist.criteria.order_by("position").values_list("kind", "status"))
    assert kinds == [(kind, "auto") for kind in services.STANDARD_CRITERIA]
    change = Change.objects.get(kind=Kind.MILESTONE, object_id=release.pk)
    assert change.actor == rte and "Go/no-go checklist created" in change.note
    with pytest.raises(Conflict):
        services.release_checklist_create(milestone=release, actor=rte)


def test_only_a_release_milestone_gets_a_checklist(pi, rte):
    audit = MilestoneFactory(pi=pi, kind=Milestone.Kind.AUDIT)
    with pytest.raises(ValidationError):
        services.release_checklist_create(milestone=audit, actor=rte)


def test_computed_criteria_read_the_plan_the_board_and_the_delivery_events(
    train, pi, team, other_team, iterations, release, checklist
):
    _done(train, pi, team, iterations[0])
    FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[1], state=Feature.State.IMPLEMENTING)
    FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[3])  # after the release
    features = _result(release, Kinds.FEATURES_DONE)
    assert (features.status, features.detail) == (
        "not_met",
        "1 of 2 features done; 0 of the 1 left past implementing.",
    )

    assert _result(release, Kinds.DEPENDENCIES_CLEAR).status == "met"
    DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team, state=Dependency.State.BLOCKED)
    red = _result(release, Kinds.DEPENDENCIES_CLEAR)
    assert (red.status, red.detail) == ("not_met", "1 red, 0 at risk, of 1 dependency in scope.")

    assert _result(release, Kinds.CRITICAL_INCIDENTS).status == "met"
    incident = Incident.objects.create(
        train=train,
        service="checkout",
        title="Checkout down",
        severity=Incident.Severity.CRITICAL,
        started_at=timezone.now() - timedelta(hours=2),
    )
    assert _result(release, Kinds.CRITICAL_INCIDENTS).status == "not_met"
    Incident.objects.filter(pk=incident.pk).update(restored_at=timezone.now())
    assert _result(release, Kinds.CRITICAL_INCIDENTS).status == "met"

    Defect.objects.create(
        train=train,
        team=other_team,
        title="Totals wrong",
        severity=Defect.Severity.CRITICAL,
        found_at=timezone.now(),
    )
    Defect.objects.create(
        train=train, team=team, title="Typo", severity=Defect.Severity.LOW, found_at=timezone.now()
    )
    defects = _result(release, Kinds.CRITICAL_DEFECTS)
    assert (defects.status, defects.detail) == ("not_met", "1 open critical defect.")

    demo = SystemDemo.objects.create(iteration=iterations[0], created_at=timezone.now())
    DemoItem.objects.create(
        demo=demo, title="Checkout", outcome=DemoItem.Outcome.SHOWN, created_at=timezone.now()
    )
    assert _result(release, Kinds.DEMO_ACCEPTED).detail == "1 of 1 demo item accepted."

    # Limited to the requesting team alone: the other team's defect no longer counts, the red string does.
    services.release_checklist_set_scope(checklist=checklist, teams=[team], expected_version=1, actor=None)
    assert _result(release, Kinds.CRITICAL_DEFECTS).status == "met"
    assert _result(release, Kinds.DEPENDENCIES_CLEAR).status == "not_met"


def test_readiness_counts_the_applicable_criteria(train, pi, team, iterations, release, checklist, rte):
    _done(train, pi, team, iterations[0])
    demo = SystemDemo.objects.create(iteration=iterations[0], created_at=timezone.now())
    DemoItem.objects.create(
        demo=demo, title="Checkout", outcome=DemoItem.Outcome.SHOWN, created_at=timezone.now()
    )
    assert selectors.release_readiness(release).figure.text == "100 %"  # 5 of 5

    services.release_criterion_add(checklist=checklist, title="Security sign-off", actor=rte)
    assert selectors.release_readiness(release).figure == rules.ReadinessFigure(met=5, applicable=6)

    criterion = checklist.criteria.get(kind=Kinds.CUSTOM)
    services.release_criterion_update(criterion=criterion, expected_version=1, actor=rte, status="na")
    demo_row = checklist.criteria.get(kind=Kinds.DEMO_ACCEPTED)
    services.release_criterion_update(criterion=demo_row, expected_version=1, actor=rte, status="na")
    figure = selectors.release_readiness(release).figure
    assert (figure.met, figure.applicable) == (4, 4)


def test_a_computed_criterion_takes_no_manual_status_and_a_custom_one_no_auto(checklist, rte):
    computed = checklist.criteria.get(kind=Kinds.FEATURES_DONE)
    with pytest.raises(ValidationError) as refused:
        services.release_criterion_update(criterion=computed, expected_version=1, actor=rte, status="met")
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.release_criterion_add(checklist=checklist, title="Runbook", status="auto", actor=rte)
    with pytest.raises(ValidationError):
        services.release_criterion_remove(criterion=computed, expected_version=1, actor=rte)
    assert checklist.criteria.count() == 5


# --- decisions ---------------------------------------------------------------------------------------


def test_every_decision_is_kept_and_the_latest_stands(release, checklist, rte, business_owner):
    first = services.release_decision_record(
        checklist=checklist,
        outcome="no_go",
        reason="Checkout is down.",
        expected_version=1,
        actor=rte,
        at=timezone.now() - timedelta(days=1),
    )
    second = services.release_decision_record(
        checklist=checklist,
        outcome="go_with_conditions",
        reason="Restored and watched.",
        conditions="Rollback plan rehearsed by Friday.",
        expected_version=2,
        actor=business_owner,
    )
    readiness = selectors.release_readiness(release)
    assert readiness.decisions == [second, first]
    assert readiness.latest_decision.outcome == "go_with_conditions"
    assert not readiness.awaiting_decision
    assert second.decided_by_name == (business_owner.get_full_name() or business_owner.username)
    assert second.readiness == readiness.figure.percent
    notes = list(
        Change.objects.filter(object_id=release.pk, note__startswith="Release decision").values_list(
            "fields", flat=True
        )
    )
    assert {"decision": ["No-go", "Go with conditions"]} in notes


def test_a_decision_needs_a_reason_and_conditions_when_it_has_them(checklist, rte):
    with pytest.raises(ValidationError) as refused:
        services.release_decision_record(
            checklist=checklist, outcome="go_with_conditions", reason=" ", expected_version=1, actor=rte
        )
    assert set(refused.value.message_dict) == {"reason", "conditions"}
    assert not ReleaseDecision.objects.exists()


def test_a_decision_on_a_checklist_changed_meanwhile_is_refused(checklist, rte, business_owner):
    services.release_criterion_add(checklist=checklist, title="Support rota agreed", actor=rte)  # version 2
    with pytest.raises(StaleVersion):
        services.release_decision_record(
            checklist=checklist, outcome="go", reason="All green.", expected_version=1, actor=business_owner
        )
    assert not ReleaseDecision.objects.exists()


def test_two_edits_of_one_criterion_the_second_is_refused(checklist, rte):
    criterion = services.release_criterion_add(checklist=checklist, title="Pen test", actor=rte)
    services.release_criterion_update(criterion=criterion, expected_version=1, actor=rte, status="met")
    with pytest.raises(StaleVersion):
        services.release_criterion_update(
            criterion=criterion, expected_version=1, actor=rte, status="at_risk"
        )
    criterion.refresh_from_db()
    assert (criterion.status, criterion.version) == ("met", 2)


# --- permissions -----------------------------------------------------------------------------------


def test_who_may_change_the_checklist_and_decide(
    release, checklist, rte, business_owner, scrum_master, viewer, product_manager
):
    for someone in (business_owner, scrum_master, viewer, product_manager):
        with pytest.raises(NotAllowed):
            services.release_criterion_add(checklist=checklist, title="Mine", actor=someone)
    for someone in (scrum_master, viewer, product_manager):
        with pytest.raises(NotAllowed):
            services.release_decision_record(
                checklist=checklist, outcome="go", reason="Looks fine.", expected_version=1, actor=someone
            )
    services.release_decision_record(
        checklist=checklist, outcome="go", reason="Looks fine.", expected_version=1, actor=business_owner
    )


def test_a_criterion_owner_reports_its_status_and_note_only(checklist, rte, scrum_master, team_member):
    criterion = services.release_criterion_add(
        checklist=checklist, title="Runbook ready", owner=scrum_master, actor=rte
    )
    services.release_criterion_update(
        criterion=criterion, expected_version=1, actor=scrum_master, status="at_risk", note="Half written."
    )
    with pytest.raises(NotAllowed):
        services.release_criterion_update(
            criterion=criterion, expected_version=2, actor=scrum_master, title="Done"
        )
    with pytest.raises(NotAllowed):
        services.release_criterion_update(
            criterion=criterion, expected_version=2, actor=team_member, status="met"
        )
    criterion.refresh_from_db()
    assert (criterion.title, criterion.status, criterion.note) == (
        "Runbook ready",
        "at_risk",
        "Half written.",
    )


def test_an_owner_must_hold_a_role_on_the_train(checklist, rte, outsider):
    with pytest.raises(ValidationError) as refused:
        services.release_criterion_add(checklist=checklist, title="Sign-off", owner=outsider, actor=rte)
    assert "owner" in refused.value.message_dict


def test_a_closed_pis_release_is_read_only(pi, release, checklist, rte):
    ProgramIncrement.objects.filter(pk=pi.pk).update(state=ProgramIncrement.State.CLOSED)
    checklist = ReleaseChecklist.objects.get(pk=checklist.pk)
    with pytest.raises(Conflict):
        services.release_criterion_add(checklist=checklist, title="Late", actor=rte)


# --- the pages -----------------------------------------------------------------------------------------


def release_url(train, release) -> str:
    return reverse("metrics:release", args=[train.slug, release.pk])


def test_the_release_page_shows_the_numbers_behind_each_criterion(
    client, train, pi, team, iterations, release, checklist, viewer
):
    _done(train, pi, team, iterations[0])
    client.force_login(viewer)
    page = client.get(release_url(train, release)).content.decode()
    assert "Release: Release 7.1" in page
    assert "1 of 1 feature done." in page
    assert "Awaiting a go/no-go decision" in page
    assert "Record the decision" not in page  # a viewer reads it
    listing = client.get(reverse("metrics:releases", args=[train.slug]) + f"?pi={pi.pk}").content.decode()
    assert "Release 7.1" in listing and "awaiting a decision" in listing


def test_a_decision_form_with_errors_answers_422_with_field_messages(client, train, release, checklist, rte):
    client.force_login(rte)
    url = reverse("metrics:release_decide", args=[train.slug, release.pk])
    response = client.post(url, {"outcome": "go_with_conditions", "reason": "", "version": 1}, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="release"' in body and "field-error" in body
    assert "State the conditions the release goes with." in body
    assert not ReleaseDecision.objects.exists()

    response = client.post(url, {"outcome": "go", "reason": "All green.", "version": 1}, **HTMX)
    assert response.status_code == 200
    assert "Decision recorded." in response.content.decode()
    stale = client.post(url, {"outcome": "no_go", "reason": "Wait.", "version": 1}, **HTMX)
    assert stale.status_code == 409
    assert ReleaseDecision.objects.count() == 1


def test_the_criterion_form_in_place_and_its_stale_answer(client, train, release, checklist, rte):
    criterion = services.release_criterion_add(checklist=checklist, title="Pen test", actor=rte)
    client.force_login(rte)
    url = reverse("metrics:release_criterion_edit", args=[train.slug, criterion.pk])
    form = client.get(url, **HTMX)
    assert form.status_code == 200 and f'id="criterion-{criterion.pk}"' in form.content.decode()
    data = {"title": "Pen test", "owner": "", "status": "met", "note": "Passed.", "version": 1}
    assert client.post(url, data, **HTMX).status_code == 200
    stale = client.post(url, {**data, "status": "not_met"}, **HTMX)
    assert stale.status_code == 409
    assert stale["HX-Retarget"] == f"#criterion-{criterion.pk}"
    assert "Someone else changed" in stale.content.decode()
    bad = client.post(url, {**data, "title": "", "version": 2}, **HTMX)
    assert bad.status_code == 422 and "Say what must hold" in bad.content.decode()


def test_another_trains_release_is_not_found(client, release, outsider, train):
    client.force_login(outsider)
    assert client.get(release_url(train, release)).status_code == 404
