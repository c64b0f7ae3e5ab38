"""``python -m bench.java_isolation``: one JVM per test against all tests in one JVM.

The Java plug-in runs each test in a JVM of its own (an ``exit``, a hang or corrupted
static state then decides only that test). This measures what that costs: the job the
plug-in generates for a 5-test function exercise is compiled once in a coderunner-java
container, then its tests run (a) the plug-in's way, five ``java`` processes, and (b) all
five in one JVM (a throwaway entry class calling the same generated ``call(i)``), each
with the plug-in's flags (CDS archive, C1 only, serial GC) and with variations of them.
Times are inside the container (no container start): wall-clock, and the CPU time of all
the JVMs' threads, which a busy machine disturbs less; medians of ``--rounds``.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.workload import load_workload
from coderunner.languages.java import JAVA, toolchain
from coderunner.languages.plugin import GeneratedProgram

ALL_IN_ONE = """
final class AllInOne {
    public static void main(String[] args) throws Exception {
        Class<?> tests = Class.forName(args[0]);
        java.lang.reflect.Method call = tests.getDeclaredMethod("call", int.class);
        call.setAccessible(true);
        java.lang.reflect.Field called = tests.getDeclaredField("called");  // call runs once unless reset
        called.setAccessible(true);
        for (int i = 0; i < Integer.parseInt(args[1]); i++) {
            called.setBoolean(null, false);
            Object value = call.invoke(null, i);
            System.out.println(value instanceof int[] ? java.util.Arrays.toString((int[]) value) : value);
        }
    }
}
"""
_CDS = f"-XX:SharedArchiveFile={toolchain.HARNESS_ARCHIVE}"
# name → (flags to drop from the plug-in's command line, flags to add)
VARIANTS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "chosen (CDS, C1, serial GC)": (frozenset(), ()),
    "no CDS (-Xshare:off)": (frozenset({_CDS, "-Xshare:auto"}), ("-Xshare:off",)),
    "C2 too (no TieredStopAtLevel=1)": (frozenset({"-XX:TieredStopAtLevel=1"}), ()),
    "G1 (no serial GC)": (frozenset({"-XX:+UseSerialGC"}), ()),
}


def _script(program: GeneratedProgram, rounds: int) -> str:
    """A bash script: compile, then ``rounds`` interleaved passes over every variant and
    mode, each printing ``variant|mode|wall s|CPU s`` (user + system, all threads)."""
    count = len(program.job.run)
    argv = program.job.run[0].argv
    main_at = argv.index(toolchain.HARNESS_MAIN)
    lines = [
        "set -e",
        "cd /tmp/w",
        *(shlex.join(step.argv) for step in program.job.compile),
        "javac -cp classes -d classes AllInOne.java",
        "TIMEFORMAT='%R|%U|%S'",
        f"for r in $(seq {rounds}); do",
    ]
    for name, (drop, add) in VARIANTS.items():
        jvm = [*(arg for arg in argv[:main_at] if arg not in drop), *add]
        per_test = " ; ".join(
            shlex.join([*jvm, *step.argv[main_at:]]) + " 3>/dev/null >/dev/null 2>&1" for step in program.job.run
        )
        together = shlex.join([*jvm, "AllInOne", argv[main_at + 1], str(count)]) + " >/dev/null 2>&1"
        for mode, command in (("one JVM per test", per_test), ("all tests in one JVM", together)):
            lines.append(f"  echo -n {shlex.quote(f'{name}|{mode}|')}; {{ time ( {command} ) ; }} 2>&1")
    lines.append("done")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.java_isolation", description=__doc__)
    parser.add_argument("--exercise", default="java_two_sum", help="a Java function exercise of the workload")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    exercise = next((e for e in load_workload() if e.name == args.exercise and e.language == "java"), None)
    if exercise is None or exercise.kind != "function":
        parser.error(f"--exercise: no Java function exercise named {args.exercise!r} in the workload")
    submission = exercise.submission()
    program = JAVA.generate(submission, nonce="0" * 32)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        work.chmod(0o755)  # the image's user reads it
        for path, data in program.job.files.items():
            (work / path).write_bytes(data)
        (work / "AllInOne.java").write_text(ALL_IN_ONE)
        (work / "run.sh").write_text(_script(program, args.rounds))
        # The container's user writes classes/ into a copy: the mount is read-only.
        command = "cp -r /src /tmp/w && bash /tmp/w/run.sh"
        output = subprocess.run(
            ["docker", "run", "--rm", "--network=none", "-v", f"{work}:/src:ro", toolchain.IMAGE, "sh", "-c", command],
            capture_output=True,
            text=True,
        )
    if output.returncode:
        raise SystemExit(f"the measurement failed:\n{output.stderr[-2000:]}")
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for line in output.stdout.splitlines():
        name, mode, real, user, system = line.split("|")
        samples.setdefault((name, mode), []).append((float(real), float(user) + float(system)))
    print(f"{exercise.name}: {len(program.job.run)} tests, median of {args.rounds} interleaved rounds")
    print(f"{'flags':34} {'mode':22} {'wall s':>7} {'CPU s':>7}")
    for (name, mode), values in samples.items():
        print(f"{name:34} {mode:22} {statistics.median(w for w, _ in values):7.3f}", end=" ")
        print(f"{statistics.median(c for _, c in values):7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
