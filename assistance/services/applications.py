"""Writes of applications: intake, members, documents, and each step of 审核确认 in order.

The order is that of 《最低生活保障审核确认办法》 (民发〔2021〕57号): 受理 → 经济状况核对 →
入户调查 → 民主评议 (or its recorded skip, where the region's policy allows for uncontested
cases) → 公示 → 审核确认. Each function accepts the application only in the state its step
follows, so no step can be skipped or done twice; the approver must be another user than the
one who handled the application (four eyes). An application whose verification failed may be
refused early (57号: 不符合条件的，书面告知并说明理由) but never approved without the full path.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance.choices import (
    INCOME_KINDS,
    MONETARY_ASSET_KINDS,
    REQUIRED_DOCUMENTS,
    ApplicationStatus,
    CaseStatus,
    Category,
    Channel,
    DecisionLevel,
    DecisionOutcome,
    DeclaredItemKind,
    DocumentKind,
    MemberKind,
    VisitRecommendation,
)
from assistance.models import (
    Application,
    ApplicationDocument,
    ApplicationMember,
    Appraisal,
    Case,
    Decision,
    DeclaredItem,
    HomeVisit,
    Objection,
    Publicity,
)
from assistance.permissions import AssistancePerm
from assistance.rules import Assessment, MemberInput, assess, money
from core import calendar as workdays
from core.audit import audit_record
from core.choices import Relation
from core.models import Household, HouseholdMember, Person, User
from core.policy import MissingPolicyParameter, policy_table
from core.scoping import has_perm
from core.services.jobs import stored_file_create

__all__ = [
    "APPLICATION_CATEGORIES",
    "application_assess",
    "application_document_upload",
    "application_member_add",
    "application_member_remove",
    "application_submit",
    "application_verification_result",
    "application_verify_request",
    "application_withdraw",
    "appraisal_record",
    "appraisal_skip",
    "decision_record",
    "objection_record",
    "publicity_close",
    "publicity_start",
    "visit_record",
]

# 临时救助 is granted through its own fast flow (services.temporary), not this application.
APPLICATION_CATEGORIES = [c for c in Category.values if c != Category.TEMPORARY_ASSISTANCE]
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
S = ApplicationStatus
LIVE_CASE_STATUSES = [CaseStatus.ACTIVE, CaseStatus.SUSPENDED]


# ---------------------------------------------------------------- helpers


def _require(user: User | None, perm: str, application: Application | None = None, region: str = "") -> None:
    code = application.region_id if application is not None else region
    if user is None or not has_perm(user, perm, code):
        raise ValidationError({"application": ["您无权办理该区划的救助申请"]})


def _is_resident_of(user: User | None, household_id: int) -> bool:
    person_id = getattr(user, "person_id", None)
    return bool(person_id and HouseholdMember.objects.filter(household_id=household_id, person_id=person_id).exists())


def _require_handle_or_own(user: User | None, application: Application) -> None:
    """Staff who handle applications there, or the resident applying for their own household."""
    if has_perm(user, AssistancePerm.HANDLE_APPLICATION, application.region_id):
        return
    if _is_resident_of(user, application.household_id) and application.channel == Channel.ONLINE:
        return
    raise ValidationError({"application": ["您无权办理该救助申请"]})


def _expect(application: Application, allowed: Iterable[str], step: str) -> None:
    allowed = list(allowed)
    if application.status not in allowed:
        expected = "、".join(S(a).label for a in allowed)
        raise ValidationError(
            {"status": [f"当前状态为“{application.get_status_display()}”，不能{step}（应在“{expected}”之后）"]}
        )


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = money(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: ["请填写金额（元）"]}) from None
    if amount < 0:
        raise ValidationError({field: ["金额不能为负数"]})
    return amount


def _audit(action: str, user: User | None, application: Application, **changes: Any) -> None:
    audit_record(action=action, actor=user, obj=application, region_code=application.region_id, changes=changes)


def _advance(application: Application, status: str, user: User | None, action: str, **changes: Any) -> None:
    before = application.status
    application.status = status
    # An online application gets its handler when the first staff member acts on it.
    if (
        application.handler_id is None
        and user is not None
        and has_perm(user, AssistancePerm.HANDLE_APPLICATION, application.region_id)
    ):
        application.handler = user
    application.save()
    _audit(action, user, application, before=before, after=status, **changes)


def _clean_members(
    household: Household, applicant: Person, members: Iterable[Mapping[str, Any]]
) -> list[tuple[Person, str, str, list[str]]]:
    """Members must already be in the household in the registry (search before create)."""
    from assistance.choices import Addon

    rows: list[tuple[int, str, str, list[str]]] = []
    seen: set[int] = set()
    for item in members:
        person = item["person"]
        person_id = person.pk if isinstance(person, Person) else int(person)
        if person_id in seen:
            raise ValidationError({"members": ["家庭成员重复"]})
        seen.add(person_id)
        relation = item.get("relation") or Relation.OTHER
        kind = item.get("kind") or MemberKind.ADULT
        addons = list(dict.fromkeys(item.get("addons") or []))
        if relation not in Relation.values:
            raise ValidationError({"members": [f"与申请人关系“{relation}”无效"]})
        if kind not in MemberKind.values:
            raise ValidationError({"members": [f"标准类别“{kind}”无效"]})
        unknown = [a for a in addons if a not in Addon.values]
        if unknown:
            raise ValidationError({"members": [f"分类施保加发项目“{'、'.join(unknown)}”无效"]})
        rows.append((person_id, relation, kind, addons))
    if applicant.pk not in seen:
        rows.insert(0, (applicant.pk, Relation.HEAD, MemberKind.ADULT, []))
        seen.add(applicant.pk)
    registered = dict(
        HouseholdMember.objects.filter(household=household, person_id__in=seen).values_list("person_id", "person_id")
    )
    outsiders = seen - set(registered)
    if outsiders:
        # Ids only: a name would tell the caller who a person outside their scope is.
        ids = "、".join(str(pk) for pk in sorted(outsiders))
        raise ValidationError({"members": [f"人员 {ids} 不是该家庭户在户籍登记中的成员，请先在人员与家庭户中登记"]})
    people = Person.objects.in_bulk(list(seen))
    dead = [people[pk].name for pk in seen if people[pk].death_date is not None]
    if dead:
        raise ValidationError({"members": [f"{'、'.join(dead)} 已死亡"]})
    return [(people[pk], relation, kind, addons) for pk, relation, kind, addons in rows]


def _clean_items(
    items: Iterable[Mapping[str, Any]], member_ids: set[int]
) -> list[tuple[str, Decimal, int | None, str]]:
    rows = []
    for item in items:
        kind = item.get("kind", "")
        if kind not in DeclaredItemKind.values:
            raise ValidationError({"declared_items": [f"申报项目“{kind}”无效"]})
        amount = _money(item.get("amount", 0), "declared_items")
        person = item.get("person")
        person_id = (person.pk if isinstance(person, Person) else int(person)) if person else None
        if person_id is not None and person_id not in member_ids:
            raise ValidationError({"declared_items": ["申报项目所属成员不在申请家庭成员中"]})
        rows.append((kind, amount, person_id, str(item.get("note", ""))[:200]))
    return rows


def _recompute_declared(application: Application) -> None:
    items = list(application.declared_items.values_list("kind", "amount"))
    application.declared_monthly_income = sum((a for k, a in items if k in INCOME_KINDS), start=Decimal("0"))
    application.declared_monetary_assets = sum((a for k, a in items if k in MONETARY_ASSET_KINDS), start=Decimal("0"))


def _today() -> datetime.date:
    return timezone.localdate()


def sla_working_days(category: str, region_code: str, on: datetime.date) -> int:
    try:
        table = policy_table("assistance.sla_working_days", region_code, on)
    except MissingPolicyParameter as exc:
        raise ValidationError({"category": [str(exc)]}) from None
    return int(table[category])


# ---------------------------------------------------------------- intake


def application_submit(
    *,
    household: Household,
    category: str,
    applicant: Person,
    acting_user: User,
    members: Iterable[Mapping[str, Any]] = (),
    declared_items: Iterable[Mapping[str, Any]] = (),
    reason: str = "",
    channel: str = Channel.STAFF,
) -> Application:
    """受理: at a township window (staff) or online by a resident of the household."""
    if category not in APPLICATION_CATEGORIES:
        raise ValidationError({"category": ["请选择救助类别（临时救助请走临时救助申请）"]})
    if channel not in Channel.values:
        raise ValidationError({"channel": ["受理渠道无效"]})
    if channel == Channel.ONLINE:
        if not _is_resident_of(acting_user, household.pk):
            raise ValidationError({"household": ["只能为本人所在家庭申请"]})
    else:
        _require(acting_user, AssistancePerm.HANDLE_APPLICATION, region=household.region_id)
    if not HouseholdMember.objects.filter(household=household, person=applicant).exists():
        raise ValidationError({"applicant": ["申请人应为该家庭户的成员"]})
    rows = _clean_members(household, applicant, members)
    items = _clean_items(declared_items, {p.pk for p, _, _, _ in rows})
    now = timezone.now()
    today = timezone.localdate(now)
    due = workdays.add_working_days(today, sla_working_days(category, household.region_id, today))
    if Application.objects.open().filter(household=household, category=category).exists():
        raise ValidationError({"household": ["该家庭已有同类别的在办申请"]})
    if Case.objects.filter(household=household, category=category, status__in=LIVE_CASE_STATUSES).exists():
        raise ValidationError({"household": ["该家庭已在保（同类别案件在保或停保中），请走复核或调整"]})
    try:
        with transaction.atomic():
            application = Application.objects.create(
                number=f"TMP-{now.timestamp()}-{household.pk}"[:30],
                category=category,
                household=household,
                applicant=applicant,
                region_id=household.region_id,
                channel=channel,
                reason=reason.strip(),
                submitted_at=now,
                submitted_by=acting_user,
                handler=acting_user if channel == Channel.STAFF else None,
                due_date=due,
            )
            application.number = f"SQ{household.region_id[:6]}{today:%Y%m%d}{application.pk:06d}"
            ApplicationMember.objects.bulk_create(
                [
                    ApplicationMember(application=application, person=p, relation=rel, kind=kind, addons=addons)
                    for p, rel, kind, addons in rows
                ]
            )
            DeclaredItem.objects.bulk_create(
                [
                    DeclaredItem(application=application, kind=k, amount=a, person_id=pid, note=note)
                    for k, a, pid, note in items
                ]
            )
            _recompute_declared(application)
            application.save()
            _audit(
                "application.submit",
                acting_user,
                application,
                category=category,
                channel=channel,
                members=[p.pk for p, _, _, _ in rows],
                declared_monthly_income=str(application.declared_monthly_income),
                declared_monetary_assets=str(application.declared_monetary_assets),
                due_date=due.isoformat(),
            )
    except IntegrityError:
        # Two submissions racing past the check: the partial unique index decides.
        raise ValidationError({"household": ["该家庭已有同类别的在办申请"]}) from None
    return application


def application_member_add(
    *,
    application: Application,
    person: Person,
    acting_user: User,
    relation: str = Relation.OTHER,
    kind: str = MemberKind.ADULT,
    addons: Iterable[str] = (),
) -> ApplicationMember:
    """Members change only before verification starts (the verification covers them all)."""
    _require_handle_or_own(acting_user, application)
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.SUBMITTED], "增加家庭成员")
        if application.members.filter(person=person).exists():
            raise ValidationError({"person": [f"{person.name} 已在申请家庭成员中"]})
        ((person, relation, kind, addon_list),) = _clean_members(
            application.household,
            person,
            [{"person": person, "relation": relation, "kind": kind, "addons": list(addons)}],
        )
        member = ApplicationMember.objects.create(
            application=application, person=person, relation=relation, kind=kind, addons=addon_list
        )
        _audit("application.member_add", acting_user, application, person=person.pk, kind=kind, addons=addon_list)
    return member


def application_member_remove(*, application: Application, person: Person, acting_user: User) -> None:
    _require_handle_or_own(acting_user, application)
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.SUBMITTED], "移除家庭成员")
        if person.pk == application.applicant_id:
            raise ValidationError({"person": ["申请人不能从申请中移除"]})
        deleted, _ = ApplicationMember.objects.filter(application=application, person=person).delete()
        if not deleted:
            raise ValidationError({"person": [f"{person.name} 不在申请家庭成员中"]})
        DeclaredItem.objects.filter(application=application, person=person).delete()
        _recompute_declared(application)
        application.save()
        _audit("application.member_remove", acting_user, application, person=person.pk)


def application_declared_items_set(
    *, application: Application, items: Iterable[Mapping[str, Any]], acting_user: User
) -> Application:
    """Replace the declared income and assets (before verification)."""
    _require_handle_or_own(acting_user, application)
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.SUBMITTED], "修改申报收入财产")
        rows = _clean_items(items, set(application.members.values_list("person_id", flat=True)))
        application.declared_items.all().delete()
        DeclaredItem.objects.bulk_create(
            [DeclaredItem(application=application, kind=k, amount=a, person_id=p, note=n) for k, a, p, n in rows]
        )
        before = (str(application.declared_monthly_income), str(application.declared_monetary_assets))
        _recompute_declared(application)
        application.save()
        _audit(
            "application.declare",
            acting_user,
            application,
            before=before,
            after=(str(application.declared_monthly_income), str(application.declared_monetary_assets)),
        )
    return application


def application_document_upload(
    *, application: Application, kind: str, content: bytes | File, name: str, acting_user: User
) -> ApplicationDocument:
    _require_handle_or_own(acting_user, application)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": ["材料类型无效"]})
    size = len(content) if isinstance(content, bytes) else (content.size or 0)
    if size == 0:
        raise ValidationError({"file": ["文件为空"]})
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": ["文件不能超过 10 MB"]})
    if not application.is_open:
        raise ValidationError({"status": ["申请已办结，不能再上传材料"]})
    with transaction.atomic():
        stored = stored_file_create(name=name or "材料", content=content, created_by=acting_user)
        document = ApplicationDocument.objects.create(
            application=application, kind=kind, file=stored, uploaded_by=acting_user
        )
        _audit("application.document", acting_user, application, kind=kind, file=stored.pk, sha256=stored.sha256)
    return document


def missing_documents(application: Application) -> list[str]:
    have = set(application.documents.values_list("kind", flat=True))
    return [DocumentKind(k).label for k in REQUIRED_DOCUMENTS if k not in have]


def application_withdraw(*, application: Application, reason: str, acting_user: User) -> Application:
    _require_handle_or_own(acting_user, application)
    with transaction.atomic():
        application = _locked(application)
        if not application.is_open:
            raise ValidationError({"status": ["申请已办结，不能撤回"]})
        application.closed_at = timezone.now()
        _advance(application, S.WITHDRAWN, acting_user, "application.withdraw", reason=reason.strip())
    return application


# ---------------------------------------------------------------- steps


def application_verify_request(
    *, application: Application, acting_user: User, run_verification: bool = True
) -> Application:
    """经济状况核对: the checklist must be complete; the verification job runs for the household
    and reports back. ``run_verification=False`` when the 核对中心's result will be recorded by
    hand (an outside verification system, or the demo)."""
    _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.SUBMITTED], "发起经济状况核对")
        missing = missing_documents(application)
        if missing:
            raise ValidationError({"documents": [f"缺少材料：{'、'.join(missing)}"]})
        _advance(application, S.VERIFYING, acting_user, "application.verify_request")
        job_id = _start_verification(application, acting_user) if run_verification else None
        if job_id:
            application.verification_summary = {"job": job_id}
            application.save(update_fields=["verification_summary"])
    return application


def _start_verification(application: Application, acting_user: User) -> int | None:
    """Run the household's verification when the verification module is installed (h3c)."""
    try:
        from assistance.services_verification import verification_run_for_households
    except ImportError:
        return None
    job = verification_run_for_households(
        household_ids=[application.household_id], on_date=_today(), acting_user=acting_user, application=application
    )
    return getattr(job, "pk", None)


def application_verification_result(
    *,
    application: Application,
    passed: bool,
    monthly_income: Decimal | str | int,
    acting_user: User | None,
    summary: Mapping[str, Any] | None = None,
) -> Application:
    """The verification's conclusion: from the verification job (acting_user None) or by staff."""
    if acting_user is not None:
        _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    income = _money(monthly_income, "monthly_income")
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.VERIFYING], "登记核对结论")
        application.verification_passed = bool(passed)
        application.verification_summary = {**application.verification_summary, **dict(summary or {})}
        application.assessed_monthly_income = income
        application.verified_at = timezone.now()
        _advance(application, S.VERIFIED, acting_user, "application.verified", passed=bool(passed), income=str(income))
    return application


def visit_record(
    *,
    application: Application,
    visited_on: datetime.date,
    visitors: str,
    findings: str,
    recommendation: str,
    acting_user: User,
) -> HomeVisit:
    """入户调查. The first visit completes the step; later visits (复查) add to the record."""
    _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    if recommendation not in VisitRecommendation.values:
        raise ValidationError({"recommendation": ["请选择调查意见"]})
    if not visitors.strip() or not findings.strip():
        raise ValidationError({"findings": ["请填写调查人员和调查情况"]})
    if visited_on > _today():
        raise ValidationError({"visited_on": ["调查日期不能晚于今天"]})
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.VERIFIED, S.VISITED], "登记入户调查")
        if visited_on < application.submitted_at.date():
            raise ValidationError({"visited_on": ["调查日期不能早于受理日期"]})
        visit = HomeVisit.objects.create(
            application=application,
            visited_on=visited_on,
            visitors=visitors.strip(),
            findings=findings.strip(),
            recommendation=recommendation,
            recorded_by=acting_user,
        )
        if application.status == S.VERIFIED:
            _advance(application, S.VISITED, acting_user, "application.visit", recommendation=recommendation)
        else:
            _audit("application.visit", acting_user, application, recommendation=recommendation)
    return visit


def appraisal_record(
    *,
    application: Application,
    held_on: datetime.date,
    participants: int,
    votes_for: int,
    votes_against: int,
    opinion: str,
    acting_user: User,
) -> Appraisal:
    """民主评议 by the village committee and residents' representatives."""
    _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    if participants <= 0 or votes_for < 0 or votes_against < 0 or votes_for + votes_against > participants:
        raise ValidationError({"votes_for": ["同意票与反对票之和不能超过参加人数"]})
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.VISITED], "登记民主评议")
        appraisal = Appraisal.objects.create(
            application=application,
            held_on=held_on,
            participants=participants,
            votes_for=votes_for,
            votes_against=votes_against,
            opinion=opinion.strip(),
            recorded_by=acting_user,
        )
        _advance(
            application,
            S.APPRAISED,
            acting_user,
            "application.appraisal",
            participants=participants,
            votes_for=votes_for,
            votes_against=votes_against,
        )
    return appraisal


def is_uncontested(application: Application) -> bool:
    """Verification passed and every home visit recommends support."""
    recommendations = set(application.visits.values_list("recommendation", flat=True))
    return bool(application.verification_passed) and recommendations == {VisitRecommendation.SUPPORT}


def appraisal_skip(*, application: Application, reason: str, acting_user: User) -> Appraisal:
    """Skip 民主评议 — only for uncontested applications where the region's policy allows it."""
    _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.VISITED], "免于民主评议")
        try:
            allowed = policy_table("assistance.appraisal_skip_uncontested", application.region_id, _today())
        except MissingPolicyParameter:
            allowed = False
        if not allowed:
            raise ValidationError({"appraisal": ["本地政策规定须经民主评议"]})
        if not is_uncontested(application):
            raise ValidationError({"appraisal": ["核对未通过或入户调查有不同意见，须经民主评议"]})
        appraisal = Appraisal.objects.create(
            application=application,
            skipped=True,
            skip_reason=reason.strip() or "无争议，按本地政策免于民主评议",
            recorded_by=acting_user,
        )
        _advance(application, S.APPRAISED, acting_user, "application.appraisal_skip", reason=appraisal.skip_reason)
    return appraisal


def publicity_start(
    *, application: Application, place: str, acting_user: User, starts_on: datetime.date | None = None
) -> Publicity:
    """公示 for the configured number of working days, the start day included."""
    _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    if not place.strip():
        raise ValidationError({"place": ["请填写公示地点"]})
    start = starts_on or workdays.next_working_day_on_or_after(_today())
    if not workdays.is_working_day(start):
        raise ValidationError({"starts_on": [f"{start:%Y-%m-%d} 不是工作日"]})
    if start < _today():
        raise ValidationError({"starts_on": ["公示开始日期不能早于今天"]})
    try:
        days = int(Decimal(str(policy_table("assistance.publicity_days", application.region_id, start))))
    except MissingPolicyParameter as exc:
        raise ValidationError({"place": [str(exc)]}) from None
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.APPRAISED], "开始公示")
        publicity = Publicity.objects.create(
            application=application,
            place=place.strip(),
            starts_on=start,
            ends_on=workdays.add_working_days(start, days - 1),
            days=days,
            started_by=acting_user,
        )
        _advance(
            application,
            S.PUBLICIZING,
            acting_user,
            "application.publicity_start",
            starts_on=start.isoformat(),
            ends_on=publicity.ends_on.isoformat(),
            days=days,
        )
    return publicity


def objection_record(
    *,
    application: Application,
    received_on: datetime.date,
    content: str,
    acting_user: User,
    objector: str = "",
    finding: str = "",
    upheld: bool | None = None,
) -> Objection:
    """An objection received during publicity, with the finding once checked."""
    _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    if not content.strip():
        raise ValidationError({"content": ["请填写异议内容"]})
    if upheld is not None and not finding.strip():
        raise ValidationError({"finding": ["认定异议是否成立时请填写核实情况"]})
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.PUBLICIZING], "登记公示异议")
        publicity = application.publicity
        if not publicity.starts_on <= received_on <= publicity.ends_on:
            raise ValidationError({"received_on": ["异议应在公示期内收到"]})
        objection = Objection.objects.create(
            publicity=publicity,
            received_on=received_on,
            objector=objector.strip(),
            content=content.strip(),
            finding=finding.strip(),
            upheld=upheld,
            recorded_by=acting_user,
        )
        _audit("application.objection", acting_user, application, objection=objection.pk, upheld=upheld)
    return objection


def objection_resolve(*, objection: Objection, finding: str, upheld: bool, acting_user: User) -> Objection:
    application = objection.publicity.application
    _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    if not finding.strip():
        raise ValidationError({"finding": ["请填写核实情况"]})
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.PUBLICIZING], "核实公示异议")
        objection.finding, objection.upheld = finding.strip(), upheld
        objection.save(update_fields=["finding", "upheld"])
        _audit("application.objection_resolve", acting_user, application, objection=objection.pk, upheld=upheld)
    return objection


def publicity_close(*, application: Application, conclusion: str, acting_user: User) -> Publicity:
    """Close publicity once its last day has passed and every objection has a finding."""
    _require(acting_user, AssistancePerm.HANDLE_APPLICATION, application)
    with transaction.atomic():
        application = _locked(application)
        _expect(application, [S.PUBLICIZING], "结束公示")
        publicity = application.publicity
        if _today() <= publicity.ends_on:
            raise ValidationError({"publicity": [f"公示期至 {publicity.ends_on:%Y-%m-%d}，期满后才能结束"]})
        if publicity.objections.filter(upheld__isnull=True).exists():
            raise ValidationError({"publicity": ["还有未核实的异议"]})
        upheld = publicity.objections.filter(upheld=True).count()
        publicity.closed_at = timezone.now()
        publicity.closed_by = acting_user
        publicity.conclusion = conclusion.strip() or ("公示期内无异议" if not upheld else f"{upheld} 条异议成立")
        publicity.save()
        _advance(application, S.PUBLICIZED, acting_user, "application.publicity_close", upheld_objections=upheld)
    return publicity


# ---------------------------------------------------------------- decision


def application_assess(application: Application, on: datetime.date | None = None) -> Assessment:
    """Eligibility and amount from the assessed (or, before verification, declared) figures."""
    on = on or _today()
    members = [
        MemberInput(kind=kind, addons=addons) for kind, addons in application.members.values_list("kind", "addons")
    ]
    kinds = set(application.declared_items.values_list("kind", flat=True))
    income = application.assessed_monthly_income
    if income is None:
        income = application.declared_monthly_income
    # The verification report's figures (h3c's report_summary) win over the declared ones.
    summary = application.verification_summary or {}
    assets = Decimal(str(summary.get("monetary_property", application.declared_monetary_assets)))
    return assess(
        category=application.category,
        region_code=application.region_id,
        on=on,
        members=members,
        household_monthly_income=income,
        monetary_assets=assets,
        has_vehicle=DeclaredItemKind.VEHICLE in kinds or bool(summary.get("vehicle_count")),
        has_non_residential=DeclaredItemKind.NON_RESIDENTIAL in kinds or bool(summary.get("non_residential_count")),
    )


def decision_level(application: Application, on: datetime.date) -> str:
    try:
        level = str(policy_table("assistance.decision_level", application.region_id, on))
    except MissingPolicyParameter:
        level = DecisionLevel.DISTRICT
    return level if level in DecisionLevel.values else DecisionLevel.DISTRICT


def _require_decider(user: User, application: Application, level: str) -> None:
    # The grant must cover the whole district (or township) that decides, not just the village.
    scope = application.region_id[:6] if level == DecisionLevel.DISTRICT else application.region_id[:9]
    if not has_perm(user, AssistancePerm.DECIDE_APPLICATION, scope):
        label = DecisionLevel(level).label
        raise ValidationError({"application": [f"本地政策规定由{label}审核确认，您没有该级审批权限"]})


def decision_record(
    *,
    application: Application,
    outcome: str,
    reasons: str,
    acting_user: User,
    start_month: datetime.date | None = None,
) -> Decision:
    """审核确认. Approval opens the case; refusal states the reasons and the way to appeal."""
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": ["请选择批准或不予批准"]})
    today = _today()
    level = decision_level(application, today)
    _require_decider(acting_user, application, level)
    if not reasons.strip():
        raise ValidationError({"reasons": ["请填写审核确认理由"]})
    with transaction.atomic():
        application = _locked(application)
        if outcome == DecisionOutcome.APPROVE:
            _expect(application, [S.PUBLICIZED], "批准")
        elif application.verification_passed is False:
            _expect(application, [S.VERIFIED, S.VISITED, S.APPRAISED, S.PUBLICIZED], "不予批准")
        else:
            _expect(application, [S.PUBLICIZED], "不予批准")
        if acting_user.pk in {application.handler_id, application.submitted_by_id}:
            raise ValidationError({"application": ["审批人不能是本申请的经办人（须由另一人审核确认）"]})
        month = (start_month or today).replace(day=1)
        assessment = application_assess(application, month)
        amount = assessment.monthly_amount
        if outcome == DecisionOutcome.APPROVE:
            if not assessment.eligible:
                raise ValidationError({"outcome": ["不符合条件，不能批准：" + "；".join(assessment.reasons)]})
            if application.publicity.objections.filter(upheld=True).exists():
                raise ValidationError({"outcome": ["公示期内有成立的异议，不能批准"]})
        else:
            amount = Decimal("0.00")
        income = application.assessed_monthly_income
        if income is None:
            income = application.declared_monthly_income
        decision = Decision.objects.create(
            application=application,
            outcome=outcome,
            level=level,
            reasons=reasons.strip(),
            monthly_amount=amount,
            household_monthly_income=income,
            start_month=month if outcome == DecisionOutcome.APPROVE else None,
            parameters_used=assessment.parameters_used,
            decided_by=acting_user,
            decided_at=timezone.now(),
        )
        if outcome == DecisionOutcome.APPROVE:
            application.case = _open_case(application, decision, acting_user)
        application.closed_at = decision.decided_at
        _advance(
            application,
            S.APPROVED if outcome == DecisionOutcome.APPROVE else S.REFUSED,
            acting_user,
            "application.decide",
            outcome=outcome,
            level=level,
            monthly_amount=str(amount),
            start_month=decision.start_month.isoformat() if decision.start_month else None,
            parameters_used=assessment.parameters_used,
        )
    return decision


def _open_case(application: Application, decision: Decision, acting_user: User) -> Any:
    from dateutil.relativedelta import relativedelta

    from assistance.services.cases import case_open

    start = decision.start_month
    assert start is not None
    try:
        interval = policy_table("assistance.review_interval_months", application.region_id, start)
        months = int(interval.get(application.category, 12))
    except MissingPolicyParameter:
        months = 12
    members = [
        {"person": person_id, "kind": kind, "addons": addons}
        for person_id, kind, addons in application.members.values_list("person_id", "kind", "addons")
    ]
    return case_open(
        household=application.household,
        category=application.category,
        members=members,
        household_monthly_income=decision.household_monthly_income,
        start_month=start,
        acting_user=acting_user,
        payee=application.applicant,
        next_review_due=start + relativedelta(months=months),
        reason=f"申请 {application.number} 审核确认批准",
    )
