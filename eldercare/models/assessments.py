"""统一需求评估 (unified needs assessment) records.

An assessment is a fact about a person on a day: it is never edited, a re-assessment is a new
row. The current grade of a person is the latest assessment still valid on the day asked
(``valid_until`` = assessed on + the validity parameter, two years in Shanghai: 沪府办发〔2018〕2号).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q

from core.scoping import region_filter
from eldercare.choices_care import CareGrade

__all__ = ["CareAssessment", "CareAssessmentQuerySet"]


class CareAssessmentQuerySet(models.QuerySet["CareAssessment"]):
    def visible_to(self, user: object, perm: str) -> CareAssessmentQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))

    def valid_on(self, day: datetime.date) -> CareAssessmentQuerySet:
        return self.filter(assessed_on__lte=day, valid_until__gte=day)

    def latest_per_person(self) -> CareAssessmentQuerySet:
        """Only each person's most recent assessment (a correlated NOT EXISTS, set-based)."""
        newer = CareAssessment.objects.filter(
            person_id=models.OuterRef("person_id"), assessed_on__gt=models.OuterRef("assessed_on")
        )
        return self.filter(~models.Exists(newer))


class CareAssessment(models.Model):
    person = models.ForeignKey("core.Person", verbose_name="被评估人", on_delete=models.PROTECT, related_name="+")
    # The person's hukou village when assessed: scoping without a join to the person.
    region = models.ForeignKey("core.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField("照护等级", choices=CareGrade.choices)
    assessed_on = models.DateField("评估日期")
    valid_until = models.DateField("有效期至")
    agency = models.CharField("评估机构", max_length=100)
    assessor = models.CharField("评估员", max_length=50)
    # ADL / IADL / cognition scores and the diseases found (评估维度), as recorded on the form.
    dimensions = models.JSONField("评估维度", default=dict, blank=True)
    cognitive_impairment = models.BooleanField("经诊断认知障碍", default=False)
    notes = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = CareAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = "统一需求评估"
        verbose_name_plural = "统一需求评估"
        ordering = ["-assessed_on", "-id"]
        indexes = [
            models.Index(fields=["person", "assessed_on"], name="eldercare_assess_person_date"),
            models.Index(fields=["valid_until"], name="eldercare_assess_valid_until"),
            models.Index(fields=["region"], opclasses=["varchar_pattern_ops"], name="eldercare_assess_region"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "assessed_on"],
                name="eldercare_assessment_one_per_day",
                violation_error_message="该老人当日已有评估记录",
            ),
            models.CheckConstraint(condition=Q(grade__in=CareGrade.values), name="eldercare_assessment_grade_valid"),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("assessed_on")),
                name="eldercare_assessment_validity_after_date",
                violation_error_message="有效期须晚于评估日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_grade_display()} {self.assessed_on}"
