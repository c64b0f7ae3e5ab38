"""What a Python submission is, read with Python's own ``ast``: a whole program or a set
of functions, which function the tests call, and its type hints.

The rule telling the two modes apart (documented in the README): the code is a
**whole program** when its top level (outside ``def`` and ``class`` bodies) has an
``if __name__ == "__main__":`` block, reads or prints (``input``, ``print``, ``open``,
``sys.stdin``, ``sys.stdout``), calls a function the code itself defines (``main()``),
or when it defines no function and no class at all. Otherwise the tests call a function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from coderunner.errors import TemplateError

SOLUTION_CLASS = "Solution"
_IO_CALLS = frozenset({"input", "print", "open", "exit", "quit"})
_IO_STREAMS = frozenset({"stdin", "stdout"})


@dataclass(frozen=True)
class Hint:
    """A type hint, reduced to what converting a literal needs.

    ``kind`` is int, float, str, bool, none, list, tuple, set, dict or any (no hint, or
    one we do not convert for); ``items`` the element hints (``tuple[int, ...]`` has
    int and ELLIPSIS).
    """

    kind: str
    items: tuple[Hint, ...] = ()


ANY = Hint("any")
ELLIPSIS = Hint("...")  # the second item of tuple[int, ...]


@dataclass(frozen=True)
class Function:
    name: str
    owner: str | None  # "Solution" for a method
    parameters: tuple[tuple[str, Hint], ...]  # without self
    required: int  # parameters without a default
    returns: Hint
    calls: frozenset[str]  # names this function calls, to tell helpers apart

    @property
    def display(self) -> str:
        return f"{self.owner}.{self.name}" if self.owner else self.name


@dataclass(frozen=True)
class Source:
    parsed: bool  # False: the host's parser refused it (the sandbox's will explain)
    functions: tuple[Function, ...] = ()
    program: bool = False  # whole-program mode by the rule above


def read_source(code: str) -> Source:
    try:
        tree = ast.parse(code, "solution.py")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Source(parsed=False)
    functions = tuple(_functions(tree))
    definitions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    program = not definitions or _runs_at_top_level(tree, {n.name for n in definitions})
    return Source(parsed=True, functions=functions, program=program)


def choose(source: Source, arities: Sequence[int], function_name: str | None) -> Function:
    """The function the tests call: ``function_name`` when given, then those that accept
    every test's number of arguments, then a ``class Solution`` method over a free
    function, then a function no other one calls over its helpers."""
    candidates = list(source.functions)
    if function_name is not None:
        named = [f for f in candidates if f.name == function_name]
        if not named:
            found = ", ".join(f.display for f in candidates) or "none"
            raise TemplateError(f"no function named {function_name!r} (found: {found})")
        candidates = named
    fitting = [f for f in candidates if all(f.required <= n <= len(f.parameters) for n in arities)]
    if not fitting:
        shown = candidates[0] if len(candidates) == 1 else None
        if shown is not None:
            raise TemplateError(f"{shown.display} takes {_arity(shown)}, the inputs have {_counts(arities)}")
        raise TemplateError(f"no function takes {_counts(arities)}")
    for narrowing in (_methods, _not_called):
        if len(fitting) > 1:
            fitting = narrowing(fitting) or fitting
    if len(fitting) > 1:
        names = ", ".join(f.display for f in fitting)
        raise TemplateError(f"several functions could be the one under test ({names}): set function_name")
    return fitting[0]


def _methods(functions: list[Function]) -> list[Function]:
    return [f for f in functions if f.owner]


def _not_called(functions: list[Function]) -> list[Function]:
    called = set().union(*(f.calls for f in functions))
    return [f for f in functions if f.name not in called]


def _arity(function: Function) -> str:
    low, high = function.required, len(function.parameters)
    count = str(high) if low == high else f"{low} to {high}"
    return f"{count} argument{'s' if high != 1 else ''}"


def _counts(arities: Sequence[int]) -> str:
    values = sorted(set(arities))
    return " or ".join(map(str, values)) + " argument" + ("s" if values != [1] else "")


def _functions(tree: ast.Module) -> Iterator[Function]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            yield _function(node, None)
        elif isinstance(node, ast.ClassDef) and node.name == SOLUTION_CLASS:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_") and not _is_static(item):
                    yield _function(item, SOLUTION_CLASS)


def _is_static(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in node.decorator_list)


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None) -> Function:
    positional = [*node.args.posonlyargs, *node.args.args]
    if owner:
        positional = positional[1:]  # self
    parameters = tuple((a.arg, hint(a.annotation)) for a in positional)
    calls = frozenset(
        n.func.id if isinstance(n.func, ast.Name) else n.func.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name | ast.Attribute)
    )
    return Function(
        name=node.name,
        owner=owner,
        parameters=parameters,
        required=len(parameters) - len(node.args.defaults),
        returns=hint(node.returns),
        calls=calls - {node.name},
    )


def hint(annotation: ast.expr | None) -> Hint:
    """``list[int]``, ``List[int]``, ``typing.Dict[str, int]``, ``Optional[float]``,
    ``tuple[int, ...]``, ``"List[int]"`` → a Hint; anything else is ANY."""
    match annotation:
        case None:
            return ANY
        case ast.Constant(value=None):
            return Hint("none")
        case ast.Constant(value=str() as text):
            try:
                return hint(ast.parse(text, mode="eval").body)
            except SyntaxError:
                return ANY
        case ast.Name(id=name) | ast.Attribute(attr=name):
            return Hint(_BASES.get(name, "any"))
        case ast.BinOp(left=left, op=ast.BitOr(), right=right):
            return _optional(hint(left), hint(right))
        case ast.Subscript(value=base, slice=inner):
            kind = _BASES.get(base.id if isinstance(base, ast.Name) else getattr(base, "attr", ""), "any")
            items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            if kind == "optional":
                return hint(items[0])
            if kind == "union":
                hints = [hint(item) for item in items]
                return _optional(*hints) if len(hints) == 2 else ANY
            if kind in ("list", "set", "tuple", "dict"):
                return Hint(kind, tuple(ELLIPSIS if _is_ellipsis(i) else hint(i) for i in items))
    return ANY


_BASES = {
    "int": "int", "float": "float", "str": "str", "bool": "bool",
    "list": "list", "List": "list", "Sequence": "list", "Iterable": "list",
    "tuple": "tuple", "Tuple": "tuple",
    "set": "set", "Set": "set", "frozenset": "set", "FrozenSet": "set",
    "dict": "dict", "Dict": "dict", "Mapping": "dict",
    "Optional": "optional", "Union": "union",
}  # fmt: skip


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _optional(*hints: Hint) -> Hint:
    """``X | None`` is X (a None argument passes as it is); other unions are ANY."""
    rest = [h for h in hints if h.kind != "none"]
    return rest[0] if len(rest) == 1 else ANY


def _runs_at_top_level(tree: ast.Module, own_functions: set[str]) -> bool:
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if _is_main_guard(statement):
            return True
        for node in _walk_outside_definitions(statement):
            called = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else ""
            if called in _IO_CALLS or called in own_functions:
                return True
            if isinstance(node, ast.Attribute) and node.attr in _IO_STREAMS:
                return True
    return False


def _is_main_guard(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.If)
        and isinstance(statement.test, ast.Compare)
        and isinstance(statement.test.left, ast.Name)
        and statement.test.left.id == "__name__"
    )


def _walk_outside_definitions(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            yield from _walk_outside_definitions(child)
