"""Which mode a Python submission is graded in, which function the tests call, and its hints."""

from __future__ import annotations

import ast

import pytest

from coderunner.errors import TemplateError
from coderunner.languages.python.source import ANY, ELLIPSIS, Hint, choose, hint, read_source


@pytest.mark.parametrize(
    "code",
    [
        "def add(a, b):\n    return a + b\n",
        "import sys\nsys.setrecursionlimit(10 ** 6)\nMOD = 7\n\nclass Solution:\n    def f(self, x): return x\n",
        "def f(x):\n    print(x)\n    return input()\n",  # I/O inside a function is the function's business
        "class MinStack:\n    def push(self, x): pass\n",
        "memo = dict()\n\ndef f(n: int) -> int:\n    return memo.get(n, n)\n",
    ],
    ids=["def", "solution_with_setup", "io_inside_a_function", "a_class", "module_state"],
)
def test_code_that_only_defines_is_graded_by_function(code: str) -> None:
    assert read_source(code).program is False


@pytest.mark.parametrize(
    "code",
    [
        "n = int(input())\nprint(n * 2)\n",
        "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n",
        "def main():\n    print(1)\n\nmain()\n",
        "def solve(x):\n    return x\n\nif __name__ == '__main__':\n    print(solve(3))\n",
        "for line in open(0):\n    pass\n",
        "x = 3\n",
    ],
    ids=["input_print", "sys_stdin", "calls_its_main", "main_guard", "open_0", "no_definitions"],
)
def test_code_that_runs_at_the_top_level_is_a_whole_program(code: str) -> None:
    assert read_source(code).program is True


def test_code_the_parser_refuses_is_left_to_the_sandbox() -> None:
    assert read_source("def f(:\n").parsed is False


def test_functions_are_top_level_defs_and_public_solution_methods() -> None:
    code = (
        "def helper(x): return x\n"
        "def _private(): pass\n"
        "class Other:\n    def g(self): pass\n"
        "class Solution:\n"
        "    def __init__(self): pass\n"
        "    def _hidden(self): pass\n"
        "    @staticmethod\n    def util(x): return x\n"
        "    def solve(self, a, b=2): return helper(a)\n"
    )

    functions = read_source(code).functions

    assert ["helper", "Solution.solve"] == [f.display for f in functions]
    assert (("a", ANY), ("b", ANY)) == functions[1].parameters
    assert 1 == functions[1].required


@pytest.mark.parametrize(
    ("code", "function_name", "arities", "chosen"),
    [
        ("def f(a): pass\ndef g(a, b): pass\n", "g", [2], "g"),
        ("def f(a): pass\ndef g(a, b): pass\n", None, [2], "g"),
        ("def helper(a): pass\nclass Solution:\n    def f(self, a): return helper(a)\n", None, [1], "Solution.f"),
        ("def gcd(a, b): return b\ndef lcm(a, b): return a * b // gcd(a, b)\n", None, [2], "lcm"),
        ("def f(a, b=1): pass\n", None, [1, 2], "f"),
    ],
    ids=["by_name", "by_arity", "solution_over_helper", "caller_over_helper", "defaults"],
)
def test_choose_the_function_under_test(code: str, function_name: str | None, arities: list[int], chosen: str) -> None:
    assert chosen == choose(read_source(code), arities, function_name).display


@pytest.mark.parametrize(
    ("code", "function_name", "arities", "problem"),
    [
        ("def f(a): pass\n", "g", [1], "no function named 'g' (found: f)"),
        ("def f(a): pass\n", None, [2], "f takes 1 argument, the inputs have 2 arguments"),
        ("def f(a): pass\ndef g(a): pass\n", None, [1], "several functions could be the one under test (f, g)"),
    ],
)
def test_no_or_several_candidates_are_template_errors(
    code: str, function_name: str | None, arities: list[int], problem: str
) -> None:
    with pytest.raises(TemplateError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        choose(read_source(code), arities, function_name)


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        ("int", Hint("int")),
        ("float", Hint("float")),
        ("List[int]", Hint("list", (Hint("int"),))),
        ("list[str]", Hint("list", (Hint("str"),))),
        ("typing.Dict[str, int]", Hint("dict", (Hint("str"), Hint("int")))),
        ("tuple[int, ...]", Hint("tuple", (Hint("int"), ELLIPSIS))),
        ("Optional[float]", Hint("float")),
        ("float | None", Hint("float")),
        ("'list[float]'", Hint("list", (Hint("float"),))),
        ("set[int]", Hint("set", (Hint("int"),))),
        ("int | str", ANY),
        ("MyClass", ANY),
    ],
)
def test_type_hints(annotation: str, expected: Hint) -> None:
    assert expected == hint(ast.parse(annotation, mode="eval").body)
