"""Registration of the community services (permissions, navigation, demo builder)."""

from __future__ import annotations


def ready() -> None:
    from core.demo import register_demo_builder
    from core.navigation import register_nav
    from core.roles import register_permissions
    from eldercare.permissions_community import PERMISSION_LABELS, ROLE_PERMISSIONS, CommunityPerm

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    register_nav("养老服务", "助餐服务", "eldercare:meal_dashboard", CommunityPerm.VIEW, order=40)
    register_nav("养老服务", "助餐每日填报", "eldercare:meal_daily", CommunityPerm.MANAGE_MEALS, order=41)
    register_nav("养老服务", "助餐补贴结算", "eldercare:meal_settlement_list", CommunityPerm.VIEW, order=42)
    register_nav("养老服务", "养老顾问", "eldercare:advice_list", CommunityPerm.VIEW, order=43)
    register_nav("养老服务", "老伙伴计划", "eldercare:peer_coverage", CommunityPerm.VIEW, order=44)
    register_nav("养老服务", "适老化改造", "eldercare:adaptation_list", CommunityPerm.VIEW, order=45)

    from core.events import person_died
    from eldercare.demo_community import build_community_demo
    from eldercare.services_community import on_person_died

    person_died.connect(on_person_died, dispatch_uid="eldercare.community.person_died")

    register_demo_builder(60, "社区养老服务（助餐、养老顾问、老伙伴、适老化改造）", build_community_demo)
