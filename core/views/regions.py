from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from core.models import Person, Region
from core.permissions import CorePerm
from core.scoping import has_perm
from core.selectors import home_region, region_path
from core.views.base import AuthedRequest


@login_required
def region_detail(request: AuthedRequest, code: str | None = None) -> HttpResponse:
    """Browse the divisions; with person rights, live head-counts of each child region."""
    if code is None:
        start = home_region(request.user)
        code = start.code if start else "31"
    region = get_object_or_404(Region, code=code)
    children = list(region.children.order_by("is_retired", "code"))
    counts: dict[str, int] = {}
    if children and has_perm(request.user, CorePerm.VIEW_PERSON):
        length = len(children[0].code)
        rows = (
            Person.objects.visible_to(request.user, CorePerm.VIEW_PERSON)
            .filter(hukou_region__code__startswith=region.code, death_date__isnull=True)
            .annotate(child=Substr("hukou_region_id", 1, length))
            .values("child")
            .annotate(n=Count("id"))
        )
        counts = {r["child"]: r["n"] for r in rows}
    retired_here = Region.objects.filter(Q(replaced_by=region), is_retired=True)
    return render(
        request,
        "core/region_detail.html",
        {
            "region": region,
            "path": region_path(region.code),
            "children": [{"region": c, "people": counts.get(c.code)} for c in children],
            "show_counts": bool(counts) or has_perm(request.user, CorePerm.VIEW_PERSON),
            "retired_here": retired_here,
        },
    )
