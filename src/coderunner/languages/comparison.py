"""Whether a returned value equals the expected literal: one rule for every language.

Each plug-in's harness reports the value the function returned as a literal (see
``literals.py``); the comparison happens here, outside the submission's process, so the
expected value never enters the sandbox.
"""

from __future__ import annotations

from coderunner.languages.literals import Array, Float, Int, Literal

# doctest::Approx's default tolerance, which function tests have always used for floating point.
APPROX_EPSILON = 1.1920929e-07 * 100


def same_value(actual: Literal, expected: Literal) -> bool:
    """Whether a returned value (as the harness printed it) equals the expected literal.

    Numbers compare like doctest::Approx when either side is floating point, exactly
    otherwise; strings, chars, booleans and null by value; arrays element by element.
    """
    match actual, expected:
        case ((Int() | Float()), (Int() | Float())) if isinstance(actual, Float) or isinstance(expected, Float):
            a, b = float(actual.value), float(expected.value)
            return a == b or abs(a - b) < APPROX_EPSILON * (1.0 + max(abs(a), abs(b)))
        case Array(left), Array(right):
            return len(left) == len(right) and all(same_value(x, y) for x, y in zip(left, right, strict=True))
    return actual == expected and type(actual) is type(expected)
