"""Keep the submission's macros away from the harness that follows it.

The user's code comes first in the translation unit, so that it compiles with exactly
its own includes; the harness after it would still see a ``#define int long long``,
``#define CHECK(x) ...`` or ``#define std evil`` of the user's. So between the two the
harness ``#undef``\\ s every name the code ``#define``\\ s:

>>> undef_lines(defined_macros("#define CHECK(x) x\\n#  define int long long\\nint CHECK2;"))
['#undef CHECK', '#undef int']

These are all the macros the user can make: a macro is only made by a ``#define``
directive, whose name is written out (it is never the result of macro expansion or
``##`` pasting), or by a header, and the headers a submission can include are the
system's own. ``#pragma push_macro``/``pop_macro`` only bring back definitions made by
such directives. The directives are found the way the preprocessor finds them: after
line splices are undone and each comment has become one space, a ``#`` (or ``%:``) that
starts a line; string, character and raw string literals are skipped. A name defined
only in a branch the preprocessor skips is undefined all the same, which is harmless.

Left alone: names reserved to the implementation (``__x``, ``_X``), which configure the
standard library (``_GLIBCXX_DEBUG``) and include the compiler's builtins
(``__LINE__``, which doctest needs), and names that cannot be macros at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_SPLICE = re.compile(r"\\[ \t\f\v]*\r?\n")
# The tokens that matter for finding directives; anything else is one character.
_TOKEN = re.compile(
    r"""
      (?P<newline>\n)
    | (?P<space>[ \t\f\v\r]+)
    | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<raw>(?:u8|[uUL])?R"(?P<delimiter>[^ ()\\\t\v\f\n]{0,16})\()
    | (?P<text>(?:u8|[uUL])?(?:"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?))
    | (?P<number>\.?[0-9](?:[eEpP][+-]|'[0-9A-Za-z_]|[0-9A-Za-z_.])*)
    | (?P<identifier>[A-Za-z_\x80-\U0010ffff][0-9A-Za-z_\x80-\U0010ffff]*)
    | (?P<hash>\#|%:)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_NOT_MACROS = frozenset({"defined", "_Pragma", "__VA_ARGS__", "__VA_OPT__", "and", "and_eq", "bitand", "bitor",
                         "compl", "not", "not_eq", "or", "or_eq", "xor", "xor_eq"})  # fmt: skip
_RESERVED = re.compile(r"__|_[A-Z]")


def defined_macros(code: str) -> list[str]:
    """Every name a ``#define`` directive of ``code`` defines, in order, once each."""
    names: dict[str, None] = {}
    for directive in _directives(_SPLICE.sub("", code)):
        if len(directive) >= 2 and directive[0] == "define":
            names[directive[1]] = None
    return list(names)


def undef_lines(names: Iterable[str]) -> list[str]:
    """``#undef`` lines for the names the harness must not see defined by the user."""
    return [f"#undef {name}" for name in names if name not in _NOT_MACROS and not _RESERVED.match(name)]


def _directives(code: str) -> Iterator[list[str]]:
    """The identifiers at the start of each directive: ``["define", "NAME"]``, ``["include"]``, ..."""
    at_line_start = True
    directive: list[str] | None = None
    position = 0
    while position < len(code):
        match = _TOKEN.match(code, position)
        assert match is not None  # the last alternative takes any character
        kind = match.lastgroup
        position = match.end()
        if kind == "raw":
            closing = code.find(f'){match.group("delimiter")}"', position)
            position = len(code) if closing < 0 else closing + len(match.group("delimiter")) + 2
        if kind == "newline":
            if directive is not None:
                yield directive
            at_line_start, directive = True, None
        elif kind in ("space", "comment"):
            continue
        elif kind == "hash" and at_line_start:
            at_line_start, directive = False, []
        else:
            at_line_start = False
            if directive is not None and len(directive) < 2:
                if kind != "identifier":
                    yield directive
                    directive = None
                else:
                    directive.append(match.group())
    if directive is not None:
        yield directive
