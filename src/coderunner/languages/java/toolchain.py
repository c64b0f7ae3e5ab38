"""The coderunner-java image: paths, command lines and the harness's exit codes.

They mirror docker/java/ (the harness jar and the class-data-sharing archives its
Dockerfile builds); change both sides together.
"""

from __future__ import annotations

from coderunner.domain.sandbox_job import Step

IMAGE = "coderunner-java"
JAVA = "/usr/bin/java"  # Debian trixie's default JDK: OpenJDK 21
JAVAC = "/usr/bin/javac"
HOME = "/opt/coderunner/java"
HARNESS_JAR = f"{HOME}/harness.jar"
HARNESS_ARCHIVE = f"{HOME}/harness.jsa"  # CDS archive of the JDK's, the harness's and JUnit's classes
JAVAC_ARCHIVE = f"{HOME}/javac.jsa"  # CDS archive of javac's classes
POLICY = f"{HOME}/tests.policy"  # custom bodies' security policy: the user's code gets no permission
CLASSES = "classes"  # javac's output in the workspace: the user's classes
# The generated tests class, moved out of CLASSES after javac: under a custom body's
# security policy (POLICY, which grants neither folder anything) the user's classes may
# read their own folder (the JDK's class loader grants that), never this one, so the
# body's expected values (constants in its bytes) stay out of their reach.
TESTS_CLASSES = "tests-classes"
TESTS_CLASS = "CoderunnerTests"  # the generated function-mode class, unless the user's code has one
HARNESS_MAIN = "coderunner.Harness"
PROGRAM_MAIN = "coderunner.ProgramMain"
# JUnit 5's assertions (Debian's junit5), for custom validation bodies.
LIBRARIES = tuple(
    f"/usr/share/java/{jar}.jar"
    for jar in ("junit-jupiter-api", "junit-platform-commons", "opentest4j", "apiguardian-api")
)
LIBRARY_PATH = ":".join((HARNESS_JAR, *LIBRARIES))
# The archive's class path first, or it is not used; one class loader for all, so the
# tests class reaches package-private user classes.
CLASS_PATH = f"{LIBRARY_PATH}:{CLASSES}:{TESTS_CLASSES}"

# Start-up over peak speed: tests are short. C1 only, serial GC, no perf-data file in
# /tmp (it would also show the command line to other processes).
_START_FAST = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto")
_JVM_OVERHEAD_MB = 96  # metaspace, code cache, thread stacks and CDS beside the heap
THREAD_STACK = "-Xss64m"  # deep recursion as in C++'s 8 MiB stacks, not Java's 1 MiB default

# What the JDK prints on stderr when the harness installs its security manager for a
# custom body (Harness.confine), before any of the user's code runs: the JVM's words, not the user's.
SECURITY_MANAGER_WARNING = (
    "WARNING: A terminally deprecated method in java.lang.System has been called\n"
    f"WARNING: System::setSecurityManager has been called by {HARNESS_MAIN} (file:{HARNESS_JAR})\n"
    f"WARNING: Please consider reporting this to the maintainers of {HARNESS_MAIN}\n"
    "WARNING: System::setSecurityManager will be removed in a future release\n"
).encode()

EXIT_RAISED = 1  # an uncaught exception (trace on stderr, trimmed to the user's file)
EXIT_MEMORY = 90  # StackOverflowError or OutOfMemoryError


def heap_mb(memory_mb: int) -> int:
    """The heap (-Xmx) for a memory limit: below it, so that the JVM throws
    OutOfMemoryError rather than being killed for going over it."""
    return max(memory_mb // 2, memory_mb - _JVM_OVERHEAD_MB)


def compile_steps(files: tuple[str, ...], tests_class: str | None) -> tuple[Step, ...]:
    """javac, then (function mode) the move of ``tests_class`` and its nested classes'
    files into TESTS_CLASSES."""
    javac = Step("compile", _javac_argv(files))
    if tests_class is None:
        return (javac,)
    # The class name is an argument of the script, never part of it.
    move = (
        'mkdir "$2" && find "$1" -maxdepth 1 -type f \\( -name "$3.class" -o -name "$3\\$*.class" \\) '
        '-exec mv -t "$2" {} +'
    )
    return javac, Step("hide-tests", ("/bin/sh", "-c", move, "sh", CLASSES, TESTS_CLASSES, tests_class))


def _javac_argv(files: tuple[str, ...]) -> tuple[str, ...]:
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
        LIBRARY_PATH,
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


def function_argv(
    memory_mb: int, tests_class: str, user_file: str, nonce: str, index: int, custom: bool
) -> tuple[str, ...]:
    """Test ``index`` of the generated class ``tests_class`` (a custom validation body or
    a call whose value is reported); the harness hides ``nonce`` from the user's code."""
    kind = "custom" if custom else "value"
    # For a custom body the harness installs a security manager before the user's code runs (Harness.confine).
    policy = ("-Djava.security.manager=allow", f"-Djava.security.policy={POLICY}") if custom else ()
    return (
        *_java(memory_mb),
        *policy,
        HARNESS_MAIN,
        tests_class,
        user_file,
        f"{tests_class}.java",
        nonce,
        str(index),
        kind,
    )


def program_argv(memory_mb: int, main_class: str, file_name: str) -> tuple[str, ...]:
    return (*_java(memory_mb), PROGRAM_MAIN, main_class, file_name)
