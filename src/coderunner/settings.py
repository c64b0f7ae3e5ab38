"""Configuration: one typed object, read from CODERUNNER_* variables, .env and flags.

Validated at start-up; a bad value names the variable. Nothing is created at import:
call ``load_settings()`` in an entry point and pass the object down.
"""

from __future__ import annotations

import os
import socket
from dataclasses import fields
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coderunner.domain.submission import InputPolicy, Limits
from coderunner.errors import InvalidSubmission
from coderunner.sandbox.hardening import SandboxPolicy

# The domain's own defaults, so that each default is written down once.
_LIMITS, _POLICY, _INPUT = Limits(), SandboxPolicy(), InputPolicy()
# The largest memory Limits accepts at all; a machine-derived ceiling never goes above it.
MEMORY_CEILING_MB = 8192


class Settings(BaseSettings):
    """Every knob of the service, with the seed's defaults."""

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
    # Started, hardened containers kept ready (each serves one submission, then is removed).
    warm_pool_size: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 1)), ge=0, le=64)
    # Default limits of a submission (the seed's: 256 MB, 0.5 CPU, 30 s), range-checked by Limits.
    timeout_s: float = _LIMITS.timeout_s
    memory_mb: int = _LIMITS.memory_mb
    cpus: float = _LIMITS.cpus
    compile_timeout_s: float = _LIMITS.compile_timeout_s
    compile_memory_mb: int = _LIMITS.compile_memory_mb
    compile_cpus: float = _LIMITS.compile_cpus
    output_limit_bytes: int = _LIMITS.output_limit_bytes
    # Ceilings on what one request may ask for (CODERUNNER_MAX_*). Unset: derived from the
    # machine and never below the default (see max_limits()).
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

    @model_validator(mode="after")
    def _limits_fit_under_their_ceilings(self) -> Settings:
        try:
            defaults, maxima = self.default_limits(), self.max_limits()
        except InvalidSubmission as exc:
            raise ValueError(f"{_variable(exc.field, maximum=exc.field.startswith('max_'))}: {exc.problem}") from None
        for name in (f.name for f in fields(Limits)):
            if getattr(defaults, name) > getattr(maxima, name):
                raise ValueError(
                    f"{_variable(name)} ({getattr(defaults, name):g}) is above "
                    f"{_variable(name, maximum=True)} ({getattr(maxima, name):g})"
                )
        return self

    def default_limits(self) -> Limits:
        """The limits a submission gets when it asks for none (raises InvalidSubmission if out of range)."""
        return Limits(
            timeout_s=self.timeout_s,
            memory_mb=self.memory_mb,
            cpus=self.cpus,
            compile_timeout_s=self.compile_timeout_s,
            compile_memory_mb=self.compile_memory_mb,
            compile_cpus=self.compile_cpus,
            output_limit_bytes=self.output_limit_bytes,
        )

    def max_limits(self) -> Limits:
        """The most a request may ask for: the CODERUNNER_MAX_* values, or where unset a
        ceiling from the machine (CPUs: the host's; memory: a quarter of the host's, as
        several sandboxes run at once; times: twice the seed's 30 s; output: 4 MiB), never
        below the configured default. Raises InvalidSubmission (field ``max_<name>``) when
        a value is outside what Limits allows at all."""
        defaults = self.default_limits()
        derived = {
            "timeout_s": 60.0,
            "memory_mb": min(MEMORY_CEILING_MB, host_memory_mb() // 4),
            "cpus": float(host_cpus()),
            "compile_timeout_s": 60.0,
            "compile_memory_mb": min(MEMORY_CEILING_MB, host_memory_mb() // 4),
            "compile_cpus": float(host_cpus()),
            "output_limit_bytes": 4 * 1024 * 1024,
        }
        maxima: dict[str, float] = {}
        for name, machine in derived.items():
            explicit = getattr(self, f"max_{name}")
            maxima[name] = explicit if explicit is not None else max(machine, getattr(defaults, name))
        try:
            return Limits(**maxima)  # type: ignore[arg-type]
        except InvalidSubmission as exc:
            raise InvalidSubmission(exc.field.replace("limits.", "max_"), exc.problem) from None

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


def _variable(field: str, *, maximum: bool = False) -> str:
    """``limits.memory_mb`` / ``max_memory_mb`` → the environment variable that sets it."""
    name = field.removeprefix("limits.").removeprefix("max_")
    return f"CODERUNNER_{'MAX_' if maximum else ''}{name.upper()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with explicit overrides (e.g. CLI flags) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
