from django.urls import path

from . import views

app_name = "trains"

urlpatterns = [
    path("", views.train_list, name="home"),
    path("<slug:slug>/", views.train_detail, name="detail"),
]
