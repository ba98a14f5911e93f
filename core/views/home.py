from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from core.choices import JobStatus
from core.models import Household, Job
from core.permissions import CorePerm
from core.scoping import has_perm
from core.selectors import population_by_township, population_overview
from core.views.base import AuthedRequest


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {}
    if has_perm(user, CorePerm.VIEW_PERSON):
        overview = population_overview(user)
        townships = population_by_township(user)
        context.update(
            overview=overview,
            households=Household.objects.visible_to(user, CorePerm.VIEW_HOUSEHOLD).count(),
            age_chart={
                "type": "bar",
                "labels": [b["label"] for b in overview["age_bands"]],
                "values": [b["count"] for b in overview["age_bands"]],
                "unit": "人",
            },
            township_chart={
                "type": "bar",
                "labels": [t["name"] for t in townships],
                "values": [t["count"] for t in townships],
                "unit": "人",
                "rotate": 40,
            },
        )
    context["recent_jobs"] = Job.objects.visible_to(user, CorePerm.VIEW_JOB).select_related("requested_by")[:5]
    context["running_jobs"] = Job.objects.visible_to(user, CorePerm.VIEW_JOB).filter(status=JobStatus.RUNNING).count()
    return render(request, "core/home.html", context)
