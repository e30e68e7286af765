from django.urls import path

from . import views

app_name = "trains-api"

urlpatterns = [
    path("trains/", views.TrainList.as_view(), name="train-list"),
    path("trains/<slug:slug>/", views.TrainDetail.as_view(), name="train-detail"),
    path("trains/<slug:slug>/teams/", views.TeamList.as_view(), name="team-list"),
    path("trains/<slug:slug>/teams/<int:pk>/", views.TeamDetail.as_view(), name="team-detail"),
    path("trains/<slug:slug>/memberships/", views.MembershipList.as_view(), name="membership-list"),
]
