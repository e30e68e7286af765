"""The admin: an RTE fixes any record of their own train, and sees no other train (domain.md §1)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.forms import MultiWidget
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metrics.models import PIRecompute, Snapshot
from planning.models import (
    BoardChange,
    ConfidenceVote,
    Dependency,
    Feature,
    FeatureBlockedPeriod,
    FeatureStateChange,
    ImportRun,
    Iteration,
    Milestone,
    PIObjective,
    PIReopening,
    PlanBaseline,
    ProgramIncrement,
    Story,
    TeamCapacity,
    VoteRound,
)
from risks.models import (
    ActionItem,
    ArtSync,
    DemoFollowUp,
    DemoItem,
    Impediment,
    ImpedimentEscalation,
    ImprovementItem,
    Problem,
    ProblemVote,
    Risk,
    RiskRoamChange,
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveyScore,
    SystemDemo,
)
from risks.services.calendar import calendar_feed_create
from trains.guards import MISSING_VERSION
from trains.history.models import Kind
from trains.history.services import record
from trains.models import Comment, InboxItem, Membership, Role, Team, Train, Webhook, WebhookDelivery
from trains.services import api_token_create

User = get_user_model()

ARTOPS_APPS = ("trains", "planning", "risks", "metrics")
ADMIN_MODELS = sorted(
    model._meta.label for model in admin.site._registry if model._meta.app_label in ARTOPS_APPS
)
PI_START = date(2026, 1, 5)


# --- data --------------------------------------------------------------------------------------------


def make_train(slug: str, *, feature_count: int = 1) -> SimpleNamespace:
    """A train with two teams, an executing PI of four iterations plus IP, and some features."""
    train = Train.objects.create(name=f"{slug.title()} train", slug=slug)
    team = Team.objects.create(train=train, name=f"{slug} Alpha", position=1)
    other_team = Team.objects.create(train=train, name=f"{slug} Beta", kind=Team.Kind.PLATFORM, position=2)
    pi = ProgramIncrement.objects.create(
        train=train,
        name=f"{slug} PI 1",
        start_date=PI_START,
        end_date=PI_START + timedelta(weeks=10, days=-1),
        state=ProgramIncrement.State.EXECUTING,
    )
    iterations = [
        Iteration.objects.create(
            pi=pi,
            number=number,
            start_date=PI_START + timedelta(weeks=2 * (number - 1)),
            end_date=PI_START + timedelta(weeks=2 * number, days=-1),
            is_ip=number == 5,
        )
        for number in range(1, 6)
    ]
    features = [
        Feature.objects.create(
            train=train,
            pi=pi,
            team=team,
            iteration=iterations[index % 4],
            title=f"{slug} feature {index}",
            state=Feature.State.IMPLEMENTING,
            business_value=8,
            time_criticality=5,
            risk_reduction=3,
            job_size=5,
        )
        for index in range(feature_count)
    ]
    return SimpleNamespace(
        train=train, team=team, other_team=other_team, pi=pi, iterations=iterations, features=features
    )


def make_one_of_everything(world: SimpleNamespace, person) -> None:
    """At least one row of every admin-registered model, so every list_display column runs."""
    now = timezone.now()
    feature = world.features[0]
    Membership.objects.create(user=person, train=world.train, team=world.team, role=Role.SCRUM_MASTER)
    FeatureStateChange.objects.create(
        feature=feature, from_state="backlog", to_state="implementing", changed_at=now, actor=person
    )
    FeatureBlockedPeriod.objects.create(feature=feature, started_at=now, reason="Waiting for the API")
    Story.objects.create(
        team=world.team, feature=feature, iteration=world.iterations[0], title="Story", points=3
    )
    Milestone.objects.create(pi=world.pi, name="Release 1", date=PI_START + timedelta(days=30))
    BoardChange.objects.create(pi=world.pi, version=1, kind=BoardChange.Kind.FEATURE, object_id=feature.pk)
    dependency = Dependency.objects.create(
        pi=world.pi,
        requesting_team=world.team,
        providing_team=world.other_team,
        requesting_feature=feature,
        needed_by_iteration=world.iterations[1],
        description="an endpoint",
        owner=person,
        created_at=now,
    )
    objective = PIObjective.objects.create(
        pi=world.pi, team=world.team, text="Customers can pay online", planned_business_value=8
    )
    objective.features.add(feature)
    team_round = VoteRound.objects.create(pi=world.pi, team=world.team, opened_at=now)
    art_round = VoteRound.objects.create(pi=world.pi, opened_at=now, closed_at=now)
    ConfidenceVote.objects.create(round=team_round, voter=person, score=4)
    vote = ConfidenceVote.objects.create(round=art_round, voter=person, score=3)
    PlanBaseline.objects.create(pi=world.pi, committed_at=now, committed_by=person, plan={"features": []})
    PIReopening.objects.create(
        pi=world.pi, reopened_by=person, reopened_at=now, reason="A score was mistyped."
    )
    api_token_create(user=person, name="CI pipeline")
    hook = Webhook.objects.create(
        train=world.train, url="https://hooks.example.com/artops", secret="s3cret", events=["feature.moved"]
    )
    WebhookDelivery.objects.create(
        webhook=hook, uuid=uuid.uuid4(), event="feature.moved", event_id=uuid.uuid4(), payload={"id": "x"}
    )
    on_feature = ContentType.objects.get_for_model(feature)
    comment = Comment.objects.create(
        train=world.train,
        target_type=on_feature,
        target_id=feature.pk,
        author=person,
        body="Looks good",
        created_at=now,
    )
    InboxItem.objects.create(
        user=person,
        train=world.train,
        kind="mention",
        event=f"comment:{comment.pk}",
        target_type=on_feature,
        target_id=feature.pk,
        text="You were mentioned",
        url="/",
        created_at=now,
    )
    TeamCapacity.objects.create(team=world.team, iteration=world.iterations[0], fte=5, days_off=2)
    risk = Risk.objects.create(
        train=world.train, pi=world.pi, team=world.team, title="Vendor late", created_at=now, from_vote=vote
    )
    risk.features.add(feature)
    risk.dependencies.add(dependency)
    RiskRoamChange.objects.create(
        risk=risk, from_status="unroamed", to_status="accepted", actor=person, changed_at=now
    )
    impediment = Impediment.objects.create(
        train=world.train,
        team=world.team,
        title="No test environment",
        status=Impediment.Status.ESCALATED,
        escalation_level=Impediment.Level.ART,
        raised_at=now,
    )
    impediment.blocked_features.add(feature)
    ImpedimentEscalation.objects.create(
        impediment=impediment, from_level="team", to_level="art", note="Needs ops", escalated_at=now
    )
    problem = Problem.objects.create(pi=world.pi, statement="Builds are slow", created_at=now)
    ProblemVote.objects.create(problem=problem, voter=person, cast_at=now)
    ImprovementItem.objects.create(
        train=world.train, source_pi=world.pi, source_problem=problem, title="Shorter builds", created_at=now
    )
    PIRecompute.objects.create(pi=world.pi)
    calendar_feed_create(train=world.train, actor=None)
    ImportRun.objects.create(train=world.train, pi=world.pi, source="jira", content=b"Issue key\r\n")
    # Release readiness (written by metrics/releases/services.py; the admin only shows it).
    from metrics.releases.services import (
        release_checklist_create,
        release_criterion_add,
        release_decision_record,
    )

    release = Milestone.objects.filter(pi=world.pi, kind="release").order_by("pk").first()
    checklist = release_checklist_create(milestone=release, actor=None)
    release_criterion_add(checklist=checklist, title="Sign-off", actor=None)
    release_decision_record(
        checklist=checklist, outcome="go", reason="Ready.", expected_version=2, actor=None
    )
    # Delivery events (written by planning/services/delivery.py; the admin only shows them).
    from planning.models import Defect, Deployment, Incident

    cause = Deployment.objects.create(train=world.train, team=world.team, service="checkout", deployed_at=now)
    Incident.objects.create(
        train=world.train, team=world.team, service="checkout", title="Down", started_at=now, deployment=cause
    )
    Defect.objects.create(train=world.train, team=world.team, feature=feature, title="Rounding", found_at=now)
    record(
        train_id=world.train.pk,
        kind=Kind.FEATURE,
        target=feature,
        actor=person,
        before={"title": "Pay"},
        after={"title": feature.title},
    )
    demo = SystemDemo.objects.create(
        iteration=world.iterations[0], held_on=PI_START + timedelta(days=13), created_at=now
    )
    DemoItem.objects.create(demo=demo, feature=feature, title=feature.title, created_at=now)
    DemoFollowUp.objects.create(demo=demo, title="Fix the CSV export", owner=person, created_at=now)
    sync = ArtSync.objects.create(train=world.train, pi=world.pi, held_on=PI_START + timedelta(days=9))
    ActionItem.objects.create(
        train=world.train,
        raised_in=sync,
        title="Book the room",
        owner=person,
        due_date=PI_START + timedelta(days=12),
        created_at=now,
    )
    Snapshot.objects.create(
        train=world.train,
        pi=world.pi,
        team=world.team,
        metric=Snapshot.Metric.PREDICTABILITY,
        day=PI_START,
        value=87.5,
        computed_at=now,
    )
    survey = Survey.objects.create(
        train=world.train,
        kind=Survey.Kind.PI_PLANNING,
        pi=world.pi,
        title="PI Planning",
        opened_at=now,
        closes_on=PI_START + timedelta(days=3),
    )
    question = SurveyQuestion.objects.create(survey=survey, position=1, text="Was it worth the time?")
    SurveyParticipation.objects.create(survey=survey, user=person)
    response = SurveyResponse.objects.create(survey=survey, comment="Good room")
    SurveyScore.objects.create(response=response, question=question, score=4)


def make_staff(username: str, *, rte_of: Train | None = None):
    user = User.objects.create_user(username, password="x", is_staff=True)
    if rte_of is not None:
        Membership.objects.create(user=user, train=rte_of, role=Role.RTE)
    return user


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def listed_pks(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def _form_data(form) -> dict:
    """What a browser would post back for an unchanged (bound or initial) form."""
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        widget = getattr(bound.field.widget, "widget", bound.field.widget)  # unwrap the "+" wrapper
        if isinstance(widget, MultiWidget):  # the admin's split date/time
            parts = widget.decompress(value) if not isinstance(value, list) else value
            for index, (part_widget, part) in enumerate(zip(widget.widgets, parts, strict=True)):
                data[f"{bound.html_name}_{index}"] = part_widget.format_value(part) or ""
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        else:
            data[bound.html_name] = value
    return data


def change_form_data(response) -> dict:
    """The change form and its inlines as rendered, ready to be edited and posted."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


@pytest.fixture
def demo():
    return make_train("demo", feature_count=3)


@pytest.fixture
def other():
    return make_train("other", feature_count=2)


@pytest.fixture
def rte(demo):
    return make_staff("rte", rte_of=demo.train)


# --- an RTE works on their own train ---------------------------------------------------------------


@pytest.mark.django_db
def test_rte_sees_the_features_of_their_train_and_no_other(client, rte, demo, other):
    client.force_login(rte)

    response = client.get(admin_url(Feature, "changelist"))

    assert response.status_code == 200
    assert listed_pks(response) == {feature.pk for feature in demo.features}
    assert other.features[0].title not in response.content.decode()


@pytest.mark.django_db
def test_rte_opens_and_saves_a_feature_of_their_train(client, rte, demo):
    feature = demo.features[0]
    client.force_login(rte)
    url = admin_url(Feature, "change", feature.pk)

    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    data["title"] = "Pay by card"
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    feature.refresh_from_db()
    assert feature.title == "Pay by card"
    assert feature.version == 2  # an admin fix is a write: open boards holding version 1 go stale


@pytest.mark.django_db
def test_rte_cannot_open_or_change_another_trains_feature(client, rte, other):
    foreign = other.features[0]
    client.force_login(rte)

    # No delete at all: no service deletes a feature (403 for every id, so nothing is disclosed).
    assert client.get(admin_url(Feature, "delete", foreign.pk)).status_code == 403
    for view in ("change", "history"):
        response = client.get(admin_url(Feature, view, foreign.pk))
        # "Not found" rather than "forbidden": the other train's existence is not disclosed.
        assert response.status_code == 302
        assert response.url == reverse("admin:index")
    client.post(admin_url(Feature, "change", foreign.pk), {"title": "Hijacked"})

    foreign.refresh_from_db()
    assert foreign.title == "other feature 0"


@pytest.mark.django_db
def test_rte_only_sees_their_own_train_in_trains_and_sidebar_filters(client, rte, demo, other):
    client.force_login(rte)

    trains = client.get(admin_url(Train, "changelist"))
    features = client.get(admin_url(Feature, "changelist"))

    assert listed_pks(trains) == {demo.train.pk}
    assert other.train.name not in features.content.decode()  # the "By train" filter included
    assert client.get(admin_url(Train, "change", other.train.pk)).status_code == 302


@pytest.mark.django_db
def test_form_choices_only_offer_the_rtes_trains(client, rte, demo, other):
    client.force_login(rte)

    page = client.get(admin_url(Feature, "add"))
    fields = page.context["adminform"].form.fields
    story_fields = client.get(admin_url(Story, "add")).context["adminform"].form.fields

    assert set(fields["train"].queryset) == {demo.train}
    assert set(fields["team"].queryset) == {demo.team, demo.other_team}
    assert set(fields["pi"].queryset) == {demo.pi}
    assert set(fields["iteration"].queryset) == set(demo.iterations)
    assert set(story_fields["team"].queryset) == {demo.team, demo.other_team}
    assert set(story_fields["iteration"].queryset) == set(demo.iterations)


@pytest.mark.django_db
def test_a_forged_choice_of_another_trains_team_is_refused(client, rte, demo, other):
    feature = demo.features[0]
    client.force_login(rte)
    url = admin_url(Feature, "change", feature.pk)
    data = change_form_data(client.get(url))
    data["team"] = other.team.pk

    response = client.post(url, data)

    assert response.status_code == 200
    assert "team" in response.context["adminform"].form.errors
    feature.refresh_from_db()
    assert feature.team == demo.team


@pytest.mark.django_db
def test_autocomplete_only_offers_rows_of_the_rtes_trains(client, rte, demo, other):
    client.force_login(rte)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "risks", "model_name": "risk", "field_name": "features", "term": "feature"},
    )

    assert response.status_code == 200
    assert {int(result["id"]) for result in response.json()["results"]} == {f.pk for f in demo.features}


@pytest.mark.django_db
def test_art_sync_actions_are_shown_not_edited_in_the_admin(client, rte, demo):
    # Actions are written on the ART Sync page through their service; the admin only shows them.
    sync = ArtSync.objects.create(train=demo.train, pi=demo.pi, held_on=PI_START + timedelta(days=2))
    client.force_login(rte)

    page = client.get(admin_url(ArtSync, "change", sync.pk))

    assert page.status_code == 200
    assert client.post(admin_url(ArtSync, "change", sync.pk), {"notes": "x"}).status_code == 403
    assert client.get(admin_url(ActionItem, "add")).status_code == 403


@pytest.mark.django_db
def test_rte_adds_a_team_member_whose_membership_takes_the_teams_train(client, rte, demo):
    newcomer = User.objects.create_user("newcomer")
    client.force_login(rte)
    url = admin_url(Team, "change", demo.team.pk)
    data = change_form_data(client.get(url))
    data.update(
        {
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-user": newcomer.pk,
            "memberships-0-role": "team_member",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.train, membership.team, membership.role) == (demo.train, demo.team, Role.TEAM_MEMBER)


@pytest.mark.django_db
def test_an_iteration_outside_its_pi_is_a_form_error_not_a_crash(client, rte, demo):
    iteration = demo.iterations[0]
    client.force_login(rte)

    response = client.post(
        admin_url(Iteration, "change", iteration.pk), {"start_date": "2027-01-04", "end_date": "2027-01-15"}
    )

    assert response.status_code == 200
    assert "must lie inside its PI" in response.content.decode()
    iteration.refresh_from_db()
    assert iteration.start_date == PI_START


@pytest.mark.django_db
def test_rte_can_neither_add_nor_delete_a_whole_train(client, rte, demo):
    client.force_login(rte)

    assert client.get(admin_url(Train, "add")).status_code == 403
    assert client.get(admin_url(Train, "delete", demo.train.pk)).status_code == 403
    assert client.get(admin_url(Train, "change", demo.train.pk)).status_code == 200


# Rows of no train: only superusers see them in the admin.
SUPERUSER_ONLY = ["trains.ApiToken"]


@pytest.mark.django_db
@pytest.mark.parametrize("label", SUPERUSER_ONLY)
def test_an_rte_does_not_see_rows_of_no_train(client, rte, demo, label):
    make_one_of_everything(demo, rte)
    client.force_login(rte)
    assert client.get(admin_url(apps.get_model(label), "changelist")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("label", [label for label in ADMIN_MODELS if label not in SUPERUSER_ONLY])
def test_rte_opens_every_list_and_change_page_of_their_train(client, rte, demo, other, label):
    make_one_of_everything(demo, rte)
    make_one_of_everything(other, make_staff("someone"))
    model = apps.get_model(label)
    client.force_login(rte)

    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    listed = response.context["cl"].result_list
    assert listed, f"{label}: the RTE's own rows are missing"
    assert len(listed) < model.objects.count(), f"{label}: another train's rows are listed"
    assert client.get(admin_url(model, "change", listed[0].pk)).status_code == 200


# --- everybody else -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_who_is_rte_of_no_train_sees_nothing(client, demo):
    viewer = make_staff("viewer")
    Membership.objects.create(user=viewer, train=demo.train, role=Role.VIEWER)
    # Not even a Django model permission opens a train's data: only the RTE role does.
    viewer.user_permissions.add(Permission.objects.get(codename="view_feature"))
    client.force_login(viewer)

    index = client.get(reverse("admin:index"))

    assert index.status_code == 200
    assert index.context["app_list"] == []
    for model in (Feature, Train, Team, Risk):
        assert client.get(admin_url(model, "changelist")).status_code == 403
    assert client.get(admin_url(Feature, "change", demo.features[0].pk)).status_code == 403


@pytest.mark.django_db
def test_superuser_sees_every_train(client, admin_user, demo, other):
    client.force_login(admin_user)

    response = client.get(admin_url(Feature, "changelist"))

    assert listed_pks(response) == {feature.pk for feature in demo.features + other.features}


def test_every_model_of_the_four_apps_has_an_admin():
    models = {m._meta.label for label in ARTOPS_APPS for m in apps.get_app_config(label).get_models()}

    assert models == set(ADMIN_MODELS)


@pytest.mark.django_db
@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_every_admin_page_renders_for_a_superuser(client, admin_user, demo, label):
    make_one_of_everything(demo, admin_user)
    model = apps.get_model(label)
    row = model.objects.first()
    assert row is not None, f"make_one_of_everything made no {label}"
    client.force_login(admin_user)

    assert client.get(admin_url(model, "changelist")).status_code == 200
    can_add = admin.site._registry[model].has_add_permission(SimpleNamespace(user=admin_user))
    assert client.get(admin_url(model, "add")).status_code == (200 if can_add else 403)
    assert client.get(admin_url(model, "change", row.pk)).status_code == 200
    model_admin = admin.site._registry[model]
    can_delete = model_admin.has_delete_permission(SimpleNamespace(user=admin_user))
    deleted = client.get(admin_url(model, "delete", row.pk))
    if can_delete and getattr(model_admin, "service_delete_check", None) is not None:
        # A team or train with work on it: the delete page says at once that it will be refused.
        assert (deleted.status_code, deleted.url) == (302, admin_url(model, "change", row.pk))
    else:
        assert deleted.status_code == (200 if can_delete else 403)


# --- cost -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_feature_list_costs_the_same_few_queries_for_one_feature_and_for_thirty(
    client, django_assert_max_num_queries
):
    small = make_train("small", feature_count=1)
    big = make_train("big", feature_count=30)
    client.force_login(make_staff("small-rte", rte_of=small.train))
    with CaptureQueriesContext(connection) as one_feature:
        client.get(admin_url(Feature, "changelist"))
    client.force_login(make_staff("big-rte", rte_of=big.train))

    with django_assert_max_num_queries(12):
        response = client.get(admin_url(Feature, "changelist"))

    assert len(listed_pks(response)) == 30
    with CaptureQueriesContext(connection) as thirty_features:
        client.get(admin_url(Feature, "changelist"))
    assert len(thirty_features) == len(one_feature)


# --- writes go through the services -------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_save_of_a_feature_tells_open_boards_and_marks_the_figures_stale(client, rte, demo):
    feature = demo.features[0]
    before = ProgramIncrement.objects.get(pk=demo.pi.pk).board_version
    client.force_login(rte)
    url = admin_url(Feature, "change", feature.pk)
    data = change_form_data(client.get(url))
    data.update(title="Pay by card", state=Feature.State.VALIDATING)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ProgramIncrement.objects.get(pk=demo.pi.pk).board_version > before
    assert PIRecompute.objects.get(pi=demo.pi).is_stale
    feature.refresh_from_db()
    assert (feature.title, feature.state) == ("Pay by card", Feature.State.VALIDATING)
    # The state went through its service: the flow history has the change, by the RTE.
    change = FeatureStateChange.objects.get(feature=feature)
    assert (change.to_state, change.actor) == (Feature.State.VALIDATING, rte)


@pytest.mark.django_db
def test_the_rte_cannot_set_business_value_in_the_admin(client, rte, demo):
    # SAFe gives business value to the Business Owners alone; the admin asks the same service.
    objective = PIObjective.objects.create(pi=demo.pi, team=demo.team, text="Pay by card", position=0)
    client.force_login(rte)
    url = admin_url(PIObjective, "change", objective.pk)
    data = change_form_data(client.get(url))
    data.update(text="Pay by card or phone", actual_business_value=9)

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Only Business Owners set business value." in response.content.decode()
    objective.refresh_from_db()
    # The whole save is refused, the text edit that came with it included.
    assert (objective.text, objective.actual_business_value, objective.version) == ("Pay by card", None, 1)


@pytest.mark.django_db
def test_an_admin_save_over_someone_elses_change_is_refused(client, rte, demo):
    feature = demo.features[0]
    client.force_login(rte)
    url = admin_url(Feature, "change", feature.pk)
    data = change_form_data(client.get(url))
    Feature.objects.filter(pk=feature.pk).update(title="Renamed on the board", version=2)
    data["title"] = "Renamed in the admin"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Someone else changed this while you were editing" in response.content.decode()
    feature.refresh_from_db()
    assert (feature.title, feature.version) == ("Renamed on the board", 2)


@pytest.mark.django_db
def test_an_admin_save_without_its_version_is_refused(client, rte, demo):
    feature = demo.features[0]
    client.force_login(rte)
    url = admin_url(Feature, "change", feature.pk)
    data = change_form_data(client.get(url))
    del data["version"]
    data["title"] = "Renamed in the admin"

    response = client.post(url, data)

    assert response.status_code == 200
    assert MISSING_VERSION in response.content.decode()
    feature.refresh_from_db()
    assert (feature.title, feature.version) == ("demo feature 0", 1)


@pytest.mark.django_db
def test_an_rte_adds_a_dependency_in_the_admin_and_open_boards_are_told(client, rte, demo):
    before = ProgramIncrement.objects.get(pk=demo.pi.pk).board_version
    client.force_login(rte)
    data = change_form_data(client.get(admin_url(Dependency, "add")))
    data.update(
        pi=demo.pi.pk,
        requesting_team=demo.team.pk,
        providing_team=demo.team.pk,
        description="An endpoint",
    )

    refused = client.post(admin_url(Dependency, "add"), data)

    assert refused.status_code == 200
    assert "A team cannot depend on itself" in refused.content.decode()
    assert not Dependency.objects.exists()
    data["providing_team"] = demo.other_team.pk
    response = client.post(admin_url(Dependency, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Dependency.objects.get().providing_team == demo.other_team
    assert ProgramIncrement.objects.get(pk=demo.pi.pk).board_version > before
