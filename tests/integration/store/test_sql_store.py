"""SqlExecutionStore keeps what the pipeline tells it, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import URL

from coderunner.domain.execution import Execution, ExecutionStatus, ProgramInfo, RequestInfo
from coderunner.domain.outcome import AssertionFailure, Grade, TestOutcome, TestStatus, Verdict
from coderunner.domain.submission import DEFAULT_TOLERANCE, Limits, Submission, TestCase, Tolerance
from coderunner.errors import ExecutionNotFound, Overloaded, StoreError
from coderunner.service.ports import Admission, ExecutionFilter
from coderunner.store.database import create_engine_for
from coderunner.store.sql_store import SqlExecutionStore
from coderunner.store.tables import ExecutionRow, GeneratedProgramRow, TestResultRow

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

T0 = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
REQUEST = RequestInfo(client_address="10.1.2.3:5555", user_agent="grpc-java/1.62 ñ", server_instance="node-a")


def new_id() -> str:
    return str(uuid.uuid4())


def a_submission(**overrides: object) -> Submission:
    """A submission where no field has its default value."""
    fields: dict[str, object] = {
        "code": "int add(int a, int b) { return a + b; }\n// ünïcode ✓",
        "tests": [
            TestCase(id="t-1", input="1, 2", expected_output="3"),
            TestCase(id="t-2", input="-1, 1", expected_output="0", tolerance=Tolerance(absolute=0.25)),
            TestCase(id="t-3", custom_validation_code='CHECK(add(2, 2) == 4);\nCHECK_EQ("a\\n", "a\\n");'),
        ],
        "language": "cpp",
        "limits": Limits(timeout_s=2.5, memory_mb=128, cpus=0.25, compile_timeout_s=20.0, output_limit_bytes=4096),
        "function_name": "add",
        "challenge_id": "challenge-7",
        "code_version_id": "version-3",
        "student_id": "student-42",
        "tolerance": Tolerance(absolute=0.001, relative=0.0),
        "callback_url": "https://hooks.example.com/graded?course=7",
    }
    fields.update(overrides)
    return Submission.create(**fields)  # type: ignore[arg-type]


def a_grade() -> Grade:
    """A wrong answer with one test of each kind: passed, failed assertions, runtime error."""
    return Grade(
        verdict=Verdict.WRONG_ANSWER,
        tests=(
            TestOutcome(test_id="t-1", status=TestStatus.PASSED, duration_ms=3),
            TestOutcome(
                test_id="t-2",
                status=TestStatus.FAILED,
                duration_ms=4,
                failures=(
                    AssertionFailure(expression="add(-1, 1) == 0", expected="0", actual="-2", line=12, message="wrong"),
                    AssertionFailure(expression="ok", line=None),
                ),
                stdout="printed\n",
                message="expected 0, got -2",
            ),
            TestOutcome(
                test_id="t-3",
                status=TestStatus.RUNTIME_ERROR,
                duration_ms=5,
                stderr="Segmentation fault",
                message="killed by SIGSEGV",
            ),
        ),
        compile_output="warning: unused variable",
        error_message="2 of 3 tests failed",
        stdout="all output",
        stderr="all errors",
        stdout_truncated=True,
        stderr_truncated=False,
        run_wall_ms=150,
        run_cpu_ms=120,
        peak_memory_kb=20480,
        compile_wall_ms=640,
        exit_code=1,
        image_id="sha256:abc",
        compiler_version="g++ 12.2.0",
        details={"exit_code": "1", "signal": "SIGSEGV"},
    )


PROGRAM = ProgramInfo(
    language="cpp",
    generator="doctest-function",
    test_count=3,
    custom_validation_used=True,
    generation_ms=7,
    source="#include <doctest.h>\n// ✓\n",
)


async def count_rows(engine: Engine) -> tuple[int, int, int]:
    def count() -> tuple[int, int, int]:
        with engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                connection.scalar(select(func.count()).select_from(table)) or 0
                for table in (ExecutionRow.__table__, TestResultRow.__table__, GeneratedProgramRow.__table__)
            )

    return await asyncio.to_thread(count)


async def test_create_then_get_returns_every_field(store: SqlExecutionStore) -> None:
    """What create() returns and what get() reads back are the submission as given, pending."""
    execution_id = new_id()
    submission = a_submission()

    created = await store.create(execution_id, submission, REQUEST, T0)

    expected = Execution(
        id=execution_id, submission=submission, status=ExecutionStatus.PENDING, created_at=T0, request=REQUEST
    )
    assert created == expected
    assert await store.get(execution_id) == expected


async def test_defaults_round_trip(store: SqlExecutionStore) -> None:
    """Empty ids, no function name and default limits come back as they went in."""
    execution_id = new_id()
    submission = Submission.create(
        language="cpp", code="int main() {}", tests=[TestCase(id="", input="", expected_output="")]
    )

    await store.create(execution_id, submission, RequestInfo(), T0)

    stored = await store.get(execution_id)
    assert stored.submission == submission
    assert stored.submission.function_name is None
    assert stored.request == RequestInfo()


async def test_an_execution_stored_without_a_tolerance_reads_back_with_the_default(
    store: SqlExecutionStore, engine: Engine
) -> None:
    """Rows written before tolerances were recorded hold NULL: they were judged by the default."""
    execution_id = new_id()
    await store.create(execution_id, a_submission(), REQUEST, T0)

    def forget_tolerances() -> None:
        with engine.begin() as connection:
            connection.execute(ExecutionRow.__table__.update().values(tolerance=None))
            connection.execute(TestResultRow.__table__.update().values(tolerance=None))

    await asyncio.to_thread(forget_tolerances)

    submission = (await store.get(execution_id)).submission
    assert (DEFAULT_TOLERANCE, [None, None, None]) == (submission.tolerance, [t.tolerance for t in submission.tests])


async def test_times_come_back_as_the_same_instant_in_utc(store: SqlExecutionStore) -> None:
    execution_id = new_id()
    in_lima = T0.astimezone(timezone(timedelta(hours=-5)))

    await store.create(execution_id, a_submission(), REQUEST, in_lima)
    await store.mark_running(execution_id, in_lima + timedelta(seconds=1))

    stored = await store.get(execution_id)
    assert (stored.created_at, stored.created_at.tzinfo) == (T0, UTC)
    assert (stored.started_at, stored.started_at and stored.started_at.tzinfo) == (T0 + timedelta(seconds=1), UTC)


async def test_naive_times_are_refused(store: SqlExecutionStore) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.create(new_id(), a_submission(), REQUEST, datetime(2026, 1, 1))


async def test_mark_running_claims_an_unfinished_record_and_returns_it_leaving_a_final_one(
    store: SqlExecutionStore,
) -> None:
    # Given a pending and a finished execution
    pending, done = new_id(), new_id()
    for execution_id in (pending, done):
        await store.create(execution_id, a_submission(), REQUEST, T0)
    await store.finish(done, ExecutionStatus.COMPLETED, T0, grade=a_grade())
    finished = await store.get(done)

    # When both are claimed (a delivery, or a redelivery after the grade was written)
    claimed = await store.mark_running(pending, T0 + timedelta(seconds=1))
    again = await store.mark_running(done, T0 + timedelta(seconds=1))

    # Then the pending one is running and comes back as a read would return it; the final one is unchanged
    assert (ExecutionStatus.RUNNING, T0 + timedelta(seconds=1)) == (claimed.status, claimed.started_at)
    assert claimed == await store.get(pending)
    assert finished == again == await store.get(done)


async def test_a_graded_execution_round_trips(store: SqlExecutionStore) -> None:
    """mark_running, save_program and finish are all read back, per-test results included."""
    # Given
    execution_id = new_id()
    submission = a_submission()
    await store.create(execution_id, submission, REQUEST, T0)

    # When
    await store.mark_running(execution_id, T0 + timedelta(seconds=1))
    await store.save_program(execution_id, PROGRAM)
    await store.finish(execution_id, ExecutionStatus.COMPLETED, T0 + timedelta(seconds=2), grade=a_grade())

    # Then
    expected = Execution(
        id=execution_id,
        submission=submission,
        status=ExecutionStatus.COMPLETED,
        created_at=T0,
        request=REQUEST,
        started_at=T0 + timedelta(seconds=1),
        finished_at=T0 + timedelta(seconds=2),
        grade=a_grade(),
        program=PROGRAM,
    )
    assert await store.get(execution_id) == expected


async def test_finish_stores_summary_columns_for_queries(store: SqlExecutionStore, engine: Engine) -> None:
    execution_id = new_id()
    await store.create(execution_id, a_submission(), REQUEST, T0)

    await store.finish(execution_id, ExecutionStatus.COMPLETED, T0, grade=a_grade())

    def read() -> tuple[object, ...]:
        with engine.connect() as connection:
            row = connection.execute(select(ExecutionRow.__table__).where(ExecutionRow.id == execution_id)).one()
            return (
                row.verdict,
                row.approved_test_ids,
                row.failed_test_ids,
                row.total_tests,
                row.passed_tests,
                row.failed_tests,
                row.run_time_ms,
                row.cpu_time_ms,
                row.peak_memory_kb,
            )

    assert await asyncio.to_thread(read) == ("wrong_answer", ["t-1"], ["t-2", "t-3"], 3, 1, 2, 150, 120, 20480)


async def test_finish_without_grade_records_the_error(store: SqlExecutionStore) -> None:
    execution_id = new_id()
    created = await store.create(execution_id, a_submission(), REQUEST, T0)

    await store.finish(
        execution_id, ExecutionStatus.FAILED, T0, error_type="sandbox_unavailable", error_message="no engine"
    )

    assert await store.get(execution_id) == replace(
        created,
        status=ExecutionStatus.FAILED,
        finished_at=T0,
        error_type="sandbox_unavailable",
        error_message="no engine",
    )


async def test_a_second_finish_replaces_the_first(store: SqlExecutionStore) -> None:
    """Including outcomes for test ids that were never submitted: kept with the grade, never
    added to the submission, and gone once a later finish no longer names them."""
    execution_id = new_id()
    submission = a_submission()
    await store.create(execution_id, submission, REQUEST, T0)
    stray = TestOutcome(test_id="not-submitted", status=TestStatus.INTERNAL_ERROR, message="unexpected id")
    first = Grade(verdict=Verdict.INTERNAL_ERROR, tests=(stray, a_grade().tests[0]), details={"a": "1"})

    await store.finish(execution_id, ExecutionStatus.FAILED, T0, grade=first)
    stored = await store.get(execution_id)
    assert (stored.grade, stored.submission) == (first, submission)

    await store.finish(execution_id, ExecutionStatus.COMPLETED, T0 + timedelta(seconds=1), grade=a_grade())
    stored = await store.get(execution_id)
    assert (stored.grade, stored.submission) == (a_grade(), submission)

    await store.finish(execution_id, ExecutionStatus.CANCELLED, T0 + timedelta(seconds=2))
    stored = await store.get(execution_id)
    assert (stored.status, stored.grade, stored.submission) == (ExecutionStatus.CANCELLED, None, submission)


async def test_save_program_twice_keeps_the_last(store: SqlExecutionStore) -> None:
    execution_id = new_id()
    await store.create(execution_id, a_submission(), REQUEST, T0)
    second = replace(PROGRAM, source="// second", generation_ms=9)

    await store.save_program(execution_id, PROGRAM)
    await store.save_program(execution_id, second)

    assert (await store.get(execution_id)).program == second


async def test_output_with_nul_and_lone_surrogates_is_stored_safely(store: SqlExecutionStore) -> None:
    """Untrusted programs print anything; PostgreSQL text cannot hold NUL, so it becomes U+FFFD."""
    execution_id = new_id()
    await store.create(execution_id, a_submission(), REQUEST, T0)
    nasty = "a\x00b\udcff"
    grade = Grade(
        verdict=Verdict.WRONG_ANSWER,
        tests=(
            TestOutcome(
                test_id="t-1",
                status=TestStatus.FAILED,
                failures=(AssertionFailure(expression=nasty, expected=nasty, actual=nasty, message=nasty),),
                stdout=nasty,
                stderr=nasty,
                message=nasty,
            ),
        ),
        stdout=nasty,
        compile_output=nasty,
    )

    await store.finish(execution_id, ExecutionStatus.COMPLETED, T0, grade=grade, error_message=nasty)

    stored = await store.get(execution_id)
    safe = "a\ufffdb?"
    assert stored.grade is not None
    outcome = stored.grade.tests[0]
    failure = outcome.failures[0]
    assert [
        stored.error_message,
        stored.grade.stdout,
        stored.grade.compile_output,
        outcome.stdout,
        outcome.stderr,
        outcome.message,
        failure.expression,
        failure.expected,
        failure.actual,
        failure.message,
    ] == [safe] * 10


async def test_list_filters_newest_first(store: SqlExecutionStore) -> None:
    # Given five executions, a minute apart, of two students on two challenges
    specs = [("s1", "c1"), ("s1", "c2"), ("s2", "c1"), ("s1", "c1"), ("s2", "c2")]
    ids = [new_id() for _ in specs]
    for minute, (execution_id, (student, challenge)) in enumerate(zip(ids, specs, strict=True)):
        submission = a_submission(student_id=student, challenge_id=challenge)
        await store.create(execution_id, submission, REQUEST, T0 + timedelta(minutes=minute))
    await store.mark_running(ids[3], T0)
    await store.finish(ids[0], ExecutionStatus.COMPLETED, T0, grade=a_grade())

    async def listed(**criteria: object) -> list[str]:
        return [execution.id for execution in await store.list(ExecutionFilter(**criteria))]  # type: ignore[arg-type]

    # Then
    assert await listed() == ids[::-1]
    assert await listed(student_id="s1") == [ids[3], ids[1], ids[0]]
    assert await listed(challenge_id="c1") == [ids[3], ids[2], ids[0]]
    assert await listed(student_id="s1", challenge_id="c1") == [ids[3], ids[0]]
    assert await listed(status=ExecutionStatus.RUNNING) == [ids[3]]
    assert await listed(status=ExecutionStatus.PENDING) == [ids[4], ids[2], ids[1]]
    assert await listed(student_id="nobody") == []


async def test_list_returns_executions_as_get_does(store: SqlExecutionStore) -> None:
    execution_id = new_id()
    await store.create(execution_id, a_submission(), REQUEST, T0)
    await store.save_program(execution_id, PROGRAM)
    await store.finish(execution_id, ExecutionStatus.COMPLETED, T0, grade=a_grade())

    assert list(await store.list(ExecutionFilter())) == [await store.get(execution_id)]


async def test_list_pages_do_not_overlap_even_with_equal_times(store: SqlExecutionStore) -> None:
    """Executions created in the same microsecond still page in one stable order."""
    ids = {new_id() for _ in range(7)}
    for execution_id in ids:
        await store.create(execution_id, a_submission(), REQUEST, T0)

    pages = [await store.list(ExecutionFilter(limit=3, offset=offset)) for offset in (0, 3, 6, 9)]

    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert {execution.id for page in pages for execution in page} == ids


async def test_fail_unfinished_touches_only_that_instances_unfinished_rows(store: SqlExecutionStore) -> None:
    # Given executions of node-a in every state, and a pending one of node-b
    a_pending, a_running, a_done, b_pending = (new_id() for _ in range(4))
    node_b = replace(REQUEST, server_instance="node-b")
    await store.create(a_pending, a_submission(), REQUEST, T0)
    await store.create(a_running, a_submission(), REQUEST, T0)
    await store.create(a_done, a_submission(), REQUEST, T0)
    await store.create(b_pending, a_submission(), node_b, T0)
    await store.mark_running(a_running, T0)
    await store.finish(a_done, ExecutionStatus.COMPLETED, T0, grade=a_grade())
    before = {execution_id: await store.get(execution_id) for execution_id in (a_pending, a_running, a_done, b_pending)}
    later = T0 + timedelta(hours=1)

    # When
    failed = await store.fail_unfinished("node-a", "node-a restarted", later)

    # Then
    assert failed == sorted([a_pending, a_running])
    for execution_id in (a_pending, a_running):
        assert await store.get(execution_id) == replace(
            before[execution_id],
            status=ExecutionStatus.FAILED,
            finished_at=later,
            error_type="internal_error",
            error_message="node-a restarted",
        )
    for untouched in (a_done, b_pending):
        assert await store.get(untouched) == before[untouched]
    assert await store.fail_unfinished("node-a", "again", later) == []


async def test_get_of_an_unknown_id_raises_not_found(store: SqlExecutionStore) -> None:
    unknown = new_id()

    with pytest.raises(ExecutionNotFound) as raised:
        await store.get(unknown)

    assert raised.value.execution_id == unknown


async def test_writes_to_an_unknown_id_raise_not_found_and_change_nothing(
    store: SqlExecutionStore, engine: Engine
) -> None:
    await store.create(new_id(), a_submission(), REQUEST, T0)
    before = await count_rows(engine)
    unknown = new_id()

    with pytest.raises(ExecutionNotFound):
        await store.mark_running(unknown, T0)
    with pytest.raises(ExecutionNotFound):
        await store.save_program(unknown, PROGRAM)
    with pytest.raises(ExecutionNotFound):
        await store.finish(unknown, ExecutionStatus.COMPLETED, T0, grade=a_grade())

    assert await count_rows(engine) == before


async def test_create_with_a_duplicate_id_raises_store_error_and_keeps_the_original(
    store: SqlExecutionStore, engine: Engine
) -> None:
    execution_id = new_id()
    original = await store.create(execution_id, a_submission(), REQUEST, T0)
    before = await count_rows(engine)

    with pytest.raises(StoreError) as raised:
        await store.create(execution_id, a_submission(code="int other;", student_id="x"), REQUEST, T0)

    assert raised.value.__cause__ is not None
    assert await store.get(execution_id) == original
    assert await count_rows(engine) == before


async def test_a_create_that_fails_halfway_writes_nothing(store: SqlExecutionStore, engine: Engine) -> None:
    """The execution row is written before its test rows; a failing test row takes it back."""
    execution_id = new_id()
    # Built with the constructor to get past Submission.create's duplicate check.
    twice = Submission(language="cpp", code="int f();", tests=(TestCase(id="same"), TestCase(id="same")))

    with pytest.raises(StoreError):
        await store.create(execution_id, twice, REQUEST, T0)

    assert await count_rows(engine) == (0, 0, 0)
    with pytest.raises(ExecutionNotFound):
        await store.get(execution_id)


async def test_a_finish_that_fails_halfway_changes_nothing(store: SqlExecutionStore) -> None:
    execution_id = new_id()
    await store.create(execution_id, a_submission(), REQUEST, T0)
    await store.mark_running(execution_id, T0)
    before = await store.get(execution_id)
    outcome = TestOutcome(test_id="t-1", status=TestStatus.PASSED)

    with pytest.raises(ValueError, match="twice"):
        await store.finish(
            execution_id, ExecutionStatus.COMPLETED, T0, grade=Grade(Verdict.ACCEPTED, tests=(outcome, outcome))
        )

    assert await store.get(execution_id) == before


async def test_concurrent_creates_all_succeed(store: SqlExecutionStore, engine: Engine) -> None:
    """Writers from many threads and a second engine queue for the lock instead of failing."""
    other_engine = create_engine_for(engine.url)
    other = SqlExecutionStore(other_engine)
    ids = [new_id() for _ in range(60)]

    try:
        await asyncio.gather(
            *(
                (store if index % 2 else other).create(execution_id, a_submission(), REQUEST, T0)
                for index, execution_id in enumerate(ids)
            )
        )
    finally:
        other_engine.dispose()

    assert {execution.id for execution in await store.list(ExecutionFilter(limit=100))} == set(ids)


CALLS: dict[str, Callable[[SqlExecutionStore], Awaitable[object]]] = {
    "create": lambda store: store.create(new_id(), a_submission(), REQUEST, T0),
    "mark_running": lambda store: store.mark_running(new_id(), T0),
    "save_program": lambda store: store.save_program(new_id(), PROGRAM),
    "finish": lambda store: store.finish(new_id(), ExecutionStatus.COMPLETED, T0),
    "get": lambda store: store.get(new_id()),
    "list": lambda store: store.list(ExecutionFilter()),
    "fail_unfinished": lambda store: store.fail_unfinished("node-a", "restart", T0),
    "stranded": lambda store: store.stranded(T0, 10),
    "claim_requeue": lambda store: store.claim_requeue(new_id(), T0, T0),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_database_errors_become_store_errors(
    database_url: URL, call: Callable[[SqlExecutionStore], Awaitable[object]]
) -> None:
    """A database without the schema answers every call with StoreError, never a driver error."""
    engine = create_engine_for(database_url)
    try:
        with pytest.raises(StoreError) as raised:
            await call(SqlExecutionStore(engine))
    finally:
        engine.dispose()

    assert raised.value.__cause__ is not None


async def test_admission_bounds_a_students_unfinished_executions(store: SqlExecutionStore) -> None:
    # Given a student with one pending, one running and one finished execution
    student = f"student-{uuid.uuid4().hex[:8]}"
    pending, running, done = (new_id() for _ in range(3))
    for execution_id in (pending, running, done):
        await store.create(execution_id, a_submission(student_id=student), REQUEST, T0)
    await store.mark_running(running, T0)
    await store.finish(done, ExecutionStatus.COMPLETED, T0, grade=a_grade())
    bound = Admission(queue_limit=1_000_000, student_limit=2)

    # Then a third unfinished one is refused, and nothing is stored
    refused = new_id()
    with pytest.raises(Overloaded, match=f"student '{student}' already has 2"):
        await store.create(refused, a_submission(student_id=student), REQUEST, T0, bound)
    with pytest.raises(ExecutionNotFound):
        await store.get(refused)
    # and another student is admitted
    await store.create(new_id(), a_submission(student_id=f"{student}-b"), REQUEST, T0, bound)

    # When one ends, the student is admitted again
    await store.finish(pending, ExecutionStatus.FAILED, T0, error_type="internal_error")
    await store.create(new_id(), a_submission(student_id=student), REQUEST, T0, bound)


async def test_admission_bounds_the_whole_store(store: SqlExecutionStore) -> None:
    # Given at least one unfinished execution in the store
    await store.create(new_id(), a_submission(), REQUEST, T0)
    # Then a store that admits one unfinished execution in all refuses the next
    with pytest.raises(Overloaded, match="the limit is 1"):
        await store.create(new_id(), a_submission(), REQUEST, T0, Admission(queue_limit=1, student_limit=10))


async def test_concurrent_admissions_from_two_engines_never_overshoot(store: SqlExecutionStore, engine: Engine) -> None:
    """The count and the insert are one step for every admission, whichever connection makes it."""
    other_engine = create_engine_for(engine.url)
    other = SqlExecutionStore(other_engine)
    student = f"student-{uuid.uuid4().hex[:8]}"
    bound = Admission(queue_limit=1_000_000, student_limit=3)

    try:
        outcomes = await asyncio.gather(
            *(
                (store if index % 2 else other).create(new_id(), a_submission(student_id=student), REQUEST, T0, bound)
                for index in range(30)
            ),
            return_exceptions=True,
        )
    finally:
        other_engine.dispose()

    assert 3 == sum(isinstance(outcome, Execution) for outcome in outcomes)
    assert all(isinstance(outcome, (Execution, Overloaded)) for outcome in outcomes), outcomes
    assert 3 == len(await store.list(ExecutionFilter(student_id=student)))


# Older than anything else the tests store: the oldest stranded records are these.
LONG_AGO = datetime(2001, 2, 3, tzinfo=UTC)


async def test_stranded_lists_old_unfinished_executions_only(store: SqlExecutionStore) -> None:
    # Given an old pending, an old running, one running since T0, an old finished and a recent pending execution
    old_pending, old_running, running_since_t0, old_done, recent = (new_id() for _ in range(5))
    for execution_id in (old_pending, old_running, running_since_t0, old_done):
        await store.create(execution_id, a_submission(), REQUEST, LONG_AGO)
    await store.create(recent, a_submission(), REQUEST, T0)
    await store.mark_running(old_running, LONG_AGO)
    await store.mark_running(running_since_t0, T0)
    await store.finish(old_done, ExecutionStatus.COMPLETED, LONG_AGO, grade=a_grade())

    # Then the old pending and old running ones are stranded at T0 (the sweep asks the broker and the limits)
    found = {execution.id for execution in await store.stranded(T0, limit=1000)}
    assert {old_pending, old_running} <= found
    assert not found & {running_since_t0, old_done, recent}


async def test_a_requeue_is_claimed_once_per_period(store: SqlExecutionStore) -> None:
    # Given an old pending execution
    execution_id = new_id()
    await store.create(execution_id, a_submission(), REQUEST, LONG_AGO)
    cutoff = LONG_AGO + timedelta(hours=1)

    # When two sweepers claim it at once, then again in the same period
    claims = await asyncio.gather(*(store.claim_requeue(execution_id, cutoff, T0) for _ in range(2)))
    again = await store.claim_requeue(execution_id, cutoff, T0)

    # Then one claim counts, the others find it taken, and it is no longer stranded at the cutoff
    assert [None, 1] == sorted(claims, key=lambda claim: claim or 0)
    assert again is None
    assert execution_id not in {execution.id for execution in await store.stranded(cutoff, limit=1000)}
    # and a period later it can be claimed again, counting on
    later = T0 + timedelta(minutes=1)
    assert 2 == await store.claim_requeue(execution_id, later, later)
    # but not once it started since the cutoff, nor once it ended
    await store.mark_running(execution_id, later)
    assert await store.claim_requeue(execution_id, later, later + timedelta(minutes=1)) is None
    await store.finish(execution_id, ExecutionStatus.COMPLETED, later, grade=a_grade())
    assert await store.claim_requeue(execution_id, later + timedelta(hours=1), later + timedelta(hours=1)) is None
