"""The build step: every piece of the user's code compiles, and imports only modules the
sandbox has, before any test runs.

argv: the files of custom validation tests (solution.py is always checked). A syntax error is
printed as Python prints it, at the user's own line (custom validation code is named
``tests[N].custom_validation_code``), and exits 1. solution.py's bytecode is cached in
__pycache__, so each test's process only loads it.
"""

import ast
import importlib.util
import marshal
import py_compile
import sys
import traceback

from crpy import runtime


def main():
    runtime.prepare()
    with open(runtime.SOLUTION, "rb") as handle:
        sources = [(runtime.SOLUTION, handle.read())]
    for path in sys.argv[1:]:
        with open(path, "rb") as handle:
            custom = marshal.loads(handle.read())["custom"]
        sources.append((custom["file"], custom["code"]))
    failed = False
    for name, source in sources:
        try:
            tree = compile(source, name, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
            compile(tree, name, "exec", dont_inherit=True)
        except SyntaxError as exc:
            traceback.print_exception(type(exc), exc, None, file=sys.stdout)
            failed = True
            continue
        failed = _missing_modules(name, tree) or failed
    if failed:
        sys.exit(1)
    py_compile.compile(runtime.SOLUTION, cfile=importlib.util.cache_from_source(runtime.SOLUTION), doraise=True)


def _missing_modules(name, tree):
    """Print each absolute import of a module the sandbox lacks; ``try`` blocks are left
    alone (code may handle the ImportError)."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            guarded.update(id(inner) for part in node.body for inner in ast.walk(part))
    missing = False
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            if importlib.util.find_spec(top) is None:
                print('  File "%s", line %d' % (name, node.lineno))
                print("ModuleNotFoundError: No module named %r (%s)" % (top, runtime.NO_MODULE_HINT))
                missing = True
    return missing
