import csv
import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from core.models import CalendarDay
from core.services import calendar_day_set

CALENDAR_CSV = Path(__file__).resolve().parents[2] / "data" / "calendar.csv"


class Command(BaseCommand):
    help = "载入法定节假日与调休上班日（core/data/calendar.csv），已有且相同的日期跳过"

    def handle(self, *args: Any, **options: Any) -> None:
        existing = {d.date: (d.kind, d.name) for d in CalendarDay.objects.all()}
        written = 0
        with CALENDAR_CSV.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                date = datetime.date.fromisoformat(row["date"])
                if existing.get(date) == (row["kind"], row["name"]):
                    continue
                calendar_day_set(acting_user=None, date=date, kind=row["kind"], name=row["name"], source=row["source"])
                written += 1
        self.stdout.write(f"工作日历：写入 {written} 天")
