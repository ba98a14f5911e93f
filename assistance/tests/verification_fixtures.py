"""Helpers of the verification and review tests (h3c): facts loaded through the import pipeline."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from assistance.imports_verification import build_fact_plan, commit_fact_plan
from assistance.models import FactBatch
from conftest import DISTRICT
from core.models import Region

HEADER = "姓名,身份证号,数据日期,明细类别,账号/编号,金额,豁免,说明\n"


def csv_file(rows: list[list[str]]) -> io.BytesIO:
    body = HEADER + "".join(",".join(r) + "\n" for r in rows)
    return io.BytesIO(body.encode("utf-8-sig"))


@pytest.fixture(autouse=True)
def verification_parameters(db: Any) -> None:
    from assistance.parameters_verification import ensure_verification_parameters

    ensure_verification_parameters()


@pytest.fixture
def load_facts(make_user: Callable[..., Any]) -> Callable[..., FactBatch]:
    def load(source_kind: str, rows: list[list[str]], title: str = "测试批次") -> FactBatch:
        from core.models import User

        user = User.objects.filter(username="facts-loader").first() or make_user(
            "facts-loader", "district_staff", DISTRICT
        )
        plan = build_fact_plan(csv_file(rows), source_kind)
        assert not plan.errors, plan.errors
        return commit_fact_plan(plan, title=title, region=Region.objects.get(code=DISTRICT), acting_user=user)

    return load
