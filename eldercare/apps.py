from typing import Any

from django.apps import AppConfig


def seed_parameters(**kwargs: Any) -> None:
    """The default policy parameters of the regions that exist (idempotent: values someone has
    set are never changed). Runs whenever the divisions are loaded — on a fresh install that is
    after the migrations, which found no regions to seed."""
    from eldercare.policy import ensure_facility_parameters
    from eldercare.policy_care import ensure_care_parameters
    from eldercare.policy_community import ensure_community_parameters

    ensure_facility_parameters()
    ensure_care_parameters()
    ensure_community_parameters()


class EldercareConfig(AppConfig):
    """Elderly-care services: facilities and beds, needs assessment, allowances, home and meal services, supervision."""

    name = "eldercare"
    verbose_name = "养老服务"

    def ready(self) -> None:
        from core.events import regions_loaded

        regions_loaded.connect(seed_parameters, dispatch_uid="eldercare_seed_parameters")
        from eldercare import apps_facilities

        apps_facilities.ready()
        from eldercare import apps_care

        apps_care.ready()
        from eldercare import apps_community

        apps_community.ready()
