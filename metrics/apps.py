from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        # Imports run trains ← planning ← risks ← metrics: planning cannot call metrics, so metrics
        # listens. planning runs the callback inside each plan change's transaction.
        from planning.hooks import on_pi_changed

        from .services import pi_mark_changed

        on_pi_changed(pi_mark_changed)
