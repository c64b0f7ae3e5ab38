"""The composition root: Settings → adapters → the services every entry point uses."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from coderunner.languages.registry import available_languages, get_language
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.engine import connect
from coderunner.sandbox.images import ImageBuilder
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

    async def start(self) -> None:
        """Readies the images, recovers from a crashed predecessor, then warms the pool;
        call once before serving."""
        for name in available_languages():
            await asyncio.to_thread(self.sandbox.image_for, get_language(name).image)
        # Reap first: the pool's new containers carry the same instance label.
        await recover(self.store, self.sandbox, self.settings.instance_name)
        if self.settings.warm_pool_size:
            compile_limits = self.settings.default_limits().compile_step
            await asyncio.to_thread(
                self.sandbox.start_pool, get_language("cpp").image, self.settings.warm_pool_size, compile_limits
            )

    async def stop(self) -> None:
        await self.scheduler.drain()
        # Final states the database refused (it was away) get a last chance before the exit.
        await self.pipeline.close(timeout_s=FINAL_WRITES_GRACE_S)
        await asyncio.to_thread(self.sandbox.close)


def build_services(settings: Settings) -> Services:
    """Connects to the engine and the database (migrating it) and wires the pipeline.

    Raises ``SandboxUnavailable`` when no engine answers and ``StoreError`` when the
    database cannot be reached.
    """
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    store = SqlExecutionStore(engine)
    client = connect(settings.docker_host)
    images = ImageBuilder(client, settings.images_dir)
    sandbox = DockerSandbox(
        client,
        images,
        policy=settings.sandbox_policy(),
        instance=settings.instance_name,
        uid_base=settings.uid_base,
    )
    pipeline = Pipeline(store, sandbox, get_language, server_instance=settings.instance_name)
    scheduler = Scheduler(pipeline, slots=settings.slots, queue_limit=settings.queue_limit)
    return Services(settings, images, sandbox, store, pipeline, scheduler)
