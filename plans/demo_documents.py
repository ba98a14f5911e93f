"""Demo of plan documents: the Chongming plan as its draft and then as issued (so that the version
diff has something to show), read from the shipped seed files through the ordinary import service."""

from __future__ import annotations

from pathlib import Path

from core.models import Region, User
from plans.services.documents import plan_import_file

SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
CHONGMING = "310151"
CHONGMING_VERSIONS = ["001_bb99b6debb92d8ce.txt", "002_e3fdff5c98763175.txt"]


def build_demo(profile: str, seed: int) -> str:
    if profile != "chongming":
        return "仅崇明演示区县有规划文件演示数据"
    region = Region.objects.get(code=CHONGMING)
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    created = 0
    for name in CHONGMING_VERSIONS:
        _, new = plan_import_file(path=SEEDS / name, region=region, acting_user=admin)
        created += int(new)
    return f"崇明区规划导入新版本 {created} 个（草案、正式稿；重复运行不再导入）"
