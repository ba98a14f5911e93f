"""Registration of h3c's part of the app (verification, reviews, demo), called from AssistanceConfig.ready()."""

from __future__ import annotations


def ready() -> None:
    from assistance import job_handlers_verification, services_reviews  # noqa: F401
    from assistance.permissions_verification import PERMISSION_LABELS, ROLE_PERMISSIONS
    from core import events
    from core.roles import register_permissions

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    events.person_died.connect(services_reviews.on_person_died, dispatch_uid="assistance.review.person_died")
    events.household_member_left.connect(services_reviews.on_member_left, dispatch_uid="assistance.review.member_left")
    events.household_member_joined.connect(
        services_reviews.on_member_joined, dispatch_uid="assistance.review.member_joined"
    )
