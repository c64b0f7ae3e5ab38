"""Function mode: one test in this process, then one report on fd 3.

stdin holds the test, ``marshal``led by coderunner.languages.python.plan::

    {"target": {"name": "twoSum", "owner": "Solution"},   owner None for a top-level def
     "args": ([2, 7, 11, 15], 9)}                         the arguments, or
    {"custom": {"code": "assert ...", "file": "tests[3].custom_validation_code"}}

Only what every test needs is imported up front; custom validation imports its own.

and argv[1] this process's nonce. The report is one JSON object carrying the nonce:
``{"kind": "value", "value": "<literal>"}`` (the returned value, rendered by plain.py;
the service compares it with the expected value, which never enters the sandbox),
``{"kind": "not_plain", "message": ...}``, ``{"kind": "passed"}`` / ``{"kind": "failed",
...}`` (custom validation) or ``{"kind": "raised", "message": ...}``.
"""

import marshal
import sys

from crpy import plain, runtime


def main():
    nonce = runtime.take_nonce()
    runtime.prepare()
    test = marshal.loads(runtime.quiet_stdin())
    sys.setrecursionlimit(runtime.RECURSION_LIMIT)
    custom = test.get("custom")
    user_files = {runtime.SOLUTION, custom["file"]} if custom else {runtime.SOLUTION}
    try:
        # Parsed and compiled before the user's code runs, so that code cannot change how.
        check = _compile_custom(custom) if custom else None
        arguments = None if custom else test["args"]
        namespace = _load_solution()
        if check is not None:
            fields = _run_custom(check, namespace, custom)
        else:
            fields = _call(_target(namespace, test["target"]), arguments)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: the test did not finish
        _raised(nonce, exc, user_files)
        return
    runtime.report(nonce, fields)
    runtime.finish(0)


def _load_solution():
    """Run solution.py as the module ``solution``, from the bytecode the build step cached
    (importlib would rename its frames to an absolute path; tracebacks say solution.py)."""
    cached = "__pycache__/solution.%s.pyc" % sys.implementation.cache_tag
    try:
        with open(cached, "rb") as handle:
            code = marshal.loads(handle.read()[16:])  # after the pyc header
    except OSError:
        with open(runtime.SOLUTION, "rb") as handle:
            code = compile(handle.read(), runtime.SOLUTION, "exec", dont_inherit=True)
    module = type(sys)("solution")
    module.__file__ = runtime.SOLUTION
    sys.modules["solution"] = module
    exec(code, vars(module))
    return vars(module)


def _target(namespace, target):
    owner = target.get("owner")
    if owner:
        return getattr(namespace[owner](), target["name"])
    return namespace[target["name"]]


def _call(function, arguments):
    returned = function(*arguments)
    try:
        return {"kind": "value", "value": plain.render(returned)}
    except plain.NotPlain as exc:
        return {"kind": "not_plain", "message": "returned %s, not a plain value" % exc.args[0]}
    except RecursionError:
        return {"kind": "not_plain", "message": "returned a value nested too deep to render"}


def _compile_custom(custom):
    """The custom validation code with its asserts rewritten (asserts.py), so that a
    failed one explains its operands and a lying value fails it."""
    from crpy import asserts

    return asserts.rewrite(custom["code"], custom["file"])


def _run_custom(check, namespace, custom):
    from crpy import asserts

    code, helpers = check
    scope = dict(namespace)
    scope.update(helpers)
    scope["__name__"] = "__coderunner_check__"
    try:
        exec(code, scope)
    except AssertionError as exc:
        line = _line_in(exc, custom["file"])
        if line is None or not (isinstance(exc, asserts.CheckFailed) or _raised_in(exc, custom["file"])):
            raise  # an assert of the user's own code: an exception like any other
        return _assertion(exc, custom, line)
    return {"kind": "passed"}


def _line_in(exc, filename):
    """The line of the innermost frame in ``filename``, or None."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _raised_in(exc, filename):
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename == filename


def _assertion(exc, custom, line):
    import ast

    from crpy import asserts

    expression = getattr(exc, "expression", "") if isinstance(exc, asserts.CheckFailed) else ""
    if not expression:
        for node in ast.walk(ast.parse(custom["code"])):
            if isinstance(node, ast.Assert) and node.lineno <= line <= (node.end_lineno or node.lineno):
                expression = ast.get_source_segment(custom["code"], node.test) or ""
    try:
        message = str(exc)
    except BaseException:
        message = ""
    return {
        "kind": "failed",
        "expression": expression,
        "line": line,
        "message": message,
        "actual": getattr(exc, "actual", None),
        "expected": getattr(exc, "expected", None),
    }


def _raised(nonce, exc, user_files):
    if isinstance(exc, SystemExit):
        runtime.report(nonce, {"kind": "raised", "message": "exited (SystemExit) before the test finished"})
        runtime.finish(runtime.EXIT_RAISED)
    runtime.print_user_traceback(exc, user_files)
    runtime.report(nonce, {"kind": "raised", "message": runtime.describe(exc)})
    runtime.finish(runtime.exit_code(exc))
