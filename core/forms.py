"""Web forms. They only parse input; the services decide what is valid (one set of rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.choices import CalendarDayKind, Certainty, Relation


def set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, each message on its field when there is one."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class RegionSelect(forms.Select):
    """A <select> of villages grouped by township; choices come from the user's scope."""


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(
        label="身份证号", max_length=30, required=False, help_text="18 位；旧版 15 位号码自动升位"
    )
    hukou_region = forms.ChoiceField(label="户籍地", required=False)
    residence_region = forms.ChoiceField(label="居住地", required=False, help_text="不填表示与户籍地相同")
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    address = forms.CharField(label="居住地址", max_length=200, required=False)

    def __init__(self, *args: Any, region_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "hukou_region", [("", "请选择村/居委会"), *region_choices])
        set_choices(self, "residence_region", [("", "同户籍地或未知"), *region_choices])
        for name in ("name", "id_number", "hukou_region"):
            self.fields[name].widget.attrs["required"] = True


class DeathForm(forms.Form):
    death_date = forms.DateField(label="死亡日期", widget=forms.DateInput(attrs={"type": "date"}))


class HouseholdForm(forms.Form):
    region = forms.ChoiceField(label="所在村居")
    address = forms.CharField(label="地址", max_length=200, required=False)
    number = forms.CharField(label="户编号", max_length=40, required=False, help_text="不填则由系统编号")
    head = forms.IntegerField(label="户主", widget=forms.HiddenInput)

    def __init__(self, *args: Any, region_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", [("", "请选择村/居委会"), *region_choices])


RELATION_CHOICES = [(value, label) for value, label in Relation.choices if value != Relation.HEAD]


class MemberForm(forms.Form):
    person = forms.IntegerField(label="人员", widget=forms.HiddenInput)
    relation = forms.ChoiceField(label="与户主关系", choices=RELATION_CHOICES)


class MoveForm(forms.Form):
    to_household = forms.CharField(label="迁入户编号", max_length=40)
    relation = forms.ChoiceField(label="在新户中与户主关系", choices=RELATION_CHOICES)


class SetHeadForm(forms.Form):
    former_head_relation = forms.ChoiceField(label="原户主改为", choices=RELATION_CHOICES)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class PolicyParameterForm(forms.Form):
    code = forms.CharField(label="参数代码", max_length=80)
    name = forms.CharField(label="名称", max_length=100)
    region = forms.ChoiceField(label="适用区划")
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.CharField(label="取值", max_length=2000, help_text="数字，或表格的 JSON")
    unit = forms.CharField(label="单位", max_length=30, required=False)
    source = forms.CharField(label="依据/来源", max_length=500, required=False)
    certainty = forms.ChoiceField(label="可靠程度", choices=Certainty.choices, initial=Certainty.LOCAL)
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args: Any, region_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", region_choices)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="类型", choices=CalendarDayKind.choices)
    name = forms.CharField(label="名称", max_length=50, required=False)
    source = forms.CharField(label="依据", max_length=200, required=False)


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, help_text="至少 10 位，含字母和数字")


class GrantForm(forms.Form):
    role = forms.ChoiceField(label="角色")
    region = forms.ChoiceField(label="区划")

    def __init__(self, *args: Any, role_choices: list[Any], region_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "role", role_choices)
        set_choices(self, "region", region_choices)
