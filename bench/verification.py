"""Benchmark of economic verification (1 万户 × 500 万条核对数据基准测试).

    make bench-verification       # or: .venv/bin/python bench/verification.py [--households N] [--facts N]

What it does, in order:

1. creates a fresh PostgreSQL database ``minzheng_bench_verification`` on 127.0.0.1 (trust auth,
   user postgres; ``BENCH_PG_URL`` names another server), migrations, divisions, the assistance
   parameters;
2. builds ``--households`` households (1–4 members) over the real villages of 崇明 (310151), and
   ``--facts`` data-source facts with COPY: for every member 12 months of wages or pensions,
   deposit balances at two dates, some securities, cars and non-residential buildings, and
   facts older than the window; the rest of the facts name people who are not applicants
   (most rows of a real extract), keyed by the same blind index. Facts are loaded as the
   import leaves them: linked to the person when the ID number is registered (the import
   matches the batch in one UPDATE when it commits), unlinked otherwise; ``--unmatched``
   loads the applicants' facts unlinked too, so that the run also writes every match;
3. runs ``assistance.services_verification.verify_households`` (the code the verification Job
   runs) for all the households and times it: matching their facts by ID-number hash (UPDATE),
   reading the facts in the window, computing each report against the parameters, inserting
   the reports and their items;
4. in the same run, a hand-written SQL aggregate computes the monthly income and monetary
   property of every household straight from the facts (hash join, DISTINCT ON for the latest
   balances) and the bench checks that both agree household by household;
5. prints progress lines and, last, ``RESULT {json}``; then drops the database.

Target (issue 3): 10,000 households against 5,000,000 facts ≤ 60 s.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import secrets
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "minzheng_bench_verification"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DISTRICT = "310151"
ON_DATE = datetime.date(2021, 8, 31)
TARGET_SECONDS = 60.0
CHUNK = 5_000

_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", flush=True)


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True)


def create_database() -> None:
    with _admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with _admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def setup_django() -> None:
    import base64

    os.environ.update(
        {
            "DATABASE_URL": f"{SERVER_URL}/{DB_NAME}",
            "DJANGO_SETTINGS_MODULE": "minzheng.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "MINZHENG_FIELD_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "DJANGO_DEBUG": "0",
            "MINZHENG_DEMO": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MINZHENG_VAR_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / "minzheng-bench-var"),
            "TASKS_BACKEND": "db",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


# --- Build ----------------------------------------------------------------------------------


def build_households(count: int, seed: int) -> tuple[list[int], list[tuple[str, datetime.date, int]]]:
    """Households with 1–4 members; returns the household ids and (hash, birth date) per member."""
    from django.db import transaction

    from core.bulkload import bulk_insert, gc_paused
    from core.crypto import blind_index
    from core.models import Household, HouseholdMember, Person, Region

    rng = random.Random(seed)
    villages = list(
        Region.objects.filter(code__startswith=DISTRICT, level="village", is_retired=False).values_list(
            "code", flat=True
        )
    )
    household_ids: list[int] = []
    members: list[tuple[str, datetime.date, int]] = []
    serial = 0
    for offset in range(0, count, CHUNK):
        size = min(CHUNK, count - offset)
        with gc_paused(), transaction.atomic():
            households = [
                Household(number=f"V{i:09d}", region_id=villages[i % len(villages)])
                for i in range(offset, offset + size)
            ]
            bulk_insert(Household, households)
            people: list[Person] = []
            links: list[tuple[Household, Person, str]] = []
            for household in households:
                for position in range(rng.choice((1, 1, 2, 2, 3, 3, 4))):
                    serial += 1
                    birth = datetime.date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28))
                    person = Person(
                        name="核对对象",
                        name_pinyin="heduiduixiang",
                        name_initials="hddx",
                        id_number_encrypted="bench",
                        id_number_hash=blind_index("id", f"member-{serial}"),
                        sex="M" if serial % 2 else "F",
                        birth_date=birth,
                        hukou_region_id=household.region_id,
                    )
                    people.append(person)
                    links.append((household, person, "head" if position == 0 else "child"))
            bulk_insert(Person, people)
            members.extend((p.id_number_hash, p.birth_date, p.pk) for p in people)
            bulk_insert(
                HouseholdMember,
                [
                    HouseholdMember(
                        household_id=h.pk, person_id=p.pk, relation=relation, joined_on=datetime.date(2015, 1, 1)
                    )
                    for h, p, relation in links
                ],
            )
            household_ids.extend(h.pk for h in households)
    return household_ids, members


def _member_facts(rng: random.Random, number_hash: str, birth: datetime.date) -> list[tuple[Any, ...]]:
    """(source, hash, as_of, item, reference, amount, exempt) rows of one applicant member."""
    rows: list[tuple[Any, ...]] = []
    age = ON_DATE.year - birth.year
    if 18 <= age < 60 and rng.random() < 0.6:
        wage = Decimal(rng.randrange(150_000, 600_000, 100)) / 100
        for back in range(14):  # 12 in the window, 2 older
            year, month = divmod(ON_DATE.year * 12 + ON_DATE.month - 1 - back, 12)
            rows.append(("wage_social_insurance", number_hash, month_end(year, month + 1), "工资", "", wage, False))
    elif age >= 60:
        pension = Decimal(rng.randrange(100_000, 400_000, 100)) / 100
        for back in range(12):
            year, month = divmod(ON_DATE.year * 12 + ON_DATE.month - 1 - back, 12)
            rows.append(
                ("wage_social_insurance", number_hash, month_end(year, month + 1), "养老金", "", pension, False)
            )
    for account in range(rng.choice((0, 1, 1, 2))):
        reference = f"6222{rng.randrange(10**12):012d}"
        for as_of in (datetime.date(2021, 3, 31), datetime.date(2021, 6, 30)):
            balance = Decimal(rng.randrange(0, 4_000_000, 1)) / 100
            rows.append(
                ("bank_deposit", number_hash, as_of, "活期" if account == 0 else "定期", reference, balance, False)
            )
    if rng.random() < 0.2:
        rows.append(
            (
                "securities",
                number_hash,
                datetime.date(2021, 6, 30),
                "基金",
                f"F{rng.randrange(10**9)}",
                Decimal(rng.randrange(0, 5_000_000)) / 100,
                False,
            )
        )
    if rng.random() < 0.05:
        rows.append(
            (
                "vehicle",
                number_hash,
                datetime.date(2021, 1, 31),
                "小型轿车",
                f"沪C{rng.randrange(10**5):05d}",
                Decimal("50000.00"),
                rng.random() < 0.2,
            )
        )
    if rng.random() < 0.3:
        rows.append(
            (
                "real_estate",
                number_hash,
                datetime.date(2020, 12, 31),
                "non_residential" if rng.random() < 0.1 else "residential",
                f"R{rng.randrange(10**9)}",
                Decimal("0.00"),
                False,
            )
        )
    return rows


_OTHER_KINDS = (
    ("wage_social_insurance", "工资"),
    ("bank_deposit", "活期"),
    ("securities", "股票"),
    ("tax", "综合所得"),
    ("business", "个体工商户"),
)


def load_facts(
    total: int, members: list[tuple[str, datetime.date, int]], seed: int, unmatched: bool
) -> tuple[int, int]:
    """COPY the facts: the applicants' first, then other people's up to ``total``."""
    from django.db import connection, transaction

    from assistance.models import FactBatch
    from core.crypto import blind_index
    from core.models import Region

    rng = random.Random(seed + 1)
    batch = FactBatch.objects.create(
        source_kind="bank_deposit", title="基准测试数据", region=Region.objects.get(code=DISTRICT)
    )
    columns = "batch_id, source_kind, id_number_hash, person_id, name, as_of, item, reference, amount, exempt, detail"
    written = applicant_rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY assistance_datasourcefact ({columns}) FROM STDIN") as copy:
            for number_hash, birth, person_id in members:
                linked = None if unmatched else person_id
                for source, h, as_of, item, reference, amount, exempt in _member_facts(rng, number_hash, birth):
                    copy.write_row((batch.pk, source, h, linked, "", as_of, item, reference, amount, exempt, ""))
                    written += 1
            applicant_rows = written
            other = 0
            while written < total:
                other += 1
                number_hash = blind_index("id", f"other-{other}")
                for _ in range(10):
                    source, item = _OTHER_KINDS[rng.randrange(len(_OTHER_KINDS))]
                    year, month = divmod(ON_DATE.year * 12 + ON_DATE.month - 1 - rng.randrange(24), 12)
                    copy.write_row(
                        (
                            batch.pk,
                            source,
                            number_hash,
                            None,
                            "",
                            month_end(year, month + 1),
                            item,
                            f"X{written:09d}",
                            Decimal(rng.randrange(0, 10_000_000)) / 100,
                            False,
                            "",
                        )
                    )
                    written += 1
                    if written >= total:
                        break
                if other % 50_000 == 0:
                    log(f"  写入核对数据 {written:,} / {total:,}")
    return written, applicant_rows


# --- The service and the baseline -----------------------------------------------------------


def run_service(household_ids: list[int]) -> tuple[float, int]:
    from assistance.services_verification import verify_households

    done = [0]
    next_log = [time.perf_counter() + 10]

    def progress(n: int) -> None:
        done[0] = n
        if time.perf_counter() >= next_log[0]:
            log(f"  已核对 {n:,} / {len(household_ids):,} 户")
            next_log[0] = time.perf_counter() + 10

    started = time.perf_counter()
    reports = verify_households(household_ids=household_ids, on_date=ON_DATE, acting_user=None, on_progress=progress)
    return time.perf_counter() - started, len(reports)


BASELINE_SQL = """
WITH m AS (
    SELECT hm.household_id, p.id_number_hash AS h
    FROM core_householdmember hm JOIN core_person p ON p.id = hm.person_id
    WHERE hm.household_id = ANY(%(ids)s) AND (p.death_date IS NULL OR p.death_date > %(on)s)
), f AS (
    SELECT m.household_id, f.source_kind, f.id_number_hash, f.reference, f.item, f.as_of, f.amount
    FROM m JOIN assistance_datasourcefact f ON f.id_number_hash = m.h
    WHERE f.as_of > %(start)s AND f.as_of <= %(on)s
), latest AS (
    SELECT DISTINCT ON (id_number_hash, source_kind, reference, item) household_id, amount
    FROM f WHERE source_kind IN ('bank_deposit', 'securities')
    ORDER BY id_number_hash, source_kind, reference, item, as_of DESC
), income AS (
    SELECT household_id, ROUND(SUM(amount) / 12, 2) AS monthly FROM f
    WHERE source_kind = 'wage_social_insurance' GROUP BY household_id
), money AS (
    SELECT household_id, SUM(amount) AS total FROM latest GROUP BY household_id
)
SELECT h.id, COALESCE(income.monthly, 0), COALESCE(money.total, 0)
FROM core_household h LEFT JOIN income ON income.household_id = h.id LEFT JOIN money ON money.household_id = h.id
WHERE h.id = ANY(%(ids)s)
"""


def run_baseline(household_ids: list[int]) -> tuple[float, dict[int, tuple[Decimal, Decimal]]]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL, {"ids": household_ids, "on": ON_DATE, "start": datetime.date(2020, 8, 31)})
        rows = {hid: (Decimal(income), Decimal(money)) for hid, income, money in cursor.fetchall()}
    return time.perf_counter() - started, rows


def compare(expected: dict[int, tuple[Decimal, Decimal]]) -> dict[str, int]:
    from assistance.models import VerificationReport

    differences = 0
    reports = VerificationReport.objects.values_list("household_id", "monthly_income", "monetary_property")
    seen = 0
    for household_id, income, money in reports.iterator(chunk_size=5000):
        seen += 1
        if expected.get(household_id) != (income, money):
            differences += 1
    passed = VerificationReport.objects.filter(passed=True).count()
    return {"reports": seen, "baseline_households": len(expected), "differences": differences, "passed": passed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--facts", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=20210831)
    parser.add_argument("--unmatched", action="store_true", help="申请人的核对数据也不预先匹配")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "households_requested": args.households,
        "facts_requested": args.facts,
        "applicant_facts_preloaded_matched": not args.unmatched,
        "machine": {"cpus": os.cpu_count()},
        "load_average": {"start": os.getloadavg()[0]},
    }
    log(f"创建数据库 {DB_NAME}")
    create_database()
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        from assistance.parameters_verification import ensure_verification_parameters

        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_divisions", verbosity=0)
        ensure_verification_parameters()
        log(f"建 {args.households:,} 户（COPY）")
        started = time.perf_counter()
        household_ids, members = build_households(args.households, args.seed)
        log(f"写入 {args.facts:,} 条核对数据（COPY）")
        facts, applicant_facts = load_facts(args.facts, members, args.seed, args.unmatched)
        with connection.cursor() as cursor:
            for table in ("assistance_datasourcefact", "core_person", "core_household", "core_householdmember"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        result["build_seconds"] = round(time.perf_counter() - started, 1)
        log(
            f"数据准备 {result['build_seconds']} 秒：{len(members):,} 名成员，核对数据 {facts:,} 条（申请人 {applicant_facts:,} 条）"
        )

        log("核对（verify_households：匹配、读取、计算、写报告与明细）")
        seconds, reports = run_service(household_ids)
        log("手写 SQL 基线（按户汇总收入与货币财产）")
        baseline_seconds, expected = run_baseline(household_ids)
        figures = compare(expected)
        log(f"核对结果比对：{figures}")
        from assistance.models import DataSourceFact, VerificationReportItem

        peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        result.update(
            {
                "households": len(household_ids),
                "members": len(members),
                "facts": facts,
                "applicant_facts": applicant_facts,
                "matched_facts": DataSourceFact.objects.filter(person__isnull=False).count(),
                "report_items": VerificationReportItem.objects.count(),
                "reports": reports,
                "seconds": round(seconds, 2),
                "households_per_second": round(len(household_ids) / seconds) if seconds else None,
                "baseline_seconds": round(baseline_seconds, 2),
                "ratio_to_baseline": round(seconds / baseline_seconds, 2) if baseline_seconds else None,
                "comparison": figures,
                "bench_peak_rss_mb": peak,
            }
        )
        result["load_average"]["end"] = os.getloadavg()[0]
        result["checks"] = {
            "within_60s": seconds <= TARGET_SECONDS,
            "one_report_per_household": reports == len(household_ids),
            "same_figures_as_baseline": figures["differences"] == 0,
        }
        log(f"核对 {seconds:.1f} 秒（{reports:,} 户），基线 {baseline_seconds:.1f} 秒，峰值内存 {peak} MB")
    finally:
        if not args.keep_db:
            drop_database()
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
