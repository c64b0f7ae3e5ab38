"""A host toolchain that compiles and runs generated programs the way the sandbox does.

It stands in for the coderunner-cpp image where the host has g++ and doctest's header
(``apt-get install g++ doctest-dev``), so the generated C++ is checked by a real
compiler in the unit suite; without them those tests are skipped. Only what the
sandbox does is imitated: the image's doctest main becomes a temporary one, its
precompiled headers an empty directory (a precompiled header never changes what a
program means), ``-O2`` becomes ``-O0`` (faster, same meaning) and the report pipe a file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from coderunner.domain.outcome import Grade, ProcessOutcome, ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun, Step
from coderunner.domain.submission import Submission
from coderunner.languages.cpp import CPP, toolchain

DOCTEST_HEADER = Path("/usr/include/doctest/doctest.h")
STEP_TIMEOUT_S = 20


@dataclass(frozen=True)
class HostToolchain:
    compiler: str
    root: Path

    def argv(self, step: Step) -> list[str]:
        replacements = {
            toolchain.COMPILER: self.compiler,
            "-O2": "-O0",
            f"-I{toolchain.PCH_DIR}": f"-I{self.root / 'pch'}",
            toolchain.DOCTEST_MAIN_OBJECT: str(self.root / "doctest_main.o"),
            f"--out=/dev/fd/{toolchain.REPORT_FD}": "--out=report.xml",
        }
        return [replacements.get(arg, arg) for arg in step.argv]

    def run_job(self, job: SandboxJob, workdir: Path) -> SandboxRun:
        for name, content in job.files.items():
            (workdir / name).parent.mkdir(parents=True, exist_ok=True)
            (workdir / name).write_bytes(content)
        compiled = tuple(self.run_step(step, workdir) for step in job.compile)
        if any(o.status is not ProcessStatus.SUCCESS for o in compiled):
            return SandboxRun(compiled, tuple(ProcessOutcome(ProcessStatus.NOT_RUN) for _ in job.run))
        return SandboxRun(compiled, tuple(self.run_step(step, workdir) for step in job.run))

    def run_step(self, step: Step, workdir: Path) -> ProcessOutcome:
        report = workdir / "report.xml"
        report.unlink(missing_ok=True)
        stdin = (workdir / step.stdin_path).read_bytes() if step.stdin_path else b""
        try:
            done = subprocess.run(
                self.argv(step), cwd=workdir, input=stdin, capture_output=True, timeout=STEP_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            return ProcessOutcome(ProcessStatus.TIMEOUT)
        code = done.returncode
        return ProcessOutcome(
            ProcessStatus.SUCCESS if code == 0 else ProcessStatus.RUNTIME_ERROR,
            exit_code=code if code >= 0 else None,
            signal=signal.Signals(-code).name if code < 0 else None,
            stdout=done.stdout,
            stderr=done.stderr,
            report=report.read_bytes() if report.exists() else b"",
        )


@pytest.fixture(scope="session")
def host_compiler() -> str:
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("needs g++ on the host")
    return compiler


@pytest.fixture(scope="session")
def host_grader(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, host_compiler: str
) -> Callable[[Submission], Grade]:
    """Generate, compile, run and grade a submission on the host, in a directory of its own."""
    if not DOCTEST_HEADER.exists():
        pytest.skip("needs doctest's header on the host (apt-get install doctest-dev)")
    host = HostToolchain(host_compiler, _toolchain_root(request, tmp_path_factory, host_compiler))
    jobs = tmp_path_factory.mktemp("jobs")

    def grade(submission: Submission) -> Grade:
        program = CPP.generate(submission)
        run = host.run_job(program.job, Path(tempfile.mkdtemp(dir=jobs)))  # safe from several threads
        return CPP.grade(submission, program, run)

    return grade


def _toolchain_root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, compiler: str) -> Path:
    """The image's doctest main, built once per header and compiler, in pytest's cache
    when there is one: building it takes seconds."""
    flags = [arg if arg != "-O2" else "-O0" for arg in toolchain.CXXFLAGS]
    key = hashlib.sha256(DOCTEST_HEADER.read_bytes() + " ".join([compiler, *flags]).encode()).hexdigest()[:16]
    cache = getattr(request.config, "cache", None)
    root = cache.mkdir(f"cpp-toolchain-{key}") if cache else tmp_path_factory.mktemp("cpp-toolchain")
    (root / "pch").mkdir(exist_ok=True)
    main = root / "doctest_main.cpp"
    if not (root / "doctest_main.o").exists():
        main.write_text("#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n#include <doctest/doctest.h>\n")
        partial = root / f"doctest_main.o.{os.getpid()}.partial"
        subprocess.run([compiler, *flags, "-c", str(main), "-o", str(partial)], check=True)
        partial.replace(root / "doctest_main.o")  # its presence means the toolchain is complete
    return root
