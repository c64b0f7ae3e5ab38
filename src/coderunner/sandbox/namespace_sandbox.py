"""NamespaceSandbox: the ``Sandbox`` port on long-lived containers that serve many
submissions, each in fresh namespaces (CODERUNNER_ISOLATION=namespaces).

Every container has all the settings of a single-use one (hardening.py) plus a seccomp
profile that lets its supervisor unshare the session's namespaces and mount its tmpfs
(seccomp.namespaces_profile). Per submission: take a serving container, write one
request to the supervisor's open stream, read one reply (files, build and tests in one
exchange: no docker exec, no engine call), and give the container back; the deadline
of the whole exchange is enforced here, outside the container. A container whose
submission did not end cleanly (outside deadline, a timeout or memory limit hit, the
session or supervisor dying, anything unexpected) or that served ``recycle_after``
submissions is removed in the background by the reaper and replaced: the answer never
waits for a removal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import docker
import structlog

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun, StepLimits
from coderunner.errors import SandboxFailure
from coderunner.sandbox.docker_errors import map_docker_errors
from coderunner.sandbox.docker_sandbox import (
    FRAME_OVERHEAD,
    OUTSIDE_GRACE_S,
    DockerSandbox,
    _Handle,
    _new_name,
    _still_running,
)
from coderunner.sandbox.hardening import SandboxPolicy, SandboxUsers, resource_kwargs
from coderunner.sandbox.images import ImageBuilder
from coderunner.sandbox.namespace_pool import ServingContainer, ServingPool
from coderunner.sandbox.seccomp import namespaces_profile
from coderunner.sandbox.session_protocol import render_request, serve_argv, session_outcomes
from coderunner.sandbox.supervisor import check_job, with_lost_step
from coderunner.sandbox.supervisor_stream import Exchange, SupervisorStream
from coderunner.service.ports import Metrics

# A step that hit a limit may leave the container's cgroup in a state we did not measure
# (memory pressure, a throttled CPU quota): the container serves nobody else.
_RECYCLE_AFTER_STATUS = frozenset({ProcessStatus.TIMEOUT, ProcessStatus.MEMORY_LIMIT, ProcessStatus.INTERNAL_ERROR})
# A reply's "P LEN\n" chunk headers and its "Z" line, per 64 KiB the session writes.
_CHUNK_OVERHEAD = 16

log = structlog.get_logger("coderunner.sandbox")


class NamespaceSandbox(DockerSandbox):
    """The ``Sandbox`` port on serving containers (see the module docstring)."""

    _SERVING = True

    def __init__(
        self,
        client: docker.DockerClient,
        images: ImageBuilder,
        *,
        policy: SandboxPolicy,
        instance: str,
        uid_base: int,
        uid_slots: int = 4096,
        recycle_after: int = 100,
        keep: int = 1,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(
            client, images, policy=policy, instance=instance, uid_base=uid_base, uid_slots=uid_slots, metrics=metrics
        )
        self._policy = replace(self._policy, seccomp_profile=namespaces_profile(self._policy.seccomp_profile or ""))
        self._recycle_after = recycle_after
        self._keep = keep
        self._serving: dict[str, ServingPool] = {}

    def _start_pool(self, image: str, size: int, limits: StepLimits) -> None:
        if image in self._serving:
            return
        self.image_for(image)  # built now, not in the refill thread
        self._pool_limits[image] = limits
        pool = ServingPool(
            # The image's current id each time: a container of a rebuilt image is replaced.
            lambda: self._make_serving(self.image_for(image)[0], limits),
            self._recycle,
            size=max(size, 0),
            keep=self._keep,
            on_ready=lambda ready: self._metrics.warm_pool_ready(image, ready),
        )
        self._serving[image] = pool
        # DockerSandbox's warm_ready, close and _engine_lost use only the surface the two
        # pools share (ready, close, discard_all); its _take_warm is never called here.
        self._pools[image] = pool  # type: ignore[assignment]
        pool.start()

    def _serving_pool(self, image: str, limits: StepLimits) -> ServingPool:
        with self._pools_lock:
            if image not in self._serving:
                size, pool_limits = self._pools_on_first_use.pop(image, (0, limits))
                self._start_pool(image, size, pool_limits)
            return self._serving[image]

    def _make_serving(self, image_id: str, limits: StepLimits, handle: _Handle | None = None) -> ServingContainer:
        """Starts a serving container. ``handle``: the caller's, named before the create, so
        that a caller cancelled meanwhile removes the container even half-started (a
        process that stops then would otherwise leave it behind)."""
        handle = handle or _Handle()
        users = handle.users = self._uids.acquire()
        try:
            with map_docker_errors("start a serving sandbox"):
                with handle.lock:  # named and created under the lock: a canceller waits, then removes it
                    name = handle.name = _new_name(self._instance)
                    handle.container = self._create(limits, image_id, users, name)
                if handle.cancelled.is_set():  # cancelled while it was being created
                    raise SandboxFailure("the sandbox was cancelled")
                handle.container.start()
                stream = SupervisorStream(self._client, str(handle.container.id), serve_argv(self._policy))
        except BaseException:
            self._remove(handle)  # frees the UIDs once it is gone
            if handle.name is None:  # nothing was created: the UIDs were never used
                self._uids.release(users)
            raise
        return ServingContainer(handle.container, users, image_id, stream, limits)

    def _recycle(self, serving: ServingContainer, then: Callable[[], None] | None) -> None:
        """Closes the stream and removes the container in the background; its UIDs are
        freed (and ``then`` runs) once it is gone."""
        serving.stream.close()
        users = serving.users

        def gone() -> None:
            self._uids.release(users)
            if then is not None:
                then()

        self._reaper.add(str(serving.container.id), gone)

    def _run_job(self, job: SandboxJob, handle: _Handle) -> SandboxRun:
        check_job(job)
        image_id, labels = self.image_for(job.image)
        pool = self._serving_pool(job.image, job.compile_limits)
        serving, users, exchange = self._serve(pool, job, handle, image_id)
        outcomes = session_outcomes(exchange.session, job)
        compile_outcomes, run_outcomes = outcomes.compile, outcomes.run
        if not outcomes.complete:
            try:
                stopped = (
                    exchange.status is None and not exchange.deadline_hit and not _still_running(serving.container)
                )
            except BaseException:  # the engine did not answer: the container must not be leaked
                self._lost(pool, serving, handle, users)
                raise
            if stopped:
                self._lost(pool, serving, handle, users)
                raise SandboxFailure(f"the sandbox container stopped under the job ({serving.container.status})")
            if not exchange.session and not exchange.deadline_hit:
                self._lost(pool, serving, handle, users)
                detail = exchange.stderr[-1000:].decode(errors="replace")
                raise SandboxFailure(
                    f"the sandbox's supervisor did not take the submission (status {exchange.status}): {detail}"
                )
            if len(compile_outcomes) and not all(o.status is ProcessStatus.SUCCESS for o in compile_outcomes):
                compile_outcomes = with_lost_step(
                    compile_outcomes, deadline_hit=exchange.deadline_hit, limits=job.compile_limits
                )
            else:
                run_outcomes = with_lost_step(run_outcomes, deadline_hit=exchange.deadline_hit, limits=job.run_limits)
        serving.served += 1
        statuses = {o.status for o in (*compile_outcomes, *run_outcomes)}
        if (
            exchange.clean
            and outcomes.complete
            and not statuses & _RECYCLE_AFTER_STATUS
            and serving.served < self._recycle_after
        ):
            self._uids.release(users)  # the session ended: nothing runs as them any more
            pool.give_back(serving)
        else:
            self._lost(pool, serving, handle, users)
        return SandboxRun(compile=compile_outcomes, run=run_outcomes, image_id=image_id, image_labels=labels)

    def _serve(
        self, pool: ServingPool, job: SandboxJob, handle: _Handle, image_id: str
    ) -> tuple[ServingContainer, SandboxUsers, Exchange]:
        """Sends ``job`` to a serving container of ``pool``; the container, the job's UIDs
        and the exchange. A container whose stream ended before its supervisor acknowledged
        the request (it died while idle: killed, OOM-killed, the engine restarted) ran
        nothing of it: it is recycled, and the job goes once more, to another container.
        After the acknowledgement the job is never sent again (see the README's threat
        model): the caller ends it as it ended."""
        for attempt in (1, 2):
            if attempt > 1:
                with handle.lock:  # the first attempt's container is being recycled (_lost): forget it
                    if handle.cancelled.is_set():
                        raise SandboxFailure("the sandbox was cancelled")
                    handle.name, handle.container, handle.users, handle.removed = None, None, None, False
            serving = self._take(pool, job.image, image_id, handle)
            with handle.lock:
                handle.name, handle.container, handle.users = (
                    str(serving.container.id),
                    serving.container,
                    serving.users,
                )
            users = self._uids.acquire()
            try:
                if handle.cancelled.is_set():
                    raise SandboxFailure("the sandbox was cancelled")
                self._fit(serving, job)
                exchange = self._exchange(serving, job, users)
            except BaseException:
                self._lost(pool, serving, handle, users)
                raise
            if attempt > 1 or not exchange.never_taken:
                break
            log.warning(
                "sandbox.serving_container_gone",
                container=str(serving.container.id)[:12],
                stderr=exchange.stderr[-300:].decode(errors="replace"),
            )
            self._metrics.sandbox_failure("serving_container_gone")
            self._lost(pool, serving, handle, users)
        return serving, users, exchange

    def _take(self, pool: ServingPool, image: str, image_id: str, handle: _Handle) -> ServingContainer:
        """An idle container of the current image, or one started now under ``handle``."""
        serving = pool.take()
        self._metrics.warm_pool_take(image, hit=serving is not None)
        if serving is not None and serving.image_id != image_id:  # the image was rebuilt meanwhile
            pool.recycle(serving)
            serving = None
        if serving is not None:
            return serving
        limits = self._pool_limits[image]
        return pool.make_now(lambda: self._make_serving(image_id, limits, handle))

    def _fit(self, serving: ServingContainer, job: SandboxJob) -> None:
        """Raises the container's memory and CPU limits when ``job`` needs more than they
        are now (each phase's own memory limit is enforced by crsup)."""
        needed = _larger(serving.limits, _larger(job.compile_limits, job.run_limits))
        if (needed.memory_mb, needed.cpus) != (serving.limits.memory_mb, serving.limits.cpus):
            with map_docker_errors("resize a serving sandbox"):
                serving.container.update(**resource_kwargs(needed))
            serving.limits = needed

    def _exchange(self, serving: ServingContainer, job: SandboxJob, users: SandboxUsers) -> Exchange:
        phases = ((job.compile, job.compile_limits), (job.run, job.run_limits))
        report_bytes = sum(len(steps) * (3 * limits.output_limit_bytes + FRAME_OVERHEAD) for steps, limits in phases)
        max_bytes = report_bytes + report_bytes // (1 << 16) * _CHUNK_OVERHEAD + 2 * FRAME_OVERHEAD
        wall_s = job.compile_limits.wall_s + job.run_limits.wall_s + 2 * OUTSIDE_GRACE_S
        exchange = serving.stream.exchange(
            render_request(job, users, self._policy, container_mb=serving.limits.memory_mb),
            deadline=time.monotonic() + wall_s,
            max_bytes=max_bytes,
        )
        if exchange.overflow:
            raise SandboxFailure("the supervisor sent more than the submission's steps can produce")
        if not exchange.clean:
            log.warning(
                "sandbox.session_unclean",
                container=str(serving.container.id)[:12],
                status=exchange.status,
                deadline_hit=exchange.deadline_hit,
                stderr=exchange.stderr[-300:].decode(errors="replace"),
            )
        return exchange

    def _lost(self, pool: ServingPool, serving: ServingContainer, handle: _Handle, users: SandboxUsers) -> None:
        """``serving`` serves no one again: recycled in the background, and the
        submission's UIDs freed once it is gone (unless a cancelled caller removed it)."""
        with handle.lock:
            removed_by_canceller = handle.removed
            handle.removed = True
        if removed_by_canceller:
            serving.stream.close()
            self._uids.release(users)
            pool.forget()
            return
        pool.recycle(serving, then=lambda: self._uids.release(users))


def _larger(a: StepLimits, b: StepLimits) -> StepLimits:
    return replace(a, memory_mb=max(a.memory_mb, b.memory_mb), cpus=max(a.cpus, b.cpus))
