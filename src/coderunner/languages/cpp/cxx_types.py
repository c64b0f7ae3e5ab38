"""The C++ types a test literal can be converted to, read from the text of a declaration.

Types are read from token text (``const vector<ll>&``) after the submission's simple
aliases are expanded (``typedef``, ``using X = ...``, object-like ``#define``). Names of
the standard library are recognised with or without ``std::``, which is what ``using
namespace std;`` means for the types we support:

>>> parse_type("const vector<ll>&", {"ll": ("long", "long")}).spelling
'std::vector<long long>'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum


class Kind(StrEnum):
    INTEGER = "integer"
    FLOATING = "floating"
    BOOL = "bool"
    CHAR = "char"
    STRING = "string"  # std::string, std::string_view
    CHAR_POINTER = "char_pointer"  # const char*, char*: a C string
    POINTER = "pointer"  # T*, T[]: an array, often followed by its length
    VECTOR = "vector"
    SET = "set"  # std::set, std::unordered_set
    MAP = "map"  # std::map, std::unordered_map
    VOID = "void"
    DEDUCED = "deduced"  # a template parameter or auto: the literal decides
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class CType:
    """A type as far as tests care: its kind and the C++ spelling of a local that holds it.

    ``spelling`` is what generated code declares (``std::string`` for a string_view
    parameter); ``written`` is the user's text, for messages.
    """

    kind: Kind
    spelling: str
    element: CType | None = None  # VECTOR, POINTER and SET; a MAP's mapped type
    rvalue_reference: bool = False
    written: str = ""
    key: CType | None = None  # a MAP's key type
    template: str = ""  # containers: the class template (std::unordered_set), or * for POINTER

    @property
    def concrete(self) -> bool:
        return self.kind is not Kind.DEDUCED and all(part.concrete for part in self.parts)

    @property
    def parts(self) -> tuple[CType, ...]:
        """The types it is made of: a map's key and value, a container's element."""
        return tuple(part for part in (self.key, self.element) if part is not None)


def container(template: str, element: CType, key: CType | None = None) -> CType:
    """``std::vector<E>``, ``std::set<E>``, ``std::map<K, E>``, ... or ``E*`` (template ``*``)."""
    if template == "*":
        return CType(Kind.POINTER, f"{element.spelling}*", element=element, template=template)
    kind = {"std::vector": Kind.VECTOR, "std::set": Kind.SET, "std::unordered_set": Kind.SET}.get(template, Kind.MAP)
    arguments = f"{key.spelling}, {element.spelling}" if key is not None else element.spelling
    return CType(kind, f"{template}<{arguments}>", element=element, key=key, template=template)


# Two's-complement ranges on the LP64 targets the image runs on.
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "short": (-(2**15), 2**15 - 1),
    "unsigned short": (0, 2**16 - 1),
    "int": (-(2**31), 2**31 - 1),
    "unsigned int": (0, 2**32 - 1),
    "long": (-(2**63), 2**63 - 1),
    "unsigned long": (0, 2**64 - 1),
    "long long": (-(2**63), 2**63 - 1),
    "unsigned long long": (0, 2**64 - 1),
    "signed char": (-(2**7), 2**7 - 1),
    "unsigned char": (0, 2**8 - 1),
}
FLOAT_MAX = {"float": 3.4028234663852886e38, "double": 1.7976931348623157e308, "long double": 1.7976931348623157e308}

_STD_INTEGERS = {
    "size_t": "unsigned long", "ptrdiff_t": "long", "intptr_t": "long", "uintptr_t": "unsigned long",
    "int8_t": "signed char", "int16_t": "short", "int32_t": "int", "int64_t": "long", "intmax_t": "long",
    "uint8_t": "unsigned char", "uint16_t": "unsigned short", "uint32_t": "unsigned int", "uint64_t": "unsigned long",
    "uintmax_t": "unsigned long",
}  # fmt: skip
_BUILTIN_WORDS = frozenset({"signed", "unsigned", "short", "long", "int", "char", "bool", "float", "double", "void"})
_IGNORED_WORDS = frozenset(
    {"const", "volatile", "constexpr", "typename", "struct", "class", "static", "inline", "register",
     "extern", "mutable", "__restrict", "__restrict__", "restrict", "thread_local"}
)  # fmt: skip
_TOKEN = re.compile(r"\s*(::|&&|[A-Za-z_]\w*|\d+|\S)")
_MAX_EXPANSIONS = 200


def tokenize(text: str) -> tuple[str, ...]:
    """C++ tokens of a type, with ``>>`` split so that nested templates close."""
    return tuple(m.group(1) for m in _TOKEN.finditer(text))


def expand(tokens: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Replace alias names by their definitions, as the preprocessor would: a name is
    not expanded again inside its own expansion, so ``#define int long long`` stops."""
    out: list[str] = []
    budget = _MAX_EXPANSIONS
    stack: list[tuple[list[str], frozenset[str]]] = [(list(reversed(tokens)), frozenset())]
    while stack:
        pending, active = stack[-1]
        if not pending:
            stack.pop()
            continue
        token = pending.pop()
        if token in aliases and token not in active and budget > 0:
            budget -= 1
            stack.append((list(reversed(aliases[token])), active | {token}))
        else:
            out.append(token)
    return tuple(out)


def parse_type(
    text: str,
    aliases: Mapping[str, tuple[str, ...]] | None = None,
    deduced: frozenset[str] = frozenset(),
) -> CType:
    """Read a declaration's type text (without the declared name)."""
    tokens = expand(tokenize(text), aliases or {})
    parsed = _TypeParser(tokens, deduced).whole()
    return replace(parsed, written=" ".join(text.split()))


def unsupported(written: str) -> CType:
    return CType(Kind.UNSUPPORTED, written, written=written)


class _TypeParser:
    def __init__(self, tokens: tuple[str, ...], deduced: frozenset[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.deduced = deduced

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def whole(self) -> CType:
        written = " ".join(self.tokens)
        base = self.type_with_declarators()
        return base if self.peek() == "" else unsupported(written)

    def skip_ignored(self) -> None:
        while self.peek() in _IGNORED_WORDS:
            self.pos += 1

    def type_with_declarators(self) -> CType:
        start = self.pos
        self.skip_ignored()
        base = self.base()
        pointers, reference = 0, ""
        while True:
            self.skip_ignored()
            token = self.peek()
            if token == "*":
                pointers += 1
            elif token in ("&", "&&") and not reference:
                reference = token
            elif token == "[":
                while self.peek() not in ("]", ""):
                    self.pos += 1
                pointers += 1  # a parameter declared as an array is a pointer
            else:
                break
            self.pos += 1
        written = " ".join(self.tokens[start : self.pos])
        result = _pointer_to(base, pointers, written) if pointers else base
        return replace(result, rvalue_reference=reference == "&&", written=written)

    def base(self) -> CType:
        words: list[str] = []
        while self.peek() in _BUILTIN_WORDS:
            words.append(self.peek())
            self.pos += 1
            self.skip_ignored()
        if words:
            return _builtin(words)
        return self.named()

    def named(self) -> CType:
        start = self.pos
        parts: list[str] = []
        arguments: list[CType] = []
        if self.peek() == "::":
            self.pos += 1
        while re.fullmatch(r"[A-Za-z_]\w*", self.peek()):
            parts.append(self.peek())
            self.pos += 1
            if self.peek() == "<":
                arguments = self.template_arguments()
            if self.peek() != "::":
                break
            self.pos += 1
        written = " ".join(self.tokens[start : self.pos])
        return _classify(parts, arguments, written, self.deduced)

    def template_arguments(self) -> list[CType]:
        self.pos += 1
        arguments: list[CType] = []
        while self.peek() not in (">", ""):
            if self.peek() == ",":
                self.pos += 1
                continue
            before = self.pos
            arguments.append(self.type_with_declarators())
            if self.pos == before:  # a non-type argument such as 5
                arguments.append(unsupported(self.peek()))
                self.pos += 1
        self.pos += 1
        return arguments


def _builtin(words: list[str]) -> CType:
    longs = words.count("long")
    unsigned = "unsigned" in words
    for name in ("void", "bool", "float"):
        if name in words:
            kind = {"void": Kind.VOID, "bool": Kind.BOOL, "float": Kind.FLOATING}[name]
            return CType(kind, name)
    if "double" in words:
        return CType(Kind.FLOATING, "long double" if longs else "double")
    if "char" in words:
        if "signed" in words or unsigned:
            return CType(Kind.INTEGER, ("unsigned" if unsigned else "signed") + " char")
        return CType(Kind.CHAR, "char")
    size = "short" if "short" in words else {0: "int", 1: "long"}.get(longs, "long long")
    return CType(Kind.INTEGER, f"unsigned {size}" if unsigned else size)


def _classify(parts: list[str], arguments: list[CType], written: str, deduced: frozenset[str]) -> CType:
    while parts[:1] == ["std"] or parts[:1] == ["__cxx11"]:
        parts = parts[1:]
    if len(parts) != 1:
        return unsupported(written)
    name = parts[0]
    if name in deduced or name == "auto":
        return CType(Kind.DEDUCED, name)
    if name in _STD_INTEGERS:
        return CType(Kind.INTEGER, "std::" + name)
    if name in ("string", "string_view"):
        return CType(Kind.STRING, "std::string")
    usable = all(argument.kind not in (Kind.VOID, Kind.UNSUPPORTED) for argument in arguments)
    if name == "vector" and arguments and arguments[0].kind not in (Kind.VOID, Kind.UNSUPPORTED):
        return container("std::vector", arguments[0])
    # Only with the default comparator, hash and allocator, the only ones the type reader knows.
    if name in ("set", "unordered_set") and len(arguments) == 1 and usable:
        return container("std::" + name, arguments[0])
    if name in ("map", "unordered_map") and len(arguments) == 2 and usable:
        return container("std::" + name, arguments[1], key=arguments[0])
    return unsupported(written)


def _pointer_to(base: CType, pointers: int, written: str) -> CType:
    if pointers == 1 and base.kind is Kind.CHAR:
        return CType(Kind.CHAR_POINTER, "char*")
    if pointers == 1 and base.kind in (Kind.INTEGER, Kind.FLOATING, Kind.BOOL, Kind.STRING):
        return container("*", base)
    return unsupported(written)


def integer_range(ctype: CType) -> tuple[int, int]:
    name = ctype.spelling.removeprefix("std::")
    return INTEGER_RANGES[_STD_INTEGERS.get(name, name)]
