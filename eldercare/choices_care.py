"""Choices of the care part of eldercare (h5b): assessments, allowances, the bed waiting list, home care."""

from django.db import models


class CareGrade(models.IntegerChoices):
    """照护等级 of the Shanghai 统一需求评估 (沪府办发〔2018〕2号): 0–6, plus 其他情况.

    0 is 正常 (assessed, no care need). 其他情况 (below grade 1, or 建议至二级以上医院就诊) is
    stored as 9 so that range conditions on 0–6 stay plain integer comparisons in SQL.
    """

    NORMAL = 0, "正常（0级）"
    ONE = 1, "照护一级"
    TWO = 2, "照护二级"
    THREE = 3, "照护三级"
    FOUR = 4, "照护四级"
    FIVE = 5, "照护五级"
    SIX = 6, "照护六级"
    OTHER = 9, "其他情况（建议就医）"


class AllowanceScheme(models.TextChoices):
    """Monthly allowances paid through the payroll engine (``payments`` scheme codes)."""

    SENIOR = "eldercare.senior_allowance", "老年综合津贴"
    LONGEVITY = "eldercare.longevity_allowance", "高龄津贴"


class SuspensionReason(models.TextChoices):
    AWAY = "away", "离开本市/长期居住外地"
    DUPLICATE = "duplicate", "重复享受/已在外地领取"
    PRISON = "prison", "服刑"
    VERIFY = "verify", "待核实（生存认证未通过等）"
    OTHER = "other", "其他"


class ApplicationStatus(models.TextChoices):
    WAITING = "waiting", "轮候中"
    OFFERED = "offered", "已发床位通知"
    ADMITTED = "admitted", "已入住"
    WITHDRAWN = "withdrawn", "已撤回"
    REJECTED = "rejected", "不符合条件"


class OfferStatus(models.TextChoices):
    PENDING = "pending", "待答复"
    ACCEPTED = "accepted", "已接受"
    DECLINED = "declined", "已放弃"
    EXPIRED = "expired", "已过期"
    CANCELLED = "cancelled", "已撤销"


class HomeCareService(models.TextChoices):
    HOME_CARE = "home_care", "居家照护"
    RESPITE = "respite", "喘息服务"


class HomeCareOrderStatus(models.TextChoices):
    ACTIVE = "active", "服务中"
    SUSPENDED = "suspended", "暂停"
    CLOSED = "closed", "已结束"


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", "已排班"
    CHECKED_IN = "checked_in", "服务中"
    DONE = "done", "已完成"
    MISSED = "missed", "未上门"
    CANCELLED = "cancelled", "已取消"
