"""tree-sitter finds the functions a test could call, their types and the code's aliases."""

from __future__ import annotations

from coderunner.languages.cpp.signature import Function, read_source


def signatures(code: str) -> list[tuple[str, str, list[str]]]:
    return [(f.qualified_name, f.return_text, [p.type_text for p in f.parameters]) for f in read_source(code).functions]


def only(code: str) -> Function:
    functions = read_source(code).functions
    assert 1 == len(functions)
    return functions[0]


def test_free_functions_with_std_types_references_and_const() -> None:
    code = "#include <vector>\nstd::vector<int> f(const std::vector<std::string>& words, int& n, const char* s) {}"
    assert [("f", "std::vector<int>", ["const std::vector<std::string> &", "int &", "const char *"])] == signatures(
        code
    )


def test_pointer_and_reference_return_types() -> None:
    assert [("f", "int *", []), ("g", "const std::string &", [])] == signatures(
        "int* f() { return 0; }\nconst std::string& g() { static std::string s; return s; }"
    )


def test_array_parameters_and_rvalue_references() -> None:
    assert [("f", "void", ["int []", "int", "std::vector<int> &&"])] == signatures(
        "void f(int arr[], int n, std::vector<int>&& v) {}"
    )


def test_functions_in_namespaces_are_qualified() -> None:
    code = "namespace a { namespace b { int f(int x) { return x; } } }\nnamespace { int g() { return 1; } }"
    assert ["a::b::f", "g"] == [f.qualified_name for f in read_source(code).functions]


def test_function_templates_know_their_type_parameters() -> None:
    function = only("template <typename T, class U = int> T biggest(const std::vector<T>& v) { return v[0]; }")
    assert (frozenset({"T", "U"}), "T") == (function.template_parameters, function.return_text)


def test_trailing_return_types() -> None:
    assert "long long" == only("auto f(int x) -> long long { return x; }").return_text


def test_default_arguments_are_marked() -> None:
    assert [False, True] == [p.has_default for p in only("int f(int a, int b = 2) { return a + b; }").parameters]


def test_public_methods_of_class_solution_are_candidates() -> None:
    code = """
    class Solution {
        int hidden(int x) { return x; }
    public:
        Solution() {}
        ~Solution() {}
        vector<int> twoSum(vector<int>& nums, int target);
        static bool isOk(int x) { return x > 0; }
        bool operator==(const Solution&) const { return true; }
    private:
        int alsoHidden();
    };
    vector<int> Solution::twoSum(vector<int>& nums, int target) { return {}; }
    """
    functions = read_source(code).functions
    assert [("Solution", "twoSum"), ("Solution", "isOk")] == [(f.owner, f.name) for f in functions]


def test_struct_solution_members_are_public_by_default() -> None:
    assert "Solution" == only("struct Solution { int f(int x) { return x; } };").owner


def test_methods_of_other_classes_are_not_candidates() -> None:
    assert [] == signatures("class Helper { public: int f(int x) { return x; } };")


def test_functions_inside_preprocessor_branches_and_extern_c_are_found() -> None:
    code = '#ifdef X\nint f() { return 1; }\n#else\nint g() { return 2; }\n#endif\nextern "C" { int h() { return 3; } }'
    assert ["f", "g", "h"] == [f.name for f in read_source(code).functions]


def test_variadic_functions_are_not_candidates() -> None:
    assert [] == signatures("int f(int n, ...) { return n; }")


def test_main_marks_a_whole_program_and_is_not_a_candidate() -> None:
    source = read_source("int helper() { return 1; }\nint main() { return helper(); }")
    assert (True, ["helper"]) == (source.has_main, [f.name for f in source.functions])


def test_a_main_inside_a_namespace_is_not_the_program_entry() -> None:
    assert not read_source("namespace n { int main() { return 0; } }").has_main


def test_typedef_using_and_define_aliases_are_collected() -> None:
    code = "typedef long long ll;\ntypedef int* pint;\nusing vi = vector<int>;\n#define int long long\n#define F(x) x\n"
    assert {
        "ll": ("long", "long"),
        "pint": ("int", "*"),
        "vi": ("vector", "<", "int", ">"),
        "int": ("long", "long"),
    } == (read_source(code).aliases)


def test_comments_after_a_define_are_not_part_of_the_alias() -> None:
    code = "#define ll long long // 64 bits\n#define vi vector<int> /* ints */\n"
    assert {"ll": ("long", "long"), "vi": ("vector", "<", "int", ">")} == read_source(code).aliases


def test_broken_code_is_read_as_far_as_possible() -> None:
    source = read_source("int f(int x) {\n    return x +;\n}\nint g(int y) { return y; }")
    assert (True, 2, ["f", "g"]) == (source.has_errors, source.unreadable_line, [f.name for f in source.functions])


def test_valid_code_beyond_the_grammar_is_marked_unreadable_where_it_starts() -> None:
    source = read_source("#include <typeinfo>\nbool f(int x) {\n    return typeid(x) == typeid(int);\n}\n")
    assert (3, ["f"]) == (source.unreadable_line, [f.name for f in source.functions])


def test_readable_code_has_no_unreadable_line() -> None:
    assert (False, 0) == (
        read_source("int f(int x) { return x; }").has_errors,
        read_source("int f() {}").unreadable_line,
    )


def test_functions_called_by_another_function_are_helpers() -> None:
    source = read_source("int sq(int x) { return x * x; }\nint solve(int x) { return sq(x) + sq(1); }")
    assert [True, False] == [source.is_helper(f) for f in source.functions]


def test_recursion_alone_does_not_make_a_helper() -> None:
    source = read_source("int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }")
    assert not source.is_helper(source.functions[0])
