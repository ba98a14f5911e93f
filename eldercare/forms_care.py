"""Forms of the care pages. A person is named by ID number and looked up in the user's scope."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from core.idnumbers import IdNumberError, normalize, parse_id_number
from core.models import Person, User
from core.services.people import id_hash
from eldercare.choices import BedKind
from eldercare.choices_care import AllowanceScheme, CareGrade, HomeCareService, SuspensionReason
from eldercare.models import Bed, Facility

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def person_in_scope(raw: str, user: User, perm: str) -> Person | None:
    """The person with this ID number if the user may act on them (None alike when missing or out of scope)."""
    try:
        number = parse_id_number(normalize(raw or "")).number
    except IdNumberError:
        return None
    return Person.objects.visible_to(user, perm).filter(id_number_hash=id_hash(number)).first()


class PersonField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "身份证号")
        kwargs.setdefault("max_length", 18)
        super().__init__(**kwargs)


class _PersonForm(forms.Form):
    """A form whose ``id_number`` is resolved to a person in the user's scope for ``perm``."""

    id_number = PersonField()

    def __init__(self, *args: Any, user: User, perm: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.perm = user, perm
        self.person: Person | None = None

    def clean_id_number(self) -> str:
        raw = self.cleaned_data["id_number"]
        try:
            parse_id_number(normalize(raw))
        except IdNumberError as exc:
            raise forms.ValidationError(f"身份证号无效：{exc}") from None
        self.person = person_in_scope(raw, self.user, self.perm)
        if self.person is None:
            raise forms.ValidationError("您的管辖范围内没有该身份证号的人员，请先在人员库登记")
        return str(raw)


class AssessmentForm(_PersonForm):
    grade = forms.TypedChoiceField(label="照护等级", choices=CareGrade.choices, coerce=int)
    assessed_on = forms.DateField(label="评估日期", widget=DATE, initial=timezone.localdate)
    agency = forms.CharField(label="评估机构", max_length=100)
    assessor = forms.CharField(label="评估员", max_length=50)
    adl = forms.IntegerField(label="ADL 得分", required=False, min_value=0, max_value=100)
    iadl = forms.IntegerField(label="IADL 得分", required=False, min_value=0, max_value=100)
    cognition = forms.IntegerField(label="认知得分", required=False, min_value=0, max_value=100)
    diseases = forms.CharField(label="十种常见病", required=False, max_length=200, help_text="以顿号分隔")
    cognitive_impairment = forms.BooleanField(label="经诊断认知障碍", required=False)
    notes = forms.CharField(label="备注", required=False, max_length=300)

    def dimensions(self) -> dict[str, Any]:
        data = self.cleaned_data
        dims: dict[str, Any] = {k: data[k] for k in ("adl", "iadl", "cognition") if data.get(k) is not None}
        diseases = [d.strip() for d in (data.get("diseases") or "").replace(",", "、").split("、") if d.strip()]
        if diseases:
            dims["diseases"] = diseases
        return dims


class SuspensionForm(_PersonForm):
    scheme = forms.ChoiceField(label="津贴项目", choices=AllowanceScheme.choices)
    reason = forms.ChoiceField(label="停发原因", choices=SuspensionReason.choices)
    starts_on = forms.DateField(label="停发起始月", widget=DATE, help_text="按所在月份计")
    ends_on = forms.DateField(label="停发截止月", widget=DATE, required=False, help_text="不填表示持续停发")
    note = forms.CharField(label="说明", required=False, max_length=200)


class SuspensionEndForm(forms.Form):
    last_month = forms.DateField(label="最后停发月", widget=DATE, help_text="其次月起恢复发放")


class BedApplicationForm(_PersonForm):
    applied_on = forms.DateField(label="申请日期", widget=DATE, initial=timezone.localdate)
    bed_kind = forms.ChoiceField(label="床位类型", choices=BedKind.choices)
    basic_bed = forms.BooleanField(label="申请保基本床位", required=False, initial=True)
    facilities: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label="意向机构", queryset=Facility.objects.none(), required=False
    )
    extreme_poverty = forms.BooleanField(label="特困供养人员", required=False)
    dibao = forms.BooleanField(label="低保对象", required=False)
    priority_care = forms.BooleanField(label="重点优抚对象", required=False)
    family_planning_special = forms.BooleanField(label="计生特殊家庭", required=False)

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["facilities"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = facilities


def _bed_label(bed: Any) -> str:
    return f"{bed.facility.name} {bed.number}（{bed.get_kind_display()}）"


class OfferForm(forms.Form):
    bed: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="床位", queryset=Bed.objects.none())
    offered_on = forms.DateField(label="通知日期", widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, beds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["bed"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = beds
        field.label_from_instance = _bed_label  # type: ignore[method-assign,assignment]


class OfferReplyForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "接受并入住"), ("decline", "放弃")], widget=forms.HiddenInput)
    on = forms.DateField(label="日期", widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label="放弃原因", required=False, max_length=200)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=200)


class HomeCareOrderForm(_PersonForm):
    service = forms.ChoiceField(label="服务类型", choices=HomeCareService.choices)
    starts_on = forms.DateField(label="开始日期", widget=DATE, initial=timezone.localdate)
    provider_name = forms.CharField(label="服务机构", max_length=100)


class OrderCloseForm(forms.Form):
    ends_on = forms.DateField(label="结束日期", widget=DATE, initial=timezone.localdate)


class VisitForm(forms.Form):
    scheduled_start = forms.DateTimeField(label="计划上门时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    minutes = forms.IntegerField(label="计划时长（分钟）", min_value=15, max_value=600, initial=60)
    caregiver_name = forms.CharField(label="护理员", max_length=50)


class VisitActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("check_in", "签到"), ("check_out", "签退"), ("missed", "未上门")], widget=forms.HiddenInput
    )
    at = forms.DateTimeField(label="时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"], required=False)
    text = forms.CharField(label="服务内容/说明", required=False, max_length=300)


class MonthForm(forms.Form):
    month = forms.DateField(
        label="月份",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )

    def month_value(self) -> datetime.date:
        if self.is_valid():
            return self.cleaned_data["month"].replace(day=1)
        return timezone.localdate().replace(day=1)
