"""Effective-dated policy parameters per region."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import api_client, client_for
from core import services
from core.models import AuditEvent, PolicyParameter, Region
from core.policy import MissingPolicyParameter, policy_decimal, policy_value

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def standards(admin_user: Any) -> None:
    shanghai = Region.objects.get(code="31")
    chongming = Region.objects.get(code="310151")
    for day, amount in ((D(2020, 4, 1), "1240"), (D(2021, 7, 1), "1330")):
        services.policy_parameter_set(
            acting_user=None,
            code="test.subsistence_standard",
            name="低保标准",
            region=shanghai,
            effective_from=day,
            value=amount,
            unit="元/人·月",
            certainty="S",
        )
    services.policy_parameter_set(
        acting_user=admin_user,
        code="test.subsistence_standard",
        name="低保标准",
        region=chongming,
        effective_from=D(2030, 1, 1),
        value="2000",
        unit="元/人·月",
    )


def test_value_by_date_and_region(standards: None) -> None:
    assert policy_decimal("test.subsistence_standard", "310151101001", D(2021, 6, 30)) == Decimal("1240")
    assert policy_decimal("test.subsistence_standard", "310151101001", D(2021, 7, 1)) == Decimal("1330")
    # A county's own value wins over the city's once in force.
    assert policy_decimal("test.subsistence_standard", "310151101001", D(2030, 1, 1)) == Decimal("2000")
    assert policy_decimal("test.subsistence_standard", "310113003001", D(2030, 1, 1)) == Decimal("1330")
    with pytest.raises(MissingPolicyParameter):
        policy_decimal("test.subsistence_standard", "310151", D(2019, 1, 1))
    assert policy_value("no.such", "310151", D(2021, 1, 1)) is None


def test_values_in_force_cannot_be_rewritten(standards: None) -> None:
    with pytest.raises(ValidationError) as caught:
        services.policy_parameter_set(
            acting_user=None,
            code="test.subsistence_standard",
            name="低保标准",
            region=Region.objects.get(code="31"),
            effective_from=D(2021, 7, 1),
            value="9999",
        )
    assert caught.value.message_dict == {
        "effective_from": ["2021-07-01 起的取值已生效，不能修改；请新增一个以后生效的取值"]
    }
    assert (
        PolicyParameter.objects.get(
            code="test.subsistence_standard", region_id="31", effective_from=D(2021, 7, 1)
        ).value
        == "1330"
    )


def test_future_value_may_be_corrected_and_is_audited(standards: None, admin_user: Any) -> None:
    services.policy_parameter_set(
        acting_user=admin_user,
        code="test.subsistence_standard",
        name="低保标准",
        region=Region.objects.get(code="310151"),
        effective_from=D(2030, 1, 1),
        value=2100.5,
    )
    assert PolicyParameter.objects.get(code="test.subsistence_standard", region_id="310151").value == "2100.5"
    event = AuditEvent.objects.filter(action="policy.set").order_by("-id").first()
    assert event is not None and event.changes["before"] == {"value": "2000", "source": ""}
    assert event.changes["after"]["value"] == "2100.5"


def test_only_inside_own_regions(standards: None, make_user: Any) -> None:
    baoshan_admin = make_user("baoshan", "district_admin", "310113")
    with pytest.raises(ValidationError, match="无权维护该区划"):
        services.policy_parameter_set(
            acting_user=baoshan_admin,
            code="x",
            name="x",
            region=Region.objects.get(code="310151"),
            effective_from=D(2030, 1, 1),
            value="1",
        )


def test_page_and_api(standards: None, admin_user: Any, api_token: Any) -> None:
    html = client_for(admin_user).get("/policy/?code=test.subsistence").content.decode()
    assert "test.subsistence_standard" in html and "1330" in html
    resolved = api_client(api_token(admin_user)).get(
        "/api/v1/policy-parameters/resolve?code=test.subsistence_standard&region=310151101001&on=2021-08-01"
    )
    assert resolved.json()["value"] == "1330" and resolved.json()["certainty"] == "S"
    created = api_client(api_token(admin_user)).post(
        "/api/v1/policy-parameters",
        data=json.dumps(
            {
                "code": "eldercare.allowance_bands",
                "name": "老年综合津贴",
                "region": "310151",
                "effective_from": "2031-01-01",
                "value": [{"min_age": 65, "amount": "75"}],
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["value"] == [{"min_age": 65, "amount": "75"}]
