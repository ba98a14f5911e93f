"""Writes of the plans app: documents (documents.py) and computing indicators (indicators.py)."""
