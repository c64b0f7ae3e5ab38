"""The harness's assert rewriting (docker/python/crpy/asserts.py, run inside the sandbox):
failures explain themselves, and a value that lies about itself fails."""

from __future__ import annotations

from types import ModuleType

import pytest


class Liar:
    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __bool__(self) -> bool:
        return True

    __hash__ = object.__hash__


def run(asserts: ModuleType, code: str, **names: object) -> None:
    compiled, helpers = asserts.rewrite(code, "tests[0].custom_validation_code")
    exec(compiled, {**names, **helpers})


def test_passing_asserts_pass(asserts: ModuleType) -> None:
    run(
        asserts,
        "assert f(2) == 4\nassert f(1) in [2]\nassert f(0) is not None\nassert [f(x) for x in (1,)] == [2]",
        f=lambda x: 2 * x,
    )


def test_a_failed_comparison_reports_both_values_once_evaluated(asserts: ModuleType) -> None:
    calls: list[int] = []

    def f(x: int) -> int:
        calls.append(x)
        return x - 1

    with pytest.raises(asserts.CheckFailed) as caught:
        run(asserts, "assert f(3) == 5, 'off by one'", f=f)

    assert ("f(3) == 5", "2", "5") == (caught.value.expression, caught.value.actual, caught.value.expected)
    assert "off by one\nassert 2 == 5" == str(caught.value)
    assert [3] == calls


@pytest.mark.parametrize(
    "check",
    ["assert g() == 3", "assert not g() != 3", "assert g() in [3]", "assert g()", "assert g() == 3 or False"],
)
def test_a_lying_value_fails(asserts: ModuleType, check: str) -> None:
    with pytest.raises(asserts.CheckFailed, match="Liar"):
        run(asserts, check, g=Liar)


def test_the_users_own_objects_compare_among_themselves(asserts: ModuleType) -> None:
    class Point:
        def __init__(self, x: int) -> None:
            self.x = x

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Point) and other.x == self.x

        __hash__ = object.__hash__

    run(asserts, "assert Point(1) == Point(1)\nassert Point(1).x == 1", Point=Point)
