"""Whether a returned value equals the expected literal: one rule for every language.

Each plug-in's harness reports the value the function returned as a literal (see
``literals.py``); the comparison happens here, outside the submission's process, so the
expected value never enters the sandbox.

>>> from coderunner.languages.literals import parse_value
>>> same_value(parse_value("0.30000000000000004"), parse_value("0.3"))
True
>>> same_value(parse_value("{3, 1, 2}"), parse_value("[1, 2, 3]"))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from coderunner.domain.grading import TEST_TEXT_LIMIT
from coderunner.domain.outcome import AssertionFailure, TestOutcome, TestStatus
from coderunner.domain.submission import DEFAULT_TOLERANCE, Tolerance
from coderunner.errors import TemplateError
from coderunner.languages.literals import Array, Bool, Char, Float, Int, Literal, Map, Null, Set, Str, parse_value


class ExpectedReturn(Protocol):
    """What a test that checks a returned value knows: the call (for messages), the
    expected literal as written and as read (None when it could not be read), and the
    tolerance for floating-point numbers."""

    @property
    def call(self) -> str: ...

    @property
    def expected(self) -> str: ...

    @property
    def expected_value(self) -> Literal | None: ...

    @property
    def tolerance(self) -> Tolerance: ...


def judge_returned(base: TestOutcome, test: ExpectedReturn, returned: str) -> TestOutcome:
    """``base`` passed when ``returned`` (the value as the harness rendered it) reads as
    a literal equal to the test's expected value; else failed, showing what came back
    (cut to ``TEST_TEXT_LIMIT``) and, where it explains the miss, the tolerance."""
    try:
        actual = parse_value(returned)
    except TemplateError:
        actual = None
    expected = test.expected_value
    if actual is not None and expected is not None and same_value(actual, expected, test.tolerance):
        return replace(base, status=TestStatus.PASSED)
    shown = returned[:TEST_TEXT_LIMIT]
    note = tolerance_note(actual, expected, test.tolerance) if expected is not None else ""
    failure = AssertionFailure(f"{test.call} == {test.expected}", test.expected, shown)
    return replace(base, failures=(failure,), message=f"returned {shown}, expected {test.expected}{note}")


def same_value(actual: Literal, expected: Literal, tolerance: Tolerance = DEFAULT_TOLERANCE) -> bool:
    """Whether a returned value (as the harness printed it) equals the expected literal.

    - Numbers: exactly when both are integers, else within ``tolerance`` (``math.isclose``
      with its absolute and relative parts; unset parts are ``DEFAULT_TOLERANCE``'s).
    - Strings, chars, booleans and null: by value; a char equals a one-character string
      (``"A"`` may be written for a returned ``'A'``, as inputs may write it for a char).
    - Arrays: element by element, in order.
    - Sets: the same elements in any order; an array compared with a set is read as one,
      so ``[1, 2, 3]`` written for a set matches a returned ``{3, 1, 2}``.
    - Maps: the same keys, each with the same value, in any order.
    - ``{}`` is the empty map and the empty set.

    Numbers inside arrays, sets and maps (keys too) get the same tolerance.
    """
    absolute, relative = _resolved(tolerance)
    return _same(actual, expected, absolute, relative)


def tolerance_note(actual: Literal | None, expected: Literal, tolerance: Tolerance) -> str:
    """For a failure message: the tolerance, when a floating-point number was compared with it.

    >>> tolerance_note(Float(0.500005), Float(0.5), Tolerance(0.01))
    ' (tolerance: absolute 0.01, relative 1e-06)'
    """
    if not (_has_float(expected) or (actual is not None and _has_float(actual))):
        return ""
    absolute, relative = _resolved(tolerance)
    return f" (tolerance: absolute {absolute:g}, relative {relative:g})"


def _has_float(literal: Literal) -> bool:
    match literal:
        case Float():
            return True
        case Array(items) | Set(items):
            return any(_has_float(item) for item in items)
        case Map(pairs):
            return any(_has_float(key) or _has_float(value) for key, value in pairs)
    return False


def _resolved(tolerance: Tolerance) -> tuple[float, float]:
    complete = tolerance.over(DEFAULT_TOLERANCE)
    return complete.absolute or 0.0, complete.relative or 0.0  # DEFAULT_TOLERANCE sets both


def _same(actual: Literal, expected: Literal, absolute: float, relative: float) -> bool:
    match actual, expected:
        case (Int(a), Int(b)):
            return a == b
        case ((Int() | Float()) as a, (Int() | Float()) as b):
            return math.isclose(float(a.value), float(b.value), rel_tol=relative, abs_tol=absolute)
        case (Char(a), Str(b)) | (Str(a), Char(b)):
            return a == b
        case Array(left), Array(right):
            return _same_sequence(left, right, absolute, relative)
        case Map(left), Map(right):
            return _same_map(left, right, absolute, relative)
        case (Set() | Array() | Map(()), Set() | Array() | Map(())) if _a_set(actual) or _a_set(expected):
            return _same_elements(_elements(actual), _elements(expected), absolute, relative)
    return actual == expected and type(actual) is type(expected)


def _same_sequence(left: Sequence[Literal], right: Sequence[Literal], absolute: float, relative: float) -> bool:
    return len(left) == len(right) and all(_same(x, y, absolute, relative) for x, y in zip(left, right, strict=True))


def _a_set(literal: Literal) -> bool:
    return isinstance(literal, Set) or literal == Map(())


def _elements(literal: Literal) -> tuple[Literal, ...]:
    return literal.items if isinstance(literal, Set | Array) else ()


def _same_elements(left: Sequence[Literal], right: Sequence[Literal], absolute: float, relative: float) -> bool:
    """Equal as multisets. Both sides are sorted by one total order and compared pairwise:
    numbers sort by value, so numbers within tolerance of each other line up."""
    if len(left) != len(right):
        return False
    return _same_sequence(sorted(left, key=_order), sorted(right, key=_order), absolute, relative)


def _same_map(
    left: Sequence[tuple[Literal, Literal]], right: Sequence[tuple[Literal, Literal]], absolute: float, relative: float
) -> bool:
    if len(left) != len(right):
        return False
    ordered_left = sorted(left, key=lambda pair: _order(pair[0]))
    ordered_right = sorted(right, key=lambda pair: _order(pair[0]))
    return all(
        _same(key, other_key, absolute, relative) and _same(value, other_value, absolute, relative)
        for (key, value), (other_key, other_value) in zip(ordered_left, ordered_right, strict=True)
    )


def _order(literal: Literal) -> tuple[Any, ...]:
    """A sort key for any literal: kinds apart, then by value (numbers by their value, with
    the exact one breaking ties between large integers that share a float)."""
    match literal:
        case Null():
            return (0,)
        case Bool(value):
            return (1, value)
        case Int(value) | Float(value):
            return (2, float(value), value)
        case Char(value) | Str(value):  # one rank: they compare equal
            return (3, value)
        case Array(items):
            return (4, tuple(_order(item) for item in items))
        case Set(items):
            return (5, tuple(sorted(_order(item) for item in items)))
        case Map(pairs):
            return (6, tuple(sorted((_order(key), _order(value)) for key, value in pairs)))
