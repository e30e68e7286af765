from django.urls import path

from . import views
from .history import views as history
from .people import views as people
from .webhooks import views as webhooks

app_name = "trains"

urlpatterns = [
    path("", views.train_list, name="home"),
    path("<slug:slug>/", views.train_detail, name="detail"),
    # Everyone on the train reads its history: the activity feed, and each item's History panel.
    path("<slug:slug>/activity/", history.activity, name="activity"),
    path("<slug:slug>/history/<slug:kind>/<id:object_id>/", history.item_changes, name="history"),
    # People and roles: everyone on the train reads them, the RTE gives, changes and takes roles.
    path("<slug:slug>/people/", people.people, name="people"),
    path("<slug:slug>/people/roles/<id:membership_id>/", people.membership_edit, name="membership"),
    path(
        "<slug:slug>/people/roles/<id:membership_id>/remove/",
        people.membership_delete,
        name="membership_remove",
    ),
    path("<slug:slug>/people/<id:user_id>/invite/", people.person_invite_again, name="person_invite_again"),
    # An invitation's link: the invited person sets a password, which opens the account.
    path("<slug:slug>/people/welcome/<uidb64>/<token>/", people.Welcome.as_view(), name="welcome"),
    path("<slug:slug>/webhooks/", webhooks.webhook_list, name="webhooks"),
    path("<slug:slug>/webhooks/<id:webhook_id>/", webhooks.webhook_detail, name="webhook"),
    path("<slug:slug>/webhooks/<id:webhook_id>/enable/", webhooks.webhook_enable, name="webhook_enable"),
    path("<slug:slug>/webhooks/<id:webhook_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path(
        "<slug:slug>/webhooks/<id:webhook_id>/deliveries/<id:delivery_id>/redeliver/",
        webhooks.delivery_redeliver,
        name="webhook_redeliver",
    ),
]
