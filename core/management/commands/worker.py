from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动后台任务进程：默认数据库队列（db_worker），TASKS_BACKEND=rq 时为 Redis 上的 RQ worker"

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASKS_BACKEND == "rq":
            call_command("rqworker", "default", job_class="django_tasks_rq.Job")
        else:
            call_command("db_worker", interval=0.5, reload=False)
