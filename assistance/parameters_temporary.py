"""Policy parameters of 临时救助 that h3a's table does not hold (the cap multiples are there:
``assistance.temporary_cap_multiple``). Idempotent like ``assistance.parameters.ensure_parameters``."""

from __future__ import annotations

import datetime
from typing import Any

from core.choices import Certainty

URGENT_REVIEW_DAYS = "assistance.temporary_urgent_review_days"
MCA_2018 = "《关于进一步加强和改进临时救助工作的意见》（民发〔2018〕23号）：急难型先行救助，事后补齐手续"

PARAMETERS: list[tuple[str, str, str, str, datetime.date, Any, str, str, str]] = [
    (
        URGENT_REVIEW_DAYS,
        "急难型临时救助事后补审时限（工作日）",
        "工作日",
        region,
        datetime.date(2018, 1, 23),
        "5",
        MCA_2018,
        Certainty.RECALLED,
        "补审时限为本地配置，上线前须确认",
    )
    for region in ("31", "53")
]


def ensure_temporary_parameters(policy_model: Any = None, region_model: Any = None) -> int:
    from core.services.policy import normalise_value

    if policy_model is None or region_model is None:
        from core.models import PolicyParameter as policy_model
        from core.models import Region as region_model
    regions = set(region_model.objects.filter(code__in={row[3] for row in PARAMETERS}).values_list("code", flat=True))
    added = 0
    for code, name, unit, region, effective_from, value, source, certainty, note in PARAMETERS:
        if region not in regions:
            continue
        _, created = policy_model.objects.get_or_create(
            code=code,
            region_id=region,
            effective_from=effective_from,
            defaults={
                "name": name,
                "unit": unit,
                "value": normalise_value(value),
                "source": source,
                "certainty": certainty,
                "note": note,
            },
        )
        added += created
    return added
