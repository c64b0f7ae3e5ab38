"""Keep the submission's macros away from code that follows it.

Custom validation bodies (and the call into the submission) must come after the user's
code, where a ``#define CHECK(...)`` or ``#define int long long`` of the user's would
still be active. Around the user's code the harness pushes every name the following
code relies on and pops it afterwards; GCC restores the earlier definition, or
undefinedness, on ``#pragma pop_macro``:

>>> push_lines(["CHECK"])
['#pragma push_macro("CHECK")']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

# C++17 keywords and identifiers with special meaning, all of which GCC lets a user
# #define; the alternative tokens (and, or, not, ...) cannot be macros, so are left out.
_KEYWORDS_TEXT = """
    alignas alignof asm auto bool break case catch char char16_t char32_t class const
    const_cast constexpr continue decltype default delete do double dynamic_cast else enum
    explicit export extern false final float for friend goto if inline int long mutable
    namespace new noexcept nullptr operator override private protected public register
    reinterpret_cast return short signed sizeof static static_assert static_cast struct
    switch template this thread_local throw true try typedef typeid typename union unsigned
    using virtual void volatile wchar_t while
"""
CXX_KEYWORDS = frozenset(_KEYWORDS_TEXT.split())
_UNPUSHABLE = frozenset({"defined", "_Pragma", "and", "and_eq", "bitand", "bitor", "compl",
                         "not", "not_eq", "or", "or_eq", "xor", "xor_eq"})  # fmt: skip
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class DoctestNames:
    """The names of doctest_names.txt, by section."""

    framework: frozenset[str]  # doctest's own macros: DOCTEST_* and the short CHECK, TEST_CASE, ...
    other_macros: frozenset[str]
    identifiers: frozenset[str]  # other names in the macros' replacement lists


@cache
def doctest_names() -> DoctestNames:
    sections: dict[str, set[str]] = {}
    current: set[str] = set()
    for line in files("coderunner.languages.cpp").joinpath("doctest_names.txt").read_text().splitlines():
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), set())
        elif line and not line.startswith("#"):
            current.add(line)
    return DoctestNames(
        frozenset(sections["framework"]), frozenset(sections["other macros"]), frozenset(sections["identifiers"])
    )


def firewall_names(following_code: Iterable[str]) -> list[str]:
    """Every name the code after the user's may use: doctest's macros and the names in
    them, C++ keywords, and each identifier of ``following_code``."""
    names = doctest_names()
    found = {word for code in following_code for word in _IDENTIFIER.findall(code)}
    every = names.framework | names.other_macros | names.identifiers | CXX_KEYWORDS | found
    return sorted(name for name in every if not name.startswith("__") and name not in _UNPUSHABLE)


def push_lines(names: Iterable[str]) -> list[str]:
    return [f'#pragma push_macro("{name}")' for name in names]


def pop_lines(names: Iterable[str]) -> list[str]:
    return [f'#pragma pop_macro("{name}")' for name in names]
