from django.apps import AppConfig


class PlansConfig(AppConfig):
    """Plans and indicators: plan documents, indicators computed from live data, yearly snapshots, evaluation."""

    name = "plans"
    verbose_name = "规划指标"

    def ready(self) -> None:
        from plans import wiring_documents, wiring_indicators

        wiring_documents.ready()
        wiring_indicators.ready()
