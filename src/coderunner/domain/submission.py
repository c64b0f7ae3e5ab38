"""What a client asks us to grade: a Submission, its TestCases, its Limits and Tolerances.

Every invariant is checked when the object is built, and a violation raises
``InvalidSubmission`` naming the field, so nothing downstream ever sees a bad request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from enum import StrEnum

from coderunner.domain.callback import parse_callback_url
from coderunner.domain.sandbox_job import StepLimits
from coderunner.errors import InvalidSubmission


class Mode(StrEnum):
    """What a submission is: a function the tests call, or a whole program fed each test's stdin.

    A submission that names no mode leaves the choice to its language plug-in, which infers
    it from the code (and documents its rule).
    """

    FUNCTION = "function"
    PROGRAM = "program"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission.

    Run-step defaults are the seed's (256 MB, 0.5 CPU, 30 s). ``timeout_s`` is the wall
    budget of the whole run step (all test processes together, as in the seed); a test
    still running when it is spent is a timeout and the tests after it never run. The
    compile step has its own, larger limits so that a compiler bomb is a distinct verdict.
    """

    timeout_s: float = 30.0
    memory_mb: int = 256
    cpus: float = 0.5
    compile_timeout_s: float = 30.0
    compile_memory_mb: int = 1024
    compile_cpus: float = 1.0
    output_limit_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        _check_range("limits.timeout_s", self.timeout_s, 0.1, 300.0)
        _check_range("limits.memory_mb", self.memory_mb, 16, 8192)
        _check_range("limits.cpus", self.cpus, 0.05, 16.0)
        _check_range("limits.compile_timeout_s", self.compile_timeout_s, 1.0, 300.0)
        _check_range("limits.compile_memory_mb", self.compile_memory_mb, 64, 8192)
        _check_range("limits.compile_cpus", self.compile_cpus, 0.05, 16.0)
        _check_range("limits.output_limit_bytes", self.output_limit_bytes, 1024, 64 * 1024 * 1024)

    @property
    def max_duration_s(self) -> float:
        """The longest both steps may take together: an evaluation running longer than this
        (plus the engine's own overhead) has lost whoever ran it."""
        return self.compile_timeout_s + self.timeout_s

    @property
    def compile_step(self) -> StepLimits:
        return StepLimits(self.compile_timeout_s, self.compile_memory_mb, self.compile_cpus, self.output_limit_bytes)

    @property
    def run_step(self) -> StepLimits:
        return StepLimits(self.timeout_s, self.memory_mb, self.cpus, self.output_limit_bytes)


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidSubmission(name, f"must be a number, got {value!r}")
    if not low <= value <= high:
        raise InvalidSubmission(name, f"must be between {low:g} and {high:g}, got {value:g}")


@dataclass(frozen=True)
class Tolerance:
    """How far a returned floating-point number may be from the expected one and still pass.

    A number passes when ``|actual - expected| <= max(absolute, relative * max(|actual|, |expected|))``
    (``math.isclose``). A field left ``None`` is inherited: a test's from the request's, the
    request's from ``DEFAULT_TOLERANCE``; so ``Tolerance(absolute=0.01)`` on a test keeps the
    request's relative tolerance, and ``relative=0`` turns that part off. Integers returned
    for integers are always compared exactly.
    """

    absolute: float | None = None
    relative: float | None = None

    def over(self, fallback: Tolerance) -> Tolerance:
        """This tolerance, with ``fallback``'s value for each field left ``None``.

        >>> Tolerance(absolute=0.01).over(Tolerance(1e-6, 1e-6))
        Tolerance(absolute=0.01, relative=1e-06)
        """
        return Tolerance(
            self.absolute if self.absolute is not None else fallback.absolute,
            self.relative if self.relative is not None else fallback.relative,
        )


# Why these values: see the README's "Comparing returned values". In short: the "absolute or
# relative error at most 1e-6" of programming contests. It is ten orders of magnitude above
# double rounding (0.1 + 0.2 passes for 0.3) and eight times float's epsilon (a float result
# passes), yet it tells 0.500005 from 0.5 and 124.001 from 124; the absolute part decides
# near zero, where every relative error is 1 (1e-9 passes for 0).
DEFAULT_TOLERANCE = Tolerance(absolute=1e-6, relative=1e-6)


def _check_tolerance(name: str, tolerance: Tolerance | None) -> None:
    for part in ("absolute", "relative"):
        value = getattr(tolerance, part, None)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise InvalidSubmission(f"{name}.{part}", f"must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True)
class InputPolicy:
    """What a client may send and ask for; checked before anything is stored.

    ``max_limits`` holds the operator's ceiling for each limit (None: only Limits' own
    ranges apply); a submission asking for more is refused, naming the field and the ceiling.
    """

    max_code_bytes: int = 256 * 1024
    max_tests: int = 200
    max_field_bytes: int = 64 * 1024
    max_id_chars: int = 200
    max_limits: Limits | None = None

    def check_limits(self, limits: Limits) -> None:
        """Raises InvalidSubmission for the first limit above the operator's ceiling."""
        if self.max_limits is None:
            return
        for name in (f.name for f in fields(Limits)):
            value, ceiling = getattr(limits, name), getattr(self.max_limits, name)
            if value > ceiling:
                raise InvalidSubmission(f"limits.{name}", f"must be at most {ceiling:g} on this service, got {value:g}")


@dataclass(frozen=True)
class TestCase:
    """One test case as the proto defines it.

    ``input`` holds argument literals (function mode) or stdin (whole-program mode);
    ``expected_output`` the expected return value literal or stdout. A non-empty
    ``custom_validation_code`` is the test's whole body, written with doctest macros.
    """

    __test__ = False  # not a pytest class, despite the name

    id: str
    input: str = ""
    expected_output: str = ""
    custom_validation_code: str = ""
    tolerance: Tolerance | None = None  # for returned floating-point numbers; None: the request's

    @property
    def is_custom(self) -> bool:
        return bool(self.custom_validation_code.strip())


@dataclass(frozen=True)
class Submission:
    """A validated request to grade ``code`` against ``tests``. Build it with ``Submission.create``."""

    language: str
    code: str
    tests: tuple[TestCase, ...]
    limits: Limits = field(default_factory=Limits)
    function_name: str | None = None
    mode: Mode | None = None  # None: the plug-in infers it from the code
    challenge_id: str = ""
    code_version_id: str = ""
    student_id: str = ""
    tolerance: Tolerance = DEFAULT_TOLERANCE  # complete: the request's, over DEFAULT_TOLERANCE
    callback_url: str = ""  # POSTed the execution when it ends (a webhook); "" for none

    def tolerance_for(self, test: TestCase) -> Tolerance:
        """The tolerance that applies to ``test``: its own fields, then the request's."""
        return (test.tolerance or Tolerance()).over(self.tolerance).over(DEFAULT_TOLERANCE)

    @classmethod
    def create(
        cls,
        *,
        language: str,
        code: str,
        tests: Iterable[TestCase],
        limits: Limits | None = None,
        function_name: str | None = None,
        mode: str | None = None,
        challenge_id: str = "",
        code_version_id: str = "",
        student_id: str = "",
        policy: InputPolicy | None = None,
        tolerance: Tolerance | None = None,
        callback_url: str = "",
    ) -> Submission:
        """Validate and normalise a request.

        ``language`` is a plug-in's wire name (entry points resolve the wire's defaults
        before); ``mode`` is ``"function"``, ``"program"``, or empty/None to infer it.
        ``callback_url`` must be an absolute http(s) URL (whether the operator allows its
        host is the pipeline's check: ``domain.callback.check_callback``).

        >>> Submission.create(language="cpp", code="int f(){return 1;}",
        ...                   tests=[TestCase(id="", expected_output="1")]).tests[0].id
        'test-1'
        """
        policy = policy or InputPolicy()
        _check_text("language", language)
        language = language.strip().lower()
        if not language:
            raise InvalidSubmission("language", "is empty")
        _check_text("code", code)
        if not code.strip():
            raise InvalidSubmission("code", "is empty")
        if len(code.encode()) > policy.max_code_bytes:
            raise InvalidSubmission("code", f"is larger than {policy.max_code_bytes} bytes")
        for name, value in (
            ("challenge_id", challenge_id),
            ("code_version_id", code_version_id),
            ("student_id", student_id),
            ("function_name", function_name or ""),
        ):
            _check_text(name, value)
            if len(value) > policy.max_id_chars:
                raise InvalidSubmission(name, f"is longer than {policy.max_id_chars} characters")
        if function_name is not None and function_name.strip() == "":
            function_name = None
        _check_tolerance("tolerance", tolerance)
        cases = _normalise_tests(list(tests), policy)
        _check_text("callback_url", callback_url)
        callback_url = callback_url.strip()
        if callback_url:
            parse_callback_url(callback_url)
        limits = limits or Limits()
        policy.check_limits(limits)
        return cls(
            language=language,
            code=code,
            tests=cases,
            limits=limits,
            function_name=function_name,
            mode=_parse_mode(mode),
            challenge_id=challenge_id,
            code_version_id=code_version_id,
            student_id=student_id,
            tolerance=(tolerance or Tolerance()).over(DEFAULT_TOLERANCE),
            callback_url=callback_url,
        )


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can.

    Every field is stored as text (PostgreSQL's ``text`` refuses NUL) and sent to the
    sandbox as UTF-8, so two kinds of character are refused everywhere, on every database
    alike: NUL (also inside code and stdin: C++ sources and test inputs are text) and lone
    UTF-16 surrogates (JSON's ``"\\ud800"``), which no UTF-8 encoder accepts.

    >>> text_problem("a\\x00b")
    'contains a NUL character (U+0000) at index 1'
    """
    nul = value.find("\x00")
    if nul >= 0:
        return f"contains a NUL character (U+0000) at index {nul}"
    surrogate = _SURROGATE.search(value)
    if surrogate is not None:
        code_point = ord(surrogate.group())
        return (
            f"contains a lone surrogate (U+{code_point:04X}) at index {surrogate.start()}, which is not valid Unicode"
        )
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(field_name: str, value: str) -> None:
    problem = text_problem(value)
    if problem is not None:
        raise InvalidSubmission(field_name, problem)


def _parse_mode(mode: str | None) -> Mode | None:
    text = (mode or "").strip().lower()
    if not text:
        return None
    try:
        return Mode(text)
    except ValueError:
        known = ", ".join(m.value for m in Mode)
        raise InvalidSubmission("mode", f"unknown mode {mode!r}; one of {known}, or empty to infer it") from None


def _normalise_tests(tests: list[TestCase], policy: InputPolicy) -> tuple[TestCase, ...]:
    if not tests:
        raise InvalidSubmission("tests", "at least one test case is required")
    if len(tests) > policy.max_tests:
        raise InvalidSubmission("tests", f"more than {policy.max_tests} test cases")
    seen: set[str] = set()
    cases: list[TestCase] = []
    for index, case in enumerate(tests):
        where = f"tests[{index}]"
        for name in ("input", "expected_output", "custom_validation_code"):
            value: str = getattr(case, name)
            _check_text(f"{where}.{name}", value)
            if len(value.encode()) > policy.max_field_bytes:
                raise InvalidSubmission(f"{where}.{name}", f"is larger than {policy.max_field_bytes} bytes")
        _check_text(f"{where}.code_version_test_id", case.id)
        test_id = case.id.strip() or f"test-{index + 1}"
        if len(test_id) > policy.max_id_chars:
            raise InvalidSubmission(f"{where}.code_version_test_id", f"is longer than {policy.max_id_chars} characters")
        if test_id in seen:
            raise InvalidSubmission(f"{where}.code_version_test_id", f"duplicate test id {test_id!r}")
        seen.add(test_id)
        _check_tolerance(f"{where}.tolerance", case.tolerance)
        cases.append(TestCase(test_id, case.input, case.expected_output, case.custom_validation_code, case.tolerance))
    return tuple(cases)
