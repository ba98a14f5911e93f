"""统一社会信用代码 (GB 32100-2015) check: 18 characters of the 31-symbol set, check character last.

Positions 1–2 (authority, category) accept any symbol of the set: 村/居委会 codes use
prefixes with no official list (research/domain-rules.md §1.2).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def uscc_check_character(body: str) -> str:
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_error(code: str) -> str | None:
    """None if ``code`` is a valid USCC, else the Chinese reason."""
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        return f"统一社会信用代码含有无效字符：{''.join(bad)}"
    if uscc_check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误"
    return None


def make_uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)
