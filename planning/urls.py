from django.urls import path

from .views import backlog, board, capacity, lifecycle, votes
from .views import objectives as objective_views

app_name = "planning"

urlpatterns = [
    path("board/", board.board, name="board"),
    path("board/changes/", board.board_changes, name="board_changes"),
    path("board/dependencies/", board.board_dependencies, name="board_dependencies"),
    path("board/features/new/", board.feature_edit, name="feature_new"),
    path("board/features/<id:feature_id>/edit/", board.feature_edit, name="feature_edit"),
    path("board/features/<id:feature_id>/move/", board.feature_move, name="feature_move"),
    path("board/dependencies/new/", board.dependency_edit, name="dependency_new"),
    path("board/dependencies/<id:dependency_id>/edit/", board.dependency_edit, name="dependency_edit"),
    path("board/milestones/new/", board.milestone_edit, name="milestone_new"),
    path("board/milestones/<id:milestone_id>/edit/", board.milestone_edit, name="milestone_edit"),
]

# PI Planning: every screen lives under planning/ and takes the PI as ?pi=. One block per screen.

# --- PI lifecycle, readiness, commit and baseline (the PI page) ---
urlpatterns += [
    path("planning/", lifecycle.planning, name="planning"),
    path("planning/pis/new/", lifecycle.pi_new, name="pi_new"),
    path("planning/transition/", lifecycle.pi_transition, name="pi_transition"),
    path("planning/reopen/", lifecycle.pi_reopen, name="pi_reopen"),
    path("planning/dates/", lifecycle.pi_dates, name="pi_dates"),
    path("planning/iterations/<id:iteration_id>/", lifecycle.iteration_edit, name="iteration_edit"),
    path("planning/pi-business-owners/", lifecycle.pi_business_owners, name="pi_business_owners"),
    path("planning/commit/", lifecycle.plan_commit, name="plan_commit"),
    path("planning/plan-vs-now/", lifecycle.plan_vs_now_page, name="plan_vs_now"),
]

# --- Backlog by WSJF ---
urlpatterns += [
    path("planning/backlog/", backlog.backlog_page, name="backlog"),
    path("planning/backlog/features/<id:feature_id>/wsjf/", backlog.backlog_wsjf, name="backlog_wsjf"),
    path("planning/backlog/features/<id:feature_id>/pull/", backlog.backlog_pull, name="backlog_pull"),
]

# --- Confidence vote ---
urlpatterns += [
    path("planning/votes/", votes.votes, name="votes"),
    path("planning/votes/live/", votes.vote_live, name="vote_live"),
    path("planning/votes/open/", votes.vote_round_open, name="vote_round_open"),
    path("planning/votes/rounds/<id:round_id>/close/", votes.vote_round_close, name="vote_round_close"),
    path("planning/votes/rounds/<id:round_id>/cast/", votes.vote_cast, name="vote_cast"),
    path("planning/votes/rounds/<id:round_id>/concern/", votes.vote_concern, name="vote_concern"),
]

# --- Team PI objectives and the Business Owner view ---
urlpatterns += [
    path("planning/objectives/", objective_views.objectives, name="objectives"),
    path("planning/objectives/new/", objective_views.objective_new, name="objective_new"),
    path(
        "planning/objectives/<id:objective_id>/edit/", objective_views.objective_edit, name="objective_edit"
    ),
    path(
        "planning/objectives/<id:objective_id>/delete/",
        objective_views.objective_delete,
        name="objective_delete",
    ),
    path(
        "planning/objectives/<id:objective_id>/move/", objective_views.objective_move, name="objective_move"
    ),
    path(
        "planning/objectives/<id:objective_id>/commitment/",
        objective_views.objective_commitment,
        name="objective_commitment",
    ),
    path(
        "planning/objectives/<id:objective_id>/planned-value/",
        objective_views.objective_planned_value,
        name="objective_planned_value",
    ),
    path(
        "planning/objectives/<id:objective_id>/actual-value/",
        objective_views.objective_actual_value,
        name="objective_actual_value",
    ),
    path("planning/business-owners/", objective_views.business_owners, name="business_owners"),
]

# --- Capacity and load, team plans ---
urlpatterns += [
    path("planning/capacity/", capacity.capacity_page, name="capacity"),
    path("planning/capacity/<id:team_id>/<id:iteration_id>/", capacity.capacity_cell, name="capacity_cell"),
    path("planning/teams/<id:team_id>/", capacity.team_plan_page, name="team_plan"),
    path("planning/teams/<id:team_id>/stories/new/", capacity.story_new, name="story_new"),
    path("planning/teams/<id:team_id>/stories/<id:story_id>/", capacity.story_edit, name="story_edit"),
    path(
        "planning/teams/<id:team_id>/stories/<id:story_id>/delete/",
        capacity.story_remove,
        name="story_delete",
    ),
]

# --- Exports: what the board, objectives and capacity pages show, as CSV or XLSX ---
from django.urls import re_path  # noqa: E402

from .views import exports  # noqa: E402

EXPORT = r"export\.(?P<fmt>csv|xlsx)$"
urlpatterns += [
    re_path(rf"^board/{EXPORT}", exports.pi_plan_export, name="pi_plan_export"),
    re_path(rf"^planning/objectives/{EXPORT}", exports.objectives_export, name="objectives_export"),
    re_path(rf"^planning/capacity/{EXPORT}", exports.capacity_export, name="capacity_export"),
]

# --- Import from a Jira or Azure DevOps CSV export (the RTE's) ---
from .views import imports  # noqa: E402

urlpatterns += [
    path("planning/import/", imports.import_upload, name="import"),
    path("planning/import/<id:run_id>/", imports.import_run, name="import_run"),
    path("planning/import/<id:run_id>/apply/", imports.import_apply, name="import_apply"),
    path("planning/import/<id:run_id>/progress/", imports.import_progress, name="import_progress"),
]

# --- Delivery events: deployments, incidents, defects (the train's Delivery page) ---
from .views import delivery  # noqa: E402

urlpatterns += [
    path("delivery/", delivery.delivery, name="delivery"),
    path("delivery/deployments/", delivery.deployment_new, name="deployment_new"),
    path("delivery/incidents/", delivery.incident_new, name="incident_new"),
    path("delivery/incidents/<id:incident_id>/restore/", delivery.incident_restore, name="incident_restore"),
    path("delivery/defects/", delivery.defect_new, name="defect_new"),
    path("delivery/defects/<id:defect_id>/resolve/", delivery.defect_resolve, name="defect_resolve"),
    path("delivery/import/", delivery.delivery_import_upload, name="delivery_import"),
]
