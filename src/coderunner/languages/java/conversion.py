"""Test literals as Java expressions of a parameter's declared type.

A type is read from its text (``int``, ``Integer``, ``long[]``, ``List<List<Integer>>``,
``java.util.List<String>``...) and each literal becomes an expression javac types
exactly so: ``5L`` for a ``long``, ``new int[][] {new int[] {1}}`` for an ``int[][]``,
a mutable ``java.util.ArrayList`` for a list, ``HashSet``/``HashMap`` for a set or map
(``TreeSet``/``TreeMap`` for a sorted one). A literal that does not fit the type is a
``TemplateError`` (the overload is then not the one a test meant).

>>> from coderunner.languages.literals import parse_value
>>> java_value(parse_type("java.util.List<Long>"), parse_value("[1, -2]"))
'new java.util.ArrayList<Long>(java.util.Arrays.<Long>asList(1L, -2L))'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coderunner.errors import TemplateError
from coderunner.languages.literals import Array, Bool, Char, Float, Int, Literal, Map, Null, Set, Str, render

_INTEGRAL = {"byte": 8, "short": 16, "int": 32, "long": 64}
_BOXES = {
    "Byte": "byte", "Short": "short", "Integer": "int", "Long": "long", "Float": "float",
    "Double": "double", "Boolean": "boolean", "Character": "char",
}  # fmt: skip
_PRIMITIVES = frozenset({*_INTEGRAL, "float", "double", "boolean", "char"})
_LISTS = frozenset({"List", "ArrayList", "LinkedList", "Collection", "Iterable"})
# Each java.util set or map type a parameter may declare → the class its argument is made of.
_SETS = {
    "Set": "HashSet", "HashSet": "HashSet", "LinkedHashSet": "LinkedHashSet",
    "SortedSet": "TreeSet", "NavigableSet": "TreeSet", "TreeSet": "TreeSet",
}  # fmt: skip
_MAPS = {
    "Map": "HashMap", "HashMap": "HashMap", "LinkedHashMap": "LinkedHashMap",
    "SortedMap": "TreeMap", "NavigableMap": "TreeMap", "TreeMap": "TreeMap",
}  # fmt: skip
_UTIL = (_LISTS - {"Iterable"}) | set(_SETS) | set(_MAPS)
_TOKEN = re.compile(r"\s*([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*|<|>|,|\[\s*\]|\?|\.\.\.)")


@dataclass(frozen=True)
class JavaType:
    name: str  # simple name: "int", "Integer", "List", "String"
    arguments: tuple[JavaType, ...] = ()
    dimensions: int = 0

    @property
    def element(self) -> JavaType:
        return JavaType(self.name, self.arguments, self.dimensions - 1)

    def source(self) -> str:
        """The type as generated code writes it (collections fully qualified)."""
        name = f"java.util.{self.name}" if self.name in _UTIL else self.name
        name = "java.lang.Iterable" if self.name == "Iterable" else name
        args = f"<{', '.join(a.source() for a in self.arguments)}>" if self.arguments else ""
        return name + args + "[]" * self.dimensions


def parse_type(text: str) -> JavaType:
    """A parameter's type, e.g. ``parse_type("java.util.List<Integer>")``; ``TemplateError`` if unreadable."""
    tokens = [m.group(1) for m in _TOKEN.finditer(text)]
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", text):
        raise TemplateError(f"cannot read the parameter type {text!r}")
    parsed, rest = _type(tokens)
    if rest:
        raise TemplateError(f"cannot read the parameter type {text!r}")
    return parsed


def _type(tokens: list[str]) -> tuple[JavaType, list[str]]:
    if not tokens or not re.match(r"[A-Za-z_$]", tokens[0]):
        raise TemplateError("cannot read a parameter type")
    name = re.sub(r"\s+", "", tokens[0]).rsplit(".", 1)[-1]
    rest = tokens[1:]
    arguments: list[JavaType] = []
    if rest and rest[0] == "<":
        rest = rest[1:]
        while True:
            argument, rest = _type(rest)
            arguments.append(argument)
            if rest and rest[0] == ",":
                rest = rest[1:]
                continue
            if rest and rest[0] == ">":
                rest = rest[1:]
                break
            raise TemplateError("cannot read a parameter type's type arguments")
    dimensions = 0
    while rest and (rest[0].startswith("[") or rest[0] == "..."):
        dimensions += 1
        rest = rest[1:]
    return JavaType(name, tuple(arguments), dimensions), rest


def java_value(kind: JavaType, value: Literal) -> str:
    """``value`` as a Java expression of type ``kind``; ``TemplateError`` when it does not fit."""
    if isinstance(value, Null):
        if kind.dimensions == 0 and kind.name in _PRIMITIVES:
            raise TemplateError(f"null cannot be {_a(kind.name)}")
        return f"({kind.source()}) null"
    if kind.dimensions:
        if not isinstance(value, Array):
            raise _mismatch(kind, value)
        element = kind.element
        items = ", ".join(java_value(element, item) for item in value.items)
        return f"new {_erased(kind)} {{{items}}}"
    if kind.name in _LISTS and len(kind.arguments) == 1:
        if not isinstance(value, Array):
            raise _mismatch(kind, value)
        item_type = kind.arguments[0]
        target = JavaType(item_type.name, item_type.arguments, item_type.dimensions)
        name = f"java.util.{'LinkedList' if kind.name == 'LinkedList' else 'ArrayList'}<{item_type.source()}>"
        if not value.items:
            return f"new {name}()"
        items = ", ".join(java_value(target, item) for item in value.items)
        return f"new {name}(java.util.Arrays.<{item_type.source()}>asList({items}))"
    if kind.name in _SETS and len(kind.arguments) == 1:
        return _set(kind, value)
    if kind.name in _MAPS and len(kind.arguments) == 2:
        return _map(kind, value)
    return _scalar(kind, value)


def _set(kind: JavaType, value: Literal) -> str:
    """A set from a set literal, or an array (its order does not matter) or ``{}``."""
    if not isinstance(value, Set | Array) and value != Map(()):
        raise _mismatch(kind, value)
    items = value.items if isinstance(value, Set | Array) else ()
    element = kind.arguments[0]
    name = f"java.util.{_SETS[kind.name]}<{element.source()}>"
    if not items:
        return f"new {name}()"
    listed = ", ".join(java_value(element, item) for item in items)
    return f"new {name}(java.util.Arrays.<{element.source()}>asList({listed}))"


def _map(kind: JavaType, value: Literal) -> str:
    """A map from a map literal; its entries go through ``Map.entry``, which takes no null."""
    if not isinstance(value, Map):
        raise _mismatch(kind, value)
    key_type, value_type = kind.arguments
    name = f"java.util.{_MAPS[kind.name]}<{key_type.source()}, {value_type.source()}>"
    if not value.items:
        return f"new {name}()"
    entries = []
    for key, item in value.items:
        if isinstance(key, Null) or isinstance(item, Null):
            raise TemplateError(f"{render(value)}: a Java map argument cannot hold null")
        witness = f"<{key_type.source()}, {value_type.source()}>"
        entries.append(f"java.util.Map.{witness}entry({java_value(key_type, key)}, {java_value(value_type, item)})")
    return f"new {name}(java.util.Map.ofEntries({', '.join(entries)}))"


def _scalar(kind: JavaType, value: Literal) -> str:
    primitive = _BOXES.get(kind.name, kind.name)
    boxed = kind.name in _BOXES
    match primitive, value:
        case ("byte" | "short" | "int" | "long") as name, Int(number):
            bits = _INTEGRAL[name]
            if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
                raise TemplateError(f"{number} does not fit in {_a(kind.name)}")
            if name == "long":
                return f"{number}L"
            if name == "int":
                return f"({number})" if number < 0 else str(number)
            return f"(({name}) {number})" if not boxed else f"{kind.name}.valueOf(({name}) {number})"
        case ("double" | "float") as name, Int(number) | Float(number):
            text = repr(float(number))
            if "e" not in text and "." not in text:
                text += ".0"
            return f"({text}{'f' if name == 'float' else 'd'})"
        case "boolean", Bool(truth):
            return "true" if truth else "false"
        case "char", Char(char):
            if ord(char) > 0xFFFF:
                raise TemplateError(f"{render(value)} does not fit in a Java char")
            return "'" + _escape(char, "'") + "'"
        case (("String" | "CharSequence" | "Object"), Str(string)):
            return '"' + "".join(_escape(c, '"') for c in string) + '"'
    raise _mismatch(kind, value)


def _erased(kind: JavaType) -> str:
    """An array type javac can instantiate: generic elements are created raw."""
    name = kind.name if kind.name in _PRIMITIVES | {"String"} else JavaType(kind.name).source()
    return name + "[]" * kind.dimensions


def _escape(char: str, quote: str) -> str:
    """A char of a Java string or char literal. Octal escapes, never ``\\u``: javac
    translates ``\\u000a`` into a real line break before it reads the literal."""
    if char in (quote, "\\"):
        return "\\" + char
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\{ord(char):03o}"  # three digits: a digit after it stays a digit
    return char


def _mismatch(kind: JavaType, value: Literal) -> TemplateError:
    return TemplateError(f"{render(value)} is not {_a(kind.source())}")


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiouAEIOU" else "a ") + noun
