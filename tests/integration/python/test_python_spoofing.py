"""Attempts to fool the Python grader, through the real sandbox: none gets a wrong answer approved.

Every attacker's ``add`` returns a wrong value (or none), then tries to make the grader
believe otherwise. Input/expected tests cannot be fooled by anything the process does:
the expected value never enters the sandbox, so a forged result would have to contain the
right answer. Custom validation tests run their asserts in-process; the attacks below
(exits, forged reports, hooks, lying values) gain nothing there either; README's threat
model states what a deliberate attack on the harness's memory still can do.
"""

from __future__ import annotations

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import TestStatus, Verdict
from coderunner.domain.submission import TestCase

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


TESTS = [TestCase("t1", "1, 2", "3"), TestCase("t2", "2, 2", "4"), TestCase("t3", "5, 5", "10")]
CUSTOM = [
    TestCase("c1", custom_validation_code="assert add(1, 2) == 3"),
    TestCase("c2", custom_validation_code="total = add(2, 2)\nassert total == 4"),
    TestCase("c3", custom_validation_code="assert add(0, 1) in [1]\nassert not add(0, 0) != 0\nassert add(1, 1)"),
]

FAKE = '{"kind": "value", "value": "3", "nonce": "%s"}'
FAKE_PASS = '{"kind": "passed", "nonce": "%s"}'

ATTACKS = {
    "sys_exit_0_before_returning": "import sys\n\ndef add(a, b):\n    sys.exit(0)\n",
    "os_exit_0_before_returning": "import os\n\ndef add(a, b):\n    os._exit(0)\n",
    "atexit_hook_writes_a_report": (
        "import atexit, os\n\n"
        "atexit.register(lambda: (os.write(3, b'" + FAKE % "x" + "'), os._exit(0)))\n\n"
        "def add(a, b):\n    return 0\n"
    ),
    "fake_report_on_fd_3_then_exit": (
        "import os\n\ndef add(a, b):\n    os.write(3, b'" + FAKE % "" + "')\n    os._exit(0)\n"
    ),
    "fake_report_on_fd_3_then_return": (
        "import os\n\ndef add(a, b):\n    os.write(3, b'" + FAKE % "" + "')\n    return 0\n"
    ),
    "nonce_from_cmdline_and_argv": (
        "import os, sys\n\n"
        "def add(a, b):\n"
        "    seen = open('/proc/self/cmdline', 'rb').read().split(b'\\0')\n"
        "    seen += [word.encode() for word in sys.argv + sys.orig_argv]\n"
        "    for word in seen:\n"
        "        os.write(3, b'" + FAKE % "' + word + b'" + "')\n"
        "    os._exit(0)\n"
    ),
    "monkeypatch_the_harness": (
        "import json, sys\n\n"
        "honest = json.dumps\n"
        "json.dumps = lambda report, **kw: honest(dict(report, kind='passed'))\n"
        "sys.modules['crpy.runtime'].finish = lambda code: sys.modules['os']._exit(0)\n\n"
        "def add(a, b):\n    raise ValueError('no idea')\n"
    ),
    "monkeypatch_builtins": (
        "import builtins\n\n"
        "class Liar(list):\n    pass\n\n"
        "builtins.type = lambda value: int\n"
        "builtins.isinstance = lambda value, kind: True\n\n"
        "def add(a, b):\n    return Liar([3])\n"
    ),
    "lying_eq_repr_hash": (
        "class Liar:\n"
        "    def __eq__(self, other): return True\n"
        "    def __ne__(self, other): return False\n"
        "    def __hash__(self): return hash(3)\n"
        "    def __repr__(self): return '3'\n"
        "    __str__ = __repr__\n\n"
        "def add(a, b):\n    return Liar()\n"
    ),
    "lying_int_subclass": (
        "class Liar(int):\n"
        "    def __eq__(self, other): return True\n"
        "    def __repr__(self): return '3'\n\n"
        "def add(a, b):\n    return Liar(0)\n"
    ),
    "nan": "def add(a, b):\n    return float('nan')\n",
    "kill_the_supervisor": "import os\n\ndef add(a, b):\n    os.kill(os.getppid(), 9)\n    return 0\n",
    "process_outliving_its_test_forges_later_reports": (
        "import os, time\n\n"
        "def add(a, b):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        for _ in range(400):\n"
        "            for pid in os.listdir('/proc'):\n"
        "                try:\n"
        "                    words = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\\0')\n"
        "                    fd = os.open(f'/proc/{pid}/fd/3', os.O_WRONLY)\n"
        "                except OSError:\n"
        "                    continue\n"
        "                for word in words:\n"
        "                    for value in (b'4', b'10'):\n"
        '                        report = b\'{"kind": "value", "value": "%s", "nonce": "%s"}\'\n'
        "                        os.write(fd, report % (value, word))\n"
        "            time.sleep(0.01)\n"
        "        os._exit(0)\n"
        "    return 0\n"
    ),
}

# What each attack gets: the verdict, with no test approved.
EXPECTED = {
    "sys_exit_0_before_returning": Verdict.RUNTIME_ERROR,  # SystemExit is caught: the test did not finish
    "os_exit_0_before_returning": Verdict.WRONG_ANSWER,  # exit 0, but no report
    "atexit_hook_writes_a_report": Verdict.WRONG_ANSWER,  # the harness ends with os._exit: hooks never run
    "fake_report_on_fd_3_then_exit": Verdict.WRONG_ANSWER,  # wrong nonce
    "fake_report_on_fd_3_then_return": Verdict.WRONG_ANSWER,  # two reports are not one JSON object
    "nonce_from_cmdline_and_argv": Verdict.WRONG_ANSWER,  # the harness scrubbed them first
    "monkeypatch_the_harness": Verdict.WRONG_ANSWER,  # a function test needs a returned value, not "passed"
    "monkeypatch_builtins": Verdict.RUNTIME_ERROR,  # breaks the harness; its renderer bound type() before
    "lying_eq_repr_hash": Verdict.WRONG_ANSWER,  # not a plain value: nothing it defines is called
    "lying_int_subclass": Verdict.WRONG_ANSWER,
    "nan": Verdict.WRONG_ANSWER,
    "kill_the_supervisor": Verdict.RUNTIME_ERROR,  # PermissionError: crsup is not the runner's to signal
    "process_outliving_its_test_forges_later_reports": Verdict.WRONG_ANSWER,  # killed when t1 ends
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_a_spoofing_attempt_gets_no_wrong_answer_approved(grade: GradeFn, name: str) -> None:
    result = await grade(ATTACKS[name], TESTS)

    assert (EXPECTED[name], []) == (result.verdict, result.approved_test_ids), result
    assert all(t.status is not TestStatus.PASSED for t in result.tests)


CUSTOM_ATTACKS = {
    "exit_0_while_importing": "import os\nos._exit(0)\n\ndef add(a, b):\n    return 0\n",
    "sys_exit_0_in_the_call": "import sys\n\ndef add(a, b):\n    sys.exit(0)\n",
    "fake_passed_report_then_exit": (
        "import os\n\ndef add(a, b):\n    os.write(3, b'" + FAKE_PASS % "" + "')\n    os._exit(0)\n"
    ),
    "atexit_hook_writes_a_pass": (
        "import atexit, os\n\n"
        "atexit.register(lambda: (os.write(3, b'" + FAKE_PASS % "x" + "'), os._exit(0)))\n\n"
        "def add(a, b):\n    return 0\n"
    ),
    "lying_eq": (
        "class Liar:\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n\n"
        "def add(a, b):\n    return Liar()\n"
    ),
    "lying_int_subclass": (
        "class Liar(int):\n    def __eq__(self, other): return True\n    __hash__ = int.__hash__\n\n"
        "def add(a, b):\n    return Liar(0)\n"
    ),
    "lying_bool_and_contains": (
        "class Liar:\n    def __bool__(self): return True\n    def __eq__(self, other): return True\n\n"
        "def add(a, b):\n    return Liar()\n"
    ),
    "swallow_assertion_errors_with_excepthook": (
        "import sys\n\nsys.excepthook = lambda *args: None\n\ndef add(a, b):\n    return 0\n"
    ),
}


@pytest.mark.parametrize("name", list(CUSTOM_ATTACKS))
async def test_a_naive_attack_on_custom_validation_gets_nothing(grade: GradeFn, name: str) -> None:
    result = await grade(CUSTOM_ATTACKS[name], CUSTOM)

    assert [] == result.approved_test_ids, result
    assert result.verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR)


async def test_expected_values_never_enter_the_sandbox(grade: GradeFn) -> None:
    """The submission searches everything it can read for the expected values: its stdin,
    the workspace (every test's file), its command line and environment."""
    code = (
        "import os\n\n"
        "def add(a, b):\n"
        "    texts = []\n"
        "    for root, _, names in os.walk('/workspace'):\n"
        "        for name in names:\n"
        "            try:\n"
        "                texts.append(open(os.path.join(root, name), 'rb').read())\n"
        "            except OSError:\n"
        "                pass\n"
        "    for name in ('cmdline', 'environ'):\n"
        "        texts.append(open(f'/proc/self/{name}', 'rb').read())\n"
        "    for secret in (987654320 + 1, 123456788 + 1):  # not spelled out: solution.py is readable\n"
        "        if any(str(secret).encode() in text for text in texts):\n"
        "            return secret\n"
        "    return 0\n"
    )
    tests = [TestCase("t1", "1, 2", "987654321"), TestCase("t2", "2, 2", "123456789")]

    result = await grade(code, tests)

    assert (Verdict.WRONG_ANSWER, []) == (result.verdict, result.approved_test_ids)
    assert "returned 0" in result.tests[0].message


async def test_one_process_per_test_state_does_not_carry_over(grade: GradeFn) -> None:
    """A module-level counter starts afresh in every test: each test is its own process."""
    code = "calls = []\n\ndef add(a, b):\n    calls.append(1)\n    return a + b + len(calls) - 1\n"

    result = await grade(code, TESTS)

    assert (Verdict.ACCEPTED, ["t1", "t2", "t3"]) == (result.verdict, result.approved_test_ids)
