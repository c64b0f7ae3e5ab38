"""What every harness process shares: exit codes, tracebacks trimmed to the user's
frames, and the report written on fd 3.

Exit codes (mirrored in coderunner.languages.python.toolchain):
0 the harness ran to its end and wrote its report; 1 the user's code raised;
90 it ran out of memory or recursion depth (RecursionError, MemoryError).
"""

import os
import sys

EXIT_RAISED = 1
EXIT_MEMORY = 90
REPORT_FD = 3
RECURSION_LIMIT = 100_000  # deep recursion ends as memory_limit, not at Python's default 1000
SOLUTION = "solution.py"
NO_MODULE_HINT = "only Python's standard library (and pytest) is installed in the sandbox"
DIST_PACKAGES = "/usr/lib/python3/dist-packages"  # Debian's python3-pytest; python3 -S leaves it out

# Bound now, before the user's code runs (which may replace os.write, builtins.type, ...).
_write = os.write
_exit = os._exit
_type = type


def prepare():
    """What ``site`` would have done that the user's code may rely on (python3 runs with
    -S: half of its start-up): Debian's dist-packages on sys.path, ``exit``/``quit``."""
    sys.path.append(DIST_PACKAGES)
    import builtins

    builtins.exit = builtins.quit = sys.exit


def take_nonce():
    """This process's secret (argv[1]), removed from sys.argv and from /proc/self/cmdline
    before any of the user's code runs, so that it can be read neither there nor by a
    process the user's code starts."""
    nonce = sys.argv[1] if len(sys.argv) > 1 else ""
    sys.argv[1:] = []
    sys.orig_argv[:] = sys.orig_argv[:1]
    if nonce:
        _scrub_cmdline(nonce.encode())
    return nonce


def _scrub_cmdline(secret):
    # /proc/self/cmdline is read from the process's own memory (arg_start..arg_end,
    # fields 48 and 49 of /proc/self/stat): overwriting the secret there hides it.
    with open("/proc/self/stat", "rb") as handle:
        stat = handle.read()
    fields = stat[stat.rindex(b")") + 2 :].split()
    start, end = int(fields[45]), int(fields[46])
    with open("/proc/self/mem", "r+b", buffering=0) as memory:
        memory.seek(start)
        args = memory.read(end - start)
        memory.seek(start)
        memory.write(args.replace(secret, b"0" * len(secret)))


def quiet_stdin():
    """Read all of stdin (the test's own data), then leave /dev/null in its place."""
    data = sys.stdin.buffer.read()
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return data


def report(nonce, fields):
    """Write this process's one report on fd 3: one JSON object of str, int and None."""
    items = ["%s: %s" % (_json(key), _json(value)) for key, value in dict(fields, nonce=nonce).items()]
    data = ("{" + ", ".join(items) + "}").encode("utf-8", "replace")
    try:
        _write(REPORT_FD, data)
    except OSError:
        pass  # the user's code closed fd 3: no report, and the test is not passed


def _json(value):
    # By hand: the json module would import re (a tenth of the harness's start-up).
    if value is None:
        return "null"
    if _type(value) is int:
        return int.__repr__(value)
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:
            out.append("\\u%04x" % code)
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def finish(code):
    """Flush what the user's code printed and end now: atexit hooks, finalizers and
    threads the user's code left behind do not run after the report."""
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass
    _exit(code)


def exit_code(exc):
    return EXIT_MEMORY if isinstance(exc, (RecursionError, MemoryError)) else EXIT_RAISED


def describe(exc):
    """``ZeroDivisionError: division by zero``, with a hint for a module that is not there."""
    try:
        text = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    except BaseException:
        text = type(exc).__name__
    if isinstance(exc, ModuleNotFoundError):
        text += " (%s)" % NO_MODULE_HINT
    return text


def print_user_traceback(exc, user_files):
    """The traceback from the first frame in one of ``user_files`` on: the harness's own
    frames are not the user's concern."""
    import traceback

    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in user_files:
        tb = tb.tb_next
    try:
        traceback.print_exception(type(exc), exc, tb, file=sys.__stderr__)
    except BaseException:
        print(describe(exc), file=sys.__stderr__)
    if isinstance(exc, ModuleNotFoundError):
        print("coderunner: " + NO_MODULE_HINT, file=sys.__stderr__)
    if isinstance(exc, RecursionError):
        print("coderunner: the recursion went deeper than %d calls" % RECURSION_LIMIT, file=sys.__stderr__)
