"""An explicit mode overrides what the code's ``main`` would tell."""

from __future__ import annotations

import pytest

from coderunner.domain.submission import Mode, Submission, TestCase
from coderunner.errors import TemplateError
from coderunner.languages.cpp.program import build

NONCE = "00112233aabbccdd"
ADD = "int add(int a, int b) { return a + b; }\n"
ADD_WITH_MAIN = ADD + "int main() { return add(1, 2) == 3 ? 0 : 1; }\n"


def built(code: str, mode: str | None):  # type: ignore[no-untyped-def]
    submission = Submission.create(language="cpp", code=code, tests=[TestCase("t1", "1, 2", "3")], mode=mode)
    return build(submission, NONCE)


@pytest.mark.parametrize(("code", "mode"), [(ADD, Mode.FUNCTION), (ADD_WITH_MAIN, Mode.PROGRAM)])
def test_without_a_mode_main_tells_it(code: str, mode: Mode) -> None:
    assert mode == built(code, None).plan.mode


def test_program_mode_without_main_is_a_template_error_about_the_code() -> None:
    with pytest.raises(TemplateError) as caught:
        built(ADD, "program")
    assert ("code", "program mode runs the code's main, but it defines none") == (
        caught.value.field,
        caught.value.problem,
    )


def test_function_mode_with_main_tests_the_function_and_renames_main_away() -> None:
    harness = built(ADD_WITH_MAIN, "function")
    assert (Mode.FUNCTION, "int add(int, int) at line 1") == (harness.plan.mode, harness.plan.target)
    lines = harness.source.splitlines()
    start, end = lines.index(f"#define main cr_{NONCE}_main"), lines.index("#undef main")
    # The user's code, unchanged, sits between the rename and its end.
    assert "int main() { return add(1, 2) == 3 ? 0 : 1; }" in lines[start:end]


def test_function_mode_without_main_adds_no_rename() -> None:
    assert "#undef main" not in built(ADD, "function").source.splitlines()
