"""manage.py import_plan PATH [--region CODE] [--dry-run] [--format json]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.models import Region, User
from plans.parsing import ExtractError, parse_file, public_view
from plans.services.documents import plan_version_import, resolve_region


class Command(BaseCommand):
    help = "读取规划文件（txt/docx/html/xlsx/带文字层的 pdf）：试读并打印结构，或导入为规划的新版本"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--region", help="区划代码（默认按文件中的地区名称识别）")
        parser.add_argument("--title", help="规划名称（文件中没有标题行时使用）")
        parser.add_argument("--user", help="以该用户名义导入（写入审计日志）")
        parser.add_argument("--dry-run", action="store_true", help="只读取并打印，不保存")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        content = path.read_bytes()
        try:
            parsed = parse_file(path.name, content)
        except ExtractError as exc:
            raise CommandError(str(exc)) from exc
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区划代码不存在：{options['region']}")
        else:
            region = resolve_region(parsed.get("region_name") or parsed.get("region") or "")
        view = public_view(parsed)
        view["region_code"] = region.code if region else None
        if options["dry_run"]:
            self._print(view, options["format"])
            return
        if region is None:
            raise CommandError("未能识别规划所属地区，请用 --region 指定区划代码")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"用户不存在：{options['user']}")
        try:
            version, created = plan_version_import(
                parsed=parsed,
                region=region,
                file_name=path.name,
                content=content,
                acting_user=user,
                title=options["title"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(f"{k}：{'，'.join(v)}" for k, v in exc.message_dict.items())) from exc
        view.update(plan_id=version.plan_id, version=version.number, created=created)
        if options["format"] == "json":
            self._print(view, "json")
        else:
            verb = "已导入" if created else "该文件已导入过，未重复保存"
            self.stdout.write(f"{verb}：{version.plan.title} 第{version.number}版（{version.label}），{region.name}")
            self.stdout.write(
                f"指标 {version.indicators.count()} 项，章节 {version.tasks.count()} 条，重点项目 {version.projects.count()} 个，"
                f"未能解析 {version.problem_count} 处"
            )

    def _print(self, view: dict[str, Any], fmt: str) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps(view, ensure_ascii=False, indent=2, default=str))
            return
        period = view.get("period") or ["?", "?"]
        self.stdout.write(
            f"规划：{view['title'] or '（未识别）'}  地区：{view['region'] or '（未识别）'}  规划期：{period[0]}—{period[1]}"
        )
        for table in view["tables"]:
            self.stdout.write(f"表格：{table['title'] or '（无标题）'}，{len(table['rows'])} 行")
        self.stdout.write(f"指标 {len(view['indicators'])} 项：")
        for item in view["indicators"]:
            self.stdout.write(
                f"  {item['seq']:>2}. {item['name']}｜{item['baseline'] or '—'} → {item['target'] or '—'} {item['unit']}｜{item['kind'] or '—'}"
            )
        self.stdout.write(f"章节 {len(view['tasks'])} 条，重点项目 {len(view['projects'])} 个")
        for problem in view["problems"]:
            line = f"第{problem['line']}行：" if problem.get("line") else ""
            self.stdout.write(f"  ! {line}{problem['message']}")
