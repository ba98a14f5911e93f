from __future__ import annotations

from django.db import models

from core.crypto import decrypt

__all__ = ["PayeeAccount"]


class PayeeAccount(models.Model):
    """The bank account (社保卡/一卡通 account) a person's benefits are paid into.

    One current account per person; the number is encrypted like ID numbers.
    """

    person = models.OneToOneField(
        "core.Person", verbose_name="收款人", on_delete=models.PROTECT, related_name="payee_account"
    )
    bank_name = models.CharField("开户行", max_length=100)
    account_encrypted = models.TextField("账号（密文）")
    account_last4 = models.CharField("账号后四位", max_length=4)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "收款账户"
        verbose_name_plural = "收款账户"

    def __str__(self) -> str:
        return f"{self.bank_name} ****{self.account_last4}"

    @property
    def account_number(self) -> str:
        return decrypt(self.account_encrypted)
