"""Reads other apps use (plans' indicators): counts over cases, one query each, set-based."""

from __future__ import annotations

import datetime

from django.db.models import Q

from assistance.choices import CaseStatus, Category
from assistance.models import CaseMember

__all__ = ["dibao_recipient_count"]


def dibao_recipient_count(region_code: str, on_date: datetime.date) -> int:
    """People covered by a 低保 case in force on ``on_date`` in the region (and below).

    In force: paid from its start month, not yet past its last month paid (an ended case keeps
    its months), not suspended on that date, and the member alive then. One COUNT(DISTINCT).
    """
    month = on_date.replace(day=1)
    return (
        CaseMember.objects.filter(
            case__category=Category.DIBAO,
            case__region__code__startswith=region_code,
            case__start_month__lte=on_date,
        )
        .filter(Q(case__end_month__isnull=True) | Q(case__end_month__gte=month))
        .exclude(case__status=CaseStatus.ENDED, case__end_month__isnull=True)
        .exclude(case__status=CaseStatus.SUSPENDED, case__suspended_at__date__lte=on_date)
        .filter(Q(person__death_date__isnull=True) | Q(person__death_date__gt=on_date))
        .values("person_id")
        .distinct()
        .count()
    )
