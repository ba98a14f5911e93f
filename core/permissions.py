"""Permissions of the spine. Roles (core.roles) grant them; grants give them a region."""

from enum import StrEnum


class CorePerm(StrEnum):
    VIEW_PERSON = "core.view_person"
    CHANGE_PERSON = "core.change_person"
    VIEW_HOUSEHOLD = "core.view_household"
    CHANGE_HOUSEHOLD = "core.change_household"
    # See ID and phone numbers in clear; every such read is audited.
    VIEW_SENSITIVE = "core.view_sensitive"
    IMPORT_DATA = "core.import_data"
    EXPORT_DATA = "core.export_data"
    VIEW_JOB = "core.view_job"
    VIEW_AUDIT = "core.view_audit"
    MANAGE_USERS = "core.manage_users"
    CHANGE_POLICY = "core.change_policy"


PERMISSION_LABELS: dict[str, str] = {
    CorePerm.VIEW_PERSON: "查看人员",
    CorePerm.CHANGE_PERSON: "登记/修改人员",
    CorePerm.VIEW_HOUSEHOLD: "查看家庭户",
    CorePerm.CHANGE_HOUSEHOLD: "变更家庭户",
    CorePerm.VIEW_SENSITIVE: "查看敏感信息（完整证件号、电话）",
    CorePerm.IMPORT_DATA: "批量导入",
    CorePerm.EXPORT_DATA: "导出",
    CorePerm.VIEW_JOB: "查看后台任务",
    CorePerm.VIEW_AUDIT: "查看审计日志",
    CorePerm.MANAGE_USERS: "管理用户与授权",
    CorePerm.CHANGE_POLICY: "维护政策参数与工作日历",
}
