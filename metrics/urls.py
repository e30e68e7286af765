from django.urls import path

from . import views
from .releases import views as releases
from .summary import views as summary

app_name = "metrics"

urlpatterns = [
    path("metrics/", views.dashboard, name="dashboard"),
    path("metrics/pi/<id:pi_id>/", views.dashboard, name="dashboard_pi"),
    path("metrics/pi/<id:pi_id>/recompute/", views.recompute, name="recompute"),
    path("metrics/pi/<id:pi_id>/recompute/status/", views.recompute_status, name="recompute_status"),
    # Release readiness (metrics/releases/) and the leadership summary (metrics/summary/).
    path("releases/", releases.releases, name="releases"),
    path("releases/<id:milestone_id>/", releases.release, name="release"),
    path(
        "releases/<id:milestone_id>/checklist/", releases.release_checklist_new, name="release_checklist_new"
    ),
    path("releases/<id:milestone_id>/scope/", releases.release_scope, name="release_scope"),
    path(
        "releases/<id:milestone_id>/criteria/", releases.release_criterion_new, name="release_criterion_new"
    ),
    path("releases/<id:milestone_id>/decision/", releases.release_decide, name="release_decide"),
    path(
        "releases/criteria/<id:criterion_id>/", releases.release_criterion_edit, name="release_criterion_edit"
    ),
    path(
        "releases/criteria/<id:criterion_id>/delete/",
        releases.release_criterion_delete,
        name="release_criterion_delete",
    ),
    path("metrics/summary/", summary.summary, name="summary_current"),
    path("metrics/pi/<id:pi_id>/summary/", summary.summary, name="summary"),
    path("metrics/pi/<id:pi_id>/summary.pdf", summary.summary_pdf, name="summary_pdf"),
]
