"""The side menu. Each app registers its entries; a user sees those they hold the permission for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    perm: str | None  # None: every signed-in user
    order: int = 100


_ITEMS: list[NavItem] = []
SECTION_ORDER = ["工作台", "社会救助", "养老服务", "规划与指标", "基础信息", "系统管理"]


def register_nav(section: str, label: str, url_name: str, perm: str | None, order: int = 100) -> None:
    _ITEMS.append(NavItem(section, label, url_name, perm, order))


def items() -> list[NavItem]:
    return sorted(_ITEMS, key=lambda i: (SECTION_ORDER.index(i.section) if i.section in SECTION_ORDER else 99, i.order))
