from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("metrics/", views.dashboard, name="dashboard"),
    path("metrics/pi/<id:pi_id>/", views.dashboard, name="dashboard_pi"),
    path("metrics/pi/<id:pi_id>/recompute/", views.recompute, name="recompute"),
    path("metrics/pi/<id:pi_id>/recompute/status/", views.recompute_status, name="recompute_status"),
]
