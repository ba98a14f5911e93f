"""A simple payroll scheme for tests: a flat amount (policy parameter ``test.flat_amount``) to
every living person of the region born before 1970."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import DecimalField, F, IntegerField, Value
from django.db.models.functions import Cast, JSONObject

from core.models import Person, Region
from core.policy import policy_value
from payments.schemes import EntitlementGroup, Scheme, register_scheme


def _groups(region: Region, month: datetime.date) -> list[EntitlementGroup]:
    parameter = policy_value("test.flat_amount", region.code, month)
    assert parameter is not None
    amount = Decimal(parameter.value)
    people = Person.objects.filter(
        hukou_region__code__startswith=region.code, death_date__isnull=True, birth_date__lt=datetime.date(1970, 1, 1)
    )
    queryset = people.annotate(
        pay_entitlement=F("id"),
        pay_person=F("id"),
        pay_household=Value(None, output_field=IntegerField()),
        pay_region=F("hukou_region_id"),
        pay_amount=Cast(Value(amount), output_field=DecimalField(max_digits=12, decimal_places=2)),
        pay_snapshot=JSONObject(name=F("name"), birth_date=F("birth_date")),
    )
    return [
        EntitlementGroup("全部", queryset, parameters={"flat_amount": {"id": parameter.pk, "value": parameter.value}})
    ]


register_scheme(Scheme("test.flat", "测试定额补贴", _groups))
