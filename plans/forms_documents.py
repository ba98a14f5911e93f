"""Forms of plan documents: upload (preview → confirm), key-project progress."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from plans.parsing import FORMATS

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class PlanUploadForm(forms.Form):
    file = forms.FileField(label="规划文件", help_text="支持 " + "、".join(FORMATS) + "（PDF 须带文字层），不超过 20MB")
    region = forms.ChoiceField(label="所属区划", required=False, help_text="不选则按文件中的地区名称识别")
    title = forms.CharField(label="规划名称", max_length=200, required=False, help_text="文件中没有标题行时填写")

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件超过 20MB")
        return upload


class PlanConfirmForm(forms.Form):
    stored_file = forms.IntegerField(widget=forms.HiddenInput)
    region = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(widget=forms.HiddenInput, required=False)


class ProjectProgressForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    spent_wan_yuan = forms.DecimalField(
        label="当年完成投资（万元）", max_digits=14, decimal_places=2, min_value=Decimal("0")
    )
    beds_delivered = forms.IntegerField(label="当年交付床位（张）", min_value=0, initial=0)
    note = forms.CharField(label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
