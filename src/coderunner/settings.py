"""Configuration: one typed object, read from CODERUNNER_* variables, .env and flags.

Validated at start-up; a bad value names the variable. Nothing is created at import:
call ``load_settings()`` in an entry point and pass the object down.
"""

from __future__ import annotations

import os
import socket
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from coderunner.domain.submission import InputPolicy, Limits
from coderunner.errors import InvalidSubmission
from coderunner.sandbox.hardening import SandboxPolicy
from coderunner.settings_deliveries import DeliverySettings

# The domain's own defaults, so that each default is written down once.
_POLICY, _INPUT = SandboxPolicy(), InputPolicy()
_LIMIT_NAMES = frozenset(f.name for f in fields(Limits))
# The largest memory Limits accepts at all; a machine-derived ceiling never goes above it.
MEMORY_CEILING_MB = 8192


class Settings(DeliverySettings):
    """Every knob of the service, with the seed's defaults (events and webhooks: ``DeliverySettings``)."""

    model_config = SettingsConfigDict(env_prefix="CODERUNNER_", env_file=".env", extra="ignore")

    # Storage: an embedded SQLite file by default; PostgreSQL by URL in real deployments.
    database_url: str = "sqlite:///var/coderunner.db"
    # Servers
    host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=0, le=65535)
    grpc_port: int = Field(50051, ge=0, le=65535)
    instance_name: str = Field(default_factory=socket.gethostname)
    # Docker
    docker_host: str | None = None
    images_dir: Path | None = None
    # Concurrency: parallel executions, and how many may wait beyond them.
    slots: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 1)), ge=1, le=256)
    queue_limit: int = Field(32, ge=0, le=10_000)
    request_wait_s: float = Field(120.0, gt=0, le=3600)
    # Scale-out (docs/ARCHITECTURE.md, "API nodes and workers"): with a broker URL, `serve`
    # records and enqueues, and `coderunner worker` processes grade. Unset: one process does all.
    broker_url: str | None = None
    # Unfinished evaluations the whole cluster accepts (pending + running), and per student id.
    broker_queue_limit: int = Field(1000, ge=1, le=1_000_000)
    broker_student_limit: int = Field(50, ge=1, le=1_000_000)
    # A worker silent this long is dead: its evaluations go to another (at most max_attempts starts).
    broker_heartbeat_timeout_s: float = Field(15.0, ge=2, le=3600)
    broker_max_attempts: int = Field(3, ge=1, le=20)
    # A pending record this long without a message in the broker (its API node died before
    # queuing it, or the broker lost it) is queued again by the workers' sweep, at most
    # broker_max_requeues times; then it ends failed.
    broker_requeue_after_s: float = Field(60.0, ge=1, le=86_400)
    broker_max_requeues: int = Field(3, ge=1, le=100)
    # The languages a worker takes (empty: every language whose image is current in its engine).
    worker_languages: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Started, hardened containers kept ready per language (see isolation: each serves many
    # submissions, or one and is then removed). A language named in warm_pool_sizes
    # ("cpp=2,python=1") gets its pool with the service; any other gets warm_pool_size
    # containers from its first submission on, so a language never used costs nothing.
    warm_pool_size: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 1)), ge=0, le=64)
    warm_pool_sizes: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict)
    # "namespaces" (the default): the pools' containers live on and serve one submission at a
    # time, each in fresh user, PID, IPC, network, mount and UTS namespaces (README, threat
    # model); a container is replaced after recycle_after submissions, or after one that did
    # not end cleanly. "container": one fresh container per submission (removed after it),
    # about 0.3 CPU-s of engine work more per submission (bench/README.md).
    isolation: Literal["container", "namespaces"] = "namespaces"
    recycle_after: int = Field(100, ge=1, le=100_000)
    # Default limits of a submission: each language declares its own (C++: the seed's 256 MB,
    # 0.5 CPU, 30 s); a value set here overrides it for every language, and language_limits
    # ('{"cpp": {"timeout_s": 10}}') for one. Range-checked by Limits.
    timeout_s: float | None = None
    memory_mb: int | None = None
    cpus: float | None = None
    compile_timeout_s: float | None = None
    compile_memory_mb: int | None = None
    compile_cpus: float | None = None
    output_limit_bytes: int | None = None
    language_limits: dict[str, dict[str, int | float]] = Field(default_factory=dict)
    # Ceilings on what one request may ask for (CODERUNNER_MAX_*). Unset: derived from the
    # machine and never below a default (see max_limits()).
    max_timeout_s: float | None = None
    max_memory_mb: int | None = None
    max_cpus: float | None = None
    max_compile_timeout_s: float | None = None
    max_compile_memory_mb: int | None = None
    max_compile_cpus: float | None = None
    max_output_limit_bytes: int | None = None
    # Sandbox-wide limits
    pids_limit: int = Field(_POLICY.pids_limit, ge=8, le=4096)
    nofile: int = Field(_POLICY.nofile, ge=16, le=65536)
    file_size_mb: int = Field(_POLICY.file_size_mb, ge=1, le=4096)
    workspace_mb: int = Field(_POLICY.workspace_mb, ge=8, le=8192)
    workspace_inodes: int = Field(_POLICY.workspace_inodes, ge=64, le=1_000_000)
    seccomp_profile: Path | None = None
    runtime: str | None = None
    uid_base: int = Field(700_000, ge=65_536, le=2_000_000_000)
    # Input limits
    max_code_bytes: int = Field(_INPUT.max_code_bytes, ge=1024)
    max_tests: int = Field(_INPUT.max_tests, ge=1)
    max_field_bytes: int = Field(_INPUT.max_field_bytes, ge=64)
    max_request_bytes: int = Field(4 * 1024 * 1024, ge=4096)
    # A request whose head or body stops arriving for this long is answered 408 and closed.
    request_read_timeout_s: float = Field(10.0, gt=0, le=600)
    # API keys, off by default: when required, every REST call under /v1 and every call of
    # the gRPC service needs "Authorization: Bearer <key>" (`coderunner keys create`).
    require_api_keys: bool = False
    # Metrics: /metrics on the HTTP port, open unless metrics_require_key (then any valid key);
    # metrics_port serves them on a port of their own as well (0: any free one), which is how
    # a process without the HTTP API (a worker) exposes its metrics.
    metrics_require_key: bool = False
    metrics_port: int | None = Field(None, ge=0, le=65535)
    metrics_host: str | None = None  # default: host
    # Logs: "json" in containers, "console" on a terminal, "auto" picks by TTY.
    log_format: str = "auto"
    log_level: str = "info"

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in {"auto", "json", "console"}:
            raise ValueError("must be one of auto, json, console")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("broker_url")
    @classmethod
    def _supported_broker(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value or None

    @field_validator("worker_languages", mode="before")
    @classmethod
    def _parse_languages(cls, value: object) -> object:
        """``"cpp,python"`` (the environment's spelling) or a list."""
        if isinstance(value, str):
            return [name.strip().lower() for name in value.split(",") if name.strip()]
        return value

    @field_validator("warm_pool_sizes", mode="before")
    @classmethod
    def _parse_pool_sizes(cls, value: object) -> object:
        """``"cpp=2,python=1"`` (the environment's spelling) or a mapping."""
        if not isinstance(value, str):
            return value
        sizes: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            name, sep, size = item.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"{item!r} is not LANGUAGE=SIZE (the whole value: LANGUAGE=SIZE,LANGUAGE=SIZE,...)")
            sizes[name.strip().lower()] = size.strip()
        return sizes

    @field_validator("warm_pool_sizes")
    @classmethod
    def _pool_sizes_in_range(cls, value: dict[str, int]) -> dict[str, int]:
        for name, size in value.items():
            if not 0 <= size <= 64:
                raise ValueError(f"{name}={size}: a pool size must be between 0 and 64")
        return value

    @field_validator("language_limits")
    @classmethod
    def _known_limit_names(cls, value: dict[str, dict[str, int | float]]) -> dict[str, dict[str, int | float]]:
        for language, limits in value.items():
            unknown = sorted(set(limits) - _LIMIT_NAMES)
            if unknown:
                raise ValueError(f"{language}: unknown limits {unknown}; known: {sorted(_LIMIT_NAMES)}")
        return {language.lower(): limits for language, limits in value.items()}

    @model_validator(mode="after")
    def _metrics_key_needs_keys(self) -> Settings:
        if self.metrics_require_key and not self.require_api_keys:
            raise ValueError("CODERUNNER_METRICS_REQUIRE_KEY=true needs CODERUNNER_REQUIRE_API_KEYS=true")
        return self

    @model_validator(mode="after")
    def _ceilings_in_range(self) -> Settings:
        # Whether the defaults fit under them is checked at start-up, where the languages'
        # own defaults are known (bootstrap.check_language_settings).
        for name in sorted(_LIMIT_NAMES):
            ceiling = getattr(self, f"max_{name}")
            if ceiling is not None:
                try:
                    replace(Limits(), **{name: ceiling})
                except InvalidSubmission as exc:
                    raise ValueError(f"CODERUNNER_MAX_{name.upper()}: {exc.problem}") from None
        return self

    def max_limits(self) -> Limits:
        """The most a request may ask for: the CODERUNNER_MAX_* values, or where unset a
        ceiling from the machine (CPUs: the host's; memory: a quarter of the host's, as
        several sandboxes run at once; times: twice the seed's 30 s; output: 4 MiB), never
        below a configured default nor the domain's. Raises InvalidSubmission (field
        ``CODERUNNER_MAX_<NAME>``) when a value is outside what Limits allows at all."""
        machine = {
            "timeout_s": 60.0,
            "memory_mb": min(MEMORY_CEILING_MB, host_memory_mb() // 4),
            "cpus": float(host_cpus()),
            "compile_timeout_s": 60.0,
            "compile_memory_mb": min(MEMORY_CEILING_MB, host_memory_mb() // 4),
            "compile_cpus": float(host_cpus()),
            "output_limit_bytes": 4 * 1024 * 1024,
        }
        maxima: dict[str, float] = {}
        for name, derived in machine.items():
            explicit = getattr(self, f"max_{name}")
            configured = [getattr(self, name) or 0, *(limits.get(name, 0) for limits in self.language_limits.values())]
            maxima[name] = explicit if explicit is not None else max(derived, getattr(Limits(), name), *configured)
        try:
            return Limits(**maxima)  # type: ignore[arg-type]
        except InvalidSubmission as exc:
            variable = f"CODERUNNER_MAX_{exc.field.removeprefix('limits.').upper()}"
            raise InvalidSubmission(variable, exc.problem) from None

    def check_defaults_fit(self, language: str, defaults: Limits) -> None:
        """Raises InvalidSubmission naming the CODERUNNER_MAX_* variable that ``language``'s
        default limits exceed (called at start-up for every language)."""
        maxima = self.max_limits()
        for name in sorted(_LIMIT_NAMES):
            value, ceiling = getattr(defaults, name), getattr(maxima, name)
            if value > ceiling:
                raise InvalidSubmission(
                    f"CODERUNNER_MAX_{name.upper()}", f"is {ceiling:g}, below {language}'s default {name} {value:g}"
                )

    def default_limits(self, language: str, declared: Limits) -> Limits:
        """The limits a ``language`` submission gets when it asks for none: the plug-in's
        ``declared`` ones, overridden by the settings for every language, then by those for
        this one (raises InvalidSubmission if one is out of range). A plug-in's declared
        CPUs are capped at the host's: the engine refuses a quota above the machine's CPUs,
        and it would give nothing more (Java asks for 2 for javac)."""
        machine = float(host_cpus())
        fitted = replace(declared, cpus=min(declared.cpus, machine), compile_cpus=min(declared.compile_cpus, machine))
        everywhere = {name: getattr(self, name) for name in _LIMIT_NAMES if getattr(self, name) is not None}
        here = self.language_limits.get(language, {})
        return replace(fitted, **(everywhere | here))

    def pool_size(self, language: str) -> int:
        """How many warm containers ``language`` keeps ready."""
        return self.warm_pool_sizes.get(language, self.warm_pool_size)

    def pool_at_start(self, language: str) -> bool:
        """Whether ``language``'s pool fills with the service (named in warm_pool_sizes), not at first use."""
        return language in self.warm_pool_sizes

    def input_policy(self) -> InputPolicy:
        return InputPolicy(
            max_code_bytes=self.max_code_bytes,
            max_tests=self.max_tests,
            max_field_bytes=self.max_field_bytes,
            max_limits=self.max_limits(),
        )

    def sandbox_policy(self) -> SandboxPolicy:
        return SandboxPolicy(
            pids_limit=self.pids_limit,
            nofile=self.nofile,
            file_size_mb=self.file_size_mb,
            workspace_mb=self.workspace_mb,
            workspace_inodes=self.workspace_inodes,
            seccomp_profile=self.seccomp_profile.read_text() if self.seccomp_profile else None,
            runtime=self.runtime,
        )


def host_cpus() -> int:
    """CPUs this process may run on (its affinity, which a container or taskset narrows)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def host_memory_mb() -> int:
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with explicit overrides (e.g. CLI flags) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
