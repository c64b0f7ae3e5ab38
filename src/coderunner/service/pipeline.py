"""The one sequence every entry point runs: record → generate → sandbox → grade → record."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import structlog

from coderunner.domain.callback import CallbackPolicy, check_callback
from coderunner.domain.delivery import WEBHOOK
from coderunner.domain.execution import Execution, ExecutionStatus, ProgramInfo, RequestInfo, status_for
from coderunner.domain.outcome import Grade, Verdict
from coderunner.domain.submission import Submission
from coderunner.errors import InvalidSubmission, SandboxUnavailable, StoreError, TemplateError
from coderunner.languages.plugin import Language, check_mode
from coderunner.service.outbox import FinalState, Outbox
from coderunner.service.ports import Admission, ExecutionStore, Metrics, NoMetrics, Phase, Sandbox
from coderunner.shielded import to_the_end

log = structlog.get_logger("coderunner.pipeline")
CANCELLED_MESSAGE = "the evaluation was cancelled before it finished"
NOT_STARTED_MESSAGE = "the evaluation was cancelled before it started"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Pipeline:
    """Evaluates submissions and keeps their records truthful.

    ``record`` stores a new pending execution; ``run`` takes it to a terminal state. A
    failure of ours ends as ``failed`` with error_type internal_error, never as a pass;
    a cancelled run ends as ``cancelled`` and its container is gone. Every final state
    goes through the outbox, so a record also ends when the store was away at that moment.
    """

    def __init__(
        self,
        store: ExecutionStore,
        sandbox: Sandbox | None,
        languages: Callable[[str], Language],
        *,
        server_instance: str,
        clock: Callable[[], datetime] = utcnow,
        event_sinks: Sequence[str] = (),
        callbacks: CallbackPolicy | None = None,
        on_final: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
    ) -> None:
        """``sandbox``: None in a process that records and ends executions but grades none
        (an API node of a scale-out deployment: ``run`` then ends them failed);
        ``event_sinks``: every final state owes its event to these (the outbox delivers it);
        ``callbacks``: which callback_urls are allowed (None: webhooks are off, and a
        submission with a callback_url is refused); ``on_final``: called after a final state
        was stored (wakes the dispatcher)."""
        self._store = store
        self._sandbox = sandbox
        self._languages = languages
        self._instance = server_instance
        self._clock = clock
        self._outbox = Outbox(store)
        self._event_sinks = tuple(event_sinks)
        self._callbacks = callbacks
        self._on_final = on_final
        self._metrics = metrics or NoMetrics()

    async def record(
        self, submission: Submission, request: RequestInfo, admission: Admission | None = None
    ) -> Execution:
        """Stores ``submission`` as pending (its language must exist and have its mode: InvalidSubmission
        otherwise); with ``admission``, only within its bounds (``Overloaded`` otherwise)."""
        check_mode(self._languages(submission.language), submission)
        if submission.callback_url:
            if self._callbacks is None:
                raise InvalidSubmission("callback_url", "webhooks are off on this service (CODERUNNER_WEBHOOK_SECRET)")
            check_callback(submission.callback_url, self._callbacks)
        request = replace(request, server_instance=self._instance)
        execution_id = str(uuid.uuid4())
        try:
            return await self._store.create(execution_id, submission, request, self._clock(), admission)
        except StoreError as exc:
            # The insert may have committed just before the connection dropped: should the
            # record exist, it must not stay pending. (Without one, the outbox drops this.)
            failed = self._failed(submission, f"the database failed while recording it: {exc}")
            self._outbox.put(execution_id, failed, doubtful=True)
            raise

    async def start(self, execution_id: str) -> Execution:
        """Claims a recorded execution for this process (``ExecutionStore.mark_running``) and
        returns its record: running, or final and unchanged (then it must not run again).
        Raises ``ExecutionNotFound`` and ``StoreError``."""
        return await self._store.mark_running(execution_id, self._clock())

    async def run(self, execution: Execution, *, started: bool = False) -> Execution:
        """Runs a recorded execution to its terminal state and returns the stored record.

        ``started``: the caller claimed it with ``start`` already (a worker, which had no
        record before that claim); otherwise it is claimed here, and a record found final
        is returned as it is. When the store fails on the way, ``StoreError`` is raised and
        the final state (the grade, when it was computed) is written by the outbox once the
        store answers.
        """
        submission = execution.submission
        language = submission.language
        # Every line logged while it runs (here, in the sandbox, in the outbox) names it and its key.
        with structlog.contextvars.bound_contextvars(
            execution_id=execution.id, **_key_fields(execution.request.api_key_id)
        ):
            bound = log.bind(language=language, tests=len(submission.tests))
            self._metrics.phase_duration(Phase.QUEUE_WAIT, language, self._since(execution.created_at))
            try:
                if not started and (claimed := await self.start(execution.id)).status.is_terminal:
                    return claimed
                grade = await self._grade(execution.id, submission)
            except asyncio.CancelledError:
                # The caller went away (or the service is stopping): the sandbox removed its
                # container before this propagated; the record must not stay running.
                await to_the_end(self._end(execution, self._cancelled(submission, CANCELLED_MESSAGE)))
                raise
            except Exception as exc:
                # Ours, never the submission's: an unreachable engine or database, a refused limit, or a bug.
                bound.error("execution.failed", error=str(exc), error_class=type(exc).__name__)
                await self._end(execution, self._failed(submission, str(exc)))
                raise
            error_type = "" if grade.verdict in (Verdict.ACCEPTED, Verdict.WRONG_ANSWER) else grade.verdict.value
            final = FinalState(
                status_for(grade.verdict), self._clock(), grade, error_type, grade.error_message, self._owed(submission)
            )
            self._finished(execution, final)
            await self._outbox.settle(execution.id, final)
            self._on_final()
            bound.info(
                "execution.finished",
                verdict=grade.verdict.value,
                passed=grade.passed_count,
                run_ms=grade.run_wall_ms,
                peak_memory_kb=grade.peak_memory_kb,
            )
            return await self._store.get(execution.id)

    def abandon(self, execution: Execution) -> None:
        """Ends a recorded execution that will never run (cancelled while it waited for a
        slot) as ``cancelled``; the outbox writes it at once, or as soon as the store answers."""
        state = self._cancelled(execution.submission, NOT_STARTED_MESSAGE)
        self._finished(execution, state)
        self._outbox.put(execution.id, state)

    async def give_up(self, execution: Execution, message: str) -> None:
        """Ends a recorded execution that will not be graded (it could not be queued, or its
        workers kept dying) as ``failed`` / internal_error with ``message``; the outbox
        retries the write while the store is away."""
        log.error("execution.given_up", execution_id=execution.id, reason=message)
        await self._end(execution, self._failed(execution.submission, message))

    async def final_written(self, execution_id: str) -> None:
        """Returns once the final state of ``execution_id`` the store refused is written (at
        once when none is kept): a worker acknowledges its message only then."""
        await self._outbox.written(execution_id)

    async def close(self, timeout_s: float) -> list[str]:
        """At shutdown, after the scheduler drained: writes the final states still kept for
        up to ``timeout_s``; returns the ids left unwritten (start-up recovery fails them)."""
        return await self._outbox.close(timeout_s)

    async def _end(self, execution: Execution, state: FinalState) -> None:
        self._finished(execution, state)
        # Shielded: a second cancellation must not leave the record running. A store failure
        # is not raised over the error being handled: the outbox keeps the state and retries.
        with contextlib.suppress(StoreError):
            await asyncio.shield(self._outbox.settle(execution.id, state))
            self._on_final()

    def _finished(self, execution: Execution, state: FinalState) -> None:
        language = execution.submission.language
        verdict = state.grade.verdict.value if state.grade is not None else ""
        self._metrics.execution_finished(language, state.status.value, verdict)
        self._metrics.phase_duration(Phase.TOTAL, language, self._since(execution.created_at))

    def _since(self, then: datetime) -> float:
        return (self._clock() - then).total_seconds()

    def _owed(self, submission: Submission) -> tuple[str, ...]:
        return (*self._event_sinks, WEBHOOK) if submission.callback_url else self._event_sinks

    def _failed(self, submission: Submission, message: str) -> FinalState:
        return FinalState(
            ExecutionStatus.FAILED, self._clock(), None, "internal_error", message, self._owed(submission)
        )

    def _cancelled(self, submission: Submission, message: str) -> FinalState:
        return FinalState(ExecutionStatus.CANCELLED, self._clock(), None, "cancelled", message, self._owed(submission))

    async def _grade(self, execution_id: str, submission: Submission) -> Grade:
        language = self._languages(submission.language)
        try:
            program = language.generate(submission)
        except TemplateError as exc:
            return Grade(verdict=Verdict.TEMPLATE_ERROR, error_message=str(exc))
        await self._store.save_program(
            execution_id,
            ProgramInfo(
                language=language.name,
                generator=program.generator,
                test_count=program.test_count,
                custom_validation_used=program.custom_validation_used,
                generation_ms=program.generation_ms,
                source=program.source,
            ),
        )
        if self._sandbox is None:
            raise SandboxUnavailable(f"this process ({self._instance}) grades nothing: it has no sandbox")
        started = time.monotonic()
        run = await self._sandbox.execute(program.job)
        self._metrics.phase_duration(Phase.SANDBOX, language.name, time.monotonic() - started)
        # The supervisor's own measure of the steps, without the engine's overhead.
        self._metrics.phase_duration(Phase.BUILD, language.name, sum(o.wall_ms for o in run.compile) / 1000)
        if run.compiled and run.run:
            self._metrics.phase_duration(Phase.TESTS, language.name, sum(o.wall_ms for o in run.run) / 1000)
        return language.grade(submission, program, run)


def _key_fields(api_key_id: str | None) -> dict[str, str]:
    return {"api_key_id": api_key_id} if api_key_id else {}
