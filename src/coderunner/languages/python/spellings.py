"""Python's own spellings of test literals, turned into the shared literal syntax.

Test authors who write Python write ``True``, ``None``, ``(1, 2)`` and ``'abc'``; each
has exactly one meaning, so before ``literals.parse_arguments`` reads a Python test,
``True``/``False``/``None`` become ``true``/``false``/``null``, a tuple becomes an
array and a single-quoted string a double-quoted one (Python has no char type). Text
inside quotes is never changed.

>>> shared_syntax("(1, 'ab', None), True")
'[1, "ab", null], true'
"""

from __future__ import annotations

import re

_WORDS = {"True": "true", "False": "false", "None": "null"}
_WORD = re.compile(r"[A-Za-z_]\w*")


def shared_syntax(text: str) -> str:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char in "\"'":
            end = _string_end(text, pos)
            quoted = text[pos:end]
            out.append(_double_quoted(quoted) if char == "'" else quoted)
            pos = end
        elif word := _WORD.match(text, pos):
            out.append(_WORDS.get(word.group(), word.group()))
            pos = word.end()
        elif char == "(":
            out.append("[")
            pos += 1
        elif char == ")":
            _drop_trailing_comma(out)
            out.append("]")
            pos += 1
        else:
            out.append(char)
            pos += 1
    return "".join(out)


def _drop_trailing_comma(out: list[str]) -> None:
    """``(1,)`` is a one-item tuple; the shared grammar has no trailing commas."""
    index = len(out)
    while index > 0 and out[index - 1].isspace():
        index -= 1
    if index > 0 and out[index - 1] == ",":
        del out[index - 1]


def _string_end(text: str, start: int) -> int:
    """Just past the closing quote (or the end of an unterminated string: the literal
    parser reports it)."""
    quote = text[start]
    pos = start + 1
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
        elif text[pos] == quote:
            return pos + 1
        else:
            pos += 1
    return len(text)


def _double_quoted(quoted: str) -> str:
    body = quoted[1:-1] if len(quoted) >= 2 and quoted.endswith("'") else quoted[1:]
    out: list[str] = []
    pos = 0
    while pos < len(body):
        if body[pos] == "\\" and pos + 1 < len(body):
            out.append("'" if body[pos + 1] == "'" else body[pos : pos + 2])
            pos += 2
        else:
            out.append('\\"' if body[pos] == '"' else body[pos])
            pos += 1
    closing = '"' if len(quoted) >= 2 and quoted.endswith("'") else ""
    return '"' + "".join(out) + closing
