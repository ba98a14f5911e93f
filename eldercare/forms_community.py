"""Forms of the community-service pages."""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.forms import set_choices
from core.idnumbers import IdNumberError, convert_15_to_18, normalize
from core.models import Person
from eldercare.choices_community import (
    AdaptationItemKind,
    AdviceTopic,
    PersonCategory,
    RecommendedService,
    VisitMode,
)

DATE = forms.DateInput(attrs={"type": "date"})


def find_person(text: str, field: str = "person") -> Person:
    """The person with this ID number (exact, through the blind index), or a field error."""
    from core.services.people import id_hash

    number = normalize(text or "")
    if len(number) == 15:
        with contextlib.suppress(IdNumberError):
            number = convert_15_to_18(number)
    person = Person.objects.filter(id_number_hash=id_hash(number)).first() if number else None
    if person is None:
        raise ValidationError({field: ["找不到该身份证号对应的人员，请先在人员库登记"]})
    return person


class PersonField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "老人身份证号")
        kwargs.setdefault("max_length", 18)
        super().__init__(**kwargs)


class MealEnrolmentForm(forms.Form):
    person = PersonField()
    meal_point = forms.ChoiceField(label="助餐点")
    enrolled_on = forms.DateField(label="登记日期", widget=DATE, initial=datetime.date.today)
    category = forms.ChoiceField(
        label="补贴类别",
        required=False,
        choices=[("", "自动认定（特困/低保/年龄）"), *PersonCategory.choices],
        help_text="留空时按社会救助在保情况和年龄自动认定；指定其他类别须在备注中说明依据",
    )
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, points: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "meal_point", [("", "请选择"), *points])


class EndForm(forms.Form):
    ended_on = forms.DateField(label="终止日期", widget=DATE, initial=datetime.date.today)


class MealImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class SettlementComputeForm(forms.Form):
    month = forms.CharField(label="结算月份", help_text="YYYY-MM", max_length=7)
    region = forms.ChoiceField(label="区划")

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", regions)

    def clean_month(self) -> datetime.date:
        try:
            return datetime.date.fromisoformat(f"{self.cleaned_data['month'][:7]}-01")
        except ValueError:
            raise ValidationError("月份格式应为 YYYY-MM") from None


class AdviceForm(forms.Form):
    person = PersonField()
    held_on = forms.DateField(label="咨询日期", widget=DATE, initial=datetime.date.today)
    advisor_name = forms.CharField(label="顾问姓名", max_length=50)
    point = forms.ChoiceField(label="养老顾问点", required=False)
    topics = forms.MultipleChoiceField(
        label="咨询事项", choices=AdviceTopic.choices, widget=forms.CheckboxSelectMultiple
    )
    recommended = forms.MultipleChoiceField(
        label="推荐服务", choices=RecommendedService.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    notes = forms.CharField(label="咨询记录", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    follow_up_on = forms.DateField(label="计划回访日期", widget=DATE, required=False)

    def __init__(self, *args: Any, points: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "point", [("", "（不在顾问点）"), *points])


class FollowUpForm(forms.Form):
    followed_up_on = forms.DateField(label="回访日期", widget=DATE, initial=datetime.date.today)
    follow_up_result = forms.CharField(label="回访结果", max_length=300)


class ChildlessForm(forms.Form):
    person = PersonField()
    recorded_on = forms.DateField(label="核实日期", widget=DATE, initial=datetime.date.today)
    note = forms.CharField(label="说明", max_length=200, required=False)


class PeerPairForm(forms.Form):
    volunteer = PersonField(label="志愿者身份证号")
    target = PersonField(label="结对老人身份证号")
    started_on = forms.DateField(label="结对日期", widget=DATE, initial=datetime.date.today)


class PeerVisitForm(forms.Form):
    visited_on = forms.DateField(label="探访日期", widget=DATE, initial=datetime.date.today)
    mode = forms.ChoiceField(label="方式", choices=VisitMode.choices)
    notes = forms.CharField(label="探访情况", max_length=300, required=False)
    concern = forms.CharField(label="发现问题", max_length=300, required=False)


class CoverageForm(forms.Form):
    region = forms.ChoiceField(label="区划", required=False)
    start = forms.DateField(label="期间从", widget=DATE)
    end = forms.DateField(label="期间到", widget=DATE)

    def __init__(self, *args: Any, regions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", [("", "全部"), *regions])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError({"end": "结束日期不能早于开始日期"})
        return data


class AdaptationApplyForm(forms.Form):
    person = PersonField()
    applied_on = forms.DateField(label="申请日期", widget=DATE, initial=datetime.date.today)
    needs = forms.CharField(label="改造需求", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label="改造地址", max_length=200, required=False, help_text="留空时取人员居住地址")


class AssessForm(forms.Form):
    assessed_on = forms.DateField(label="评估日期", widget=DATE, initial=datetime.date.today)
    assessor_name = forms.CharField(label="评估人", max_length=50)
    assessment = forms.CharField(label="评估意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    estimated_cost = forms.DecimalField(label="预估费用（元）", max_digits=12, decimal_places=2, min_value=0)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="审批结果", choices=[("approve", "批准"), ("reject", "不予批准")])
    decided_on = forms.DateField(label="审批日期", widget=DATE, initial=datetime.date.today)
    decision_note = forms.CharField(label="审批意见", max_length=300, required=False)


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label="改造项目", choices=AdaptationItemKind.choices)
    description = forms.CharField(label="说明", max_length=200, required=False)
    quantity = forms.IntegerField(label="数量", min_value=1, initial=1)
    cost = forms.DecimalField(label="费用（元）", max_digits=12, decimal_places=2, min_value=0)
    done_on = forms.DateField(label="完成日期", widget=DATE, initial=datetime.date.today)


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label="完工日期", widget=DATE, initial=datetime.date.today)


class SettleForm(forms.Form):
    settled_on = forms.DateField(label="结算日期", widget=DATE, initial=datetime.date.today)


class WithdrawForm(forms.Form):
    decision_note = forms.CharField(label="撤回原因", max_length=300)
