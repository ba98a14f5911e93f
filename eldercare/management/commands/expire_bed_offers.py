"""Daily: bed offers past their reply date count as declined (轮候通知逾期视为放弃)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from eldercare.services_care import bed_offers_expire


class Command(BaseCommand):
    help = "将超过答复期限的床位通知记为逾期放弃（每日运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        count = bed_offers_expire(on=timezone.localdate())
        self.stdout.write(f"逾期床位通知：{count} 条")
