from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "PI planning"

    def ready(self) -> None:
        # Its items take comments (trains.conversation): trains cannot import planning, so planning says so.
        from .conversation import register

        register()
