from django.db import models


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "地级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇/街道"
    VILLAGE = "village", "村/居委会"


# Natural code length of each level: "this region and below" is a prefix match on the code.
LEVEL_CODE_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Relation(models.TextChoices):
    """Relation to the head of household (与户主关系)."""

    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    OTHER = "other", "其他"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日（休息）"
    WORKDAY = "workday", "调休上班日"


class Certainty(models.TextChoices):
    """How sure we are of a rule or number (tags of research/domain-rules.md)."""

    STATED = "S", "[S] 已核实来源"
    THIRD_PARTY = "S-3p", "[S-3p] 第三方来源，待核实"
    INFERRED = "I", "[I] 推算"
    RECALLED = "R", "[R] 记忆，无来源，上线前须确认"
    NOT_FOUND = "NF", "[NF] 未找到"
    LOCAL = "local", "本地配置"
