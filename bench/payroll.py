"""Benchmark of the monthly 低保 payroll (百万案件月救助金发放基准测试).

    make bench-payroll            # or: .venv/bin/python bench/payroll.py [--cases N] [--months M]

What it does, in order:

1. creates a fresh PostgreSQL database ``minzheng_bench_payroll`` on 127.0.0.1 (trust auth,
   user postgres; ``BENCH_PG_URL`` names another server), migrations, divisions, the
   assistance parameters (Shanghai 低保 standard 1,330 / minors 1,730 / add-on 410 from 2021-07);
2. builds ``--cases`` active 低保 cases over the real villages of 崇明 (310151), each with its
   household and payee, set-based with COPY (``core.bulkload``): household sizes 1–4 with
   minors, incomes 0–1,000 yuan per member (below the standard: every case is paid), 5 % of households with a severely disabled member (add-on);
3. runs the payroll engine (``payments.services.compute_run``, the code the payroll Job runs)
   for ``--months`` consecutive months from 2021-08 over the whole district — ``cases × months``
   case-months, 1,000,000 by default — and times it; then runs the first month again (it must
   add nothing) and times that too;
4. in the same run, a hand-written ``INSERT … SELECT`` writes the same rows (same columns,
   amounts from the same formula with the parameter values inlined, snapshot and parameter
   JSON) into a copy of the payments table with the same indexes and constraints, and checks
   that both hold exactly the same (case, month, amount) rows;
5. prints progress lines and, last, ``RESULT {json}``; then drops the database.

Targets (issue 3): the engine ≤ 60 s for 1,000,000 case-months, ≤ 3 × the plain SQL, bench
process peak memory ≤ 1 GiB.

The payroll reads the case's denormalised counts (adults, minors, add-ons), never its member
rows, so the build makes one person (the payee, head of household) per case and no CaseMember
rows. People here carry a placeholder for the encrypted ID number: no part of the payroll
reads it.
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
DB_NAME = "minzheng_bench_payroll"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DISTRICT = "310151"
FIRST_MONTH = datetime.date(2021, 8, 1)
TARGET_SECONDS = 60.0
TARGET_RATIO = 3.0
TARGET_RSS_MB = 1024.0
CHUNK = 50_000

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


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


# --- Build ----------------------------------------------------------------------------------


def build_cases(count: int, seed: int) -> float:
    """``count`` active 低保 cases, with households and payees, by COPY in chunks."""
    from django.db import transaction

    from assistance.models import Case
    from core.bulkload import bulk_insert, gc_paused
    from core.models import Household, HouseholdMember, Person, Region

    rng = random.Random(seed)
    villages = list(
        Region.objects.filter(code__startswith=DISTRICT, level="village", is_retired=False).values_list(
            "code", flat=True
        )
    )
    started = time.perf_counter()
    for offset in range(0, count, CHUNK):
        size = min(CHUNK, count - offset)
        with gc_paused(), transaction.atomic():
            people = []
            households = []
            for i in range(offset, offset + size):
                village = villages[i % len(villages)]
                people.append(
                    Person(
                        name="救助对象",
                        name_pinyin="jiuzhuduixiang",
                        name_initials="jzdx",
                        id_number_encrypted="bench",
                        id_number_hash=f"bench-{i}",
                        sex="M" if i % 2 else "F",
                        birth_date=datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                        hukou_region_id=village,
                    )
                )
                households.append(Household(number=f"B{i:09d}", region_id=village))
            bulk_insert(Person, people)
            bulk_insert(Household, households)
            joined = datetime.date(2015, 1, 1)
            bulk_insert(
                HouseholdMember,
                [
                    HouseholdMember(household_id=h.pk, person_id=p.pk, relation="head", joined_on=joined)
                    for h, p in zip(households, people, strict=True)
                ],
            )
            cases = []
            for i, (household, person) in enumerate(zip(households, people, strict=True), start=offset):
                members = rng.choice((1, 1, 2, 2, 3, 3, 4))
                minors = rng.randint(0, members - 1) if members > 1 and rng.random() < 0.4 else 0
                addons = {"severe_disability": 1} if rng.random() < 0.05 else {}
                cases.append(
                    Case(
                        number=f"DB{DISTRICT}202101{i:08d}",
                        category="dibao",
                        household_id=household.pk,
                        payee_id=person.pk,
                        region_id=household.region_id,
                        status="active",
                        start_month=datetime.date(2021, 1, 1),
                        member_count=members,
                        adult_count=members - minors,
                        minor_count=minors,
                        addon_counts=addons,
                        # Below the household's standard, so every case is paid (an active
                        # case with nothing to pay would not be a case-month).
                        household_monthly_income=Decimal(rng.randrange(0, members * 100_000, 50)) / 100,
                        monthly_amount=Decimal("0"),
                    )
                )
            bulk_insert(Case, cases)
        log(f"  建档 {offset + size:,} / {count:,} 件，{time.perf_counter() - started:.0f} 秒")
    return time.perf_counter() - started


# --- The engine and the baseline ------------------------------------------------------------


def run_engine(months: list[datetime.date], maker: Any) -> tuple[float, list[Any]]:
    from core.models import Region
    from payments import services
    from payments.models import PayrollRun

    region = Region.objects.get(code=DISTRICT)
    runs = []
    started = time.perf_counter()
    for month in months:
        run = PayrollRun.objects.create(scheme="assistance.dibao", region=region, month=month, created_by=maker)
        services.compute_run(run)
        runs.append(run)
        log(
            f"  引擎 {month:%Y-%m}：{run.total_count:,} 笔，{run.total_amount} 元，累计 {time.perf_counter() - started:.1f} 秒"
        )
    return time.perf_counter() - started, runs


BASELINE_SQL = """
INSERT INTO bench_payment (run_id, scheme, month, entitlement_id, person_id, household_id, region_code,
                           amount, snapshot, parameters, status, failure_reason, created_at)
SELECT %(run)s, 'assistance.dibao', %(month)s, c.id, c.payee_id, c.household_id, c.region_id, a.amount,
       jsonb_build_object('case', c.number, 'members', c.member_count, 'adults', c.adult_count,
                          'minors', c.minor_count, 'addons', c.addon_counts, 'income', c.household_monthly_income),
       %(parameters)s::jsonb, 'pending', '', now()
FROM assistance_case c
CROSS JOIN LATERAL (
    SELECT round(GREATEST(c.adult_count * %(adult)s::numeric + c.minor_count * %(minor)s::numeric
                          - c.household_monthly_income, 0)
                 + COALESCE((c.addon_counts ->> 'severe_disability')::int, 0) * %(addon)s::numeric, 2) AS amount
) a
WHERE c.category = 'dibao' AND c.region_id LIKE %(prefix)s AND c.start_month <= %(month)s
  AND (c.end_month IS NULL OR c.end_month >= %(month)s) AND c.status <> 'suspended' AND a.amount > 0
ON CONFLICT DO NOTHING
"""


def run_baseline(months: list[datetime.date], runs: list[Any]) -> float:
    """The same rows by one hand-written statement per month, into a table like payments_payment."""
    from django.db import connection, transaction

    from assistance.schemes import month_parameters

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_payment")
        cursor.execute("CREATE TABLE bench_payment (LIKE payments_payment INCLUDING ALL)")
    started = time.perf_counter()
    for month, run in zip(months, runs, strict=True):
        parameters = month_parameters("dibao", DISTRICT, month)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                BASELINE_SQL,
                {
                    "run": run.pk,
                    "month": month,
                    "parameters": json.dumps(parameters.versions(), ensure_ascii=False, default=str),
                    "adult": parameters.adult,
                    "minor": parameters.minor,
                    "addon": parameters.addons.get("severe_disability", Decimal("0")),
                    "prefix": f"{DISTRICT}%",
                },
            )
        log(f"  基线 {month:%Y-%m}：累计 {time.perf_counter() - started:.1f} 秒")
    return time.perf_counter() - started


def compare() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ("
            " (SELECT entitlement_id, month, amount FROM payments_payment"
            "  EXCEPT SELECT entitlement_id, month, amount FROM bench_payment)"
            " UNION ALL"
            " (SELECT entitlement_id, month, amount FROM bench_payment"
            "  EXCEPT SELECT entitlement_id, month, amount FROM payments_payment)) d"
        )
        differences = cursor.fetchone()[0]
        cursor.execute("SELECT count(*), count(DISTINCT (entitlement_id, month)) FROM payments_payment")
        rows, distinct = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM bench_payment")
        baseline_rows = cursor.fetchone()[0]
    return {
        "engine_rows": rows,
        "distinct_case_months": distinct,
        "baseline_rows": baseline_rows,
        "differences": differences,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20210801)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "cases": args.cases,
        "months": args.months,
        "case_months_requested": args.cases * args.months,
        "machine": {"cpus": os.cpu_count()},
        "load_average": {"start": os.getloadavg()[0]},
    }
    log(f"创建数据库 {DB_NAME}")
    create_database()
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        from assistance.parameters import ensure_parameters
        from assistance.parameters_temporary import ensure_temporary_parameters
        from core import services

        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_divisions", verbosity=0)
        ensure_parameters()
        ensure_temporary_parameters()
        maker = services.user_create(acting_user=None, username="bench_maker", password="Bench-pass-2026")
        log(f"建档 {args.cases:,} 件低保案件（COPY）")
        result["build_seconds"] = round(build_cases(args.cases, args.seed), 1)
        with connection.cursor() as cursor:
            for table in ("assistance_case", "core_person", "core_household", "core_householdmember"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        months = [add_months(FIRST_MONTH, i) for i in range(args.months)]

        log("发放引擎（INSERT … SELECT 按 id 分段，每段一个事务）")
        engine_seconds, runs = run_engine(months, maker)
        log("重跑第一个月（应不新增任何记录）")
        from payments import services as pay

        before = runs[0].total_count
        started = time.perf_counter()
        pay.compute_run(runs[0])
        rerun_seconds = time.perf_counter() - started
        runs[0].refresh_from_db()
        log("手写 INSERT … SELECT 基线")
        baseline_seconds = run_baseline(months, runs)
        figures = compare()
        log(f"核对：{figures}")
        rows = figures["engine_rows"]
        peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        result.update(
            {
                "case_months": rows,
                "engine_seconds": round(engine_seconds, 2),
                "engine_rows_per_second": round(rows / engine_seconds) if engine_seconds else None,
                "baseline_seconds": round(baseline_seconds, 2),
                "ratio_to_baseline": round(engine_seconds / baseline_seconds, 2) if baseline_seconds else None,
                "rerun_seconds": round(rerun_seconds, 2),
                "rerun_added": runs[0].total_count - before,
                "total_amount": str(sum((r.total_amount for r in runs), Decimal("0"))),
                "comparison": figures,
                "bench_peak_rss_mb": peak,
                "chunk_size": pay.CHUNK_SIZE,
            }
        )
        result["load_average"]["end"] = os.getloadavg()[0]
        result["checks"] = {
            "engine_within_60s": engine_seconds <= TARGET_SECONDS * rows / 1_000_000 if rows else None,
            "ratio_within_3x": result["ratio_to_baseline"] is not None and result["ratio_to_baseline"] <= TARGET_RATIO,
            "peak_rss_within_1gib": peak <= TARGET_RSS_MB,
            "same_rows_as_baseline": figures["differences"] == 0 and figures["baseline_rows"] == rows,
            "one_row_per_case_month": figures["distinct_case_months"] == rows,
            "rerun_added_nothing": result["rerun_added"] == 0,
        }
        log(
            f"引擎 {engine_seconds:.1f} 秒（{rows:,} 笔），基线 {baseline_seconds:.1f} 秒，"
            f"比值 {result['ratio_to_baseline']}，重跑 {rerun_seconds:.1f} 秒，峰值内存 {peak} MB"
        )
    finally:
        if not args.keep_db:
            drop_database()
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
