"""Render a returned value in coderunner's literal syntax, trusting nothing about it.

Only real builtins are accepted, checked by exact type (a subclass of ``int`` or ``list``
could lie through ``__eq__``, ``__repr__``, ``__iter__`` or ``__hash__``); nothing the value
defines is ever called. The text is compared with the expected literal outside the
sandbox, by coderunner.languages.comparison.
"""

import math

# Bound now, before the user's code runs: replacing builtins.type or len later changes nothing here.
_type = type
_len = len
_sorted = sorted

MAX_DEPTH = 100  # as coderunner.languages.literals.MAX_DEPTH
MAX_ITEMS = 1_000_000


class NotPlain(Exception):
    """The value is not made of plain builtins (or cannot be a literal)."""


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _string(value):
    out = []
    for char in value:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append("\\u%04x" % code)
        elif 0xD800 <= code <= 0xDFFF:
            raise NotPlain("a str holding a lone surrogate")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def render(value, depth=0):
    """The literal text of ``value``: ``[1, 2]``, ``"s"``, ``true``, ``null``, ``{"a": 1}``.

    Tuples render as arrays; sets as arrays sorted by their rendered items (a set has no
    order); dicts as ``{key: value}`` in insertion order.
    """
    if depth > MAX_DEPTH:
        raise NotPlain("a value nested more than %d deep (or one that contains itself)" % MAX_DEPTH)
    kind = _type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        try:
            return int.__repr__(value)
        except ValueError:  # beyond sys.get_int_max_str_digits()
            raise NotPlain("an int too large to print") from None
    if kind is float:
        if math.isnan(value) or math.isinf(value):
            raise NotPlain("the float %s, which equals nothing" % float.__repr__(value))
        return float.__repr__(value)
    if kind is str:
        return _string(value)
    if kind is list or kind is tuple:
        _check_size(value)
        return "[" + ", ".join([render(item, depth + 1) for item in value]) + "]"
    if kind is set or kind is frozenset:
        _check_size(value)
        return "[" + ", ".join(_sorted([render(item, depth + 1) for item in value])) + "]"
    if kind is dict:
        _check_size(value)
        items = [render(k, depth + 1) + ": " + render(v, depth + 1) for k, v in dict.items(value)]
        return "{" + ", ".join(items) + "}"
    raise NotPlain("an object of type %s" % _type_name(kind))


def _check_size(value):
    if _len(value) > MAX_ITEMS:
        raise NotPlain("a collection of more than %d items" % MAX_ITEMS)


def _type_name(kind):
    # Read past any metaclass; a __module__ that is not a str is not shown (formatting it
    # would call the submission's code).
    module = type.__getattribute__(kind, "__module__")
    name = type.__getattribute__(kind, "__qualname__")
    if _type(module) is not str or module == "builtins":
        return name
    return module + "." + name
