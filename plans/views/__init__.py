"""Web views of plans: documents.py (h4a) and indicators.py (h4b)."""
