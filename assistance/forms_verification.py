from __future__ import annotations

import datetime
from typing import Any

from django import forms

from assistance.choices import Category
from assistance.choices_verification import FactSource, ReviewOutcome


class FactImportForm(forms.Form):
    source_kind = forms.ChoiceField(label="数据来源", choices=FactSource.choices)
    file = forms.FileField(label="数据文件（.xlsx 或 .csv）")


class VerificationStartForm(forms.Form):
    households = forms.CharField(
        label="户编号",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="每行一个户编号；留空并选择“在保案件”则核对该区划该类别的全部在保家庭",
    )
    live_cases = forms.BooleanField(label="核对该类别全部在保案件", required=False)
    region = forms.ChoiceField(label="区划", required=False)
    category = forms.ChoiceField(label="救助类别", choices=Category.choices, initial=Category.DIBAO)
    on_date = forms.DateField(label="核对基准日", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, region_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "（按户编号）"), *region_choices]
        self.fields["on_date"].initial = datetime.date.today()


class ReviewDecideForm(forms.Form):
    outcome = forms.ChoiceField(label="复核结论", choices=ReviewOutcome.choices)
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    household_monthly_income = forms.DecimalField(
        label="核定家庭月收入（调整金额时填写）", required=False, max_digits=12, decimal_places=2, min_value=0
    )
    effective_month = forms.DateField(
        label="生效月份（调整/终止时可填）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReviewScheduleForm(forms.Form):
    region = forms.ChoiceField(label="区划")
    on = forms.DateField(label="到期日截至", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, region_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices
        self.fields["on"].initial = datetime.date.today()
