from .accounts import PayeeAccount
from .runs import Payment, PayrollRun

__all__ = ["PayeeAccount", "Payment", "PayrollRun"]
