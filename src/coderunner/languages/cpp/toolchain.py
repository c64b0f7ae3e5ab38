"""The coderunner-cpp image's toolchain: paths, flags and command lines.

The image's Dockerfile mirrors these constants: it builds ``DOCTEST_MAIN_OBJECT``
(doctest's implementation and ``main``) and the precompiled headers in ``PCH_DIR``
with exactly ``CXXFLAGS`` (g++ silently ignores a precompiled header built with other
flags), so a submission compiles only its own code and the tests.

``PCH_DIR`` holds, for each header students usually include first
(``docker/cpp/precompiled_headers.txt``), its ``.gch`` and a one-line ``#include_next``
of the real header. It is searched before the system directories, and g++ takes a
``.gch`` only for the first ``#include`` of the main file and only where it means
exactly what reading the header would; anywhere else it reads the one-liner, that is,
the real header. So every submission compiles with exactly the headers it includes, and
the common first line (``<bits/stdc++.h>``, ``<iostream>``, ``<vector>``, ...) costs a
file load.
"""

from __future__ import annotations

IMAGE = "coderunner-cpp"
COMPILER = "/usr/bin/g++"  # g++ 14 on Debian trixie
CXXFLAGS = ("-std=gnu++17", "-O2", "-pipe", "-fdiagnostics-color=never")
PCH_DIR = "/opt/coderunner/pch"
DOCTEST_HEADER = "/usr/include/doctest/doctest.h"  # doctest 2.4.11
DOCTEST_MAIN_OBJECT = "/opt/coderunner/lib/doctest_main.o"
DOCTEST_VERSION = "2.4.11"

HARNESS_SOURCE = "harness.cpp"
HARNESS_BINARY = "harness"
SOLUTION_SOURCE = "solution.cpp"  # also the file name compiler messages give the user's code
PROGRAM_BINARY = "program"
REPORT_FD = 3  # the sandbox's report pipe


def harness_compile_argv() -> tuple[str, ...]:
    """Compile and link a function-mode harness against the prebuilt doctest main."""
    return (COMPILER, *CXXFLAGS, f"-I{PCH_DIR}", "-o", HARNESS_BINARY, HARNESS_SOURCE, DOCTEST_MAIN_OBJECT)


def solution_check_argv() -> tuple[str, ...]:
    """Only check that the user's code compiles on its own, as it is (no harness, no link)."""
    return (COMPILER, *CXXFLAGS, f"-I{PCH_DIR}", "-fsyntax-only", SOLUTION_SOURCE)


def program_compile_argv() -> tuple[str, ...]:
    """Compile a whole program as it is: no doctest."""
    return (COMPILER, *CXXFLAGS, f"-I{PCH_DIR}", "-o", PROGRAM_BINARY, SOLUTION_SOURCE)


def doctest_run_argv(test_case: str) -> tuple[str, ...]:
    """Run exactly one test case, reporting doctest XML on the report pipe only.

    ``test_case`` is matched as a whole, case-sensitively; it must hold no ``,`` (a
    filter separator) and no ``*`` or ``?`` (wildcards). Skipped test cases are left
    out of the report, so it lists the one that ran.
    """
    return (
        f"./{HARNESS_BINARY}",
        f"--test-case={test_case}",
        "--case-sensitive=true",
        "--reporters=xml",
        f"--out=/dev/fd/{REPORT_FD}",
        "--no-skipped-summary=true",
        "--no-breaks=true",
    )


def program_run_argv() -> tuple[str, ...]:
    return (f"./{PROGRAM_BINARY}",)
