"""Writes of the assistance app, one module per aggregate (applications, cases, …)."""
