"""Hypothesis strategies for test literals, shared by the grammar's and the comparison's tests."""

from __future__ import annotations

from hypothesis import strategies as st

from coderunner.languages.literals import Array, Bool, Char, Float, Int, Literal, Map, Null, Set, Str


def _containers(children: st.SearchStrategy[Literal]) -> st.SearchStrategy[Literal]:
    """Arrays; maps with distinct keys; sets with distinct elements, never empty (``{}`` is a map)."""
    return st.one_of(
        st.lists(children, max_size=4).map(lambda items: Array(tuple(items))),
        st.dictionaries(children, children, max_size=4).map(lambda pairs: Map(tuple(pairs.items()))),
        st.lists(children, min_size=1, max_size=4, unique=True).map(lambda items: Set(tuple(items))),
    )


literals: st.SearchStrategy[Literal] = st.recursive(
    st.one_of(
        st.integers(min_value=-(10**50), max_value=10**50).map(Int),
        st.floats(allow_nan=False, allow_infinity=False).map(Float),
        st.booleans().map(Bool),
        st.just(Null()),
        st.text().map(Str),
        st.characters().map(Char),
    ),
    _containers,
    max_leaves=12,
)
