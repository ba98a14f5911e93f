"""Choices of the eldercare app (shared by h5a/h5b/h5c: append, don't rewrite)."""

from django.db import models

# ---------------------------------------------------------------- facilities (h5a)


class FacilityKind(models.TextChoices):
    """Every kind of facility the plans count (崇明“十四五”规划 四(三)1 and indicators 3–8)."""

    CARE_INSTITUTION = "institution", "养老机构"
    SERVICE_CENTRE = "service_centre", "社区综合为老服务中心"
    DAY_CENTRE = "day_centre", "日间照护中心"
    ELDER_HOME = "elder_home", "长者照护之家"
    MEAL_POINT = "meal_point", "助餐点"
    CANTEEN = "canteen", "长者食堂"
    ACTIVITY_ROOM = "activity_room", "标准化老年活动室"
    NEIGHBOUR_POINT = "neighbour_point", "睦邻点/互助点"
    ADVISOR_POINT = "advisor_point", "养老顾问点"
    REHAB_AID_RENTAL = "rehab_rental", "康复辅具租赁点"


# Kinds that hold beds (机构、社区床位 count towards indicator 3 “养老床位总数”).
BED_HOLDING_KINDS = (FacilityKind.CARE_INSTITUTION, FacilityKind.ELDER_HOME, FacilityKind.DAY_CENTRE)
# Kinds that serve meals (indicator 6 “老年助餐供客能力”: 社区助餐服务场所 = 助餐点 + 长者食堂).
MEAL_KINDS = (FacilityKind.MEAL_POINT, FacilityKind.CANTEEN)


class Ownership(models.TextChoices):
    PUBLIC = "public", "公办公营"
    PUBLIC_PRIVATE = "public_private", "公建民营"
    PRIVATE = "private", "民办"


class OperatorKind(models.TextChoices):
    SOCIAL_ORG = "social_org", "社会组织"
    COMPANY = "company", "企业"
    GOVERNMENT = "government", "机关/事业单位"
    COLLECTIVE = "collective", "村居/集体"


class LicenceState(models.TextChoices):
    """养老机构 since 2019 file (备案) rather than hold a licence; older ones still carry 设立许可."""

    NONE = "none", "未办理"
    FILED = "filed", "已备案"
    LICENSED = "licensed", "已许可"
    REVOKED = "revoked", "已撤销"


class FacilityStatus(models.TextChoices):
    PLANNED = "planned", "筹建中"
    OPEN = "open", "运营中"
    SUSPENDED = "suspended", "暂停运营"
    CLOSED = "closed", "已关闭"


class BedKind(models.TextChoices):
    GENERAL = "general", "普通床位"
    NURSING = "nursing", "护理型床位"
    DEMENTIA = "dementia", "认知障碍床位"


class DischargeReason(models.TextChoices):
    HOME = "home", "回家"
    TRANSFER = "transfer", "转院/转床"
    HOSPITAL = "hospital", "转医疗机构"
    DEATH = "death", "死亡"
    OTHER = "other", "其他"


class CaregiverLevel(models.TextChoices):
    """养老护理员国家职业技能标准 (2019年版) levels; 五级 初级 … 二级 技师."""

    NONE = "none", "无证"
    JUNIOR = "junior", "初级（五级）"
    INTERMEDIATE = "intermediate", "中级（四级）"
    SENIOR = "senior", "高级（三级）"
    TECHNICIAN = "technician", "技师（二级）"


class WorkerRole(models.TextChoices):
    CAREGIVER = "caregiver", "养老护理员"
    REHAB_ADVISOR = "rehab_advisor", "康复辅助技术咨询师"


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", "待检查"
    DONE = "done", "已检查"
    RECTIFYING = "rectifying", "整改中"
    CLOSED = "closed", "已办结"


class FindingSeverity(models.TextChoices):
    MINOR = "minor", "一般问题"
    MAJOR = "major", "较重问题"
    SERIOUS = "serious", "严重问题"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待整改"
    RECTIFIED = "rectified", "已整改"
    OVERDUE = "overdue", "逾期未整改"
