"""doctest's XML report is read strictly: anything but a complete report is a ReportError."""

from __future__ import annotations

import pytest

from coderunner.domain.outcome import AssertionFailure
from coderunner.languages.cpp.report import Counts, ReportError, parse_report

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<doctest binary="./harness" version="2.4.11">
  <Options order_by="file" rand_seed="0" first="0" last="4294967295" abort_after="0"
    subcase_filter_levels="2147483647" case_sensitive="true" no_throw="false" no_skip="false"/>
  <TestSuite>
"""


def report(cases: str, successes: int, failures: int, passed: int, failed: int) -> bytes:
    return (
        HEAD
        + cases
        + f"""  </TestSuite>
  <OverallResultsAsserts successes="{successes}" failures="{failures}"/>
  <OverallResultsTestCases successes="{passed}" failures="{failed}"/>
</doctest>
"""
    ).encode()


PASSED = report(
    """    <TestCase name="cr_n_1" filename="harness.cpp" line="22">
      <OverallResultsAsserts successes="1" failures="0" test_case_success="true"/>
    </TestCase>
""",
    1,
    0,
    1,
    0,
)
FAILED = report(
    """    <TestCase name="cr_n_0" filename="harness.cpp" line="15">
      <Expression success="false" type="CHECK" filename="harness.cpp" line="12">
        <Original>
          cr_actual == cr_expected
        </Original>
        <Expanded>
          4 == 5
        </Expanded>
        <Info>
          global forged info
        </Info>
        <Info>
          4
        </Info>
      </Expression>
      <OverallResultsAsserts successes="0" failures="1" test_case_success="false"/>
    </TestCase>
""",
    0,
    1,
    0,
    1,
)
CUSTOM_THROW = report(
    """    <TestCase name="cr_n_2" filename="tests[2].custom_validation_code" line="1">
      <Expression success="false" type="CHECK" filename="tests[2].custom_validation_code" line="3">
        <Original>
          sq(7) == 49
        </Original>
        <Exception>
          "seven &lt;&amp;>"
        </Exception>
      </Expression>
      <Message type="ERROR" filename="tests[2].custom_validation_code" line="4">
        <Text>
          explicit failure
        </Text>
      </Message>
      <OverallResultsAsserts successes="1" failures="2" test_case_success="false"/>
    </TestCase>
""",
    1,
    2,
    0,
    1,
)
CRASH = report(
    """    <TestCase name="cr_n_3" filename="harness.cpp" line="5">
      <Exception crash="true">
        SIGSEGV - Segmentation violation signal
      </Exception>
      <OverallResultsAsserts successes="0" failures="0" test_case_success="false"/>
    </TestCase>
""",
    0,
    0,
    0,
    1,
)


def test_a_passed_test_case() -> None:
    parsed = parse_report(PASSED)
    case = parsed.test_cases[0]
    assert ("cr_n_1", Counts(1, 0), True, ()) == (case.name, case.asserts, case.succeeded, case.failures)
    assert (Counts(1, 0), Counts(1, 0)) == (parsed.asserts, parsed.test_case_counts)


def test_a_failed_check_keeps_expression_values_and_the_innermost_info() -> None:
    case = parse_report(FAILED).test_cases[0]
    assert (
        AssertionFailure(
            "cr_actual == cr_expected", expected="5", actual="4", line=None, message="CHECK( 4 == 5 ) is not true"
        ),
        "4",
    ) == (case.failures[0], case.info)


def test_exceptions_in_checks_and_error_messages_are_failures_with_their_line() -> None:
    case = parse_report(CUSTOM_THROW).test_cases[0]
    assert [
        AssertionFailure("sq(7) == 49", line=3, message='threw "seven <&>"'),
        AssertionFailure("", line=4, message="explicit failure"),
    ] == list(case.failures)


def test_a_crash_is_an_exception_of_the_test_case() -> None:
    case = parse_report(CRASH).test_cases[0]
    assert ("SIGSEGV - Segmentation violation signal", True) == (case.exception, case.crashed)


def test_two_test_cases_are_both_listed() -> None:
    both = PASSED.replace(
        b"  </TestSuite>", PASSED.split(b"<TestSuite>\n")[1].split(b"  </TestSuite>")[0] + b"  </TestSuite>"
    )
    assert 2 == len(parse_report(both).test_cases)


def test_bytes_that_are_not_utf8_do_not_break_the_report() -> None:
    assert "4\ufffd" == parse_report(FAILED.replace(b"          4\n", b"          4\xff\n")).test_cases[0].info


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "no test report"),
        (b"   \n", "no test report"),
        (PASSED[: len(PASSED) // 2], "not complete XML"),
        (PASSED + b"<doctest/>", "not complete XML"),
        (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aa">]><doctest/>', "DOCTYPE"),
        (b"<testsuites/>", "root is <testsuites>"),
        (PASSED.replace(b'  <OverallResultsTestCases successes="1" failures="0"/>\n', b""), "no totals"),
        (
            PASSED.replace(b'successes="1" failures="0"/>\n</doctest>', b'successes="x" failures="0"/>\n</doctest>'),
            "not numbers",
        ),
        (b"<doctest>" + b" " * (5 * 1024 * 1024) + b"</doctest>", "too large"),
    ],
)
def test_anything_but_a_complete_report_is_a_report_error(data: bytes, reason: str) -> None:
    with pytest.raises(ReportError, match=reason):
        parse_report(data)
