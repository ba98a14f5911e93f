"""Benchmark of plan indicators at district scale (百万人口区县规划指标重算基准测试).

    make bench-indicators        # or: .venv/bin/python bench/indicators.py [--people N] [--reps N]

What it does, in order:

1. creates a fresh PostgreSQL database ``minzheng_bench_indicators`` on 127.0.0.1 (trust auth,
   user postgres; ``BENCH_PG_URL`` names another server), throw-away keys, migrations, divisions;
2. generates 1,000,000 people with the 崇明 profile through ``core.generator`` (timed, but not
   part of the target);
3. imports the 崇明 plan (final version), links the standard formulas of its 17 indicators and
   enters the demo's manual values (plans.demo_indicators);
4. recomputes every indicator of the plan for the district, all its townships and villages and
   the six years 2020–2025 (``compute_plan``: one query per data item for every region and year,
   snapshots replaced in one transaction) — timed, best and each of ``--recomputes`` runs;
5. serves the application in a child process over HTTP and measures p50/p95 of the dashboard
   API (all 17 indicator cards with their series, from the stored snapshots) for the district
   and for a township, and of one page of snapshots;
6. prints progress lines and, as the last line, ``RESULT {json}``; then drops the database.

Targets (docs/benchmarks.md): recompute ≤ 30 s; dashboard p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import registry
from bench.registry import Client, cpu_calibration_ms, log, percentile, running_server, setup_django

DB_NAME = "minzheng_bench_indicators"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DISTRICT = "310151"
TOWNSHIP = "310151101"  # 城桥镇
TARGET_RECOMPUTE_S = 30.0
TARGET_DASHBOARD_P95_MS = 300.0
USERNAME = "bench_indicators"


def _admin_connection() -> psycopg.Connection[Any]:
    return psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True)


def create_database() -> None:
    with _admin_connection() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with _admin_connection() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def environment() -> dict[str, str]:
    env = registry.bench_environment()
    env["DATABASE_URL"] = f"{SERVER_URL}/{DB_NAME}"
    return env


def prepare_plan() -> tuple[int, dict[str, int]]:
    """The 崇明 plan imported, its formulas linked and the demo's manual values entered."""
    from core import services
    from core.models import Region, Role, User
    from plans.demo_indicators import CHONGMING_SEED, enter_demo_values, seed_path
    from plans.services.documents import plan_import_file
    from plans.services.indicators import ensure_formulas

    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = services.user_create(acting_user=None, username=USERNAME, password=registry.PASSWORD)
        services.role_grant_create(
            acting_user=None,
            user=user,
            role=Role.objects.get(code="district_admin"),
            region=Region.objects.get(code=DISTRICT),
        )
    region = Region.objects.get(code=DISTRICT)
    version, _ = plan_import_file(path=seed_path(CHONGMING_SEED), region=region, acting_user=user)
    formulas = ensure_formulas(version, acting_user=user)
    enter_demo_values(region, user)
    return version.plan_id, formulas


def recompute(plan_id: int, runs: int) -> dict[str, Any]:
    from django.db import connection

    from plans.models import Plan, Snapshot
    from plans.services.indicators import compute_plan

    plan = Plan.objects.get(pk=plan_id)
    timings = []
    counts: dict[str, int] = {}
    queries = 0
    for run in range(runs):
        connection.queries_log.clear()
        connection.force_debug_cursor = True
        started = time.perf_counter()
        counts = compute_plan(plan)
        seconds = time.perf_counter() - started
        queries = len(connection.queries_log)
        connection.force_debug_cursor = False
        timings.append(seconds)
        log(f"  重算第 {run + 1} 次：{seconds:.2f} 秒，{counts['snapshots']:,} 条快照，{queries} 条 SQL")
    district_2020 = {
        s.indicator_key: (str(s.value) if s.value is not None else None)
        for s in Snapshot.objects.filter(plan=plan, region_id=DISTRICT, year=2020)
    }
    return {
        "seconds": round(min(timings), 3),
        "runs": [round(t, 3) for t in timings],
        "queries": queries,
        **counts,
        "district_2020": district_2020,
    }


def measure(client: Client, paths: list[str], reps: int, warmup: int = 10) -> dict[str, Any]:
    timings: list[float] = []
    size = 0
    for index in range(warmup + reps):
        path = paths[index % len(paths)]
        started = time.perf_counter()
        status, payload = client.request("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status} {payload}")
        if index >= warmup:
            timings.append(elapsed)
            size = len(payload.get("cards", payload.get("results", [])))
    return {
        "p50_ms": round(percentile(timings, 0.50), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
        "mean_ms": round(statistics.fmean(timings), 2),
        "requests": len(timings),
        "rows": size,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000, help="人数（默认 1,000,000）")
    parser.add_argument("--reps", type=int, default=100, help="看板每项计时请求次数（默认 100，另有 10 次预热）")
    parser.add_argument("--recomputes", type=int, default=2, help="重算次数（取最好一次，默认 2）")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", action="store_true", help=f"结束后保留 {DB_NAME} 数据库")
    args = parser.parse_args()

    env = environment()
    calibration = cpu_calibration_ms()
    log(f"CPU 校准 {calibration} ms；负载 {os.getloadavg()}")
    create_database()
    setup_django(env)
    try:
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_divisions", verbosity=0)
        log(f"建库与区划 {time.perf_counter() - started:.1f} 秒")
        generation = registry.generate(args.people, args.seed)
        log(f"生成 {generation.get('people', args.people):,} 人：{generation['seconds']:.1f} 秒")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        plan_id, formulas = prepare_plan()
        log(f"规划导入、公式 {formulas}、人工数据就绪")
        result_recompute = recompute(plan_id, args.recomputes)
        log(f"重算 {result_recompute['seconds']:.2f} 秒（目标 ≤ {TARGET_RECOMPUTE_S:.0f} 秒）")

        with running_server(env) as (port, process):
            client = Client(port)
            client.login(USERNAME)
            dashboard_district = measure(client, [f"/api/v1/plans/{plan_id}/dashboard"], args.reps)
            dashboard_township = measure(client, [f"/api/v1/plans/{plan_id}/dashboard?region={TOWNSHIP}"], args.reps)
            kinds = [
                f"/api/v1/plans/{plan_id}/dashboard?kind=binding",
                f"/api/v1/plans/{plan_id}/dashboard?status=behind",
            ]
            dashboard_filtered = measure(client, kinds, args.reps)
            snapshots = measure(
                client, [f"/api/v1/plans/{plan_id}/snapshots?region={TOWNSHIP}&year=2023&page_size=100"], args.reps
            )
            client.close()
            server_peak = registry.peak_rss_mb(process.pid)
        log(
            f"看板 p95：区 {dashboard_district['p95_ms']} ms，镇 {dashboard_township['p95_ms']} ms，"
            f"筛选 {dashboard_filtered['p95_ms']} ms；快照一页 {snapshots['p95_ms']} ms"
        )
        worst_dashboard = max(dashboard_district["p95_ms"], dashboard_township["p95_ms"], dashboard_filtered["p95_ms"])
        result = {
            "benchmark": "indicators",
            "people": args.people,
            "generation_s": round(generation["seconds"], 1),
            "recompute": result_recompute,
            "dashboard_district": dashboard_district,
            "dashboard_township": dashboard_township,
            "dashboard_filtered": dashboard_filtered,
            "snapshots_page": snapshots,
            "targets": {"recompute_s": TARGET_RECOMPUTE_S, "dashboard_p95_ms": TARGET_DASHBOARD_P95_MS},
            "met": {
                "recompute": result_recompute["seconds"] <= TARGET_RECOMPUTE_S,
                "dashboard": worst_dashboard <= TARGET_DASHBOARD_P95_MS,
            },
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "server_peak_rss_mb": server_peak,
            "cpu_calibration_ms": calibration,
            "loadavg": os.getloadavg(),
            "postgres": registry.server_settings(),
        }
    finally:
        if not args.keep_db:
            drop_database()
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
