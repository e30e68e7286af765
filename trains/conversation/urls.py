from django.urls import path

from . import views

app_name = "conversation"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread/", views.inbox_count, name="inbox_count"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<id:item_id>/", views.inbox_open, name="inbox_open"),
    path("trains/<slug:slug>/comments/<slug:kind>/<id:target_id>/", views.conversation, name="comments"),
    path("trains/<slug:slug>/comments/<id:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("trains/<slug:slug>/comments/<id:comment_id>/remove/", views.comment_remove, name="comment_remove"),
]
