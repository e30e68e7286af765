"""Who may call the running-PI-Planning half of planning's API (planning/api/planning_urls.py).

Reads: everyone with a role on the train. Stories, capacity and objectives: whoever plans the team
(RTE and Product Management any team, a team's SM/PO their own: services.capacity.require_team_planner).
Business value: Business Owners only (permissions.can_set_business_value), planned while planning,
actual while executing. WSJF: RTE and PM (can_rank_backlog); a pull onto team a: its planners too
(can_pull_feature). Votes: the RTE opens and closes rounds and commits the plan (can_manage_pi);
everyone but viewers votes on the ART's plan, team a's members and the train-level roles on team
a's (can_vote_in). The world's team a is Apollo (sm, po, member), team b Gemini (sm_other).
"""

from datetime import date

from django.urls import reverse

from planning.factories import (
    ConfidenceVoteFactory,
    FeatureFactory,
    PIObjectiveFactory,
    StoryFactory,
    TeamCapacityFactory,
)
from planning.factories import ProgramIncrementFactory as PIFactory
from planning.models import ProgramIncrement
from planning.services.baseline import plan_commit
from planning.services.votes import vote_round_open
from tests.planning.conftest import teams_have_voted

from ..table import READERS, Row

PLAN_TEAM_A = frozenset({"rte", "pm", "sm", "po"})
RTE = frozenset({"rte"})
BUSINESS_OWNERS = frozenset({"bo"})
ART_VOTERS = READERS - {"viewer"}
TEAM_A_VOTERS = frozenset({"rte", "pm", "bo", "architect", "sm", "po", "member"})


def url(name: str, *args) -> str:
    return reverse(f"planning-api:{name}", args=["orbit", *args])


def first_iteration(w):
    return w.pi.iterations.order_by("number").first()


def story(w):
    w.extra["story"] = StoryFactory(team=w.team_a, iteration=first_iteration(w), points=3)


def capacity_entered(w):
    TeamCapacityFactory(team=w.team_a, iteration=first_iteration(w), fte=6)


def objectives(w):
    w.extra["objective"] = PIObjectiveFactory(pi=w.pi, team=w.team_a, planned_business_value=None)
    PIObjectiveFactory(pi=w.pi, team=w.team_a, position=1)


def executing_objective(w):
    """An objective in an executing PI (before PI 7): actual value is scored then."""
    pi = PIFactory(
        train=w.train, name="PI 6", start_date=date(2025, 9, 1), state=ProgramIncrement.State.EXECUTING
    )
    w.extra["objective"] = PIObjectiveFactory(pi=pi, team=w.team_a)


def feature_in_pi(w):
    w.extra["feature"] = FeatureFactory(train=w.train, pi=w.pi, team=w.team_a)


def feature_unassigned(w):
    w.extra["feature"] = FeatureFactory(train=w.train)


def art_round(w):
    teams_have_voted(w.pi, None)  # the ART votes after the teams (planning.selectors.votes)
    w.extra["round"] = vote_round_open(pi=w.pi, team=None, actor=None)


def team_a_round(w):
    w.extra["round"] = vote_round_open(pi=w.pi, team=w.team_a, actor=None)


def art_round_with_votes(w):
    art_round(w)
    for name in ART_VOTERS:
        ConfidenceVoteFactory(round=w.extra["round"], voter=w.users[name], score=2)


def committed(w):
    plan_commit(pi=w.pi, actor=None)


def version(key: str):
    return lambda w: w.extra[key].version


def cell(w):
    return url("capacity-cell", w.pi.pk, w.team_a.pk, first_iteration(w).pk)


ROWS = [
    # stories
    Row(
        "GET",
        "planning-api:story-list",
        lambda w: url("story-list") + "?team=" + str(w.team_a.pk),
        READERS,
        story,
    ),
    Row(
        "POST",
        "planning-api:story-list",
        lambda w: url("story-list"),
        PLAN_TEAM_A,
        body=lambda w: {
            "team": w.team_a.pk,
            "title": "Pay by card",
            "points": 5,
            "iteration": first_iteration(w).pk,
        },
    ),
    Row(
        "GET", "planning-api:story-detail", lambda w: url("story-detail", w.extra["story"].pk), READERS, story
    ),
    Row(
        "PATCH",
        "planning-api:story-detail",
        lambda w: url("story-detail", w.extra["story"].pk),
        PLAN_TEAM_A,
        story,
        body=lambda w: {"points": 8},
        if_match=version("story"),
    ),
    Row(
        "DELETE",
        "planning-api:story-detail",
        lambda w: url("story-detail", w.extra["story"].pk),
        PLAN_TEAM_A,
        story,
        if_match=version("story"),
    ),
    # capacity
    Row(
        "GET",
        "planning-api:capacity-grid",
        lambda w: url("capacity-grid", w.pi.pk),
        READERS,
        capacity_entered,
    ),
    Row("GET", "planning-api:capacity-cell", cell, READERS, capacity_entered),
    Row(
        "PUT",
        "planning-api:capacity-cell",
        cell,
        PLAN_TEAM_A,
        body=lambda w: {"fte": "6"},
        note="first entry",
    ),
    Row(
        "PUT",
        "planning-api:capacity-cell",
        cell,
        PLAN_TEAM_A,
        capacity_entered,
        body=lambda w: {"fte": "5.5", "days_off": 2},
        if_match=lambda w: 1,
        note="entered",
    ),
    # objectives
    Row("GET", "planning-api:objective-list", lambda w: url("objective-list", w.pi.pk), READERS, objectives),
    Row(
        "POST",
        "planning-api:objective-list",
        lambda w: url("objective-list", w.pi.pk),
        PLAN_TEAM_A,
        body=lambda w: {"team": w.team_a.pk, "text": "Customers pay by card"},
    ),
    Row(
        "GET",
        "planning-api:objective-detail",
        lambda w: url("objective-detail", w.extra["objective"].pk),
        READERS,
        objectives,
    ),
    Row(
        "PATCH",
        "planning-api:objective-detail",
        lambda w: url("objective-detail", w.extra["objective"].pk),
        PLAN_TEAM_A,
        objectives,
        body=lambda w: {"text": "Customers pay by card or wallet"},
        if_match=version("objective"),
    ),
    Row(
        "DELETE",
        "planning-api:objective-detail",
        lambda w: url("objective-detail", w.extra["objective"].pk),
        PLAN_TEAM_A,
        objectives,
        if_match=version("objective"),
    ),
    Row(
        "POST",
        "planning-api:objective-move",
        lambda w: url("objective-move", w.extra["objective"].pk),
        PLAN_TEAM_A,
        objectives,
        body=lambda w: {"direction": "down"},
        if_match=version("objective"),
    ),
    *[
        Row(
            "POST",
            f"planning-api:objective-{action}",
            lambda w, action=action: url(f"objective-{action}", w.extra["objective"].pk),
            PLAN_TEAM_A,
            objectives,
            if_match=version("objective"),
        )
        for action in ("commit", "uncommit")
    ],
    Row(
        "POST",
        "planning-api:objective-planned-value",
        lambda w: url("objective-planned-value", w.extra["objective"].pk),
        BUSINESS_OWNERS,
        objectives,
        body=lambda w: {"value": 8},
        if_match=version("objective"),
    ),
    Row(
        "POST",
        "planning-api:objective-actual-value",
        lambda w: url("objective-actual-value", w.extra["objective"].pk),
        BUSINESS_OWNERS,
        executing_objective,
        body=lambda w: {"value": 7},
        if_match=version("objective"),
    ),
    Row("GET", "planning-api:predictability", lambda w: url("predictability", w.pi.pk), READERS, objectives),
    # backlog
    Row("GET", "planning-api:backlog", lambda w: url("backlog", w.pi.pk), READERS, feature_in_pi),
    Row(
        "PATCH",
        "planning-api:feature-wsjf",
        lambda w: url("feature-wsjf", w.extra["feature"].pk),
        frozenset({"rte", "pm"}),
        feature_in_pi,
        body=lambda w: {"job_size": 8},
        if_match=version("feature"),
    ),
    Row(
        "POST",
        "planning-api:feature-pull",
        lambda w: url("feature-pull", w.extra["feature"].pk),
        PLAN_TEAM_A,
        feature_unassigned,
        body=lambda w: {"pi": w.pi.pk, "team": w.team_a.pk},
        if_match=version("feature"),
    ),
    # confidence votes
    Row(
        "GET",
        "planning-api:vote-round-list",
        lambda w: url("vote-round-list", w.pi.pk),
        READERS,
        art_round_with_votes,
    ),
    Row(
        "POST",
        "planning-api:vote-round-list",
        lambda w: url("vote-round-list", w.pi.pk),
        RTE,
        lambda w: teams_have_voted(w.pi, None),  # the ART's round opens after the teams'
        body=lambda w: {"team": None},
    ),
    Row(
        "GET",
        "planning-api:vote-round-detail",
        lambda w: url("vote-round-detail", w.extra["round"].pk),
        READERS,
        art_round_with_votes,
    ),
    Row(
        "POST",
        "planning-api:vote-round-close",
        lambda w: url("vote-round-close", w.extra["round"].pk),
        RTE,
        art_round,
    ),
    Row(
        "PUT",
        "planning-api:my-vote",
        lambda w: url("my-vote", w.extra["round"].pk),
        ART_VOTERS,
        art_round,
        body=lambda w: {"score": 4},
        note="ART round",
    ),
    Row(
        "PUT",
        "planning-api:my-vote",
        lambda w: url("my-vote", w.extra["round"].pk),
        TEAM_A_VOTERS,
        team_a_round,
        body=lambda w: {"score": 2, "concern": "The sandbox is late."},
        note="team round",
    ),
    Row(
        "PATCH",
        "planning-api:my-vote",
        lambda w: url("my-vote", w.extra["round"].pk),
        ART_VOTERS,
        art_round_with_votes,
        body=lambda w: {"concern": "Two people on leave in I2."},
    ),
    # committing the plan
    Row("POST", "planning-api:plan-commit", lambda w: url("plan-commit", w.pi.pk), RTE),
    Row("GET", "planning-api:baseline", lambda w: url("baseline", w.pi.pk), READERS, committed),
    Row("GET", "planning-api:plan-vs-now", lambda w: url("plan-vs-now", w.pi.pk), READERS, committed),
]
