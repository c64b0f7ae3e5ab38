"""DockerSandbox: one fresh, hardened container per job, removed in every case.

create → start → exec (files in as a tar on stdin, then compile) → update limits →
exec (run the tests) → remove. The deadline of each phase is enforced here, outside
the container: when it passes, the container is removed, whatever the program did to
the supervisor inside. Every engine error becomes SandboxUnavailable / SandboxFailure
(docker_errors.py); a container the engine could not remove, because it was away, is
removed by the reaper as soon as it answers again, and the warm containers, whose state
is then unknown, are discarded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from dataclasses import dataclass, field, replace

import docker
import docker.errors
import structlog
from docker.models.containers import Container

from coderunner.domain.outcome import ProcessOutcome, ProcessStatus
from coderunner.domain.sandbox_job import WORKSPACE, SandboxJob, SandboxRun, Step, StepLimits
from coderunner.errors import InfrastructureError, SandboxFailure, SandboxUnavailable
from coderunner.sandbox.archive import workspace_tar
from coderunner.sandbox.docker_errors import from_engine, map_docker_errors
from coderunner.sandbox.exec_stream import ExecResult, run_exec
from coderunner.sandbox.hardening import (
    LABEL_INSTANCE,
    LABEL_ROLE,
    ROLE_SANDBOX,
    ROOT,
    SandboxPolicy,
    SandboxUsers,
    as_user,
    compile_file_size,
    create_kwargs,
    resource_kwargs,
    run_file_size,
)
from coderunner.sandbox.images import ImageBuilder
from coderunner.sandbox.pool import WarmContainer, WarmPool
from coderunner.sandbox.reaper import Reaper
from coderunner.sandbox.seccomp import check_profile, default_profile
from coderunner.sandbox.supervisor import check_job, read_outcomes, render_batch, with_lost_step
from coderunner.sandbox.users import UidAllocator
from coderunner.service.ports import Metrics, NoMetrics
from coderunner.shielded import to_the_end

COMPILE_BATCH = ".crsup/compile"
# Time for the engine to start an exec and for crsup to report after its own deadline.
OUTSIDE_GRACE_S = 2.0
FRAME_OVERHEAD = 1024
# How long a container whose supervisor was killed is watched for having stopped.
STOPPED_SETTLE_S = 0.5
# How long a stopping service keeps retrying removals the engine refused (it was away).
REAPER_CLOSE_S = 10.0

log = structlog.get_logger("coderunner.sandbox")


@dataclass
class _Handle:
    """What a cancelled caller needs to tear the sandbox down from another thread.

    ``name`` (the id, for a warm one) is set under ``lock`` before the container is
    created: a create cut off by the engine may still have made it; it is removed by name.
    """

    name: str | None = None
    container: Container | None = None
    users: SandboxUsers | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    removed: bool = False


class DockerSandbox:
    """The ``Sandbox`` port on a Docker engine."""

    _SERVING = False  # its containers serve one submission each (hardening.LABEL_SERVING)

    def __init__(
        self,
        client: docker.DockerClient,
        images: ImageBuilder,
        *,
        policy: SandboxPolicy,
        instance: str,
        uid_base: int,
        uid_slots: int = 4096,
        metrics: Metrics | None = None,
    ) -> None:
        self._client = client
        self._metrics = metrics or NoMetrics()
        self._images = images
        if policy.seccomp_profile is None:
            policy = replace(policy, seccomp_profile=default_profile(images.images_dir))
        try:
            check_profile(policy.seccomp_profile or "")
        except ValueError as exc:
            raise SandboxUnavailable(f"cannot enforce the sandbox: {exc}") from exc
        self._policy = policy
        self._instance = instance
        self._uids = UidAllocator(uid_base, uid_slots)
        self._image_cache: dict[str, tuple[str, dict[str, str]]] = {}
        self._image_lock = threading.Lock()
        # One pool per image (language), started now or at the image's first job.
        self._pools: dict[str, WarmPool] = {}
        self._pool_limits: dict[str, StepLimits] = {}
        self._pools_on_first_use: dict[str, tuple[int, StepLimits]] = {}
        self._pools_lock = threading.Lock()
        self._reaper = Reaper(self._remove_by_name)

    def start_pool(self, image: str, size: int, limits: StepLimits) -> None:
        """Keeps ``size`` started containers of ``image`` ready from now on, sized for ``limits`` (compile phase)."""
        with self._pools_lock:
            self._start_pool(image, size, limits)

    def pool_on_first_use(self, image: str, size: int, limits: StepLimits) -> None:
        """Like ``start_pool``, but only once a job for ``image`` comes: an image nobody uses costs nothing."""
        with self._pools_lock:
            self._pools_on_first_use[image] = (size, limits)

    def warm_ready(self, image: str) -> int:
        """How many started containers of ``image`` wait in its pool now."""
        pool = self._pools.get(image)
        return pool.ready if pool is not None else 0

    def _start_pool(self, image: str, size: int, limits: StepLimits) -> None:
        if image in self._pools or size <= 0:
            return
        image_id, _ = self.image_for(image)

        def make() -> WarmContainer:
            users = self._uids.acquire()
            handle = _Handle(users=users)
            try:
                with map_docker_errors("start a warm sandbox"):
                    handle.name = _new_name(self._instance)
                    handle.container = self._create(limits, image_id, users, handle.name)
                    handle.container.start()
            except BaseException as exc:
                self._remove(handle)  # frees the UIDs once the container is gone
                self._metrics.sandbox_failure("warm_start_failed")
                if isinstance(exc, SandboxUnavailable):
                    self._engine_lost(exc)
                raise
            return WarmContainer(handle.container, users, image_id)

        self._pool_limits[image] = limits
        self._pools[image] = pool = WarmPool(
            make, self._discard, size, on_ready=lambda ready: self._metrics.warm_pool_ready(image, ready)
        )
        pool.start()

    def _take_warm(self, image: str) -> WarmContainer | None:
        with self._pools_lock:
            if image not in self._pools and image in self._pools_on_first_use:
                self._start_pool(image, *self._pools_on_first_use.pop(image))
            pool = self._pools.get(image)
        if pool is None:
            return None
        warm = pool.take()
        self._metrics.warm_pool_take(image, hit=warm is not None)
        return warm

    def close(self) -> None:
        """Removes the warm containers (shutdown), and those the engine could not remove
        earlier, trying for up to ``REAPER_CLOSE_S``; running jobs remove their own."""
        with self._pools_lock:
            pools = list(self._pools.values())
            self._pools_on_first_use.clear()
        for pool in pools:
            pool.close()
        self._reaper.close(REAPER_CLOSE_S)

    def _discard(self, warm: WarmContainer) -> None:
        self._remove(_Handle(name=str(warm.container.id), container=warm.container, users=warm.users))

    def _engine_lost(self, exc: InfrastructureError) -> None:
        """The engine failed or did not answer (it may have restarted, killing every
        container): whether the warm containers still run is unknown, so none of them
        serves a submission; they go (via the reaper when needed) and the pool refills."""
        with self._pools_lock:
            pools = list(self._pools.items())
        for image, pool in pools:
            if pool.ready:
                log.warning("pool.discarded", image=image, reason=str(exc), containers=pool.ready)
                pool.discard_all()

    async def execute(self, job: SandboxJob) -> SandboxRun:
        handle = _Handle()
        try:
            return await asyncio.to_thread(self._execute, job, handle)
        except asyncio.CancelledError:
            # The caller is gone: the container must not outlive it.
            handle.cancelled.set()
            await to_the_end(asyncio.to_thread(self._remove, handle))
            raise

    async def reap(self) -> int:
        return await asyncio.to_thread(self.reap_sync)

    def reap_sync(self) -> int:
        """Removes this instance's sandboxes left over by a crashed predecessor."""
        filters: dict[str, str | list[str] | bool] = {
            "label": [f"{LABEL_ROLE}={ROLE_SANDBOX}", f"{LABEL_INSTANCE}={self._instance}"]
        }
        with map_docker_errors("list leftover sandboxes"):
            leftovers = [str(entry["Id"]) for entry in self._client.api.containers(all=True, filters=filters)]
        for container_id in leftovers:
            self._remove_by_name(container_id)
        return len(leftovers)

    def image_for(self, name: str) -> tuple[str, dict[str, str]]:
        """Id and labels of the current image ``name``, built on first use when missing."""
        with self._image_lock:
            if name not in self._image_cache:
                with map_docker_errors(f"prepare the image {name}"):
                    image = self._images.ensure(name)
                self._image_cache[name] = (image.id or "", dict(image.labels))
            return self._image_cache[name]

    def _execute(self, job: SandboxJob, handle: _Handle) -> SandboxRun:
        try:
            with map_docker_errors("run the sandbox job"):
                return self._run_job(job, handle)
        except InfrastructureError as exc:
            if handle.cancelled.is_set():
                raise SandboxFailure("the sandbox was removed because its caller went away") from exc
            self._metrics.sandbox_failure(exc.kind)
            if isinstance(exc, SandboxUnavailable) or from_engine(exc):
                self._engine_lost(exc)
            raise

    def _run_job(self, job: SandboxJob, handle: _Handle) -> SandboxRun:
        check_job(job)
        image_id, labels = self.image_for(job.image)
        warm = self._take_warm(job.image)
        if warm is not None and warm.image_id != image_id:  # the image was rebuilt meanwhile
            self._discard(warm)
            warm = None
        users = warm.users if warm is not None else self._uids.acquire()
        handle.users = users
        try:
            with handle.lock:
                name = handle.name = str(warm.container.id) if warm is not None else _new_name(self._instance)
                handle.container = (
                    warm.container if warm is not None else self._create(job.compile_limits, image_id, users, name)
                )
            if handle.cancelled.is_set():  # cancelled while we were creating it
                raise SandboxFailure("the sandbox was cancelled")
            if warm is None:
                # Started only once the handle holds it: a failed start still gets it removed.
                handle.container.start()
            elif job.compile_limits != self._pool_limits[job.image]:
                handle.container.update(**resource_kwargs(job.compile_limits))
            compile_outcomes = self._compile_phase(handle.container, job, users)
            not_run = tuple(ProcessOutcome(ProcessStatus.NOT_RUN) for _ in job.run)
            if not (all(o.status is ProcessStatus.SUCCESS for o in compile_outcomes) and job.run):
                run_outcomes = not_run
            elif self._limit_to_run_phase(handle.container, job):
                run_outcomes = self._run_phase(handle.container, job, users)
            else:
                run_outcomes = (ProcessOutcome(ProcessStatus.MEMORY_LIMIT), *not_run[1:])
            return SandboxRun(compile=compile_outcomes, run=run_outcomes, image_id=image_id, image_labels=labels)
        finally:
            # Frees the UIDs once the container is gone (the reaper does, when the engine is away).
            self._remove(handle)
            if handle.name is None:  # nothing was created: the UIDs were never used
                self._uids.release(users)

    @staticmethod
    def _limit_to_run_phase(container: Container, job: SandboxJob) -> bool:
        """Applies the run limits; False when the memory limit is already exceeded."""
        try:
            container.update(**resource_kwargs(job.run_limits))
        except docker.errors.APIError as exc:
            # What the compile phase left in the workspace tmpfs (a binary with 100 MB of
            # static data, say) is charged to the container and cannot be reclaimed: the
            # program would start over its memory limit. Any other refusal is ours.
            if "unable to set memory limit" in str(exc.explanation or exc):
                return False
            raise
        return True

    def _create(self, limits: StepLimits, image_id: str, users: SandboxUsers, name: str) -> Container:
        kwargs = create_kwargs(
            image_id=image_id,
            limits=limits,
            policy=self._policy,
            users=users,
            instance=self._instance,
            name=name,
            serving=self._SERVING,
        )
        try:
            container = self._client.containers.create(**kwargs)
        except docker.errors.APIError as exc:
            raise SandboxFailure(
                f"the engine refused the sandbox settings: {exc.explanation or exc}", kind="settings_refused"
            ) from exc
        return container

    def _compile_phase(self, container: Container, job: SandboxJob, users: SandboxUsers) -> tuple[ProcessOutcome, ...]:
        files = dict(job.files)
        files[COMPILE_BATCH] = render_batch(
            job.compile, job.compile_limits, stop_on_failure=True, file_size_bytes=compile_file_size(self._policy)
        )
        tar = workspace_tar(files, uid=users.builder, executable=job.executable)
        extract_then_compile = f"tar -x --no-same-permissions -f - -C {WORKSPACE} && exec crsup {COMPILE_BATCH}"
        result = self._exec(
            container,
            # Extract as the builder into its own tmpfs, then compile in the same exec: one round trip.
            as_user(users.builder, "sh", "-c", extract_then_compile),
            stdin=tar,
            steps=job.compile,
            limits=job.compile_limits,
        )
        return self._outcomes(result, job.compile, job.compile_limits)

    def _run_phase(self, container: Container, job: SandboxJob, users: SandboxUsers) -> tuple[ProcessOutcome, ...]:
        # crsup stays root (see crsup.c) and runs each test as the runner, who cannot signal it.
        # The run batch reaches crsup on its stdin, never the workspace: the steps' command
        # lines (a language may pass a per-test secret there) are not a file a test can read.
        batch = render_batch(
            job.run, job.run_limits, stop_on_failure=False, file_size_bytes=run_file_size(job.run_limits)
        )
        argv = ["crsup", "--as", str(users.runner), "/dev/stdin"]
        result = self._exec(container, argv, stdin=batch, steps=job.run, limits=job.run_limits)
        return self._outcomes(result, job.run, job.run_limits)

    def _exec(
        self,
        container: Container,
        argv: list[str],
        *,
        stdin: bytes | None,
        steps: tuple[Step, ...],
        limits: StepLimits,
    ) -> ExecResult:
        result = run_exec(
            self._client,
            str(container.id),
            argv,
            user=ROOT,
            workdir=WORKSPACE,
            stdin=stdin,
            deadline=time.monotonic() + limits.wall_s + OUTSIDE_GRACE_S,
            max_bytes=len(steps) * (3 * limits.output_limit_bytes + FRAME_OVERHEAD) + FRAME_OVERHEAD,
        )
        if result.overflow:
            container.remove(force=True, v=True)
            raise SandboxFailure(
                f"the supervisor sent more than {len(steps)} steps can produce", kind="output_overflow"
            )
        killed = _supervisor_killed(result)
        if killed and not _still_running(container):
            # A stopped container is the engine's doing.
            raise SandboxFailure(
                f"the sandbox container stopped under the job ({container.status})", kind="container_stopped"
            )
        if result.deadline_hit or killed:
            # crsup overran its own deadline or died (the steps cannot signal it: the
            # kernel's OOM killer could still pick it): stop everything in there now; the
            # report it did send says how far it got.
            container.remove(force=True, v=True)
        elif result.exit_code is None:
            # The stream ended while the supervisor still ran: the engine (or the way to it) dropped it.
            raise SandboxUnavailable(
                "the engine closed the exec stream before the supervisor ended", kind="stream_dropped"
            )
        elif result.exit_code != 0:
            if not _still_running(container):  # e.g. 126: the exec could not start in a dying container
                raise SandboxFailure(
                    f"the sandbox container stopped under the job ({container.status})", kind="container_stopped"
                )
            raise SandboxFailure(
                f"the supervisor failed (exit {result.exit_code}): {result.stderr[-1000:].decode(errors='replace')}",
                kind="supervisor_failed",
            )
        return result

    @staticmethod
    def _outcomes(result: ExecResult, steps: tuple[Step, ...], limits: StepLimits) -> tuple[ProcessOutcome, ...]:
        outcomes, complete = read_outcomes(result.stdout, steps, limits)
        return outcomes if complete else with_lost_step(outcomes, deadline_hit=result.deadline_hit, limits=limits)

    def _remove(self, handle: _Handle) -> None:
        """Removes the handle's container, then frees its UIDs; when the engine does not
        answer, the reaper does both once it does. Does nothing before a create was tried."""
        with handle.lock:
            if handle.name is None or handle.removed:
                return
            handle.removed = True
            users = handle.users
            then = (lambda: self._uids.release(users)) if users is not None else None
            try:
                self._remove_by_name(handle.name)
            except InfrastructureError as exc:
                log.warning("sandbox.removal_deferred", container=handle.name, error=str(exc))
                self._metrics.sandbox_failure("removal_deferred")
                if handle.container is not None:
                    # It may still run a submission's processes: its UIDs wait until it is gone.
                    self._reaper.add(handle.name, then)
                    return
                # A create cut off: if the container exists, it was never started, so nothing runs as its UIDs.
                self._reaper.add(handle.name)
        if then is not None:
            then()

    def _remove_by_name(self, name: str) -> None:
        """Removes the container ``name`` (or id) with its volumes; one already gone is fine."""
        with map_docker_errors(f"remove sandbox {name}"), contextlib.suppress(docker.errors.NotFound):
            self._client.api.remove_container(name, force=True, v=True)


def _new_name(instance: str) -> str:
    return f"coderunner-{instance}-{uuid.uuid4().hex[:12]}"


def _supervisor_killed(result: ExecResult) -> bool:
    """crsup ended by a signal (docker reports 128 + signal)."""
    return result.exit_code is not None and result.exit_code > 128


def _still_running(container: Container) -> bool:
    """Whether the container is still up a moment later: a killed container ends its
    execs a few milliseconds before the engine records it as exited."""
    deadline = time.monotonic() + STOPPED_SETTLE_S
    while True:
        container.reload()
        if container.status != "running":
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.05)
