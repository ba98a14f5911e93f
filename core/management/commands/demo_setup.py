from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from core.management.commands.create_demo_accounts import DEFAULT_DEMO_PASSWORD, DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "演示环境准备：区划、工作日历、演示区县、演示账号（可重复运行，已有的跳过）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", default="chongming")
        parser.add_argument("--scale", type=float, default=0.02)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        import os

        call_command("load_divisions")
        call_command("load_calendar")
        call_command(
            "generate_district", profile=options["profile"], scale=options["scale"], seed=options["seed"], if_empty=True
        )
        call_command("create_demo_accounts")
        from core.demo import builders

        for builder in builders():
            self.stdout.write(f"{builder.label}：{builder.build(options['profile'], options['seed'])}")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {password}）：")
        for username, display_name, _, region_code, scope in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<18} {display_name}（{region_code}）— {scope}")
