"""Policy parameters economic verification and reviews read.

Most are h3a's (``assistance.parameters``, seeded with their sources by ``ensure_parameters``);
verification adds the income averaging window. ``ensure_verification_parameters`` is
idempotent: it adds a row only when the parameter has none for the region.
"""

from __future__ import annotations

import datetime

from core.choices import Certainty
from core.models import PolicyParameter, Region

SHANGHAI = "31"
YUNNAN = "53"

STANDARD = "assistance.dibao_standard"
# Per-capita monetary property limits by household size, boundary inclusive (含).
MONETARY_LIMIT = "assistance.monetary_property_limit"
VEHICLE_ALLOWED = "assistance.vehicle_allowed"
NON_RESIDENTIAL_ALLOWED = "assistance.non_residential_property_allowed"
DIBAO_EDGE_MULTIPLIER = "assistance.dibao_edge_multiplier"
LOW_INCOME_MULTIPLIER = "assistance.low_income_multiplier"
# {category: months, "<category>_stable": months for households without working-age members}
REVIEW_INTERVAL = "assistance.review_interval_months"
# Months of wages/pensions averaged into the monthly income (verification's own).
INCOME_MONTHS = "assistance.income_averaging_months"

# The per-capita income limit of each category is the 低保 standard times this parameter
# (None: the standard itself — 低保 and 特困 applicants must be below the 低保 standard).
CATEGORY_MULTIPLIER: dict[str, str | None] = {
    "dibao": None,
    "extreme_poverty_support": None,
    "dibao_edge": DIBAO_EDGE_MULTIPLIER,
    "low_income": LOW_INCOME_MULTIPLIER,
    "expenditure_poverty": LOW_INCOME_MULTIPLIER,
    "temporary_assistance": LOW_INCOME_MULTIPLIER,
}

INCOME_MONTHS_SOURCE = "申请前 12 个月平均（常见做法，上海条文未找到；domain-rules §9 第 3 项待确认）"


def ensure_verification_parameters() -> int:
    """h3a's assistance parameters, plus the averaging window; returns the rows added."""
    from assistance.parameters import ensure_parameters

    added = ensure_parameters()
    for code in (SHANGHAI, YUNNAN):
        region = Region.objects.filter(code=code).first()
        if region is None or PolicyParameter.objects.filter(code=INCOME_MONTHS, region=region).exists():
            continue
        PolicyParameter.objects.create(
            code=INCOME_MONTHS,
            name="家庭收入计算月数",
            region=region,
            effective_from=datetime.date(2019, 1, 1),
            value="12",
            unit="月",
            source=INCOME_MONTHS_SOURCE,
            certainty=Certainty.RECALLED,
            note="哪些月份平均、就业收入扣减待向市民政局确认",
        )
        added += 1
    return added
