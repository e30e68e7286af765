"""Running PI Planning: stories, capacity, objectives and business value, predictability, the backlog
by WSJF, confidence votes, committing the plan and its baseline. Collections of a PI hang under
pis/<pi_id>/; a single story, objective, feature or round is named by its own id."""

from django.urls import path

from . import planning, planning_objectives, planning_votes

PI = "pis/<id:pi_id>/"

urlpatterns = [
    path("stories/", planning.StoryList.as_view(), name="story-list"),
    path("stories/<id:pk>/", planning.StoryDetail.as_view(), name="story-detail"),
    path(f"{PI}capacity/", planning.CapacityGrid.as_view(), name="capacity-grid"),
    path(
        f"{PI}capacity/<id:team_id>/<id:iteration_id>/",
        planning.CapacityCell.as_view(),
        name="capacity-cell",
    ),
    path(f"{PI}objectives/", planning_objectives.ObjectiveList.as_view(), name="objective-list"),
    path("objectives/<id:pk>/", planning_objectives.ObjectiveDetail.as_view(), name="objective-detail"),
    path("objectives/<id:pk>/move/", planning_objectives.ObjectiveMove.as_view(), name="objective-move"),
    path(
        "objectives/<id:pk>/commit/", planning_objectives.ObjectiveCommit.as_view(), name="objective-commit"
    ),
    path(
        "objectives/<id:pk>/uncommit/",
        planning_objectives.ObjectiveUncommit.as_view(),
        name="objective-uncommit",
    ),
    path(
        "objectives/<id:pk>/planned-value/",
        planning_objectives.ObjectivePlannedValue.as_view(),
        name="objective-planned-value",
    ),
    path(
        "objectives/<id:pk>/actual-value/",
        planning_objectives.ObjectiveActualValue.as_view(),
        name="objective-actual-value",
    ),
    path(f"{PI}predictability/", planning_objectives.Predictability.as_view(), name="predictability"),
    path(f"{PI}backlog/", planning_votes.Backlog.as_view(), name="backlog"),
    path("features/<id:pk>/wsjf/", planning_votes.FeatureWsjf.as_view(), name="feature-wsjf"),
    path("features/<id:pk>/pull/", planning_votes.FeaturePull.as_view(), name="feature-pull"),
    path(f"{PI}vote-rounds/", planning_votes.VoteRoundList.as_view(), name="vote-round-list"),
    path("vote-rounds/<id:pk>/", planning_votes.VoteRoundDetail.as_view(), name="vote-round-detail"),
    path("vote-rounds/<id:pk>/close/", planning_votes.VoteRoundClose.as_view(), name="vote-round-close"),
    path("vote-rounds/<id:pk>/my-vote/", planning_votes.MyVote.as_view(), name="my-vote"),
    path(f"{PI}commit/", planning_votes.PlanCommit.as_view(), name="plan-commit"),
    path(f"{PI}baseline/", planning_votes.Baseline.as_view(), name="baseline"),
    path(f"{PI}plan-vs-now/", planning_votes.PlanVsNow.as_view(), name="plan-vs-now"),
]

# --- Exports: the PI plan, objectives, capacity and load as CSV or XLSX ---
from django.urls import re_path  # noqa: E402

from . import exports  # noqa: E402


def _export(name: str) -> str:
    return rf"^pis/(?P<pi_id>[0-9]{{1,18}})/exports/{name}\.(?P<fmt>csv|xlsx)$"


urlpatterns += [
    re_path(_export("plan"), exports.PiPlanExport.as_view(), name="pi-plan-export"),
    re_path(_export("objectives"), exports.ObjectivesExport.as_view(), name="objectives-export"),
    re_path(_export("capacity"), exports.CapacityExport.as_view(), name="capacity-export"),
]

# --- Import from a Jira or Azure DevOps CSV export (the RTE's) ---
from . import imports  # noqa: E402

urlpatterns += [
    path(f"{PI}imports/", imports.ImportList.as_view(), name="import-list"),
    path(f"{PI}imports/<id:run_id>/", imports.ImportDetail.as_view(), name="import-detail"),
    path(f"{PI}imports/<id:run_id>/apply/", imports.ImportApply.as_view(), name="import-apply"),
]
