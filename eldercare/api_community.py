"""API of the community services (/api/v1/eldercare/…): the same services, scoped querysets
and FilterSets as the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from core.api import _filtered, _page, _require
from core.models import Region
from core.scoping import get_visible_or_404
from core.selectors import region_label
from eldercare import selectors_community as sel
from eldercare import services_community as svc
from eldercare.filtersets_community import (
    AdviceSessionFilterSet,
    HomeAdaptationFilterSet,
    MealCountFilterSet,
    MealEnrolmentFilterSet,
    MealSettlementFilterSet,
    PeerPairFilterSet,
    PeerVisitFilterSet,
)
from eldercare.forms_community import find_person
from eldercare.models import (
    AdviceSession,
    Facility,
    HomeAdaptation,
    MealCount,
    MealEnrolment,
    MealSettlement,
    PeerPair,
    PeerVisit,
)
from eldercare.permissions_community import CommunityPerm as P

router = Router(tags=["社区养老服务"])


def _facility(pk: int, field: str) -> Facility:
    facility = Facility.objects.filter(pk=pk).first()
    if facility is None:
        raise ValidationError({field: ["设施不存在"]})
    return facility


def _person_brief(person: Any) -> dict[str, Any]:
    return {"id": person.pk, "name": person.name}


# ------------------------------------------------------------------ meals


def _enrolment_out(e: MealEnrolment) -> dict[str, Any]:
    return {
        "id": e.pk,
        "person": _person_brief(e.person),
        "meal_point": {"id": e.meal_point_id, "number": e.meal_point.number, "name": e.meal_point.name},
        "region": e.region_id,
        "region_label": region_label(e.region_id),
        "category": e.category,
        "category_label": e.get_category_display(),
        "enrolled_on": e.enrolled_on,
        "ended_on": e.ended_on,
    }


@router.get("/meal-enrolments", summary="助餐登记列表")
def meal_enrolment_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW)
    base = MealEnrolment.objects.visible_to(user, P.VIEW).select_related("person", "meal_point")
    meta, rows = _page(request, _filtered(MealEnrolmentFilterSet, request, base).order_by("-id"))
    return {**meta, "results": [_enrolment_out(e) for e in rows]}


class EnrolmentIn(Schema):
    id_number: str
    meal_point: int
    enrolled_on: datetime.date
    category: str = ""
    note: str = ""


@router.post("/meal-enrolments", response={201: dict}, summary="登记助餐（补贴类别留空时自动认定）")
def meal_enrolment_create(request: HttpRequest, data: EnrolmentIn) -> Any:
    user = _require(request, P.MANAGE_MEALS)
    enrolment = svc.meal_enrolment_create(
        person=find_person(data.id_number),
        meal_point=_facility(data.meal_point, "meal_point"),
        enrolled_on=data.enrolled_on,
        category=data.category,
        note=data.note,
        acting_user=user,
    )
    return 201, _enrolment_out(enrolment)


class EndIn(Schema):
    ended_on: datetime.date


@router.post("/meal-enrolments/{pk}/end", summary="终止助餐登记")
def meal_enrolment_end(request: HttpRequest, pk: int, data: EndIn) -> Any:
    user = _require(request, P.MANAGE_MEALS)
    enrolment = get_visible_or_404(
        MealEnrolment.objects.select_related("person", "meal_point"), user, P.MANAGE_MEALS, pk=pk
    )
    return _enrolment_out(svc.meal_enrolment_end(enrolment=enrolment, ended_on=data.ended_on, acting_user=user))


@router.get("/meal-counts", summary="每日订餐与供餐")
def meal_count_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW)
    base = MealCount.objects.visible_to(user, P.VIEW).select_related("meal_point")
    meta, rows = _page(
        request, _filtered(MealCountFilterSet, request, base).order_by("-day", "meal_point_id", "category")
    )
    return {
        **meta,
        "results": [
            {
                "meal_point": c.meal_point_id,
                "meal_point_number": c.meal_point.number,
                "day": c.day,
                "category": c.category,
                "ordered": c.ordered,
                "served": c.served,
            }
            for c in rows
        ],
    }


class CountIn(Schema):
    meal_point: int
    category: str
    ordered: int
    served: int


class DayCountsIn(Schema):
    day: datetime.date
    counts: list[CountIn]


@router.post("/meal-counts", summary="填报某日各助餐点订餐数与供餐数（同日同类别覆盖）")
def meal_counts_save(request: HttpRequest, data: DayCountsIn) -> Any:
    user = _require(request, P.MANAGE_MEALS)
    entries: dict[int, dict[str, tuple[int, int]]] = {}
    for count in data.counts:
        entries.setdefault(count.meal_point, {})[count.category] = (count.ordered, count.served)
    if not entries:
        raise ValidationError({"counts": ["没有填报数据"]})
    return svc.meal_counts_save(day=data.day, entries=entries, acting_user=user, source="api")


def _period(start: datetime.date | None, end: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    end = end or timezone.localdate() - datetime.timedelta(days=1)
    start = start or end.replace(day=1)
    if end < start:
        raise ValidationError({"end": ["结束日期不能早于开始日期"]})
    return start, end


def _region_in_scope(user: Any, perm: str, region: str) -> str:
    from core.scoping import grant_prefixes

    prefixes = grant_prefixes(user, perm)
    if not region:
        return svc.common_region_prefix(prefixes) or min(prefixes, key=len)
    if not any(region.startswith(p) for p in prefixes):
        raise ValidationError({"region": ["该区划不在您的管辖范围内"]})
    return region


@router.get("/meal-capacity", summary="助餐点供餐能力与订餐（期间内日均、峰值、超能力天数、利用率）")
def meal_capacity(
    request: HttpRequest, region: str = "", start: datetime.date | None = None, end: datetime.date | None = None
) -> Any:
    user = _require(request, P.VIEW)
    code = _region_in_scope(user, P.VIEW, region)
    start, end = _period(start, end)
    return {
        "region": code,
        "start": start,
        "end": end,
        "results": [
            {k: (v if k != "point" else {"id": v.pk, "number": v.number, "name": v.name}) for k, v in row.items()}
            for row in sel.meal_capacity_report(user, code, start, end)
        ],
    }


@router.get("/meal-stats", summary="供餐统计：每日订餐与供餐、按补贴类别、按乡镇/街道")
def meal_stats(
    request: HttpRequest, region: str = "", start: datetime.date | None = None, end: datetime.date | None = None
) -> Any:
    user = _require(request, P.VIEW)
    code = _region_in_scope(user, P.VIEW, region)
    start, end = _period(start, end)
    daily = sel.meal_daily_series(user, code, start, end)
    return {
        "region": code,
        "start": start,
        "end": end,
        "served": sum(d["served"] or 0 for d in daily),
        "daily": daily,
        "by_category": sel.meal_by_category(user, code, start, end),
        "by_township": sel.meal_by_township(user, code, start, end),
    }


def _settlement_out(s: MealSettlement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "meal_point": {"id": s.meal_point_id, "number": s.meal_point.number, "name": s.meal_point.name},
        "region": s.region_id,
        "month": s.month.strftime("%Y-%m"),
        "status": s.status,
        "total_meals": s.total_meals,
        "blocked_days": s.blocked_days,
        "blocked_meals": s.blocked_meals,
        "subsidy_amount": s.subsidy_amount,
        "lines": [
            {
                "category": line.category,
                "meals": line.meals,
                "blocked_meals": line.blocked_meals,
                "rate": line.rate,
                "amount": line.amount,
            }
            for line in s.lines.all()
        ],
    }


@router.get("/meal-settlements", summary="助餐补贴结算列表")
def meal_settlement_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW)
    base = MealSettlement.objects.visible_to(user, P.VIEW).select_related("meal_point").prefetch_related("lines")
    meta, rows = _page(request, _filtered(MealSettlementFilterSet, request, base).order_by("-month", "meal_point_id"))
    return {**meta, "results": [_settlement_out(s) for s in rows]}


class ComputeIn(Schema):
    month: str
    region: str


@router.post("/meal-settlements/compute", summary="计算某月助餐补贴结算（已确认的不重算）")
def meal_settlement_compute(request: HttpRequest, data: ComputeIn) -> Any:
    user = _require(request, P.SETTLE_MEALS)
    try:
        month = datetime.date.fromisoformat(f"{data.month[:7]}-01")
    except ValueError:
        raise ValidationError({"month": ["月份格式应为 YYYY-MM"]}) from None
    region = Region.objects.filter(code=data.region).first()
    if region is None:
        raise ValidationError({"region": ["区划不存在"]})
    return svc.meal_settlement_compute(month=month, region=region, acting_user=user)


@router.get("/meal-settlements/{pk}", summary="助餐补贴结算明细")
def meal_settlement_detail(request: HttpRequest, pk: int) -> Any:
    user = _require(request, P.VIEW)
    return _settlement_out(get_visible_or_404(MealSettlement.objects.select_related("meal_point"), user, P.VIEW, pk=pk))


@router.post("/meal-settlements/{pk}/confirm", summary="确认结算")
def meal_settlement_confirm(request: HttpRequest, pk: int) -> Any:
    user = _require(request, P.SETTLE_MEALS)
    settlement = get_visible_or_404(MealSettlement.objects.select_related("meal_point"), user, P.SETTLE_MEALS, pk=pk)
    return _settlement_out(svc.meal_settlement_confirm(settlement=settlement, acting_user=user))


# ------------------------------------------------------------------ advisor sessions


def _advice_out(a: AdviceSession) -> dict[str, Any]:
    return {
        "id": a.pk,
        "person": _person_brief(a.person),
        "region": a.region_id,
        "advisor_name": a.advisor_name,
        "point": a.point_id,
        "held_on": a.held_on,
        "topics": a.topics,
        "recommended": a.recommended,
        "notes": a.notes,
        "follow_up_on": a.follow_up_on,
        "followed_up_on": a.followed_up_on,
        "follow_up_result": a.follow_up_result,
    }


@router.get("/advice-sessions", summary="养老顾问咨询列表")
def advice_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW)
    base = AdviceSession.objects.visible_to(user, P.VIEW).select_related("person")
    meta, rows = _page(request, _filtered(AdviceSessionFilterSet, request, base).order_by("-held_on", "-id"))
    return {**meta, "results": [_advice_out(a) for a in rows]}


class AdviceIn(Schema):
    id_number: str
    held_on: datetime.date
    advisor_name: str
    topics: list[str]
    recommended: list[str] = []
    notes: str = ""
    follow_up_on: datetime.date | None = None
    point: int | None = None


@router.post("/advice-sessions", response={201: dict}, summary="登记养老顾问咨询")
def advice_create(request: HttpRequest, data: AdviceIn) -> Any:
    user = _require(request, P.RECORD_ADVICE)
    session = svc.advice_session_create(
        person=find_person(data.id_number),
        held_on=data.held_on,
        advisor_name=data.advisor_name,
        topics=data.topics,
        recommended=data.recommended,
        notes=data.notes,
        follow_up_on=data.follow_up_on,
        point=_facility(data.point, "point") if data.point else None,
        acting_user=user,
    )
    return 201, _advice_out(session)


class FollowUpIn(Schema):
    followed_up_on: datetime.date
    result: str


@router.post("/advice-sessions/{pk}/follow-up", summary="登记回访")
def advice_follow_up(request: HttpRequest, pk: int, data: FollowUpIn) -> Any:
    user = _require(request, P.RECORD_ADVICE)
    session = get_visible_or_404(AdviceSession.objects.select_related("person"), user, P.RECORD_ADVICE, pk=pk)
    return _advice_out(
        svc.advice_session_follow_up(
            session=session, followed_up_on=data.followed_up_on, result=data.result, acting_user=user
        )
    )


# ------------------------------------------------------------------ peer visits


@router.get("/peer-coverage", summary="老伙伴计划探访覆盖率（按乡镇/街道）")
def peer_coverage(
    request: HttpRequest, region: str = "", start: datetime.date | None = None, end: datetime.date | None = None
) -> Any:
    user = _require(request, P.VIEW)
    code = _region_in_scope(user, P.VIEW, region)
    start, end = _period(start, end)
    report = sel.peer_coverage_by_township(code, start, end, user)
    return {"region": code, "start": start, "end": end, **report}


@router.get("/peer-coverage/unvisited", summary="期间未探访的关爱对象")
def peer_unvisited(
    request: HttpRequest, region: str = "", start: datetime.date | None = None, end: datetime.date | None = None
) -> Any:
    user = _require(request, P.VIEW)
    code = _region_in_scope(user, P.VIEW, region)
    start, end = _period(start, end)
    queryset = sel.peer_coverage(code, start, end, user).filter(visited=False).order_by("home", "id")
    meta, rows = _page(request, queryset)
    return {
        **meta,
        "results": [
            {
                "id": p.pk,
                "name": p.name,
                "village": p.home,
                "township": p.township,
                "living_alone": p.household_size == 1,
                "childless": p.childless,
                "paired": p.paired,
            }
            for p in rows
        ],
    }


def _pair_out(p: PeerPair) -> dict[str, Any]:
    return {
        "id": p.pk,
        "volunteer": _person_brief(p.volunteer),
        "target": _person_brief(p.target),
        "region": p.region_id,
        "reasons": p.reasons,
        "started_on": p.started_on,
        "ended_on": p.ended_on,
    }


@router.get("/peer-pairs", summary="老伙伴结对列表")
def peer_pair_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW)
    base = PeerPair.objects.visible_to(user, P.VIEW).select_related("volunteer", "target")
    meta, rows = _page(request, _filtered(PeerPairFilterSet, request, base).order_by("-id"))
    return {**meta, "results": [_pair_out(p) for p in rows]}


class PairIn(Schema):
    volunteer_id_number: str
    target_id_number: str
    started_on: datetime.date


@router.post("/peer-pairs", response={201: dict}, summary="新建结对（对象须属于关爱对象）")
def peer_pair_create(request: HttpRequest, data: PairIn) -> Any:
    user = _require(request, P.MANAGE_PEER)
    pair = svc.peer_pair_create(
        volunteer=find_person(data.volunteer_id_number, "volunteer"),
        target=find_person(data.target_id_number, "target"),
        started_on=data.started_on,
        acting_user=user,
    )
    return 201, _pair_out(pair)


@router.post("/peer-pairs/{pk}/end", summary="解除结对")
def peer_pair_end(request: HttpRequest, pk: int, data: EndIn) -> Any:
    user = _require(request, P.MANAGE_PEER)
    pair = get_visible_or_404(PeerPair.objects.select_related("volunteer", "target"), user, P.MANAGE_PEER, pk=pk)
    return _pair_out(svc.peer_pair_end(pair=pair, ended_on=data.ended_on, acting_user=user))


class VisitIn(Schema):
    visited_on: datetime.date
    mode: str = "home"
    notes: str = ""
    concern: str = ""


def _visit_out(v: PeerVisit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "pair": v.pair_id,
        "target": v.target_id,
        "region": v.region_id,
        "visited_on": v.visited_on,
        "mode": v.mode,
        "notes": v.notes,
        "concern": v.concern,
    }


@router.post("/peer-pairs/{pk}/visits", response={201: dict}, summary="登记探访")
def peer_visit_create(request: HttpRequest, pk: int, data: VisitIn) -> Any:
    user = _require(request, P.MANAGE_PEER)
    pair = get_visible_or_404(PeerPair.objects.all(), user, P.MANAGE_PEER, pk=pk)
    visit = svc.peer_visit_create(
        pair=pair, visited_on=data.visited_on, mode=data.mode, notes=data.notes, concern=data.concern, acting_user=user
    )
    return 201, _visit_out(visit)


@router.get("/peer-visits", summary="探访记录列表")
def peer_visit_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW)
    base = PeerVisit.objects.visible_to(user, P.VIEW)
    meta, rows = _page(request, _filtered(PeerVisitFilterSet, request, base).order_by("-visited_on", "-id"))
    return {**meta, "results": [_visit_out(v) for v in rows]}


class ChildlessIn(Schema):
    id_number: str
    recorded_on: datetime.date
    note: str = ""


@router.post("/childless-records", response={201: dict}, summary="登记无子女老人")
def childless_create(request: HttpRequest, data: ChildlessIn) -> Any:
    user = _require(request, P.MANAGE_PEER)
    record = svc.childless_record_create(
        person=find_person(data.id_number), recorded_on=data.recorded_on, note=data.note, acting_user=user
    )
    return 201, {"id": record.pk, "person": record.person_id, "region": record.region_id}


# ------------------------------------------------------------------ home adaptation


def _adaptation_out(a: HomeAdaptation) -> dict[str, Any]:
    return {
        "id": a.pk,
        "number": a.number,
        "person": _person_brief(a.person),
        "region": a.region_id,
        "category": a.category,
        "status": a.status,
        "status_label": a.get_status_display(),
        "applied_on": a.applied_on,
        "needs": a.needs,
        "assessed_on": a.assessed_on,
        "estimated_cost": a.estimated_cost,
        "decided_on": a.decided_on,
        "decision_note": a.decision_note,
        "completed_on": a.completed_on,
        "total_cost": a.total_cost,
        "subsidy_share": a.subsidy_share,
        "subsidy_cap": a.subsidy_cap,
        "subsidy_amount": a.subsidy_amount,
        "self_pay": a.self_pay,
        "settled_on": a.settled_on,
        "items": [
            {"kind": i.kind, "description": i.description, "quantity": i.quantity, "cost": i.cost, "done_on": i.done_on}
            for i in a.items.all()
        ],
    }


@router.get("/adaptations", summary="适老化改造列表")
def adaptation_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW)
    base = HomeAdaptation.objects.visible_to(user, P.VIEW).select_related("person").prefetch_related("items")
    meta, rows = _page(request, _filtered(HomeAdaptationFilterSet, request, base).order_by("-id"))
    return {**meta, "results": [_adaptation_out(a) for a in rows]}


class AdaptationIn(Schema):
    id_number: str
    applied_on: datetime.date
    needs: str
    address: str = ""


@router.post("/adaptations", response={201: dict}, summary="受理适老化改造申请")
def adaptation_create(request: HttpRequest, data: AdaptationIn) -> Any:
    user = _require(request, P.MANAGE_ADAPTATION)
    adaptation = svc.adaptation_apply(
        person=find_person(data.id_number),
        applied_on=data.applied_on,
        needs=data.needs,
        address=data.address,
        acting_user=user,
    )
    return 201, _adaptation_out(adaptation)


@router.get("/adaptations/{pk}", summary="适老化改造详情")
def adaptation_detail(request: HttpRequest, pk: int) -> Any:
    user = _require(request, P.VIEW)
    return _adaptation_out(get_visible_or_404(HomeAdaptation.objects.select_related("person"), user, P.VIEW, pk=pk))


class AdaptationActionIn(Schema):
    """Fields of the action: assess (assessed_on, assessor_name, assessment, estimated_cost), decide
    (approve, decided_on, note), item (kind, cost, done_on, quantity, description), complete
    (completed_on), settle (settled_on), withdraw (reason)."""

    assessed_on: datetime.date | None = None
    assessor_name: str = ""
    assessment: str = ""
    estimated_cost: Decimal | None = None
    approve: bool | None = None
    decided_on: datetime.date | None = None
    note: str = ""
    kind: str = ""
    cost: Decimal | None = None
    done_on: datetime.date | None = None
    quantity: int = 1
    description: str = ""
    completed_on: datetime.date | None = None
    settled_on: datetime.date | None = None
    reason: str = ""


_ACTION_PERMS = {
    "assess": P.MANAGE_ADAPTATION,
    "decide": P.APPROVE_ADAPTATION,
    "item": P.MANAGE_ADAPTATION,
    "complete": P.MANAGE_ADAPTATION,
    "settle": P.APPROVE_ADAPTATION,
    "withdraw": P.MANAGE_ADAPTATION,
}


def _needed(value: Any, field: str, label: str) -> Any:
    if value is None:
        raise ValidationError({field: [f"缺少必填字段：{label}"]})
    return value


@router.post("/adaptations/{pk}/{action}", summary="办理：assess / decide / item / complete / settle / withdraw")
def adaptation_action(request: HttpRequest, pk: int, action: str, data: AdaptationActionIn) -> Any:
    if action not in _ACTION_PERMS:
        from django.http import Http404

        raise Http404
    perm = _ACTION_PERMS[action]
    user = _require(request, perm)
    a = get_visible_or_404(HomeAdaptation.objects.select_related("person"), user, perm, pk=pk)
    if action == "assess":
        svc.adaptation_assess(
            adaptation=a,
            assessed_on=_needed(data.assessed_on, "assessed_on", "评估日期"),
            assessor_name=data.assessor_name,
            assessment=data.assessment,
            estimated_cost=_needed(data.estimated_cost, "estimated_cost", "预估费用"),
            acting_user=user,
        )
    elif action == "decide":
        svc.adaptation_decide(
            adaptation=a,
            approve=bool(_needed(data.approve, "approve", "审批结果")),
            decided_on=_needed(data.decided_on, "decided_on", "审批日期"),
            note=data.note,
            acting_user=user,
        )
    elif action == "item":
        svc.adaptation_item_add(
            adaptation=a,
            kind=data.kind,
            cost=_needed(data.cost, "cost", "费用"),
            done_on=_needed(data.done_on, "done_on", "完成日期"),
            quantity=data.quantity,
            description=data.description,
            acting_user=user,
        )
    elif action == "complete":
        svc.adaptation_complete(
            adaptation=a, completed_on=_needed(data.completed_on, "completed_on", "完工日期"), acting_user=user
        )
    elif action == "settle":
        svc.adaptation_settle(
            adaptation=a, settled_on=_needed(data.settled_on, "settled_on", "结算日期"), acting_user=user
        )
    else:
        svc.adaptation_withdraw(adaptation=a, reason=data.reason, acting_user=user)
    return _adaptation_out(a)
