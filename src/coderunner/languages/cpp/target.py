"""Which function the tests call, and how one test's literals become its arguments.

A parameter pair ``T* arr, int n`` takes one array literal; parameters with default
values may be left out at the end. When several functions could be the one under test,
``function_name`` decides, then the functions whose parameters fit every test's
literals, then a ``class Solution`` method over a free function and a function no other
function calls over a helper; anything still ambiguous is a ``TemplateError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coderunner.errors import TemplateError
from coderunner.languages.cpp.conversion import array_length, check, concretize, declare, deductions, substitute
from coderunner.languages.cpp.cxx_types import CType, Kind, parse_type
from coderunner.languages.cpp.signature import Function, Source
from coderunner.languages.literals import Literal


@dataclass(frozen=True)
class Target:
    function: Function
    parameters: tuple[CType, ...]
    returns: CType

    @property
    def callee(self) -> str:
        """How the harness names it: ``ns::f``, or a method of the ``Solution`` instance."""
        return self.function.name if self.function.owner else self.function.qualified_name


@dataclass(frozen=True)
class Case:
    """One input/expected test, parsed."""

    test_id: str
    arguments: tuple[Literal, ...]
    expected: Literal


def resolve(function: Function, source: Source) -> Target:
    params = function.template_parameters

    def read(text: str) -> CType:
        return parse_type(text, source.aliases, params)

    return Target(function, tuple(read(p.type_text) for p in function.parameters), read(function.return_text))


def call(target: Target, case: Case, invoke: str) -> tuple[str, ...]:
    """Statements that build the arguments as locals, call ``invoke(args...)`` and
    store and check the result (see ``conversion.check``)."""
    slots = _slots(target, len(case.arguments))
    if slots is None:
        raise TemplateError(f"{target.function.name} takes {_arity(target)}, the input has {len(case.arguments)}")
    statements: list[str] = []
    passed: list[str] = []
    deduced: dict[str, CType] = {}
    for index, (ctype, (kind, literal_index)) in enumerate(zip(target.parameters, slots, strict=False)):
        name = f"cr_a{index}"
        literal = case.arguments[literal_index]
        parameter = target.function.parameters[index].name or f"#{index + 1}"
        try:
            if kind == "length":
                statements.append(f"{ctype.spelling} {name} = {array_length(literal)};")
            else:
                concrete = concretize(ctype, literal)
                deduced = deductions(ctype, concrete) | deduced
                statements.extend(declare(name, literal, concrete))
        except TemplateError as exc:
            raise TemplateError(f"argument {literal_index + 1} ({parameter}): {exc.problem}") from None
        passed.append(f"std::move({name})" if ctype.rvalue_reference else name)
    try:
        returns = substitute(target.returns, deduced)
        statements.extend(check(f"{invoke}({', '.join(passed)})", case.expected, returns))
    except TemplateError as exc:
        raise TemplateError(f"expected_output: {exc.problem}") from None
    return tuple(statements)


def fits(target: Target, cases: Sequence[Case]) -> bool:
    try:
        for case in cases:
            call(target, case, "f")
    except TemplateError:
        return False
    return True


def choose(source: Source, cases: Sequence[Case], function_name: str | None) -> Target:
    """The function under test; ``TemplateError`` when there is none or no way to choose."""
    functions = [f for f in source.functions if not function_name or function_name in _names(f)]
    if not functions and function_name:
        defined = ", ".join(sorted({f.name for f in source.functions})) or "none"
        raise TemplateError(f"the code defines no function named {function_name!r}; it defines: {defined}")
    if not functions:
        raise TemplateError("the code defines no function to call (and no main)")
    targets = [resolve(f, source) for f in functions]
    if len(targets) == 1:
        return targets[0]
    fitting = [t for t in targets if fits(t, cases)]
    if not fitting:
        by_arity = [t for t in targets if all(_slots(t, len(c.arguments)) is not None for c in cases)]
        if len(by_arity) == 1:
            return by_arity[0]  # its conversion error names the test that does not fit
        raise TemplateError(f"no function accepts every test's input: {_listing(targets)}")
    preferences: tuple[Callable[[Target], bool], ...] = (
        lambda t: t.function.owner is not None,
        lambda t: not source.is_helper(t.function),
    )
    for prefer in preferences:
        preferred = [t for t in fitting if prefer(t)]
        if len(fitting) > 1 and preferred:
            fitting = preferred
    if len(fitting) > 1:
        raise TemplateError(f"several functions fit the tests, set function_name to one of: {_listing(fitting)}")
    return fitting[0]


def _names(function: Function) -> set[str]:
    names = {function.name, function.qualified_name}
    if function.owner:
        names.add(f"{function.owner}::{function.name}")
    return names


def _listing(targets: Sequence[Target]) -> str:
    return "; ".join(t.function.display for t in targets)


def _pairs(target: Target) -> set[int]:
    """Indices of length parameters that follow an array pointer (``int* a, int n``)."""
    params = target.parameters
    return {
        i + 1 for i in range(len(params) - 1) if params[i].kind is Kind.POINTER and params[i + 1].kind is Kind.INTEGER
    }


def _slots(target: Target, count: int) -> list[tuple[str, int]] | None:
    """For each parameter given a value, ("literal", k) or ("length", k) of literal k."""
    pairs = _pairs(target)
    defaults = [p.has_default for p in target.function.parameters]
    for use_pairs in (True, False) if pairs else (False,):
        slots: list[tuple[str, int]] = []
        used = 0
        for index in range(len(target.parameters)):
            if use_pairs and index in pairs and slots and slots[-1] == ("literal", used - 1):
                slots.append(("length", used - 1))
            elif used < count and not (use_pairs and index in pairs):
                slots.append(("literal", used))
                used += 1
            else:
                break
        if used == count and all(defaults[len(slots) :]):
            return slots
    return None


def _arity(target: Target) -> str:
    pairs = len(_pairs(target))
    total = len(target.parameters) - pairs
    required = total - sum(p.has_default for p in target.function.parameters)
    count = f"{required} to {total}" if required != total else str(total)
    plural = "" if count == "1" else "s"
    note = " (each array pointer and its length take one array)" if pairs else ""
    return f"{count} argument{plural}{note}"
