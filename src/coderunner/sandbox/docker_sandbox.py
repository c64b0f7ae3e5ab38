"""DockerSandbox: one fresh, hardened container per job, removed in every case.

create → start → exec (files in as a tar on stdin, then compile) → update limits →
exec (run the tests) → remove. The deadline of each phase is enforced here, outside
the container: when it passes, the container is removed, whatever the program did to
the supervisor inside.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field, replace

import docker
import docker.errors
from docker.models.containers import Container

from coderunner.domain.outcome import ProcessOutcome, ProcessStatus
from coderunner.domain.sandbox_job import WORKSPACE, SandboxJob, SandboxRun, Step, StepLimits
from coderunner.errors import SandboxFailure, SandboxUnavailable
from coderunner.sandbox.archive import workspace_tar
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
from coderunner.sandbox.seccomp import check_profile, default_profile
from coderunner.sandbox.supervisor import check_job, read_outcomes, render_batch
from coderunner.sandbox.users import UidAllocator

COMPILE_BATCH = ".crsup/compile"
RUN_BATCH = ".crsup/run"
# Time for the engine to start an exec and for crsup to report after its own deadline.
OUTSIDE_GRACE_S = 2.0
FRAME_OVERHEAD = 1024
# How long a container whose supervisor was killed is watched for having stopped.
STOPPED_SETTLE_S = 0.5


@dataclass
class _Handle:
    """What a cancelled caller needs to tear the sandbox down from another thread."""

    container: Container | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    removed: bool = False


class DockerSandbox:
    """The ``Sandbox`` port on a Docker engine."""

    def __init__(
        self,
        client: docker.DockerClient,
        images: ImageBuilder,
        *,
        policy: SandboxPolicy,
        instance: str,
        uid_base: int,
        uid_slots: int = 4096,
    ) -> None:
        self._client = client
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
            handle = _Handle()
            try:
                handle.container = self._create(limits, image_id, users)
                handle.container.start()
            except BaseException:
                self._remove(handle)
                self._uids.release(users)
                raise
            return WarmContainer(handle.container, users, image_id)

        self._pool_limits[image] = limits
        self._pools[image] = pool = WarmPool(make, self._discard, size)
        pool.start()

    def _take_warm(self, image: str) -> WarmContainer | None:
        with self._pools_lock:
            if image not in self._pools and image in self._pools_on_first_use:
                self._start_pool(image, *self._pools_on_first_use.pop(image))
            pool = self._pools.get(image)
        return pool.take() if pool is not None else None

    def close(self) -> None:
        """Removes the warm containers (shutdown); running jobs remove their own."""
        with self._pools_lock:
            pools = list(self._pools.values())
            self._pools_on_first_use.clear()
        for pool in pools:
            pool.close()

    def _discard(self, warm: WarmContainer) -> None:
        self._remove(_Handle(container=warm.container))
        self._uids.release(warm.users)

    async def execute(self, job: SandboxJob) -> SandboxRun:
        handle = _Handle()
        try:
            return await asyncio.to_thread(self._execute, job, handle)
        except asyncio.CancelledError:
            # The caller is gone: the container must not outlive it.
            handle.cancelled.set()
            await asyncio.to_thread(self._remove, handle)
            raise

    async def reap(self) -> int:
        return await asyncio.to_thread(self.reap_sync)

    def reap_sync(self) -> int:
        """Removes this instance's sandboxes left over by a crashed predecessor."""
        filters: dict[str, str | list[str] | bool] = {
            "label": [f"{LABEL_ROLE}={ROLE_SANDBOX}", f"{LABEL_INSTANCE}={self._instance}"]
        }
        try:
            leftovers = self._client.containers.list(all=True, filters=filters)
            for container in leftovers:
                container.remove(force=True, v=True)
        except docker.errors.DockerException as exc:
            raise SandboxUnavailable(f"cannot reap leftover sandboxes: {exc}") from exc
        return len(leftovers)

    def image_for(self, name: str) -> tuple[str, dict[str, str]]:
        """Id and labels of the current image ``name``, built on first use when missing."""
        with self._image_lock:
            if name not in self._image_cache:
                image = self._images.ensure(name)
                self._image_cache[name] = (image.id or "", dict(image.labels))
            return self._image_cache[name]

    def _execute(self, job: SandboxJob, handle: _Handle) -> SandboxRun:
        check_job(job)
        image_id, labels = self.image_for(job.image)
        warm = self._take_warm(job.image)
        if warm is not None and warm.image_id != image_id:  # the image was rebuilt meanwhile
            self._discard(warm)
            warm = None
        users = warm.users if warm is not None else self._uids.acquire()
        try:
            with handle.lock:
                handle.container = (
                    warm.container if warm is not None else self._create(job.compile_limits, image_id, users)
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
        except docker.errors.DockerException as exc:
            if handle.cancelled.is_set():
                raise SandboxFailure("the sandbox was removed because its caller went away") from exc
            raise SandboxFailure(f"the engine failed during the run: {exc}") from exc
        finally:
            self._remove(handle)
            # Not reached when the removal failed: UIDs of a container that may still run are not reused.
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

    def _create(self, limits: StepLimits, image_id: str, users: SandboxUsers) -> Container:
        kwargs = create_kwargs(
            image_id=image_id,
            limits=limits,
            policy=self._policy,
            users=users,
            instance=self._instance,
            name=f"coderunner-{self._instance}-{uuid.uuid4().hex[:12]}",
        )
        try:
            container = self._client.containers.create(**kwargs)
        except docker.errors.APIError as exc:
            raise SandboxFailure(f"the engine refused the sandbox settings: {exc.explanation or exc}") from exc
        return container

    def _compile_phase(self, container: Container, job: SandboxJob, users: SandboxUsers) -> tuple[ProcessOutcome, ...]:
        files = dict(job.files)
        files[COMPILE_BATCH] = render_batch(
            job.compile, job.compile_limits, stop_on_failure=True, file_size_bytes=compile_file_size(self._policy)
        )
        files[RUN_BATCH] = render_batch(
            job.run, job.run_limits, stop_on_failure=False, file_size_bytes=run_file_size(job.run_limits)
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
        argv = ["crsup", "--as", str(users.runner), RUN_BATCH]
        result = self._exec(container, argv, stdin=None, steps=job.run, limits=job.run_limits)
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
            raise SandboxFailure(f"the supervisor sent more than {len(steps)} steps can produce")
        killed = _supervisor_killed(result)
        if killed and not _still_running(container):
            # A stopped container is the engine's doing.
            raise SandboxFailure(f"the sandbox container stopped under the job ({container.status})")
        if result.deadline_hit or killed:
            # crsup overran its own deadline or died (the steps cannot signal it: the
            # kernel's OOM killer could still pick it): stop everything in there now; the
            # report it did send says how far it got.
            container.remove(force=True, v=True)
        elif result.exit_code != 0:
            raise SandboxFailure(
                f"the supervisor failed (exit {result.exit_code}): {result.stderr[-1000:].decode(errors='replace')}"
            )
        return result

    @staticmethod
    def _outcomes(result: ExecResult, steps: tuple[Step, ...], limits: StepLimits) -> tuple[ProcessOutcome, ...]:
        outcomes, complete = read_outcomes(result.stdout, steps, limits)
        if complete:
            return outcomes
        first_missing = next((i for i, o in enumerate(outcomes) if o.status is ProcessStatus.NOT_RUN), None)
        if first_missing is None:
            return outcomes
        # The step that was running when the supervisor was lost: still running at the
        # outside deadline (a timeout), or lost with the supervisor, which the steps cannot
        # signal: the sandbox lost track of it (internal_error, never a pass).
        if result.deadline_hit:
            lost = ProcessOutcome(ProcessStatus.TIMEOUT, wall_ms=int(limits.wall_s * 1000))
        else:
            lost = ProcessOutcome(ProcessStatus.INTERNAL_ERROR)
        return (*outcomes[:first_missing], lost, *outcomes[first_missing + 1 :])

    def _remove(self, handle: _Handle) -> None:
        with handle.lock:
            if handle.container is None or handle.removed:
                return
            handle.removed = True
            try:
                handle.container.remove(force=True, v=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.DockerException as exc:
                raise SandboxFailure(f"could not remove sandbox {handle.container.name}: {exc}") from exc


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
