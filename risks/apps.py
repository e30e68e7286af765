from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"
    verbose_name = "Risks, impediments and improvement"

    def ready(self) -> None:
        # Its items take comments (trains.conversation): trains cannot import risks, so risks says so.
        from .conversation import register

        register()
