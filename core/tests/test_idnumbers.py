"""GB 11643 ID numbers: the worked examples of domain-rules §8 (items 1–4) and the edge cases."""

from __future__ import annotations

import datetime

import pytest

from core.choices import Sex
from core.idnumbers import IdNumberError, convert_15_to_18, make_id_number, mask_id_number, parse_id_number

TODAY = datetime.date(2026, 11, 23)


def test_check_character_x_is_accepted_in_either_case() -> None:
    assert parse_id_number("11010519491231002X", today=TODAY).number == "11010519491231002X"
    assert parse_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"


def test_check_character_computed_is_x_for_remainder_two() -> None:
    assert make_id_number("340524", datetime.date(1980, 1, 1), 1)[-1] == "X"


@pytest.mark.parametrize("position", range(17))
def test_changing_any_body_digit_breaks_the_check(position: int) -> None:
    valid = "360426199101010071"
    assert parse_id_number(valid, today=TODAY).number == valid
    digit = str((int(valid[position]) + 1) % 10)
    broken = valid[:position] + digit + valid[position + 1 :]
    with pytest.raises(IdNumberError):
        parse_id_number(broken, today=TODAY)


def test_fifteen_digit_numbers_are_converted() -> None:
    assert convert_15_to_18("110105491231002") == "11010519491231002X"
    parsed = parse_id_number("110105491231002", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == datetime.date(1949, 12, 31)


def test_sex_and_birth_date_come_from_the_number() -> None:
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert parsed.sex == Sex.FEMALE  # sequence 002 is even
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parse_id_number(make_id_number("310151", datetime.date(2018, 2, 3), 7), today=TODAY).sex == Sex.MALE


def test_retired_county_codes_are_accepted() -> None:
    # 崇明县 310230 (to 2016) and 禄丰县 532331 (to 2021): real elderly residents carry them.
    assert parse_id_number("310230195001010011", today=TODAY).address_code == "310230"
    assert (
        parse_id_number(make_id_number("532331", datetime.date(1945, 6, 1), 12), today=TODAY).address_code == "532331"
    )
    # 宝山区 310113 exists only from 1988 in stdnum's table; a 1970 birth must still pass.
    assert parse_id_number(make_id_number("310113", datetime.date(1970, 1, 1), 5), today=TODAY).address_code == "310113"


def test_unknown_address_code_is_refused() -> None:
    with pytest.raises(IdNumberError, match="前 6 位 110199 不是有效的行政区划代码"):
        parse_id_number(make_id_number("110199", datetime.date(1980, 1, 1), 1), today=TODAY)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "身份证号不能为空"),
        ("31023019500101001", "应为 18 位（或旧版 15 位），当前为 17 位"),
        ("3102301950010100A1", "只能由数字组成，最后一位可以是 X"),
        ("310230195002300011", "出生日期 19500230 不是有效日期"),
        ("310230195001010012", "校验位错误"),
    ],
)
def test_bad_numbers_say_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(raw, today=TODAY)


def test_birth_date_in_the_future_is_refused() -> None:
    future = make_id_number("310151", datetime.date(2026, 12, 1), 1)
    with pytest.raises(IdNumberError, match="晚于今天"):
        parse_id_number(future, today=TODAY)


def test_full_width_digits_and_spaces_are_normalised() -> None:
    assert parse_id_number(" ３１０２３０ 1950 0101 0011 ", today=TODAY).number == "310230195001010011"


def test_mask_keeps_address_code_and_last_four() -> None:
    assert mask_id_number("310230195001010011") == "310230********0011"
