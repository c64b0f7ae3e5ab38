"""What the service and ``crsup --serve`` say to each other about one submission (pure).

The format is documented at the top of docker/supervisor/serve.h: a request carries the
job's files and both phases' batches at once; the reply is ``A`` (the whole request was
read, nothing of it ran yet), the session's report in ``P`` chunks, then ``Z`` with how
the session ended. One round trip per submission.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coderunner.domain.outcome import ProcessOutcome, ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob
from coderunner.sandbox.archive import safe_relative
from coderunner.sandbox.hardening import MIB, SandboxPolicy, SandboxUsers, compile_file_size, run_file_size
from coderunner.sandbox.supervisor import read_outcomes, render_batch, report_end

_CHUNK = re.compile(rb"P (\d{1,9})\n")
_END = re.compile(rb"Z (\d{1,3})\n")
_ACK = b"A\n"
_NOT_RUN = ProcessOutcome(ProcessStatus.NOT_RUN)


def serve_argv(policy: SandboxPolicy) -> list[str]:
    """The command line of a container's long-lived supervisor."""
    sizes = (policy.workspace_mb, policy.workspace_inodes, policy.tmp_mb, policy.tmp_inodes, policy.shm_mb)
    return ["crsup", "--serve", *map(str, sizes), str(policy.pids_limit)]


def render_request(job: SandboxJob, users: SandboxUsers, policy: SandboxPolicy, *, container_mb: int) -> bytes:
    """One submission for a serving supervisor: files, compile batch, run batch.

    Each phase carries its memory limit for crsup to enforce: the container is sized for
    the larger phase (``container_mb``). A test's file-size limit is that size, not its own
    memory limit, so a growing memory file meets crsup's memory limit first, as in a
    single-use container it meets the cgroup's.
    """
    files = bytearray()
    for name in sorted(job.files):
        data = job.files[name]
        mode = 0o755 if name in job.executable else 0o644
        files += f"F {mode:o} {len(data)} {safe_relative(name)}\n".encode() + data
    compile_batch = render_batch(
        job.compile,
        job.compile_limits,
        stop_on_failure=True,
        file_size_bytes=compile_file_size(policy),
        memory_kb=job.compile_limits.memory_mb * 1024,
    )
    run_batch = (
        render_batch(
            job.run,
            job.run_limits,
            stop_on_failure=False,
            file_size_bytes=max(run_file_size(job.run_limits), container_mb * MIB),
            memory_kb=job.run_limits.memory_mb * 1024,
        )
        if job.run
        else b""
    )
    header = f"R {users.builder} {users.runner} {len(files)} {len(compile_batch)} {len(run_batch)}\n".encode()
    return header + bytes(files) + compile_batch + run_batch


class ReplyDecoder:
    """Reassembles a reply fed in pieces: ``accepted`` (the ``A`` line came), ``session()``
    (the report bytes) and ``status`` (None until the ``Z`` line came). ``malformed`` is set
    when the stream is not a reply (anything before ``A`` included)."""

    def __init__(self) -> None:
        # Pieces, joined once at the end: a growing buffer would be copied as it grows,
        # and a report can be several output caps large.
        self._parts: list[bytes] = []
        self.accepted = False
        self.status: int | None = None
        self.malformed = False
        self._pending = bytearray()
        self._chunk_left = 0

    def feed(self, data: bytes) -> None:
        if self._chunk_left and not self._pending:
            # The common case, without a copy through _pending: the report can be large.
            take = data[: self._chunk_left]
            self._parts.append(take)
            self._chunk_left -= len(take)
            data = data[len(take) :]
        self._pending += data
        while self._pending and self.status is None and not self.malformed:
            if self._chunk_left:
                taken = min(self._chunk_left, len(self._pending))
                self._parts.append(bytes(self._pending[:taken]))
                self._chunk_left -= taken
                del self._pending[:taken]
                continue
            line_end = self._pending.find(b"\n")
            if line_end < 0:
                self.malformed = len(self._pending) > 16
                return
            line = bytes(self._pending[: line_end + 1])
            del self._pending[: line_end + 1]
            if not self.accepted:
                self.accepted = line == _ACK
                self.malformed = not self.accepted
            elif chunk := _CHUNK.fullmatch(line):
                self._chunk_left = int(chunk[1])
            elif end := _END.fullmatch(line):
                self.status = int(end[1])
            else:
                self.malformed = True

    def session(self) -> bytes:
        """The report as far as it came (the pieces are let go)."""
        joined = b"".join(self._parts)
        self._parts = [joined]
        return joined

    @property
    def done(self) -> bool:
        return self.status is not None or self.malformed


@dataclass(frozen=True)
class SessionOutcomes:
    compile: tuple[ProcessOutcome, ...]
    run: tuple[ProcessOutcome, ...]
    complete: bool  # every report the session owed came whole


def session_outcomes(session: bytes, job: SandboxJob) -> SessionOutcomes:
    """The outcomes of both phases from a session's report; a phase that never came is NOT_RUN."""
    compile_outcomes, compile_complete = read_outcomes(session, job.compile, job.compile_limits)
    not_run = tuple(_NOT_RUN for _ in job.run)
    compiled = compile_complete and all(o.status is ProcessStatus.SUCCESS for o in compile_outcomes)
    if not (compiled and job.run):
        return SessionOutcomes(compile_outcomes, not_run, compile_complete)
    run_start = report_end(session) or len(session)
    run_outcomes, run_complete = read_outcomes(session, job.run, job.run_limits, start=run_start)
    return SessionOutcomes(compile_outcomes, run_outcomes, run_complete)
