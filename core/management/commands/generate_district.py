import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.generator import PROFILES, generate_district
from core.models import Person


class Command(BaseCommand):
    help = "生成确定性的演示区县（合成人员与家庭户，分布在真实村居）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", choices=sorted(PROFILES), default="chongming")
        parser.add_argument("--scale", type=float, default=0.02, help="相对全区户籍人口的比例，1 表示全区")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="该区县已有人员时跳过（make demo 第二次运行时用）")

    def handle(self, *args: Any, **options: Any) -> None:
        profile = PROFILES[options["profile"]]
        if not 0 < options["scale"] <= 2:
            raise CommandError("--scale 应在 0 到 2 之间")
        if options["if_empty"] and Person.objects.filter(hukou_region__code__startswith=profile.county).exists():
            self.stdout.write(f"{profile.name} 已有人员数据，跳过生成")
            return
        started = time.monotonic()

        def progress(done: int, target: int) -> None:
            self.stdout.write(f"\r  已生成 {done:,} / 约 {target:,} 人", ending="")
            self.stdout.flush()

        totals = generate_district(
            profile_name=options["profile"], scale=options["scale"], seed=options["seed"], progress=progress
        )
        self.stdout.write("")
        self.stdout.write(
            f"{profile.name}：生成 {totals['people']:,} 人、{totals['households']:,} 户，用时 {time.monotonic() - started:.1f} 秒"
        )
