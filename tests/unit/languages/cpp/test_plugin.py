"""The C++ plug-in turns a Submission into a sandbox job and the job's outcomes into a Grade."""

from __future__ import annotations

from coderunner.domain.outcome import ProcessOutcome, ProcessStatus, TestStatus, Verdict
from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL, SandboxRun, StepLimits
from coderunner.domain.submission import Limits, Submission, TestCase
from coderunner.languages.cpp import CPP
from coderunner.languages.cpp.toolchain import CXXFLAGS, DOCTEST_MAIN_OBJECT, INCLUDE_DIR

NONCE = "0123456789abcdef"
TWICE = "int twice(int x) { return 2 * x; }"
HELLO = '#include <iostream>\nint main() { std::string s; std::cin >> s; std::cout << "Hello " << s; }'


def submission(code: str, *tests: TestCase, limits: Limits | None = None) -> Submission:
    return Submission.create(language="cpp", code=code, tests=tests, limits=limits)


def passed(index: int, value: str) -> ProcessOutcome:
    """Test ``index`` ran to the end and reported ``value`` as the function's result."""
    report = (
        f'<doctest binary="harness"><TestSuite><TestCase name="cr_{NONCE}_{index}">'
        f'<Message type="WARNING" filename="harness.cpp" line="7"><Text>{value}</Text></Message>'
        '<OverallResultsAsserts successes="0" failures="0" test_case_success="true"/></TestCase></TestSuite>'
        '<OverallResultsAsserts successes="0" failures="0"/><OverallResultsTestCases successes="1" failures="0"/>'
        "</doctest>"
    )
    return ProcessOutcome(
        ProcessStatus.SUCCESS, 0, wall_ms=5, cpu_ms=4, peak_memory_kb=100 * (index + 1), report=report.encode()
    )


def test_function_mode_compiles_the_harness_with_the_precompiled_flags() -> None:
    job = CPP.generate(submission(TWICE, TestCase("t1", "2", "4")), nonce=NONCE).job
    assert ("coderunner-cpp", ["harness.cpp"]) == (job.image, list(job.files))
    assert (*CXXFLAGS, f"-I{INCLUDE_DIR}", "-o", "harness", "harness.cpp", DOCTEST_MAIN_OBJECT) == job.compile[0].argv[
        1:
    ]


def test_function_mode_runs_each_test_alone_reporting_on_fd_3() -> None:
    job = CPP.generate(submission(TWICE, TestCase("a", "1", "2"), TestCase("b", "2", "4")), nonce=NONCE).job
    assert [f"--test-case=cr_{NONCE}_0", f"--test-case=cr_{NONCE}_1"] == [step.argv[1] for step in job.run]
    assert all(step.report and "--out=/dev/fd/3" in step.argv and "--reporters=xml" in step.argv for step in job.run)


def test_whole_programs_get_each_input_as_a_stdin_file() -> None:
    job = CPP.generate(submission(HELLO, TestCase("a", "you", "Hello you"), TestCase("b", "me\n", "Hello me"))).job
    assert {"solution.cpp": HELLO.encode(), "tests/0.in": b"you", "tests/1.in": b"me\n"} == dict(job.files)
    assert [("./program",), ("./program",)] == [step.argv for step in job.run]
    assert ["tests/0.in", "tests/1.in"] == [step.stdin_path for step in job.run]
    assert "solution.cpp" == job.compile[0].argv[-1]


def test_limits_come_from_the_submission() -> None:
    limits = Limits(timeout_s=3, memory_mb=64, cpus=1, compile_timeout_s=20, compile_memory_mb=512, compile_cpus=2)
    job = CPP.generate(submission(TWICE, TestCase("t1", "2", "4"), limits=limits)).job
    assert StepLimits(20, 512, 2, limits.output_limit_bytes) == job.compile_limits
    assert StepLimits(3, 64, 1, limits.output_limit_bytes) == job.run_limits


def test_the_generated_program_is_described_for_storage() -> None:
    program = CPP.generate(
        submission(TWICE, TestCase("a", "2", "4"), TestCase("b", custom_validation_code="CHECK(twice(1) == 2);"))
    )
    assert (2, True, "coderunner-cpp-doctest/1") == (
        program.test_count,
        program.custom_validation_used,
        program.generator,
    )
    assert program.source == program.job.files["harness.cpp"].decode()


def test_every_test_passing_is_accepted_with_summed_metrics() -> None:
    sub = submission(TWICE, TestCase("a", "1", "2"), TestCase("b", "2", "4"))
    run = SandboxRun(
        compile=(ProcessOutcome(ProcessStatus.SUCCESS, 0),),
        run=(passed(0, "2"), passed(1, "4")),
        image_id="sha256:1",
        image_labels={RUNTIME_VERSION_LABEL: "g++ 14.2"},
    )
    grade = CPP.grade(sub, CPP.generate(sub, nonce=NONCE), run)
    assert (Verdict.ACCEPTED, ["a", "b"], 10, 8, 200) == (
        grade.verdict,
        grade.approved_test_ids,
        grade.run_wall_ms,
        grade.run_cpu_ms,
        grade.peak_memory_kb,
    )
    assert ("sha256:1", "g++ 14.2", "function") == (grade.image_id, grade.compiler_version, grade.details["mode"])


def test_a_report_for_another_test_does_not_pass_this_one() -> None:
    sub = submission(TWICE, TestCase("a", "1", "2"), TestCase("b", "2", "4"))
    run = SandboxRun(compile=(ProcessOutcome(ProcessStatus.SUCCESS, 0),), run=(passed(0, "2"), passed(0, "2")))
    grade = CPP.grade(sub, CPP.generate(sub, nonce=NONCE), run)
    assert (Verdict.WRONG_ANSWER, ["b"]) == (grade.verdict, grade.failed_test_ids)


def test_a_compile_error_fails_every_test_and_keeps_the_compiler_output() -> None:
    sub = submission(TWICE, TestCase("a", "1", "2"))
    error = b"solution.cpp:1:5: error: expected ';'\n"
    run = SandboxRun(
        compile=(ProcessOutcome(ProcessStatus.RUNTIME_ERROR, 1, stderr=error),),
        run=(ProcessOutcome(ProcessStatus.NOT_RUN),),
    )
    grade = CPP.grade(sub, CPP.generate(sub), run)
    assert (Verdict.COMPILATION_ERROR, error.decode(), [TestStatus.NOT_RUN]) == (
        grade.verdict,
        grade.compile_output,
        [t.status for t in grade.tests],
    )


def test_whole_program_outputs_are_compared_with_the_expected_output() -> None:
    sub = submission(HELLO, TestCase("a", "you", "Hello you"), TestCase("b", "me", "Hello me"))
    run = SandboxRun(
        compile=(ProcessOutcome(ProcessStatus.SUCCESS, 0),),
        run=(
            ProcessOutcome(ProcessStatus.SUCCESS, 0, stdout=b"Hello you\n"),
            ProcessOutcome(ProcessStatus.SUCCESS, 0, stdout=b"Hi"),
        ),
    )
    grade = CPP.grade(sub, CPP.generate(sub), run)
    assert (Verdict.WRONG_ANSWER, ["a"], "Hi") == (grade.verdict, grade.approved_test_ids, grade.stdout)
