"""The C++ plug-in turns a Submission into a sandbox job and the job's outcomes into a Grade."""

from __future__ import annotations

from coderunner.domain.outcome import ProcessOutcome, ProcessStatus, TestStatus, Verdict
from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL, SandboxRun, StepLimits
from coderunner.domain.submission import Limits, Submission, TestCase
from coderunner.languages.cpp import CPP
from coderunner.languages.cpp.toolchain import CXXFLAGS, DOCTEST_MAIN_OBJECT, PCH_DIR

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
    assert (*CXXFLAGS, f"-I{PCH_DIR}", "-o", "harness", "harness.cpp", DOCTEST_MAIN_OBJECT) == job.compile[0].argv[1:]


def test_function_mode_runs_each_test_alone_reporting_on_fd_3() -> None:
    job = CPP.generate(submission(TWICE, TestCase("a", "1", "2"), TestCase("b", "2", "4")), nonce=NONCE).job
    assert [f"--test-case=cr_{NONCE}_0", f"--test-case=cr_{NONCE}_1"] == [step.argv[1] for step in job.run]
    assert all(step.report and "--out=/dev/fd/3" in step.argv and "--reporters=xml" in step.argv for step in job.run)


def test_whole_programs_get_each_input_as_a_stdin_file() -> None:
    job = CPP.generate(submission(HELLO, TestCase("a", "you", "Hello you"), TestCase("b", "me\n", "Hello me"))).job
    assert {"solution.cpp": HELLO.encode(), "tests/0.in": b"you", "tests/1.in": b"me\n"} == dict(job.files)
    assert [("./program",), ("./program",)] == [step.argv for step in job.run]
    assert ["tests/0.in", "tests/1.in"] == [step.stdin_path for step in job.run]
    assert (*CXXFLAGS, f"-I{PCH_DIR}", "-o", "program", "solution.cpp") == job.compile[0].argv[1:]


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


MACRO_LOOP = "#define rep(i, n) for (int i = 0; i < (n); ++i)\nint f(int n) { int s = 0; rep(i, n) s += i; return s; }"
UNREADABLE = "#include <typeinfo>\nint f(int x) <% return typeid(x) == typeid(int); %>\n"  # valid, beyond tree-sitter


def test_code_our_reader_cannot_follow_is_first_compiled_on_its_own() -> None:
    job = CPP.generate(submission(MACRO_LOOP, TestCase("t", "1", "1"))).job
    assert (["check", "compile"], ["harness.cpp", "solution.cpp"]) == ([s.name for s in job.compile], sorted(job.files))
    assert (*CXXFLAGS, f"-I{PCH_DIR}", "-fsyntax-only", "solution.cpp") == job.compile[0].argv[1:]


def test_code_without_a_testable_function_is_only_checked_by_the_compiler() -> None:
    job = CPP.generate(submission(UNREADABLE, TestCase("t", "1", "1"))).job
    assert (["check"], ["solution.cpp"], ()) == ([s.name for s in job.compile], list(job.files), job.run)


def test_valid_code_without_a_testable_function_is_a_template_error() -> None:
    sub = submission(UNREADABLE, TestCase("t", "1", "1"))
    grade = CPP.grade(sub, CPP.generate(sub), SandboxRun(compile=(ProcessOutcome(ProcessStatus.SUCCESS, 0),), run=()))
    assert (Verdict.TEMPLATE_ERROR, [TestStatus.NOT_RUN]) == (grade.verdict, [t.status for t in grade.tests])
    assert grade.error_message.startswith("the code compiles on its own, but coderunner's C++ reader could not")
    assert "defines no function to call" in grade.error_message


def test_invalid_code_without_a_testable_function_is_a_compilation_error() -> None:
    sub = submission(UNREADABLE, TestCase("t", "1", "1"))
    error = b"solution.cpp:2:1: error: expected ';'\n"
    run = SandboxRun(compile=(ProcessOutcome(ProcessStatus.RUNTIME_ERROR, 1, stderr=error),), run=())
    grade = CPP.grade(sub, CPP.generate(sub), run)
    assert (Verdict.COMPILATION_ERROR, error.decode()) == (grade.verdict, grade.compile_output)


def test_a_test_program_that_fails_where_the_code_alone_compiles_is_a_template_error() -> None:
    sub = submission(MACRO_LOOP, TestCase("t", "1", "1"))
    error = b"harness.cpp:30:5: error: no matching function\n"
    run = SandboxRun(
        compile=(
            ProcessOutcome(ProcessStatus.SUCCESS, 0),
            ProcessOutcome(ProcessStatus.RUNTIME_ERROR, 1, stderr=error),
        ),
        run=(ProcessOutcome(ProcessStatus.NOT_RUN),),
    )
    grade = CPP.grade(sub, CPP.generate(sub), run)
    assert (Verdict.TEMPLATE_ERROR, error.decode()) == (grade.verdict, grade.compile_output)
