"""Literals as C++ expressions of a given type, and the check of a returned value.

Everything a test author wrote reaches the generated program only through
``cpp_string_literal``, ``cpp_char_literal`` or a number printed by Python, so no
expected output can change the program around it (quotes, backslashes, newlines and
``*/`` become octal escapes):

>>> cpp_string_literal('say "hi"*/'.encode())
'"say \\\\042hi\\\\042*/"'
"""

from __future__ import annotations

from dataclasses import replace

from coderunner.errors import TemplateError
from coderunner.languages.cpp.cxx_types import FLOAT_MAX, CType, Kind, container, integer_range
from coderunner.languages.literals import Array, Bool, Char, Float, Int, Literal, Map, Null, Set, Str, render

_SAFE_BYTES = frozenset(range(0x20, 0x7F)) - frozenset(b'"\\?')
_SHOWN_CHARS = 60


def cpp_string_literal(data: bytes) -> str:
    """A C++ string literal of exactly these bytes (octal escapes never run on)."""
    return '"' + "".join(chr(b) if b in _SAFE_BYTES else f"\\{b:03o}" for b in data) + '"'


def cpp_char_literal(char: str) -> str:
    code = ord(char)
    return f"'{char}'" if code in _SAFE_BYTES and char != "'" else f"'\\{code:03o}'"


def cpp_string(value: str) -> str:
    """A ``std::string`` expression; the length is explicit so that NUL bytes survive."""
    data = value.encode()
    return f"std::string({cpp_string_literal(data)}, {len(data)})"


def shown(literal: Literal) -> str:
    text = render(literal)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def mismatch(literal: Literal, ctype: CType, reason: str) -> TemplateError:
    return TemplateError(f"{shown(literal)} cannot be a {ctype.written or ctype.spelling}: {reason}")


def integer_text(value: int) -> str:
    if abs(value) < 2**31:
        return str(value)
    if value == -(2**63):
        return "(-9223372036854775807LL - 1)"
    return f"{value}ULL" if value > 2**63 - 1 else f"{value}LL"


def expression(literal: Literal, ctype: CType) -> str:
    """A C++ expression of type ``ctype.spelling`` holding ``literal``."""
    ctype = concretize(ctype, literal)
    match ctype.kind, literal:
        case Kind.INTEGER, Int(value):
            low, high = integer_range(ctype)
            if not low <= value <= high:
                raise mismatch(literal, ctype, f"out of range [{low}, {high}]")
            return integer_text(value)
        case Kind.FLOATING, Int(value) | Float(value):
            if abs(value) > FLOAT_MAX[ctype.spelling]:
                raise mismatch(literal, ctype, "out of range")
            return repr(float(value))
        case Kind.BOOL, Bool(value):
            return "true" if value else "false"
        case Kind.CHAR, Char(value) | Str(value) if len(value) == 1:
            if ord(value) > 0x7F:
                raise mismatch(literal, ctype, "a char holds one ASCII character")
            return cpp_char_literal(value)
        case Kind.STRING, Str(value):
            return cpp_string(value)
        case Kind.VECTOR, Array(items):
            assert ctype.element is not None
            element = ctype.element
            return f"{ctype.spelling}{{{', '.join(expression(item, element) for item in items)}}}"
        case Kind.SET, Array() | Set() | Map(()):
            assert ctype.element is not None
            elements = _distinct([expression(item, ctype.element) for item in _set_items(literal)], literal, ctype)
            return f"{ctype.spelling}{{{', '.join(elements)}}}"
        case Kind.MAP, Map(pairs):
            assert ctype.key is not None
            assert ctype.element is not None
            keys = _distinct([expression(key, ctype.key) for key, _ in pairs], literal, ctype)
            values = [expression(value, ctype.element) for _, value in pairs]
            entries = ", ".join(f"{{{key}, {value}}}" for key, value in zip(keys, values, strict=True))
            return f"{ctype.spelling}{{{entries}}}"
    raise mismatch(literal, ctype, _expected_form(ctype))


def _set_items(literal: Literal) -> tuple[Literal, ...]:
    """The elements of a literal written for a set: an array, a set or ``{}``."""
    return literal.items if isinstance(literal, Array | Set) else ()


def _distinct(expressions: list[str], literal: Literal, ctype: CType) -> list[str]:
    """``expressions`` when no two are the same C++ value (``1`` and ``1.0`` in a set of
    doubles are): the container would hold fewer than the test wrote."""
    if len(set(expressions)) != len(expressions):
        what = "key" if ctype.kind is Kind.MAP else "element"
        raise mismatch(literal, ctype, f"a {ctype.template} holds each {what} once, and one appears twice")
    return expressions


def _expected_form(ctype: CType) -> str:
    return {
        Kind.INTEGER: "expected an integer",
        Kind.FLOATING: "expected a number",
        Kind.BOOL: "expected true or false",
        Kind.CHAR: "expected a char such as 'a'",
        Kind.STRING: 'expected a string such as "abc"',
        Kind.CHAR_POINTER: 'expected a string such as "abc" or null',
        Kind.VECTOR: "expected an array such as [1, 2]",
        Kind.SET: "expected an array such as [1, 2] or a set such as {1, 2}",
        Kind.MAP: 'expected a map such as {"a": 1}',
        Kind.POINTER: "expected an array such as [1, 2] or null",
    }.get(ctype.kind, "this type is not supported in input/expected tests; use custom_validation_code")


def declare(name: str, literal: Literal, ctype: CType) -> tuple[str, ...]:
    """Statements that declare the local ``name`` (an lvalue, so ``T&`` parameters bind)."""
    ctype = concretize(ctype, literal)
    match ctype.kind, literal:
        case Kind.CHAR_POINTER, Str(value):
            return (f"char {name}[] = {cpp_string_literal(value.encode())};",)
        case Kind.CHAR_POINTER | Kind.POINTER, Null():
            return (f"{ctype.spelling} {name} = nullptr;",)
        case Kind.POINTER, Array(items):
            assert ctype.element is not None
            element = ctype.element
            values = ", ".join(expression(item, element) for item in items)
            return (f"{element.spelling} {name}[{max(1, len(items))}] = {{{values}}};",)
    return (f"{ctype.spelling} {name} = {expression(literal, ctype)};",)


def array_length(literal: Literal) -> int:
    return len(literal.items) if isinstance(literal, Array) else 0


def check(call: str, literal: Literal, ctype: CType) -> tuple[str, ...]:
    """Statements that store the returned value as ``cr_actual``.

    The expected value is deliberately not part of them: the harness only reports what
    the function returned and the comparison happens outside the process (``comparison.same_value``),
    so nothing in the submission's process can find or forge a passing comparison. The
    literal still decides the type and is checked against it here.
    """
    declared = ctype
    ctype = concretize(ctype, literal)
    if ctype.kind is Kind.CHAR_POINTER:
        if not isinstance(literal, Str | Null):
            raise mismatch(literal, ctype, _expected_form(ctype))
        return (f"const char* const cr_actual = ({call});",)
    if ctype.kind is Kind.VOID:
        raise TemplateError("the function returns void: check its effects with custom_validation_code")
    if ctype.kind in (Kind.POINTER, Kind.UNSUPPORTED):
        raise mismatch(literal, ctype, "a returned value of this type cannot be compared; use custom_validation_code")
    expression(literal, ctype)  # raises when the expected literal cannot be a value of the return type
    if not declared.concrete and _holds_map_or_set(ctype):
        # A literal cannot tell std::map from std::unordered_map (nor set from unordered_set):
        # keep the deduced result as it came back; show() prints either kind.
        return (f"const auto cr_actual(({call}));",)
    return (f"const {ctype.spelling} cr_actual(({call}));",)


def _holds_map_or_set(ctype: CType) -> bool:
    return ctype.kind in (Kind.MAP, Kind.SET) or any(_holds_map_or_set(part) for part in ctype.parts)


def concretize(ctype: CType, literal: Literal) -> CType:
    """Replace template parameters and ``auto`` by the type the literal suggests."""
    if ctype.concrete:
        return ctype
    inferred = _deduce(ctype, literal)
    if not inferred.concrete:
        raise mismatch(literal, ctype, "cannot deduce the element type of an empty array, set or map")
    return replace(inferred, rvalue_reference=ctype.rvalue_reference, written=ctype.written)


def _deduce(ctype: CType, literal: Literal) -> CType:
    """``ctype`` with what ``literal`` tells about its unknown parts; an empty container's
    may stay unknown, for a sibling to tell (``[[1], []]`` is a ``vector<vector<int>>``)."""
    if ctype.concrete:
        return ctype
    if ctype.kind is Kind.DEDUCED:
        return infer(literal)
    if ctype.kind is Kind.MAP and isinstance(literal, Map) and ctype.key and ctype.element:
        if not literal.items:
            return ctype
        keys = [_deduce(ctype.key, key) for key, _ in literal.items]
        values = [_deduce(ctype.element, value) for _, value in literal.items]
        return container(ctype.template, _unify(values, literal), _unify(keys, literal))
    if (items := _elements_of(ctype, literal)) is not None and ctype.element is not None:
        elements = [_deduce(ctype.element, item) for item in items]
        return container(ctype.template, _unify(elements, literal)) if elements else ctype
    raise mismatch(literal, ctype, _expected_form(ctype))


def _elements_of(ctype: CType, literal: Literal) -> tuple[Literal, ...] | None:
    """The element literals when ``literal`` has the form of a ``ctype`` sequence or set."""
    if ctype.kind in (Kind.VECTOR, Kind.POINTER) and isinstance(literal, Array):
        return literal.items
    if ctype.kind is Kind.SET and (isinstance(literal, Array | Set) or literal == Map(())):
        return _set_items(literal)
    return None


def deductions(pattern: CType, concrete: CType) -> dict[str, CType]:
    """What the template parameters in ``pattern`` became in ``concrete``."""
    if pattern.kind is Kind.DEDUCED:
        return {pattern.spelling: replace(concrete, rvalue_reference=False, written="")}
    found: dict[str, CType] = {}
    if len(pattern.parts) == len(concrete.parts):
        for part, concrete_part in zip(pattern.parts, concrete.parts, strict=True):
            found |= deductions(part, concrete_part)
    return found


def substitute(pattern: CType, deduced: dict[str, CType]) -> CType:
    """``pattern`` with the template parameters that ``deduced`` knows replaced."""
    if pattern.kind is Kind.DEDUCED:
        return deduced.get(pattern.spelling, pattern)
    if pattern.concrete or pattern.element is None:
        return pattern
    key = substitute(pattern.key, deduced) if pattern.key is not None else None
    return replace(container(pattern.template, substitute(pattern.element, deduced), key), written=pattern.written)


def infer(literal: Literal) -> CType:
    """The natural C++ type of a literal; an empty array's element type stays unknown."""
    match literal:
        case Int(value):
            name = "int" if abs(value) < 2**31 else "long long" if value < 2**63 else "unsigned long long"
            return CType(Kind.INTEGER, name)
        case Float():
            return CType(Kind.FLOATING, "double")
        case Bool():
            return CType(Kind.BOOL, "bool")
        case Char():
            return CType(Kind.CHAR, "char")
        case Str():
            return CType(Kind.STRING, "std::string")
        case Array(items):
            return container("std::vector", _unify([infer(item) for item in items], literal) if items else _UNKNOWN)
        case Set(items):
            return container("std::set", _unify([infer(item) for item in items], literal) if items else _UNKNOWN)
        case Map(pairs):
            keys = _unify([infer(key) for key, _ in pairs], literal) if pairs else _UNKNOWN
            return container(
                "std::map", _unify([infer(value) for _, value in pairs], literal) if pairs else _UNKNOWN, keys
            )
    raise TemplateError(f"cannot deduce a C++ type from {shown(literal)}")


_UNKNOWN = CType(Kind.DEDUCED, "?")


def _unify(types: list[CType], literal: Literal) -> CType:
    """The one type all elements fit: ints widen, ints and floats make double."""
    joined = types[0]
    for other in types[1:]:
        found = _join(joined, other)
        if found is None:
            raise TemplateError(f"the elements of {shown(literal)} do not share one C++ type")
        joined = found
    return joined


def _join(a: CType, b: CType) -> CType | None:
    if a == b or b.kind is Kind.DEDUCED:
        return a
    if a.kind is Kind.DEDUCED:
        return b
    if {a.kind, b.kind} == {Kind.INTEGER, Kind.FLOATING}:
        return a if a.kind is Kind.FLOATING else b
    if a.kind is b.kind is Kind.INTEGER:
        return a if integer_range(a)[1] >= integer_range(b)[1] else b
    if a.template and a.template == b.template and len(a.parts) == len(b.parts):
        parts = [_join(x, y) for x, y in zip(a.parts, b.parts, strict=True)]
        if None in parts:
            return None
        *key, element = parts
        assert element is not None
        return container(a.template, element, key[0] if key else None)
    return None
