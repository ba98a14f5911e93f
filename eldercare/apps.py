from django.apps import AppConfig


class EldercareConfig(AppConfig):
    """Elderly-care services: facilities and beds, needs assessment, allowances, home and meal services, supervision."""

    name = "eldercare"
    verbose_name = "养老服务"

    def ready(self) -> None:
        from eldercare import apps_facilities

        apps_facilities.ready()
        from eldercare import apps_care

        apps_care.ready()
        from eldercare import apps_community

        apps_community.ready()
