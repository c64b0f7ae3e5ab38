"""Who is calling, what they may see, and how much they may run.

With API keys off (the embedded default) every caller is anonymous (``None``) and sees
every execution. With them on, every call names a key (``Authorization: Bearer <key>``,
the same in gRPC metadata); each key sees only the executions it submitted, as if the
others did not exist (404, never 403: their ids are not confirmed), and runs under its
own quotas. Every entry point goes through here rather than to the scheduler directly.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from coderunner.domain.api_key import ApiKey
from coderunner.domain.execution import Execution, RequestInfo
from coderunner.domain.submission import Submission
from coderunner.errors import ExecutionNotFound
from coderunner.service.keys import ApiKeys, bearer_token
from coderunner.service.ports import ExecutionFilter
from coderunner.service.queue_scheduler import QueueScheduler
from coderunner.service.quotas import Quotas
from coderunner.service.scheduler import Scheduler, result_of


class Access:
    def __init__(
        self, keys: ApiKeys, scheduler: Scheduler | QueueScheduler, *, required: bool, quotas: Quotas | None = None
    ) -> None:
        self._keys = keys
        self._scheduler = scheduler
        self._quotas = quotas or Quotas()
        self.required = required

    async def authenticate(self, authorization: str | None) -> ApiKey | None:
        """The caller's key from an ``Authorization`` value; None when keys are off (the value
        is then ignored). Raises ``Unauthenticated`` (missing, malformed, unknown or revoked)."""
        if not self.required:
            return None
        return await self._keys.recognise(bearer_token(authorization))

    async def submit(
        self, key: ApiKey | None, submission: Submission, request: RequestInfo
    ) -> tuple[Execution, asyncio.Task[Execution]]:
        """``Scheduler.submit`` for ``key``, within its quotas (``QuotaExceeded`` otherwise):
        the execution is recorded as the key's, and counts against it until it ends."""
        if key is None:
            return await self._scheduler.submit(submission, request)
        release = self._quotas.admit(key)
        try:
            execution, task = await self._scheduler.submit(submission, replace(request, api_key_id=key.id))
        except BaseException:
            release()
            self._quotas.refund(key)
            raise
        task.add_done_callback(lambda _task: release())
        return execution, task

    async def evaluate(self, key: ApiKey | None, submission: Submission, request: RequestInfo) -> Execution:
        """``submit`` and wait for the result; a cancelled caller cancels the evaluation."""
        _, task = await self.submit(key, submission, request)
        return await result_of(task)

    @staticmethod
    def visible(key: ApiKey | None, execution: Execution) -> Execution:
        """``execution`` if ``key`` may see it; ``ExecutionNotFound`` otherwise."""
        if key is not None and execution.request.api_key_id != key.id:
            raise ExecutionNotFound(execution.id)
        return execution

    @staticmethod
    def scoped(key: ApiKey | None, query: ExecutionFilter) -> ExecutionFilter:
        """``query`` narrowed to what ``key`` may see."""
        return query if key is None else replace(query, api_key_id=key.id)
