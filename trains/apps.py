from django.apps import AppConfig
from django.urls import register_converter


class TrainsConfig(AppConfig):
    name = "trains"
    verbose_name = "Trains and teams"

    def ready(self):
        from .converters import IdConverter

        # Before any URLconf is read: every app's urls.py names its ids `<id:…>`.
        register_converter(IdConverter, "id")
