"""Elderly-care services: facilities and beds, needs assessment, allowances, home and meal services, supervision."""
