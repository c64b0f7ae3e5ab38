"""Fixtures shared by the whole suite: the Docker engine, the sandbox image, a labelled sandbox.

Every sandbox the tests start carries the label ``org.coderunner.instance=test-<pid>``
(or a value starting with it), so cleanup removes exactly what this run created. A test
that leaves a container behind fails; so does the session, as a last resort.

Without an engine the integration tests are skipped, except under CI (``CI`` set), where
a missing engine is a failure: the sandbox is what the service exists for.
"""

from __future__ import annotations

import contextlib
import gc
import os
import warnings
from collections.abc import Callable, Iterator, Sequence

import docker
import docker.errors
import pytest
from docker.models.containers import Container

from coderunner.domain.sandbox_job import SandboxJob, Step, StepLimits
from coderunner.errors import SandboxUnavailable
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.engine import connect
from coderunner.sandbox.hardening import LABEL_INSTANCE, LABEL_ROLE, ROLE_SANDBOX, SandboxPolicy
from coderunner.sandbox.images import ImageBuilder
from coderunner.sandbox.namespace_sandbox import NamespaceSandbox
from coderunner.service.ports import Metrics

TEST_INSTANCE = f"test-{os.getpid()}"
# Away from the service's default (700000), so a service running on this host never shares UIDs with the tests.
TEST_UID_BASE = 750_000
CPP_IMAGE = "coderunner-cpp"
CPP_COMPILE = ("g++", "-std=gnu++17", "-O2", "-o", "program", "solution.cpp")
COMPILE_LIMITS = StepLimits(wall_s=20, memory_mb=512, cpus=1.0, output_limit_bytes=64 * 1024)
RUN_LIMITS = StepLimits(wall_s=5, memory_mb=128, cpus=1.0, output_limit_bytes=64 * 1024)
ISOLATIONS = ("container", "namespaces")
# Tests marked `verdicts` (exercises, literals, code as written) check what a language makes
# of code; the isolation mode only decides how its processes are contained, which the
# sandbox, spoofing and error suites check in both modes. They run in the cheaper mode only,
# so the suite stays well within its time on 2 cores.
VERDICTS_ISOLATION = "namespaces"
NO_ENGINE = "no Docker engine answers: run scripts/provision-engine.sh"

_engine_used: list[bool] = []


def run_containers(client: docker.DockerClient, instance: str | None = None) -> list[Container]:
    """Sandbox containers of this test run that still exist (any state); with ``instance``,
    only those of that one instance (a test blames only its own sandbox: an end-to-end
    server's instance shares the run's prefix, and the session check answers for it)."""
    # The low-level list: containers.list() inspects each one, and one removed in between
    # (a sandbox finishing right then) would make the listing itself fail.
    found = client.api.containers(all=True, filters={"label": f"{LABEL_ROLE}={ROLE_SANDBOX}"})
    return [
        client.containers.prepare_model(entry)
        for entry in found
        if _of_instance((entry.get("Labels") or {}).get(LABEL_INSTANCE, ""), instance)
    ]


def _of_instance(label: str, instance: str | None) -> bool:
    return label == instance if instance is not None else label.startswith(TEST_INSTANCE)


def _remove_all(containers: Sequence[Container]) -> list[str]:
    names = []
    for container in containers:
        names.append(str(container.id))
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)
    return names


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    try:
        client = connect(timeout_s=120)
    except SandboxUnavailable as exc:
        problem = str(exc)
    else:
        problem = ""
    if problem:
        # The failed version probe leaves docker-py's socket to the garbage collector; with
        # warnings as errors its ResourceWarning would end the session instead of this skip.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        if os.environ.get("CI"):
            pytest.fail(f"{NO_ENGINE} (CI is set, so this is a failure, not a skip): {problem}")
        pytest.skip(f"{NO_ENGINE} ({problem})")
    _engine_used.append(True)
    yield client
    client.close()


@pytest.fixture(scope="session", autouse=True)
def _no_sandbox_outlives_the_session() -> Iterator[None]:
    """After the suite, no sandbox of this run may remain: remove any, and fail loudly."""
    yield
    if not _engine_used:
        return
    client = connect()
    try:
        left = _remove_all(run_containers(client))
    finally:
        client.close()
    if left:
        pytest.fail(f"sandbox containers outlived the test session (now removed): {left}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselects the other isolation modes' copies of the tests marked ``verdicts``."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        mode = getattr(getattr(item, "callspec", None), "params", {}).get("isolation")
        other_mode = mode is not None and mode != VERDICTS_ISOLATION
        (dropped if other_mode and item.get_closest_marker("verdicts") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis (CODERUNNER_TEST_REDIS_URL); without it a skip, or a failure under CI."""
    url = os.environ.get("CODERUNNER_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CODERUNNER_TEST_REDIS_URL is not set (scripts/start-redis.sh prints the URL)")
        pytest.skip("CODERUNNER_TEST_REDIS_URL is not set")
    return url


@pytest.fixture(scope="session")
def cpp_image(docker_client: docker.DockerClient) -> str:
    """The current C++ sandbox image (built first when missing or stale); its id."""
    return str(ImageBuilder(docker_client).ensure(CPP_IMAGE).id)


@pytest.fixture(params=ISOLATIONS)
def isolation(request: pytest.FixtureRequest) -> str:
    """Each isolation mode in turn (CODERUNNER_ISOLATION): every test of the sandbox port runs in both."""
    return str(request.param)


@pytest.fixture
def sandbox(docker_client: docker.DockerClient, cpp_image: str, isolation: str) -> Iterator[DockerSandbox]:
    """A sandbox of the ``isolation`` mode labelled with this test run; the test fails if
    it leaves a container once the sandbox is closed (serving containers live until then)."""
    box = make_sandbox(docker_client, isolation=isolation)
    yield box
    box.close()
    left = _remove_all(run_containers(docker_client, TEST_INSTANCE))
    if left:
        pytest.fail(f"the test left sandbox containers behind (now removed): {left}")


def make_sandbox(
    client: docker.DockerClient,
    *,
    instance: str = TEST_INSTANCE,
    policy: SandboxPolicy | None = None,
    isolation: str,
    metrics: Metrics | None = None,
) -> DockerSandbox:
    kind = NamespaceSandbox if isolation == "namespaces" else DockerSandbox
    return kind(
        client,
        ImageBuilder(client),
        policy=policy or SandboxPolicy(),
        instance=instance,
        uid_base=TEST_UID_BASE,
        metrics=metrics,
    )


def cpp_job(
    source: str,
    stdin: bytes | None = None,
    *,
    run_limits: StepLimits = RUN_LIMITS,
    compile_limits: StepLimits = COMPILE_LIMITS,
    argv: tuple[str, ...] = ("./program",),
) -> SandboxJob:
    """Compile ``source`` as solution.cpp with ``g++ -std=gnu++17 -O2``, then run it once with ``stdin``."""
    files = {"solution.cpp": source.encode()}
    if stdin is not None:
        files["input.txt"] = stdin
    return SandboxJob(
        image=CPP_IMAGE,
        files=files,
        compile=(Step("compile", CPP_COMPILE),),
        compile_limits=compile_limits,
        run=(Step("run", argv, stdin_path="input.txt" if stdin is not None else None),),
        run_limits=run_limits,
    )


def shell_job(
    *scripts: str,
    run_limits: StepLimits = RUN_LIMITS,
    compile_scripts: Sequence[str] = (),
    compile_limits: StepLimits = COMPILE_LIMITS,
) -> SandboxJob:
    """No compiler: each script is one run step ``sh -c SCRIPT`` (named s1, s2, ...), as the runner user;
    ``compile_scripts`` run the same way as the builder user."""
    return SandboxJob(
        image=CPP_IMAGE,
        files={},
        compile=tuple(Step(f"c{i}", ("sh", "-c", script)) for i, script in enumerate(compile_scripts, 1)),
        compile_limits=compile_limits,
        run=tuple(Step(f"s{i}", ("sh", "-c", script)) for i, script in enumerate(scripts, 1)),
        run_limits=run_limits,
    )


@pytest.fixture(name="cpp_job")
def cpp_job_fixture() -> Callable[..., SandboxJob]:
    """``cpp_job(source, stdin=None, *, run_limits, compile_limits, argv)`` → a compile+run SandboxJob."""
    return cpp_job


@pytest.fixture(name="shell_job")
def shell_job_fixture() -> Callable[..., SandboxJob]:
    """``shell_job(*scripts, run_limits, compile_scripts, compile_limits)`` → a SandboxJob of shell steps."""
    return shell_job


@pytest.fixture(name="make_sandbox")
def make_sandbox_fixture(docker_client: docker.DockerClient, cpp_image: str) -> Callable[..., DockerSandbox]:
    """``make_sandbox(isolation=..., instance=..., policy=..., metrics=...)`` → another sandbox of this test run."""
    return lambda **kwargs: make_sandbox(docker_client, **kwargs)


@pytest.fixture(name="leftovers")
def leftovers_fixture(docker_client: docker.DockerClient, sandbox: DockerSandbox) -> Callable[[], list[Container]]:
    """``leftovers()`` → this run's sandbox containers that outlived their job: at once for
    single-use containers; a serving sandbox's containers outlive jobs by design, so for
    one it is what outlives the sandbox (closed first)."""

    def left() -> list[Container]:
        if isinstance(sandbox, NamespaceSandbox):
            sandbox.close()
        return run_containers(docker_client, TEST_INSTANCE)

    return left


@pytest.fixture(name="containers")
def containers_fixture(docker_client: docker.DockerClient) -> Callable[[], list[Container]]:
    """``containers()`` → the containers of this run's test sandboxes (``make_sandbox``'s
    default instance) that still exist."""
    return lambda: run_containers(docker_client, TEST_INSTANCE)
