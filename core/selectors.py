"""Reads of the spine shared by pages, the API and exports."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from core.audit import audit_in_own_transaction
from core.choices import Relation, Sex
from core.idnumbers import mask_id_number
from core.models import HouseholdMember, Person, Region, User
from core.models.regions import common_region_prefix
from core.permissions import CorePerm
from core.scoping import grant_prefixes, has_perm
from core.services.people import mask_phone

# --- Regions ---------------------------------------------------------------------------------


@functools.cache
def _region_index() -> dict[str, tuple[str, str, str]]:
    """code -> (name, level, parent code) for every region; a few thousand rows, read once."""
    return {
        code: (name, level, parent or "")
        for code, name, level, parent in Region.objects.values_list("code", "name", "level", "parent_id")
    }


def forget_region_cache() -> None:
    _region_index.cache_clear()


def region_label(code: str | None) -> str:
    """Short label for tables: township and village (城桥镇南门居委会), or the name."""
    if not code:
        return ""
    index = _region_index()
    entry = index.get(code)
    if entry is None:
        return code
    name, level, parent = entry
    if level == "village" and parent in index:
        return index[parent][0] + name
    return name


def region_path(code: str) -> list[Region]:
    """The region and its ancestors, broadest first (for breadcrumbs)."""
    from core.models.regions import ancestor_codes

    regions = {r.code: r for r in Region.objects.filter(code__in=ancestor_codes(code))}
    return [regions[c] for c in ancestor_codes(code) if c in regions]


def user_regions(user: User, perm: str, levels: Sequence[str] = ("village",)) -> list[Region]:
    """Regions of the given levels inside the user's grants for perm (for form choices)."""
    prefixes = grant_prefixes(user, perm)
    if not prefixes:
        return []
    condition = Q()
    for prefix in prefixes:
        condition |= Q(code__startswith=prefix)
    return list(Region.objects.filter(condition, level__in=levels, is_retired=False).order_by("code"))


def region_choices(user: User, perm: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Villages in the user's scope grouped by township, for <select> with optgroups."""
    villages = user_regions(user, perm, ("village", "township"))
    groups: dict[str, list[tuple[str, str]]] = {}
    for region in villages:
        if region.level == "township":
            groups.setdefault(region.name, []).insert(0, (region.code, f"{region.name}（乡镇/街道）"))
        else:
            groups.setdefault(region_label(region.parent_id), []).append((region.code, region.name))
    return list(groups.items())


def home_region(user: User) -> Region | None:
    """The broadest region the user holds any grant in."""
    codes = sorted({g.region_id for g in user.grants.all()}, key=len) if user.is_authenticated else []
    return Region.objects.filter(code=codes[0]).first() if codes else None


# --- People ----------------------------------------------------------------------------------


@dataclass
class PersonView:
    """A person as shown to one user: ID and phone masked unless they may see them."""

    id: int
    name: str
    sex: str
    birth_date: datetime.date
    age: int
    id_number: str
    phone: str
    hukou_region: str
    hukou_region_code: str
    residence_region: str
    residence_region_code: str
    address: str
    household_id: int | None
    household_number: str
    relation: str
    death_date: datetime.date | None
    unmasked: bool

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def may_unmask(user: User, person: Person) -> bool:
    return has_perm(user, CorePerm.VIEW_SENSITIVE, person.hukou_region_id) or bool(
        person.residence_region_id and has_perm(user, CorePerm.VIEW_SENSITIVE, person.residence_region_id)
    )


def present_people(
    people: Iterable[Person], user: User, *, purpose: str, today: datetime.date | None = None
) -> list[PersonView]:
    """PersonViews for a page, list or export. Unmasked reads are audited, one event per call."""
    today = today or datetime.date.today()
    people = list(people)
    memberships = {
        m.person_id: m
        for m in HouseholdMember.objects.filter(person__in=[p.pk for p in people]).select_related("household")
    }
    relation_labels = dict(Relation.choices)
    sex_labels = dict(Sex.choices)
    views = []
    unmasked_ids = []
    for person in people:
        unmask = may_unmask(user, person)
        number = person.id_number
        phone = person.phone
        if unmask:
            unmasked_ids.append(person.pk)
        membership = memberships.get(person.pk)
        views.append(
            PersonView(
                id=person.pk,
                name=person.name,
                sex=sex_labels.get(person.sex, ""),
                birth_date=person.birth_date,
                age=person.age_on(person.death_date or today),
                id_number=number if unmask else mask_id_number(number),
                phone=phone if unmask else (mask_phone(phone) if phone else ""),
                hukou_region=region_label(person.hukou_region_id),
                hukou_region_code=person.hukou_region_id,
                residence_region=region_label(person.residence_region_id),
                residence_region_code=person.residence_region_id or "",
                address=person.address,
                household_id=membership.household_id if membership else None,
                household_number=membership.household.number if membership else "",
                relation=relation_labels.get(membership.relation, "") if membership else "",
                death_date=person.death_date,
                unmasked=unmask,
            )
        )
    if unmasked_ids:
        revealed = set(unmasked_ids)
        audit_in_own_transaction(
            action="person.sensitive_read",
            actor=user,
            object_type="core.person",
            object_id=str(unmasked_ids[0]) if len(unmasked_ids) == 1 else f"{len(unmasked_ids)}人",
            object_repr=purpose,
            region_code=common_region_prefix([p.hukou_region_id for p in people if p.pk in revealed]),
            changes={"purpose": purpose, "person_ids": unmasked_ids},
        )
    return views


# --- Dashboard ------------------------------------------------------------------------------


AGE_BANDS = [
    (0, 17, "0–17岁"),
    (18, 59, "18–59岁"),
    (60, 64, "60–64岁"),
    (65, 79, "65–79岁"),
    (80, 89, "80–89岁"),
    (90, 200, "90岁及以上"),
]


def population_overview(user: User, today: datetime.date | None = None) -> dict[str, Any]:
    """Headline figures and the age structure of the people the user can see (one query each)."""
    from core.filtersets import years_ago

    today = today or datetime.date.today()
    visible = Person.objects.visible_to(user, CorePerm.VIEW_PERSON).filter(death_date__isnull=True)
    aggregates: dict[str, Any] = {"total": Count("id"), "male": Count("id", filter=Q(sex=Sex.MALE))}
    for low, high, label in AGE_BANDS:
        aggregates[label] = Count(
            "id", filter=Q(birth_date__lte=years_ago(low, today), birth_date__gt=years_ago(high + 1, today))
        )
    aggregates["aged60"] = Count("id", filter=Q(birth_date__lte=years_ago(60, today)))
    figures = visible.aggregate(**aggregates)
    return {
        "total": figures["total"],
        "male": figures["male"],
        "female": figures["total"] - figures["male"],
        "aged60": figures["aged60"],
        "aged60_share": round(figures["aged60"] * 100 / figures["total"], 1) if figures["total"] else None,
        "age_bands": [{"label": label, "count": figures[label]} for _, _, label in AGE_BANDS],
    }


def population_by_township(user: User) -> list[dict[str, Any]]:
    """Living people per township inside the user's scope (by hukou), one grouped query."""
    from django.db.models.functions import Substr

    visible = Person.objects.visible_to(user, CorePerm.VIEW_PERSON).filter(death_date__isnull=True)
    rows = (
        visible.annotate(township=Substr("hukou_region_id", 1, 9))
        .values("township")
        .annotate(count=Count("id"))
        .order_by("township")
    )
    return [{"code": r["township"], "name": region_label(r["township"]), "count": r["count"]} for r in rows]
