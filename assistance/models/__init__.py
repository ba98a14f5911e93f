from assistance.models.applications import (
    Application,
    ApplicationDocument,
    ApplicationMember,
    ApplicationQuerySet,
    Appraisal,
    Decision,
    DeclaredItem,
    HomeVisit,
    Objection,
    Publicity,
)
from assistance.models.case_plans import CasePlan, CasePlanItem, CasePlanQuerySet
from assistance.models.cases import Case, CaseEvent, CaseMember, CaseNotice, CaseQuerySet
from assistance.models.reviews import Review, ReviewQuerySet
from assistance.models.temporary import TemporaryGrant, TemporaryGrantQuerySet
from assistance.models.verification import DataSourceFact, FactBatch, VerificationReport, VerificationReportItem

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationMember",
    "ApplicationQuerySet",
    "Appraisal",
    "Case",
    "CaseEvent",
    "CaseMember",
    "CaseNotice",
    "CasePlan",
    "CasePlanItem",
    "CasePlanQuerySet",
    "CaseQuerySet",
    "DataSourceFact",
    "Decision",
    "DeclaredItem",
    "FactBatch",
    "HomeVisit",
    "Objection",
    "Publicity",
    "Review",
    "ReviewQuerySet",
    "TemporaryGrant",
    "TemporaryGrantQuerySet",
    "VerificationReport",
    "VerificationReportItem",
]
