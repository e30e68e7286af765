from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        # Imports run trains ← planning ← risks ← metrics: planning cannot call metrics, so metrics
        # listens. planning runs the callback inside each plan change's transaction.
        from planning.hooks import on_pi_changed
        from risks.hooks import on_review_figures

        from .selectors import review_flow_figures
        from .services import pi_mark_changed

        on_pi_changed(pi_mark_changed)
        # The I&A review (risks) shows the flow figures metrics stores, through the same kind of hook.
        on_review_figures(review_flow_figures)
