"""Test literals as Python values, converted by the function's type hints.

An argument becomes Python literal text that the harness reads with
``ast.literal_eval`` inside the sandbox: ``[1, 2]`` is a list, or a tuple or a set when
the parameter's hint says so; an integer is a float for a ``float`` parameter; chars and
strings are both ``str``. Expected values stay literals: the comparison happens outside
the sandbox (``comparison.same_value``); a ``set`` return hint makes the order of the
expected items irrelevant, as it is for the returned set (see docker/python/crpy/plain.py).

>>> from coderunner.languages.literals import parse_arguments
>>> python_arguments(parse_arguments("[1, 2], 3"), (Hint("tuple"), Hint("float")))
'((1, 2), 3.0)'
"""

from __future__ import annotations

from collections.abc import Sequence

from coderunner.languages.literals import Array, Bool, Char, Float, Int, Literal, Null, Str, render
from coderunner.languages.python.source import ANY, Hint


def python_arguments(arguments: Sequence[Literal], hints: Sequence[Hint]) -> str:
    """A Python tuple literal of the arguments (missing hints are ANY)."""
    items = [python_value(a, hints[i] if i < len(hints) else ANY) for i, a in enumerate(arguments)]
    return _tuple(items)


def python_value(literal: Literal, hint: Hint) -> str:
    match literal:
        case Bool(value):
            return "True" if value else "False"
        case Null():
            return "None"
        case Int(value):
            return repr(float(value)) if hint.kind == "float" else str(value)
        case Float(value):
            return repr(value)
        case Str(value) | Char(value):
            return repr(value)
        case Array(items):
            inner = hint.items[0] if hint.items and hint.kind in ("list", "set") else ANY
            if hint.kind == "tuple" and len(hint.items) == len(items):
                values = [python_value(item, h) for item, h in zip(items, hint.items, strict=True)]
            else:
                per_item = hint.items[0] if hint.kind == "tuple" and len(hint.items) == 1 else inner
                values = [python_value(item, per_item) for item in items]
            if hint.kind == "tuple":
                return _tuple(values)
            if hint.kind == "set":
                return "{" + ", ".join(values) + "}" if values else "set()"
            return "[" + ", ".join(values) + "]"
    raise AssertionError(f"unhandled literal {literal!r}")  # pragma: no cover - Literal is closed


def expected_value(literal: Literal, returns: Hint) -> Literal:
    """The expected literal as the returned value will be rendered: a string for a char
    (Python has none), items in rendered order for a set."""
    match literal:
        case Char(value):
            return Str(value)
        case Array(items):
            inner = returns.items[0] if returns.items and returns.kind in ("list", "set") else ANY
            converted = [expected_value(item, inner) for item in items]
            if returns.kind == "set":
                converted.sort(key=render)
            return Array(tuple(converted))
    return literal


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"
