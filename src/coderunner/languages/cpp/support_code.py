"""C++ helpers every function-mode harness defines before the user's code.

They live in the per-submission namespace ``cr_<nonce>``, and every call between them
is qualified, so nothing the submission declares later (a ``show`` of its own, even in
``namespace std``) can be found by argument-dependent lookup when the templates are
instantiated after the user's code.

``show(value)`` prints a returned value in the literal syntax of the tests (``[1, 2]``,
``"a\\n"``, ``'c'``, ``2.5``, ``{"a": 1}`` for maps, ``{1, 2}`` for sets); grading parses
it back and compares it with the expected literal outside the process (``comparison.py``:
sets and maps in any order). Floating-point numbers are printed in the shortest form that
reads back as the same value (``std::to_chars``), so the comparison sees the real value.
Values longer than ``SHOW_LIMIT`` are cut short and never compare equal.

The support code includes only the headers it needs itself and recognises containers by
their member types (``key_type``, ``mapped_type``, ``begin()``) rather than by name, so
it works whether or not the submission included ``<map>`` or ``<set>``, and declares no
container for it.
"""

from __future__ import annotations

SHOW_LIMIT = 256 * 1024  # the whole value is compared outside; the report pipe holds 1 MiB

_SUPPORT = r"""
#include <charconv>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
namespace CR_NS {
const std::size_t show_limit = SHOW_LIMIT;
template <class T, class = void>
struct is_range : std::false_type {};
template <class T>
struct is_range<T, std::void_t<typename T::value_type, decltype(std::declval<const T&>().begin()),
                               decltype(std::declval<const T&>().end())>> : std::true_type {};
template <class T, class = void>
struct has_key : std::false_type {};  // sets and maps, ordered or not
template <class T>
struct has_key<T, std::void_t<typename T::key_type>> : std::true_type {};
template <class T, class = void>
struct has_mapped : std::false_type {};  // maps, ordered or not
template <class T>
struct has_mapped<T, std::void_t<typename T::mapped_type>> : std::true_type {};

inline std::string show(bool v) { return v ? "true" : "false"; }
template <class T>
typename std::enable_if<std::is_integral<T>::value, std::string>::type show(T v) { return std::to_string(v); }
template <class T>
std::string show_floating(T v) {
    char text[128];
    std::string s(text, std::to_chars(text, text + sizeof text, v).ptr);
    return s.find_first_of(".en") == std::string::npos ? s + ".0" : s;
}
inline std::string show(float v) { return CR_NS::show_floating(v); }
inline std::string show(double v) { return CR_NS::show_floating(v); }
inline std::string show(long double v) { return CR_NS::show_floating(v); }
inline std::string hex(unsigned v, int width) {
    std::string out(static_cast<std::size_t>(width), '0');
    for (int i = width - 1; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 15];
    return out;
}
inline std::string show_char(unsigned char c, char quote) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') return std::string(1, '\\') + static_cast<char>(c);
    if (c == '\n') return "\\n";
    if (c == '\t') return "\\t";
    if (c == '\r') return "\\r";
    if (c < 0x20 || c == 0x7F) return "\\u" + CR_NS::hex(c, 4);
    if (c >= 0x80 && quote == '\'') return "\\x" + CR_NS::hex(c, 2);
    return std::string(1, static_cast<char>(c));
}
inline std::string show(char c) { return "'" + CR_NS::show_char(static_cast<unsigned char>(c), '\'') + "'"; }
inline std::string show(const std::string& s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size() && out.size() < show_limit; ++i)
        out += CR_NS::show_char(static_cast<unsigned char>(s[i]), '"');
    return out + (out.size() < show_limit ? "\"" : "...\"");
}
inline std::string show(const char* s) { return s == nullptr ? "null" : CR_NS::show(std::string(s)); }
// Sequences as [a, b], sets as {a, b}, maps as {k: v}, each in iteration order.
template <class C>
typename std::enable_if<is_range<C>::value && !std::is_same<C, std::string>::value, std::string>::type show(
    const C& c) {
    const char* close = has_key<C>::value ? "}" : "]";
    std::string out = has_key<C>::value ? "{" : "[";
    bool first = true;
    for (const auto& item : c) {
        if (out.size() >= show_limit) return out + ", ..." + close;
        out += first ? "" : ", ";
        first = false;
        if constexpr (has_mapped<C>::value)
            out += CR_NS::show(item.first) + ": " + CR_NS::show(item.second);
        else
            out += CR_NS::show(static_cast<const typename C::value_type&>(item));  // vector<bool>'s proxies too
    }
    return out + close;
}
}  // namespace CR_NS
"""


def support_code(namespace: str) -> str:
    return _SUPPORT.replace("CR_NS", namespace).replace("SHOW_LIMIT", str(SHOW_LIMIT)).strip("\n")
