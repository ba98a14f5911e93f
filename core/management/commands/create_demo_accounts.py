import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.models import Region, Role, RoleGrant, User
from core.services import role_grant_create, user_create

DEFAULT_DEMO_PASSWORD = "minzheng-demo"

# (username, display name, role, region code, what they see)
DEMO_ACCOUNTS = [
    ("district_admin", "区民政局管理员", "district_admin", "310151", "崇明区全部数据与管理功能，可查看完整证件号"),
    ("district_staff", "区民政局业务员", "district_staff", "310151", "崇明区业务办理与导入，可查看完整证件号"),
    ("township_officer", "城桥镇受理员", "township_officer", "310151101", "城桥镇各村居，证件号脱敏"),
    ("village_worker", "南门居委社工", "village_worker", "310151101001", "城桥镇南门居委会，证件号脱敏"),
    ("auditor", "审计员", "auditor", "310151", "审计日志与后台任务"),
]


class Command(BaseCommand):
    help = "创建演示账号（仅演示模式 MINZHENG_DEMO=1 下可用），密码取 DEMO_PASSWORD"

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("只有演示模式（MINZHENG_DEMO=1）才能创建演示账号")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        for username, display_name, role_code, region_code, _ in DEMO_ACCOUNTS:
            region = Region.objects.get(code=region_code)
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(
                    acting_user=None,
                    username=username,
                    password=password,
                    display_name=display_name,
                    is_demo=True,
                    region_code=region_code,
                )
            elif not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            role = Role.objects.get(code=role_code)
            if not RoleGrant.objects.filter(user=user, role=role, region=region).exists():
                role_grant_create(acting_user=None, user=user, role=role, region=region)
