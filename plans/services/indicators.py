"""Computing indicators: formulas, manual values, and the yearly snapshots of a plan.

The recompute is set-based: each data item a plan's formulas use is computed once for the whole
district and every year (one query per item), added up the region tree in memory, and every
indicator is evaluated for every region from those totals (Σnumerator ÷ Σdenominator), then the
plan's snapshots are replaced in one transaction.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit_record
from core.choices import RegionLevel
from core.models import Job, Region, User
from core.models.regions import ancestor_codes
from plans import data_items
from plans.choices import Comparator, IndicatorKind, IndicatorStatus, MissingRule
from plans.data_items import DataItem
from plans.formula import FormulaError, Node, evaluate, item_names, parse, readable
from plans.models import Formula, Indicator, ManualValue, Plan, PlanVersion, Snapshot

RECOMPUTE_JOB = "plans.indicator_recompute"
STORE_PLACES = Decimal("0.000001")
FACTORS = {Decimal(1), Decimal(100), Decimal(1000), Decimal(10000)}


# --- Formulas -----------------------------------------------------------------------------------


@dataclass
class ParsedFormula:
    formula: Formula
    numerator: Node
    denominator: Node | None
    # formula name -> data item
    items: dict[str, DataItem]

    @cached_property
    def item_codes(self) -> list[str]:
        return sorted({item.code for item in self.items.values()})

    @cached_property
    def names(self) -> dict[int, list[str]]:
        """The item names of the numerator (key 0) and the denominator (key 1), parsed once."""
        return {0: item_names(self.numerator), 1: item_names(self.denominator) if self.denominator else []}

    def readable(self) -> str:
        def label(name: str) -> str:
            return self.items[name].name

        text = readable(self.numerator, label)
        if self.denominator is not None:
            numerator = f"({text})" if " " in text else text
            denominator = readable(self.denominator, label)
            denominator = f"({denominator})" if " " in denominator else denominator
            text = f"{numerator} ÷ {denominator}"
        if self.formula.factor != 1:
            text = f"{text} × {self.formula.factor.normalize():f}"
        return text


@lru_cache(maxsize=2048)
def _parse_cached(text: str, names: tuple[str, ...]) -> Node:
    """Parsing is pure: a formula shown on every dashboard card is parsed once per process."""
    return parse(text, names)


def _parse_expression(text: str, field: str) -> tuple[Node, dict[str, DataItem]]:
    try:
        node = _parse_cached(text, tuple(data_items.all_names()))
    except FormulaError as exc:
        raise ValidationError({field: f"{'分子' if field == 'numerator' else '分母'}{exc}"}) from None
    items: dict[str, DataItem] = {}
    for name in item_names(node):
        item = data_items.item_by_name(name)
        if item is None:
            raise ValidationError({field: f"未知的数据项“{name}”（可用的数据项见“数据项”页面）"})
        items[name] = item
    return node, items


def parse_formula(formula: Formula) -> ParsedFormula:
    numerator, items = _parse_expression(formula.numerator, "numerator")
    denominator = None
    if formula.denominator.strip():
        denominator, more = _parse_expression(formula.denominator, "denominator")
        items.update(more)
    return ParsedFormula(formula, numerator, denominator, items)


def formula_set(
    *,
    plan: Plan,
    indicator_key: str,
    numerator: str,
    denominator: str = "",
    factor: Decimal | int = 1,
    missing_rule: str = MissingRule.SKIP,
    decimals: int = 2,
    note: str = "",
    acting_user: User | None,
) -> Formula:
    """Give an indicator a new formula version (the previous one stays for old snapshots)."""
    if not Indicator.objects.filter(version__plan=plan, version__is_current=True, key=indicator_key).exists():
        raise ValidationError({"indicator_key": "该规划现行版本中没有这个指标"})
    factor = Decimal(factor)
    if factor not in FACTORS:
        raise ValidationError({"factor": "系数应为 1、100（%）、1000（‰、每千人）或 10000（每万人）"})
    if missing_rule not in MissingRule.values:
        raise ValidationError({"missing_rule": "缺失数据规则无效"})
    if not 0 <= decimals <= 6:
        raise ValidationError({"decimals": "显示小数位应在 0 到 6 之间"})
    candidate = Formula(
        plan=plan,
        indicator_key=indicator_key,
        numerator=numerator.strip(),
        denominator=denominator.strip(),
        factor=factor,
        missing_rule=missing_rule,
        decimals=decimals,
        note=note.strip(),
    )
    parse_formula(candidate)  # validation with Chinese messages naming the field
    with transaction.atomic():
        current = (
            Formula.objects.select_for_update().filter(plan=plan, indicator_key=indicator_key, is_current=True).first()
        )
        if current is not None and all(
            getattr(current, f) == getattr(candidate, f)
            for f in ("numerator", "denominator", "factor", "missing_rule", "decimals", "note")
        ):
            return current
        last = Formula.objects.filter(plan=plan, indicator_key=indicator_key).aggregate(v=Max("version"))["v"] or 0
        if current is not None:
            Formula.objects.filter(pk=current.pk).update(is_current=False)
        candidate.version = last + 1
        candidate.created_by = acting_user
        candidate.save()
        audit_record(
            action="plans.formula_set",
            actor=acting_user,
            obj=candidate,
            region_code=plan.region_id,
            changes={
                "indicator_key": indicator_key,
                "version": candidate.version,
                "numerator": candidate.numerator,
                "denominator": candidate.denominator,
                "factor": str(factor),
                "missing_rule": missing_rule,
            },
        )
    return candidate


# Standard formulas of the seed plans' indicators, matched on the indicator's key (its name
# without spaces and punctuation): every keyword must occur. The first rule that matches wins,
# so specific rules come before general ones. (numerator, denominator, factor, note)
@dataclass(frozen=True)
class FormulaRule:
    keywords: tuple[str, ...]
    numerator: str
    denominator: str = ""
    factor: int = 1
    note: str = ""


FORMULA_RULES: list[FormulaRule] = [
    FormulaRule(("最低生活保障标准", "消费支出"), "居民最低生活保障标准", "上年度居民月人均消费支出", 100),
    FormulaRule(("低保", "户籍人口"), "低保人数", "户籍人口数", 100),
    FormulaRule(("每千名老年人", "床位"), "养老床位总数", "60岁及以上户籍老年人口数", 1000),
    FormulaRule(("护理型床位",), "护理型床位数", "养老床位总数", 100),
    FormulaRule(("政府运营",), "政府运营养老床位数", "养老床位总数", 100),
    FormulaRule(("认知障碍",), "认知障碍照护床位数"),
    FormulaRule(("全区养老床位数",), "养老机构床位数", note="宝山口径：全区养老机构床位总数"),
    FormulaRule(("养老床位总数",), "养老床位总数", note="机构、社区、居家养老床位合计"),
    FormulaRule(("医养结合",), "医养结合养老机构数", "养老机构数", 100),
    FormulaRule(("助餐", "65岁"), "社区助餐供餐能力", "65岁及以上户籍老年人口数", 100),
    FormulaRule(("助餐",), "社区助餐供餐能力"),
    FormulaRule(("社区养老服务设施面积",), "社区养老服务设施面积", "常住人口数", 1000, "每千名常住人口拥有面积"),
    FormulaRule(("综合为老服务中心",), "社区综合为老服务中心数"),
    FormulaRule(("养老护理员", "持证"), "持证养老护理员数", "养老护理员总数", 100),
    FormulaRule(("家庭医生",), "家庭医生有效服务签约老年人数", "家庭医生签约老年人数", 100),
    FormulaRule(("租赁", "覆盖率"), "有康复辅具租赁服务点的乡镇（街道）数", "乡镇（街道）数", 100),
    FormulaRule(("康复辅助技术咨询",), "康复辅助技术咨询师数"),
    FormulaRule(("精神障碍",), "接受社区康复服务的居家精神障碍患者数", "居家精神障碍患者数", 100),
    FormulaRule(("社区康复",), "接受社区康复服务的居家精神障碍患者数", "居家精神障碍患者数", 100),
    FormulaRule(("未成年人救助保护",), "规范达标的未成年人救助保护机构数", "未成年人救助保护机构数", 100),
    FormulaRule(("儿童福利社会工作者",), "儿童福利专业人员数"),
    FormulaRule(
        ("儿童主任", "培训"), "当年接受社会工作专业培训的儿童主任和儿童督导员数", "儿童主任和儿童督导员总数", 100
    ),
    FormulaRule(("社区工作者", "持证"), "持社会工作者职业水平证书的社区工作者数", "社区工作者总数", 100),
    FormulaRule(("社区云",), "注册社区云家庭数", "家庭总数", 100),
    FormulaRule(("每万人", "社会工作者"), "持社会工作者职业水平证书人数", "常住人口数", 10000),
    FormulaRule(("每万人", "社会组织"), "社会组织数", "常住人口数", 10000),
    FormulaRule(
        ("政府购买服务收入",),
        "社会组织政府购买服务收入 + 社会组织政府补助收入",
        "社会组织年度总收入",
        100,
    ),
    FormulaRule(("社区社会组织",), "社区社会组织数", "社会组织数", 100),
    FormulaRule(("小型墓",), "小型墓（≤0.6平方米）安葬量", "安葬总量", 100),
    FormulaRule(("慈善组织",), "慈善组织数"),
    FormulaRule(("社会工作服务站", "乡镇"), "已成立社会工作服务站的乡镇数"),
    FormulaRule(("服务站", "配备"), "社会工作服务站持证专业社会工作人员数", "社会工作服务站数", note="每站平均人数"),
    FormulaRule(("老年活动设施",), "标准化老年活动设施数", "村（居）委会数", note="每个村（居）委会平均拥有的设施数"),
    FormulaRule(("睦邻点",), "示范村组睦邻点数"),
    FormulaRule(("探访",), "接受村（社区）探访的无子女、高龄、独居老年人数", "无子女、高龄、独居老年人数", 100),
]


def _compact(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def formula_rule_for(indicator: Indicator) -> FormulaRule | None:
    key = _compact(indicator.key or indicator.name)
    for rule in FORMULA_RULES:
        if all(_compact(word) in key for word in rule.keywords):
            return rule
    return None


def ensure_formulas(plan_version: PlanVersion, acting_user: User | None = None) -> dict[str, int]:
    """Give every indicator of the version the standard formula it matches, if it has none yet.

    Idempotent: an indicator that already has a current formula (standard or set by hand) keeps it.
    """
    plan = plan_version.plan
    existing = set(Formula.objects.filter(plan=plan, is_current=True).values_list("indicator_key", flat=True))
    counts = {"created": 0, "kept": 0, "unmatched": 0}
    for indicator in plan_version.indicators.order_by("seq"):
        if indicator.key in existing:
            counts["kept"] += 1
            continue
        rule = formula_rule_for(indicator)
        if rule is None:
            counts["unmatched"] += 1
            continue
        decimals = 0 if rule.factor == 1 and not rule.denominator else 2
        formula_set(
            plan=plan,
            indicator_key=indicator.key,
            numerator=rule.numerator,
            denominator=rule.denominator,
            factor=rule.factor,
            decimals=decimals,
            note=rule.note,
            acting_user=acting_user,
        )
        counts["created"] += 1
    return counts


# --- Manual values ------------------------------------------------------------------------------


def manual_value_set(
    *, item_code: str, region: Region, year: int, value: Decimal | str | int, source: str, acting_user: User
) -> ManualValue:
    """Enter (or correct) a yearly figure of a manual data item for a region."""
    try:
        item = data_items.effective_item(item_code)
    except KeyError:
        raise ValidationError({"item_code": "未知的数据项"}) from None
    if item.is_live:
        raise ValidationError({"item_code": f"“{item.name}”由系统数据计算（{item.live_source}），无需人工填报"})
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError({"value": "数值应为数字"}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({"value": "数值应为不小于 0 的数字"})
    if number != number.quantize(Decimal("0.0001")):
        raise ValidationError({"value": "数值最多保留 4 位小数"})
    if not 1949 <= int(year) <= 2100:
        raise ValidationError({"year": "年度无效"})
    if not source.strip():
        raise ValidationError({"source": "请填写数据来源（如统计公报、业务报表）"})
    with transaction.atomic():
        current = ManualValue.objects.select_for_update().filter(item_code=item_code, region=region, year=year).first()
        before = {"value": str(current.value), "source": current.source} if current else None
        if current is None:
            current = ManualValue(item_code=item_code, region=region, year=year)
        current.value = number
        current.source = source.strip()
        current.entered_by = acting_user
        current.save()
        audit_record(
            action="plans.manual_value_set",
            actor=acting_user,
            obj=current,
            region_code=region.code,
            changes={"before": before, "after": {"value": str(number), "source": current.source}},
        )
    return current


def manual_value_delete(*, manual_value: ManualValue, acting_user: User) -> None:
    with transaction.atomic():
        audit_record(
            action="plans.manual_value_delete",
            actor=acting_user,
            obj=manual_value,
            region_code=manual_value.region_id,
            changes={"value": str(manual_value.value), "source": manual_value.source},
        )
        manual_value.delete()


# --- Computing ----------------------------------------------------------------------------------


def plan_years(plan: Plan) -> list[int]:
    """The baseline year (the year before the plan starts) to the plan's last year."""
    return list(range(plan.period_start - 1, plan.period_end + 1))


def year_end(year: int) -> datetime.date:
    """Stocks (people, beds) are counted as of 31 December, as the plans' tables are."""
    return datetime.date(year, 12, 31)


def plan_region_codes(plan: Plan) -> list[str]:
    """The plan's region and every current township and village below it."""
    below = Region.objects.filter(
        code__startswith=plan.region_id,
        level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE],
        is_retired=False,
    ).values_list("code", flat=True)
    return [plan.region_id, *sorted(below)]


Values = dict[tuple[str, int], Decimal]


def item_values(item: DataItem, prefix: str, regions: list[str], years: list[int]) -> Values:
    """The item for every region and year: live from its provider, or from the manual values.

    Sum items add up over the regions below; a live sum item is 0 where it found nothing (it
    covers the whole district), a manual one is missing where nothing was entered.
    Inherit items take the value set for the region or the nearest region above.
    """
    region_set = set(regions)
    dates = {year_end(y): y for y in years}
    result: Values = {}
    if item.provider is not None:
        raw = {(code, dates[day]): value for (code, day), value in item.provider(prefix, list(dates)).items()}
        if item.aggregation == data_items.SUM:
            finest = getattr(item.provider, "finest_length", 12)
            result = {(code, year): Decimal(0) for code in regions if len(code) <= finest for year in years}
            for (code, year), value in raw.items():
                for ancestor in ancestor_codes(code):
                    if (ancestor, year) in result and len(ancestor) >= len(prefix):
                        result[(ancestor, year)] += value
            return result
        return _inherit(raw, regions, years)
    rows = ManualValue.objects.filter(item_code=item.code, year__in=years).filter(
        region_id__in=[c for c in ancestor_codes(prefix) if c != prefix]
    ) | ManualValue.objects.filter(item_code=item.code, year__in=years, region__code__startswith=prefix)
    entries = {(code, year): value for code, year, value in rows.values_list("region_id", "year", "value")}
    if item.aggregation == data_items.INHERIT:
        return _inherit(entries, regions, years)
    result = {key: value for key, value in entries.items() if key[0] in region_set}
    for (code, year), value in entries.items():
        if not code.startswith(prefix):
            continue
        above = [a for a in ancestor_codes(code) if a != code and len(a) >= len(prefix)]
        for index, ancestor in enumerate(above):
            # An entry made for a region wins over the sum of its sub-regions, and an entry
            # already counted in a nearer region above is not counted twice.
            if (ancestor, year) in entries or ancestor not in region_set:
                continue
            between = above[index + 1 :]
            if any((b, year) in entries for b in between):
                continue
            result[(ancestor, year)] = result.get((ancestor, year), Decimal(0)) + value
    return result


def _inherit(entries: Values, regions: list[str], years: list[int]) -> Values:
    result: Values = {}
    for code in regions:
        chain = list(reversed(ancestor_codes(code)))
        for year in years:
            for candidate in chain:
                if (candidate, year) in entries:
                    result[(code, year)] = entries[(candidate, year)]
                    break
    return result


@dataclass
class Computed:
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    reason: str
    inputs: dict[str, str | None]


def _expression_value(
    node: Node, names: list[str], items: dict[str, DataItem], values: dict[str, Decimal | None], rule: str
) -> tuple[Decimal | None, str]:
    missing = [items[name].name for name in names if values.get(items[name].code) is None]
    if missing and (rule == MissingRule.NO_VALUE or (rule == MissingRule.SKIP and len(missing) == len(names))):
        return None, "缺少数据：" + "、".join(missing)
    by_name = {name: values.get(items[name].code) for name in names}
    result = evaluate(node, by_name, missing_as_zero=True)
    if result is None:
        return None, "计算式中出现除以 0"
    return result, ""


def compute_one(parsed: ParsedFormula, values: dict[str, Decimal | None]) -> Computed:
    """One indicator for one region and year from its items' (already aggregated) values."""
    formula = parsed.formula
    inputs = {item.name: _plain(values.get(item.code)) for item in parsed.items.values()}
    numerator, reason = _expression_value(parsed.numerator, parsed.names[0], parsed.items, values, formula.missing_rule)
    if parsed.denominator is None:
        if numerator is None:
            return Computed(None, None, None, reason, inputs)
        return Computed(_store(numerator * formula.factor), _store(numerator), None, "", inputs)
    denominator, den_reason = _expression_value(
        parsed.denominator, parsed.names[1], parsed.items, values, formula.missing_rule
    )
    if numerator is None:
        return Computed(None, None, _store(denominator), reason, inputs)
    if denominator is None:
        return Computed(None, _store(numerator), None, "分母" + den_reason, inputs)
    if denominator == 0:
        return Computed(None, _store(numerator), Decimal(0), "分母为 0", inputs)
    return Computed(
        _store(numerator / denominator * formula.factor), _store(numerator), _store(denominator), "", inputs
    )


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _store(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(STORE_PLACES, rounding=ROUND_HALF_UP)


def round_to(value: Decimal | None, places: int) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Assessment:
    status: str
    progress: Decimal | None
    expected: Decimal | None


def assess(
    *,
    value: Decimal | None,
    year: int,
    baseline: Decimal | None,
    baseline_year: int,
    target: Decimal | None,
    comparator: str,
    target_year: int,
) -> Assessment:
    """Status against the target on the straight line from the baseline.

    Achieved: the value meets the target (≥, ≤, or for a plain number, reaching it from the
    baseline's side). Otherwise on track when at or beyond the straight-line path from the
    baseline to the target for the year, behind when short of it.
    """
    if value is None:
        return Assessment(IndicatorStatus.NO_DATA, None, None)
    if target is None or comparator == Comparator.TEXT:
        return Assessment(IndicatorStatus.TEXT_TARGET, None, None)
    if comparator in (Comparator.GE, Comparator.GT):
        direction = 1
    elif comparator in (Comparator.LE, Comparator.LT):
        direction = -1
    elif baseline is not None and baseline != target:
        direction = 1 if target > baseline else -1
    else:
        direction = 0
    achieved = {
        Comparator.GE: value >= target,
        Comparator.GT: value > target,
        Comparator.LE: value <= target,
        Comparator.LT: value < target,
    }.get(comparator)  # type: ignore[call-overload]
    if achieved is None:
        achieved = value >= target if direction > 0 else value <= target if direction < 0 else value == target
    progress = None
    if baseline is not None and target != baseline:
        progress = ((value - baseline) / (target - baseline) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if achieved:
        return Assessment(IndicatorStatus.ACHIEVED, progress, target)
    if baseline is None:
        if year >= target_year:
            return Assessment(IndicatorStatus.BEHIND, None, target)
        return Assessment(IndicatorStatus.NO_DATA, None, None)
    span = max(1, target_year - baseline_year)
    elapsed = min(max(0, year - baseline_year), span)
    expected = _store(baseline + (target - baseline) * elapsed / span)
    assert expected is not None
    if year <= baseline_year:
        return Assessment(IndicatorStatus.ON_TRACK, progress, expected)
    if direction >= 0:
        on_track = value >= expected
    else:
        on_track = value <= expected
    return Assessment(IndicatorStatus.ON_TRACK if on_track else IndicatorStatus.BEHIND, progress, expected)


def current_indicators(plan: Plan) -> list[Indicator]:
    return list(Indicator.objects.filter(version__plan=plan, version__is_current=True).order_by("seq"))


def current_formulas(plan: Plan) -> dict[str, Formula]:
    return {f.indicator_key: f for f in Formula.objects.filter(plan=plan, is_current=True)}


def compute_plan(plan: Plan, *, on_progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Recompute every indicator of the plan for its region and all regions below, every year."""
    data_items.forget_results()
    years = plan_years(plan)
    regions = plan_region_codes(plan)
    indicators = current_indicators(plan)
    formulas = current_formulas(plan)
    parsed: dict[str, ParsedFormula] = {}
    errors = 0
    for indicator in indicators:
        formula = formulas.get(indicator.key)
        if formula is None:
            continue
        try:
            parsed[indicator.key] = parse_formula(formula)
        except ValidationError:
            errors += 1
    codes = sorted({code for p in parsed.values() for code in p.item_codes})
    total_steps = len(codes) + 1
    values: dict[str, Values] = {}
    for step, code in enumerate(codes, start=1):
        values[code] = item_values(data_items.effective_item(code), plan.region_id, regions, years)
        if on_progress:
            on_progress(step, total_steps)
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    baseline_year = years[0]
    for indicator in indicators:
        p = parsed.get(indicator.key)
        target_year = indicator.target_year or plan.period_end
        for region in regions:
            computed: dict[int, Computed] = {}
            for year in years:
                if p is None:
                    reason = "尚未设定计算公式" if indicator.key not in formulas else "公式无法解析"
                    computed[year] = Computed(None, None, None, reason, {})
                else:
                    inputs = {code: values[code].get((region, year)) for code in p.item_codes}
                    computed[year] = compute_one(p, inputs)
            places = p.formula.decimals if p else 2
            baseline = indicator.baseline_value if region == plan.region_id else None
            if baseline is None:
                baseline = round_to(computed[baseline_year].value, places)
            for year in years:
                c = computed[year]
                verdict = assess(
                    value=round_to(c.value, places),
                    year=year,
                    baseline=baseline,
                    baseline_year=indicator.baseline_year or baseline_year,
                    target=indicator.target_value,
                    comparator=indicator.target_comparator,
                    target_year=target_year,
                )
                rows.append(
                    (
                        plan.pk,
                        indicator.key,
                        region,
                        year,
                        c.value,
                        c.numerator,
                        c.denominator,
                        json.dumps(c.inputs, ensure_ascii=False),
                        c.reason,
                        p.formula.version if p else None,
                        verdict.status,
                        verdict.progress,
                        verdict.expected,
                        now,
                    )
                )
    write_snapshots(plan, rows)
    if on_progress:
        on_progress(total_steps, total_steps)
    return {
        "indicators": len(indicators),
        "formulas": len(parsed),
        "regions": len(regions),
        "years": len(years),
        "snapshots": len(rows),
        "items": len(codes),
        "formula_errors": errors,
    }


SNAPSHOT_COLUMNS = [
    "plan_id",
    "indicator_key",
    "region_id",
    "year",
    "value",
    "numerator",
    "denominator",
    "inputs",
    "reason",
    "formula_version",
    "status",
    "progress",
    "expected",
    "computed_at",
]


def write_snapshots(plan: Plan, rows: list[tuple[Any, ...]]) -> None:
    """Replace the plan's snapshots in one transaction: COPY on PostgreSQL, executemany elsewhere.

    Tens of thousands of rows per plan; building model instances and Django's INSERT for them
    cost more than the whole computation, so the rows go to the database as plain tuples.
    """
    table = connection.ops.quote_name(Snapshot._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in SNAPSHOT_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE plan_id = %s", [plan.pk])
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        ops = connection.ops
        stamp = ops.adapt_datetimefield_value(rows[0][-1]) if rows else None
        decimal_at = [SNAPSHOT_COLUMNS.index(c) for c in ("value", "numerator", "denominator", "progress", "expected")]
        adapted = []
        for row in rows:
            values = list(row)
            for index in decimal_at:
                if values[index] is not None:
                    values[index] = str(values[index])
            values[-1] = stamp
            adapted.append(values)
        placeholders = ", ".join(["%s"] * len(SNAPSHOT_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", adapted)


def snapshots_recompute(*, plan: Plan, acting_user: User | None) -> Job:
    """Start the recompute of a plan's snapshots as a job (the page follows its progress)."""
    from core.services import job_create

    return job_create(
        kind=RECOMPUTE_JOB,
        title=f"规划指标重算：{plan.title}",
        acting_user=acting_user,
        region=plan.region,
        params={"plan": plan.pk},
    )


def run_recompute(job: Job) -> dict[str, Any]:
    from core.jobs import JobError
    from core.services import job_finish, job_progress, job_start

    plan = Plan.objects.filter(pk=job.params.get("plan")).select_related("region").first()
    if plan is None:
        raise JobError("规划不存在")
    job_start(job, total=1)
    # A newly imported version's indicators get their standard formulas first (idempotent:
    # formulas already set, by hand or before, are kept).
    version = plan.current_version
    linked = ensure_formulas(version, acting_user=job.requested_by) if version else {"created": 0}
    counts = compute_plan(plan, on_progress=lambda done, total: job_progress(job, done, total=total))
    counts["formulas_linked"] = linked["created"]
    with transaction.atomic():
        audit_record(
            action="plans.snapshots_recompute",
            actor=job.requested_by,
            obj=plan,
            region_code=plan.region_id,
            changes=counts,
        )
    job_finish(
        job,
        counts=counts,
        message=(
            f"已计算 {counts['formulas']}/{counts['indicators']} 个指标 × {counts['regions']} 个区划 × "
            f"{counts['years']} 年，共 {counts['snapshots']} 条快照。"
        ),
    )
    return counts


def binding_behind_first(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Binding indicators that are behind first, then the other behind ones, then by number."""

    def key(row: dict[str, Any]) -> tuple[int, int, int]:
        behind = row.get("status") == IndicatorStatus.BEHIND
        binding = row.get("kind") == IndicatorKind.BINDING
        return (0 if behind and binding else 1, 0 if behind else 1, row.get("seq") or 0)

    return sorted(rows, key=key)


def indicators_by_key(plan: Plan) -> dict[str, Indicator]:
    return {i.key: i for i in current_indicators(plan)}


def group_values(rows: Iterable[Snapshot]) -> dict[str, dict[int, Snapshot]]:
    grouped: dict[str, dict[int, Snapshot]] = defaultdict(dict)
    for row in rows:
        grouped[row.indicator_key][row.year] = row
    return grouped


# --- Manual values from a workbook ----------------------------------------------------------------

IMPORT_HEADERS = {"数据项": "item", "区划代码": "region", "年度": "year", "数值": "value", "数据来源": "source"}


@dataclass(frozen=True)
class ImportError_:
    row: int
    column: str
    message: str


def manual_values_import(*, content: bytes, acting_user: User) -> tuple[int, list[ImportError_]]:
    """Import yearly values from an .xlsx (数据项, 区划代码, 年度, 数值, 数据来源): every row is
    checked first, and nothing is written unless every row is right."""
    import io
    import zipfile

    from openpyxl import load_workbook

    from core.scoping import has_perm
    from plans.permissions_indicators import IndicatorPerm

    if not content.startswith(b"PK\x03\x04"):
        raise ValidationError({"file": "文件不是 Excel 工作簿（.xlsx）"})
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationError({"file": "文件已损坏或不是有效的 .xlsx 工作簿"}) from None
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise ValidationError({"file": "文件中没有任何内容"})
    headers = [str(h or "").strip() for h in rows[0]]
    missing = [h for h in IMPORT_HEADERS if h not in headers]
    if missing:
        raise ValidationError({"file": f"表头缺少：{'、'.join(missing)}（应为：{'、'.join(IMPORT_HEADERS)}）"})
    position = {IMPORT_HEADERS[h]: headers.index(h) for h in IMPORT_HEADERS}
    regions = {
        r.code: r
        for r in Region.objects.filter(code__in={str(row[position["region"]] or "").strip() for row in rows[1:] if row})
    }
    errors: list[ImportError_] = []
    valid: list[tuple[str, Region, int, Decimal, str]] = []
    seen: set[tuple[str, str, int]] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(v in (None, "") for v in row):
            continue

        def cell(key: str, row: tuple[Any, ...] = row) -> str:
            index = position[key]
            value = row[index] if index < len(row) else None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return "" if value is None else str(value).strip()

        item = data_items.item_by_name(cell("item"))
        region = regions.get(cell("region"))
        row_errors = []
        if item is None:
            row_errors.append(ImportError_(number, "数据项", f"未知的数据项“{cell('item')}”"))
        elif data_items.effective_item(item.code).is_live:
            row_errors.append(ImportError_(number, "数据项", f"“{item.name}”由系统数据计算，无需人工填报"))
            item = None
        if region is None:
            row_errors.append(ImportError_(number, "区划代码", f"区划代码“{cell('region')}”不存在"))
        elif not has_perm(acting_user, IndicatorPerm.MANAGE_DATA, region.code):
            row_errors.append(ImportError_(number, "区划代码", "不在您的管辖区划内"))
        try:
            year = int(cell("year"))
            if not 1949 <= year <= 2100:
                raise ValueError
        except ValueError:
            row_errors.append(ImportError_(number, "年度", "年度应为四位数字"))
            year = 0
        try:
            value = Decimal(cell("value").replace(",", ""))
            if not value.is_finite() or value < 0:
                raise InvalidOperation
        except InvalidOperation:
            row_errors.append(ImportError_(number, "数值", "数值应为不小于 0 的数字"))
            value = Decimal(0)
        if not cell("source"):
            row_errors.append(ImportError_(number, "数据来源", "请填写数据来源"))
        if item is not None and region is not None and year:
            key = (item.code, region.code, year)
            if key in seen:
                row_errors.append(ImportError_(number, "数据项", "与前面的行重复（同一数据项、区划、年度）"))
            seen.add(key)
        if row_errors:
            errors.extend(row_errors)
        else:
            assert item is not None and region is not None
            valid.append((item.code, region, year, value, cell("source")))
    if errors:
        return 0, errors
    with transaction.atomic():
        for code, region, year, value, source in valid:
            manual_value_set(
                item_code=code, region=region, year=year, value=value, source=source, acting_user=acting_user
            )
    return len(valid), []
