"""The coderunner-java image: paths, command lines and the harness's exit codes.

They mirror docker/java/ (the harness jar and the class-data-sharing archives its
Dockerfile builds); change both sides together.
"""

from __future__ import annotations

IMAGE = "coderunner-java"
JAVA = "/usr/bin/java"  # Debian trixie's default JDK: OpenJDK 21
JAVAC = "/usr/bin/javac"
HOME = "/opt/coderunner/java"
HARNESS_JAR = f"{HOME}/harness.jar"
HARNESS_ARCHIVE = f"{HOME}/harness.jsa"  # CDS archive of the JDK's and the harness's classes
JAVAC_ARCHIVE = f"{HOME}/javac.jsa"  # CDS archive of javac's classes
CLASSES = "classes"  # javac's output in the workspace
TESTS_CLASS = "CoderunnerTests"  # the generated function-mode entry point
TESTS_SOURCE = f"{TESTS_CLASS}.java"
PROGRAM_MAIN = "coderunner.ProgramMain"
CLASS_PATH = f"{HARNESS_JAR}:{CLASSES}"  # the archive's class path first, or it is not used

# Start-up over peak speed: tests are short. C1 only, serial GC, no perf-data file in
# /tmp (it would also show the command line to other processes).
_START_FAST = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto")
_JVM_OVERHEAD_MB = 96  # metaspace, code cache, thread stacks and CDS beside the heap
THREAD_STACK = "-Xss64m"  # deep recursion as in C++'s 8 MiB stacks, not Java's 1 MiB default

EXIT_RAISED = 1  # an uncaught exception (trace on stderr, trimmed to the user's file)
EXIT_MEMORY = 90  # StackOverflowError or OutOfMemoryError


def heap_mb(memory_mb: int) -> int:
    """The heap (-Xmx) for a memory limit: below it, so that the JVM throws
    OutOfMemoryError rather than being killed for going over it."""
    return max(memory_mb // 2, memory_mb - _JVM_OVERHEAD_MB)


def compile_argv(files: tuple[str, ...]) -> tuple[str, ...]:
    return (
        JAVAC,
        "-J-XX:TieredStopAtLevel=1",
        "-J-XX:+UseSerialGC",
        "-J-XX:-UsePerfData",
        f"-J-XX:SharedArchiveFile={JAVAC_ARCHIVE}",
        "-J-Xshare:auto",
        "-encoding",
        "UTF-8",
        "-g",
        "-nowarn",
        "-Xlint:none",
        "-Xmaxerrs",
        "50",
        "-cp",
        HARNESS_JAR,
        "-d",
        CLASSES,
        *files,
    )


def _java(memory_mb: int) -> tuple[str, ...]:
    return (
        JAVA,
        *_START_FAST,
        f"-XX:SharedArchiveFile={HARNESS_ARCHIVE}",
        f"-Xmx{heap_mb(memory_mb)}m",
        THREAD_STACK,
        "-XX:+DisableAttachMechanism",
        "-Dfile.encoding=UTF-8",
        "-Dstdout.encoding=UTF-8",
        "-cp",
        CLASS_PATH,
    )


def function_argv(memory_mb: int, nonce: str, index: int) -> tuple[str, ...]:
    """One function-mode test; the harness hides ``nonce`` from the user's code."""
    return (*_java(memory_mb), TESTS_CLASS, nonce, str(index))


def program_argv(memory_mb: int, main_class: str, file_name: str) -> tuple[str, ...]:
    return (*_java(memory_mb), PROGRAM_MAIN, main_class, file_name)
