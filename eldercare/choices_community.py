"""Choices of the community services: meals (助餐), advisors (养老顾问), peer visits (老伙伴计划) and
home adaptation (适老化改造)."""

from django.db import models


class PersonCategory(models.TextChoices):
    """The category a person is subsidised under (meal subsidy, home-adaptation subsidy). The
    order is the precedence of derivation: 特困 before 低保 before age (a person counts once)."""

    EXTREME_POVERTY = "extreme_poverty", "特困供养人员"
    DIBAO = "dibao", "低保对象"
    AGE_80 = "age80", "80 周岁及以上"
    AGE_65 = "age65", "65–79 周岁"
    OTHER = "other", "其他就餐老人"


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", "待确认"
    CONFIRMED = "confirmed", "已确认"


class AdviceTopic(models.TextChoices):
    CARE_ASSESSMENT = "care_assessment", "老年照护统一需求评估"
    HOME_CARE = "home_care", "居家照护"
    INSTITUTION = "institution", "机构养老"
    MEALS = "meals", "助餐服务"
    ALLOWANCE = "allowance", "老年综合津贴"
    ASSISTANCE = "assistance", "社会救助"
    ADAPTATION = "adaptation", "适老化改造"
    REHAB_AIDS = "rehab_aids", "康复辅具"
    LTC_INSURANCE = "ltc_insurance", "长期护理保险"
    OTHER = "other", "其他"


class RecommendedService(models.TextChoices):
    CARE_ASSESSMENT = "care_assessment", "申请统一需求评估"
    HOME_CARE = "home_care", "居家照护服务"
    DAY_CARE = "day_care", "日间照护"
    RESPITE = "respite", "喘息服务"
    INSTITUTION_BED = "institution_bed", "入住养老机构"
    MEAL_SERVICE = "meal_service", "社区助餐"
    HOME_ADAPTATION = "home_adaptation", "适老化改造"
    REHAB_AID_RENTAL = "rehab_aid_rental", "康复辅具租赁"
    PEER_VISIT = "peer_visit", "老伙伴计划结对"
    ASSISTANCE = "assistance", "社会救助申请"


class PeerReason(models.TextChoices):
    LIVING_ALONE = "living_alone", "独居"
    VERY_OLD = "very_old", "高龄"
    CHILDLESS = "childless", "无子女"


class VisitMode(models.TextChoices):
    HOME = "home", "上门探访"
    PHONE = "phone", "电话问候"
    OUTING = "outing", "陪同外出"


class AdaptationStatus(models.TextChoices):
    APPLIED = "applied", "已申请"
    ASSESSED = "assessed", "已评估"
    APPROVED = "approved", "已批准"
    COMPLETED = "completed", "已完工"
    SETTLED = "settled", "已结算"
    REJECTED = "rejected", "不予批准"
    WITHDRAWN = "withdrawn", "已撤回"


class AdaptationItemKind(models.TextChoices):
    GRAB_BAR = "grab_bar", "安装扶手"
    NON_SLIP = "non_slip", "地面防滑"
    THRESHOLD = "threshold", "消除门槛高差"
    BATHROOM = "bathroom", "卫生间改造"
    LIGHTING = "lighting", "照明改造"
    ALARM = "alarm", "紧急呼叫/烟感报警"
    FURNITURE = "furniture", "适老家具/辅具配置"
    OTHER = "other", "其他"
