from django.urls import path

from . import views

app_name = "backup-api"

urlpatterns = [
    path("backup/", views.TrainBackup.as_view(), name="train-backup"),
]
