from __future__ import annotations

import datetime
from typing import Any

from django import forms

from core.forms import set_choices
from payments.schemes import scheme_choices


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month"})

    def clean(self, value: Any) -> datetime.date:  # type: ignore[override]
        text = super().clean(value)
        try:
            year, month = (int(part) for part in str(text).split("-")[:2])
            return datetime.date(year, month, 1)
        except (ValueError, TypeError):
            raise forms.ValidationError("月份格式应为 YYYY-MM") from None


class RunCreateForm(forms.Form):
    scheme = forms.ChoiceField(label="发放项目")
    region = forms.ChoiceField(label="区划")
    month = MonthField(label="发放月份")

    def __init__(self, *args: Any, region_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "scheme", scheme_choices())
        set_choices(self, "region", region_choices)


class ReturnUploadForm(forms.Form):
    file = forms.FileField(label="回盘文件（.xlsx）")


class AccountForm(forms.Form):
    bank_name = forms.CharField(label="开户行", max_length=100)
    account_number = forms.CharField(label="银行账号", max_length=40)
