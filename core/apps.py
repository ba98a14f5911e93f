from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The spine: regions, people, households, access, audit, jobs, policy parameters."""

    name = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core import job_handlers  # noqa: F401  (registers the core job kinds)
        from core.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
        self.register_navigation()

    @staticmethod
    def register_navigation() -> None:
        from core.navigation import register_nav
        from core.permissions import CorePerm

        register_nav("工作台", "首页", "core:home", None, order=1)
        register_nav("工作台", "后台任务", "core:job_list", CorePerm.VIEW_JOB, order=90)
        register_nav("基础信息", "人员", "core:person_list", CorePerm.VIEW_PERSON, order=10)
        register_nav("基础信息", "家庭户", "core:household_list", CorePerm.VIEW_HOUSEHOLD, order=20)
        register_nav("基础信息", "批量导入", "core:person_import", CorePerm.IMPORT_DATA, order=30)
        register_nav("基础信息", "行政区划", "core:region_root", None, order=40)
        register_nav("系统管理", "政策参数", "core:policy_list", CorePerm.CHANGE_POLICY, order=10)
        register_nav("系统管理", "工作日历", "core:calendar", CorePerm.CHANGE_POLICY, order=20)
        register_nav("系统管理", "用户与授权", "core:user_list", CorePerm.MANAGE_USERS, order=30)
        register_nav("系统管理", "审计日志", "core:audit_list", CorePerm.VIEW_AUDIT, order=40)
