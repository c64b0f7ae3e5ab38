"""The crsup protocol: what the batch file says, and how a report becomes statuses."""

from __future__ import annotations

import signal

import pytest

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, Step, StepLimits
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.exec_stream import ExecResult
from coderunner.sandbox.supervisor import InvalidJob, check_job, cpu_seconds, read_outcomes, render_batch

LIMITS = StepLimits(wall_s=2.5, memory_mb=64, cpus=0.5, output_limit_bytes=100)
STEPS = (Step("t1", ("./program",)), Step("t2", ("./program", "x"), stdin_path="in/2.txt", report=True))


def _record(
    name: str = "t1",
    *,
    exit: int = 0,
    sig: int = 0,
    cpu_ms: int = 10,
    timed_out: int = 0,
    capped: int = 0,
    oom: int = 0,
    out: bytes = b"",
    err: bytes = b"",
    rep: bytes = b"",
    truncated: tuple[int, int, int] = (0, 0, 0),
) -> bytes:
    header = (
        f"S {name} exit={exit} signal={sig} wall_ms=12 cpu_ms={cpu_ms} peak_kb=3000 timed_out={timed_out} "
        f"capped={capped} oom={oom} out={len(out)}:{truncated[0]} err={len(err)}:{truncated[1]} "
        f"rep={len(rep)}:{truncated[2]}\n"
    )
    return header.encode() + out + err + rep


def _status(record: bytes) -> ProcessStatus:
    (outcome, _), complete = read_outcomes(record + b"E\n", STEPS, LIMITS)
    assert complete
    return outcome.status


class TestRenderBatch:
    def test_it_carries_the_budget_cpu_limit_cap_file_size_and_every_step(self) -> None:
        batch = render_batch(STEPS, LIMITS, stop_on_failure=True, file_size_bytes=1 << 20).decode()

        assert (
            "budget_ms\t2500\ncpu_s\t3\noutput_cap\t100\nfile_size\t1048576\nstop_on_failure\t1\n"
            "step\tt1\t-\t0\t./program\n"
            "step\tt2\tin/2.txt\t1\t./program\tx\n"
        ) == batch

    def test_the_cpu_limit_is_the_wall_budget_times_at_least_one_cpu(self) -> None:
        assert 3 == cpu_seconds(StepLimits(wall_s=2.5, memory_mb=64, cpus=0.5, output_limit_bytes=1))
        assert 5 == cpu_seconds(StepLimits(wall_s=2.5, memory_mb=64, cpus=2.0, output_limit_bytes=1))
        assert 1 == cpu_seconds(StepLimits(wall_s=0.1, memory_mb=64, cpus=1.0, output_limit_bytes=1))

    @pytest.mark.parametrize(
        ("step", "field"),
        [
            (Step("t", ()), "run[0].argv"),
            (Step("t", ("a\tb",)), "run[0].argv[0]"),
            (Step("t", ("echo", "")), "run[0].argv[1]"),
            (Step("t", ("echo", "a\nb")), "run[0].argv[1]"),
            (Step("t", ("echo", "a\x00b")), "run[0].argv[1]"),
            (Step("t", ("echo",) * 65), "run[0].argv"),
            (Step("", ("echo",)), "run[0].name"),
            (Step("a b", ("echo",)), "run[0].name"),
            (Step("t", ("echo",), stdin_path="../x"), "run[0].stdin_path"),
            (Step("t", ("echo",), stdin_path="/etc/passwd"), "run[0].stdin_path"),
            (Step("t", ("echo",), stdin_path="a\tb"), "run[0].stdin_path"),
            (Step("t", ("echo",), stdin_path="-"), "run[0].stdin_path"),
        ],
    )
    def test_a_field_crsup_cannot_carry_is_refused_by_name(self, step: Step, field: str) -> None:
        with pytest.raises(InvalidJob) as raised:
            render_batch([step], LIMITS, stop_on_failure=False, file_size_bytes=1, phase="run")

        assert field == raised.value.field
        assert str(raised.value).startswith(f"invalid sandbox job: {field}: ")

    def test_two_steps_of_one_name_are_refused(self) -> None:
        with pytest.raises(InvalidJob, match=r"compile\[1\]\.name"):
            render_batch(
                [Step("a", ("x",)), Step("a", ("y",))], LIMITS, stop_on_failure=True, file_size_bytes=1, phase="compile"
            )


class TestCheckJob:
    def _job(self, **changes: object) -> SandboxJob:
        fields: dict[str, object] = {
            "image": "coderunner-cpp",
            "files": {"solution.cpp": b""},
            "compile": (Step("compile", ("g++", "solution.cpp")),),
            "compile_limits": LIMITS,
            "run": (Step("run", ("./a.out",)),),
            "run_limits": LIMITS,
        }
        fields.update(changes)
        return SandboxJob(**fields)  # type: ignore[arg-type]

    def test_a_valid_job_passes(self) -> None:
        check_job(self._job())

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"files": {"../x": b""}}, "files['../x']"),
            ({"executable": frozenset({"missing"})}, "executable['missing']"),
            ({"run_limits": StepLimits(0, 64, 1, 1)}, "run_limits.wall_s"),
            ({"compile_limits": StepLimits(1, 5, 1, 1)}, "compile_limits.memory_mb"),
            ({"run_limits": StepLimits(1, 64, 0, 1)}, "run_limits.cpus"),
            ({"run_limits": StepLimits(1, 64, 1, 0)}, "run_limits.output_limit_bytes"),
            ({"compile": (Step("c", ()),)}, "compile[0].argv"),
        ],
    )
    def test_each_invalid_part_is_named(self, changes: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidJob) as raised:
            check_job(self._job(**changes))

        assert field == raised.value.field


class TestReadOutcomes:
    def test_a_clean_exit_is_a_success_with_its_three_streams(self) -> None:
        stream = _record("t1", out=b"hi\n", err=b"warn", rep=b"<xml/>") + _record("t2") + b"E\n"

        (first, second), complete = read_outcomes(stream, STEPS, LIMITS)

        assert complete
        assert (ProcessStatus.SUCCESS, b"hi\n", b"warn", b"<xml/>") == (
            first.status,
            first.stdout,
            first.stderr,
            first.report,
        )
        assert (0, None, 12, 10, 3000) == (
            first.exit_code,
            first.signal,
            first.wall_ms,
            first.cpu_ms,
            first.peak_memory_kb,
        )
        assert ProcessStatus.SUCCESS == second.status

    @pytest.mark.parametrize(
        ("record", "status"),
        [
            (_record(timed_out=1, exit=-1, sig=signal.SIGKILL), ProcessStatus.TIMEOUT),
            (_record(exit=-1, sig=signal.SIGXCPU), ProcessStatus.TIMEOUT),
            (_record(exit=-1, sig=signal.SIGKILL, cpu_ms=3000), ProcessStatus.TIMEOUT),  # hard RLIMIT_CPU
            (_record(exit=-1, sig=signal.SIGKILL, oom=1), ProcessStatus.MEMORY_LIMIT),
            (_record(exit=1, oom=1), ProcessStatus.MEMORY_LIMIT),  # g++ reporting its killed cc1plus
            (_record(exit=0, oom=1), ProcessStatus.SUCCESS),  # a child was OOM-killed, the step coped
            (_record(exit=-1, sig=signal.SIGKILL, capped=1), ProcessStatus.OUTPUT_LIMIT),
            (_record(exit=-1, sig=signal.SIGXFSZ), ProcessStatus.OUTPUT_LIMIT),
            (_record(exit=-1, sig=signal.SIGSEGV), ProcessStatus.RUNTIME_ERROR),
            (_record(exit=-1, sig=signal.SIGKILL), ProcessStatus.RUNTIME_ERROR),
            (_record(exit=3), ProcessStatus.RUNTIME_ERROR),
        ],
    )
    def test_the_status_is_decided_from_the_measured_facts(self, record: bytes, status: ProcessStatus) -> None:
        assert status == _status(record)

    def test_a_signal_is_named_and_exit_code_absent(self) -> None:
        (outcome, _), _ = read_outcomes(_record(exit=-1, sig=signal.SIGSEGV) + b"E\n", STEPS, LIMITS)

        assert ("SIGSEGV", None) == (outcome.signal, outcome.exit_code)

    def test_truncation_flags_are_carried(self) -> None:
        (outcome, _), _ = read_outcomes(_record(out=b"x" * 100, capped=1, truncated=(1, 0, 1)) + b"E\n", STEPS, LIMITS)

        assert (True, False, True) == (outcome.stdout_truncated, outcome.stderr_truncated, outcome.report_truncated)

    def test_steps_without_a_record_were_not_run(self) -> None:
        outcomes, complete = read_outcomes(_record("t1", exit=1) + b"E\n", STEPS, LIMITS)

        assert complete
        assert (ProcessStatus.RUNTIME_ERROR, ProcessStatus.NOT_RUN) == tuple(o.status for o in outcomes)

    @pytest.mark.parametrize(
        "stream",
        [
            b"",
            _record("t1"),  # no end marker: crsup was killed after the first step
            _record("t1")[:-1] + _record("t2"),
            _record("t1", out=b"hello")[:-2],  # cut inside a blob
            b"S t1 exit=0 signal=0 garbage\n",
        ],
    )
    def test_an_incomplete_stream_is_flagged_and_its_missing_steps_not_run(self, stream: bytes) -> None:
        outcomes, complete = read_outcomes(stream, STEPS, LIMITS)

        assert not complete
        assert ProcessStatus.NOT_RUN == outcomes[1].status


class TestLostSupervisor:
    """When crsup's report ends early, the step it was running gets what can be known."""

    STEPS = (Step("t1", ("./p",)), Step("t2", ("./p",)), Step("t3", ("./p",)))

    def _statuses(self, *, deadline_hit: bool) -> list[ProcessStatus]:
        report = _record("t1")  # t1 reported; crsup lost during t2
        result = ExecResult(report, b"", None if deadline_hit else 137, deadline_hit, overflow=False)
        return [o.status for o in DockerSandbox._outcomes(result, self.STEPS, LIMITS)]

    def test_still_running_at_the_outside_deadline_is_a_timeout(self) -> None:
        expected = [ProcessStatus.SUCCESS, ProcessStatus.TIMEOUT, ProcessStatus.NOT_RUN]
        assert expected == self._statuses(deadline_hit=True)

    def test_lost_with_the_supervisor_is_an_internal_error_never_a_runtime_error(self) -> None:
        """The steps cannot signal crsup, so its loss is not the program's doing to report."""
        expected = [ProcessStatus.SUCCESS, ProcessStatus.INTERNAL_ERROR, ProcessStatus.NOT_RUN]
        assert expected == self._statuses(deadline_hit=False)
