from django.db import models


class RunKind(models.TextChoices):
    REGULAR = "regular", "月度发放"
    REISSUE = "reissue", "补发（上批失败）"


class RunStatus(models.TextChoices):
    COMPUTING = "computing", "生成中"
    COMPUTED = "computed", "待审核"
    APPROVED = "approved", "已审核"
    EXPORTED = "exported", "已出盘"
    RECONCILED = "reconciled", "已对账"
    FAILED = "failed", "生成失败"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "待发放"
    EXPORTED = "exported", "已出盘"
    PAID = "paid", "已到账"
    FAILED = "failed", "发放失败"
    REISSUED = "reissued", "已补发"
