from django.db import models


class Category(models.TextChoices):
    """救助类别. 低保边缘 is a 低收入 sub-kind nationally (< 1.5 × 低保, 民发〔2021〕57号)."""

    DIBAO = "dibao", "最低生活保障（低保）"
    LOW_INCOME = "low_income", "低收入困难家庭"
    DIBAO_EDGE = "dibao_edge", "低保边缘家庭"
    EXTREME_POVERTY_SUPPORT = "extreme_poverty_support", "特困人员供养"
    EXPENDITURE_POVERTY = "expenditure_poverty", "支出型贫困家庭"
    TEMPORARY_ASSISTANCE = "temporary_assistance", "临时救助"


class CaseStatus(models.TextChoices):
    ACTIVE = "active", "在保"
    SUSPENDED = "suspended", "停保"
    ENDED = "ended", "终止"


class MemberKind(models.TextChoices):
    """Which standard a member's share of the household's sum uses (分类施保)."""

    ADULT = "adult", "成年人"
    MINOR = "minor", "困难家庭未成年人"


class ApplicationStatus(models.TextChoices):
    """The steps of 审核确认 in their only order (民发〔2021〕57号 第三章)."""

    SUBMITTED = "submitted", "已受理"
    VERIFYING = "verifying", "经济状况核对中"
    VERIFIED = "verified", "已核对"
    VISITED = "visited", "已入户调查"
    APPRAISED = "appraised", "已评议"
    PUBLICIZING = "publicizing", "公示中"
    PUBLICIZED = "publicized", "公示结束"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"
    WITHDRAWN = "withdrawn", "已撤回"


# An application in one of these states blocks another of the same household and category.
OPEN_APPLICATION_STATUSES = [
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.VERIFYING,
    ApplicationStatus.VERIFIED,
    ApplicationStatus.VISITED,
    ApplicationStatus.APPRAISED,
    ApplicationStatus.PUBLICIZING,
    ApplicationStatus.PUBLICIZED,
]


class Channel(models.TextChoices):
    STAFF = "staff", "窗口受理"
    ONLINE = "online", "居民网上申请"


class DeclaredItemKind(models.TextChoices):
    """Declared income (monthly) and assets (amounts held), as the application form lists them."""

    WAGES = "wages", "工资性收入（月）"
    PENSION = "pension", "养老金/退休金（月）"
    BUSINESS = "business", "经营性收入（月）"
    PROPERTY_INCOME = "property_income", "财产性收入（月）"
    TRANSFER = "transfer", "转移性收入/赡养费（月）"
    OTHER_INCOME = "other_income", "其他收入（月）"
    DEPOSITS = "deposits", "银行存款"
    SECURITIES = "securities", "证券/基金/理财"
    INSURANCE = "insurance", "商业保险现金价值"
    VEHICLE = "vehicle", "机动车辆"
    NON_RESIDENTIAL = "non_residential", "非居住类房屋"
    DWELLING = "dwelling", "居住类房屋"


INCOME_KINDS = [
    DeclaredItemKind.WAGES,
    DeclaredItemKind.PENSION,
    DeclaredItemKind.BUSINESS,
    DeclaredItemKind.PROPERTY_INCOME,
    DeclaredItemKind.TRANSFER,
    DeclaredItemKind.OTHER_INCOME,
]
MONETARY_ASSET_KINDS = [DeclaredItemKind.DEPOSITS, DeclaredItemKind.SECURITIES, DeclaredItemKind.INSURANCE]


class DocumentKind(models.TextChoices):
    """The document checklist (材料清单). Data already in the city's licence database need not be uploaded."""

    APPLICATION_FORM = "application_form", "申请书"
    ID_CARD = "id_card", "身份证"
    HUKOU_BOOKLET = "hukou_booklet", "户口簿"
    INCOME_PROOF = "income_proof", "收入证明"
    AUTHORIZATION = "authorization", "家庭经济状况核对授权书"
    DISABILITY_CERT = "disability_cert", "残疾证"
    MEDICAL_RECORDS = "medical_records", "医疗费用票据/病历"
    OTHER = "other", "其他材料"


REQUIRED_DOCUMENTS = [DocumentKind.APPLICATION_FORM, DocumentKind.ID_CARD, DocumentKind.AUTHORIZATION]


class VisitRecommendation(models.TextChoices):
    SUPPORT = "support", "建议纳入"
    REJECT = "reject", "建议不予纳入"


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", "批准"
    REFUSE = "refuse", "不予批准"


class DecisionLevel(models.TextChoices):
    DISTRICT = "district", "区（县）民政部门"
    TOWNSHIP = "township", "乡镇人民政府（街道办事处）"


class PlanStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结案"


class PlanItemKind(models.TextChoices):
    SERVICE = "service", "服务"
    REFERRAL = "referral", "转介"
    FOLLOW_UP = "follow_up", "跟进回访"


class Addon(models.TextChoices):
    """分类施保 add-ons a member may carry; each amount is the effective-dated policy parameter
    ``assistance.addon.<code>`` (per person per month), never a literal."""

    SEVERE_DISABILITY = "severe_disability", "重残无业人员/低保家庭残疾人加发"
    ELDERLY = "elderly", "老年人加发"
    SERIOUS_ILLNESS = "serious_illness", "重病患者加发"
    SINGLE_PARENT = "single_parent", "单亲家庭加发"


class CaseEventKind(models.TextChoices):
    OPEN = "open", "审批纳入"
    CHANGE = "change", "调整救助金"
    SUSPEND = "suspend", "停保"
    RESUME = "resume", "恢复发放"
    END = "end", "终止救助"


class TemporaryGrantKind(models.TextChoices):
    ORDINARY = "ordinary", "一般临时救助"
    URGENT = "urgent", "急难型临时救助（先行救助）"


class TemporaryNeed(models.TextChoices):
    """Why a 临时救助 is needed (急难型 / 支出型)."""

    ILLNESS = "illness", "重大疾病/医疗支出"
    ACCIDENT = "accident", "意外事故"
    DISASTER = "disaster", "火灾等突发事件"
    EDUCATION = "education", "教育支出"
    LIVING = "living", "基本生活暂时困难"
    OTHER = "other", "其他"


class TemporaryGrantStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予救助"
    # 急难: paid on the township's decision, the district's review follows.
    DECIDED_PENDING_REVIEW = "decided_pending_review", "已先行救助，待补审"
    CONFIRMED = "confirmed", "补审确认"
    REVOKED = "revoked", "补审撤销"
