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
    "public_view",
]

KIND_LABELS = {"binding": "约束性", "indicative": "预期性", "": ""}


def parse_file(file_name: str, content: bytes) -> dict[str, Any]:
    """The parse of a document file, with its name, format and sha256 added."""
    text, fmt = extract_text(file_name, content)
    result = parse_document(text)
    result.update(file_name=file_name, format=fmt, sha256=hashlib.sha256(content).hexdigest(), size=len(content))
    return result


def public_view(parsed: dict[str, Any]) -> dict[str, Any]:
    """The parse as the command line and the API print it: `kind` in Chinese (约束性/预期性) with the code
    beside it as `kind_code`; everything else as parsed (baseline/target are the printed cell text)."""
    view = dict(parsed)
    view["indicators"] = [
        {**item, "kind": KIND_LABELS.get(item.get("kind") or "", item.get("kind")), "kind_code": item.get("kind") or ""}
        for item in parsed.get("indicators") or []
    ]
    view["tables"] = [
        {
            **table,
            "rows": [
                {
                    **row,
                    "kind": KIND_LABELS.get(row.get("kind") or "", row.get("kind")),
                    "kind_code": row.get("kind") or "",
                }
                for row in table.get("rows") or []
            ],
        }
        for table in parsed.get("tables") or []
    ]
    return view
