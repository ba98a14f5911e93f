"""The written decision (审核确认决定书) of an application, as a Chinese PDF.

An approval states the amount and the month payments start; a refusal states the reasons and
how to appeal (行政复议 / 行政诉讼), the clause text coming from the region's policy parameter.
"""

from __future__ import annotations

from django.utils import timezone

from assistance.choices import Addon, DecisionLevel, DecisionOutcome
from assistance.models import Application
from core.pdf import ChinesePDF
from core.policy import MissingPolicyParameter, policy_table
from core.selectors import region_label

FALLBACK_APPEAL = "如对本决定不服，可以自收到本决定书之日起六十日内依法申请行政复议，或者自收到本决定书之日起六个月内依法提起行政诉讼。"


def _addon_label(code: str) -> str:
    return Addon(code).label if code in Addon.values else code


def appeal_clause(application: Application) -> str:
    try:
        return str(policy_table("assistance.appeal_clause", application.region_id, timezone.localdate()))
    except MissingPolicyParameter:
        return FALLBACK_APPEAL


def decision_notice_text(application: Application) -> list[str]:
    """The paragraphs of the notice (also shown on the detail page)."""
    decision = application.decision
    applicant = application.applicant.name
    category = application.get_category_display()
    lines = [
        f"{applicant}：",
        f"你（户）于 {timezone.localtime(application.submitted_at):%Y年%m月%d日} 提出的{category}申请（编号 {application.number}），",
    ]
    if decision.outcome == DecisionOutcome.APPROVE:
        assert decision.start_month is not None
        lines[1] += "经经济状况核对、入户调查和公示，决定予以批准。"
        lines.append(
            f"保障人数 {application.members.count()} 人，核定家庭月收入 {decision.household_monthly_income} 元，"
            f"月救助金 {decision.monthly_amount} 元，自 {decision.start_month:%Y年%m月} 起按月发放。"
        )
        lines.append("家庭人口、收入、财产状况发生变化的，请及时向所在街道（乡镇）社区事务受理服务中心报告。")
    else:
        lines[1] += "经审核，决定不予批准。"
        lines.append(f"理由：{decision.reasons}")
    lines.append(appeal_clause(application))
    return lines


def decision_notice_pdf(application: Application) -> bytes:
    decision = application.decision
    approve = decision.outcome == DecisionOutcome.APPROVE
    title = f"{application.get_category_display()}审核确认{'决定书' if approve else '不予批准决定书'}"
    pdf = ChinesePDF(title)
    pdf.footer_text = application.number
    pdf.add_page()
    pdf.heading(title)
    pdf.key_values(
        [
            ("申请编号", application.number),
            ("申请人", application.applicant.name),
            ("所在村居", region_label(application.region_id)),
            ("审核确认机关", decision.get_level_display()),
        ]
    )
    pdf.ln(3)
    for line in decision_notice_text(application):
        pdf.paragraph(line)
    if approve:
        pdf.data_table(
            ["成员", "标准类别", "分类施保加发"],
            [
                [m.person.name, m.get_kind_display(), "、".join(_addon_label(a) for a in m.addons) or "—"]
                for m in application.members.select_related("person")
            ],
        )
    pdf.ln(8)
    if decision.level == DecisionLevel.TOWNSHIP:
        pdf.paragraph(f"{region_label(application.region_id[:9])}（印）", size=11)
    else:
        pdf.paragraph(f"{region_label(application.region_id[:6])}民政局（印）", size=11)
    pdf.paragraph(f"{timezone.localtime(decision.decided_at):%Y年%m月%d日}", size=11)
    return pdf.to_bytes()
