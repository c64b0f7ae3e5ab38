"""Whole-program mode: run solution.py as ``__main__``, stdin and stdout its own.

An exception ends the program as Python would, with the traceback trimmed to
solution.py's frames and the exit codes of runtime.py (the service tells a memory or
recursion failure from other exceptions by them). ``sys.exit`` behaves as usual.
"""

import sys

from crpy import runtime


def main():
    runtime.prepare()
    sys.setrecursionlimit(runtime.RECURSION_LIMIT)
    sys.argv[:] = [runtime.SOLUTION]
    with open(runtime.SOLUTION, "rb") as handle:
        code = compile(handle.read(), runtime.SOLUTION, "exec", dont_inherit=True)
    namespace = {"__name__": "__main__", "__file__": runtime.SOLUTION, "__builtins__": __builtins__}
    sys.modules["__main__"].__dict__.clear()
    sys.modules["__main__"].__dict__.update(namespace)
    try:
        exec(code, sys.modules["__main__"].__dict__)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt included: it is the program's
        runtime.print_user_traceback(exc, {runtime.SOLUTION})
        runtime.finish(runtime.exit_code(exc))
