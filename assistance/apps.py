from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    """Social assistance: 低保, 低收入, 特困供养, 支出型贫困, 临时救助 — applications, economic verification, decisions, monthly payroll, reviews."""

    name = "assistance"
    verbose_name = "社会救助"

    def ready(self) -> None:
        from assistance import wiring_cases

        wiring_cases.ready()
        from assistance import wiring_verification

        wiring_verification.ready()
        from assistance import wiring_applications

        wiring_applications.ready()
