"""Forms of the facility side; services validate, forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms

from eldercare.choices import (
    BedKind,
    CaregiverLevel,
    DischargeReason,
    FacilityKind,
    FacilityStatus,
    FindingSeverity,
    LicenceState,
    OperatorKind,
    Ownership,
    WorkerRole,
)

DATE = forms.DateInput(attrs={"type": "date"})


def _blank(choices: Any) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class FacilityForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=FacilityKind.choices)
    region = forms.ChoiceField(label="所在区划")
    ownership = forms.ChoiceField(label="性质（养老机构）", choices=_blank(Ownership.choices), required=False)
    parent = forms.IntegerField(label="所属中心（分中心填写中心ID）", required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    operator_name = forms.CharField(label="运营主体", max_length=100, required=False)
    operator_kind = forms.ChoiceField(label="运营主体类型", choices=_blank(OperatorKind.choices), required=False)
    operator_uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    licence_state = forms.ChoiceField(label="许可/备案状态", choices=LicenceState.choices)
    licence_number = forms.CharField(label="许可/备案编号", max_length=50, required=False)
    is_standard = forms.BooleanField(label="标准化", required=False)
    floor_area = forms.DecimalField(label="建筑面积（平方米）", max_digits=10, decimal_places=2, initial=0)
    daily_meal_capacity = forms.IntegerField(label="日供餐能力（客/日）", min_value=0, initial=0)
    opened_on = forms.DateField(label="开业日期", required=False, widget=DATE)
    status = forms.ChoiceField(label="状态", choices=FacilityStatus.choices, initial=FacilityStatus.OPEN)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def __init__(self, *args: Any, region_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "请选择"), *region_choices]  # type: ignore[attr-defined]


class BedAddForm(forms.Form):
    count = forms.IntegerField(label="新增床位数", min_value=1, max_value=2000)
    kind = forms.ChoiceField(label="床位类型", choices=BedKind.choices)
    is_basic = forms.BooleanField(label="保基本床位", required=False)
    number_prefix = forms.CharField(label="床位号前缀", max_length=8, required=False, help_text="如 A 楼填 A-")


class BedEditForm(forms.Form):
    kind = forms.ChoiceField(label="床位类型", choices=BedKind.choices)
    is_basic = forms.BooleanField(label="保基本", required=False)
    is_active = forms.BooleanField(label="在用", required=False)


class AdmitForm(forms.Form):
    id_number = forms.CharField(label="老人身份证号", max_length=18)
    bed = forms.ChoiceField(label="床位")
    admitted_on = forms.DateField(label="入住日期", widget=DATE)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, bed_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bed"].choices = [("", "请选择空床"), *bed_choices]  # type: ignore[attr-defined]


class DischargeForm(forms.Form):
    discharged_on = forms.DateField(label="退住日期", widget=DATE)
    reason = forms.ChoiceField(label="退住原因", choices=[c for c in DischargeReason.choices if c[0] != "transfer"])
    note = forms.CharField(label="备注", max_length=200, required=False)


class TransferForm(forms.Form):
    to_bed = forms.IntegerField(label="目标床位", required=False)
    other_bed = forms.IntegerField(label="其他机构床位ID", required=False)
    transferred_on = forms.DateField(label="转床日期", widget=DATE)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["to_bed"] = data.get("other_bed") or data.get("to_bed")
        if not data["to_bed"]:
            raise forms.ValidationError("请选择目标床位")
        return data


class CaregiverForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=18, help_text="须已在人员库登记")
    role = forms.ChoiceField(label="岗位", choices=WorkerRole.choices)
    level = forms.ChoiceField(label="证书等级", choices=CaregiverLevel.choices)
    certificate_number = forms.CharField(label="证书编号", max_length=50, required=False)
    certified_on = forms.DateField(label="发证日期", required=False, widget=DATE)
    valid_until = forms.DateField(label="有效期至", required=False, widget=DATE)
    hired_on = forms.DateField(label="入职日期", required=False, widget=DATE)


class CaregiverLeaveForm(forms.Form):
    left_on = forms.DateField(label="离职日期", widget=DATE)


class InspectorForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    unit = forms.CharField(label="所在单位", max_length=100)
    certificate_number = forms.CharField(label="执法证号", max_length=50)
    region = forms.ChoiceField(label="所属区划")

    def __init__(self, *args: Any, region_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "请选择"), *region_choices]  # type: ignore[attr-defined]


class DrawForm(forms.Form):
    title = forms.CharField(label="抽查任务", max_length=100)
    region = forms.ChoiceField(label="抽查范围")
    facility_kinds = forms.MultipleChoiceField(
        label="设施类型", choices=FacilityKind.choices, widget=forms.CheckboxSelectMultiple
    )
    facility_count = forms.IntegerField(label="抽取设施数", min_value=1, max_value=500)
    inspectors_per_facility = forms.IntegerField(label="每家检查人员数", min_value=1, max_value=10, initial=2)
    planned_on = forms.DateField(label="计划检查日期", widget=DATE)

    def __init__(self, *args: Any, region_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices  # type: ignore[attr-defined]


class InspectionRecordForm(forms.Form):
    inspected_on = forms.DateField(label="检查日期", widget=DATE)
    summary = forms.CharField(label="检查结论", widget=forms.Textarea(attrs={"rows": 3}))
    findings = forms.CharField(
        label="发现问题",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一个问题：检查项目|等级（一般/较重/严重）|问题描述",
    )

    SEVERITY = {"一般": FindingSeverity.MINOR, "较重": FindingSeverity.MAJOR, "严重": FindingSeverity.SERIOUS}

    def clean_findings(self) -> list[tuple[str, str, str]]:
        rows: list[tuple[str, str, str]] = []
        for number, line in enumerate(self.cleaned_data["findings"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or parts[1] not in self.SEVERITY:
                raise forms.ValidationError(f"第{number}行格式应为：检查项目|一般/较重/严重|问题描述")
            rows.append((parts[0], self.SEVERITY[parts[1]], parts[2]))
        return rows


class RectifyForm(forms.Form):
    rectified_on = forms.DateField(label="整改完成日期", widget=DATE)
    follow_up = forms.CharField(label="复查情况", max_length=500)


class BlacklistForm(forms.Form):
    listed_on = forms.DateField(label="列入日期", widget=DATE)
    reason = forms.CharField(label="列入原因", widget=forms.Textarea(attrs={"rows": 3}))


class BlacklistRemoveForm(forms.Form):
    removed_on = forms.DateField(label="移出日期", widget=DATE)
    reason = forms.CharField(label="移出原因", max_length=500)


class FacilityStaffForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
