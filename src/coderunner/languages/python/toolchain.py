"""The coderunner-python image: paths, command lines and the harness's exit codes.

They mirror docker/python/ (the harness in ``crpy/`` and its entry scripts in ``bin/``);
change both sides together.
"""

from __future__ import annotations

IMAGE = "coderunner-python"
INTERPRETER = "/usr/bin/python3"  # Debian trixie's python3
# -I: no environment variables, user site or script directory on sys.path; -S: no site
# module (half of python3's start-up; the harness adds dist-packages and exit() itself);
# -B: the run user could not write bytecode anyway (the workspace is the build user's).
FLAGS = ("-I", "-S", "-B")
HARNESS_DIR = "/opt/coderunner/python/bin"
SOLUTION_SOURCE = "solution.py"  # also the file name tracebacks give the user's code

EXIT_RAISED = 1  # the user's code raised (traceback on stderr)
EXIT_MEMORY = 90  # RecursionError or MemoryError


def test_file(index: int) -> str:
    """The workspace file a test's process reads on stdin (``marshal``led builtins)."""
    return f"tests/{index}.test"


def custom_file(index: int) -> str:
    """The file name tracebacks and syntax errors give a custom validation body."""
    return f"tests[{index}].custom_validation_code"


def check_argv(custom_tests: tuple[int, ...]) -> tuple[str, ...]:
    """The build step: compile solution.py and each custom body, and check its imports."""
    return (INTERPRETER, *FLAGS, f"{HARNESS_DIR}/check.py", *(test_file(i) for i in custom_tests))


def function_argv(nonce: str) -> tuple[str, ...]:
    """One function-mode test; the harness hides ``nonce`` from the user's code."""
    return (INTERPRETER, *FLAGS, f"{HARNESS_DIR}/function.py", nonce)


def program_argv() -> tuple[str, ...]:
    return (INTERPRETER, *FLAGS, f"{HARNESS_DIR}/program.py")
