"""A closed PI is a record (issue 11): every write into it is refused, on the server, whoever asks;
only the RTE reopens it, with a reason that is kept."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from planning.factories import (
    ConfidenceVoteFactory,
    DependencyFactory,
    FeatureFactory,
    MilestoneFactory,
    PIObjectiveFactory,
    ProgramIncrementFactory,
    StoryFactory,
    TeamCapacityFactory,
    VoteRoundFactory,
)
from planning.models import (
    ConfidenceVote,
    Dependency,
    Feature,
    FeatureBlockedPeriod,
    FeatureStateChange,
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
from planning.services import backlog, baseline, board, capacity, lifecycle, objectives, stories, votes
from trains.errors import Conflict, NotAllowed

pytestmark = pytest.mark.django_db

State = ProgramIncrement.State
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Record:
    """A closed PI with one of everything a write could touch."""

    pi: ProgramIncrement
    iteration: Iteration
    feature: Feature
    dependency: Dependency
    milestone: Milestone
    objective: PIObjective
    capacity: TeamCapacity
    story: Story
    vote_round: VoteRound
    vote: ConfidenceVote


@pytest.fixture
def record(train, pi, team, other_team, rte, business_owner) -> Record:
    iterations = list(pi.iterations.order_by("number"))
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], job_size=5)
    provider = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[1])
    objective = PIObjectiveFactory(pi=pi, team=team, planned_business_value=8, actual_business_value=7)
    objective.features.set([feature])
    # A round left open when the PI closed: its result stays as it was.
    vote_round = VoteRoundFactory(pi=pi, team=None)
    record = Record(
        pi=pi,
        iteration=iterations[0],
        feature=feature,
        dependency=DependencyFactory(
            pi=pi,
            requesting_team=team,
            providing_team=other_team,
            requesting_feature=feature,
            providing_feature=provider,
            needed_by_iteration=iterations[1],
        ),
        milestone=MilestoneFactory(pi=pi, date=pi.start_date),
        objective=objective,
        capacity=TeamCapacityFactory(team=team, iteration=iterations[0]),
        story=StoryFactory(team=team, feature=feature, iteration=iterations[0], points=3),
        vote_round=vote_round,
        vote=ConfidenceVoteFactory(round=vote_round, voter=business_owner, score=2, concern="Too much"),
    )
    pi.business_owners.set([business_owner])
    PlanBaseline.objects.create(pi=pi, committed_at=pi.committed_at or dt.datetime.now(dt.UTC), plan={})
    pi.state = State.CLOSED
    pi.save(update_fields=["state"])
    return record


def everything() -> dict:
    """Every row of planning (and the PI's many-to-many links), to prove a refused write changed nothing."""
    models = [
        ProgramIncrement,
        Iteration,
        Feature,
        FeatureStateChange,
        FeatureBlockedPeriod,
        Story,
        Milestone,
        Dependency,
        PIObjective,
        VoteRound,
        ConfidenceVote,
        PlanBaseline,
        TeamCapacity,
        PIReopening,
    ]
    rows = {
        model.__name__: sorted(map(repr, (model_to_dict(obj) for obj in model.objects.all())))
        for model in models
    }
    rows["objective features"] = sorted(
        PIObjective.features.through.objects.values_list("piobjective_id", "feature_id")
    )
    rows["business owners"] = sorted(
        ProgramIncrement.business_owners.through.objects.values_list("pk", "user_id")
    )
    return rows


def url(name, train, *args):
    return reverse(f"planning:{name}", args=[train.slug, *args])


# Every POST view of planning/urls.py that writes into a PI, with a body that is valid in itself:
# (url name, the record's ids for the URL, the form's data, who asks). `pi_new` (a new PI) and
# `pi_reopen` (the one change a closed PI accepts) are not writes into a closed PI.
WRITES = [
    (
        "feature_new",
        lambda r: [],
        lambda r: {"pi": r.pi.pk, "title": "New", "kind": "feature", "state": "funnel"},
        "rte",
    ),
    (
        "feature_edit",
        lambda r: [r.feature.pk],
        lambda r: {"title": "Renamed", "kind": "feature", "state": "done", "version": r.feature.version},
        "rte",
    ),
    (
        "feature_move",
        lambda r: [r.feature.pk],
        lambda r: {"team": "", "iteration": "", "version": r.feature.version},
        "rte",
    ),
    (
        "dependency_new",
        lambda r: [],
        lambda r: {
            "pi": r.pi.pk,
            "requesting_team": r.dependency.requesting_team_id,
            "providing_team": r.dependency.providing_team_id,
            "description": "More",
            "kind": "feature",
            "state": "requested",
        },
        "rte",
    ),
    (
        "dependency_edit",
        lambda r: [r.dependency.pk],
        lambda r: {
            "requesting_team": r.dependency.requesting_team_id,
            "providing_team": r.dependency.providing_team_id,
            "description": "Changed",
            "kind": "feature",
            "state": "delivered",
            "version": r.dependency.version,
        },
        "rte",
    ),
    (
        "milestone_new",
        lambda r: [],
        lambda r: {"pi": r.pi.pk, "name": "Audit", "date": r.pi.start_date, "kind": "release"},
        "rte",
    ),
    (
        "milestone_edit",
        lambda r: [r.milestone.pk],
        lambda r: {"name": "Moved", "date": r.pi.end_date, "kind": "release", "version": r.milestone.version},
        "rte",
    ),
    ("pi_transition", lambda r: [], lambda r: {"pi": r.pi.pk, "to_state": "executing"}, "rte"),
    (
        "pi_dates",
        lambda r: [],
        lambda r: {
            "pi": r.pi.pk,
            "start_date": r.pi.start_date - dt.timedelta(days=1),
            "end_date": r.pi.end_date,
        },
        "rte",
    ),
    (
        "iteration_edit",
        lambda r: [r.iteration.pk],
        lambda r: {
            "start_date": r.iteration.start_date,
            "end_date": r.iteration.end_date - dt.timedelta(days=1),
        },
        "rte",
    ),
    ("pi_business_owners", lambda r: [], lambda r: {"pi": r.pi.pk, "business_owners": []}, "rte"),
    ("plan_commit", lambda r: [], lambda r: {"pi": r.pi.pk}, "rte"),
    (
        "backlog_wsjf",
        lambda r: [r.feature.pk],
        lambda r: {"pi": r.pi.pk, "job_size": 8, "version": r.feature.version},
        "rte",
    ),
    (
        "backlog_pull",
        lambda r: [r.feature.pk],
        lambda r: {"pi": r.pi.pk, "action": "remove", "version": r.feature.version},
        "rte",
    ),
    ("vote_round_open", lambda r: [], lambda r: {"pi": r.pi.pk, "team": r.objective.team_id}, "rte"),
    ("vote_round_close", lambda r: [r.vote_round.pk], lambda r: {"pi": r.pi.pk}, "rte"),
    ("vote_cast", lambda r: [r.vote_round.pk], lambda r: {"pi": r.pi.pk, "score": 5}, "business_owner"),
    ("vote_concern", lambda r: [r.vote_round.pk], lambda r: {"pi": r.pi.pk, "concern": ""}, "business_owner"),
    (
        "objective_new",
        lambda r: [],
        lambda r: {"pi": r.pi.pk, "team": r.objective.team_id, "text": "Another", "is_committed": "1"},
        "rte",
    ),
    (
        "objective_edit",
        lambda r: [r.objective.pk],
        lambda r: {"text": "Rewritten", "is_committed": "1", "version": r.objective.version},
        "rte",
    ),
    ("objective_delete", lambda r: [r.objective.pk], lambda r: {"version": r.objective.version}, "rte"),
    (
        "objective_move",
        lambda r: [r.objective.pk],
        lambda r: {"direction": "down", "version": r.objective.version},
        "rte",
    ),
    # The click that changed a recorded predictability from 95.5 % to 123.5 % (issue 11).
    ("objective_commitment", lambda r: [r.objective.pk], lambda r: {"version": r.objective.version}, "rte"),
    (
        "objective_planned_value",
        lambda r: [r.objective.pk],
        lambda r: {"value": 3, "version": r.objective.version},
        "business_owner",
    ),
    (
        "objective_actual_value",
        lambda r: [r.objective.pk],
        lambda r: {"value": 10, "version": r.objective.version},
        "business_owner",
    ),
    (
        "capacity_cell",
        lambda r: [r.capacity.team_id, r.capacity.iteration_id],
        lambda r: {
            "pi": r.pi.pk,
            "fte": "3",
            "days_off": 0,
            "capacity_override": "",
            "version": r.capacity.version,
        },
        "rte",
    ),
    (
        "story_new",
        lambda r: [r.story.team_id],
        lambda r: {"pi": r.pi.pk, "title": "One more", "points": 2, "iteration": r.iteration.pk},
        "rte",
    ),
    (
        "story_edit",
        lambda r: [r.story.team_id, r.story.pk],
        lambda r: {"pi": r.pi.pk, "title": "Re-estimated", "points": 13, "version": r.story.version},
        "rte",
    ),
    (
        "story_delete",
        lambda r: [r.story.team_id, r.story.pk],
        lambda r: {"pi": r.pi.pk, "version": r.story.version},
        "rte",
    ),
]


def test_every_post_view_of_planning_is_in_the_list():
    """A new write URL must join WRITES (or say here why a closed PI does not concern it)."""
    from planning import urls

    listed = {name for name, *_ in WRITES}
    reads = {
        "board",
        "board_changes",
        "board_dependencies",
        "planning",
        "plan_vs_now",
        "backlog",
        "votes",
        "vote_live",
        "objectives",
        "business_owners",
        "capacity",
        "team_plan",
    }
    exports = {p.name for p in urls.urlpatterns if p.name.endswith("_export")}  # reads too
    # An import into a closed PI is refused by its validator, tested with its malformed files
    # (tests/planning/test_import_malformed.py: test_a_closed_pi_takes_no_import).
    imports = {p.name for p in urls.urlpatterns if p.name.startswith("import")}
    not_into_a_pi = {"pi_new", "pi_reopen"}
    # Delivery events are the train's facts, recorded whatever the state of the PI their time falls
    # in (planning/services/delivery.py says why): the Delivery page and its forms.
    delivery = {p.name for p in urls.urlpatterns if str(p.pattern).startswith("delivery/")}
    assert {p.name for p in urls.urlpatterns} - reads - exports - imports - not_into_a_pi - delivery == listed


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("name", "args", "data", "persona"), WRITES)
def test_every_write_on_a_closed_pi_is_refused_and_changes_nothing(
    request, client, train, record, name, args, data, persona, htmx
):
    client.force_login(request.getfixturevalue(persona))
    before = everything()

    response = client.post(url(name, train, *args(record)), data(record), **(HTMX if htmx else {}))

    assert response.status_code == 409, response.content.decode()[:500]
    assert "PI 7 is closed" in response.content.decode()
    assert everything() == before


# --- the services, each on its own ------------------------------------------------------------------


SERVICE_CALLS = {
    "feature_create": lambda r, a: board.feature_create(train=r.pi.train, pi=r.pi, title="x", actor=a),
    "feature_update": lambda r, a: board.feature_update(
        feature=r.feature, expected_version=r.feature.version, actor=a, title="y"
    ),
    "feature_set_state": lambda r, a: board.feature_set_state(feature=r.feature, state="done", actor=a),
    "feature_set_blocked": lambda r, a: board.feature_set_blocked(feature=r.feature, blocked=True, actor=a),
    "dependency_create": lambda r, a: board.dependency_create(
        pi=r.pi,
        actor=a,
        requesting_team=r.dependency.requesting_team,
        providing_team=r.dependency.providing_team,
        description="z",
    ),
    "dependency_update": lambda r, a: board.dependency_update(
        dependency=r.dependency, expected_version=r.dependency.version, actor=a, state="delivered"
    ),
    "milestone_create": lambda r, a: board.milestone_create(pi=r.pi, name="m", date=r.pi.start_date, actor=a),
    "milestone_update": lambda r, a: board.milestone_update(
        milestone=r.milestone, expected_version=r.milestone.version, actor=a, name="n"
    ),
    "feature_set_wsjf": lambda r, a: backlog.feature_set_wsjf(
        feature=r.feature, expected_version=r.feature.version, actor=a, job_size=8
    ),
    "feature_pull": lambda r, a: backlog.feature_pull(
        feature=r.feature, pi=None, team=None, expected_version=r.feature.version, actor=a
    ),
    "objective_create": lambda r, a: objectives.objective_create(
        pi=r.pi, team=r.objective.team, text="t", actor=a
    ),
    "objective_update": lambda r, a: objectives.objective_update(
        objective=r.objective, expected_version=r.objective.version, actor=a, is_committed=False
    ),
    "objective_delete": lambda r, a: objectives.objective_delete(
        objective=r.objective, expected_version=r.objective.version, actor=a
    ),
    "objective_move": lambda r, a: objectives.objective_move(
        objective=r.objective, offset=1, expected_version=r.objective.version, actor=a
    ),
    "objective_set_planned_value": lambda r, a: objectives.objective_set_planned_value(
        objective=r.objective, value=2, expected_version=r.objective.version, actor=a
    ),
    "objective_score_actual": lambda r, a: objectives.objective_score_actual(
        objective=r.objective, value=10, expected_version=r.objective.version, actor=a
    ),
    "capacity_set": lambda r, a: capacity.capacity_set(
        team=r.capacity.team,
        iteration=r.capacity.iteration,
        fte=1,
        days_off=0,
        capacity_override=None,
        expected_version=r.capacity.version,
        actor=a,
    ),
    "story_create": lambda r, a: stories.story_create(
        team=r.story.team, title="s", points=1, iteration=r.iteration, actor=a
    ),
    "story_update": lambda r, a: stories.story_update(
        story=r.story, expected_version=r.story.version, actor=a, points=8
    ),
    "story_delete": lambda r, a: stories.story_delete(
        story=r.story, expected_version=r.story.version, actor=a
    ),
    "vote_round_open": lambda r, a: votes.vote_round_open(pi=r.pi, team=None, actor=a),
    "vote_round_close": lambda r, a: votes.vote_round_close(vote_round=r.vote_round, actor=a),
    "vote_cast": lambda r, a: votes.vote_cast(vote_round=r.vote_round, voter=r.vote.voter, score=5),
    "vote_set_concern": lambda r, a: votes.vote_set_concern(vote=r.vote, concern="", actor=None),
    "plan_commit": lambda r, a: baseline.plan_commit(pi=r.pi, actor=a),
    "iteration_update": lambda r, a: lifecycle.iteration_update(
        iteration=r.iteration, start_date=r.iteration.start_date, end_date=r.iteration.end_date, actor=a
    ),
    "pi_update_dates": lambda r, a: lifecycle.pi_update_dates(
        pi=r.pi, start_date=r.pi.start_date, end_date=r.pi.end_date, actor=a
    ),
    "pi_set_business_owners": lambda r, a: lifecycle.pi_set_business_owners(pi=r.pi, users=[], actor=a),
    "pi_transition": lambda r, a: lifecycle.pi_transition(pi=r.pi, to_state=State.EXECUTING, actor=a),
}


@pytest.mark.parametrize("service", sorted(SERVICE_CALLS))
def test_every_planning_service_refuses_a_closed_pi(record, service):
    """As a trusted caller (actor None: the demo, a command, a task), so no permission hides the rule."""
    before = everything()

    with pytest.raises(Conflict, match="PI 7 is closed: its record is read-only"):
        SERVICE_CALLS[service](record, None)

    assert everything() == before


def test_a_story_cannot_leave_a_closed_pi_for_an_open_one(train, record, team):
    """Moving a story out of a closed PI rewrites that PI's load as surely as editing it there."""
    open_pi = ProgramIncrementFactory(train=train, name="PI 8", start_date=dt.date(2026, 6, 1))
    loose = StoryFactory(team=team, points=2)

    with pytest.raises(Conflict):
        stories.story_update(
            story=record.story,
            expected_version=record.story.version,
            actor=None,
            iteration=None,
            feature=None,
        )
    with pytest.raises(Conflict):
        stories.story_update(
            story=loose, expected_version=loose.version, actor=None, iteration=record.iteration
        )
    moved = stories.story_update(
        story=loose, expected_version=loose.version, actor=None, iteration=open_pi.iterations.first()
    )
    assert moved.iteration.pi == open_pi


def test_business_value_is_scored_before_closing_and_kept_after(record, business_owner):
    record.pi.state = State.EXECUTING
    record.pi.save(update_fields=["state"])
    scored = objectives.objective_score_actual(
        objective=record.objective, value=9, expected_version=record.objective.version, actor=business_owner
    )

    record.pi.state = State.CLOSED
    record.pi.save(update_fields=["state"])
    with pytest.raises(Conflict):
        objectives.objective_score_actual(
            objective=scored, value=10, expected_version=scored.version, actor=business_owner
        )
    assert PIObjective.objects.get(pk=record.objective.pk).actual_business_value == 9


# --- reopening ---------------------------------------------------------------------------------------


def test_the_rte_reopens_a_closed_pi_with_a_reason_that_is_kept(record, rte):
    reopening = lifecycle.pi_reopen(pi=record.pi, reason="  Apollo's actual value was mistyped.  ", actor=rte)

    assert ProgramIncrement.objects.get(pk=record.pi.pk).state == State.EXECUTING
    assert record.pi.state == State.EXECUTING
    assert (reopening.pi, reopening.reopened_by, reopening.reason) == (
        record.pi,
        rte,
        "Apollo's actual value was mistyped.",
    )
    # Open again: the record can be corrected, then closed again.
    objectives.objective_score_actual(
        objective=record.objective, value=6, expected_version=record.objective.version, actor=None
    )


@pytest.mark.parametrize(
    "persona", ["product_manager", "scrum_master", "business_owner", "viewer", "outsider"]
)
def test_only_the_rte_reopens(request, record, persona):
    with pytest.raises(NotAllowed, match="Only the Release Train Engineer reopens"):
        lifecycle.pi_reopen(pi=record.pi, reason="Because", actor=request.getfixturevalue(persona))

    assert ProgramIncrement.objects.get(pk=record.pi.pk).state == State.CLOSED
    assert not PIReopening.objects.exists()


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_reopening_needs_a_reason(record, rte, reason):
    with pytest.raises(ValidationError) as refused:
        lifecycle.pi_reopen(pi=record.pi, reason=reason, actor=rte)

    assert refused.value.message_dict == {"reason": [lifecycle.REASON_REQUIRED]}
    assert ProgramIncrement.objects.get(pk=record.pi.pk).state == State.CLOSED


def test_reopening_is_refused_while_another_pi_of_the_train_executes(train, record, rte):
    ProgramIncrementFactory(train=train, name="PI 8", start_date=dt.date(2026, 6, 1), state=State.EXECUTING)

    with pytest.raises(ValidationError, match="PI 8 is executing: a train executes one PI at a time"):
        lifecycle.pi_reopen(pi=record.pi, reason="A typo", actor=rte)

    assert ProgramIncrement.objects.get(pk=record.pi.pk).state == State.CLOSED
    assert not PIReopening.objects.exists()


def test_only_a_closed_pi_is_reopened(pi, rte):
    with pytest.raises(ValidationError, match="not closed"):
        lifecycle.pi_reopen(pi=pi, reason="Why not", actor=rte)


def test_the_pi_page_reopens_and_lists_the_reasons(client, train, record, rte, viewer):
    client.force_login(viewer)
    assert "Reopen PI 7" not in client.get(url("planning", train), {"pi": record.pi.pk}).content.decode()
    assert client.post(url("pi_reopen", train), {"pi": record.pi.pk, "reason": "x"}).status_code == 403

    client.force_login(rte)
    hub = client.get(url("planning", train), {"pi": record.pi.pk}).content.decode()
    assert "Closed — read-only record" in hub and "Reopen PI 7" in hub
    refused = client.post(url("pi_reopen", train), {"pi": record.pi.pk, "reason": " "})
    assert refused.status_code == 422
    assert lifecycle.REASON_REQUIRED in refused.content.decode()

    done = client.post(
        url("pi_reopen", train), {"pi": record.pi.pk, "reason": "Apollo's score was mistyped."}
    )

    assert done.status_code == 302
    hub = client.get(done["Location"]).content.decode()
    assert "Reopenings" in hub and "Apollo&#x27;s score was mistyped." in hub
    assert "Closed — read-only record" not in hub


# --- the pages say so, and offer nothing to change -----------------------------------------------------


def test_a_closed_pis_board_has_no_draggable_card_and_no_edit_control(client, train, record, rte):
    client.force_login(rte)

    html = client.get(url("board", train), {"pi": record.pi.pk}).content.decode()

    assert "Closed — read-only record" in html
    assert f'id="f-{record.feature.pk}"' in html
    for control in ('draggable="true"', 'class="mv"', "+ Feature", "+ Dependency", "+ Milestone"):
        assert control not in html


def test_a_closed_pis_feature_dialog_is_for_reading_only(client, train, record, rte):
    client.force_login(rte)

    html = client.get(url("feature_edit", train, record.feature.pk), **HTMX).content.decode()

    assert "read-only" in html and "disabled" in html
    assert ">Save<" not in html


@pytest.mark.parametrize(
    ("name", "args", "controls"),
    [
        ("objectives", [], ["Make uncommitted", "Add objective", "obj-btn danger", "bv-scale"]),
        ("capacity", [], ["capacity_cell", "pl-btn"]),
        ("team_plan", ["team"], ["Add story", "Delete story"]),
        ("votes", [], ["Close vote", "fist-form"]),
        ("backlog", [], ["Remove from PI", "/wsjf/", "/pull/"]),
        ("planning", [], ["Save PI dates", "Save Business Owners", "Save It", "Commit the plan"]),
    ],
)
def test_a_closed_pis_pages_offer_no_change(client, train, record, rte, business_owner, name, args, controls):
    ids = [record.story.team_id if arg == "team" else arg for arg in args]
    for persona in (rte, business_owner):
        client.force_login(persona)

        html = client.get(url(name, train, *ids), {"pi": record.pi.pk}).content.decode()

        assert "Closed — read-only record" in html
        for control in controls:
            assert control not in html, control
