"""The OData v2 query engine of the Exact Online sandbox: ``$filter``, ``$select``, ``$orderby``,
``$top``, ``$skip``, ``$inlinecount`` and keyset ``$skiptoken`` paging over in-memory rows.

It follows Exact's flavour of WCF Data Services (docs: exact-online-api.md, section 3):

- ``$filter`` compares a property (or ``trim``/``tolower``/... of one) with a constant only:
  no property-to-property comparisons, no navigation paths (``Lines/Amount``).
- Operators, functions and the literals ``true``/``false``/``null`` are lowercase only.
- Literals are typed and checked against the property: ``guid'…'``, ``datetime'…T…'`` (always
  with a time part), ``'text'`` (``''`` escapes a quote), ``387L``, ``1.5M``, ``1.5d``, ``true``;
  an Edm.Boolean property also takes ``1``/``0``; numbers promote between numeric types.
- ``null`` equals only ``null``; ``gt``/``ge``/``lt``/``le`` with a null side are false.
- Pages hold ``page_size`` rows; the ``$skiptoken`` is the position of the last row written
  like Exact's (``guid'…'``, ``387L``, ``'GMD'``, ``'10',6,2014``) and the next page holds
  the rows strictly after it in the same order (``$orderby``, then the key).

Rows are plain mappings of Exact field names to str, int, bool, Decimal, UUID, naive datetime
(Exact's local wall-clock time) or None. Errors are `ODataError` (HTTP 400).
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import operator
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final, NamedTuple
from urllib.parse import quote, urlencode

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]
Getter = Callable[[Row], Any]
SortKey = Callable[[Row], tuple[Any, ...]]


class Edm(enum.Enum):
    STRING = "Edm.String"
    INT16 = "Edm.Int16"
    INT32 = "Edm.Int32"
    INT64 = "Edm.Int64"
    DOUBLE = "Edm.Double"
    BOOLEAN = "Edm.Boolean"
    BYTE = "Edm.Byte"
    GUID = "Edm.Guid"
    DATETIME = "Edm.DateTime"


class ODataError(Exception):
    """A query Exact would refuse with 400; `message` is the text of ``error.message.value``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# Tokens

_TOKEN: Final = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<string>'(?:[^']|'')*')
    |(?P<typed>[A-Za-z]+'(?:[^']|'')*')
    |(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[LlMmDdFf]?)(?![A-Za-z0-9_.])
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<punct>[(),/])
    """,
    re.VERBOSE,
)
_EOF: Final = "eof"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # string, typed, number, ident, eof, or the punctuation itself: ( ) , /
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _bad_character(text, pos)
        kind = match.lastgroup or ""
        if kind != "ws":
            token_text = match.group()
            tokens.append(_Token(token_text if kind == "punct" else kind, token_text, pos))
        pos = match.end()
    tokens.append(_Token(_EOF, "", len(text)))
    return tokens


def _bad_character(text: str, pos: int) -> ODataError:
    if text[pos] == "'":
        return ODataError(f"There is an unterminated string literal at position {pos} in '{text}'.")
    return ODataError(
        f"Syntax error: character '{text[pos]}' is not valid at position {pos} in '{text}'."
    )


# ---------------------------------------------------------------------------------------------
# Literals

_NULL: Final = "null"
_INT32_RANGE: Final = range(-(2**31), 2**31)
_INTEGER_LITERALS: Final = frozenset({"Edm.Int32", "Edm.Int64"})
_NUMERIC_LITERALS: Final = _INTEGER_LITERALS | {"Edm.Decimal", "Edm.Double", "Edm.Single"}
_INTEGER_EDMS: Final = frozenset({Edm.INT16, Edm.INT32, Edm.INT64, Edm.BYTE})
_GUID: Final = re.compile(r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")
_DATETIME: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?"
)
_NUMBER_SUFFIXES: Final = {
    "L": "Edm.Int64",
    "M": "Edm.Decimal",
    "D": "Edm.Double",
    "F": "Edm.Single",
}
_INCOMPATIBLE: Final = object()


@dataclass(frozen=True, slots=True)
class _Literal:
    type_name: str  # "Edm.String", "Edm.Int64", "Edm.Decimal", ... or "null"
    value: Any
    raw: str
    pos: int


def _unrecognized(type_name: str, raw: str, pos: int) -> ODataError:
    return ODataError(f"Unrecognized '{type_name}' literal '{raw}' in '{pos}'.")


def _literal(token: _Token) -> _Literal | None:
    """The constant a token stands for, or None when the token is not a literal."""
    if token.kind == "string":
        return _Literal("Edm.String", _unquote(token.text), token.text, token.pos)
    if token.kind == "typed":
        return _typed_literal(token)
    if token.kind == "number":
        return _number_literal(token)
    if token.kind == "ident" and token.text in ("true", "false"):
        return _Literal("Edm.Boolean", token.text == "true", token.text, token.pos)
    if token.kind == "ident" and token.text == _NULL:
        return _Literal(_NULL, None, token.text, token.pos)
    return None


def _unquote(quoted: str) -> str:
    return quoted[1:-1].replace("''", "'")


def _typed_literal(token: _Token) -> _Literal:
    prefix, _, rest = token.text.partition("'")
    body = _unquote("'" + rest)
    if prefix == "guid":
        if _GUID.fullmatch(body) is None:
            raise _unrecognized("Edm.Guid", token.text, token.pos)
        return _Literal("Edm.Guid", uuid.UUID(body), token.text, token.pos)
    if prefix == "datetime":
        value = _parse_datetime(body)
        if value is None:
            raise _unrecognized("Edm.DateTime", token.text, token.pos)
        return _Literal("Edm.DateTime", value, token.text, token.pos)
    raise ODataError(f"Unrecognized literal '{token.text}' at position {token.pos}.")


def _parse_datetime(body: str) -> dt.datetime | None:
    match = _DATETIME.fullmatch(body)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    micros = int((fraction or "").ljust(7, "0")[:6])
    try:
        return dt.datetime(  # noqa: DTZ001 - Exact's times are naive local wall-clock times
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros
        )
    except ValueError:
        return None


def _number_literal(token: _Token) -> _Literal:
    raw = token.text
    suffix = raw[-1].upper() if raw[-1] in "LlMmDdFf" else ""
    body = raw[: len(raw) - len(suffix)]
    integral = body.lstrip("-").isdigit()
    if suffix == "L" and not integral:
        raise _unrecognized("Edm.Int64", raw, token.pos)
    if suffix == "L" or (not suffix and integral):
        value = int(body)
        type_name = "Edm.Int32" if not suffix and value in _INT32_RANGE else "Edm.Int64"
        return _Literal(type_name, value, raw, token.pos)
    type_name = _NUMBER_SUFFIXES[suffix] if suffix else "Edm.Double"
    try:
        return _Literal(type_name, Decimal(body), raw, token.pos)
    except InvalidOperation:
        raise _unrecognized(type_name, raw, token.pos) from None


def _coerce(edm: Edm, literal: _Literal) -> Any:
    """The literal as a value of the property's type, or `_INCOMPATIBLE`."""
    kind, value = literal.type_name, literal.value
    if kind == _NULL:
        return None
    if edm is Edm.BOOLEAN:
        if kind == "Edm.Boolean":
            return value
        if kind in _INTEGER_LITERALS and value in (0, 1):
            return bool(value)
    elif edm in _INTEGER_EDMS:
        if kind in _NUMERIC_LITERALS:
            return value
    elif edm is Edm.DOUBLE:
        if kind in _NUMERIC_LITERALS:
            return Decimal(value)
    elif kind == edm.value:
        return value
    return _INCOMPATIBLE


def format_literal(edm: Edm, value: Any) -> str:
    """A row value as an OData literal, the way Exact writes it in a ``$skiptoken``."""
    if value is None:
        return _NULL
    if edm is Edm.GUID:
        return f"guid'{value}'"
    if edm is Edm.STRING:
        return "'" + str(value).replace("'", "''") + "'"
    if edm is Edm.INT64:
        return f"{value}L"
    if edm is Edm.BOOLEAN:
        return "true" if value else "false"
    if edm is Edm.DATETIME:
        return f"datetime'{value.isoformat()}'"
    if edm is Edm.DOUBLE:
        return f"{Decimal(value):f}M"
    return str(int(value))


# ---------------------------------------------------------------------------------------------
# $filter: nodes


@dataclass(frozen=True, slots=True)
class _Operand:
    """A property, or a function of one: one side of a comparison."""

    edm: Edm
    get: Getter
    text: str
    pos: int


@dataclass(frozen=True, slots=True)
class _Condition:
    """A boolean expression: a comparison, a boolean function, and/or/not of those."""

    test: Predicate
    pos: int
    text: str


_Node = _Operand | _Condition | _Literal

_KEYWORDS: Final = frozenset({"and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le"})
_COMPARATORS: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_MIRRORED: Final = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}

# name: (argument type, result type, function)
_VALUE_FUNCTIONS: Final[Mapping[str, tuple[Edm, Edm, Callable[[Any], Any]]]] = {
    "trim": (Edm.STRING, Edm.STRING, str.strip),
    "tolower": (Edm.STRING, Edm.STRING, str.lower),
    "toupper": (Edm.STRING, Edm.STRING, str.upper),
    "length": (Edm.STRING, Edm.INT32, len),
    "year": (Edm.DATETIME, Edm.INT32, operator.attrgetter("year")),
    "month": (Edm.DATETIME, Edm.INT32, operator.attrgetter("month")),
    "day": (Edm.DATETIME, Edm.INT32, operator.attrgetter("day")),
    "hour": (Edm.DATETIME, Edm.INT32, operator.attrgetter("hour")),
    "minute": (Edm.DATETIME, Edm.INT32, operator.attrgetter("minute")),
    "second": (Edm.DATETIME, Edm.INT32, operator.attrgetter("second")),
}
_TEST_FUNCTIONS: Final[Mapping[str, Callable[[str, str], bool]]] = {
    "substringof": lambda needle, haystack: needle in haystack,
    "startswith": str.startswith,
    "endswith": str.endswith,
}


def _property_getter(name: str) -> Getter:
    def get(row: Row) -> Any:
        return row.get(name)

    return get


def _map_getter(get: Getter, function: Callable[[Any], Any]) -> Getter:
    def mapped(row: Row) -> Any:
        value = get(row)
        return None if value is None else function(value)

    return mapped


def _compare_test(get: Getter, comparator: str, constant: Any) -> Predicate:
    if constant is None:
        if comparator == "eq":
            return lambda row: get(row) is None
        if comparator == "ne":
            return lambda row: get(row) is not None
        return lambda row: False
    if comparator == "eq":
        return lambda row: get(row) == constant
    if comparator == "ne":
        return lambda row: get(row) != constant
    compare = _COMPARATORS[comparator]

    def test(row: Row) -> bool:
        value = get(row)
        return value is not None and compare(value, constant)

    return test


def _two_argument_test(
    function: Callable[[str, str], bool], first: Getter, second: Getter
) -> Predicate:
    def test(row: Row) -> bool:
        a, b = first(row), second(row)
        return a is not None and b is not None and function(a, b)

    return test


def _constant(value: Any) -> Getter:
    return lambda row: value


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda row: first(row) and second(row)


def _either(first: Predicate, second: Predicate) -> Predicate:
    return lambda row: first(row) or second(row)


def _negation(test: Predicate) -> Predicate:
    return lambda row: not test(row)


def _text_of(node: _Node) -> str:
    return node.raw if isinstance(node, _Literal) else node.text


# ---------------------------------------------------------------------------------------------
# $filter: parser


class _FilterParser:
    """Recursive descent over WCF's precedence: or < and < comparison < not < primary."""

    def __init__(self, text: str, fields: Mapping[str, Edm], entity_type: str) -> None:
        self.text = text
        self.fields = fields
        self.entity_type = entity_type
        self.tokens = _tokenize(text)
        self.index = 0

    def parse(self) -> Predicate:
        node = self._or()
        token = self._peek()
        if token.kind != _EOF:
            raise self._unexpected(token)
        return self._condition(node).test

    # -- token helpers

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != _EOF:
            self.index += 1
        return token

    def _at_keyword(self, word: str) -> bool:
        token = self._peek()
        return token.kind == "ident" and token.text == word

    def _expect(self, kind: str) -> _Token:
        token = self._advance()
        if token.kind != kind:
            raise self._unexpected(token)
        return token

    def _unexpected(self, token: _Token) -> ODataError:
        if token.kind == _EOF or token.text in _KEYWORDS:
            return ODataError(f"Expression expected at position {token.pos} in '{self.text}'.")
        if token.kind == "ident" and token.text.lower() in _KEYWORDS:
            return ODataError(
                f"Unknown operator '{token.text}' at position {token.pos} in '{self.text}': "
                "OData operators are lowercase."
            )
        return ODataError(f"Syntax error at position {token.pos} in '{self.text}'.")

    # -- grammar

    def _or(self) -> _Node:
        left = self._and()
        while self._at_keyword("or"):
            self._advance()
            right = self._and()
            test = _either(self._condition(left).test, self._condition(right).test)
            left = _Condition(test, left.pos, f"{_text_of(left)} or {_text_of(right)}")
        return left

    def _and(self) -> _Node:
        left = self._comparison()
        while self._at_keyword("and"):
            self._advance()
            right = self._comparison()
            test = _both(self._condition(left).test, self._condition(right).test)
            left = _Condition(test, left.pos, f"{_text_of(left)} and {_text_of(right)}")
        return left

    def _comparison(self) -> _Node:
        left = self._unary()
        while (token := self._peek()).kind == "ident" and token.text in _COMPARATORS:
            self._advance()
            left = self._compare(left, token, self._unary())
        return left

    def _unary(self) -> _Node:
        if not self._at_keyword("not"):
            return self._primary()
        token = self._advance()
        operand = self._condition(self._unary())
        return _Condition(_negation(operand.test), token.pos, f"not {operand.text}")

    def _primary(self) -> _Node:
        token = self._advance()
        if token.kind == "(":
            node = self._or()
            self._expect(")")
            return node
        literal = _literal(token)
        if literal is not None:
            return literal
        if token.kind != "ident" or token.text in _KEYWORDS:
            raise self._unexpected(token)
        if self._peek().kind == "(":
            return self._call(token)
        if self._peek().kind == "/":
            raise self._navigation(token)
        return self._property(token)

    def _property(self, token: _Token) -> _Operand:
        edm = self.fields.get(token.text)
        if edm is None:
            if token.text.lower() in _KEYWORDS:
                raise self._unexpected(token)
            raise _unknown_property(token.text, self.entity_type)
        return _Operand(edm, _property_getter(token.text), token.text, token.pos)

    def _navigation(self, token: _Token) -> ODataError:
        path = [token.text]
        while self._peek().kind == "/":
            self._advance()
            path.append(self._expect("ident").text)
        return _navigation_error("/".join(path), "$filter", token.pos)

    def _call(self, name: _Token) -> _Node:
        if name.text not in _VALUE_FUNCTIONS and name.text not in _TEST_FUNCTIONS:
            raise ODataError(f"Unknown function '{name.text}' at position {name.pos}.")
        self._expect("(")
        arguments: list[_Node] = []
        if self._peek().kind != ")":
            arguments.append(self._or())
            while self._peek().kind == ",":
                self._advance()
                arguments.append(self._or())
        self._expect(")")
        if name.text in _VALUE_FUNCTIONS:
            return self._value_call(name, arguments)
        return self._test_call(name, arguments)

    def _value_call(self, name: _Token, arguments: list[_Node]) -> _Operand | _Literal:
        argument_edm, result_edm, function = _VALUE_FUNCTIONS[name.text]
        if len(arguments) != 1 or not _is_of_type(arguments[0], argument_edm):
            raise _no_applicable_function(name)
        [argument] = arguments
        text = f"{name.text}({_text_of(argument)})"
        if isinstance(argument, _Literal):  # fold: tolower('ABC') is the constant 'abc'
            return _Literal(result_edm.value, function(argument.value), text, name.pos)
        assert isinstance(argument, _Operand)
        return _Operand(result_edm, _map_getter(argument.get, function), text, name.pos)

    def _test_call(self, name: _Token, arguments: list[_Node]) -> _Condition:
        if len(arguments) != 2 or not all(_is_of_type(a, Edm.STRING) for a in arguments):
            raise _no_applicable_function(name)
        first, second = arguments
        self._require_property_and_constant(first, second, name.pos)
        text = f"{name.text}({_text_of(first)},{_text_of(second)})"
        test = _two_argument_test(
            _TEST_FUNCTIONS[name.text], self._getter(first), self._getter(second)
        )
        return _Condition(test, name.pos, text)

    def _compare(self, left: _Node, comparator: _Token, right: _Node) -> _Condition:
        self._require_property_and_constant(left, right, comparator.pos)
        name = comparator.text
        if isinstance(left, _Literal):
            left, right, name = right, left, _MIRRORED[name]
        assert isinstance(right, _Literal)
        assert not isinstance(left, _Literal)
        edm = left.edm if isinstance(left, _Operand) else Edm.BOOLEAN
        constant = _coerce(edm, right)
        if constant is _INCOMPATIBLE:
            raise ODataError(
                f"Operator '{comparator.text}' incompatible with operand types "
                f"'{edm.value}' and '{right.type_name}' at position {comparator.pos}."
            )
        test = _compare_test(self._getter(left), name, constant)
        text = f"{_text_of(left)} {name} {right.raw}"
        return _Condition(test, left.pos, text)

    def _require_property_and_constant(self, first: _Node, second: _Node, pos: int) -> None:
        constants = isinstance(first, _Literal) + isinstance(second, _Literal)
        if constants == 1:
            return
        if constants == 2:
            raise ODataError(
                f"A $filter compares a property with a constant: '{_text_of(first)}' and "
                f"'{_text_of(second)}' at position {pos} are both constants."
            )
        raise ODataError(
            f"A $filter compares a property with a constant: comparing '{_text_of(first)}' "
            f"with '{_text_of(second)}' at position {pos} is not supported."
        )

    def _getter(self, node: _Node) -> Getter:
        if isinstance(node, _Literal):
            return _constant(node.value)
        if isinstance(node, _Operand):
            return node.get
        return node.test

    def _condition(self, node: _Node) -> _Condition:
        if isinstance(node, _Condition):
            return node
        if isinstance(node, _Operand) and node.edm is Edm.BOOLEAN:
            get = node.get
            return _Condition(lambda row: get(row) is True, node.pos, node.text)
        if isinstance(node, _Literal) and node.type_name == "Edm.Boolean":
            value = bool(node.value)
            return _Condition(lambda row: value, node.pos, node.raw)
        raise ODataError(f"Expression of type 'Edm.Boolean' expected at position {node.pos}.")


def _is_of_type(node: _Node, edm: Edm) -> bool:
    if isinstance(node, _Operand):
        return node.edm is edm
    if isinstance(node, _Literal):
        return node.type_name == edm.value
    return edm is Edm.BOOLEAN


def _no_applicable_function(name: _Token) -> ODataError:
    return ODataError(
        f"No applicable function found for '{name.text}' at position {name.pos} "
        "with the specified arguments."
    )


def _unknown_property(name: str, entity_type: str) -> ODataError:
    return ODataError(f"Could not find a property named '{name}' on type '{entity_type}'.")


def _navigation_error(path: str, option: str, pos: int | None = None) -> ODataError:
    where = "" if pos is None else f" at position {pos}"
    return ODataError(f"Navigation paths such as '{path}'{where} are not supported in {option}.")


def parse_filter(text: str, fields: Mapping[str, Edm], entity_type: str) -> Predicate:
    """Compile a ``$filter`` into a predicate over rows; raises `ODataError`."""
    return _FilterParser(text, fields, entity_type).parse()


# ---------------------------------------------------------------------------------------------
# $select, $orderby and sorting

_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_property(name: str, fields: Mapping[str, Edm], entity_type: str, option: str) -> None:
    if "/" in name:
        raise _navigation_error(name, option)
    if _IDENTIFIER.fullmatch(name) is None:
        raise ODataError(f"Syntax error in {option}: '{name}' is not a property name.")
    if name not in fields:
        raise _unknown_property(name, entity_type)


def parse_select(
    text: str,
    fields: Mapping[str, Edm],
    entity_type: str,
    *,
    navigation: Collection[str] = (),
) -> list[str] | None:
    """``"ID, Name"`` to ``["ID", "Name"]``; None (every property) for ``*`` or nothing.

    `navigation` names navigation properties (``SalesInvoiceLines``) that may be selected too;
    expanding them is the caller's business.
    """
    if not text.strip():
        return None
    names = [item.strip() for item in text.split(",")]
    if "*" in names:
        return None
    for name in names:
        if name not in navigation:
            _check_property(name, fields, entity_type, "$select")
    return list(dict.fromkeys(names))


def project(row: Row, select: Sequence[str] | None) -> dict[str, Any]:
    """The selected properties of a row, in `select` order (all of them when None)."""
    if select is None:
        return dict(row)
    return {name: row.get(name) for name in select}


def parse_orderby(text: str, fields: Mapping[str, Edm], entity_type: str) -> list[tuple[str, bool]]:
    """``"Date desc, Code"`` to ``[("Date", True), ("Code", False)]``: (property, descending)."""
    if not text.strip():
        return []
    order: list[tuple[str, bool]] = []
    for item in text.split(","):
        parts = item.split()
        if len(parts) not in (1, 2):
            raise ODataError(f"Syntax error in $orderby '{text}'.")
        _check_property(parts[0], fields, entity_type, "$orderby")
        direction = parts[1] if len(parts) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise ODataError(
                f"Syntax error in $orderby '{text}': '{direction}' is neither 'asc' nor 'desc'."
            )
        order.append((parts[0], direction == "desc"))
    return order


class _Descending:
    """Reverses the order of the value it wraps, so one tuple key serves mixed directions."""

    __slots__ = ("inner",)

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.inner == other.inner

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.inner < self.inner)

    __hash__ = None  # type: ignore[assignment]


def sort_key(order: Sequence[tuple[str, bool]]) -> SortKey:
    """A key for `sorted`: by each (property, descending) in turn; None first when ascending."""
    parts = tuple(order)

    def key(row: Row) -> tuple[Any, ...]:
        values = []
        for name, descending in parts:
            value = row.get(name)
            part = (value is not None, value)
            values.append(_Descending(part) if descending else part)
        return tuple(values)

    return key


def sort_rows(rows: Iterable[Row], order: Sequence[tuple[str, bool]]) -> list[Row]:
    return sorted(rows, key=sort_key(order))


# ---------------------------------------------------------------------------------------------
# The query

_SYSTEM_OPTIONS: Final = frozenset(
    {"$filter", "$select", "$orderby", "$top", "$skip", "$inlinecount", "$skiptoken", "$expand"}
)


def _non_negative(params: Mapping[str, str], name: str) -> int | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or not text.isascii():
        raise ODataError(
            f"Invalid value '{text}' for {name} query option found. "
            f"The {name} query option requires a non-negative integer value."
        )
    return int(text)


def _inline_count(params: Mapping[str, str]) -> bool:
    text = params.get("$inlinecount", "").strip()
    if text not in ("", "allpages", "none"):
        raise ODataError(
            f"Invalid value '{text}' for $inlinecount query option found. "
            "Valid values are 'allpages' and 'none'."
        )
    return text == "allpages"


def _check_options(params: Mapping[str, str]) -> None:
    for name in params:
        if name.startswith("$") and name not in _SYSTEM_OPTIONS:
            raise ODataError(
                f"The query parameter '{name}' begins with a system-reserved '$' character "
                "but is not recognized."
            )


def _parse_skiptoken(text: str, fields: Sequence[_SortField]) -> dict[str, Any]:
    """``'10',6,2014`` to the position it names: {property: value} over the sort fields."""
    invalid = ODataError(f"The $skiptoken '{text}' is not valid for this query.")
    try:
        tokens = _tokenize(text)[:-1]  # without the end token
        literals = [_literal(token) for token in tokens[0::2]]
    except ODataError:
        raise invalid from None
    separators = tokens[1::2]
    if len(tokens) != 2 * len(fields) - 1 or any(token.kind != "," for token in separators):
        raise invalid
    position: dict[str, Any] = {}
    for (name, _, edm), literal in zip(fields, literals, strict=True):
        value = _INCOMPATIBLE if literal is None else _coerce(edm, literal)
        if value is _INCOMPATIBLE:
            raise invalid
        position[name] = value
    return position


class _SortField(NamedTuple):
    name: str
    descending: bool
    edm: Edm


@dataclass(frozen=True)
class QueryResult:
    rows: list[dict[str, Any]]
    count: int | None  # rows matching $filter, when $inlinecount=allpages
    next_skiptoken: str | None  # set when more rows follow this page
    remaining_top: int | None  # what is left of $top after this page, when there is a next page

    def next_link(self, base_url: str, params: Mapping[str, str]) -> str | None:
        """The ``__next`` URL, or None on the last page."""
        if self.next_skiptoken is None:
            return None
        return next_link(base_url, params, self.next_skiptoken, self.remaining_top)


@dataclass(frozen=True)
class ODataQuery:
    """One request's query options, parsed once; `execute` runs them over rows."""

    key: str
    page_size: int
    predicate: Predicate | None
    select: list[str] | None
    orderby: list[tuple[str, bool]]
    top: int | None
    skip: int
    inline_count: bool
    sort_fields: tuple[_SortField, ...]  # $orderby, then the key unless $orderby has it
    sort_key: SortKey
    position: Mapping[str, Any] | None  # from $skiptoken: continue strictly after this

    @classmethod
    def parse(
        cls,
        params: Mapping[str, str],
        *,
        fields: Mapping[str, Edm],
        entity_type: str,
        key: str,
        page_size: int,
        navigation: Collection[str] = (),
    ) -> ODataQuery:
        if key not in fields:
            raise ValueError(f"the key {key!r} is not one of the fields")
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        _check_options(params)
        filter_text = params.get("$filter", "")
        orderby = parse_orderby(params.get("$orderby", ""), fields, entity_type)
        order = orderby if any(name == key for name, _ in orderby) else [*orderby, (key, False)]
        sort_fields = tuple(_SortField(name, desc, fields[name]) for name, desc in order)
        skiptoken = params.get("$skiptoken", "").strip()
        return cls(
            key=key,
            page_size=page_size,
            predicate=parse_filter(filter_text, fields, entity_type)
            if filter_text.strip()
            else None,
            select=parse_select(
                params.get("$select", ""), fields, entity_type, navigation=navigation
            ),
            orderby=orderby,
            top=_non_negative(params, "$top"),
            skip=_non_negative(params, "$skip") or 0,
            inline_count=_inline_count(params),
            sort_fields=sort_fields,
            sort_key=sort_key(order),
            position=_parse_skiptoken(skiptoken, sort_fields) if skiptoken else None,
        )

    def execute(self, rows: Iterable[Row]) -> QueryResult:
        """filter, count, order (then by key), $skip or $skiptoken, $top, one page."""
        predicate = self.predicate
        matching = list(rows) if predicate is None else [row for row in rows if predicate(row)]
        key = self.sort_key
        ordered = sorted(matching, key=key)
        if self.position is None:
            start = self.skip
        else:
            start = bisect.bisect_right(ordered, key(self.position), key=key)
        end = len(ordered) if self.top is None else min(len(ordered), start + self.top)
        stop = min(end, start + self.page_size)
        page = ordered[start:stop]
        more = stop < end
        return QueryResult(
            rows=[project(row, self.select) for row in page],
            count=len(matching) if self.inline_count else None,
            next_skiptoken=self.skiptoken_for(page[-1]) if more else None,
            remaining_top=self.top - len(page) if more and self.top is not None else None,
        )

    def skiptoken_for(self, row: Row) -> str:
        """The position of `row`: its ``$orderby`` values, then its key, as OData literals."""
        return ",".join(format_literal(edm, row.get(name)) for name, _, edm in self.sort_fields)


# Characters left readable in a __next URL: none of them splits or decodes differently.
_URL_SAFE: Final = "$',:()/"


def next_link(
    base_url: str, params: Mapping[str, str], skiptoken: str, remaining_top: int | None
) -> str:
    """The ``__next`` URL: `base_url` (no query) with the original query minus ``$skip`` and any
    old ``$skiptoken``, ``$top`` set to `remaining_top` (dropped when None), and the new
    ``$skiptoken`` last."""
    pairs: list[tuple[str, str]] = []
    top_written = False
    for name, value in params.items():
        if name in ("$skip", "$skiptoken"):
            continue
        if name == "$top":
            if remaining_top is not None:
                pairs.append(("$top", str(remaining_top)))
                top_written = True
            continue
        pairs.append((name, value))
    if remaining_top is not None and not top_written:
        pairs.append(("$top", str(remaining_top)))
    pairs.append(("$skiptoken", skiptoken))
    return f"{base_url}?{urlencode(pairs, quote_via=quote, safe=_URL_SAFE)}"
