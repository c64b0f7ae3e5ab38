"""Plain ``assert`` statements, rewritten so that a failure explains itself and a lying
value cannot make one pass.

Custom validation code is compiled after this rewrite (pytest's idea, done here without
importing pytest, which would cost ~0.5 s per test):

* ``assert left <op> right`` evaluates both operands once, in order, and a failure
  reports the expression, the operator and both values (``assert 5 == 4``);
* every single-operator comparison in an assert (``==``, ``!=``, ``<``, ``in``, ...) is
  made strictly: when one side is a plain value (plain.py: builtins by exact type) and
  the other is not, the assert fails instead of asking the other side's ``__eq__``;
  plain against plain is Python's own comparison, which cannot lie; two objects of the
  user's own classes compare as they like; ``pytest.approx`` on the right is honoured;
* an assert on a bare value (``assert is_valid(s)``) needs a plain value: an object's
  ``__bool__`` could lie.

This is hardening, not a boundary: the asserts run in the submission's process (see the
README's threat model).
"""

import ast
import operator
import sys

from crpy import plain

_OPERATORS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}  # fmt: skip
_APPLY = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
    "is": operator.is_, "is not": operator.is_not,
}  # fmt: skip
_type = type
_isinstance = isinstance


class CheckFailed(AssertionError):
    """A failed assert: its source text, the operand values (Python reprs) and why."""

    def __init__(self, message, expression, actual=None, expected=None):
        super().__init__(message)
        self.expression = expression
        self.actual = actual
        self.expected = expected


def rewrite(source, filename):
    """The code object of ``source`` with its asserts rewritten (names start with ``@``,
    which no Python code can spell) and the names it needs, to add to its globals."""
    tree = ast.parse(source, filename)
    tree = ast.fix_missing_locations(_Rewriter(source).visit(tree))
    helpers = {"@cr_compare": compare, "@cr_truth": truth, "@cr_fail": fail}
    return compile(tree, filename, "exec", dont_inherit=True), helpers


def compare(left, op, right):
    if op not in ("is", "is not"):
        left_plain, right_plain = _is_plain(left), _is_plain(right)
        honest = (
            left_plain == right_plain  # Python's own comparison, or the user's objects among themselves
            or (op in ("in", "not in") and left_plain)  # the user's container decides membership
            or (op in ("==", "!=") and left_plain and _is_approx(right))
        )
        if not honest:
            odd = right if left_plain else left
            raise CheckFailed(
                "cannot compare a %s with %s: custom validation compares plain values "
                "(int, float, str, bool, None, list, tuple, set, dict)" % (_name(odd), op),
                "",
            )
    return _APPLY[op](left, right)


def truth(value):
    if not _is_plain(value):
        raise CheckFailed("assert needs a plain value, not a %s (its truth could lie)" % _name(value), "")
    return bool(value)


def fail(expression, op, left, right, message):
    if op is None:
        text = "assert " + expression
        actual = expected = None
    else:
        actual, expected = _show(left), _show(right)
        text = "assert %s %s %s" % (actual, op, expected)
    if message is not None:
        try:
            text = "%s\n%s" % (message, text)
        except BaseException:
            pass
    if op not in ("==", "!="):
        actual = expected = None
    return CheckFailed(text, expression, actual, expected)


def _is_plain(value):
    try:
        plain.render(value)
    except plain.NotPlain:
        return False
    except RecursionError:
        return False
    return True


def _is_approx(value):
    module = sys.modules.get("_pytest.python_api")
    return module is not None and _isinstance(value, module.ApproxBase)


def _show(value):
    return repr(value) if _is_plain(value) else "<%s object>" % _name(value)


def _name(value):
    return type.__getattribute__(_type(value), "__qualname__")


class _Rewriter(ast.NodeTransformer):
    def __init__(self, source):
        self.source = source
        self.count = 0

    def visit_Assert(self, node):
        self.count += 1
        expression = ast.get_source_segment(self.source, node.test) or ""
        message = node.msg if node.msg is not None else ast.Constant(None)
        test = node.test
        if _isinstance(test, ast.Compare) and len(test.ops) == 1 and _type(test.ops[0]) in _OPERATORS:
            op = _OPERATORS[_type(test.ops[0])]
            left, right = "@cr_left%d" % self.count, "@cr_right%d" % self.count
            checks = [
                _assign(left, _Comparisons().visit(test.left)),
                _assign(right, _Comparisons().visit(test.comparators[0])),
            ]
            condition = _call("@cr_compare", _load(left), ast.Constant(op), _load(right))
            failure = _call("@cr_fail", ast.Constant(expression), ast.Constant(op), _load(left), _load(right), message)
        else:
            checks = []
            condition = _call("@cr_truth", _Comparisons().visit(test))
            failure = _call("@cr_fail", ast.Constant(expression), ast.Constant(None), ast.Constant(None),
                            ast.Constant(None), message)  # fmt: skip
        raised = ast.If(ast.UnaryOp(ast.Not(), condition), [ast.Raise(failure, None)], [])
        return [ast.copy_location(statement, node) for statement in [*checks, raised]]


class _Comparisons(ast.NodeTransformer):
    """Every single-operator comparison inside an assert, made through ``compare``."""

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) != 1 or _type(node.ops[0]) not in _OPERATORS:
            return node
        op = _OPERATORS[_type(node.ops[0])]
        return ast.copy_location(_call("@cr_compare", node.left, ast.Constant(op), node.comparators[0]), node)


def _assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value)


def _load(name):
    return ast.Name(name, ast.Load())


def _call(name, *args):
    return ast.Call(_load(name), list(args), [])
