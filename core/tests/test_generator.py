"""The demo district generator: deterministic, valid, and shaped like the place."""

from __future__ import annotations

import datetime
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from core.generator import PROFILES, DistrictGenerator, generate_district
from core.idnumbers import parse_id_number
from core.models import AuditEvent, Household, HouseholdMember, Person

pytestmark = pytest.mark.django_db


def _signature() -> list[tuple[str, str, str]]:
    return [(p.name, p.id_number, p.hukou_region_id) for p in Person.objects.order_by("id")[:200]]


def test_same_seed_same_people() -> None:
    generate_district(profile_name="chongming", scale=0.002, seed=7)
    first = _signature()
    HouseholdMember.objects.all().delete()
    Household.objects.all().delete()
    Person.objects.all().delete()
    generate_district(profile_name="chongming", scale=0.002, seed=7)
    assert _signature() == first
    seed_a = [[m.name for m in h.members] for h in DistrictGenerator(PROFILES["chongming"], 0.001, 7).households()]
    seed_b = [[m.name for m in h.members] for h in DistrictGenerator(PROFILES["chongming"], 0.001, 8).households()]
    assert seed_a != seed_b


def test_chongming_people_are_valid_and_aged(db: Any) -> None:
    totals = generate_district(profile_name="chongming", scale=0.005, seed=2026)
    people = list(Person.objects.all())
    assert totals["people"] == len(people) and 3200 <= len(people) <= 3300
    today = datetime.date(2026, 1, 1)
    codes = Counter()
    for person in people:
        parsed = parse_id_number(person.id_number, today=datetime.date(2026, 11, 23), extra_codes=frozenset({"310230"}))
        assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)
        codes[parsed.address_code if parsed.birth_date.year < 2016 else "born2016+:" + parsed.address_code] += 1
        assert person.hukou_region_id.startswith("310151") and len(person.hukou_region_id) == 12
    # Born before 2016 in Chongming: the 崇明县 code, apart from people who moved in.
    pre_2016 = sum(n for code, n in codes.items() if not code.startswith("born"))
    assert codes["310230"] / pre_2016 > 0.9
    assert {code for code in codes if code.startswith("born")} == {"born2016+:310151"}
    aged = sum(1 for p in people if p.age_on(today) >= 60) / len(people)
    assert 0.35 < aged < 0.45  # "well over a third" aged 60 or over
    sizes = Counter(Household.objects.values_list("members__household", flat=True))
    average = sum(sizes.values()) / len(sizes)
    assert 2.0 < average < 2.8
    assert HouseholdMember.objects.filter(relation="head").count() == Household.objects.count()


def test_lufeng_uses_the_old_county_code_before_2021(db: Any) -> None:
    generate_district(profile_name="lufeng", scale=0.002, seed=1)
    codes = Counter((p.birth_date.year < 2021, p.id_number[:6]) for p in Person.objects.all())
    assert codes[(True, "532331")] > 0 and codes[(True, "532302")] == 0
    assert all(code in {"532302"} for (old, code) in codes if not old)


def test_bulk_writes_are_audited_per_batch(db: Any) -> None:
    generate_district(profile_name="baoshan", scale=0.002, seed=3, chunk_people=1000)
    batches = AuditEvent.objects.filter(action="person.bulk_create")
    assert sum(e.changes["count"] for e in batches) == Person.objects.count()
    assert batches.count() == 2


def test_command_skips_when_the_district_exists(db: Any) -> None:
    call_command("generate_district", profile="chongming", scale=0.001, seed=1, stdout=StringIO())
    count = Person.objects.count()
    out = StringIO()
    call_command("generate_district", profile="chongming", scale=0.001, seed=1, if_empty=True, stdout=out)
    assert "已有人员数据，跳过生成" in out.getvalue()
    assert Person.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_generation_outside_a_transaction_gives_the_same_district() -> None:
    """Outside a transaction on PostgreSQL the chunks are written by a second thread while the
    next one is built: the district must be the same as when written in line, chunk by chunk."""
    from django.db import transaction

    with transaction.atomic():  # in line: the writer thread is not used inside a transaction
        generate_district(profile_name="chongming", scale=0.002, seed=5, chunk_people=300)
    inline = sorted((p.id_number, p.name, p.hukou_region_id, p.address) for p in Person.objects.all())
    inline_households = sorted(
        (h.number, h.region_id, h.address, tuple(sorted(h.members.values_list("relation", flat=True))))
        for h in Household.objects.all()
    )
    HouseholdMember.objects.all().delete()
    Household.objects.all().delete()
    Person.objects.all().delete()

    totals = generate_district(profile_name="chongming", scale=0.002, seed=5, chunk_people=300)
    assert totals["people"] == len(inline) == Person.objects.count()
    assert sorted((p.id_number, p.name, p.hukou_region_id, p.address) for p in Person.objects.all()) == inline
    assert (
        sorted(
            (h.number, h.region_id, h.address, tuple(sorted(h.members.values_list("relation", flat=True))))
            for h in Household.objects.all()
        )
        == inline_households
    )
    # Everyone is in exactly one household, and each chunk is audited.
    assert HouseholdMember.objects.values("person").distinct().count() == Person.objects.count()
    assert sum(e.changes["count"] for e in AuditEvent.objects.filter(action="person.bulk_create")) == 2 * len(inline)
