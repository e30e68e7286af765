from django.urls import path  # noqa: F401 - routes are added as the screens land

app_name = "planning"

urlpatterns: list = []
