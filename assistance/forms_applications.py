"""Forms of the application pages: the intake form and one small form per step."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from assistance.choices import (
    Addon,
    Category,
    DecisionOutcome,
    DeclaredItemKind,
    DocumentKind,
    MemberKind,
    PlanItemKind,
    VisitRecommendation,
)
from assistance.services.applications import APPLICATION_CATEGORIES
from assistance.services.case_plans import NEED_AREAS

DATE = forms.DateInput(attrs={"type": "date"})
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
CATEGORY_CHOICES = [(c, Category(c).label) for c in APPLICATION_CATEGORIES]


class IntakeForm(forms.Form):
    """Category, applicant, members (from the registry) and declared income/assets of one household."""

    category = forms.ChoiceField(label="救助类别", choices=CATEGORY_CHOICES)
    applicant = forms.ChoiceField(label="申请人")
    reason = forms.CharField(label="申请理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        self.fields["applicant"].choices = [(m.person_id, m.person.name) for m in members]
        for m in members:
            self.fields[f"include_{m.person_id}"] = forms.BooleanField(
                label=f"{m.person.name}（{m.get_relation_display()}）", required=False, initial=True
            )
            self.fields[f"kind_{m.person_id}"] = forms.ChoiceField(
                label="标准类别", choices=MemberKind.choices, initial=MemberKind.ADULT, required=False
            )
            self.fields[f"addons_{m.person_id}"] = forms.MultipleChoiceField(
                label="分类施保", choices=Addon.choices, required=False, widget=forms.CheckboxSelectMultiple
            )
        for kind, label in DeclaredItemKind.choices:
            if kind in (DeclaredItemKind.VEHICLE, DeclaredItemKind.NON_RESIDENTIAL, DeclaredItemKind.DWELLING):
                self.fields[f"has_{kind}"] = forms.BooleanField(label=f"有{label}", required=False)
            else:
                self.fields[f"item_{kind}"] = forms.DecimalField(
                    label=label, min_value=Decimal("0"), decimal_places=2, required=False
                )

    def member_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "member": m,
                "include": self[f"include_{m.person_id}"],
                "kind": self[f"kind_{m.person_id}"],
                "addons": self[f"addons_{m.person_id}"],
            }
            for m in self.members
        ]

    def item_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith(("item_", "has_"))]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        members = [
            {
                "person": m.person_id,
                "relation": m.relation,
                "kind": data.get(f"kind_{m.person_id}") or MemberKind.ADULT,
                "addons": data.get(f"addons_{m.person_id}") or [],
            }
            for m in self.members
            if data.get(f"include_{m.person_id}") or str(m.person_id) == data["applicant"]
        ]
        items: list[dict[str, Any]] = []
        for kind in DeclaredItemKind.values:
            amount = data.get(f"item_{kind}")
            if amount:
                items.append({"kind": kind, "amount": amount})
            if data.get(f"has_{kind}"):
                items.append({"kind": kind, "amount": 0})
        return {"category": data["category"], "members": members, "declared_items": items, "reason": data["reason"]}


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="材料", choices=DocumentKind.choices)
    file = forms.FileField(label="文件")


class VerificationResultForm(forms.Form):
    passed = forms.TypedChoiceField(
        label="核对结论", choices=[("1", "符合条件"), ("0", "不符合条件")], coerce=lambda v: v == "1"
    )
    monthly_income = forms.DecimalField(label="核定家庭月收入（元）", min_value=Decimal("0"), decimal_places=2)
    note = forms.CharField(label="核对说明", required=False)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="调查日期", widget=DATE, initial=timezone.localdate)
    visitors = forms.CharField(label="调查人员", help_text="至少两人，用顿号分隔")
    findings = forms.CharField(label="调查情况", widget=forms.Textarea(attrs={"rows": 3}))
    recommendation = forms.ChoiceField(label="调查意见", choices=VisitRecommendation.choices)


class AppraisalForm(forms.Form):
    held_on = forms.DateField(label="评议日期", widget=DATE, initial=timezone.localdate)
    participants = forms.IntegerField(label="参加人数", min_value=1)
    votes_for = forms.IntegerField(label="同意票", min_value=0)
    votes_against = forms.IntegerField(label="反对票", min_value=0)
    opinion = forms.CharField(label="评议意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SkipForm(forms.Form):
    reason = forms.CharField(label="免于评议的说明", required=False)


class PublicityForm(forms.Form):
    place = forms.CharField(label="公示地点", initial="村（居）委会公示栏")
    starts_on = forms.DateField(label="公示开始日期", widget=DATE, required=False, help_text="留空为今天或下一个工作日")


class ObjectionForm(forms.Form):
    received_on = forms.DateField(label="收到日期", widget=DATE, initial=timezone.localdate)
    objector = forms.CharField(label="异议人", required=False)
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionResolveForm(forms.Form):
    finding = forms.CharField(label="核实情况")
    upheld = forms.TypedChoiceField(
        label="异议是否成立", choices=[("0", "不成立"), ("1", "成立")], coerce=lambda v: v == "1"
    )


class PublicityCloseForm(forms.Form):
    conclusion = forms.CharField(label="公示结果", required=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="审核确认结论", choices=DecisionOutcome.choices)
    reasons = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))
    start_month = forms.DateField(
        label="起始发放月份", widget=MONTH, required=False, input_formats=["%Y-%m", "%Y-%m-%d"], help_text="留空为本月"
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因")


class PlanForm(forms.Form):
    summary = forms.CharField(label="方案概述", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in NEED_AREAS.items():
            self.fields[f"need_{key}"] = forms.CharField(
                label=f"需求评估：{label}", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def needs(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"need_{key}", "") for key in NEED_AREAS}


class PlanItemForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=PlanItemKind.choices)
    description = forms.CharField(label="内容", max_length=300)
    agency = forms.CharField(label="承接单位", required=False, max_length=100)
    due_date = forms.DateField(label="完成时限", widget=DATE)


class PlanItemDoneForm(forms.Form):
    done_on = forms.DateField(label="完成日期", widget=DATE, initial=timezone.localdate)
    outcome = forms.CharField(label="结果")


class PlanCloseForm(forms.Form):
    note = forms.CharField(label="结案说明")


def month_value(day: datetime.date | None) -> datetime.date | None:
    return day.replace(day=1) if day else None
