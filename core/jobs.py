"""The registry of job kinds. Apps register handlers; core.tasks.run_job runs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.models import Job


class JobError(Exception):
    """A job cannot go on; the message (Chinese) is shown to the user on the job page."""


@dataclass(frozen=True)
class JobKind:
    code: str
    label: str
    handler: Callable[[Job], None]


_KINDS: dict[str, JobKind] = {}
# Chinese labels of the keys jobs put in Job.counts; apps add theirs with register_count_labels.
COUNT_LABELS: dict[str, str] = {
    "rows": "总行数",
    "valid": "可导入",
    "invalid": "有错误",
    "create": "新增",
    "update": "更新",
    "unchanged": "无变化",
    "new_households": "新建户",
    "households_created": "已建户",
    "members_added": "加入成员",
    "members_moved": "迁移成员",
}


# Two-phase imports: the kind of the validation job -> the kind of its commit job.
IMPORT_COMMIT_KINDS: dict[str, str] = {}


def register_import(validate_kind: str, commit_kind: str) -> None:
    IMPORT_COMMIT_KINDS[validate_kind] = commit_kind


def register_count_labels(labels: dict[str, str]) -> None:
    COUNT_LABELS.update(labels)


def job_handler(code: str, label: str) -> Callable[[Callable[[Job], None]], Callable[[Job], None]]:
    """Register ``handler(job)`` for jobs of this kind. It must be idempotent: a job may be
    run again after a worker died half-way."""

    def register(handler: Callable[[Job], None]) -> Callable[[Job], None]:
        _KINDS[code] = JobKind(code, label, handler)
        return handler

    return register


def get_handler(code: str) -> Callable[[Job], None]:
    try:
        return _KINDS[code].handler
    except KeyError:
        raise ValueError(f"unknown job kind {code!r}") from None


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return kind.label if kind else code


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((k.code, k.label) for k in _KINDS.values()), key=lambda c: c[1])
