"""Benchmark of the 老年综合津贴 payroll (40 万老年综合津贴发放基准测试).

    make bench-senior-allowance     # or: .venv/bin/python bench/senior_allowance.py [--elderly N]

What it does, in order:

1. creates a fresh PostgreSQL database ``minzheng_bench_senior`` on 127.0.0.1 (trust auth, user
   postgres; ``BENCH_PG_URL`` names another server), throw-away keys, migrations, divisions,
   the care policy parameters;
2. loads 400,000 people aged 65+ with hukou in 崇明's villages (ages skewed young as in a real
   district: most are 65–79, a few hundred are 100+), plus 100,000 younger people who must not
   be paid, 1% of the elderly dead before the month and 0.5% on the suspension list. The people
   are written by one SQL statement (the registry generator is benchmarked by
   bench/registry.py; here only the payroll is measured);
3. opens the month's run through ``payments.services.payroll_run_create`` and times
   ``compute_run`` — the engine's INSERT … SELECT per id range of the scheme's queryset (age
   band chosen in SQL from the birth date, suspension list as NOT EXISTS);
4. times a plain hand-written ``INSERT … SELECT`` of the same rows (same amounts, same snapshot,
   into a copy of the payment table with the same indexes) in the same run, checks that both
   wrote the same number of rows and the same total, and times a re-run of the generation
   (which must add nothing);
5. prints progress lines and, as the last line, ``RESULT {json}``; then drops the database.

Targets (docs/benchmarks.md): generation of the month's payroll ≤ 30 s and ≤ 3× the plain
INSERT … SELECT.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.registry import bench_environment, cpu_calibration_ms, log  # noqa: E402

DB_NAME = "minzheng_bench_senior"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DISTRICT = "310151"
TARGET_SECONDS = 30.0
TARGET_RATIO = 3.0


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


def load_people(elderly: int, younger: int, month: datetime.date) -> dict[str, int]:
    """One INSERT … SELECT over generate_series: elderly first, then the younger people."""
    from django.db import connection

    from eldercare.policy_care import add_years, month_end

    reference = month_end(month)
    cutoff_65 = add_years(reference, -65)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(code ORDER BY code) FROM core_region WHERE level = 'village' AND code LIKE %s",
            [DISTRICT + "%"],
        )
        villages = cursor.fetchone()[0]
        # frac in [0, 1): a fixed hash of i; squaring it skews the ages towards 65.
        cursor.execute(
            """
            INSERT INTO core_person (name, name_pinyin, name_initials, id_number_encrypted, id_number_hash, sex,
                                     birth_date, phone_encrypted, phone_hash, hukou_region_id, residence_region_id,
                                     address, death_date, created_at, updated_at)
            SELECT '老人' || i, 'laoren' || i, 'lr', 'bench', md5('p' || i), CASE WHEN i %% 2 = 0 THEN 'M' ELSE 'F' END,
                   b.birth, '', '', (%(villages)s::varchar[])[1 + i %% %(n)s], NULL, '',
                   CASE WHEN i %% 100 = 7 THEN %(died)s::date END, now(), now()
            FROM generate_series(1, %(elderly)s) AS i,
                 LATERAL (SELECT ((i::bigint * 2654435761) %% 1000003) / 1000003.0 AS frac) f,
                 LATERAL (SELECT (%(cutoff)s::date - floor(13500 * f.frac * f.frac)::int) AS birth) b
            """,
            {
                "villages": villages,
                "n": len(villages),
                "elderly": elderly,
                "cutoff": cutoff_65,
                "died": month - datetime.timedelta(days=10),
            },
        )
        cursor.execute(
            """
            INSERT INTO core_person (name, name_pinyin, name_initials, id_number_encrypted, id_number_hash, sex,
                                     birth_date, phone_encrypted, phone_hash, hukou_region_id, residence_region_id,
                                     address, death_date, created_at, updated_at)
            SELECT '居民' || i, 'jumin' || i, 'jm', 'bench', md5('y' || i), CASE WHEN i %% 2 = 0 THEN 'M' ELSE 'F' END,
                   %(cutoff)s::date + 1 + (i %% 12000), '', '', (%(villages)s::varchar[])[1 + i %% %(n)s], NULL, '',
                   NULL, now(), now()
            FROM generate_series(1, %(younger)s) AS i
            """,
            {"villages": villages, "n": len(villages), "younger": younger, "cutoff": cutoff_65},
        )
        # 0.5% of the elderly are on the suspension list (living away from Shanghai) from last month.
        cursor.execute(
            """
            INSERT INTO eldercare_allowancesuspension (person_id, region_id, scheme, reason, starts_on, ends_on, note,
                                                       created_at)
            SELECT id, hukou_region_id, 'eldercare.senior_allowance', 'away', %s, NULL, '', now()
            FROM core_person WHERE id %% 200 = 3 AND birth_date <= %s
            """,
            [(month - datetime.timedelta(days=1)).replace(day=1), cutoff_65],
        )
        cursor.execute("SELECT count(*) FROM eldercare_allowancesuspension")
        suspended = cursor.fetchone()[0]
        cursor.execute("VACUUM ANALYZE core_person")
        cursor.execute("VACUUM ANALYZE eldercare_allowancesuspension")
    return {"elderly": elderly, "younger": younger, "suspended": suspended}


PLAIN_SQL = """
INSERT INTO payments_payment (run_id, scheme, month, entitlement_id, person_id, household_id, region_code, amount,
                                 snapshot, parameters, status, failure_reason, created_at)
SELECT %(run)s, %(scheme)s, %(month)s, p.id, p.id, NULL, p.hukou_region_id, {amount},
       jsonb_build_object('name', p.name, 'birth_date', p.birth_date, 'hukou_region', p.hukou_region_id),
       %(parameters)s::jsonb, 'pending', '', now()
FROM core_person p
WHERE p.hukou_region_id LIKE %(prefix)s AND p.birth_date <= %(youngest)s
  AND (p.death_date IS NULL OR p.death_date >= %(month)s)
  AND NOT EXISTS (SELECT 1 FROM eldercare_allowancesuspension s
                  WHERE s.person_id = p.id AND s.scheme = %(suspended_scheme)s AND s.starts_on <= %(month)s
                    AND (s.ends_on IS NULL OR s.ends_on >= %(month)s))
"""


def plain_insert(month: datetime.date, label: str) -> tuple[float, int, str]:
    """The same rows written by one hand-written statement into the same table (same indexes,
    same foreign keys), under a scheme code of their own so they do not meet the engine's rows."""
    from django.db import connection, transaction

    from core.models import Region
    from eldercare.allowance import birth_cutoff
    from eldercare.policy_care import SENIOR_BANDS, allowance_rule
    from payments.models import PayrollRun

    rule = allowance_rule(SENIOR_BANDS, DISTRICT, month)
    assert rule is not None
    run_id = PayrollRun.objects.create(scheme=label, region=Region.objects.get(code=DISTRICT), month=month).pk
    reference = rule.reference_date(month)
    whens = []
    for band in rule.bands:
        condition = f"p.birth_date <= '{birth_cutoff(reference, band.min_age)}'"
        if band.max_age is not None:
            condition += f" AND p.birth_date > '{birth_cutoff(reference, band.max_age + 1)}'"
        whens.append(f"WHEN {condition} THEN {band.amount}")
    amount = "CASE " + " ".join(whens) + " ELSE 0 END"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            PLAIN_SQL.format(amount=amount),
            {
                "run": run_id,
                "scheme": label,
                "suspended_scheme": "eldercare.senior_allowance",
                "month": month,
                "parameters": json.dumps({"bands": rule.parameter_id}),
                "prefix": DISTRICT + "%",
                "youngest": birth_cutoff(reference, min(b.min_age for b in rule.bands)),
            },
        )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), coalesce(sum(amount), 0) FROM payments_payment WHERE scheme = %s", [label])
        count, total = cursor.fetchone()
    return seconds, count, str(total)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elderly", type=int, default=400_000, help="65 周岁以上人数（默认 400,000）")
    parser.add_argument("--younger", type=int, default=100_000, help="65 周岁以下人数（默认 100,000，不应发放）")
    parser.add_argument("--keep-db", action="store_true", help=f"结束后保留 {DB_NAME} 数据库")
    args = parser.parse_args()

    env = bench_environment()
    env["DATABASE_URL"] = f"{SERVER_URL}/{DB_NAME}"
    result: dict[str, Any] = {"workload": "senior_allowance", "machine": {"cpus": os.cpu_count()}}
    result["load_average"] = {"start": os.getloadavg()[0]}
    result["cpu_calibration_ms"] = {"start": cpu_calibration_ms()}
    log(f"CPU 校准：{result['cpu_calibration_ms']['start']} ms，负载 {result['load_average']['start']:.2f}")
    log(f"创建数据库 {DB_NAME}")
    create_database()
    try:
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        from core import services as core_services
        from core.models import Region, Role
        from eldercare.policy_care import ensure_care_parameters
        from payments import services as payroll
        from payments.models import Payment, PayrollRun

        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_divisions", verbosity=0)
        ensure_care_parameters()
        month = timezone.localdate().replace(day=1)
        started = time.perf_counter()
        loaded = load_people(args.elderly, args.younger, month)
        log(f"载入 {args.elderly:,} 名老年人和 {args.younger:,} 名其他人员：{time.perf_counter() - started:.1f} 秒")
        result["data"] = {**loaded, "seconds": round(time.perf_counter() - started, 1), "month": month.isoformat()}

        user = core_services.user_create(acting_user=None, username="bench_maker", password="Bench-pass-2026")
        core_services.role_grant_create(
            acting_user=None,
            user=user,
            role=Role.objects.get(code="district_staff"),
            region=Region.objects.get(code=DISTRICT),
        )
        run = payroll.payroll_run_create(
            scheme="eldercare.senior_allowance", region=Region.objects.get(code=DISTRICT), month=month, acting_user=user
        )
        # The job was queued (nobody runs the worker here): generate in this process and time it.
        plain_seconds, plain_count, plain_total = plain_insert(month, "bench.plain_before")
        log(f"对照：手写 INSERT … SELECT {plain_count:,} 行，{plain_seconds:.2f} 秒")
        chunks = [0]
        started = time.perf_counter()
        count = payroll.compute_run(run, on_progress=lambda done, total: chunks.__setitem__(0, total))
        engine_seconds = time.perf_counter() - started
        run = PayrollRun.objects.get(pk=run.pk)
        log(f"发放引擎：{count:,} 笔，合计 {run.total_amount} 元，{engine_seconds:.2f} 秒（{chunks[0]} 段）")
        started = time.perf_counter()
        payroll.compute_run(run)
        rerun_seconds = time.perf_counter() - started
        rerun_count = Payment.objects.filter(run=run, scheme=run.scheme).count()
        log(f"重复生成：{rerun_seconds:.2f} 秒，行数 {rerun_count:,}（应不变）")
        # The plain statement again, after the engine, to see the cache's share in the figures.
        plain_again, _, _ = plain_insert(month, "bench.plain_after")
        log(f"对照（引擎之后再测一次）：{plain_again:.2f} 秒")
        plain_best = min(plain_seconds, plain_again)
        ratio = engine_seconds / plain_best if plain_best else None
        same = count == plain_count and str(run.total_amount) == plain_total and rerun_count == count
        result.update(
            {
                "payments": count,
                "total_amount": str(run.total_amount),
                "engine_seconds": round(engine_seconds, 2),
                "engine_rows_per_second": round(count / engine_seconds) if engine_seconds else None,
                "chunks": chunks[0],
                "plain_insert_seconds": [round(plain_seconds, 2), round(plain_again, 2)],
                "ratio_to_plain": round(ratio, 2) if ratio else None,
                "rerun_seconds": round(rerun_seconds, 2),
                "rerun_added": rerun_count - count,
                "same_rows_as_plain": same,
                "plain_rows": plain_count,
                "plain_total": plain_total,
                "targets": {"seconds": TARGET_SECONDS, "ratio": TARGET_RATIO},
                "met": bool(same and engine_seconds <= TARGET_SECONDS and ratio is not None and ratio <= TARGET_RATIO),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    finally:
        result["load_average"]["end"] = os.getloadavg()[0]
        if not args.keep_db:
            drop_database()
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if result.get("met") else 1


if __name__ == "__main__":
    raise SystemExit(main())
