"""The formula language: parsing, readable form, evaluation, errors in Chinese with positions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plans.formula import Binary, FormulaError, Item, Negate, Number, evaluate, item_names, parse, readable


def test_precedence_and_chinese_operators() -> None:
    tree = parse("(政府购买服务收入 + 政府补助收入) ÷ 总收入 × 100")
    assert tree == Binary(
        "*",
        Binary("/", Binary("+", Item("政府购买服务收入"), Item("政府补助收入")), Item("总收入")),
        Number(Decimal(100)),
    )
    assert parse("a - b - c") == Binary("-", Binary("-", Item("a"), Item("b")), Item("c"))
    assert parse("1+2*3") == Binary("+", Number(Decimal(1)), Binary("*", Number(Decimal(2)), Number(Decimal(3))))
    assert parse("−低保人数") == Negate(Item("低保人数"))
    assert parse("（a）／ｂ") == Binary("/", Item("a"), Item("ｂ"))


def test_braced_names_percent_and_fullwidth_digits() -> None:
    assert parse("{小型墓（≤0.6平方米）安葬量} / 安葬总量") == Binary(
        "/", Item("小型墓（≤0.6平方米）安葬量"), Item("安葬总量")
    )
    assert parse("50%") == Number(Decimal("0.5"))
    assert parse("１２．５") == Number(Decimal("12.5"))
    assert item_names(parse("a / (b + a) * c")) == ["a", "b", "c"]


def test_readable_form_uses_labels_and_minimal_brackets() -> None:
    labels = {"num": "低保人数", "den": "户籍人口数"}
    assert readable(parse("num/den*100"), labels.get) == "低保人数 ÷ 户籍人口数 × 100"  # type: ignore[arg-type]
    assert readable(parse("(a+b)/c")) == "(a + b) ÷ c"
    assert readable(parse("a-(b-c)")) == "a − (b − c)"
    assert readable(parse("a-b-c")) == "a − b − c"
    assert readable(parse("a/(b*c)")) == "a ÷ (b × c)"


def test_evaluation_is_exact_and_division_by_zero_gives_no_value() -> None:
    tree = parse("(a + b) / c * 100")
    assert evaluate(tree, {"a": Decimal(1500), "b": Decimal(480), "c": Decimal(10000)}) == Decimal("19.8")
    assert evaluate(tree, {"a": Decimal(1), "b": Decimal(1), "c": Decimal(0)}) is None
    assert evaluate(tree, {"a": Decimal(1), "c": Decimal(4)}) is None
    assert evaluate(tree, {"a": Decimal(1), "c": Decimal(4)}, missing_as_zero=True) == Decimal(25)
    assert evaluate(parse("0.1+0.2"), {}) == Decimal("0.3")


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 1, "公式为空"),
        ("a +", 4, "公式不完整"),
        ("(a + b", 7, "没有对应的“)”"),
        ("a + b)", 6, "多余的“)”"),
        ("a b", 3, "“b”前缺少运算符"),
        ("a # b", 3, "不能识别的字符“#”"),
        ("1.2.3", 1, "多个小数点"),
        ("12户", 3, "缺少运算符"),
        ("a * / b", 5, "前缺少数字或数据项"),
        ("{a", 1, "没有对应的“}”"),
    ],
)
def test_errors_are_chinese_and_name_the_position(text: str, position: int, message: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert caught.value.position == position
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"第 {position} 个字符处")


def test_no_python_evaluation_and_limits() -> None:
    with pytest.raises(FormulaError):
        parse("__import__('os')")
    with pytest.raises(FormulaError, match="嵌套层数过多"):
        parse("(" * 50 + "1" + ")" * 50)
    with pytest.raises(FormulaError, match="公式过长"):
        parse("a+" * 300 + "a")


def test_known_names_are_taken_whole() -> None:
    names = ["60岁及以上户籍老年人口数", "乡镇（街道）数", "有康复辅具租赁服务点的乡镇（街道）数", "养老床位总数"]
    assert parse("养老床位总数 ÷ 60岁及以上户籍老年人口数 × 1000", names) == Binary(
        "*", Binary("/", Item("养老床位总数"), Item("60岁及以上户籍老年人口数")), Number(Decimal(1000))
    )
    assert item_names(parse("有康复辅具租赁服务点的乡镇（街道）数/乡镇（街道）数", names)) == [
        "有康复辅具租赁服务点的乡镇（街道）数",
        "乡镇（街道）数",
    ]
    # A known name followed by more name characters is another name, not the known one.
    assert parse("养老床位总数x", names) == Item("养老床位总数x")
    with pytest.raises(FormulaError):
        parse("养老床位总数 ÷ 60岁及以上户籍老年人口数 × 1000")
