from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """The payroll engine shared by every business line that pays monthly benefits."""

    name = "payments"
    verbose_name = "待遇发放"

    def ready(self) -> None:
        from core.navigation import register_nav
        from core.roles import register_permissions
        from payments import job_handlers  # noqa: F401
        from payments.permissions import PERMISSION_LABELS, PaymentPerm

        register_permissions(
            PERMISSION_LABELS,
            {
                "district_staff": [
                    PaymentPerm.VIEW_PAYROLL,
                    PaymentPerm.RUN_PAYROLL,
                    PaymentPerm.APPROVE_PAYROLL,
                    PaymentPerm.EXPORT_BANK_FILE,
                    PaymentPerm.MANAGE_ACCOUNTS,
                ],
                "township_officer": [PaymentPerm.VIEW_PAYROLL, PaymentPerm.MANAGE_ACCOUNTS],
                "auditor": [PaymentPerm.VIEW_PAYROLL],
            },
        )
        register_nav("工作台", "发放批次", "payments:run_list", PaymentPerm.VIEW_PAYROLL, order=50)
