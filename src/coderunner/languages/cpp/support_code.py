"""C++ helpers every function-mode harness defines before the user's code.

They live in the per-submission namespace ``cr_<nonce>``, and every call between them
is qualified, so nothing the submission declares later (a ``show`` of its own, even in
``namespace std``) can be found by argument-dependent lookup when the templates are
instantiated after the user's code.

``show(value)`` prints a returned value in the literal syntax of the tests (``[1, 2]``,
``"a\\n"``, ``'c'``, ``2.5``); grading parses it back and compares it with the expected
literal outside the process. Values longer than ``SHOW_LIMIT`` are cut short and never
compare equal.
"""

from __future__ import annotations

SHOW_LIMIT = 256 * 1024  # the whole value is compared outside; the report pipe holds 1 MiB

_SUPPORT = r"""
namespace CR_NS {
const std::size_t show_limit = SHOW_LIMIT;
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
inline std::string show_char(unsigned char c, char quote) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') return std::string(1, '\\') + static_cast<char>(c);
    if (c == '\n') return "\\n";
    if (c == '\t') return "\\t";
    if (c == '\r') return "\\r";
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && quote == '\'')) {
        char text[8];
        std::snprintf(text, sizeof text, c >= 0x80 ? "\\x%02x" : "\\u%04x", static_cast<unsigned>(c));
        return text;
    }
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
template <class T>
std::string show(const std::vector<T>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (out.size() >= show_limit) return out + ", ...]";
        out += (i ? ", " : "") + CR_NS::show(static_cast<const T&>(v[i]));
    }
    return out + "]";
}
}  // namespace CR_NS
"""


def support_code(namespace: str) -> str:
    return _SUPPORT.replace("CR_NS", namespace).replace("SHOW_LIMIT", str(SHOW_LIMIT)).strip("\n")
