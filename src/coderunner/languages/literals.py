"""The literal language of test inputs and expected outputs.

A test's ``input`` is a comma-separated list of literals and its ``expected_output`` is
one literal::

    literal := number | true | false | null | "string" | 'c'
             | [literal, ...]                  an array (a sequence: order matters)
             | {literal: literal, ...}         a map (dict): order does not matter
             | {literal, ...}                  a set: order does not matter

``{}`` is the empty map, and also the empty set (``comparison`` treats it as both). A map
holds each key once and a set each element once; anything else is an error. A plug-in
that knows a parameter or return type is a set may also accept an array for it (C++
does: ``[1, 2, 3]`` for a ``std::set<int>``).

Numbers are decimal (``42``, ``-7``, ``3.5``, ``-1e-9``, ``.5``); strings and chars take
the escapes ``\\" \\' \\\\ \\/ \\? \\a \\b \\f \\n \\r \\t \\v \\0 \\xHH \\uXXXX``.
Parsing never fails with anything but ``TemplateError``:

>>> parse_arguments('[1, 2], "a\\\\n"')
(Array(items=(Int(value=1), Int(value=2))), Str(value='a\\n'))
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from coderunner.domain.submission import TestCase
from coderunner.errors import TemplateError

MAX_DEPTH = 100  # arrays nested deeper than any C++ type we convert to are a mistake
MAX_INT_DIGITS = 60  # far beyond 64 bits, far below Python's int-parsing limit
_SHOWN_CHARS = 60  # of a literal quoted in an error message


@dataclass(frozen=True)
class Int:
    value: int


@dataclass(frozen=True)
class Float:
    value: float


@dataclass(frozen=True)
class Bool:
    value: bool


@dataclass(frozen=True)
class Null:
    pass


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Char:
    value: str  # exactly one code point


@dataclass(frozen=True)
class Array:
    items: tuple[Literal, ...]


@dataclass(frozen=True)
class Map:
    """Key/value pairs in the order written; keys are distinct."""

    items: tuple[tuple[Literal, Literal], ...]


@dataclass(frozen=True)
class Set:
    """Distinct elements in the order written; never empty when parsed (``{}`` is a Map)."""

    items: tuple[Literal, ...]


Literal = Int | Float | Bool | Null | Str | Char | Array | Map | Set

_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_]\w*")
_SPACE = " \t\r\n"
_SIMPLE_ESCAPES = {
    '"': '"', "'": "'", "\\": "\\", "/": "/", "?": "?", "a": "\a", "b": "\b",
    "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0",
}  # fmt: skip
_KEYWORDS: dict[str, Literal] = {"true": Bool(True), "false": Bool(False), "null": Null(), "nullptr": Null()}


def parse_arguments(text: str) -> tuple[Literal, ...]:
    """Parse a comma-separated argument list; blank text is no arguments."""
    parser = _Parser(text)
    parser.skip_space()
    if parser.at_end():
        return ()
    items = [parser.literal(0)]
    parser.skip_space()
    while not parser.at_end():
        parser.expect(",", "',' between arguments")
        items.append(parser.literal(0))
        parser.skip_space()
    return tuple(items)


def parse_value(text: str) -> Literal:
    """Parse exactly one literal (an expected output)."""
    parser = _Parser(text)
    parser.skip_space()
    if parser.at_end():
        raise TemplateError('is empty; expected a literal such as 42, "text" or [1, 2]')
    value = parser.literal(0)
    parser.skip_space()
    if not parser.at_end():
        parser.fail("unexpected text after the value")
    return value


def parse_test(test: TestCase, spelling: Callable[[str], str] | None = None) -> tuple[tuple[Literal, ...], Literal]:
    """A generated test's arguments (its ``input``) and expected value (its
    ``expected_output``); the ``TemplateError`` names the field and the test.
    ``spelling`` first rewrites a language's own spellings into this grammar.

    >>> parse_test(TestCase("t1", "1, [2]", "3"))
    ((Int(value=1), Array(items=(Int(value=2),))), Int(value=3))
    """
    spelled = spelling or (lambda text: text)
    try:
        arguments = parse_arguments(spelled(test.input))
    except TemplateError as exc:
        raise TemplateError(f"input: {exc.problem}", test.id) from None
    try:
        expected = parse_value(spelled(test.expected_output))
    except TemplateError as exc:
        raise TemplateError(f"expected_output: {exc.problem}", test.id) from None
    return arguments, expected


def render(literal: Literal) -> str:
    """The canonical text of a literal; ``parse_value(render(x)) == x``."""
    match literal:
        case Bool(value):
            return "true" if value else "false"
        case Int(value):
            return str(value)
        case Float(value):
            return repr(value)
        case Null():
            return "null"
        case Str(value):
            return '"' + "".join(_render_char(c, '"') for c in value) + '"'
        case Char(value):
            return "'" + _render_char(value, "'") + "'"
        case Array(items):
            return "[" + ", ".join(render(item) for item in items) + "]"
        case Map(pairs):
            return "{" + ", ".join(f"{render(key)}: {render(value)}" for key, value in pairs) + "}"
        case Set(items):
            return "{" + ", ".join(render(item) for item in items) + "}"


def _render_char(char: str, quote: str) -> str:
    if char in (quote, "\\"):
        return "\\" + char
    if char in "\n\t\r":
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[char]
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04x}"
    return char


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_space(self) -> None:
        while not self.at_end() and self.text[self.pos] in _SPACE:
            self.pos += 1

    def fail(self, problem: str) -> NoReturn:
        shown = self.text[self.pos : self.pos + 20]
        where = f"at {shown!r}" if shown else "at the end"
        raise TemplateError(f"{problem} (column {self.pos + 1}, {where})")

    def expect(self, char: str, what: str) -> None:
        if self.text.startswith(char, self.pos):
            self.pos += 1
        else:
            self.fail(f"expected {what}")

    def literal(self, depth: int) -> Literal:
        self.skip_space()
        if self.at_end():
            self.fail("expected a literal")
        char = self.text[self.pos]
        if char == "[":
            return self.array(depth + 1)
        if char == "{":
            return self.braces(depth + 1)
        if char in "\"'":
            return self.quoted(char)
        if number := _NUMBER.match(self.text, self.pos):
            self.pos = number.end()
            return self.number(number.group())
        if (word := _WORD.match(self.text, self.pos)) and word.group() in _KEYWORDS:
            self.pos = word.end()
            return _KEYWORDS[word.group()]
        self.fail("expected a number, true, false, null, a \"string\", a 'c' char, an [array], a {map} or a {set}")

    def number(self, text: str) -> Literal:
        if _WORD.match(self.text, self.pos):
            self.fail("a number must not run into letters")
        if re.fullmatch(r"-?\d+", text):
            if len(text) > MAX_INT_DIGITS:
                self.fail(f"an integer of {len(text)} digits is too long")
            return Int(int(text))
        value = float(text)
        if math.isinf(value):
            self.fail(f"{text} is too large for a floating-point number")
        return Float(value)

    def array(self, depth: int) -> Array:
        self.check_depth(depth)
        self.pos += 1
        self.skip_space()
        items: list[Literal] = []
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return Array(())
        while True:
            items.append(self.literal(depth))
            self.skip_space()
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return Array(tuple(items))
            self.expect(",", "',' or ']' in the array")

    def check_depth(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.fail(f"arrays, maps and sets are nested more than {MAX_DEPTH} deep")

    def braces(self, depth: int) -> Map | Set:
        """``{}``, ``{k: v, ...}`` or ``{x, ...}``: the first item decides which."""
        self.check_depth(depth)
        self.pos += 1
        self.skip_space()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return Map(())
        first = self.literal(depth)
        self.skip_space()
        is_map = self.text.startswith(":", self.pos)
        kind = "map" if is_map else "set"
        pairs: list[tuple[Literal, Literal]] = []
        elements: list[Literal] = []
        seen: set[Literal] = set()
        key = first
        while True:
            if key in seen:
                self.fail(f"{render(key)[:_SHOWN_CHARS]} appears twice in the {kind}")
            seen.add(key)
            if is_map:
                self.expect(":", "':' after the map key")
                pairs.append((key, self.literal(depth)))
                self.skip_space()
            else:
                elements.append(key)
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return Map(tuple(pairs)) if is_map else Set(tuple(elements))
            self.expect(",", f"',' or '}}' in the {kind}")
            key = self.literal(depth)
            self.skip_space()

    def quoted(self, quote: str) -> Literal:
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while True:
            if self.at_end():
                self.pos = start
                self.fail("unterminated " + ("string" if quote == '"' else "char"))
            char = self.text[self.pos]
            self.pos += 1
            if char == quote:
                break
            chars.append(self.escape() if char == "\\" else char)
        value = "".join(chars)
        if quote == '"':
            return Str(value)
        if len(value) != 1:
            self.pos = start
            self.fail("a char literal holds exactly one character")
        return Char(value)

    def escape(self) -> str:
        if self.at_end():
            self.fail("unfinished escape")
        char = self.text[self.pos]
        self.pos += 1
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char in "xu":
            width = 2 if char == "x" else 4
            digits = self.text[self.pos : self.pos + width]
            if not re.fullmatch(rf"[0-9A-Fa-f]{{{width}}}", digits):
                self.fail(f"\\{char} takes exactly {width} hex digits")
            self.pos += width
            return self.surrogate_pair(int(digits, 16)) if char == "u" else chr(int(digits, 16))
        self.pos -= 2
        self.fail("unknown escape")

    def surrogate_pair(self, high: int) -> str:
        """Join ``\\uD83D\\uDE00`` into one code point, as JSON does."""
        low = re.match(r"\\u(d[c-f][0-9a-f]{2})", self.text[self.pos : self.pos + 6], re.IGNORECASE)
        if 0xD800 <= high <= 0xDBFF and low:
            self.pos += 6
            return chr(0x10000 + ((high - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00))
        if 0xD800 <= high <= 0xDFFF:
            self.fail("\\u escape is half of a surrogate pair")
        return chr(high)
