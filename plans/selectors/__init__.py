"""Reads of the plans app: documents (documents.py) and computing indicators (indicators.py)."""

from .documents import *  # noqa: F403  (h4a)
from .indicators import *  # noqa: F403  (h4b)
