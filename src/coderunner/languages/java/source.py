"""What the submitted Java declares, read with tree-sitter's Java grammar.

``read_source`` lists the top-level types, which one is public (it names the file javac
wants), the classes with a ``public static void main(String[])``, and the methods a test
could call: the non-private methods of a top-level ``class Solution`` (LeetCode's shape)
and the non-private static methods of the other top-level classes.

>>> source = read_source("class Solution { public int add(int a, int b) { return a + b; } }")
>>> [(m.owner, m.name, m.static, [p.type_text for p in m.parameters]) for m in source.methods]
[('Solution', 'add', False, ['int', 'int'])]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter_java
from tree_sitter import Language, Node, Parser

SOLUTION_CLASS = "Solution"
_LANGUAGE = Language(tree_sitter_java.language())
_TYPE_DECLARATIONS = frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"})
_STRING_ARRAY = re.compile(r"(?:java\.lang\.)?String\s*(?:\[\s*\]|\.\.\.)")


@dataclass(frozen=True)
class Parameter:
    name: str
    type_text: str  # as written, e.g. "List<List<Integer>>"; varargs as "int[]"


@dataclass(frozen=True)
class Method:
    owner: str  # the top-level class that declares it
    name: str
    return_text: str
    parameters: tuple[Parameter, ...]
    static: bool
    public: bool
    line: int

    @property
    def display(self) -> str:
        params = ", ".join(p.type_text for p in self.parameters)
        return f"{self.return_text} {self.owner}.{self.name}({params}) at line {self.line}"


@dataclass(frozen=True)
class Source:
    types: tuple[str, ...]  # top-level type names, in order
    public_type: str | None  # the public top-level type, whose name the file must have
    main_classes: tuple[str, ...]  # top-level classes with public static void main(String[])
    methods: tuple[Method, ...]
    has_errors: bool

    @property
    def file_name(self) -> str:
        """The file javac needs the code in: named after its public type, if any."""
        return f"{self.public_type or SOLUTION_CLASS}.java"


def read_source(code: str) -> Source:
    root = Parser(_LANGUAGE).parse(code.encode()).root_node
    types: list[str] = []
    public: str | None = None
    mains: list[str] = []
    methods: list[Method] = []
    for node in root.children:
        if node.type not in _TYPE_DECLARATIONS:
            continue
        name = _text(node.child_by_field_name("name"))
        types.append(name)
        if "public" in _modifiers(node):
            public = public or name
        if node.type != "class_declaration":
            continue
        for member in _members(node):
            method = _method(name, member)
            if method is None:
                continue
            modifiers = _modifiers(member)
            if _is_main(method, modifiers):
                mains.append(name)
            elif "private" not in modifiers and (name == SOLUTION_CLASS or method.static):
                methods.append(method)
    return Source(tuple(types), public, tuple(mains), tuple(methods), root.has_error)


def _members(node: Node) -> list[Node]:
    body = node.child_by_field_name("body")
    return [child for child in body.children if child.type == "method_declaration"] if body else []


def _method(owner: str, node: Node) -> Method | None:
    parameters: list[Parameter] = []
    formal = node.child_by_field_name("parameters")
    for child in formal.children if formal else ():
        if child.type == "formal_parameter":
            parameters.append(
                Parameter(_text(child.child_by_field_name("name")), _text(child.child_by_field_name("type")))
            )
        elif child.type == "spread_parameter":
            kind = next((c for c in child.children if c.type not in ("modifiers", "variable_declarator", "...")), None)
            declarator = next((c for c in child.children if c.type == "variable_declarator"), None)
            name = _text(declarator.child_by_field_name("name")) if declarator else ""
            parameters.append(Parameter(name, _text(kind) + "[]"))
        elif child.type == "receiver_parameter":
            continue
    return Method(
        owner=owner,
        name=_text(node.child_by_field_name("name")),
        return_text=_text(node.child_by_field_name("type")),
        parameters=tuple(parameters),
        static="static" in _modifiers(node),
        public="public" in _modifiers(node),
        line=node.start_point[0] + 1,
    )


def _is_main(method: Method, modifiers: frozenset[str]) -> bool:
    return (
        method.name == "main"
        and {"public", "static"} <= modifiers
        and method.return_text == "void"
        and len(method.parameters) == 1
        and _STRING_ARRAY.fullmatch(method.parameters[0].type_text) is not None
    )


def _modifiers(node: Node) -> frozenset[str]:
    modifiers = next((child for child in node.children if child.type == "modifiers"), None)
    if modifiers is None:
        return frozenset()
    return frozenset(
        _text(child) for child in modifiers.children if child.type not in ("marker_annotation", "annotation")
    )


def _text(node: Node | None) -> str:
    return node.text.decode() if node is not None and node.text is not None else ""
