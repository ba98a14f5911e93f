"""Synthetic, deterministic demo districts: people and households over the real villages.

Nothing here is real data. The profiles follow what the plans and public figures say about
each place (hukou population, ageing, household size); the same profile, scale and seed
always give the same people, with valid ID numbers whose address codes are those a real
resident would carry (崇明 elderly: 310230 崇明县; 禄丰 before 2021: 532331 禄丰县).
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, transaction

from core.audit import audit_record
from core.bulkload import bulk_insert, gc_paused
from core.choices import Relation, Sex
from core.idnumbers import IdNumber, make_id_number
from core.models import Household, HouseholdMember, Person, Region, User
from core.services.people import PersonData, person_build, person_bulk_insert


@dataclass(frozen=True)
class Profile:
    county: str
    name: str
    hukou_population: int
    # Retired county code carried by people born before the switch year, and that year.
    old_code: str | None
    switch_year: int
    # (household type, weight); see _household_members.
    household_mix: tuple[tuple[str, float], ...]
    surnames: tuple[tuple[str, int], ...]
    # Share of adults whose ID number was issued elsewhere (married or moved in), and where.
    incomer_share: float
    incomer_codes: tuple[str, ...]
    source: str


_SHANGHAI_SURNAMES = (
    ("施", 9),
    ("黄", 8),
    ("陆", 8),
    ("张", 8),
    ("顾", 7),
    ("沈", 7),
    ("朱", 7),
    ("王", 6),
    ("倪", 5),
    ("龚", 5),
    ("袁", 4),
    ("杨", 4),
    ("李", 4),
    ("徐", 4),
    ("陈", 5),
    ("宋", 3),
    ("茅", 3),
    ("郁", 3),
    ("蔡", 3),
    ("姚", 3),
    ("吴", 3),
    ("周", 3),
    ("钱", 2),
    ("秦", 2),
    ("曹", 2),
    ("范", 2),
    ("季", 2),
    ("邱", 2),
    ("瞿", 2),
    ("单", 1),
    ("曾", 1),
)
_YUNNAN_SURNAMES = (
    ("李", 12),
    ("张", 9),
    ("杨", 9),
    ("王", 7),
    ("刘", 6),
    ("陈", 5),
    ("赵", 5),
    ("普", 4),
    ("罗", 4),
    ("周", 3),
    ("段", 3),
    ("杞", 2),
    ("马", 3),
    ("钱", 2),
    ("苏", 2),
    ("董", 2),
    ("朱", 2),
    ("毕", 2),
    ("鲁", 2),
    ("施", 1),
)

PROFILES = {
    "chongming": Profile(
        county="310151",
        name="崇明区",
        hukou_population=649_000,
        old_code="310230",
        switch_year=2016,
        household_mix=(
            ("elder_single", 17),
            ("elder_couple", 24),
            ("couple", 11),
            ("nuclear", 18),
            ("three_generation", 14),
            ("single", 8),
            ("elder_with_adult_child", 8),
        ),
        surnames=_SHANGHAI_SURNAMES,
        incomer_share=0.05,
        incomer_codes=("320682", "320623", "320981", "340826", "310101", "310110", "310109"),
        source="户籍人口约 64.9 万（2020 年低保 10,648 人占户籍人口 1.64%）；上海老龄化程度最高的区，60 岁以上超过三分之一",
    ),
    "baoshan": Profile(
        county="310113",
        name="宝山区",
        hukou_population=1_000_000,
        old_code=None,
        switch_year=0,
        household_mix=(
            ("elder_single", 14),
            ("elder_couple", 22),
            ("couple", 13),
            ("nuclear", 24),
            ("three_generation", 11),
            ("single", 9),
            ("elder_with_adult_child", 7),
        ),
        surnames=_SHANGHAI_SURNAMES,
        incomer_share=0.12,
        incomer_codes=("310101", "310110", "310109", "310115", "310112", "320682", "340826", "341221"),
        source="2020 年底养老床位 12,995 张占户籍老年人口 3.5%（约 37 万老年人）；65 岁以上人口比重仅次于崇明",
    ),
    "lufeng": Profile(
        county="532302",
        name="禄丰市",
        hukou_population=431_000,
        old_code="532331",
        switch_year=2021,
        household_mix=(
            ("elder_single", 7),
            ("elder_couple", 11),
            ("couple", 10),
            ("nuclear", 37),
            ("three_generation", 25),
            ("single", 6),
            ("elder_with_adult_child", 4),
        ),
        surnames=_YUNNAN_SURNAMES,
        incomer_share=0.04,
        incomer_codes=("532301", "532322", "530102", "510322"),
        source="每万人专业社工 ≥1.6 名即 ≥69 名，推得人口约 43 万",
    ),
}

_GIVEN_OLD_M = "建国国平根宝金龙伟民志明德林永康福生长林海林荣根德明兴华卫东忠良明华宝根红卫国良庆生"
_GIVEN_OLD_F = "秀英桂英金妹凤英玉兰美英桂芳秀兰菊英雪芳美华秀珍彩凤惠英月娥丽华玉珍翠英淑芬"
_GIVEN_MID_M = "伟军斌勇华强杰磊涛明辉刚健峰平波俊亮军卫斌雷"
_GIVEN_MID_F = "丽红燕敏静霞芳琴艳娟萍英玲洁慧华春梅佳蓉"
_GIVEN_NEW_M = "浩宇轩然子涵梓睿博文一诺俊杰皓辰思远宇航天佑晨曦铭泽"
_GIVEN_NEW_F = "欣怡子涵梓萱诗琪雨桐可馨思彤语嫣佳怡若曦梦瑶一诺悦然"


def _given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    if birth_year < 1965:
        pool = _GIVEN_OLD_M if sex == Sex.MALE else _GIVEN_OLD_F
    elif birth_year < 1995:
        pool = _GIVEN_MID_M if sex == Sex.MALE else _GIVEN_MID_F
    else:
        pool = _GIVEN_NEW_M if sex == Sex.MALE else _GIVEN_NEW_F
    first = rng.choice(pool)
    return first if rng.random() < 0.3 and birth_year >= 1965 else first + rng.choice(pool)


@dataclass
class PlannedPerson:
    name: str
    sex: str
    birth: datetime.date
    relation: str
    surname: str = ""


@dataclass
class PlannedHousehold:
    village: Region
    number: str
    members: list[PlannedPerson] = field(default_factory=list)


class DistrictGenerator:
    def __init__(self, profile: Profile, scale: float, seed: int, today: datetime.date | None = None) -> None:
        self.profile = profile
        self.scale = scale
        self.rng = random.Random(seed)
        self.today = today or datetime.date(2026, 1, 1)
        self.target = max(1, round(profile.hukou_population * scale))
        self.surnames = [s for s, _ in profile.surnames]
        # Cumulative weights, computed once: random.choices(weights=…) would redo the sums on
        # every call (a million times for a district) and draws exactly the same with these.
        self.surname_cum_weights = list(itertools.accumulate(w for _, w in profile.surnames))
        self.kinds = [k for k, _ in profile.household_mix]
        self.kind_cum_weights = list(itertools.accumulate(w for _, w in profile.household_mix))
        self.sequence: dict[tuple[str, datetime.date, str], int] = {}

    # --- people ----------------------------------------------------------------------------

    def _birth(self, low: int, high: int) -> datetime.date:
        """A birth date for someone aged low..high (full years) today."""
        age = self.rng.randint(low, high)
        day_of_year = self.rng.randint(0, 364)
        birth = self.today.replace(year=self.today.year - age - 1) + datetime.timedelta(days=day_of_year + 1)
        return min(birth, self.today)

    def _elder_age(self) -> int:
        # Ages 60+: many in their 60s and 70s, fewer beyond; a few centenarians.
        return min(105, 60 + int(self.rng.expovariate(1 / 12)))

    def _person(self, surname: str, sex: str, birth: datetime.date, relation: str) -> PlannedPerson:
        return PlannedPerson(surname + _given_name(self.rng, sex, birth.year), sex, birth, relation, surname)

    def _surname(self) -> str:
        return self.rng.choices(self.surnames, cum_weights=self.surname_cum_weights)[0]

    def _children(self, surname: str, mother_birth: datetime.date, count: int) -> list[PlannedPerson]:
        kids = []
        for _ in range(count):
            year = mother_birth.year + self.rng.randint(23, 34)
            if year > self.today.year:
                continue
            birth = datetime.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
            if birth > self.today:
                continue
            sex = self.rng.choice((Sex.MALE, Sex.FEMALE))
            kids.append(self._person(surname, sex, birth, Relation.CHILD))
        return kids

    def _household_members(self, kind: str) -> list[PlannedPerson]:
        rng = self.rng
        surname = self._surname()
        if kind == "elder_single":
            # Most elderly people living alone are widows.
            sex = Sex.FEMALE if rng.random() < 0.68 else Sex.MALE
            age = self._elder_age() + 5
            return [self._person(surname, sex, self._birth(min(age, 105), min(age, 105)), Relation.HEAD)]
        if kind == "elder_couple":
            age = self._elder_age()
            head = self._person(surname, Sex.MALE, self._birth(age, age), Relation.HEAD)
            wife_age = max(58, min(105, age - rng.randint(-1, 5)))
            wife = self._person(self._surname(), Sex.FEMALE, self._birth(wife_age, wife_age), Relation.SPOUSE)
            return [head, wife]
        if kind == "elder_with_adult_child":
            age = self._elder_age() + 8
            parent = self._person(
                surname,
                rng.choice((Sex.FEMALE, Sex.FEMALE, Sex.MALE)),
                self._birth(min(age, 103), min(age, 103)),
                Relation.PARENT,
            )
            child_age = max(30, min(age - 24, 75))
            head = self._person(
                surname, rng.choice((Sex.MALE, Sex.FEMALE)), self._birth(child_age - 6, child_age), Relation.HEAD
            )
            return [head, parent]
        if kind == "single":
            return [self._person(surname, rng.choice((Sex.MALE, Sex.FEMALE)), self._birth(18, 59), Relation.HEAD)]
        if kind == "couple":
            age = rng.randint(24, 59)
            head = self._person(surname, Sex.MALE, self._birth(age, age), Relation.HEAD)
            wife = self._person(
                self._surname(), Sex.FEMALE, self._birth(max(20, age - 4), max(20, age)), Relation.SPOUSE
            )
            return [head, wife]
        if kind == "nuclear":
            age = rng.randint(28, 55)
            head = self._person(surname, Sex.MALE, self._birth(age, age), Relation.HEAD)
            wife = self._person(self._surname(), Sex.FEMALE, self._birth(max(22, age - 4), age), Relation.SPOUSE)
            kids = self._children(surname, wife.birth, rng.choices((1, 2, 3), (62, 33, 5))[0])
            return [head, wife, *kids]
        # three_generation: a couple in their 30s–50s, their children, and one or two grandparents.
        age = rng.randint(30, 56)
        head = self._person(surname, Sex.MALE, self._birth(age, age), Relation.HEAD)
        wife = self._person(self._surname(), Sex.FEMALE, self._birth(max(24, age - 4), age), Relation.SPOUSE)
        kids = self._children(surname, wife.birth, rng.choices((1, 2), (70, 30))[0])
        grand_age = min(100, age + rng.randint(24, 32))
        grandparents = [
            self._person(
                surname,
                Sex.FEMALE if rng.random() < 0.6 else Sex.MALE,
                self._birth(grand_age, grand_age),
                Relation.PARENT,
            )
        ]
        if rng.random() < 0.45:
            grandparents.append(
                self._person(
                    self._surname(),
                    Sex.FEMALE if grandparents[0].sex == Sex.MALE else Sex.MALE,
                    self._birth(grand_age, grand_age),
                    Relation.PARENT,
                )
            )
        return [head, wife, *kids, *grandparents]

    # --- places and numbers ----------------------------------------------------------------

    def _address_code(self, person: PlannedPerson) -> str:
        adult_relation = person.relation in (Relation.SPOUSE, Relation.HEAD, Relation.PARENT)
        if adult_relation and person.birth.year < 2000 and self.rng.random() < self.profile.incomer_share:
            return self.rng.choice(self.profile.incomer_codes)
        if self.profile.old_code and person.birth.year < self.profile.switch_year:
            return self.profile.old_code
        return self.profile.county

    def _id(self, person: PlannedPerson) -> IdNumber:
        code = self._address_code(person)
        key = (code, person.birth, person.sex)
        n = self.sequence.get(key, 0)
        self.sequence[key] = n + 1
        # Odd sequence digits are men, even are women (GB 11643).
        sequence = (n * 2 + (1 if person.sex == Sex.MALE else 0)) % 1000
        number = make_id_number(code, person.birth, sequence)
        return IdNumber(number=number, birth_date=person.birth, sex=person.sex, address_code=code)

    def _phone(self) -> str:
        return "1" + self.rng.choice("3589") + "".join(str(self.rng.randint(0, 9)) for _ in range(9))

    def villages(self) -> list[tuple[Region, float]]:
        villages = list(
            Region.objects.filter(code__startswith=self.profile.county, level="village", is_retired=False).order_by(
                "code"
            )
        )
        if not villages:
            raise RuntimeError(f"没有 {self.profile.name} 的村居区划，请先运行 load_divisions")
        # Village sizes vary a lot; urban 居委会 (suffix 001–199) are larger on average.
        return [(v, self.rng.lognormvariate(0, 0.5) * (1.3 if int(v.code[-3:]) < 200 else 1.0)) for v in villages]

    def households(self) -> Iterator[PlannedHousehold]:
        villages = self.villages()
        population = [v for v, _ in villages]
        cum_weights = list(itertools.accumulate(w for _, w in villages))
        counters: dict[str, int] = {}
        produced = 0
        while produced < self.target:
            village = self.rng.choices(population, cum_weights=cum_weights)[0]
            counters[village.code] = counters.get(village.code, 0) + 1
            household = PlannedHousehold(village, f"HH{village.code}-{counters[village.code]:05d}")
            household.members = self._household_members(
                self.rng.choices(self.kinds, cum_weights=self.kind_cum_weights)[0]
            )
            produced += len(household.members)
            yield household

    def person_data(self, household: PlannedHousehold, person: PlannedPerson, all_villages: list[Region]) -> PersonData:
        rng = self.rng
        residence = household.village if rng.random() < 0.88 else rng.choice(all_villages)
        adult = self.today.year - person.birth.year >= 18
        phone = self._phone() if adult and self.today.year - person.birth.year < 85 and rng.random() < 0.75 else ""
        death = None
        age = self.today.year - person.birth.year
        if age >= 80 and rng.random() < 0.02:
            death = self.today - datetime.timedelta(days=rng.randint(1, 900))
            death = max(death, person.birth)
        return PersonData(
            name=person.name,
            id=self._id(person),
            phone=phone,
            hukou_region=household.village,
            residence_region=residence,
            address=f"{household.village.name.removesuffix('居委会').removesuffix('村委会').removesuffix('村民委员会').removesuffix('社区居民委员会')}{rng.randint(1, 420)}号",
            death_date=death,
        )


def generate_district(
    *,
    profile_name: str,
    scale: float,
    seed: int,
    acting_user: User | None = None,
    chunk_people: int = 5000,
    progress=None,
) -> dict[str, int]:
    """Create the people and households of a synthetic district; returns counts.

    On PostgreSQL, outside a transaction, each chunk is written by a second thread (its own
    connection, its own transactions) while this one builds the next chunk: the database's half
    of the work then overlaps the Python half instead of following it.
    """
    profile = PROFILES[profile_name]
    generator = DistrictGenerator(profile, scale, seed)
    all_villages = [v for v, _ in generator.villages()]
    label = f"演示数据 {profile.name} scale={scale} seed={seed}"
    totals = {"people": 0, "households": 0}
    pending: list[PlannedHousehold] = []
    pending_people = 0
    overlap = connection.vendor == "postgresql" and not connection.in_atomic_block
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="district-writer") if overlap else None
    in_flight: Future[None] | None = None

    def build() -> _Chunk:
        planned = [[generator.person_data(h, m, all_villages) for m in h.members] for h in pending]
        # A chunk is stored sorted by village, as a registry extract arrives sorted by address:
        # a township's people then sit together on disk instead of on every page of the table,
        # which is what makes a township's filtered counts cheap. The people drawn are the same
        # (the random draws happened above, in the generator's order); only their ids differ.
        order = sorted(range(len(pending)), key=lambda i: pending[i].village.code)
        households = [pending[i] for i in order]
        rows = [row for i in order for row in planned[i]]
        return _Chunk(households, person_build(rows))

    def write(chunk: _Chunk) -> None:
        try:
            with transaction.atomic():
                people = person_bulk_insert(acting_user=acting_user, people=chunk.people, label=label)
                # Each household's first member is its head; their address is the household's.
                created: list[Household] = []
                cursor = 0
                for h in chunk.households:
                    created.append(Household(number=h.number, region=h.village, address=people[cursor].address))
                    cursor += len(h.members)
                bulk_insert(Household, created)
                members = []
                cursor = 0
                for household, saved in zip(chunk.households, created, strict=True):
                    for member in household.members:
                        members.append(
                            HouseholdMember(
                                household_id=saved.pk,
                                person_id=people[cursor].pk,
                                relation=member.relation,
                                joined_on=max(member.birth, datetime.date(2000, 1, 1)),
                            )
                        )
                        cursor += 1
                bulk_insert(HouseholdMember, members)
                audit_record(
                    action="household.bulk_create",
                    actor=acting_user,
                    object_type="core.household",
                    object_id=f"{created[0].pk}-{created[-1].pk}",
                    object_repr=label,
                    region_code=profile.county,
                    changes={"households": len(created), "members": len(members)},
                )
        finally:
            if writer is not None:
                connection.close()  # the writer thread's own connection

    def flush() -> None:
        nonlocal pending_people, in_flight
        if not pending:
            return
        with gc_paused():
            chunk = build()
        if in_flight is not None:
            in_flight.result()  # at most one chunk waits: memory stays bounded, errors surface
            in_flight = None
        if writer is None:
            with gc_paused():
                write(chunk)
        else:
            in_flight = writer.submit(write, chunk)
        totals["people"] += len(chunk.people)
        totals["households"] += len(chunk.households)
        pending.clear()
        pending_people = 0
        if progress:
            progress(totals["people"], generator.target)

    try:
        for household in generator.households():
            pending.append(household)
            pending_people += len(household.members)
            if pending_people >= chunk_people:
                flush()
        flush()
        if in_flight is not None:
            in_flight.result()
    finally:
        if writer is not None:
            writer.shutdown(wait=True)
    return totals


@dataclass
class _Chunk:
    households: list[PlannedHousehold]
    people: list[Person]
