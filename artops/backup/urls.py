from django.urls import path

from . import views

app_name = "backup"

urlpatterns = [
    # The RTE's download of the whole train (the train's page links to it).
    path("backup/", views.download, name="download"),
]
