"""What the submitted C++ declares, read with tree-sitter's C++ grammar.

``read_source`` lists the functions a test could call: free functions (also inside
namespaces, ``extern "C"`` blocks and ``#if`` branches, templates included) and the
public methods of a top-level ``class Solution``. It also collects the simple type
aliases (``typedef``, ``using X = ...``, object-like ``#define``) that types are read
through, and whether the code defines ``main``. Code the grammar cannot read entirely
(broken code, but also valid code beyond the grammar, such as ``typeid(int)`` or a
macro used as a statement) is read as far as its error recovery allows;
``unreadable_line`` says where it first gave up (0: nowhere).

>>> source = read_source("class Solution { public: int add(int a, int b) { return a + b; } };")
>>> [(f.owner, f.name, [p.type_text for p in f.parameters]) for f in source.functions]
[('Solution', 'add', ['int', 'int'])]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser, Tree

from coderunner.languages.cpp.cxx_types import tokenize

SOLUTION_CLASS = "Solution"
_LANGUAGE = Language(tree_sitter_cpp.language())
_PREPROCESSOR_BLOCKS = frozenset({"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"})
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_CLASS_NODES = frozenset({"class_specifier", "struct_specifier"})
# Nodes whose declarations belong to the enclosing scope; ERROR is the grammar's recovery.
_TRANSPARENT = _PREPROCESSOR_BLOCKS | {"linkage_specification", "declaration_list", "declaration", "ERROR"}


@dataclass(frozen=True)
class Parameter:
    name: str
    type_text: str  # the declaration without the name, e.g. "const vector<int> &"
    has_default: bool = False


@dataclass(frozen=True)
class Function:
    name: str
    return_text: str
    parameters: tuple[Parameter, ...]
    line: int
    scope: tuple[str, ...] = ()  # enclosing named namespaces
    owner: str | None = None  # "Solution" for its methods
    template_parameters: frozenset[str] = frozenset()

    @property
    def qualified_name(self) -> str:
        return "::".join((*self.scope, self.name))

    @property
    def display(self) -> str:
        owner = f"{self.owner}::" if self.owner else ""
        params = ", ".join(p.type_text for p in self.parameters)
        return f"{self.return_text} {owner}{self.qualified_name}({params}) at line {self.line}"


@dataclass(frozen=True)
class Source:
    functions: tuple[Function, ...]
    aliases: Mapping[str, tuple[str, ...]]
    calls: Mapping[str, frozenset[str]]  # function name → names its body calls
    has_main: bool
    unreadable_line: int = 0

    @property
    def has_errors(self) -> bool:
        return self.unreadable_line > 0

    def is_helper(self, function: Function) -> bool:
        """Another function calls it, so it is probably not the one under test."""
        return any(function.name in callees for caller, callees in self.calls.items() if caller != function.name)


def parse(code: str) -> Tree:
    return Parser(_LANGUAGE).parse(code.encode())


def text(node: Node | None) -> str:
    return node.text.decode(errors="replace") if node is not None and node.text is not None else ""


def walk(node: Node) -> Iterator[Node]:
    """Every node below ``node``, depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def read_source(code: str) -> Source:
    root = parse(code).root_node
    functions: list[Function] = []
    _read_scope(root, (), functions)
    has_main = any(f.name == "main" and not f.scope and f.owner is None for f in functions)
    candidates = tuple(f for f in functions if f.name != "main" or f.scope or f.owner)
    return Source(candidates, _aliases(root), _calls(root), has_main, _first_error_line(root))


def _first_error_line(root: Node) -> int:
    if not root.has_error:
        return 0
    broken = (node for node in walk(root) if node.is_error or node.is_missing)
    return min((node.start_point.row + 1 for node in broken), default=1)


def _read_scope(node: Node, scope: tuple[str, ...], out: list[Function]) -> None:
    for child in node.named_children:
        kind = child.type
        if kind == "function_definition":
            _add_function(child, scope, None, frozenset(), out)
        elif kind == "template_declaration":
            params = _template_parameters(child)
            for inner in child.named_children:
                if inner.type == "function_definition":
                    _add_function(inner, scope, None, params, out)
        elif kind == "namespace_definition":
            name = text(child.child_by_field_name("name"))
            inner_scope = (*scope, *name.replace(" ", "").split("::")) if name else scope
            if body := child.child_by_field_name("body"):
                _read_scope(body, inner_scope, out)
        elif kind in _TRANSPARENT:
            _read_scope(child, scope, out)
        elif kind in _CLASS_NODES and not scope and text(child.child_by_field_name("name")) == SOLUTION_CLASS:
            _read_solution(child, out)


def _read_solution(node: Node, out: list[Function]) -> None:
    body = node.child_by_field_name("body")
    public = node.type == "struct_specifier"
    for child in body.named_children if body else ():
        if child.type == "access_specifier":
            public = text(child).strip() == "public"
        elif public and child.type in ("function_definition", "field_declaration", "declaration"):
            _add_function(child, (), SOLUTION_CLASS, frozenset(), out)
        elif public and child.type == "template_declaration":
            for inner in child.named_children:
                if inner.type in ("function_definition", "field_declaration", "declaration"):
                    _add_function(inner, (), SOLUTION_CLASS, _template_parameters(child), out)


def _add_function(
    node: Node, scope: tuple[str, ...], owner: str | None, template_params: frozenset[str], out: list[Function]
) -> None:
    _, suffix, function = _unwrap(node.child_by_field_name("declarator"))
    if function is None:
        return
    name_node = function.child_by_field_name("declarator")
    if name_node is None or name_node.type not in ("identifier", "field_identifier"):
        return  # operators, destructors, out-of-class definitions such as Solution::f
    name = text(name_node)
    if name == owner:
        return  # a constructor
    parameters = _parameters(function.child_by_field_name("parameters"))
    if parameters is None:
        return
    trailing = next((c for c in function.named_children if c.type == "trailing_return_type"), None)
    return_text = text(trailing).removeprefix("->").strip() if trailing else _joined(_specifiers(node), suffix)
    line = node.start_point.row + 1
    out.append(Function(name, return_text, parameters, line, scope, owner, template_params))


def _parameters(node: Node | None) -> tuple[Parameter, ...] | None:
    """The parameters, or None when the function is variadic (no literal list fits it)."""
    params: list[Parameter] = []
    for child in node.children if node else ():
        if child.type in ("(", ")", ",", "comment"):
            continue
        if child.type not in ("parameter_declaration", "optional_parameter_declaration"):
            return None  # ..., a parameter pack, or something the grammar could not read
        name, suffix, _ = _unwrap(child.child_by_field_name("declarator"))
        type_text = _joined(_specifiers(child), suffix)
        if type_text == "void" and name is None:
            continue  # f(void)
        params.append(Parameter(name or "", type_text, child.type == "optional_parameter_declaration"))
    return tuple(params)


def _unwrap(node: Node | None) -> tuple[str | None, list[str], Node | None]:
    """Walk a declarator: the declared name, the ``* & && []`` around it, the function part."""
    suffix: list[str] = []
    while node is not None:
        kind = node.type
        if kind == "function_declarator":
            return None, suffix, node
        if kind.endswith("pointer_declarator"):
            suffix.append("*")
        elif kind.endswith("reference_declarator"):
            suffix.append(text(node.children[0]))
        elif kind.endswith("array_declarator"):
            suffix.append("[]")
        elif kind.endswith("parenthesized_declarator"):
            suffix.append("(")  # function pointers and the like: no literal fits them
        else:
            return text(node), suffix, None
        inner = node.child_by_field_name("declarator")
        named = [c for c in node.named_children if c.type != "type_qualifier"]
        node = inner if inner is not None else (named[-1] if named else None)
    return None, suffix, None


def _specifiers(node: Node) -> str:
    parts = [text(c) for c in node.children if c.type == "type_qualifier"]
    return " ".join([*parts, text(node.child_by_field_name("type"))])


def _joined(specifiers: str, suffix: list[str]) -> str:
    return " ".join([specifiers, *suffix]).strip()


def _template_parameters(node: Node) -> frozenset[str]:
    params = node.child_by_field_name("parameters")
    names: set[str] = set()
    for child in params.named_children if params else ():
        if child.type.endswith("type_parameter_declaration"):
            name = child.child_by_field_name("name")
            name = name or next((c for c in child.named_children if c.type == "type_identifier"), None)
            names.add(text(name))
    return frozenset(names)


def _calls(root: Node) -> dict[str, frozenset[str]]:
    calls: dict[str, frozenset[str]] = {}
    for node in walk(root):
        body = node.child_by_field_name("body") if node.type == "function_definition" else None
        _, _, function = _unwrap(node.child_by_field_name("declarator")) if body else (None, [], None)
        if body is not None and function is not None:
            name = text(function.child_by_field_name("declarator")).rsplit("::", 1)[-1]
            calls[name] = calls.get(name, frozenset()) | frozenset(_called_names(body))
    return calls


def _called_names(body: Node) -> Iterator[str]:
    for node in walk(body):
        if node.type == "call_expression" and (callee := node.child_by_field_name("function")):
            target = callee.child_by_field_name("field") or callee.child_by_field_name("name") or callee
            if target.type == "template_function":
                target = target.child_by_field_name("name") or target
            yield text(target)


def _aliases(root: Node) -> dict[str, tuple[str, ...]]:
    aliases: dict[str, tuple[str, ...]] = {}
    for node in walk(root):
        if node.type == "type_definition":
            specifiers = _specifiers(node)
            for declarator in node.children_by_field_name("declarator"):
                name, suffix, _ = _unwrap(declarator)
                if name:
                    aliases[name] = tokenize(_joined(specifiers, suffix))
        elif node.type == "alias_declaration":
            aliases[text(node.child_by_field_name("name"))] = tokenize(text(node.child_by_field_name("type")))
        elif node.type == "preproc_def":
            value = _COMMENT.sub(" ", text(node.child_by_field_name("value")))  # the grammar keeps them in
            aliases[text(node.child_by_field_name("name"))] = tokenize(value)
    return aliases
