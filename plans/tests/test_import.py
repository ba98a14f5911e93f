"""import_plan (dry run JSON and storing versions), the import service and the version diff."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from core.models import AuditEvent, Region
from plans.models import Indicator, KeyProject, Plan, PlanVersion, Task
from plans.parsing import parse_file
from plans.selectors.documents import version_diff
from plans.services.documents import plan_import_file, plan_version_import, resolve_region

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "seeds"
SEED = {
    "000": FIXTURES / "000_4ab354dae66e4b4d.txt",
    "001": FIXTURES / "001_bb99b6debb92d8ce.txt",
    "002": FIXTURES / "002_e3fdff5c98763175.txt",
    "003": FIXTURES / "003_5b69f9013e4c5d9b.txt",
    "004": FIXTURES / "004_7195df48b736ee37.txt",
}
CHONGMING = "310151"
BAOSHAN = "310113"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_plan", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_dry_run_json_is_the_object_the_issue_specifies() -> None:
    data = json.loads(run(str(SEED["004"]), "--dry-run", "--format", "json"))
    assert {"title", "region", "period", "indicators", "tables", "tasks", "projects", "problems"} <= set(data)
    assert data["title"] == "宝山区民政事业发展“十四五”规划"
    assert data["region"] == "上海市宝山区"
    assert data["region_code"] == BAOSHAN
    assert data["period"] == [2021, 2025]
    assert len(data["indicators"]) == 12
    sixth = data["indicators"][5]
    assert {k: sixth[k] for k in ("seq", "name", "definition", "unit", "baseline", "target", "kind")} == {
        "seq": 6,
        "name": "养老护理员持证率",
        "definition": "持证养老护理员/养老护理员总数",
        "unit": "%",
        "baseline": "95%",
        "target": "持证率≥98%〈其中持等级证≥80%〉",
        "kind": "预期性",
    }
    assert data["indicators"][2]["kind"] == "约束性"
    assert [t["title"] for t in data["tables"]] == [
        "表一：“十三五”规划指标完成情况",
        "表二：宝山区民政事业发展“十四五”规划主要指标表",
    ]
    assert data["tables"][0]["rows"][0]["kind"] == "约束性"
    assert {"level": 1, "number": "一", "title": "“十三五”时期规划执行情况"}.items() <= data["tasks"][0].items()
    assert data["projects"] == []
    assert data["problems"] == [
        {"line": None, "message": "文件中没有单独的标题行，规划名称“宝山区民政事业发展“十四五”规划”取自正文"}
    ]
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_dry_run_json_of_lufeng_lists_projects_in_wan_yuan() -> None:
    data = json.loads(run(str(SEED["003"]), "--dry-run", "--format", "json"))
    assert data["region_code"] == Region.objects.get(name="禄丰市", is_retired=False).code
    assert sum(Decimal(p["investment_wan_yuan"]) for p in data["projects"]) == Decimal("235835")
    assert {
        k: data["projects"][-1][k] for k in ("category", "name", "investment_wan_yuan", "floor_area_m2", "beds")
    } == {
        "category": "社会福利和儿童福利体系建设项目",
        "name": "规划精神障碍社会福利设施建设3000平方米",
        "investment_wan_yuan": "1200",
        "floor_area_m2": "3000",
        "beds": None,
    }
    assert data["indicators"][5]["target"] == "达到40张以上"


@pytest.mark.django_db
def test_dry_run_text_summary() -> None:
    out = run(str(SEED["002"]), "--dry-run")
    assert "规划：崇明区民政事业发展“十四五”规划  地区：上海市崇明区  规划期：2021—2025" in out
    assert " 5. 认知障碍照护床位数｜200 → 300 张｜约束性" in out


@pytest.mark.django_db
def test_importing_two_chongming_versions_gives_one_plan_and_the_same_file_twice_no_third() -> None:
    out = run(str(SEED["001"]))
    assert "已导入：崇明区民政事业发展“十四五”规划 第1版（草案），崇明区" in out
    run(str(SEED["002"]))
    again = run(str(SEED["002"]))
    assert "该文件已导入过，未重复保存" in again
    plan = Plan.objects.get()
    assert (plan.region_id, plan.title, plan.period_start, plan.period_end) == (
        CHONGMING, "崇明区民政事业发展“十四五”规划", 2021, 2025
    )  # fmt: skip
    versions = list(plan.versions.order_by("number"))
    assert [(v.number, v.label, v.is_current, v.document_number) for v in versions] == [
        (1, "草案", False, ""),
        (2, "正式稿", True, "沪崇府办发〔2021〕15号"),
    ]
    assert versions[1].indicators.count() == 17
    fifth = versions[1].indicators.get(seq=5)
    assert (fifth.kind, fifth.baseline_value, fifth.target_value, fifth.target_comparator) == (
        "binding", Decimal("200"), Decimal("300"), "eq"
    )  # fmt: skip
    # The renamed indicator 17 keeps the key of the draft's.
    assert versions[1].indicators.get(seq=17).key == versions[0].indicators.get(seq=17).key
    assert versions[1].indicators.get(seq=17).name == "新开区小型墓比例(≤0.6平方米)"
    events = AuditEvent.objects.filter(action="plans.version.import").order_by("id")
    assert [e.changes["number"] for e in events] == [1, 2]
    assert events[1].changes["indicators"] == 17


@pytest.mark.django_db
def test_a_text_without_title_joins_the_regions_plan_of_the_period() -> None:
    region = Region.objects.get(code=CHONGMING)
    with pytest.raises(ValidationError) as caught:
        plan_import_file(path=SEED["000"], region=region, acting_user=None)
    assert caught.value.message_dict == {"title": ["文件中没有规划名称，请填写规划名称"]}
    with pytest.raises(CommandError, match="title：文件中没有规划名称，请填写规划名称"):
        run(str(SEED["000"]), "--region", CHONGMING)
    plan_import_file(path=SEED["002"], region=region, acting_user=None)
    version, created = plan_import_file(path=SEED["000"], region=region, acting_user=None)
    assert created and version.number == 2 and version.plan.title == "崇明区民政事业发展“十四五”规划"
    assert resolve_region("崇明") == region


@pytest.mark.django_db
def test_lufeng_import_stores_projects_and_prose_indicators() -> None:
    out = run(str(SEED["003"]))
    assert "指标 13 项" in out and "重点项目 29 个" in out
    version = PlanVersion.objects.get()
    assert sum(p.investment_wan_yuan for p in version.projects.all()) == Decimal("235835.00")
    assert sum(p.beds or 0 for p in version.projects.all()) == 4830
    beds = version.indicators.get(name="平均每千名老年人拥有养老床位数")
    assert (beds.target_comparator, beds.target_value, beds.unit, beds.source, beds.kind) == (
        "ge", Decimal("40"), "张", "prose", ""
    )  # fmt: skip
    social = version.indicators.get(seq=10)
    assert social.secondary_targets[0]["value"] == "69"
    assert KeyProject.objects.filter(version=version, category="殡葬基础设施建设项目").count() == 8


@pytest.mark.django_db
def test_task_tree_has_parents() -> None:
    plan_import_file(path=SEED["004"], region=Region.objects.get(code=BAOSHAN), acting_user=None)
    task = Task.objects.get(title="完善社会救助工作长效机制")
    assert [task.parent.title, task.parent.parent.title, task.parent.parent.parent.title] == [  # type: ignore[union-attr]
        "健全精准化、发展型的现代社会救助体系",
        "保障兜底，夯实爱民、为民的温暖型民政",
        "“十四五”期间民政事业发展的主要任务",
    ]
    assert task.text.startswith("充分发挥社会救助工作联席会议机制作用")


@pytest.mark.django_db
def test_version_diff_of_chongming_draft_and_final() -> None:
    region = Region.objects.get(code=CHONGMING)
    old, _ = plan_import_file(path=SEED["001"], region=region, acting_user=None)
    new, _ = plan_import_file(path=SEED["002"], region=region, acting_user=None)
    diff = version_diff(old, new)
    fifth = next(row for row in diff["indicators"] if row["seq"] == 5)
    assert fifth["change"] == "changed"
    assert fifth["changes"] == [{"field": "kind", "label": "指标类型", "old": "预期性", "new": "约束性"}]
    seventeenth = next(row for row in diff["indicators"] if row["seq"] == 17)
    assert seventeenth["changes"][0] == {
        "field": "name",
        "label": "指标名称",
        "old": "新开墓区小型墓比例（≤0.6平方米）",
        "new": "新开区小型墓比例(≤0.6平方米)",
    }
    # The indicators that are the same apart from spacing and punctuation width are not reported.
    assert [row["seq"] for row in diff["indicators"]] == [5, 17]
    added = [t["title"] for t in diff["tasks"] if t["change"] == "added"]
    assert added == ["加强法治建设，规范民政行政行为"]
    reworded = {t["title"]: t for t in diff["tasks"] if t["change"] == "reworded"}
    assert "基层政权建设" in reworded
    pieces = reworded["基层政权建设"]["pieces"]
    assert any(p["old"] == "" and p["new"] == "居" and p["before"].endswith("做实村") for p in pieces)
    assert diff["counts"]["tasks_removed"] == 0
    # Only real rewordings: bold markup, footnote marks, punctuation width and the issued document's
    # distribution list (抄送…) do not count.
    assert sorted(reworded) == sorted(
        [
            "社区治理体系创新发展",
            "村居治理和服务",
            "基层政权建设",
            "社会组织建设管理",
            "福利彩票",
            "社会福利体系",
            "社区事务受理中心建设",
            "民政专业工作队伍建设",
        ]
    )


@pytest.mark.django_db
def test_service_refuses_a_period_that_differs_from_the_plans() -> None:
    region = Region.objects.get(code=CHONGMING)
    plan_import_file(path=SEED["002"], region=region, acting_user=None)
    content = SEED["001"].read_bytes()
    parsed: dict[str, Any] = parse_file("001.txt", content)
    parsed["period"] = [2026, 2030]
    with pytest.raises(ValidationError) as caught:
        plan_version_import(parsed=parsed, region=region, file_name="001.txt", content=content, acting_user=None)
    assert caught.value.message_dict["period"] == [
        "规划期2026—2030年与已有规划“崇明区民政事业发展“十四五”规划”的2021—2025年不一致"
    ]
    assert PlanVersion.objects.count() == 1
    assert Indicator.objects.count() == 17


@pytest.mark.django_db
def test_demo_builder_imports_draft_and_final_once() -> None:
    from plans.demo_documents import build_demo

    assert build_demo("chongming", 1) == "崇明区规划导入新版本 2 个（草案、正式稿；重复运行不再导入）"
    assert build_demo("chongming", 1) == "崇明区规划导入新版本 0 个（草案、正式稿；重复运行不再导入）"
    plan = Plan.objects.get()
    assert [(v.number, v.label, v.is_current) for v in plan.versions.order_by("number")] == [
        (1, "草案", False),
        (2, "正式稿", True),
    ]
