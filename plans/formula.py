"""The indicator formula language: numbers, + − × ÷, parentheses and named data items.

A formula such as ``低保人数 / 户籍人口数`` or ``(政府购买服务收入 + 政府补助收入) ÷ 社会组织年度总收入``
is read by a small tokenizer and a recursive-descent parser into a tree of :class:`Node`
objects; it is never handed to Python's ``eval``. Evaluation is exact (``Decimal``), and a
division by zero or a missing item gives "no value" (``None``) — never 0.

Grammar (the Chinese operators and full-width brackets are accepted alongside the ASCII ones)::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("+" | "-") unary | primary
    primary    := NUMBER ["%"] | NAME | "{" any text "}" | "(" expression ")"

A NAME is a known data item name (taken whole, whatever characters it holds) or a run of
letters (Chinese included), digits and underscores that does not start with a digit; any other
name may be written in braces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = [
    "Binary",
    "FormulaError",
    "Item",
    "Negate",
    "Node",
    "Number",
    "evaluate",
    "item_names",
    "parse",
    "readable",
]

# Operators as written in plans and typed on Chinese keyboards -> the canonical one.
_OPERATORS: dict[str, str] = {
    "+": "+",
    "＋": "+",
    "-": "-",
    "−": "-",
    "－": "-",
    "–": "-",
    "*": "*",
    "×": "*",
    "＊": "*",
    "/": "/",
    "÷": "/",
    "／": "/",
}
_BRACKETS = {"(": "(", "（": "(", ")": ")", "）": ")"}
_DIGITS = "0123456789０１２３４５６７８９"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")
MAX_LENGTH = 500
MAX_DEPTH = 40


class FormulaError(ValueError):
    """A formula that cannot be read; ``position`` is the 1-based character where it went wrong."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"第 {position} 个字符处：{message}")
        self.position = position
        self.reason = message


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "(", ")", "end"
    text: str
    position: int  # 1-based


class Node:
    """A node of the parsed formula."""


@dataclass(frozen=True)
class Number(Node):
    value: Decimal


@dataclass(frozen=True)
class Item(Node):
    name: str


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # "+", "-", "*", "/"
    left: Node
    right: Node


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or ch in "·．"


def tokenize(text: str, names: Sequence[str] = ()) -> list[Token]:
    """Tokens of ``text``. A known name in ``names`` is taken whole even when it holds brackets,
    digits or punctuation (``60岁及以上户籍老年人口数``, ``乡镇（街道）数``); the longest one wins."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"公式过长（不超过 {MAX_LENGTH} 个字符）", MAX_LENGTH + 1)
    known = sorted((n for n in names if n), key=len, reverse=True)
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        position = i + 1
        match = next((n for n in known if text.startswith(n, i)), None)
        if match is not None and (i + len(match) >= len(text) or not _is_name_char(text[i + len(match)])):
            tokens.append(Token("name", match, position))
            i += len(match)
        elif ch.isspace() or ch == "\u3000":
            i += 1
        elif ch in _DIGITS or (ch in ".．" and i + 1 < len(text) and text[i + 1] in _DIGITS):
            j = i
            while j < len(text) and (text[j] in _DIGITS or text[j] in ".．"):
                j += 1
            raw = text[i:j].translate(_FULLWIDTH_DIGITS)
            if raw.count(".") > 1:
                raise FormulaError(f"数字“{text[i:j]}”有多个小数点", position)
            if j < len(text) and _is_name_char(text[j]) and not text[j].isdigit():
                raise FormulaError(f"数字“{text[i:j]}”后紧跟名称，缺少运算符", j + 1)
            tokens.append(Token("num", raw, position))
            if j < len(text) and text[j] in "%％":
                tokens.append(Token("%", "%", j + 1))
                j += 1
            i = j
        elif ch in _OPERATORS:
            tokens.append(Token("op", _OPERATORS[ch], position))
            i += 1
        elif ch in _BRACKETS:
            tokens.append(Token(_BRACKETS[ch], ch, position))
            i += 1
        elif ch in "{｛":
            close = next((k for k in range(i + 1, len(text)) if text[k] in "}｝"), -1)
            if close < 0:
                raise FormulaError("“{”没有对应的“}”", position)
            name = text[i + 1 : close].strip()
            if not name:
                raise FormulaError("“{}”中缺少数据项名称", position)
            tokens.append(Token("name", name, position))
            i = close + 1
        elif _is_name_char(ch):
            j = i
            while j < len(text) and _is_name_char(text[j]):
                j += 1
            tokens.append(Token("name", text[i:j], position))
            i = j
        else:
            raise FormulaError(f"不能识别的字符“{ch}”", position)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str, names: Sequence[str] = ()) -> None:
        self.tokens = tokenize(text, names)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise FormulaError("公式为空", 1)
        node = self.expression()
        if self.current.kind != "end":
            token = self.current
            if token.kind == ")":
                raise FormulaError("多余的“)”", token.position)
            raise FormulaError(f"“{token.text}”前缺少运算符", token.position)
        return node

    def expression(self) -> Node:
        node = self.term()
        while self.current.kind == "op" and self.current.text in "+-":
            op = self.advance().text
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.current.kind == "op" and self.current.text in "*/":
            op = self.advance().text
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.current.kind == "op" and self.current.text in "+-":
            op = self.advance().text
            self._enter()
            operand = self.unary()
            self.depth -= 1
            return Negate(operand) if op == "-" else operand
        return self.primary()

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"嵌套层数过多（不超过 {MAX_DEPTH} 层）", self.current.position)

    def primary(self) -> Node:
        token = self.current
        if token.kind == "num":
            self.advance()
            try:
                value = Decimal(token.text)
            except InvalidOperation:
                raise FormulaError(f"“{token.text}”不是有效的数字", token.position) from None
            if self.current.kind == "%":
                self.advance()
                value = value / 100
            return Number(value)
        if token.kind == "name":
            self.advance()
            return Item(token.text)
        if token.kind == "(":
            self.advance()
            self._enter()
            node = self.expression()
            self.depth -= 1
            if self.current.kind != ")":
                raise FormulaError(f"第 {token.position} 个字符处的“(”没有对应的“)”", self.current.position)
            self.advance()
            return node
        if token.kind == "end":
            raise FormulaError("公式不完整，末尾缺少数字或数据项", token.position)
        if token.kind == ")":
            raise FormulaError("“)”前缺少数字或数据项", token.position)
        raise FormulaError(f"“{token.text}”前缺少数字或数据项", token.position)


def parse(text: str, names: Sequence[str] = ()) -> Node:
    """The tree of ``text``; :class:`FormulaError` (Chinese, with the position) if it cannot be read.

    ``names`` are the data item names the formula may use (see :func:`tokenize`)."""
    return _Parser(text, names).parse()


def item_names(node: Node) -> list[str]:
    """The data items the formula uses, in order of first appearance."""
    found: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Item):
            if n.name not in found:
                found.append(n.name)
        elif isinstance(n, Negate):
            walk(n.operand)
        elif isinstance(n, Binary):
            walk(n.left)
            walk(n.right)

    walk(node)
    return found


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_SHOWN = {"+": "+", "-": "−", "*": "×", "/": "÷"}


def readable(node: Node, label: Callable[[str], str] | None = None) -> str:
    """The formula as shown to people: × and ÷, item names through ``label``, minimal brackets."""
    name_of = label or (lambda name: name)

    def show(n: Node, parent: int = 0, right_side: bool = False) -> str:
        if isinstance(n, Number):
            text = format(n.value.normalize(), "f") if n.value == n.value.to_integral() else format(n.value, "f")
            return text
        if isinstance(n, Item):
            return name_of(n.name)
        if isinstance(n, Negate):
            return "−" + show(n.operand, 3)
        if isinstance(n, Binary):
            mine = _PRECEDENCE[n.op]
            text = f"{show(n.left, mine)} {_SHOWN[n.op]} {show(n.right, mine, True)}"
            if mine < parent or (mine == parent and right_side):
                return f"({text})"
            return text
        raise TypeError(n)

    return show(node)


def evaluate(node: Node, values: Mapping[str, Decimal | None], *, missing_as_zero: bool = False) -> Decimal | None:
    """The value of the formula, or None when an item is missing or a divisor is zero.

    ``missing_as_zero`` treats a missing item (absent or None) as 0 instead of "no value".
    """

    def value(n: Node) -> Decimal | None:
        if isinstance(n, Number):
            return n.value
        if isinstance(n, Item):
            found = values.get(n.name)
            if found is None:
                return Decimal(0) if missing_as_zero else None
            return Decimal(found)
        if isinstance(n, Negate):
            inner = value(n.operand)
            return None if inner is None else -inner
        if isinstance(n, Binary):
            left, right = value(n.left), value(n.right)
            if left is None or right is None:
                return None
            if n.op == "+":
                return left + right
            if n.op == "-":
                return left - right
            if n.op == "*":
                return left * right
            if right == 0:
                return None
            return left / right
        raise TypeError(n)

    return value(node)
