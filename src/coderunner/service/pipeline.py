"""The one sequence every entry point runs: record → generate → sandbox → grade → record."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from coderunner.domain.execution import Execution, ExecutionStatus, ProgramInfo, RequestInfo, status_for
from coderunner.domain.outcome import Grade, Verdict
from coderunner.domain.submission import Submission
from coderunner.errors import TemplateError
from coderunner.languages.plugin import Language, check_mode
from coderunner.service.ports import ExecutionStore, Sandbox

log = structlog.get_logger("coderunner.pipeline")
CANCELLED_MESSAGE = "the evaluation was cancelled before it finished"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Pipeline:
    """Evaluates submissions and keeps their records truthful.

    ``record`` stores a new pending execution; ``run`` takes it to a terminal state. A
    failure of ours ends as ``failed`` with error_type internal_error, never as a pass;
    a cancelled run ends as ``cancelled`` and its container is gone.
    """

    def __init__(
        self,
        store: ExecutionStore,
        sandbox: Sandbox,
        languages: Callable[[str], Language],
        *,
        server_instance: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._sandbox = sandbox
        self._languages = languages
        self._instance = server_instance
        self._clock = clock

    async def record(self, submission: Submission, request: RequestInfo) -> Execution:
        """Stores ``submission`` as pending (its language must exist and have its mode: InvalidSubmission otherwise)."""
        check_mode(self._languages(submission.language), submission)
        request = RequestInfo(request.client_address, request.user_agent, self._instance)
        return await self._store.create(str(uuid.uuid4()), submission, request, self._clock())

    async def run(self, execution: Execution) -> Execution:
        """Runs a recorded execution to its terminal state and returns the stored record."""
        submission = execution.submission
        bound = log.bind(execution_id=execution.id, language=submission.language, tests=len(submission.tests))
        await self._store.mark_running(execution.id, self._clock())
        try:
            grade = await self._grade(execution.id, submission)
        except asyncio.CancelledError:
            # The caller went away (or the service is stopping): the sandbox removed its
            # container before this propagated; the record must not stay running.
            await self._finish_unfinished(execution.id, ExecutionStatus.CANCELLED, "cancelled", CANCELLED_MESSAGE)
            raise
        except Exception as exc:
            # Ours, never the submission's: an unreachable engine, a refused limit, or a bug.
            bound.error("execution.failed", error=str(exc), error_class=type(exc).__name__)
            await self._finish_unfinished(execution.id, ExecutionStatus.FAILED, "internal_error", str(exc))
            raise
        error_type = "" if grade.verdict in (Verdict.ACCEPTED, Verdict.WRONG_ANSWER) else grade.verdict.value
        await self._store.finish(
            execution.id,
            status_for(grade.verdict),
            self._clock(),
            grade=grade,
            error_type=error_type,
            error_message=grade.error_message,
        )
        bound.info(
            "execution.finished",
            verdict=grade.verdict.value,
            passed=grade.passed_count,
            run_ms=grade.run_wall_ms,
            peak_memory_kb=grade.peak_memory_kb,
        )
        return await self._store.get(execution.id)

    async def _finish_unfinished(
        self, execution_id: str, status: ExecutionStatus, error_type: str, message: str
    ) -> None:
        # Shielded: a second cancellation must not leave the record running.
        await asyncio.shield(
            self._store.finish(execution_id, status, self._clock(), error_type=error_type, error_message=message)
        )

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
        run = await self._sandbox.execute(program.job)
        return language.grade(submission, program, run)
