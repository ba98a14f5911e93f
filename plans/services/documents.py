"""Writes of plan documents: importing a version, entering key-project progress."""

from __future__ import annotations

import difflib
import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from core.audit import audit_record
from core.models import Region, StoredFile, User
from plans.models import EvaluationNote, Indicator, KeyProject, KeyProjectProgress, Plan, PlanVersion, Task
from plans.parsing import indicator_key, norm, parse_file

__all__ = [
    "evaluation_note_set",
    "key_project_progress_set",
    "plan_import_file",
    "plan_version_import",
    "resolve_region",
]

# Two names of the same indicator in consecutive versions are "the same indicator" when they sit at the
# same sequence number and are at least this similar (Chongming 000 "新开墓区小型墓比例" vs 002 "新开区小型墓比例").
SAME_INDICATOR_RATIO = 0.6
VALID_LABELS = {"征求意见稿", "草案", "正式稿", "其他"}


def resolve_region(name: str) -> Region | None:
    """The region a parsed document names ("上海市崇明区", "禄丰市", or just "崇明"), current divisions first."""
    name = norm(name)
    if not name:
        return None
    candidates = list(Region.objects.filter(name=name).order_by("is_retired", "code")[:2])
    if not candidates:
        candidates = list(Region.objects.filter(full_name=name).order_by("is_retired", "code")[:2])
    if not candidates:
        # "上海市崇明区" → 崇明区 whose full name ends so; "崇明" → the county-level 崇明区.
        candidates = [
            r
            for r in Region.objects.filter(level__in=["county", "city"], name__startswith=name[:2]).order_by(
                "is_retired", "code"
            )
            if name.endswith(r.name) or r.name.startswith(name)
        ]
    active = [r for r in candidates if not r.is_retired]
    found = active or candidates
    return found[0] if found else None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _match_keys(indicators: list[dict[str, Any]], previous: list[Indicator]) -> list[str]:
    """Keys for the new version's indicators: the previous version's key when the indicator is the same
    (same key, or same seq with a similar name), else the parser's key; unique within the version."""
    by_key = {i.key: i for i in previous}
    by_seq = {i.seq: i for i in previous}
    keys: list[str] = []
    taken: set[str] = set()
    for item in indicators:
        key = item["key"] or indicator_key(item["name"])
        if key not in by_key:
            old = by_seq.get(item["seq"])
            if old is not None and old.key not in taken:
                ratio = difflib.SequenceMatcher(None, old.name, item["name"]).ratio()
                if ratio >= SAME_INDICATOR_RATIO:
                    key = old.key
        base, n = key, 1
        while key in taken:
            n += 1
            key = f"{base}{n}"[:100]
        taken.add(key)
        keys.append(key)
    return keys


def _project_key(project: dict[str, Any]) -> str:
    return indicator_key(f"{project.get('category', '')}{project['name']}")[:200]


def plan_version_import(
    *,
    parsed: dict[str, Any],
    region: Region,
    file_name: str,
    content: bytes,
    acting_user: User | None,
    title: str | None = None,
    source_file: StoredFile | None = None,
) -> tuple[PlanVersion, bool]:
    """Store a parsed plan document as the plan's newest (current) version.

    One plan per region and title; re-importing a file already stored for the plan (same sha256) returns
    that version and writes nothing. Returns (version, created)."""
    sha256 = hashlib.sha256(content).hexdigest()
    title = norm(title or parsed.get("title") or "")
    period = parsed.get("period")
    if not period:
        raise ValidationError({"period": "未能识别规划期（如“十四五”或“2021—2025年”），无法导入"})
    if not title:
        # A text without its title line (Chongming 000): it belongs to the region's plan of the same period.
        existing = list(Plan.objects.filter(region=region, period_start=period[0], period_end=period[1])[:2])
        if len(existing) != 1:
            raise ValidationError({"title": "文件中没有规划名称，请填写规划名称"})
        title = existing[0].title
    if not parsed.get("indicators") and not parsed.get("tasks"):
        raise ValidationError({"file": "文件中没有读出任何指标或章节，请确认上传的是规划文本"})
    with transaction.atomic():
        plan, plan_created = Plan.objects.select_for_update().get_or_create(
            region=region, title=title, defaults={"period_start": period[0], "period_end": period[1]}
        )
        if (plan.period_start, plan.period_end) != (period[0], period[1]):
            raise ValidationError(
                {
                    "period": f"规划期{period[0]}—{period[1]}年与已有规划“{plan.title}”的{plan.period_start}—{plan.period_end}年不一致"
                }
            )
        same = plan.versions.filter(source_sha256=sha256).first()
        if same is not None:
            return same, False
        previous = plan.versions.filter(is_current=True).first()
        number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        plan.versions.filter(is_current=True).update(is_current=False)
        label = str(parsed.get("label")) if parsed.get("label") in VALID_LABELS else "其他"
        version = PlanVersion.objects.create(
            plan=plan,
            number=number,
            label=label,
            document_title=(parsed.get("document_title") or title)[:300],
            document_number=(parsed.get("document_number") or "")[:100],
            source_file_name=Path(file_name).name[:255],
            source_format=parsed.get("format") or Path(file_name).suffix.lstrip(".").lower()[:10],
            source_sha256=sha256,
            source_file=source_file,
            imported_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
            is_current=True,
            parsed=parsed,
            problem_count=len(parsed.get("problems") or []),
        )
        previous_indicators = list(previous.indicators.all()) if previous else []
        keys = _match_keys(parsed.get("indicators") or [], previous_indicators)
        Indicator.objects.bulk_create(
            [
                Indicator(
                    version=version,
                    seq=item["seq"],
                    key=key,
                    name=item["name"][:200],
                    definition=item.get("definition") or "",
                    unit=(item.get("unit") or "")[:40],
                    baseline_year=item.get("baseline_year"),
                    baseline_text=(item.get("baseline") or "")[:200],
                    baseline_value=_decimal((item.get("baseline_parsed") or {}).get("value")),
                    target_year=item.get("target_year"),
                    target_text=(item.get("target") or "")[:300],
                    target_comparator=(item.get("target_parsed") or {}).get("comparator") or "",
                    target_value=_decimal((item.get("target_parsed") or {}).get("value")),
                    secondary_targets=(item.get("target_parsed") or {}).get("secondary") or [],
                    kind=item.get("kind") or "",
                    source=item.get("source") or "table",
                    source_line=item.get("line"),
                )
                for item, key in zip(parsed.get("indicators") or [], keys, strict=True)
            ]
        )
        stack: list[Task] = []
        for seq, item in enumerate(parsed.get("tasks") or [], start=1):
            while stack and stack[-1].level >= item["level"]:
                stack.pop()
            task = Task.objects.create(
                version=version,
                seq=seq,
                level=item["level"],
                number=item["number"][:20],
                title=item["title"][:500],
                text=item.get("text") or "",
                parent=stack[-1] if stack else None,
                source_line=item.get("line"),
            )
            stack.append(task)
        project_keys: set[str] = set()
        projects = []
        for seq, item in enumerate(parsed.get("projects") or [], start=1):
            key = _project_key(item)
            base, n = key, 1
            while key in project_keys:
                n += 1
                key = f"{base}{n}"[:200]
            project_keys.add(key)
            projects.append(
                KeyProject(
                    version=version,
                    seq=seq,
                    key=key,
                    category=(item.get("category") or "")[:100],
                    name=item["name"][:300],
                    description=item.get("description") or "",
                    investment_wan_yuan=_decimal(item.get("investment_wan_yuan")),
                    floor_area_m2=_decimal(item.get("floor_area_m2")),
                    beds=item.get("beds"),
                    source_line=item.get("line"),
                )
            )
        KeyProject.objects.bulk_create(projects)
        audit_record(
            action="plans.version.import",
            actor=acting_user,
            obj=version,
            region_code=region.code,
            changes={
                "plan": plan.title,
                "plan_created": plan_created,
                "number": number,
                "label": label,
                "file": version.source_file_name,
                "sha256": sha256,
                "indicators": len(keys),
                "tasks": len(parsed.get("tasks") or []),
                "projects": len(projects),
                "problems": version.problem_count,
                "replaces": previous.number if previous else None,
            },
        )
    return version, True


def plan_import_file(
    *, path: str | Path, region: Region, acting_user: User | None, title: str | None = None
) -> tuple[PlanVersion, bool]:
    """Parse and import a document file from disk (the command line and the demo)."""
    path = Path(path)
    content = path.read_bytes()
    parsed = parse_file(path.name, content)
    return plan_version_import(
        parsed=parsed, region=region, file_name=path.name, content=content, acting_user=acting_user, title=title
    )


def key_project_progress_set(
    *,
    plan: Plan,
    project_key: str,
    year: int,
    spent_wan_yuan: Decimal,
    beds_delivered: int,
    note: str,
    acting_user: User,
) -> KeyProjectProgress:
    """Record (or correct) what a key project spent and delivered in a year."""
    errors: dict[str, str] = {}
    project = KeyProject.objects.filter(version__plan=plan, version__is_current=True, key=project_key).first()
    if project is None:
        errors["project_key"] = "该项目不在规划现行版本的重点建设项目中"
    if not plan.period_start - 1 <= year <= plan.period_end:
        errors["year"] = f"年度应在{plan.period_start - 1}—{plan.period_end}年之间"
    if spent_wan_yuan is None or spent_wan_yuan < 0:
        errors["spent_wan_yuan"] = "完成投资不能为负数"
    if beds_delivered is None or beds_delivered < 0:
        errors["beds_delivered"] = "交付床位数不能为负数"
    if errors:
        raise ValidationError(errors)
    spent = Decimal(spent_wan_yuan).quantize(Decimal("0.01"))
    with transaction.atomic():
        row = (
            KeyProjectProgress.objects.select_for_update().filter(plan=plan, project_key=project_key, year=year).first()
        )
        before = (
            {"spent_wan_yuan": str(row.spent_wan_yuan), "beds_delivered": row.beds_delivered, "note": row.note}
            if row
            else None
        )
        if row is None:
            row = KeyProjectProgress(plan=plan, project_key=project_key, year=year)
        row.spent_wan_yuan = spent
        row.beds_delivered = beds_delivered
        row.note = note[:500]
        row.updated_by = acting_user
        row.save()
        audit_record(
            action="plans.project_progress.set",
            actor=acting_user,
            obj=row,
            region_code=plan.region_id,
            changes={
                "project": project.name if project else project_key,
                "year": year,
                "before": before,
                "after": {"spent_wan_yuan": str(spent), "beds_delivered": beds_delivered, "note": row.note},
            },
        )
    return row


EVALUATION_STAGES = {"mid": "中期评估", "final": "总结评估"}


def evaluation_note_set(
    *, plan: Plan, stage: str, indicator_key: str, note: str, acting_user: User
) -> EvaluationNote | None:
    """Write (or with an empty note, remove) staff's assessment of an indicator in an evaluation."""
    errors: dict[str, str] = {}
    if stage not in EVALUATION_STAGES:
        errors["stage"] = "评估阶段应为中期评估（mid）或总结评估（final）"
    indicator = Indicator.objects.filter(version__plan=plan, version__is_current=True, key=indicator_key).first()
    if indicator is None:
        errors["indicator_key"] = "该指标不在规划现行版本中"
    note = (note or "").strip()
    if len(note) > 2000:
        errors["note"] = "评估说明不超过2000字"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = (
            EvaluationNote.objects.select_for_update()
            .filter(plan=plan, stage=stage, indicator_key=indicator_key)
            .first()
        )
        before = row.note if row else None
        if not note:
            if row is None:
                return None
            audit_record(
                action="plans.evaluation_note.delete",
                actor=acting_user,
                obj=row,
                region_code=plan.region_id,
                changes={"stage": stage, "indicator": indicator.name if indicator else indicator_key, "before": before},
            )
            row.delete()
            return None
        if row is None:
            row = EvaluationNote(plan=plan, stage=stage, indicator_key=indicator_key)
        row.note = note
        row.updated_by = acting_user
        row.save()
        audit_record(
            action="plans.evaluation_note.set",
            actor=acting_user,
            obj=row,
            region_code=plan.region_id,
            changes={
                "stage": stage,
                "indicator": indicator.name if indicator else indicator_key,
                "before": before,
                "after": note,
            },
        )
    return row
