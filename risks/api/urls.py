"""Running the PI over HTTP, under /api/v1/trains/<slug>/: risks, impediments, the ART Sync, system
demos and Inspect & Adapt."""

from django.urls import path

from . import art_sync, demos, impediments, inspect_adapt, roam

app_name = "risks-api"

urlpatterns = [
    # Risks (the ROAM board)
    path("risks/", roam.RiskList.as_view(), name="risk-list"),
    path("risks/from-vote/", roam.RiskFromVote.as_view(), name="risk-from-vote"),
    path("risks/<id:pk>/", roam.RiskDetail.as_view(), name="risk-detail"),
    path("risks/<id:pk>/roam/", roam.RiskRoam.as_view(), name="risk-roam"),
    path("risks/<id:pk>/raise-to-art/", roam.RiskRaiseToArt.as_view(), name="risk-raise-to-art"),
    # Impediments
    path("impediments/", impediments.ImpedimentList.as_view(), name="impediment-list"),
    path("impediments/<id:pk>/", impediments.ImpedimentDetail.as_view(), name="impediment-detail"),
    path(
        "impediments/<id:pk>/escalate/", impediments.ImpedimentEscalate.as_view(), name="impediment-escalate"
    ),
    path("impediments/<id:pk>/resolve/", impediments.ImpedimentResolve.as_view(), name="impediment-resolve"),
    path("impediments/<id:pk>/reopen/", impediments.ImpedimentReopen.as_view(), name="impediment-reopen"),
    # ART Sync
    path("art-syncs/", art_sync.ArtSyncList.as_view(), name="art-sync-list"),
    path("art-syncs/<id:pk>/", art_sync.ArtSyncDetail.as_view(), name="art-sync-detail"),
    path("art-syncs/<id:pk>/action-items/", art_sync.ActionItemCreate.as_view(), name="action-item-create"),
    path("action-items/", art_sync.ActionItemList.as_view(), name="action-item-list"),
    path("action-items/<id:pk>/", art_sync.ActionItemDetail.as_view(), name="action-item-detail"),
    # System demos
    path("system-demos/", demos.SystemDemoList.as_view(), name="system-demo-list"),
    path("system-demos/<id:pk>/", demos.SystemDemoDetail.as_view(), name="system-demo-detail"),
    path("system-demos/<id:pk>/items/", demos.DemoItemCreate.as_view(), name="demo-item-create"),
    path("system-demos/<id:pk>/follow-ups/", demos.FollowUpCreate.as_view(), name="follow-up-create"),
    path("demo-items/<id:pk>/", demos.DemoItemDetail.as_view(), name="demo-item-detail"),
    path("demo-follow-ups/<id:pk>/", demos.FollowUpDetail.as_view(), name="follow-up-detail"),
    # Inspect & Adapt
    path("problems/", inspect_adapt.ProblemList.as_view(), name="problem-list"),
    path("problems/<id:pk>/", inspect_adapt.ProblemDetail.as_view(), name="problem-detail"),
    path("problems/<id:pk>/vote/", inspect_adapt.ProblemVoteView.as_view(), name="problem-vote"),
    path("improvement-items/", inspect_adapt.ImprovementList.as_view(), name="improvement-list"),
    path("improvement-items/<id:pk>/", inspect_adapt.ImprovementDetail.as_view(), name="improvement-detail"),
    path("improvement-items/<id:pk>/take/", inspect_adapt.ImprovementTake.as_view(), name="improvement-take"),
]

# --- Exports: the ROAM register, impediments and ART Sync actions as CSV or XLSX ---
from django.urls import re_path  # noqa: E402

from . import exports  # noqa: E402

urlpatterns += [
    re_path(r"^exports/risks\.(?P<fmt>csv|xlsx)$", exports.RoamExport.as_view(), name="roam-export"),
    re_path(
        r"^exports/impediments\.(?P<fmt>csv|xlsx)$",
        exports.ImpedimentsExport.as_view(),
        name="impediments-export",
    ),
    re_path(
        r"^exports/action-items\.(?P<fmt>csv|xlsx)$",
        exports.ActionItemsExport.as_view(),
        name="action-items-export",
    ),
]
