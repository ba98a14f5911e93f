from __future__ import annotations

from django.db import models

from core.choices import Certainty

__all__ = ["PolicyParameter"]


class PolicyParameter(models.Model):
    """One value of a rule's number, for a region, from a date (effective-dated policy data).

    A rule asks for ``code`` in a region on a date and gets the row of the nearest region up
    the tree with the latest ``effective_from`` on or before that date. Rows are never edited
    in place once in force: a change is a new row, so past calculations can be reproduced.
    ``value`` is JSON: a number as a decimal string ("1330.00"), or a table (age bands).
    """

    code = models.CharField("参数代码", max_length=80, db_index=True)
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey("core.Region", verbose_name="适用区划", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField("生效日期")
    value = models.JSONField("取值")
    unit = models.CharField("单位", max_length=30, blank=True)
    source = models.CharField("依据/来源", max_length=500, blank=True)
    certainty = models.CharField("可靠程度", max_length=6, choices=Certainty.choices, default=Certainty.LOCAL)
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "政策参数"
        verbose_name_plural = "政策参数"
        ordering = ["code", "region_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "region", "effective_from"],
                name="core_policyparameter_unique_version",
                violation_error_message="该区划在此生效日期已有该参数",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.region_id} {self.effective_from}"
