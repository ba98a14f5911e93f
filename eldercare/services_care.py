"""Writes of the care side: assessments, allowance suspensions, bed applications and offers, home care.

Every function is ``<entity>_<verb>(*, …, acting_user)``: one transaction, Chinese validation
messages naming the field, the change and its audit event. ``acting_user`` None is the system
(demo builder, jobs) and skips the permission check.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import Person, Region, User
from core.policy import MissingPolicyParameter, policy_decimal
from core.scoping import has_perm, region_filter
from eldercare.choices import BedKind
from eldercare.choices_care import (
    AllowanceScheme,
    ApplicationStatus,
    CareGrade,
    HomeCareOrderStatus,
    HomeCareService,
    OfferStatus,
    SuspensionReason,
    VisitStatus,
)
from eldercare.models import (
    AllowanceSuspension,
    Bed,
    BedApplication,
    BedOffer,
    CareAssessment,
    Caregiver,
    Facility,
    HomeCareOrder,
    HomeCareVisit,
    Residency,
)
from eldercare.permissions_care import CarePerm
from eldercare.policy_care import (
    MAX_DECLINES,
    OFFER_DAYS,
    basic_bed_eligible,
    care_entitlement,
    respite_limits,
    valid_until,
)


def _require(user: User | None, perm: str, region_code: str, field: str = "person") -> None:
    if user is not None and not has_perm(user, perm, region_code):
        raise ValidationError({field: ["该人员不在您的管辖范围内，或您无权办理此项业务"]})


def _person_region(person: Person) -> str:
    return person.hukou_region_id


def _number(prefix: str, model: Any, day: datetime.date) -> str:
    """Readable running numbers per day (PG2026112300001); the unique index settles races."""
    stem = f"{prefix}{day:%Y%m%d}"
    last = model.objects.filter(number__startswith=stem).order_by("-number").values_list("number", flat=True).first()
    sequence = int(last[len(stem) :]) + 1 if last else 1
    return f"{stem}{sequence:05d}"


# --- 统一需求评估 ---------------------------------------------------------------------------


def care_assessment_create(
    *,
    person: Person,
    grade: int,
    assessed_on: datetime.date,
    agency: str,
    assessor: str,
    dimensions: dict[str, Any] | None = None,
    cognitive_impairment: bool = False,
    notes: str = "",
    acting_user: User | None,
) -> CareAssessment:
    """Record an assessment result; valid until assessed on + the validity parameter."""
    region = _person_region(person)
    _require(acting_user, CarePerm.CHANGE_ASSESSMENT, region)
    errors: dict[str, list[str]] = {}
    if grade not in CareGrade.values:
        errors["grade"] = ["照护等级应为 0–6 级或“其他情况”"]
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = ["评估日期不能晚于今天"]
    if person.death_date and assessed_on > person.death_date:
        errors["assessed_on"] = ["评估日期晚于该人员死亡日期"]
    if not agency.strip():
        errors["agency"] = ["请填写评估机构"]
    if not assessor.strip():
        errors["assessor"] = ["请填写评估员"]
    if CareAssessment.objects.filter(person=person, assessed_on=assessed_on).exists():
        errors["assessed_on"] = ["该老人当日已有评估记录"]
    if errors:
        raise ValidationError(errors)
    try:
        until = valid_until(assessed_on, region)
    except MissingPolicyParameter:
        raise ValidationError({"assessed_on": ["该区划在此日期没有评估有效期参数，请先维护政策参数"]}) from None
    with transaction.atomic():
        assessment = CareAssessment.objects.create(
            person=person,
            region_id=region,
            grade=grade,
            assessed_on=assessed_on,
            valid_until=until,
            agency=agency.strip()[:100],
            assessor=assessor.strip()[:50],
            dimensions=dimensions or {},
            cognitive_impairment=cognitive_impairment,
            notes=notes[:300],
            created_by=acting_user,
        )
        audit_record(
            action="eldercare.assessment.create",
            actor=acting_user,
            obj=assessment,
            region_code=region,
            changes={"person": person.pk, "grade": grade, "assessed_on": assessed_on, "valid_until": until},
        )
    return assessment


def current_assessment(person: Person | int, on: datetime.date) -> CareAssessment | None:
    """The person's latest assessment valid on the day (None: never assessed or expired)."""
    person_id = person if isinstance(person, int) else person.pk
    return CareAssessment.objects.filter(person_id=person_id).valid_on(on).order_by("-assessed_on").first()


# --- 津贴停发 -------------------------------------------------------------------------------


def allowance_suspension_create(
    *,
    person: Person,
    scheme: str,
    reason: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    note: str = "",
    acting_user: User | None,
) -> AllowanceSuspension:
    """Stop a person's allowance from a month (e.g. living away from Shanghai)."""
    region = _person_region(person)
    _require(acting_user, CarePerm.MANAGE_ALLOWANCE, region)
    errors: dict[str, list[str]] = {}
    if scheme not in AllowanceScheme.values:
        errors["scheme"] = ["津贴项目无效"]
    if reason not in SuspensionReason.values:
        errors["reason"] = ["停发原因无效"]
    starts_on = starts_on.replace(day=1)
    if ends_on is not None:
        ends_on = ends_on.replace(day=1)
        if ends_on < starts_on:
            errors["ends_on"] = ["停发截止月不能早于起始月"]
    if not errors:
        overlapping = AllowanceSuspension.objects.filter(person=person, scheme=scheme)
        overlapping = overlapping.exclude(ends_on__lt=starts_on)
        if ends_on is not None:
            overlapping = overlapping.exclude(starts_on__gt=ends_on)
        if overlapping.exists():
            errors["starts_on"] = ["该期间已有停发记录"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        suspension = AllowanceSuspension.objects.create(
            person=person,
            region_id=region,
            scheme=scheme,
            reason=reason,
            starts_on=starts_on,
            ends_on=ends_on,
            note=note[:200],
            created_by=acting_user,
        )
        audit_record(
            action="eldercare.allowance.suspend",
            actor=acting_user,
            obj=suspension,
            region_code=region,
            changes={"person": person.pk, "scheme": scheme, "reason": reason, "from": starts_on, "to": ends_on},
        )
    return suspension


def allowance_suspension_end(
    *, suspension: AllowanceSuspension, last_month: datetime.date, acting_user: User | None
) -> AllowanceSuspension:
    """Resume payment after ``last_month`` (the last month not paid)."""
    _require(acting_user, CarePerm.MANAGE_ALLOWANCE, suspension.region_id)
    last_month = last_month.replace(day=1)
    if last_month < suspension.starts_on:
        raise ValidationError({"ends_on": ["停发截止月不能早于起始月"]})
    if suspension.ends_on is not None and suspension.ends_on <= last_month:
        raise ValidationError({"ends_on": ["该停发记录已在此前截止"]})
    with transaction.atomic():
        before = suspension.ends_on
        suspension.ends_on = last_month
        suspension.save(update_fields=["ends_on"])
        audit_record(
            action="eldercare.allowance.resume",
            actor=acting_user,
            obj=suspension,
            region_code=suspension.region_id,
            changes={"ends_on": {"before": before, "after": last_month}},
        )
    return suspension


# --- 养老床位申请与轮候 ---------------------------------------------------------------------


def bed_application_create(
    *,
    person: Person,
    applied_on: datetime.date,
    bed_kind: str = BedKind.GENERAL,
    basic_bed: bool = True,
    preferred_facilities: list[Facility] | None = None,
    extreme_poverty: bool = False,
    dibao: bool = False,
    priority_care: bool = False,
    family_planning_special: bool = False,
    acting_user: User | None,
) -> BedApplication:
    region = _person_region(person)
    _require(acting_user, CarePerm.MANAGE_WAITLIST, region)
    # 特困/低保 as social assistance has them on the day (its live cases), besides what was declared.
    from eldercare.services_community import assistance_categories

    assisted = assistance_categories([person.pk], applied_on).get(person.pk)
    extreme_poverty = extreme_poverty or assisted == "extreme_poverty"
    dibao = dibao or assisted == "dibao"
    errors: dict[str, list[str]] = {}
    if person.death_date:
        errors["person"] = ["该人员已死亡"]
    if bed_kind not in BedKind.values:
        errors["bed_kind"] = ["床位类型无效"]
    if applied_on > timezone.localdate():
        errors["applied_on"] = ["申请日期不能晚于今天"]
    if BedApplication.objects.filter(
        person=person, status__in=[ApplicationStatus.WAITING, ApplicationStatus.OFFERED]
    ).exists():
        errors["person"] = ["该老人已有轮候中的床位申请"]
    if Residency.objects.filter(person=person, discharged_on__isnull=True).exists():
        errors["person"] = ["该老人已在养老机构入住"]
    assessment = current_assessment(person, applied_on)
    if basic_bed and not errors:
        try:
            eligible = basic_bed_eligible(
                grade=assessment.grade if assessment else None,
                region_code=region,
                on=applied_on,
                cognitive_impairment=bool(assessment and assessment.cognitive_impairment),
                extreme_poverty=extreme_poverty,
                priority_care=priority_care,
                family_planning_special=family_planning_special,
            )
        except MissingPolicyParameter:
            eligible = False
        if not eligible:
            errors["basic_bed"] = [
                "不符合保基本床位申请条件：须照护等级达到规定等级（有效评估），或经诊断认知障碍，"
                "或为特困、重点优抚、计生特殊家庭对象"
            ]
    if bed_kind == BedKind.DEMENTIA and not (assessment and assessment.cognitive_impairment):
        errors["bed_kind"] = ["申请认知障碍床位须有认知障碍的评估记录"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            application = BedApplication.objects.create(
                number=_number("CW", BedApplication, applied_on),
                person=person,
                region_id=region,
                applied_on=applied_on,
                bed_kind=bed_kind,
                basic_bed=basic_bed,
                extreme_poverty=extreme_poverty,
                dibao=dibao,
                priority_care=priority_care,
                family_planning_special=family_planning_special,
                created_by=acting_user,
            )
        except IntegrityError:
            raise ValidationError({"person": ["该老人已有轮候中的床位申请"]}) from None
        if preferred_facilities:
            application.preferred_facilities.set(preferred_facilities)
        audit_record(
            action="eldercare.bed_application.create",
            actor=acting_user,
            obj=application,
            region_code=region,
            changes={
                "person": person.pk,
                "bed_kind": bed_kind,
                "basic_bed": basic_bed,
                "facilities": [f.pk for f in preferred_facilities or []],
            },
        )
    return application


def bed_application_withdraw(
    *, application: BedApplication, reason: str, on: datetime.date, acting_user: User | None
) -> BedApplication:
    _require(acting_user, CarePerm.MANAGE_WAITLIST, application.region_id, "application")
    if application.status not in (ApplicationStatus.WAITING, ApplicationStatus.OFFERED):
        raise ValidationError({"status": [f"申请状态为“{application.get_status_display()}”，不能撤回"]})
    with transaction.atomic():
        BedOffer.objects.filter(application=application, status=OfferStatus.PENDING).update(
            status=OfferStatus.CANCELLED, responded_on=on
        )
        application.status = ApplicationStatus.WITHDRAWN
        application.closed_on = on
        application.close_reason = (reason or "申请人撤回")[:200]
        application.save(update_fields=["status", "closed_on", "close_reason"])
        audit_record(
            action="eldercare.bed_application.withdraw",
            actor=acting_user,
            obj=application,
            region_code=application.region_id,
            changes={"reason": application.close_reason},
        )
    return application


def bed_offer_create(
    *, application: BedApplication, bed: Bed, offered_on: datetime.date, acting_user: User | None
) -> BedOffer:
    """Offer a free bed to a waiting application (usually the head of the queue for that bed)."""
    _require(acting_user, CarePerm.MANAGE_WAITLIST, application.region_id, "application")
    _require(acting_user, CarePerm.MANAGE_WAITLIST, bed.facility.region_id, "bed")
    errors: dict[str, list[str]] = {}
    if application.status != ApplicationStatus.WAITING:
        errors["application"] = [f"申请状态为“{application.get_status_display()}”，不能发床位通知"]
    if not bed.is_active:
        errors["bed"] = ["该床位已停用"]
    elif Residency.objects.filter(bed=bed, discharged_on__isnull=True).exists():
        errors["bed"] = ["该床位已有在住老人"]
    elif BedOffer.objects.filter(bed=bed, status=OfferStatus.PENDING).exists():
        errors["bed"] = ["该床位已有待答复的通知"]
    if bed.kind != application.bed_kind:
        errors.setdefault("bed", []).append(
            f"床位类型（{bed.get_kind_display()}）与申请（{application.get_bed_kind_display()}）不符"
        )
    if application.basic_bed and not bed.is_basic:
        errors.setdefault("bed", []).append("申请的是保基本床位，该床位不是保基本床位")
    preferred = list(application.preferred_facilities.values_list("pk", flat=True))
    if preferred and bed.facility_id not in preferred:
        errors.setdefault("bed", []).append("该床位所在机构不在申请人的意向机构中")
    if errors:
        raise ValidationError(errors)
    days = int(policy_decimal(OFFER_DAYS, application.region_id, offered_on))
    with transaction.atomic():
        try:
            offer = BedOffer.objects.create(
                application=application,
                bed=bed,
                offered_on=offered_on,
                expires_on=offered_on + datetime.timedelta(days=days),
                created_by=acting_user,
            )
        except IntegrityError:
            raise ValidationError({"bed": ["该床位或该申请已有待答复的通知"]}) from None
        application.status = ApplicationStatus.OFFERED
        application.save(update_fields=["status"])
        audit_record(
            action="eldercare.bed_offer.create",
            actor=acting_user,
            obj=offer,
            region_code=application.region_id,
            changes={"application": application.pk, "bed": bed.pk, "expires_on": offer.expires_on},
        )
    return offer


def bed_offer_accept(*, offer: BedOffer, admitted_on: datetime.date, acting_user: User | None) -> Residency:
    """The applicant accepts: admission to the offered bed through the facility service."""
    from eldercare.services import resident_admit

    application = offer.application
    _require(acting_user, CarePerm.MANAGE_WAITLIST, application.region_id, "application")
    if offer.status != OfferStatus.PENDING:
        raise ValidationError({"status": [f"通知状态为“{offer.get_status_display()}”，不能办理入住"]})
    if admitted_on < offer.offered_on:
        raise ValidationError({"admitted_on": ["入住日期不能早于通知日期"]})
    if admitted_on > offer.expires_on:
        raise ValidationError({"admitted_on": ["已超过答复期限，通知已失效"]})
    with transaction.atomic():
        residency = resident_admit(
            bed=offer.bed,
            person=application.person,
            admitted_on=admitted_on,
            acting_user=acting_user,
            source=f"waitlist:{application.pk}",
        )
        offer.status = OfferStatus.ACCEPTED
        offer.responded_on = admitted_on
        offer.save(update_fields=["status", "responded_on"])
        application.status = ApplicationStatus.ADMITTED
        application.closed_on = admitted_on
        application.residency = residency
        application.save(update_fields=["status", "closed_on", "residency"])
        audit_record(
            action="eldercare.bed_offer.accept",
            actor=acting_user,
            obj=offer,
            region_code=application.region_id,
            changes={"application": application.pk, "residency": residency.pk, "admitted_on": admitted_on},
        )
    return residency


def _after_decline(application: BedApplication, on: datetime.date) -> None:
    application.declines += 1
    limit = int(policy_decimal(MAX_DECLINES, application.region_id, on))
    if application.declines >= limit:
        application.status = ApplicationStatus.WITHDRAWN
        application.closed_on = on
        application.close_reason = f"放弃床位 {application.declines} 次，达到上限，取消本次轮候"
    else:
        application.status = ApplicationStatus.WAITING
    application.save(update_fields=["declines", "status", "closed_on", "close_reason"])


def bed_offer_decline(*, offer: BedOffer, on: datetime.date, reason: str, acting_user: User | None) -> BedOffer:
    application = offer.application
    _require(acting_user, CarePerm.MANAGE_WAITLIST, application.region_id, "application")
    if offer.status != OfferStatus.PENDING:
        raise ValidationError({"status": [f"通知状态为“{offer.get_status_display()}”，不能放弃"]})
    with transaction.atomic():
        offer.status = OfferStatus.DECLINED
        offer.responded_on = on
        offer.decline_reason = reason[:200]
        offer.save(update_fields=["status", "responded_on", "decline_reason"])
        _after_decline(application, on)
        audit_record(
            action="eldercare.bed_offer.decline",
            actor=acting_user,
            obj=offer,
            region_code=application.region_id,
            changes={"reason": reason, "declines": application.declines, "application_status": application.status},
        )
    return offer


def bed_offers_expire(*, on: datetime.date, acting_user: User | None = None) -> int:
    """Offers past their reply date count as declined (``manage.py expire_bed_offers`` daily, or
    a user for the applications in their scope)."""
    due = BedOffer.objects.filter(status=OfferStatus.PENDING, expires_on__lt=on).select_related("application")
    if acting_user is not None:
        due = due.filter(region_filter(acting_user, CarePerm.MANAGE_WAITLIST, "application__region__code"))
    expired = 0
    for offer in due:
        with transaction.atomic():
            offer.status = OfferStatus.EXPIRED
            offer.responded_on = on
            offer.save(update_fields=["status", "responded_on"])
            _after_decline(offer.application, on)
            audit_record(
                action="eldercare.bed_offer.expire",
                actor=acting_user,
                obj=offer,
                region_code=offer.application.region_id,
                changes={"expires_on": offer.expires_on},
            )
        expired += 1
    return expired


# --- 居家照护与喘息服务 ---------------------------------------------------------------------


def homecare_order_create(
    *,
    person: Person,
    service: str,
    starts_on: datetime.date,
    provider_name: str,
    provider: Facility | None = None,
    acting_user: User | None,
) -> HomeCareOrder:
    """Open an order; its hours come from the grade of the valid assessment on the start day."""
    region = _person_region(person)
    _require(acting_user, CarePerm.MANAGE_HOMECARE, region)
    errors: dict[str, list[str]] = {}
    if service not in HomeCareService.values:
        errors["service"] = ["服务类型无效"]
    if person.death_date:
        errors["person"] = ["该人员已死亡"]
    if not (provider_name or (provider.name if provider else "")).strip():
        errors["provider_name"] = ["请填写服务机构"]
    assessment = current_assessment(person, starts_on)
    if assessment is None:
        errors["person"] = ["该老人在开始日期没有有效的统一需求评估结果"]
    if errors:
        raise ValidationError(errors)
    assert assessment is not None
    weekly = yearly = Decimal("0")
    if service == HomeCareService.HOME_CARE:
        entitlement = care_entitlement(assessment.grade, region, starts_on)
        if not entitlement.ltci_eligible:
            raise ValidationError({"person": [f"{assessment.get_grade_display()}不享受居家照护服务"]})
        weekly, share = entitlement.weekly_hours, entitlement.fund_share
        basis: dict[str, Any] = {"weekly_hours": str(weekly), "fund_share": str(share)}
    else:
        limits = respite_limits(region, starts_on)
        if not (limits.min_grade <= assessment.grade <= 6):
            raise ValidationError({"service": [f"喘息服务须照护等级达到 {limits.min_grade} 级及以上"]})
        yearly = limits.hours_per_year
        share = care_entitlement(assessment.grade, region, starts_on).fund_share
        basis = {
            "days_per_year": str(limits.days_per_year),
            "hours_per_day": str(limits.hours_per_day),
            "fund_share": str(share),
        }
    basis["assessment"] = assessment.pk
    with transaction.atomic():
        try:
            order = HomeCareOrder.objects.create(
                number=_number("JJ", HomeCareOrder, starts_on),
                person=person,
                region_id=region,
                service=service,
                assessment=assessment,
                grade=assessment.grade,
                weekly_hours=weekly,
                yearly_hours=yearly,
                fund_share=share,
                provider=provider,
                provider_name=(provider_name or (provider.name if provider else ""))[:100],
                starts_on=starts_on,
                entitlement=basis,
                created_by=acting_user,
            )
        except IntegrityError:
            raise ValidationError({"service": ["该老人已有同类型的服务中服务单"]}) from None
        audit_record(
            action="eldercare.homecare_order.create",
            actor=acting_user,
            obj=order,
            region_code=region,
            changes={"person": person.pk, "service": service, "grade": assessment.grade, **basis},
        )
    return order


def homecare_order_close(*, order: HomeCareOrder, ends_on: datetime.date, acting_user: User | None) -> HomeCareOrder:
    _require(acting_user, CarePerm.MANAGE_HOMECARE, order.region_id, "order")
    if order.status == HomeCareOrderStatus.CLOSED:
        raise ValidationError({"status": ["该服务单已结束"]})
    if ends_on < order.starts_on:
        raise ValidationError({"ends_on": ["结束日期不能早于开始日期"]})
    with transaction.atomic():
        cancelled = HomeCareVisit.objects.filter(
            order=order, status=VisitStatus.SCHEDULED, scheduled_start__date__gt=ends_on
        ).update(status=VisitStatus.CANCELLED)
        order.status = HomeCareOrderStatus.CLOSED
        order.ends_on = ends_on
        order.save(update_fields=["status", "ends_on"])
        audit_record(
            action="eldercare.homecare_order.close",
            actor=acting_user,
            obj=order,
            region_code=order.region_id,
            changes={"ends_on": ends_on, "cancelled_visits": cancelled},
        )
    return order


def _entitlement_left(order: HomeCareOrder, day: datetime.date, minutes: int) -> dict[str, list[str]]:
    """Visits may not be booked beyond the entitlement: home care within the month's hours of
    the order, respite within the person's yearly hours (both from policy parameters)."""
    from eldercare.selectors_care import entitled_hours

    booked = HomeCareVisit.objects.exclude(status__in=[VisitStatus.CANCELLED, VisitStatus.MISSED])
    if order.service == HomeCareService.RESPITE:
        booked = booked.filter(
            order__person_id=order.person_id, order__service=HomeCareService.RESPITE, scheduled_start__year=day.year
        )
        cap, period = order.yearly_hours, f"{day.year} 年"
    else:
        booked = booked.filter(order=order, scheduled_start__year=day.year, scheduled_start__month=day.month)
        cap, period = entitled_hours(order, day), f"{day:%Y年%m月}"
    used = sum(booked.values_list("scheduled_minutes", flat=True))
    if used + minutes > cap * 60:
        return {
            "minutes": [
                f"超出{period}的服务时数：应享 {cap} 小时，已排 {Decimal(used) / 60:.1f} 小时，本次 {minutes} 分钟"
            ]
        }
    return {}


def homecare_visit_schedule(
    *,
    order: HomeCareOrder,
    scheduled_start: datetime.datetime,
    minutes: int,
    caregiver_name: str = "",
    caregiver: Caregiver | None = None,
    acting_user: User | None,
) -> HomeCareVisit:
    _require(acting_user, CarePerm.MANAGE_HOMECARE, order.region_id, "order")
    errors: dict[str, list[str]] = {}
    if order.status != HomeCareOrderStatus.ACTIVE:
        errors["order"] = ["服务单不在服务中，不能排班"]
    day = timezone.localtime(scheduled_start).date() if timezone.is_aware(scheduled_start) else scheduled_start.date()
    if day < order.starts_on or (order.ends_on and day > order.ends_on):
        errors["scheduled_start"] = ["上门时间不在服务单有效期内"]
    if not 15 <= minutes <= 600:
        errors["minutes"] = ["计划时长应在 15–600 分钟之间"]
    name = (caregiver_name or (caregiver.person.name if caregiver else "")).strip()
    if not name:
        errors["caregiver_name"] = ["请填写护理员"]
    if not errors:
        errors.update(_entitlement_left(order, day, minutes))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visit = HomeCareVisit.objects.create(
            order=order,
            caregiver=caregiver,
            caregiver_name=name[:50],
            scheduled_start=scheduled_start,
            scheduled_minutes=minutes,
            created_by=acting_user,
        )
        audit_record(
            action="eldercare.homecare_visit.schedule",
            actor=acting_user,
            obj=visit,
            region_code=order.region_id,
            changes={"order": order.pk, "start": scheduled_start, "minutes": minutes, "caregiver": name},
        )
    return visit


def homecare_visit_check_in(*, visit: HomeCareVisit, at: datetime.datetime, acting_user: User | None) -> HomeCareVisit:
    _require(acting_user, CarePerm.MANAGE_HOMECARE, visit.order.region_id, "visit")
    if visit.status != VisitStatus.SCHEDULED:
        raise ValidationError({"status": [f"记录状态为“{visit.get_status_display()}”，不能签到"]})
    with transaction.atomic():
        visit.status = VisitStatus.CHECKED_IN
        visit.checked_in_at = at
        visit.save(update_fields=["status", "checked_in_at"])
        audit_record(
            action="eldercare.homecare_visit.check_in",
            actor=acting_user,
            obj=visit,
            region_code=visit.order.region_id,
            changes={"at": at},
        )
    return visit


def homecare_visit_check_out(
    *, visit: HomeCareVisit, at: datetime.datetime, services_done: str = "", acting_user: User | None
) -> HomeCareVisit:
    _require(acting_user, CarePerm.MANAGE_HOMECARE, visit.order.region_id, "visit")
    if visit.status != VisitStatus.CHECKED_IN or visit.checked_in_at is None:
        raise ValidationError({"status": ["请先签到再签退"]})
    if at < visit.checked_in_at:
        raise ValidationError({"checked_out_at": ["签退时间不能早于签到时间"]})
    if at - visit.checked_in_at > datetime.timedelta(hours=12):
        raise ValidationError({"checked_out_at": ["单次服务不能超过 12 小时，请核对签退时间"]})
    minutes = int((at - visit.checked_in_at).total_seconds() // 60)
    with transaction.atomic():
        visit.status = VisitStatus.DONE
        visit.checked_out_at = at
        visit.delivered_minutes = minutes
        visit.services_done = services_done[:300]
        visit.save(update_fields=["status", "checked_out_at", "delivered_minutes", "services_done"])
        audit_record(
            action="eldercare.homecare_visit.check_out",
            actor=acting_user,
            obj=visit,
            region_code=visit.order.region_id,
            changes={"at": at, "minutes": minutes},
        )
    return visit


def homecare_visit_mark_missed(*, visit: HomeCareVisit, note: str, acting_user: User | None) -> HomeCareVisit:
    _require(acting_user, CarePerm.MANAGE_HOMECARE, visit.order.region_id, "visit")
    if visit.status != VisitStatus.SCHEDULED:
        raise ValidationError({"status": [f"记录状态为“{visit.get_status_display()}”，不能标记未上门"]})
    with transaction.atomic():
        visit.status = VisitStatus.MISSED
        visit.note = note[:200]
        visit.save(update_fields=["status", "note"])
        audit_record(
            action="eldercare.homecare_visit.missed",
            actor=acting_user,
            obj=visit,
            region_code=visit.order.region_id,
            changes={"note": note},
        )
    return visit


__all__ = [
    "Region",
    "allowance_suspension_create",
    "allowance_suspension_end",
    "bed_application_create",
    "bed_application_withdraw",
    "bed_offer_accept",
    "bed_offer_create",
    "bed_offer_decline",
    "bed_offers_expire",
    "care_assessment_create",
    "current_assessment",
    "homecare_order_close",
    "homecare_order_create",
    "homecare_visit_check_in",
    "homecare_visit_check_out",
    "homecare_visit_mark_missed",
    "homecare_visit_schedule",
]
