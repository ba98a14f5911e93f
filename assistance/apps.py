from typing import Any

from django.apps import AppConfig


def seed_parameters(**kwargs: Any) -> None:
    """The default policy parameters of the regions that exist (idempotent: values someone has
    set are never changed). Runs whenever the divisions are loaded — on a fresh install that is
    after the migrations, which found no regions to seed."""
    from assistance.parameters_temporary import ensure_temporary_parameters
    from assistance.parameters_verification import ensure_verification_parameters

    ensure_verification_parameters()
    ensure_temporary_parameters()


class AssistanceConfig(AppConfig):
    """Social assistance: 低保, 低收入, 特困供养, 支出型贫困, 临时救助 — applications, economic verification, decisions, monthly payroll, reviews."""

    name = "assistance"
    verbose_name = "社会救助"

    def ready(self) -> None:
        from core.events import regions_loaded

        regions_loaded.connect(seed_parameters, dispatch_uid="assistance_seed_parameters")
        from assistance import wiring_cases

        wiring_cases.ready()
        from assistance import wiring_verification

        wiring_verification.ready()
        from assistance import wiring_applications

        wiring_applications.ready()
