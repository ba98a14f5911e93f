"""Reading plan documents: text out of a file (`extract`), then its structure (`structure`). Pure functions."""

from __future__ import annotations

import hashlib
from typing import Any

from .extract import FORMATS, ExtractError, extract_text, file_format
from .structure import indicator_key, norm, parse_document, parse_value

__all__ = [
    "FORMATS",
    "ExtractError",
    "extract_text",
    "file_format",
    "indicator_key",
    "norm",
    "parse_document",
    "parse_file",
    "parse_value",
]


def parse_file(file_name: str, content: bytes) -> dict[str, Any]:
    """The parse of a document file, with its name, format and sha256 added."""
    text, fmt = extract_text(file_name, content)
    result = parse_document(text)
    result.update(file_name=file_name, format=fmt, sha256=hashlib.sha256(content).hexdigest(), size=len(content))
    return result
