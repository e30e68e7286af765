"""Running the PI, under /trains/<slug>/ (included from artops/urls.py with the `slug` kwarg)."""

from django.urls import path

from .views import art_sync, impediments, inspect_adapt, roam, system_demo

app_name = "risks"

urlpatterns = [
    # ROAM board
    path("risks/", roam.roam_board, name="roam_board"),
    path("risks/new/", roam.risk_new, name="risk_new"),
    path("risks/<id:risk_id>/", roam.risk_detail, name="risk_detail"),
    path("risks/<id:risk_id>/move/", roam.risk_move, name="risk_move"),
    path("risks/<id:risk_id>/raise/", roam.risk_raise, name="risk_raise"),
    # Impediments
    path("impediments/", impediments.impediment_list, name="impediments"),
    path("impediments/new/", impediments.impediment_new, name="impediment_new"),
    path("impediments/<id:impediment_id>/", impediments.impediment_detail, name="impediment_detail"),
    path(
        "impediments/<id:impediment_id>/escalate/",
        impediments.impediment_escalate_view,
        name="impediment_escalate",
    ),
    path(
        "impediments/<id:impediment_id>/resolve/",
        impediments.impediment_resolve_view,
        name="impediment_resolve",
    ),
    path(
        "impediments/<id:impediment_id>/reopen/",
        impediments.impediment_reopen_view,
        name="impediment_reopen",
    ),
    # ART Sync
    path("art-sync/", art_sync.art_sync, name="art_sync"),
    path("art-sync/start/", art_sync.art_sync_start_view, name="art_sync_start"),
    path("art-sync/<id:sync_id>/notes/", art_sync.art_sync_notes, name="art_sync_notes"),
    path("art-sync/<id:sync_id>/actions/", art_sync.action_new, name="action_new"),
    path("art-sync/actions/<id:action_id>/done/", art_sync.action_done, name="action_done"),
    # System demos
    path("system-demo/", system_demo.system_demo, name="system_demo"),
    path("system-demo/plan/", system_demo.system_demo_new, name="system_demo_new"),
    path("system-demo/<id:demo_id>/", system_demo.system_demo_edit, name="system_demo_edit"),
    path("system-demo/<id:demo_id>/items/", system_demo.demo_item_new, name="demo_item_new"),
    path("system-demo/items/<id:item_id>/", system_demo.demo_item_edit, name="demo_item_edit"),
    path("system-demo/<id:demo_id>/follow-ups/", system_demo.follow_up_new, name="follow_up_new"),
    path("system-demo/follow-ups/<id:follow_up_id>/done/", system_demo.follow_up_done, name="follow_up_done"),
    # Inspect & Adapt
    path("inspect-adapt/", inspect_adapt.inspect_adapt, name="inspect_adapt"),
    path("inspect-adapt/problems/", inspect_adapt.problem_new, name="problem_new"),
    path("inspect-adapt/problems/<id:problem_id>/", inspect_adapt.problem_edit, name="problem_edit"),
    path("inspect-adapt/problems/<id:problem_id>/vote/", inspect_adapt.problem_vote, name="problem_vote"),
    path("inspect-adapt/improvements/", inspect_adapt.improvement_new, name="improvement_new"),
    path(
        "inspect-adapt/improvements/<id:item_id>/take/",
        inspect_adapt.improvement_take,
        name="improvement_take",
    ),
    path(
        "inspect-adapt/improvements/<id:item_id>/status/",
        inspect_adapt.improvement_status,
        name="improvement_status",
    ),
]

# --- Risks from confidence-vote concerns (the button lives on planning's vote screen) ---
from .views import vote_concerns  # noqa: E402

urlpatterns += [
    path(
        "risks/from-vote/<id:vote_id>/",
        vote_concerns.risk_from_vote_concern,
        name="risk_from_vote_concern",
    ),
]

# --- Exports: the ROAM register, impediments and ART Sync actions, as CSV or XLSX ---
from django.urls import re_path  # noqa: E402

from .views import exports  # noqa: E402

EXPORT = r"export\.(?P<fmt>csv|xlsx)$"
urlpatterns += [
    re_path(rf"^risks/{EXPORT}", exports.roam_export, name="roam_export"),
    re_path(rf"^impediments/{EXPORT}", exports.impediments_export, name="impediments_export"),
    re_path(rf"^art-sync/{EXPORT}", exports.action_items_export, name="action_items_export"),
]

# --- The ART calendar: its secret addresses (RTE), and the feed a calendar app reads at one ---
from .views import calendar  # noqa: E402

urlpatterns += [
    path("calendar/", calendar.calendar_page, name="calendar"),
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$", calendar.calendar_feed, name="calendar_feed"
    ),
    path("calendar/new/", calendar.calendar_create, name="calendar_create"),
    path("calendar/<id:feed_id>/revoke/", calendar.calendar_revoke, name="calendar_revoke"),
]

# --- Surveys: ART event effectiveness and the team-health pulse, answered anonymously ---
from .views import surveys  # noqa: E402

urlpatterns += [
    path("surveys/", surveys.survey_list, name="surveys"),
    path("surveys/new/", surveys.survey_new, name="survey_new"),
    path("surveys/waiting/", surveys.survey_waiting, name="surveys_waiting"),
    path("surveys/<id:survey_id>/", surveys.survey_detail, name="survey_detail"),
    path("surveys/<id:survey_id>/answer/", surveys.survey_answer_view, name="survey_answer"),
    path("surveys/<id:survey_id>/close/", surveys.survey_close_view, name="survey_close"),
]
