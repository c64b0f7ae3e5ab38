"""Read doctest's XML report (2.4.x, ``--reporters=xml``) of one test process.

Only the structure matters, and it is checked strictly: a report that is truncated,
malformed, declares a DOCTYPE (entities could expand without bound) or is larger than
any honest one raises ``ReportError``; it never counts as a pass.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from coderunner.domain.outcome import AssertionFailure
from coderunner.languages.cpp.toolchain import HARNESS_SOURCE

MAX_REPORT_BYTES = 4 * 1024 * 1024


class ReportError(ValueError):
    """The report is missing, malformed or not the shape doctest writes."""


@dataclass(frozen=True)
class Counts:
    successes: int
    failures: int


@dataclass(frozen=True)
class TestCaseReport:
    __test__ = False

    name: str
    asserts: Counts
    succeeded: bool  # doctest's own test_case_success
    skipped: bool
    failures: tuple[AssertionFailure, ...]  # failed expressions and failing messages
    exception: str | None  # an exception that escaped the test case
    crashed: bool  # the exception was a signal doctest caught
    info: str | None  # the innermost INFO of the last failed expression
    messages: tuple[str, ...] = ()  # texts of MESSAGE (warning) entries, in order


@dataclass(frozen=True)
class Report:
    test_cases: tuple[TestCaseReport, ...]
    asserts: Counts  # over the whole run
    test_case_counts: Counts


def parse_report(data: bytes) -> Report:
    if not data.strip():
        raise ReportError("the program wrote no test report")
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError("the test report is too large")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ReportError("the test report declares a DOCTYPE")
    try:
        # Decoding first turns bytes that are not UTF-8 into U+FFFD instead of a parse error.
        root = ET.fromstring(data.decode("utf-8", errors="replace"))  # DOCTYPE refused above
    except ET.ParseError as exc:
        raise ReportError(f"the test report is not complete XML ({exc})") from None
    if root.tag != "doctest":
        raise ReportError(f"the test report's root is <{root.tag}>, not <doctest>")
    cases = tuple(_test_case(node) for node in root.iter("TestCase"))
    return Report(cases, _counts(root.find("OverallResultsAsserts")), _counts(root.find("OverallResultsTestCases")))


def _test_case(node: ET.Element) -> TestCaseReport:
    results = node.find("OverallResultsAsserts")
    failures: list[AssertionFailure] = []
    info: str | None = None
    messages: list[str] = []
    for child in node.iter():
        if child.tag == "Expression" and child.get("success") == "false":
            failures.append(_expression(child))
            infos = [_text(i) for i in child.iter("Info")]
            info = infos[-1] if infos else info
        elif child.tag == "Message" and child.get("type", "").upper().startswith(("ERROR", "FATAL")):
            failures.append(AssertionFailure("", line=_line(child), message=_text(child.find("Text"))))
        elif child.tag == "Message":
            messages.append(_text(child.find("Text")))
    exception = next((e for e in node.findall("Exception")), None)
    return TestCaseReport(
        name=node.get("name", ""),
        asserts=_counts(results) if results is not None else Counts(0, 0),
        succeeded=results is not None and results.get("test_case_success") == "true",
        skipped=node.get("skipped") == "true",
        failures=tuple(failures),
        exception=_text(exception) if exception is not None else None,
        crashed=exception is not None and exception.get("crash") == "true",
        info=info,
        messages=tuple(messages),
    )


def _expression(node: ET.Element) -> AssertionFailure:
    original = _text(node.find("Original"))
    expanded = _text(node.find("Expanded"))
    thrown = node.find("Exception")
    expected = actual = None
    if expanded.count(" == ") == 1:
        actual, expected = expanded.split(" == ")
    if thrown is not None:
        message = f"threw {_text(thrown)}"
    else:
        message = f"{node.get('type', 'CHECK')}( {expanded} ) is not true" if expanded else ""
    return AssertionFailure(original, expected, actual, _line(node), message)


def _counts(node: ET.Element | None) -> Counts:
    if node is None:
        raise ReportError("the test report has no totals (the program ended before the run did)")
    try:
        return Counts(int(node.get("successes", "")), int(node.get("failures", "")))
    except ValueError:
        raise ReportError("the test report's totals are not numbers") from None


def _line(node: ET.Element) -> int | None:
    """The line in the user's own text (solution.cpp, a custom body); None in ours."""
    line = node.get("line", "")
    ours = node.get("filename") == HARNESS_SOURCE
    return int(line) if line.isdigit() and line != "0" and not ours else None


def _text(node: ET.Element | None) -> str:
    return "".join(node.itertext()).strip() if node is not None else ""
