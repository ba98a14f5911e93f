"""Forms of computing indicators (dashboard filters, formula, manual value, import)."""

from __future__ import annotations

from django import forms

from plans import data_items
from plans.choices import IndicatorKind, IndicatorStatus, MissingRule

FACTOR_CHOICES = [("1", "1（数量）"), ("100", "100（%）"), ("1000", "1000（‰、每千人）"), ("10000", "10000（每万人）")]


def item_choices(manual_only: bool = False) -> list[tuple[str, str]]:
    return [
        (item.code, f"{item.name}（{item.unit}）")
        for item in data_items.all_items()
        if not (manual_only and data_items.effective_item(item.code).is_live)
    ]


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, shared by the page and the API."""

    region = forms.CharField(label="区划", required=False, max_length=12)
    kind = forms.ChoiceField(
        label="指标类型",
        required=False,
        choices=[("", "全部"), (IndicatorKind.BINDING, "约束性"), (IndicatorKind.INDICATIVE, "预期性")],
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *IndicatorStatus.choices])


class FormulaForm(forms.Form):
    numerator = forms.CharField(
        label="分子（或计算式）", max_length=500, help_text="数据项名称、数字、+ − × ÷ 和括号，如：低保人数"
    )
    denominator = forms.CharField(label="分母", max_length=500, required=False, help_text="如：户籍人口数；无分母留空")
    factor = forms.ChoiceField(label="系数", choices=FACTOR_CHOICES)
    missing_rule = forms.ChoiceField(label="缺失数据规则", choices=MissingRule.choices)
    decimals = forms.IntegerField(label="显示小数位", min_value=0, max_value=6)
    note = forms.CharField(label="口径说明", max_length=500, required=False)


class ManualValueForm(forms.Form):
    item_code = forms.ChoiceField(label="数据项")
    region = forms.ChoiceField(label="区划")
    year = forms.IntegerField(label="年度", min_value=1949, max_value=2100)
    value = forms.CharField(label="数值", max_length=30)
    source = forms.CharField(label="数据来源", max_length=300, help_text="如：2020年崇明区统计公报")

    def __init__(self, *args: object, region_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["item_code"].choices = item_choices(manual_only=True)  # type: ignore[attr-defined]
        self.fields["region"].choices = region_choices  # type: ignore[attr-defined]
