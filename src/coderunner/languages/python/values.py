"""Test literals as Python values, converted by the function's type hints.

An argument becomes a Python value that the harness receives ``marshal``led (builtins
only, read inside the sandbox without importing anything): ``[1, 2]`` is a list, or a
tuple or a set when the parameter's hint says so; an integer is a float for a ``float``
parameter; chars and strings are both ``str``. Expected values stay literals: the
comparison happens outside the sandbox (``comparison.same_value``); a ``set`` return hint
makes the order of the expected items irrelevant, as it is for the returned set (see
docker/python/crpy/plain.py).

>>> from coderunner.languages.literals import parse_arguments
>>> python_arguments(parse_arguments("[1, 2], 3"), (Hint("tuple"), Hint("float")))
((1, 2), 3.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from coderunner.errors import TemplateError
from coderunner.languages.literals import Array, Bool, Char, Float, Int, Literal, Map, Null, Set, Str, render
from coderunner.languages.python.source import ANY, ELLIPSIS, Hint

PythonValue = (
    int
    | float
    | bool
    | str
    | list["PythonValue"]
    | tuple["PythonValue", ...]
    | set["PythonValue"]
    | dict["PythonValue", "PythonValue"]
    | None
)


def python_arguments(arguments: Sequence[Literal], hints: Sequence[Hint]) -> tuple[PythonValue, ...]:
    """The arguments as Python values (missing hints are ANY); ``TemplateError`` for a
    value Python cannot build (a set of lists)."""
    return tuple(python_value(a, hints[i] if i < len(hints) else ANY) for i, a in enumerate(arguments))


def python_value(literal: Literal, hint: Hint) -> PythonValue:
    match literal:
        case Bool(value):
            return value
        case Null():
            return None
        case Int(value):
            return float(value) if hint.kind == "float" else value
        case Float(value):
            return value
        case Str(value) | Char(value):
            return value
        case Array(items):
            if hint.kind == "tuple" and len(hint.items) == len(items) and not _is_variadic(hint):
                return tuple(python_value(item, h) for item, h in zip(items, hint.items, strict=True))
            inner = hint.items[0] if hint.items and hint.kind in ("list", "set", "tuple") else ANY
            values = [python_value(item, inner) for item in items]
            if hint.kind == "tuple":
                return tuple(values)
            if hint.kind == "set":
                try:
                    return set(values)
                except TypeError:
                    raise TemplateError("a set cannot hold lists or sets (use tuples)") from None
            return values
        case Set(items):
            inner = hint.items[0] if hint.items and hint.kind == "set" else ANY
            return _hashable(lambda: {python_value(item, inner) for item in items})
        case Map(pairs):
            typed = hint.kind == "dict" and len(hint.items) == 2
            key_hint, value_hint = (hint.items[0], hint.items[1]) if typed else (ANY, ANY)
            return _hashable(lambda: {python_value(k, key_hint): python_value(v, value_hint) for k, v in pairs})
    raise AssertionError(f"unhandled literal {literal!r}")  # pragma: no cover - Literal is closed


def _hashable(build: Callable[[], PythonValue]) -> PythonValue:
    """``build()``, or a TemplateError when a set element or dict key is a list, set or dict."""
    try:
        return build()
    except TypeError:
        raise TemplateError("a set element or dict key cannot be a list, set or dict (use a tuple)") from None


def _is_variadic(hint: Hint) -> bool:
    """``tuple[int, ...]``: any number of ints."""
    return len(hint.items) == 2 and hint.items[1] == ELLIPSIS


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
