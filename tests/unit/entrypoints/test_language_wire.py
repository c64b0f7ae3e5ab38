"""Languages and modes on the wire: both APIs resolve the language first, then its defaults."""

from __future__ import annotations

from coderunner.domain.submission import InputPolicy, Limits, Mode
from coderunner.entrypoints.grpc import convert
from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.languages import LanguageInfo
from coderunner.entrypoints.rest.schemas import ExecutionRequestIn
from coderunner.languages.plugin import Language

LIMITS = Limits(timeout_s=7.0, memory_mb=96, cpus=0.25, compile_timeout_s=9.0, compile_memory_mb=300)
TESTS = [{"code_version_test_id": "t1", "input": "1", "expected_output": "1"}]


def defaults_of(seen: list[str]):  # type: ignore[no-untyped-def]
    def defaults(language: Language) -> Limits:
        seen.append(language.name)
        return LIMITS

    return defaults


def test_rest_resolves_the_empty_language_and_takes_that_languages_defaults_and_the_mode() -> None:
    seen: list[str] = []
    body = ExecutionRequestIn.model_validate({"code": "int f(int x);", "tests": TESTS, "mode": "program"})
    submission = body.to_submission(InputPolicy(), defaults_of(seen))
    assert (["cpp"], "cpp", LIMITS, Mode.PROGRAM) == (seen, submission.language, submission.limits, submission.mode)


def test_grpc_mode_is_field_10_and_empty_means_infer() -> None:
    seen: list[str] = []
    tests = [pb.TestCase(code_version_test_id="t1", input="1", expected_output="1")]
    explicit = pb.ExecutionRequest(code="int f(int x);", tests=tests, mode="function")
    old_client = pb.ExecutionRequest(code="int f(int x);", tests=tests)
    assert 10 == pb.ExecutionRequest.DESCRIPTOR.fields_by_name["mode"].number
    made = [
        convert.to_submission(r, policy=InputPolicy(), default_limits=defaults_of(seen)) for r in (explicit, old_client)
    ]
    assert ([Mode.FUNCTION, None], ["cpp", "cpp"]) == ([s.mode for s in made], seen)


def test_a_language_is_listed_with_its_version_modes_extensions_and_default_limits() -> None:
    info = LanguageInfo("cpp", "C++", "coderunner-cpp", "g++ 14.2.0-19", ("function", "program"), (".cpp",), LIMITS)
    message = convert.to_language(info)
    assert ("cpp", "g++ 14.2.0-19", ["function", "program"], [".cpp"]) == (
        message.name,
        message.runtime_version,
        list(message.modes),
        list(message.file_extensions),
    )
    assert (7.0, 96, 0.25, 9.0, 300) == (
        message.default_limits.timeout_s,
        message.default_limits.memory_mb,
        message.default_limits.cpus,
        message.default_limits.compile_timeout_s,
        message.default_limits.compile_memory_mb,
    )
