"""The composition root: Settings → adapters → the services every entry point uses."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import docker

from coderunner.domain.submission import Limits
from coderunner.errors import InvalidSubmission
from coderunner.languages.plugin import Language
from coderunner.languages.registry import available_languages, get_language
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.engine import connect
from coderunner.sandbox.images import ImageBuilder
from coderunner.sandbox.namespace_sandbox import NamespaceSandbox
from coderunner.service.pipeline import Pipeline
from coderunner.service.recovery import recover
from coderunner.service.scheduler import Scheduler
from coderunner.settings import Settings
from coderunner.store.database import create_engine_for, migrate
from coderunner.store.sql_store import SqlExecutionStore

# How long a stopping server keeps trying to write final states the database refused.
FINAL_WRITES_GRACE_S = 10.0


@dataclass
class Services:
    settings: Settings
    images: ImageBuilder
    sandbox: DockerSandbox
    store: SqlExecutionStore
    pipeline: Pipeline
    scheduler: Scheduler

    def default_limits(self, language: Language) -> Limits:
        """What a ``language`` submission that asks for no limits gets (the plug-in's, as configured)."""
        return self.settings.default_limits(language.name, language.default_limits)

    async def start(self) -> None:
        """Readies every language's image, recovers from a crashed predecessor, then sets up
        each language's warm pool; call once before serving."""
        languages = [get_language(name) for name in available_languages()]
        for language in languages:
            await asyncio.to_thread(self.sandbox.image_for, language.image)
        # Reap first: the pools' new containers carry the same instance label.
        await recover(self.store, self.sandbox, self.settings.instance_name)
        for language in languages:
            size = self.settings.pool_size(language.name)
            limits = self.default_limits(language).compile_step
            if self.settings.pool_at_start(language.name):
                await asyncio.to_thread(self.sandbox.start_pool, language.image, size, limits)
            else:
                self.sandbox.pool_on_first_use(language.image, size, limits)

    async def stop(self) -> None:
        await self.scheduler.drain()
        # Final states the database refused (it was away) get a last chance before the exit.
        await self.pipeline.close(timeout_s=FINAL_WRITES_GRACE_S)
        await asyncio.to_thread(self.sandbox.close)


def build_services(settings: Settings) -> Services:
    """Connects to the engine and the database (migrating it) and wires the pipeline.

    Raises ``SandboxUnavailable`` when no engine answers, ``StoreError`` when the
    database cannot be reached and ``InvalidSubmission`` when the settings name a language
    that is not registered or set a default limit out of range.
    """
    check_language_settings(settings)
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    store = SqlExecutionStore(engine)
    client = connect(settings.docker_host)
    images = ImageBuilder(client, settings.images_dir)
    sandbox = build_sandbox(settings, client, images)
    pipeline = Pipeline(store, sandbox, get_language, server_instance=settings.instance_name)
    scheduler = Scheduler(pipeline, slots=settings.slots, queue_limit=settings.queue_limit)
    return Services(settings, images, sandbox, store, pipeline, scheduler)


def build_sandbox(settings: Settings, client: docker.DockerClient, images: ImageBuilder) -> DockerSandbox:
    """The sandbox ``settings.isolation`` names: single-use containers, or serving ones."""
    policy, instance, uid_base = settings.sandbox_policy(), settings.instance_name, settings.uid_base
    if settings.isolation == "namespaces":
        # Every running submission holds a container: keep as many as run at once.
        return NamespaceSandbox(
            client,
            images,
            policy=policy,
            instance=instance,
            uid_base=uid_base,
            recycle_after=settings.recycle_after,
            keep=settings.slots,
        )
    return DockerSandbox(client, images, policy=policy, instance=instance, uid_base=uid_base)


def check_language_settings(settings: Settings) -> None:
    """Every language the settings name exists, and every language's default limits are in
    range and under the operator's ceilings (CODERUNNER_MAX_*)."""
    for variable, named in (
        ("CODERUNNER_WARM_POOL_SIZES", settings.warm_pool_sizes),
        ("CODERUNNER_LANGUAGE_LIMITS", settings.language_limits),
    ):
        for name in sorted(set(named) - set(available_languages())):
            known = ", ".join(available_languages())
            raise InvalidSubmission(variable, f"names the unknown language {name!r}; known: {known}")
    for language in map(get_language, available_languages()):
        settings.check_defaults_fit(language.name, settings.default_limits(language.name, language.default_limits))
