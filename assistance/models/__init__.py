from assistance.models.cases import Case, CaseMember, CaseQuerySet

__all__ = ["Case", "CaseMember", "CaseQuerySet"]
