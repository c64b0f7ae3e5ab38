"""The exchange with crsup --serve, without a container: request layout and reply framing."""

from __future__ import annotations

import json

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, Step, StepLimits
from coderunner.sandbox.hardening import SandboxPolicy, SandboxUsers
from coderunner.sandbox.seccomp import SESSION_UNSHARE, default_profile, namespaces_profile
from coderunner.sandbox.session_protocol import ReplyDecoder, render_request, serve_argv, session_outcomes

LIMITS = StepLimits(wall_s=2, memory_mb=64, cpus=1.0, output_limit_bytes=100)
JOB = SandboxJob(
    image="img",
    files={"src/a.txt": b"hi", "run.sh": b"#!/bin/sh\n"},
    compile=(Step("c", ("true",)),),
    compile_limits=StepLimits(wall_s=5, memory_mb=256, cpus=1.0, output_limit_bytes=100),
    run=(Step("t1", ("./run.sh",)), Step("t2", ("./run.sh",))),
    run_limits=LIMITS,
    executable=frozenset({"run.sh"}),
)


def _record(name: str, exit_code: int = 0, out: bytes = b"") -> bytes:
    header = (
        f"S {name} exit={exit_code} signal=0 wall_ms=1 cpu_ms=1 peak_kb=1 timed_out=0 capped=0 oom=0 "
        f"out={len(out)}:0 err=0:0 rep=0:0\n"
    )
    return header.encode() + out


def _chunked(data: bytes, size: int) -> bytes:
    return b"".join(b"P %d\n" % len(data[i : i + size]) + data[i : i + size] for i in range(0, len(data), size))


def test_a_request_carries_the_users_the_files_with_their_modes_and_both_batches() -> None:
    request = render_request(JOB, SandboxUsers(builder=10, runner=11), SandboxPolicy(), container_mb=256)

    header, _, body = request.partition(b"\n")
    _, builder, runner, files_len, compile_len, run_len = header.split()
    assert (b"10", b"11") == (builder, runner)
    files = body[: int(files_len)]
    assert b"F 755 10 run.sh\n#!/bin/sh\nF 644 2 src/a.txt\nhi" == files
    batches = body[int(files_len) :]
    assert int(compile_len) + int(run_len) == len(batches)
    assert b"memory_kb\t65536\n" in batches[int(compile_len) :]
    assert b"memory_kb\t262144\n" in batches[: int(compile_len)]


def test_the_serving_supervisor_gets_the_policy_sizes() -> None:
    assert ["crsup", "--serve", "128", "4096", "32", "1024", "4", "128"] == serve_argv(SandboxPolicy())


def test_a_reply_fed_in_any_pieces_gives_back_the_session_and_its_status() -> None:
    session = _record("c") + b"E\n" + _record("t1", out=b"P 3\nZ 0\n") + _record("t2", 1) + b"E\n"
    reply = b"A\n" + _chunked(session, 7) + b"Z 0\n"
    decoder = ReplyDecoder()

    for i in range(0, len(reply), 5):
        decoder.feed(reply[i : i + 5])

    assert (True, session, 0, False) == (decoder.accepted, decoder.session(), decoder.status, decoder.malformed)
    outcomes = session_outcomes(decoder.session(), JOB)
    assert outcomes.complete
    assert [ProcessStatus.SUCCESS] == [o.status for o in outcomes.compile]
    assert [ProcessStatus.SUCCESS, ProcessStatus.RUNTIME_ERROR] == [o.status for o in outcomes.run]
    assert b"P 3\nZ 0\n" == outcomes.run[0].stdout


def test_a_stream_that_is_not_a_reply_is_malformed() -> None:
    decoder = ReplyDecoder()
    decoder.feed(b"crsup: something went wrong and this is not a frame\n")
    assert decoder.malformed
    assert decoder.done


def test_a_reply_must_begin_with_the_acknowledgement() -> None:
    unacknowledged, acknowledged = ReplyDecoder(), ReplyDecoder()

    unacknowledged.feed(b"P 2\nE\nZ 0\n")
    acknowledged.feed(b"A")

    assert (False, True, None) == (unacknowledged.accepted, unacknowledged.malformed, unacknowledged.status)
    assert (False, False, False) == (acknowledged.accepted, acknowledged.malformed, acknowledged.done)
    acknowledged.feed(b"\nA\n")
    assert (True, True) == (acknowledged.accepted, acknowledged.malformed)  # a second A is not a reply


def test_a_failed_compile_leaves_the_tests_not_run_and_a_cut_report_is_incomplete() -> None:
    failed = session_outcomes(_record("c", 1) + b"E\n", JOB)
    cut = session_outcomes(_record("c") + b"E\n" + _record("t1"), JOB)

    assert (True, [ProcessStatus.NOT_RUN] * 2) == (failed.complete, [o.status for o in failed.run])
    assert (False, [ProcessStatus.SUCCESS, ProcessStatus.NOT_RUN]) == (cut.complete, [o.status for o in cut.run])


def test_the_namespaces_profile_adds_only_the_sessions_unshare_and_mounts() -> None:
    base, extended = json.loads(default_profile()), json.loads(namespaces_profile(default_profile()))

    added = extended["syscalls"][len(base["syscalls"]) :]
    assert base["syscalls"] == extended["syscalls"][: len(base["syscalls"])]
    assert {"unshare", "mount"} == {name for rule in added for name in rule["names"]}
    assert all(rule["args"] and rule["args"][0]["op"] == "SCMP_CMP_EQ" for rule in added)
    assert [SESSION_UNSHARE] == [rule["args"][0]["value"] for rule in added if rule["names"] == ["unshare"]]
