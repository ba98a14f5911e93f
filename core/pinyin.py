"""Pinyin of personal names, stored with the person so that search is a plain prefix match."""

from __future__ import annotations

import functools

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's most common one (单 shan, not dan).
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "仇": "qiu",
    "解": "xie",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "朴": "piao",
    "尉": "yu",
    "缪": "miao",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "种": "chong",
    "秘": "bi",
    "繁": "po",
    "员": "yun",
    "相": "xiang",
    "长": "chang",
    "朝": "chao",
    "藏": "zang",
    "阚": "kan",
}


@functools.lru_cache(maxsize=65536)
def _char(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")[0] if "\u4e00" <= ch <= "\u9fff" else ch.lower()


def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin without spaces, initials) of a name: 施仁杰 -> ("shirenjie", "srj")."""
    syllables = []
    for index, ch in enumerate(name.strip()):
        if index == 0 and ch in SURNAME_READINGS:
            syllables.append(SURNAME_READINGS[ch])
            continue
        syllable = _char(ch)
        if syllable and syllable.isascii() and syllable.isalnum():
            syllables.append(syllable)
    return "".join(syllables), "".join(s[0] for s in syllables)
