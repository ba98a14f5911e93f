from __future__ import annotations

from django.db import models

from core.choices import LEVEL_CODE_LENGTH, RegionLevel

__all__ = ["Region", "RegionQuerySet", "ancestor_codes", "common_region_prefix"]


def ancestor_codes(code: str) -> list[str]:
    """The codes of a region and its ancestors, broadest first ("310151101001" -> "31", …)."""
    return [code[:n] for n in sorted(LEVEL_CODE_LENGTH.values()) if n <= len(code)]


def common_region_prefix(codes: list[str]) -> str:
    """The narrowest region containing every code (for events that concern many people)."""
    if not codes:
        return ""
    first, last = min(codes), max(codes)
    shared = 0
    while shared < min(len(first), len(last)) and first[shared] == last[shared]:
        shared += 1
    return next((first[:n] for n in sorted(LEVEL_CODE_LENGTH.values(), reverse=True) if n <= shared), "")


class RegionQuerySet(models.QuerySet["Region"]):
    def within(self, code: str) -> RegionQuerySet:
        """This region and every region below it (a code-prefix match, same on every database)."""
        return self.filter(code__startswith=code)

    def active(self) -> RegionQuerySet:
        return self.filter(is_retired=False)


class Region(models.Model):
    """A statutory administrative division (行政区划), keyed by its code at natural length.

    Codes are 2 (province), 4 (prefecture), 6 (county, GB/T 2260), 9 (township) or 12 (village)
    digits, so a parent's code is always a prefix of its children's. Retired divisions (崇明县
    310230, 禄丰县 532331, villages removed in later NBS editions) stay so that old ID numbers and
    records still resolve.
    """

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    full_name = models.CharField("全称", max_length=300, blank=True)
    is_retired = models.BooleanField("已撤销", default=False)
    replaced_by = models.ForeignKey(
        "self", verbose_name="现区划", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("备注", max_length=300, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.full_name or self.name
