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
from assistance.models.verification import DataSourceFact, FactBatch, VerificationReport, VerificationReportItem

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationMember",
    "ApplicationQuerySet",
    "Appraisal",
    "CasePlan",
    "CasePlanItem",
    "CasePlanQuerySet",
    "Decision",
    "DeclaredItem",
    "HomeVisit",
    "Objection",
    "Publicity",
    "Case",
    "CaseEvent",
    "CaseMember",
    "CaseNotice",
    "CaseQuerySet",
    "DataSourceFact",
    "FactBatch",
    "Review",
    "ReviewQuerySet",
    "VerificationReport",
    "VerificationReportItem",
]
