"""Refuse function-mode code that reaches for the test framework.

In function mode the submission shares one program with doctest, so code that names
doctest (``doctest::``, ``DOCTEST_*``, ``CHECK``, ``TEST_CASE``, ...), juggles the macro
stack (``push_macro``, ``_Pragma``), pastes tokens (``##`` could build any of those
names) or includes doctest's headers is rejected before anything runs: a submission
that touches the test framework gains nothing. Comments and string literals are not
code, so they may say anything; line splices are undone first so ``DOC\\<newline>TEST``
is seen as written.

>>> problems("int CHECK(int x) { return x; }")
['uses CHECK, which belongs to the test framework']
"""

from __future__ import annotations

import re

from coderunner.errors import TemplateError
from coderunner.languages.cpp.macro_firewall import doctest_names
from coderunner.languages.cpp.signature import parse, walk

_SPLICE = re.compile(rb"\\[ \t\f\v]*\r?\n")
_NOT_CODE = frozenset({"comment", "string_literal", "raw_string_literal", "char_literal", "system_lib_string"})
# Inside #define bodies the grammar keeps raw text: blank its literals and comments by hand.
_LITERAL_OR_COMMENT = re.compile(rb'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|//[^\n]*|/\*.*?\*/', re.DOTALL)
_WORD = re.compile(rb"[A-Za-z_]\w*")
_MACRO_STACK = frozenset({"_Pragma", "push_macro", "pop_macro"})


def screen(code: str) -> None:
    """Raise ``TemplateError`` naming what the code must not use, if anything."""
    if found := problems(code):
        raise TemplateError("function-mode code must not touch the test framework: " + "; ".join(found))


def problems(code: str) -> list[str]:
    source = _SPLICE.sub(b"", code.encode())
    root = parse(source.decode(errors="replace")).root_node
    blanked = bytearray(source)
    found: list[str] = []
    for node in walk(root):
        if node.type == "preproc_include" and b"doctest" in (node.text or b"").lower():
            found.append("includes a doctest header")
        if node.type in _NOT_CODE:
            blanked[node.start_byte : node.end_byte] = _blank(source[node.start_byte : node.end_byte])
        elif node.type == "preproc_arg":
            arg = source[node.start_byte : node.end_byte]
            blanked[node.start_byte : node.end_byte] = _LITERAL_OR_COMMENT.sub(lambda m: _blank(m.group()), arg)
    code_only = bytes(blanked)
    if b"##" in code_only or b"%:%:" in code_only:
        found.append("pastes tokens with ##")
    framework = doctest_names().framework
    for word in sorted({w.decode() for w in _WORD.findall(code_only)}):
        if word in framework or word == "doctest" or word.startswith("DOCTEST_"):
            found.append(f"uses {word}, which belongs to the test framework")
        elif word in _MACRO_STACK:
            found.append(f"uses {word}, which could undo the harness's macro firewall")
    return found


def _blank(data: bytes) -> bytes:
    return re.sub(rb"[^\n]", b" ", data)
