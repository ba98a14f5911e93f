from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链，报告第一个断裂处"

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken:
            raise CommandError(f"审计链在事件 #{broken.event_id} 处断裂：{broken.reason}（此前 {checked} 条完好）")
        self.stdout.write(self.style.SUCCESS(f"审计链完好：共 {checked} 条事件"))
