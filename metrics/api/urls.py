from django.urls import path

from . import views

app_name = "metrics-api"

urlpatterns = [
    path("pis/<id:pi_id>/metrics/snapshots/", views.SnapshotList.as_view(), name="snapshot-list"),
    path("pis/<id:pi_id>/metrics/series/", views.SeriesList.as_view(), name="series"),
    path("pis/<id:pi_id>/metrics/dashboard/", views.Dashboard.as_view(), name="dashboard"),
    path("pis/<id:pi_id>/metrics/recompute/", views.Recompute.as_view(), name="recompute"),
]
