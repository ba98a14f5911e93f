from typing import Any

from django.core.management.base import BaseCommand

from core.services.regions import regions_load_divisions


class Command(BaseCommand):
    help = "载入崇明、宝山、禄丰的行政区划（core/data/divisions），可重复运行"

    def handle(self, *args: Any, **options: Any) -> None:
        counts = regions_load_divisions()
        self.stdout.write(f"行政区划：共 {counts['total']} 个，新增 {counts['created']}，更新 {counts['updated']}")
