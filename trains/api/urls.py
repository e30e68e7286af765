from django.urls import path

from . import views, webhooks

app_name = "trains-api"

urlpatterns = [
    path("trains/", views.TrainList.as_view(), name="train-list"),
    path("trains/<slug:slug>/", views.TrainDetail.as_view(), name="train-detail"),
    path("trains/<slug:slug>/teams/", views.TeamList.as_view(), name="team-list"),
    path("trains/<slug:slug>/teams/<id:pk>/", views.TeamDetail.as_view(), name="team-detail"),
    path("trains/<slug:slug>/memberships/", views.MembershipList.as_view(), name="membership-list"),
    path("trains/<slug:slug>/webhooks/", webhooks.WebhookList.as_view(), name="webhook-list"),
    path("trains/<slug:slug>/webhooks/<id:pk>/", webhooks.WebhookDetail.as_view(), name="webhook-detail"),
    path(
        "trains/<slug:slug>/webhooks/<id:pk>/deliveries/",
        webhooks.DeliveryList.as_view(),
        name="webhook-delivery-list",
    ),
    path(
        "trains/<slug:slug>/webhooks/<id:webhook_id>/deliveries/<id:pk>/redeliver/",
        webhooks.DeliveryRedeliver.as_view(),
        name="webhook-redeliver",
    ),
]
