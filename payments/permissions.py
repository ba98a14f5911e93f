from enum import StrEnum


class PaymentPerm(StrEnum):
    VIEW_PAYROLL = "payments.view_payroll"
    RUN_PAYROLL = "payments.run_payroll"
    # Approval is a second person's act: the approver may not be the one who ran the payroll.
    APPROVE_PAYROLL = "payments.approve_payroll"
    # Bank files carry account numbers in clear.
    EXPORT_BANK_FILE = "payments.export_bank_file"
    MANAGE_ACCOUNTS = "payments.manage_accounts"


PERMISSION_LABELS: dict[str, str] = {
    PaymentPerm.VIEW_PAYROLL: "查看发放批次",
    PaymentPerm.RUN_PAYROLL: "生成发放批次",
    PaymentPerm.APPROVE_PAYROLL: "审核发放批次",
    PaymentPerm.EXPORT_BANK_FILE: "出盘与银行回盘",
    PaymentPerm.MANAGE_ACCOUNTS: "维护收款账户",
}
