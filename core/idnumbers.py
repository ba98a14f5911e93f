"""Citizen ID numbers (公民身份号码, GB 11643-1999).

18 characters: 6-digit address code (the county where the number was assigned, frozen at that
time), 8-digit birth date, 3-digit sequence (odd = male, even = female), and an ISO 7064
MOD 11-2 check character (``X`` stands for 10). 15-digit first-generation numbers are
converted by inserting ``19`` before the year and appending the check character.

The address code is checked against every county code that ever existed (python-stdnum's
historical table, with our own region table on top) and *not* against the year ranges:
stdnum's full validator rejects real elderly residents whose codes (崇明县 310230, 宝山区
before 1988) were assigned before or after the current county existed (domain-rules §1.4).
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

from stdnum import numdb

from core.choices import Sex

_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
# The oldest plausible birth year for a living record or a historical one.
EARLIEST_BIRTH_YEAR = 1880


class IdNumberError(ValueError):
    """The reason, in Chinese, that an ID number is not valid."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: datetime.date
    sex: str
    address_code: str

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


# ISO 7064 MOD 11-2 weights for positions 1..17 (2^(i-1) mod 11, counted from the right).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def calc_check_digit(body: str) -> str:
    """Check character of a 17-digit body. (stdnum's function of the same name expects the
    whole 18-character number and ignores its last character, so it is not used here.)"""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def mask_id_number(number: str) -> str:
    """``310230********0011``: the address code and the last four, the birth date hidden."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def normalize(raw: str) -> str:
    """Upper-case, strip spaces and full-width characters people paste from Word and Excel."""
    table = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
    return re.sub(r"\s+", "", str(raw)).translate(table).upper()


def convert_15_to_18(number15: str) -> str:
    body = number15[:6] + "19" + number15[6:]
    return body + calc_check_digit(body)


@functools.cache
def _loc_db() -> numdb.NumDB:
    return numdb.get("cn/loc")


def address_code_known(code: str, extra_codes: frozenset[str] = frozenset()) -> bool:
    """Did this county code ever exist (any edition of GB/T 2260), or is it one of ours?"""
    if code in extra_codes:
        return True
    parts = _loc_db().info(code)
    # info() yields (prefix, props) pairs: province first, then the county under it.
    return len(parts) == 2 and bool(parts[0][1]) and bool(parts[1][1])


def parse_id_number(
    raw: str, *, today: datetime.date | None = None, extra_codes: frozenset[str] = frozenset()
) -> IdNumber:
    """Validate and parse; raises IdNumberError with a Chinese message saying what is wrong."""
    number = normalize(raw)
    if not number:
        raise IdNumberError("身份证号不能为空")
    if _ID15.match(number):
        number = convert_15_to_18(number)
    elif len(number) == 18 and not _ID18.match(number):
        raise IdNumberError("身份证号只能由数字组成，最后一位可以是 X")
    elif len(number) != 18:
        raise IdNumberError(f"身份证号应为 18 位（或旧版 15 位），当前为 {len(number)} 位")

    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(f"身份证号中的出生日期 {number[6:14]} 不是有效日期") from None
    today = today or datetime.date.today()
    if birth_date > today:
        raise IdNumberError(f"身份证号中的出生日期 {birth_date:%Y-%m-%d} 晚于今天")
    if birth_date.year < EARLIEST_BIRTH_YEAR:
        raise IdNumberError(f"身份证号中的出生年份 {birth_date.year} 不合理")

    if calc_check_digit(number[:17]) != number[17]:
        raise IdNumberError("身份证号校验位错误，请核对号码")

    address_code = number[:6]
    if not address_code_known(address_code, extra_codes):
        raise IdNumberError(f"身份证号前 6 位 {address_code} 不是有效的行政区划代码")

    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return IdNumber(number=number, birth_date=birth_date, sex=sex, address_code=address_code)


def make_id_number(address_code: str, birth_date: datetime.date, sequence: int) -> str:
    """Build a valid 18-digit number (for synthetic demo data and tests)."""
    body = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + calc_check_digit(body)
