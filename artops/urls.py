from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("trains/", include("trains.urls")),
    # Each app's screens hang under the train they belong to: /trains/<slug>/...
    path("trains/<slug:slug>/", include("planning.urls")),
    path("trains/<slug:slug>/", include("risks.urls")),
    path("trains/<slug:slug>/", include("metrics.urls")),
]
