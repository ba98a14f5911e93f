"""API of the spine: tokens, regions, people, households, imports, jobs, audit, policy, calendar, users.

Every endpoint goes through the same services and scoped querysets as the web pages, and
list filters are the same FilterSets.
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from core import calendar as workdays
from core import exports, imports, services
from core.audit import verify_chain
from core.auth import AccountLocked, api_token_issue, check_credentials
from core.filtersets import (
    AuditEventFilterSet,
    HouseholdFilterSet,
    JobFilterSet,
    PersonFilterSet,
    PolicyParameterFilterSet,
    RegionFilterSet,
)
from core.job_handlers import PERSON_EXPORT, PERSON_IMPORT_VALIDATE
from core.jobs import kind_label
from core.models import (
    AuditEvent,
    CalendarDay,
    Household,
    HouseholdMember,
    Job,
    Person,
    PolicyParameter,
    Region,
    Role,
    RoleGrant,
    StoredFile,
    User,
)
from core.permissions import CorePerm
from core.policy import policy_value
from core.scoping import get_visible_or_404, grant_prefixes, has_perm
from core.selectors import home_region, present_people, region_label
from core.sheets import SheetError, read_sheet

router = Router()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_PAGE_SIZE = 100


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _require(request: HttpRequest, perm: str) -> User:
    user = _user(request)
    if not has_perm(user, perm):
        raise PermissionDenied("您的账号没有此操作的权限")
    return user


def _filtered(filterset_class: Any, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> tuple[dict[str, Any], list[Any]]:
    try:
        page_size = min(MAX_PAGE_SIZE, max(1, int(request.GET.get("page_size", 20))))
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        raise ValidationError({"page": ["页码和每页条数应为正整数"]}) from None
    # The page is read first: when it is the last one (fewer rows than a page, or an empty first
    # page), it gives the exact count by itself and the COUNT(*) is not needed. That is the
    # usual case of searches (an ID number, a name) and saves a query on each of them.
    offset = (number - 1) * page_size
    rows = list(queryset[offset : offset + page_size])
    if 0 < len(rows) < page_size or (not rows and number == 1):
        count = offset + len(rows)
    else:
        count = queryset.count()
        if not rows and number > 1:
            # Past the end: the last page (page 1 when there is nothing), as Paginator.get_page.
            number = max(1, math.ceil(count / page_size))
            offset = (number - 1) * page_size
            rows = list(queryset[offset : offset + page_size]) if count else []
    pages = max(1, math.ceil(count / page_size))
    return {"count": count, "page": number, "page_size": page_size, "pages": pages}, rows


class JobOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    status: str
    progress_done: int
    progress_total: int
    percent: int
    counts: dict[str, Any]
    errors: list[dict[str, Any]]
    error_count: int
    message: str
    result_file: int | None
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


def _job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "kind_label": kind_label(job.kind),
        "title": job.title,
        "status": job.status,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "percent": job.percent,
        "counts": job.counts,
        "errors": job.errors,
        "error_count": job.error_count,
        "message": job.message,
        "result_file": job.result_file_id,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


# --- Auth -----------------------------------------------------------------------------------


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: datetime.datetime
    username: str


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: dict, 423: dict},
    tags=["认证"],
    summary="以用户名和密码换取令牌",
)
def token(request: HttpRequest, data: TokenIn) -> Any:
    try:
        user = check_credentials(data.username, data.password)
    except AccountLocked as locked:
        return 423, {"detail": f"连续登录失败次数过多，账号已锁定至 {timezone.localtime(locked.until):%H:%M}"}
    if user is None:
        return 401, {"detail": "用户名或密码错误"}
    key, issued = api_token_issue(user)
    return 200, {"token": key, "expires_at": issued.expires_at, "username": user.username}


# --- Regions --------------------------------------------------------------------------------


class RegionBrief(Schema):
    code: str
    name: str
    level: str
    is_retired: bool


class RegionOut(RegionBrief):
    full_name: str
    parent: str | None
    replaced_by: str | None
    note: str
    children: list[RegionBrief]


def _region_out(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "is_retired": region.is_retired,
        "full_name": region.full_name,
        "parent": region.parent_id,
        "replaced_by": region.replaced_by_id,
        "note": region.note,
        "children": [
            {"code": c.code, "name": c.name, "level": c.level, "is_retired": c.is_retired}
            for c in region.children.order_by("code")
        ],
    }


@router.get("/regions", response=list[RegionBrief], tags=["行政区划"], summary="查找区划（parent、level、q）")
def region_list(
    request: HttpRequest, q: str = "", parent: str = "", level: str = "", include_retired: bool = False
) -> Any:
    return list(_filtered(RegionFilterSet, request, Region.objects.all())[:500])


@router.get("/regions/{code}", response=RegionOut, tags=["行政区划"], summary="区划及其下级")
def region_detail(request: HttpRequest, code: str) -> Any:
    return _region_out(get_object_or_404(Region, code=code))


# --- People ---------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: datetime.date
    age: int
    id_number: str
    phone: str
    hukou_region: str
    hukou_region_code: str
    residence_region: str
    residence_region_code: str
    address: str
    household_id: int | None
    household_number: str
    relation: str
    death_date: datetime.date | None
    unmasked: bool


class PersonPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[PersonOut]


class PersonIn(Schema):
    name: str | None = None
    id_number: str | None = None
    hukou_region: str | None = None
    residence_region: str | None = None
    phone: str | None = None
    address: str | None = None


class DeathIn(Schema):
    death_date: datetime.date


@router.get("/persons", response=PersonPage, tags=["人员"], summary="人员列表（region 含下级）")
def person_list(
    request: HttpRequest,
    q: str = "",
    region: str = "",
    sex: str = "",
    age_min: int | None = None,
    age_max: int | None = None,
    status: str = "",
    in_household: str = "",
    page: int = 1,
    page_size: int = 20,
) -> Any:
    user = _require(request, CorePerm.VIEW_PERSON)
    queryset = _filtered(PersonFilterSet, request, Person.objects.visible_to(user, CorePerm.VIEW_PERSON)).order_by(
        "-id"
    )
    meta, people = _page(request, queryset)
    return {**meta, "results": [v.as_dict() for v in present_people(people, user, purpose="接口人员列表")]}


@router.post("/persons", response={201: PersonOut}, tags=["人员"], summary="登记人员")
def person_create(request: HttpRequest, data: PersonIn) -> Any:
    user = _require(request, CorePerm.CHANGE_PERSON)
    fields: dict[str, str] = {k: v or "" for k, v in data.dict().items()}
    cleaned = services.clean_person_input(**fields)  # type: ignore[arg-type]
    person = services.person_create(acting_user=user, data=cleaned)
    return 201, present_people([person], user, purpose="接口登记人员")[0].as_dict()


@router.get(
    "/persons/export",
    response={202: JobOut},
    tags=["人员"],
    summary="导出人员名单 xlsx（超过 5000 人转为后台任务，返回 202 与任务）",
)
def person_export(request: HttpRequest) -> Any:
    user = _require(request, CorePerm.EXPORT_DATA)
    qs = exports.person_export_queryset(user, request.GET)
    if qs is None:
        # The list's messages, each on its own parameter (as GET /persons answers).
        errors = PersonFilterSet(request.GET).errors
        raise ValidationError({k: [str(m) for m in v] for k, v in errors.items()})
    total = qs.count()
    if total > exports.EXPORT_SYNC_LIMIT:
        job = services.job_create(
            kind=PERSON_EXPORT,
            title=f"导出人员名单（{total} 人）",
            acting_user=user,
            region=home_region(user),  # type: ignore[arg-type]
            params={"query": request.GET.urlencode()},
        )
        job.refresh_from_db()
        return 202, _job_out(job)
    content, _ = exports.person_export_workbook(user, request.GET)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=persons.xlsx"
    return response


@router.get("/persons/{person_id}", response=PersonOut, tags=["人员"], summary="人员详情")
def person_detail(request: HttpRequest, person_id: int) -> Any:
    user = _require(request, CorePerm.VIEW_PERSON)
    person = get_visible_or_404(Person.objects.all(), user, CorePerm.VIEW_PERSON, pk=person_id)
    return present_people([person], user, purpose="接口人员详情")[0].as_dict()


@router.patch("/persons/{person_id}", response=PersonOut, tags=["人员"], summary="修改人员信息（只传要改的字段）")
def person_update(request: HttpRequest, person_id: int, data: PersonIn) -> Any:
    user = _require(request, CorePerm.CHANGE_PERSON)
    person = get_visible_or_404(Person.objects.all(), user, CorePerm.CHANGE_PERSON, pk=person_id)
    current = {
        "name": person.name,
        "id_number": person.id_number,
        "hukou_region": person.hukou_region_id,
        "residence_region": person.residence_region_id or "",
        "phone": person.phone,
        "address": person.address,
    }
    merged: dict[str, str] = {**current, **{k: v or "" for k, v in data.dict(exclude_unset=True).items()}}
    cleaned = services.clean_person_input(**merged, death_date=person.death_date)  # type: ignore[arg-type]
    services.person_update(person=person, acting_user=user, data=cleaned)
    return present_people([person], user, purpose="接口修改人员")[0].as_dict()


@router.post("/persons/{person_id}/death", response=PersonOut, tags=["人员"], summary="登记死亡")
def person_death(request: HttpRequest, person_id: int, data: DeathIn) -> Any:
    user = _require(request, CorePerm.CHANGE_PERSON)
    person = get_visible_or_404(Person.objects.all(), user, CorePerm.CHANGE_PERSON, pk=person_id)
    services.person_mark_dead(person=person, death_date=data.death_date, acting_user=user)
    return present_people([person], user, purpose="接口登记死亡")[0].as_dict()


# --- Households -----------------------------------------------------------------------------


class HouseholdBrief(Schema):
    id: int
    number: str
    region: str
    region_name: str
    address: str
    head: str
    size: int


class HouseholdPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[HouseholdBrief]


class HouseholdOut(HouseholdBrief):
    members: list[PersonOut]


class HouseholdIn(Schema):
    region: str
    head_id: int
    address: str = ""
    number: str = ""


class MemberIn(Schema):
    person_id: int
    relation: str


class MoveIn(Schema):
    to_household_id: int
    relation: str


class HeadIn(Schema):
    person_id: int
    former_head_relation: str


def _household_brief(household: Household) -> dict[str, Any]:
    members = list(household.members.all())
    head = next((m.person.name for m in members if m.relation == "head"), "")
    return {
        "id": household.pk,
        "number": household.number,
        "region": household.region_id,
        "region_name": region_label(household.region_id),
        "address": household.address,
        "head": head,
        "size": len(members),
    }


def _household_out(household: Household, user: User) -> dict[str, Any]:
    people = [m.person for m in household.members.select_related("person").order_by("id")]
    return {
        **_household_brief(household),
        "members": [v.as_dict() for v in present_people(people, user, purpose="接口家庭户")],
    }


_MEMBERS = Prefetch("members", queryset=HouseholdMember.objects.select_related("person"))


@router.get("/households", response=HouseholdPage, tags=["家庭户"], summary="家庭户列表")
def household_list(request: HttpRequest, q: str = "", region: str = "", page: int = 1, page_size: int = 20) -> Any:
    user = _require(request, CorePerm.VIEW_HOUSEHOLD)
    queryset = _filtered(
        HouseholdFilterSet, request, Household.objects.visible_to(user, CorePerm.VIEW_HOUSEHOLD)
    ).order_by("-id")
    meta, households = _page(request, queryset.prefetch_related(_MEMBERS))
    return {**meta, "results": [_household_brief(h) for h in households]}


@router.post("/households", response={201: HouseholdOut}, tags=["家庭户"], summary="建户（指定户主）")
def household_create(request: HttpRequest, data: HouseholdIn) -> Any:
    user = _require(request, CorePerm.CHANGE_HOUSEHOLD)
    head = get_visible_or_404(Person.objects.all(), user, CorePerm.VIEW_PERSON, pk=data.head_id)
    region = Region.objects.filter(code=data.region).first()
    if region is None:
        raise ValidationError({"region": [f"区划代码 {data.region} 不存在"]})
    household = services.household_create(
        acting_user=user, region=region, head=head, address=data.address, number=data.number
    )
    return 201, _household_out(household, user)


def _visible_household(user: User, household_id: int, perm: str) -> Household:
    return get_visible_or_404(Household.objects.all(), user, perm, pk=household_id)


@router.get("/households/{household_id}", response=HouseholdOut, tags=["家庭户"], summary="家庭户详情与成员")
def household_detail(request: HttpRequest, household_id: int) -> Any:
    user = _require(request, CorePerm.VIEW_HOUSEHOLD)
    return _household_out(_visible_household(user, household_id, CorePerm.VIEW_HOUSEHOLD), user)


@router.post("/households/{household_id}/members", response=HouseholdOut, tags=["家庭户"], summary="添加成员")
def household_add_member(request: HttpRequest, household_id: int, data: MemberIn) -> Any:
    user = _require(request, CorePerm.CHANGE_HOUSEHOLD)
    household = _visible_household(user, household_id, CorePerm.CHANGE_HOUSEHOLD)
    person = get_visible_or_404(Person.objects.all(), user, CorePerm.VIEW_PERSON, pk=data.person_id)
    services.household_add_member(acting_user=user, household=household, person=person, relation=data.relation)
    return _household_out(household, user)


@router.delete(
    "/households/{household_id}/members/{person_id}", response=HouseholdOut, tags=["家庭户"], summary="移出成员"
)
def household_remove_member(request: HttpRequest, household_id: int, person_id: int, reason: str = "") -> Any:
    user = _require(request, CorePerm.CHANGE_HOUSEHOLD)
    household = _visible_household(user, household_id, CorePerm.CHANGE_HOUSEHOLD)
    person = get_visible_or_404(Person.objects.all(), user, CorePerm.VIEW_PERSON, pk=person_id)
    services.household_remove_member(acting_user=user, household=household, person=person, reason=reason)
    return _household_out(household, user)


@router.post(
    "/households/{household_id}/members/{person_id}/move",
    response=HouseholdOut,
    tags=["家庭户"],
    summary="迁移成员到另一户",
)
def household_move_member(request: HttpRequest, household_id: int, person_id: int, data: MoveIn) -> Any:
    user = _require(request, CorePerm.CHANGE_HOUSEHOLD)
    household = _visible_household(user, household_id, CorePerm.CHANGE_HOUSEHOLD)
    target = _visible_household(user, data.to_household_id, CorePerm.CHANGE_HOUSEHOLD)
    person = get_visible_or_404(Person.objects.all(), user, CorePerm.VIEW_PERSON, pk=person_id)
    if not household.members.filter(person=person).exists():
        raise ValidationError({"person": [f"{person.name} 不是户 {household.number} 的成员"]})
    services.household_move_member(acting_user=user, person=person, to_household=target, relation=data.relation)
    return _household_out(target, user)


@router.post("/households/{household_id}/head", response=HouseholdOut, tags=["家庭户"], summary="变更户主")
def household_set_head(request: HttpRequest, household_id: int, data: HeadIn) -> Any:
    user = _require(request, CorePerm.CHANGE_HOUSEHOLD)
    household = _visible_household(user, household_id, CorePerm.CHANGE_HOUSEHOLD)
    person = get_visible_or_404(Person.objects.all(), user, CorePerm.VIEW_PERSON, pk=data.person_id)
    services.household_set_head(
        acting_user=user, household=household, person=person, former_head_relation=data.former_head_relation
    )
    return _household_out(household, user)


# --- Jobs, imports, files -------------------------------------------------------------------


@router.get("/jobs", response=list[JobOut], tags=["后台任务"], summary="后台任务（最近 100 个）")
def job_list(request: HttpRequest, status: str = "", kind: str = "") -> Any:
    user = _require(request, CorePerm.VIEW_JOB)
    return [
        _job_out(j) for j in _filtered(JobFilterSet, request, Job.objects.visible_to(user, CorePerm.VIEW_JOB))[:100]
    ]


@router.get("/jobs/{job_id}", response=JobOut, tags=["后台任务"], summary="任务进度与结果")
def job_detail(request: HttpRequest, job_id: int) -> Any:
    user = _require(request, CorePerm.VIEW_JOB)
    return _job_out(get_visible_or_404(Job.objects.all(), user, CorePerm.VIEW_JOB, pk=job_id))


@router.get("/files/{file_id}", tags=["后台任务"], summary="下载任务的输入或结果文件")
def file_download(request: HttpRequest, file_id: int) -> Any:
    user = _require(request, CorePerm.VIEW_JOB)
    if (
        not Job.objects.visible_to(user, CorePerm.VIEW_JOB)
        .filter(Q(input_file_id=file_id) | Q(result_file_id=file_id))
        .exists()
    ):
        raise Http404
    stored = StoredFile.objects.get(pk=file_id)
    response = FileResponse(stored.file.open("rb"), content_type=stored.content_type or XLSX)
    response["Content-Disposition"] = f"attachment; filename=file-{stored.pk}.xlsx"
    return response


@router.post("/imports/persons", response={202: JobOut}, tags=["导入"], summary="上传人员与家庭户 Excel，开始校验")
def import_persons(request: HttpRequest, file: UploadedFile = File(...)) -> Any:  # noqa: B008
    user = _require(request, CorePerm.IMPORT_DATA)
    try:
        read_sheet(file, imports.PERSON_COLUMNS)
    except SheetError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    stored = services.stored_file_create(
        name=file.name or "import.xlsx", content=file, created_by=user, content_type=XLSX
    )
    job = services.job_create(
        kind=PERSON_IMPORT_VALIDATE,
        title=f"导入校验：{file.name}",
        acting_user=user,
        region=home_region(user),  # type: ignore[arg-type]
        input_file=stored,
    )
    job.refresh_from_db()
    return 202, _job_out(job)


@router.post("/imports/{job_id}/confirm", response={202: JobOut}, tags=["导入"], summary="确认导入（写入校验通过的行）")
def import_confirm(request: HttpRequest, job_id: int) -> Any:
    user = _require(request, CorePerm.IMPORT_DATA)
    job = get_visible_or_404(Job.objects.all(), user, CorePerm.VIEW_JOB, pk=job_id)
    try:
        commit, _ = services.import_confirm(validation_job=job, acting_user=user)
    except services.ImportConfirmRefused as refused:
        if refused.status == 404:
            raise Http404 from None
        if refused.status == 403:
            raise PermissionDenied(str(refused)) from None
        raise HttpError(refused.status, str(refused)) from None
    commit.refresh_from_db()
    return 202, _job_out(commit)


# --- Audit ----------------------------------------------------------------------------------


class AuditEventOut(Schema):
    id: int
    occurred_at: datetime.datetime
    actor_username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    region_code: str
    changes: Any
    request_id: str
    hash: str
    prev_hash: str


class AuditPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[AuditEventOut]


@router.get("/audit-events", response=AuditPage, tags=["审计"], summary="审计事件")
def audit_list(request: HttpRequest, action: str = "", actor: str = "", region: str = "", page: int = 1) -> Any:
    user = _require(request, CorePerm.VIEW_AUDIT)
    queryset = _filtered(
        AuditEventFilterSet, request, AuditEvent.objects.visible_to(user, CorePerm.VIEW_AUDIT)
    ).order_by("-id")
    meta, events = _page(request, queryset)
    return {**meta, "results": events}


@router.get("/audit-events/verify", tags=["审计"], summary="校验审计哈希链")
def audit_verify(request: HttpRequest) -> Any:
    _require(request, CorePerm.VIEW_AUDIT)
    checked, broken = verify_chain()
    return {
        "ok": broken is None,
        "checked": checked,
        "broken_event_id": broken.event_id if broken else None,
        "reason": broken.reason if broken else "",
    }


# --- Policy parameters and calendar ---------------------------------------------------------


class PolicyOut(Schema):
    id: int
    code: str
    name: str
    region: str
    effective_from: datetime.date
    value: Any
    unit: str
    source: str
    certainty: str
    note: str


class PolicyIn(Schema):
    code: str
    name: str
    region: str
    effective_from: datetime.date
    value: Any
    unit: str = ""
    source: str = ""
    certainty: str = "local"
    note: str = ""


def _policy_out(p: PolicyParameter) -> dict[str, Any]:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "region": p.region_id,
        "effective_from": p.effective_from,
        "value": p.value,
        "unit": p.unit,
        "source": p.source,
        "certainty": p.certainty,
        "note": p.note,
    }


@router.get("/policy-parameters", response=list[PolicyOut], tags=["政策参数"], summary="政策参数（全部取值）")
def policy_list(request: HttpRequest, code: str = "", region: str = "") -> Any:
    _require(request, CorePerm.CHANGE_POLICY)
    return [_policy_out(p) for p in _filtered(PolicyParameterFilterSet, request, PolicyParameter.objects.all())[:500]]


@router.get("/policy-parameters/resolve", tags=["政策参数"], summary="某区划某日适用的取值")
def policy_resolve(request: HttpRequest, code: str, region: str, on: datetime.date | None = None) -> Any:
    _user(request)
    resolved = policy_value(code, region, on or datetime.date.today())
    if resolved is None:
        raise Http404
    return _policy_out(resolved)


@router.post("/policy-parameters", response={201: PolicyOut}, tags=["政策参数"], summary="新增参数取值")
def policy_create(request: HttpRequest, data: PolicyIn) -> Any:
    user = _require(request, CorePerm.CHANGE_POLICY)
    region = Region.objects.filter(code=data.region).first()
    if region is None:
        raise ValidationError({"region": [f"区划代码 {data.region} 不存在"]})
    value = data.value
    if isinstance(value, str) and value[:1] in "[{":
        value = json.loads(value)
    parameter = services.policy_parameter_set(
        acting_user=user,
        code=data.code,
        name=data.name,
        region=region,
        effective_from=data.effective_from,
        value=value,
        unit=data.unit,
        source=data.source,
        certainty=data.certainty,
        note=data.note,
    )
    return 201, _policy_out(parameter)


class CalendarDayOut(Schema):
    date: datetime.date
    kind: str
    name: str
    source: str


class CalendarDayIn(Schema):
    kind: str
    name: str = ""
    source: str = ""


@router.get("/calendar", response=list[CalendarDayOut], tags=["工作日历"], summary="某年的节假日与调休上班日")
def calendar_list(request: HttpRequest, year: int) -> Any:
    _user(request)
    return list(CalendarDay.objects.filter(date__year=year))


@router.get("/calendar/working-days", tags=["工作日历"], summary="从某日起第 N 个工作日")
def calendar_add(request: HttpRequest, start: datetime.date, days: int) -> Any:
    _user(request)
    if not 0 <= days <= 3650:
        raise ValidationError({"days": ["天数应在 0 到 3650 之间"]})
    return {"start": start, "days": days, "date": workdays.add_working_days(start, days)}


@router.put("/calendar/{day}", response=CalendarDayOut, tags=["工作日历"], summary="设置某日为节假日或调休上班日")
def calendar_set(request: HttpRequest, day: datetime.date, data: CalendarDayIn) -> Any:
    user = _require(request, CorePerm.CHANGE_POLICY)
    return services.calendar_day_set(acting_user=user, date=day, kind=data.kind, name=data.name, source=data.source)


@router.delete("/calendar/{day}", response={204: None}, tags=["工作日历"], summary="删除某日设置")
def calendar_delete(request: HttpRequest, day: datetime.date) -> Any:
    user = _require(request, CorePerm.CHANGE_POLICY)
    services.calendar_day_delete(acting_user=user, date=day)
    return 204, None


# --- Users and grants -----------------------------------------------------------------------


class GrantOut(Schema):
    id: int
    role: str
    region: str


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    is_active: bool
    grants: list[GrantOut]


class UserIn(Schema):
    username: str
    display_name: str = ""
    password: str


class GrantIn(Schema):
    role: str
    region: str


def _managed_users(user: User) -> QuerySet[User]:
    condition = Q(grants__isnull=True)
    for prefix in grant_prefixes(user, CorePerm.MANAGE_USERS):
        condition |= Q(grants__region__code__startswith=prefix)
    return User.objects.filter(condition).distinct()


def _user_out(target: User) -> dict[str, Any]:
    return {
        "id": target.pk,
        "username": target.username,
        "display_name": target.display_name,
        "is_active": target.is_active,
        "grants": [{"id": g.pk, "role": g.role_id, "region": g.region_id} for g in target.grants.all()],
    }


@router.get("/users", response=list[UserOut], tags=["用户与授权"], summary="我管理的用户")
def user_list(request: HttpRequest) -> Any:
    user = _require(request, CorePerm.MANAGE_USERS)
    return [_user_out(u) for u in _managed_users(user).order_by("username").prefetch_related("grants")]


@router.post("/users", response={201: UserOut}, tags=["用户与授权"], summary="新建用户")
def user_create(request: HttpRequest, data: UserIn) -> Any:
    user = _require(request, CorePerm.MANAGE_USERS)
    created = services.user_create(
        acting_user=user, username=data.username, password=data.password, display_name=data.display_name
    )
    return 201, _user_out(created)


@router.post("/users/{user_id}/grants", response={201: UserOut}, tags=["用户与授权"], summary="授予角色")
def grant_create(request: HttpRequest, user_id: int, data: GrantIn) -> Any:
    user = _require(request, CorePerm.MANAGE_USERS)
    target = _managed_users(user).filter(pk=user_id).first()
    if target is None:
        raise Http404
    role = Role.objects.filter(code=data.role).first()
    region = Region.objects.filter(code=data.region).first()
    if role is None or region is None:
        raise ValidationError({"role" if role is None else "region": ["角色或区划不存在"]})
    services.role_grant_create(acting_user=user, user=target, role=role, region=region)
    return 201, _user_out(target)


@router.delete("/grants/{grant_id}", response={204: None}, tags=["用户与授权"], summary="撤销授权")
def grant_delete(request: HttpRequest, grant_id: int) -> Any:
    user = _require(request, CorePerm.MANAGE_USERS)
    grant = RoleGrant.objects.select_related("user").filter(pk=grant_id).first()
    if grant is None or not has_perm(user, CorePerm.MANAGE_USERS, grant.region_id):
        raise Http404
    services.role_grant_revoke(acting_user=user, grant=grant)
    return 204, None
