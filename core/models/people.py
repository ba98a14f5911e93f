from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from core.choices import Relation, Sex
from core.crypto import decrypt
from core.scoping import region_filter

if TYPE_CHECKING:
    from core.models.access import User

__all__ = ["Household", "HouseholdMember", "Person", "PersonQuerySet"]


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: User, perm: str) -> PersonQuerySet:
        """People the user may act on with ``perm``: hukou or residence inside a granted region."""
        return self.filter(region_filter(user, perm, "hukou_region__code", "residence_region__code"))

    def alive(self) -> PersonQuerySet:
        return self.filter(death_date__isnull=True)

    def born_between(self, earliest: datetime.date | None, latest: datetime.date | None) -> PersonQuerySet:
        qs = self
        if earliest:
            qs = qs.filter(birth_date__gte=earliest)
        if latest:
            qs = qs.filter(birth_date__lte=latest)
        return qs


class Person(models.Model):
    """One human being, one record (一人一档).

    The ID number is never stored in clear: ``id_number_encrypted`` holds it under AES-GCM and
    ``id_number_hash`` is a keyed hash (blind index) used for exact lookup and uniqueness. Sex
    and birth date are derived from the number when it is validated, and kept in clear because
    age rules (allowances, payrolls) run as SQL over hundreds of thousands of people. No masked
    copy is stored: with the birth date in clear it would give the whole number away.
    """

    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField("姓名拼音", max_length=200)
    name_initials = models.CharField("拼音首字母", max_length=50)
    id_number_encrypted = models.TextField("身份证号（密文）")
    id_number_hash = models.CharField("身份证号索引", max_length=64)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    phone_encrypted = models.TextField("手机号码（密文）", blank=True)
    phone_hash = models.CharField("手机号码索引", max_length=64, blank=True)
    hukou_region = models.ForeignKey(
        "core.Region", verbose_name="户籍地", on_delete=models.PROTECT, related_name="hukou_people", db_index=False
    )
    residence_region = models.ForeignKey(
        "core.Region",
        verbose_name="居住地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_people",
        db_index=False,
    )
    address = models.CharField("居住地址", max_length=200, blank=True)
    death_date = models.DateField("死亡日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        # Searches are prefix matches (region code, name, pinyin): on PostgreSQL the indexes use
        # varchar_pattern_ops so LIKE 'abc%' can use them whatever the database collation.
        # Other databases ignore opclasses. Only the indexes the searches need: every index
        # slows the million-row loads.
        indexes = [
            models.Index(fields=["hukou_region"], opclasses=["varchar_pattern_ops"], name="core_person_hukou_idx"),
            models.Index(
                fields=["residence_region"], opclasses=["varchar_pattern_ops"], name="core_person_residence_idx"
            ),
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="core_person_name_idx"),
            models.Index(fields=["name_pinyin"], opclasses=["varchar_pattern_ops"], name="core_person_pinyin_idx"),
            models.Index(fields=["name_initials"], opclasses=["varchar_pattern_ops"], name="core_person_initials_idx"),
            models.Index(fields=["phone_hash"], name="core_person_phone_idx"),
            models.Index(fields=["birth_date"], name="core_person_birth_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                name="core_person_unique_id_number",
                violation_error_message="该身份证号已登记",
            ),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(death_date__gte=models.F("birth_date")),
                name="core_person_death_after_birth",
                violation_error_message="死亡日期不能早于出生日期",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The clear ID number. Callers showing it must go through core.masking (audited)."""
        return decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        return decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    def age_on(self, day: datetime.date) -> int:
        """Full years (周岁) on ``day``."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def is_alive(self) -> bool:
        return self.death_date is None


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User, perm: str) -> HouseholdQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class Household(models.Model):
    """A household (户/家庭) at an address in a village, with its members."""

    number = models.CharField("户编号", max_length=40, unique=True)
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("地址", max_length=200, blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭户"
        verbose_name_plural = "家庭户"

    def __str__(self) -> str:
        return self.number


class HouseholdMember(models.Model):
    """Membership of a person in a household. A person belongs to at most one household."""

    household = models.ForeignKey(Household, verbose_name="家庭户", on_delete=models.CASCADE, related_name="members")
    person = models.OneToOneField(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="membership")
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices)
    joined_on = models.DateField("入户日期")

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation=Relation.HEAD),
                name="core_householdmember_one_head",
                violation_error_message="一户只能有一名户主",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.person_id}"
