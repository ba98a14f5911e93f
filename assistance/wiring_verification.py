"""Registration of h3c's part of the app (verification, reviews, demo), called from AssistanceConfig.ready()."""

from __future__ import annotations


def ready() -> None:
    from assistance import job_handlers_verification, services_reviews  # noqa: F401
    from assistance.permissions_verification import PERMISSION_LABELS, ROLE_PERMISSIONS, VerificationPerm
    from core import events
    from core.navigation import register_nav
    from core.roles import register_permissions

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    events.person_died.connect(services_reviews.on_person_died, dispatch_uid="assistance.review.person_died")
    events.household_member_left.connect(services_reviews.on_member_left, dispatch_uid="assistance.review.member_left")
    events.household_member_joined.connect(
        services_reviews.on_member_joined, dispatch_uid="assistance.review.member_joined"
    )
    register_nav("社会救助", "核对数据", "assistance:fact_batch_list", VerificationPerm.VIEW_VERIFICATION, order=40)
    register_nav("社会救助", "核对报告", "assistance:report_list", VerificationPerm.VIEW_VERIFICATION, order=41)
    register_nav("社会救助", "复核", "assistance:review_list", VerificationPerm.VIEW_REVIEW, order=42)
