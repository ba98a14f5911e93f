"""Benchmark of the population registry at district scale (百万人口登记库基准测试).

    make bench-registry          # or: .venv/bin/python bench/registry.py [--people N] [--reps N]

What it does, in order:

1. creates a fresh PostgreSQL database ``minzheng_bench`` on 127.0.0.1 (trust auth, user
   postgres; ``BENCH_PG_URL`` names another server), throw-away keys, migrations, divisions;
2. generates 1,000,000 people with the 崇明 profile through ``core.generator`` and times it;
3. starts the application in a child process, served over TCP on a free local port by the
   server ``runserver`` uses (see serve()), gets bearer tokens over HTTP for a district admin,
   township officers of the largest (城桥镇) and of the median-sized township, and a village
   worker, and measures p50/p95 latency of the person API with a keep-alive HTTP client;
4. prints progress lines and, as the last line, ``RESULT {json}``; then drops the database.

The figures move with the machine: the RESULT records a CPU calibration and the load average,
and ``--keep-db`` / ``--reuse`` measure the API again without generating again.

Targets (docs/benchmarks.md): generation ≤ 180 s; ID lookup p95 ≤ 10 ms; name/pinyin prefix
search in a township p95 ≤ 50 ms; first page of a scoped filtered list p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import resource
import secrets
import socket
import socketserver
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "minzheng_bench"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# 崇明's hukou population is 649,000; the generator takes a scale relative to it.
PROFILE = "chongming"
PROFILE_POPULATION = 649_000
DISTRICT = "310151"
TOWNSHIP = "310151101"  # 城桥镇
VILLAGE = "310151101001"
PASSWORD = "Bench-pass-2026"

TARGETS_MS = {"id_lookup": 10.0, "prefix_search": 50.0, "list": 150.0}
TARGET_GENERATION_S = 180.0


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", flush=True)


def cpu_calibration_ms() -> float:
    """Milliseconds for a fixed pure-Python loop (best of three), to compare runs and machines.

    The bench machines are virtual and shared: their CPU speed varies from hour to hour, and
    every figure here moves with it (docs/benchmarks.md lists the values of the recorded runs).
    """
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


# --- Database and Django --------------------------------------------------------------------


def _admin_connection() -> psycopg.Connection[Any]:
    # CREATE/DROP DATABASE cannot run inside a transaction.
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


def bench_environment() -> dict[str, str]:
    """Environment for this process and the server: the bench database and throw-away keys.

    A field key already in the environment is used instead of a fresh one, so that a database
    kept with --keep-db can be measured again with --reuse (the ID numbers are encrypted).
    """
    return {
        "DATABASE_URL": f"{SERVER_URL}/{DB_NAME}",
        "DJANGO_SETTINGS_MODULE": "minzheng.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        # Same format as core.crypto.generate_key (not importable before django.setup()).
        "MINZHENG_FIELD_KEY": os.environ.get("MINZHENG_FIELD_KEY") or base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "DJANGO_DEBUG": "0",
        "MINZHENG_DEMO": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Keep the bench's files (static root, uploads) out of the project's var/.
        "MINZHENG_VAR_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / "minzheng-bench-var"),
        "TASKS_BACKEND": "db",
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Data -----------------------------------------------------------------------------------


def generate(people: int, seed: int) -> dict[str, Any]:
    from core.generator import generate_district

    scale = people / PROFILE_POPULATION
    started = time.perf_counter()
    next_report = [0.0]

    def progress(done: int, target: int) -> None:
        elapsed = time.perf_counter() - started
        if elapsed >= next_report[0] or done >= target:
            log(f"  生成 {done:,} / {target:,} 人，{elapsed:.0f} 秒，{done / elapsed:,.0f} 人/秒")
            next_report[0] = elapsed + 15

    totals = generate_district(profile_name=PROFILE, scale=scale, seed=seed, progress=progress)
    seconds = time.perf_counter() - started
    return {**totals, "seconds": seconds, "scale": scale}


def township_sizes() -> list[tuple[str, str, int]]:
    """(code, name, people registered there) of the district's townships, largest first."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from core.models import Person, Region

    names = dict(Region.objects.filter(code__startswith=DISTRICT, level="township").values_list("code", "name"))
    counts = (
        Person.objects.annotate(township=Substr("hukou_region_id", 1, 9))
        .values("township")
        .annotate(n=Count("id"))
        .values_list("township", "n")
    )
    return sorted(((code, names[code], n) for code, n in counts if code in names), key=lambda t: -t[2])


def median_township(sizes: list[tuple[str, str, int]]) -> tuple[str, str, int]:
    """The median-sized township (farms and parks, under 1% of the people, left out)."""
    total = sum(n for _, _, n in sizes)
    towns = [t for t in sizes if t[2] >= total / 100]
    return towns[len(towns) // 2]


def create_users(median_code: str) -> None:
    """A district admin, township officers of the largest and of a median township, a village worker."""
    from core import services
    from core.models import Region, Role, User

    users = {
        "bench_district": ("district_admin", DISTRICT),
        "bench_township": ("township_officer", TOWNSHIP),
        "bench_township_median": ("township_officer", median_code),
        "bench_village": ("village_worker", VILLAGE),
    }
    for username, (role, region) in users.items():
        if User.objects.filter(username=username).exists():  # --reuse
            continue
        user = services.user_create(acting_user=None, username=username, password=PASSWORD)
        services.role_grant_create(
            acting_user=None, user=user, role=Role.objects.get(code=role), region=Region.objects.get(code=region)
        )


def sample_id_numbers(count: int, seed: int, region: str) -> list[str]:
    """Clear ID numbers of ``count`` real people registered (hukou) inside ``region``."""
    from core.models import Person

    rng = random.Random(seed)
    pks = list(Person.objects.filter(hukou_region__code__startswith=region).values_list("pk", flat=True))
    chosen = rng.sample(pks, min(count, len(pks)))
    return [p.id_number for p in Person.objects.filter(pk__in=chosen).only("id_number_encrypted")]


def server_settings() -> dict[str, str]:
    """The PostgreSQL settings that matter most here, for the record."""
    from django.db import connection

    names = ["server_version", "shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather"]
    names += ["max_wal_size", "autovacuum"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [names])
        return dict(cursor.fetchall())


def table_sizes() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('core_person')),"
            " pg_size_pretty(pg_indexes_size('core_person')), pg_size_pretty(pg_database_size(current_database()))"
        )
        table, indexes, database = cursor.fetchone()
    return {"person_total": table, "person_indexes": indexes, "database": database}


# --- Server and client ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(port: int) -> None:
    """``registry.py --serve PORT``: the application over HTTP, as ``runserver --noreload`` does.

    The same threaded WSGI server and handler as ``runserver`` (HTTP/1.1 keep-alive, one
    thread per connection), with one difference: TCP_NODELAY on accepted sockets. The handler
    writes the status line and headers and then the body as separate small sends; with Nagle's
    algorithm the body waits for the client's delayed ACK of the headers, which adds a flat
    ~40 ms to every response on Linux: a property of this development server's writes, not of
    the application, and it would hide the application's own latency. Request logging is off,
    as it would be behind a front-end that logs.
    """
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer, get_internal_wsgi_application

    class Handler(WSGIRequestHandler):
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    app = get_internal_wsgi_application()
    httpd = type("BenchWSGIServer", (socketserver.ThreadingMixIn, WSGIServer), {"daemon_threads": True})(
        ("127.0.0.1", port), Handler
    )
    httpd.set_app(app)
    httpd.serve_forever()


@contextmanager
def running_server(env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """The application in its own process, serving HTTP on a free local port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        # Errors (tracebacks of 500s) go to the bench's own output.
        stderr=None,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"服务进程退出，返回码 {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("服务在 60 秒内没有启动") from None
                time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident set) of a running process, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Client:
    """A keep-alive HTTP/1.1 client on one TCP connection, as an API integrator would use."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = ""

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        if response.will_close:
            # The server closed the connection; reconnect on the next request.
            self.connection.close()
        return response.status, json.loads(payload) if payload else None

    def login(self, username: str) -> None:
        status, payload = self.request("POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"{username} 取令牌失败：{status} {payload}")
        self.token = payload["token"]

    def close(self) -> None:
        self.connection.close()


def persons_path(**params: str) -> str:
    return "/api/v1/persons?" + urllib.parse.urlencode(params)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    # Nearest-rank percentile: the smallest value with at least `fraction` of samples at or below.
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def measure(
    client: Client,
    paths: list[str],
    reps: int,
    check: Callable[[Any], None],
    warmup: int = 20,
) -> dict[str, Any]:
    """Latency of GET over ``paths`` (cycled), ``reps`` timed requests after ``warmup``."""
    timings: list[float] = []
    counts: list[int] = []
    for index in range(warmup + reps):
        path = paths[index % len(paths)]
        started = time.perf_counter()
        status, payload = client.request("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status} {payload}")
        check(payload)
        if index >= warmup:
            timings.append(elapsed)
            counts.append(payload["count"])
    return {
        "p50_ms": round(percentile(timings, 0.50), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
        "mean_ms": round(statistics.fmean(timings), 2),
        "requests": len(timings),
        "median_count": int(statistics.median(counts)),
    }


def _found_one(payload: Any) -> None:
    if payload["count"] != 1 or len(payload["results"]) != 1:
        raise RuntimeError(f"身份证号查询应恰好命中一人，得到 {payload['count']}")


def _masked(payload: Any) -> None:
    # Township officers and village workers have no 查看敏感信息: numbers must come back masked.
    for row in payload["results"]:
        if "*" not in row["id_number"] or row["unmasked"]:
            raise RuntimeError(f"无敏感信息权限却返回了明文：{row['id_number']}")


def _found_one_masked(payload: Any) -> None:
    _found_one(payload)
    _masked(payload)


def _any(payload: Any) -> None:
    pass


def run_api_benchmarks(port: int, reps: int, seed: int, median_code: str) -> dict[str, Any]:
    rng = random.Random(seed)
    results: dict[str, Any] = {}
    district, township, median, village = Client(port), Client(port), Client(port), Client(port)
    district.login("bench_district")
    township.login("bench_township")
    median.login("bench_township_median")
    village.login("bench_village")

    # ID lookups: real people of the township (the officer may see them), in random order.
    numbers = sample_id_numbers(reps + 20, seed, TOWNSHIP)
    rng.shuffle(numbers)
    id_paths = [persons_path(q=n) for n in numbers]
    log(f"身份证号精确查询（{len(id_paths)} 个真实号码）")
    results["id_lookup_township"] = measure(township, id_paths, reps, _found_one_masked)
    # The district admin may see the clear number: each hit is also an audited sensitive read.
    results["id_lookup_district_unmasked"] = measure(district, id_paths, reps, _found_one)

    prefixes = ["张", "施建", "陆", "顾秀", "黄", "沈国", "zhang", "shi", "lujian", "sjg", "gxy", "hw"]
    log(f"乡镇内姓名/拼音/首字母前缀查询：{', '.join(prefixes)}")
    results["prefix_search_township"] = measure(
        township, [persons_path(q=p, region=TOWNSHIP) for p in prefixes], reps, _masked
    )
    per_prefix = {}
    for prefix in prefixes:
        per_prefix[prefix] = measure(township, [persons_path(q=prefix, region=TOWNSHIP)], 40, _masked, warmup=3)
    results["prefix_search_by_prefix"] = {
        k: {"p50_ms": v["p50_ms"], "p95_ms": v["p95_ms"], "count": v["median_count"]} for k, v in per_prefix.items()
    }
    results["prefix_search_median_township"] = measure(
        median, [persons_path(q=p, region=median_code) for p in prefixes], reps, _masked
    )
    # The same search across the whole district, as a district admin would type it.
    results["prefix_search_district"] = measure(district, [persons_path(q=p) for p in prefixes], reps, _any)

    log("筛选后人员列表第一页（女性、60 岁及以上）")
    elderly_women = {"sex": "F", "age_min": "60"}
    largest = {"region": TOWNSHIP, **elderly_women}
    typical = {"region": median_code, **elderly_women}
    results["list_township_officer"] = measure(township, [persons_path(**largest)], reps, _masked)
    results["list_district_admin_township"] = measure(district, [persons_path(**largest)], reps, _any)
    results["list_median_township_officer"] = measure(median, [persons_path(**typical)], reps, _masked)
    results["list_district_admin_median_township"] = measure(district, [persons_path(**typical)], reps, _any)
    results["list_township_page_50"] = measure(township, [persons_path(page="50", **largest)], reps, _masked)
    results["list_village_worker"] = measure(village, [persons_path(**elderly_women)], reps, _masked)
    results["list_district_admin_district"] = measure(
        district, [persons_path(region=DISTRICT, **elderly_women)], reps, _any
    )
    results["list_district_admin_unfiltered"] = measure(district, [persons_path()], reps, _any)
    for client in (district, township, median, village):
        client.close()
    return results


# --- Main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000, help="人数（默认 1,000,000）")
    parser.add_argument("--reps", type=int, default=200, help="每项计时请求次数（默认 200，另有 20 次预热）")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", action="store_true", help="结束后保留 minzheng_bench 数据库")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="不重建数据库、不生成，只测接口（用 --keep-db 保留的库，且设置同一个 MINZHENG_FIELD_KEY）",
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        # Child process started by running_server(): the environment is already set.
        setup_django({})
        serve(args.serve)
        return 0

    env = bench_environment()
    result: dict[str, Any] = {"people_requested": args.people, "machine": {"cpus": os.cpu_count()}}
    # Other work on the machine shows in the figures: the load average says whether there was any.
    result["load_average"] = {"start": os.getloadavg()[0]}
    result["cpu_calibration_ms"] = {"start": cpu_calibration_ms()}
    log(f"CPU 校准：{result['cpu_calibration_ms']['start']} ms，负载 {result['load_average']['start']:.2f}")
    if not args.reuse:
        log(f"创建数据库 {DB_NAME}")
        create_database()
    try:
        setup_django(env)
        from django.core.management import call_command
        from django.db import connection

        if not args.reuse:
            call_command("migrate", verbosity=0, interactive=False)
            call_command("load_divisions", verbosity=0)
            log(f"生成 {args.people:,} 人（{PROFILE}，seed={args.seed}）")
            generation = generate(args.people, args.seed)
            log(
                f"生成完成：{generation['people']:,} 人、{generation['households']:,} 户，"
                f"{generation['seconds']:.1f} 秒，{generation['people'] / generation['seconds']:,.0f} 人/秒"
            )
            result["generation"] = {
                "people": generation["people"],
                "households": generation["households"],
                "seconds": round(generation["seconds"], 1),
                "people_per_second": round(generation["people"] / generation["seconds"]),
                "target_seconds": TARGET_GENERATION_S,
            }
            with connection.cursor() as cursor:
                # What autovacuum does some time after a load (it may be off, as on the bench
                # server): visibility map and statistics. Without it the planner guesses.
                cursor.execute("VACUUM ANALYZE core_person")
                cursor.execute("VACUUM ANALYZE core_householdmember")
                cursor.execute("VACUUM ANALYZE core_household")
        result["server_settings"] = server_settings()
        result["sizes"] = table_sizes()
        log(f"表大小：{result['sizes']}")
        sizes = township_sizes()
        median_code, median_name, median_people = median_township(sizes)
        largest = next(t for t in sizes if t[0] == TOWNSHIP)
        result["townships"] = {
            "largest": {"code": largest[0], "name": largest[1], "people": largest[2]},
            "median": {"code": median_code, "name": median_name, "people": median_people},
        }
        log(f"乡镇：{largest[1]} {largest[2]:,} 人（最大）；{median_name} {median_people:,} 人（中位）")
        create_users(median_code)
        connection.close()

        with running_server(env) as (port, server):
            log(f"服务已启动：http://127.0.0.1:{port}/（pid {server.pid}）")
            result["api"] = run_api_benchmarks(port, args.reps, args.seed, median_code)
            result["server_peak_rss_mb"] = peak_rss_mb(server.pid)
        result["bench_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        result["load_average"]["end"] = os.getloadavg()[0]
        result["cpu_calibration_ms"]["end"] = cpu_calibration_ms()
        log(f"CPU 校准：{result['cpu_calibration_ms']['end']} ms，负载 {result['load_average']['end']:.2f}")

        api = result["api"]

        def p95_within(target: float, *names: str) -> bool:
            return max(api[name]["p95_ms"] for name in names) <= target

        checks = {
            "generation": result["generation"]["seconds"] <= TARGET_GENERATION_S if "generation" in result else None,
            "id_lookup": p95_within(TARGETS_MS["id_lookup"], "id_lookup_township", "id_lookup_district_unmasked"),
            "prefix_search": p95_within(
                TARGETS_MS["prefix_search"], "prefix_search_township", "prefix_search_median_township"
            ),
            "list_largest_township": p95_within(
                TARGETS_MS["list"], "list_township_officer", "list_district_admin_township"
            ),
            "list_median_township": p95_within(
                TARGETS_MS["list"], "list_median_township_officer", "list_district_admin_median_township"
            ),
        }
        result["targets_met"] = checks
        for name, figures in api.items():
            if "p95_ms" in figures:
                log(
                    f"  {name:34s} p50 {figures['p50_ms']:7.2f} ms  p95 {figures['p95_ms']:7.2f} ms  (count {figures['median_count']:,})"
                )
        log(f"目标：{checks}")
    finally:
        if args.keep_db or args.reuse:
            log(f"保留数据库 {DB_NAME}")
        else:
            log(f"删除数据库 {DB_NAME}")
            drop_database()
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
