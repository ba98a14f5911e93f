"""Jobs: what the job page shows, failures, re-delivery, and the two real task backends — the
database queue (``db_worker``) and RQ on Redis.

The suite's default task backend is Django's ImmediateBackend (settings_test); the worker tests
switch the default backend with ``override_settings(TASKS=...)`` — django.tasks resets its cached
backends on ``setting_changed`` — and run in ``transaction=True`` tests so the enqueue, which
happens on commit, really happens and the worker, running in this process, sees the committed rows.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import django_rq
import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.tasks import task_backends
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from django_tasks_rq import Job as RQTaskJob
from openpyxl import load_workbook
from rq import SimpleWorker

from conftest import OTHER_VILLAGE, OWN_VILLAGE, client_for
from core import services
from core.jobs import JobError, job_handler, kind_label
from core.models import Job, Person, Region, User
from core.services import job_finish, job_progress
from core.tasks import run_job

# --- Job kinds for these tests ------------------------------------------------------------------

handled: list[int] = []


@job_handler("tests.count", "测试：计数")
def _count(job: Job) -> None:
    """Records each run and returns without finishing: run_job finishes it."""
    handled.append(job.pk)
    job_progress(job, 4, total=4, counts={"checked": 4})


@job_handler("tests.refuse", "测试：拒绝")
def _refuse(job: Job) -> None:
    job_progress(job, 1, total=3)
    raise JobError("名单中没有可处理的人员，请检查筛选条件")


@job_handler("tests.crash", "测试：程序出错")
def _crash(job: Job) -> None:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _forget_calls() -> Iterator[None]:
    handled.clear()
    yield
    handled.clear()


def create_job(user: User, kind: str, region: str = OWN_VILLAGE, **extra: Any) -> Job:
    return services.job_create(
        kind=kind, title=kind_label(kind), acting_user=user, region=Region.objects.get(code=region), **extra
    )


def workbook_rows(content: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


# --- The job page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_job_page_shows_progress_counts_and_the_result(users: dict[str, User]) -> None:
    owner = users["own"]
    result = services.stored_file_create(name="结果清单.xlsx", content=b"PK\x03\x04 result", created_by=owner)
    job = Job.objects.create(
        kind="tests.count",
        title="核对低保名单",
        requested_by=owner,
        region_id=OWN_VILLAGE,
        status="running",
        progress_done=3,
        progress_total=10,
        counts={"checked": 3, "problems": 1},
        message="正在核对",
        result_file=result,
    )
    client = client_for(owner)

    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"<title>任务 #{job.pk} · 民政业务平台</title>" in page
    assert "<h1>核对低保名单</h1>" in page
    assert "<tr><th>类型</th><td>测试：计数</td></tr>" in page
    assert '<span class="badge run">运行中</span>' in page
    assert '<progress max="100" value="30"></progress> 30%（3 / 10）' in page
    assert '<span class="badge">checked：3</span> <span class="badge">problems：1</span>' in page
    assert "<tr><th>结果</th><td>正在核对</td></tr>" in page
    assert f'<a href="/files/{result.pk}/">结果清单.xlsx</a>' in page
    # Still running: the progress block polls itself.
    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 1s" hx-swap="outerHTML"' in page

    partial = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    fragment = partial.content.decode().strip()
    assert fragment.startswith(f'<div id="job-progress" hx-get="/jobs/{job.pk}/" hx-trigger="every 1s"')
    assert "<html" not in fragment and "<h1>" not in fragment
    assert "30%（3 / 10）" in fragment

    # Finished: 100 %, and the block stops polling.
    Job.objects.filter(pk=job.pk).update(status="succeeded", progress_done=10, message="核对完成：1 人有问题")
    fragment = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode().strip()
    assert fragment.startswith('<div id="job-progress" >')
    assert "hx-trigger" not in fragment
    assert '<span class="badge ok">已完成</span>' in fragment
    assert '<progress max="100" value="100"></progress> 100%（10 / 10）' in fragment
    assert "核对完成：1 人有问题" in fragment
    assert client.get(f"/files/{result.pk}/").getvalue() == b"PK\x03\x04 result"


@pytest.mark.django_db
def test_a_job_page_is_visible_only_within_its_region(users: dict[str, User]) -> None:
    job = Job.objects.create(kind="tests.count", title="本村任务", requested_by=users["own"], region_id=OWN_VILLAGE)
    assert client_for(users["parent"]).get(f"/jobs/{job.pk}/").status_code == 200
    assert client_for(users["other"]).get(f"/jobs/{job.pk}/").status_code == 404
    assert client_for(users["other"]).get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).status_code == 404


@pytest.mark.django_db
def test_a_job_runs_its_handler_and_is_finished_by_the_runner(
    users: dict[str, User], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = create_job(users["own"], "tests.count")
        assert Job.objects.get(pk=job.pk).status == "queued"
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert handled == [job.pk]
    assert (job.status, job.progress_done, job.progress_total, job.percent, job.counts) == (
        "succeeded",
        4,
        4,
        100,
        {"checked": 4},
    )
    assert job.started_at is not None and job.finished_at is not None
    assert job.task_id != ""


@pytest.mark.django_db
def test_a_refusing_handler_fails_the_job_with_its_message(
    users: dict[str, User], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = create_job(users["own"], "tests.refuse")
    job.refresh_from_db()
    assert (job.status, job.message, job.progress_done, job.progress_total) == (
        "failed",
        "名单中没有可处理的人员，请检查筛选条件",
        1,
        3,
    )
    assert job.finished_at is not None
    page = client_for(users["own"]).get(f"/jobs/{job.pk}/").content.decode()
    assert '<span class="badge bad">失败</span>' in page
    assert "<tr><th>结果</th><td>名单中没有可处理的人员，请检查筛选条件</td></tr>" in page
    assert "hx-trigger" not in page


@pytest.mark.django_db
def test_a_crashing_handler_fails_the_job_with_a_chinese_message_and_a_log(
    users: dict[str, User], django_capture_on_commit_callbacks: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="minzheng.jobs"), django_capture_on_commit_callbacks(execute=True):
        job = create_job(users["own"], "tests.crash")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message == f"任务执行出错：RuntimeError。请联系系统管理员，并提供任务编号 {job.pk}。"
    assert [(r.name, r.getMessage()) for r in caplog.records if r.name == "minzheng.jobs"] == [
        ("minzheng.jobs", f"job {job.pk} (tests.crash) failed")
    ]
    # The exception text ("boom") is for the log, not for the user.
    assert "boom" not in client_for(users["own"]).get(f"/jobs/{job.pk}/").content.decode()


@pytest.mark.django_db
def test_a_finished_job_delivered_again_does_nothing(
    users: dict[str, User], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        done = create_job(users["own"], "tests.count")
        failed = create_job(users["own"], "tests.refuse")
    assert handled == [done.pk]
    before = {j.pk: (j.status, j.message, j.finished_at, j.progress_done) for j in Job.objects.all()}

    # A second delivery, as after a lost acknowledgement.
    assert run_job.enqueue(done.pk).return_value == "succeeded"
    assert run_job.call(failed.pk) == "failed"
    assert handled == [done.pk]
    assert {j.pk: (j.status, j.message, j.finished_at, j.progress_done) for j in Job.objects.all()} == before


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_before_anything_is_written(users: dict[str, User]) -> None:
    with pytest.raises(ValueError, match=r"unknown job kind 'tests\.nothing'"):
        create_job(users["own"], "tests.nothing")
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_finish_keeps_only_the_first_errors_on_the_row(users: dict[str, User]) -> None:
    job = Job.objects.create(kind="tests.count", title="大量错误", requested_by=users["own"], region_id=OWN_VILLAGE)
    errors = [{"row": n, "column": "姓名", "message": "姓名不能为空"} for n in range(2, 502)]
    job_finish(job, errors=errors, message="完成")
    job.refresh_from_db()
    assert (job.error_count, len(job.errors), job.errors[0], job.errors[-1]) == (
        500,
        200,
        {"row": 2, "column": "姓名", "message": "姓名不能为空"},
        {"row": 201, "column": "姓名", "message": "姓名不能为空"},
    )


# --- Real workers ---------------------------------------------------------------------------------


@pytest.fixture
def divisions(transactional_db: None) -> None:
    """The regions, for transactional tests: the flush after an earlier one empties every table."""
    if not Region.objects.filter(code=OWN_VILLAGE).exists():
        call_command("load_divisions", verbosity=0)


def _export_job_for(user: User) -> Job:
    return services.job_create(
        kind="core.person_export",
        title="导出人员名单",
        acting_user=user,
        region=Region.objects.get(code=OWN_VILLAGE),
        params={"query": "region=" + OWN_VILLAGE},
    )


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_job(
    divisions: None, make_user: Callable[..., User], make_person: Callable[..., Person]
) -> None:
    make_person("张建国", region=OWN_VILLAGE)
    make_person("王根宝", region=OTHER_VILLAGE)
    worker = make_user("worker-db", "village_worker", OWN_VILLAGE)

    with override_settings(TASKS={**settings.TASKS, "default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert type(task_backends["default"]).__name__ == "DatabaseBackend"
        job = _export_job_for(worker)
        # Committed at once (no surrounding transaction): the task is waiting in the database.
        job.refresh_from_db()
        assert job.status == "queued"
        queued = DBTaskResult.objects.get()
        assert (queued.status, queued.task_path, queued.args_kwargs) == (
            "READY",
            "core.tasks.run_job",
            {"args": [job.pk], "kwargs": {}},
        )
        assert job.task_id == str(queued.id)

        call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.counts, job.message) == ("succeeded", {"rows": 1}, "已导出 1 人")
    assert job.result_file is not None
    with job.result_file.file.open("rb") as handle:
        assert [r[0] for r in workbook_rows(handle.read())] == ["姓名", "张建国"]
    queued.refresh_from_db()
    assert (queued.status, queued.return_value) == ("SUCCESSFUL", "succeeded")
    # Back to the suite's backend once the override ends.
    assert type(task_backends["default"]).__name__ == "ImmediateBackend"


def _redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


# A database of its own on the shared Redis, so that nothing else's queues are touched.
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
REDIS_UP = _redis_reachable(REDIS_TEST_URL)


@pytest.fixture
def rq_queue() -> Iterator[Any]:
    """The "default" RQ queue on the test database, emptied before and after."""
    with override_settings(RQ_QUEUES={"default": {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 60}}):
        queue = django_rq.get_queue("default", job_class=RQTaskJob)
        connection = queue.connection
        assert connection.connection_pool.connection_kwargs["db"] == 15
        created_before = set(connection.keys("rq:*"))
        queue.empty()
        yield queue
        for key in set(connection.keys("rq:*")) - created_before:
            connection.delete(key)


@pytest.mark.redis
@pytest.mark.skipif(
    not REDIS_UP and not os.environ.get("CI"),
    reason=f"Redis 不可达（{REDIS_TEST_URL}）；设置 CI 环境变量时此测试不跳过，直接失败",
)
@pytest.mark.django_db(transaction=True)
def test_the_rq_worker_runs_jobs_from_redis(
    divisions: None, rq_queue: Any, make_user: Callable[..., User], make_person: Callable[..., Person]
) -> None:
    make_person("张建国", region=OWN_VILLAGE)
    worker_user = make_user("worker-rq", "village_worker", OWN_VILLAGE)

    # 1. RQ as the default backend: job_create enqueues on commit, into Redis.
    with override_settings(TASKS={**settings.TASKS, "default": settings.TASKS["rq"]}):
        export = _export_job_for(worker_user)
    # 2. The "rq" alias, always configured, asked for explicitly.
    counted = Job.objects.create(kind="tests.count", title="计数", requested_by=worker_user, region_id=OWN_VILLAGE)
    enqueued = run_job.using(backend="rq").enqueue(counted.pk)

    export.refresh_from_db()
    assert export.status == "queued"
    assert rq_queue.count == 2
    assert sorted(rq_queue.job_ids) == sorted([export.task_id, enqueued.id])

    SimpleWorker([rq_queue], connection=rq_queue.connection, job_class=RQTaskJob).work(burst=True)

    assert rq_queue.count == 0
    export.refresh_from_db()
    counted.refresh_from_db()
    assert (export.status, export.counts, export.message) == ("succeeded", {"rows": 1}, "已导出 1 人")
    assert (counted.status, counted.counts) == ("succeeded", {"checked": 4})
    assert handled == [counted.pk]
    for task_id in (export.task_id, enqueued.id):
        result = run_job.using(backend="rq").get_result(task_id)
        assert (result.status, result.return_value) == ("SUCCESSFUL", "succeeded")
