"""The composition root: Settings → adapters → the services every entry point uses."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog
from sqlalchemy import Engine

from coderunner.domain.submission import Limits
from coderunner.errors import InvalidSubmission
from coderunner.languages.plugin import Language
from coderunner.languages.registry import available_languages, get_language
from coderunner.metrics.prometheus import PrometheusMetrics
from coderunner.publish.http_sink import HttpEventSink
from coderunner.publish.redis_stream import RedisStreamSink
from coderunner.publish.webhooks import HttpWebhookSender
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.engine import connect
from coderunner.sandbox.images import ImageBuilder
from coderunner.service.access import Access
from coderunner.service.dispatcher import Dispatcher, DispatchPolicy, RenderExecution
from coderunner.service.keys import ApiKeys
from coderunner.service.pipeline import Pipeline
from coderunner.service.ports import EventSink
from coderunner.service.recovery import recover
from coderunner.service.scheduler import Scheduler
from coderunner.settings import Settings
from coderunner.store.database import create_engine_for, migrate
from coderunner.store.deliveries import SqlDeliveryStore
from coderunner.store.key_store import SqlApiKeyStore
from coderunner.store.sql_store import SqlExecutionStore

log = structlog.get_logger("coderunner.bootstrap")

# How long a stopping server keeps trying to write final states the database refused.
FINAL_WRITES_GRACE_S = 10.0
# How long a stopping process tries to deliver the events and webhooks already due (the rest
# stays owed in the database and is delivered by the next start).
FINAL_DELIVERIES_GRACE_S = 3.0


@dataclass
class Services:
    settings: Settings
    images: ImageBuilder
    sandbox: DockerSandbox
    store: SqlExecutionStore
    pipeline: Pipeline
    scheduler: Scheduler
    dispatcher: Dispatcher
    access: Access
    metrics: PrometheusMetrics

    def default_limits(self, language: Language) -> Limits:
        """What a ``language`` submission that asks for no limits gets (the plug-in's, as configured)."""
        return self.settings.default_limits(language.name, language.default_limits)

    async def start(self) -> None:
        """Serves the metrics port (when set), readies every language's image, recovers from a
        crashed predecessor, then sets up each language's warm pool; call once before serving."""
        if self.settings.metrics_port is not None:
            # First: a port already taken stops the start before any container exists.
            host = self.settings.metrics_host or self.settings.host
            port = self.metrics.serve(host, self.settings.metrics_port)
            log.info("metrics.listening", host=host, port=port)
        languages = [get_language(name) for name in available_languages()]
        for language in languages:
            await asyncio.to_thread(self.sandbox.image_for, language.image)
        # Reap first: the pools' new containers carry the same instance label.
        await recover(self.store, self.sandbox, self.settings.instance_name, self.dispatcher.event_sinks)
        self.dispatcher.start()
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
        # What is not delivered yet stays owed in the database: the next start delivers it.
        await self.dispatcher.stop(flush_s=FINAL_DELIVERIES_GRACE_S)
        await asyncio.to_thread(self.sandbox.close)
        self.metrics.close()


def build_services(settings: Settings, render_execution: RenderExecution | None = None) -> Services:
    """Connects to the engine and the database (migrating it) and wires the pipeline.

    ``render_execution`` gives the webhook body of an execution (the REST API's JSON of it);
    without it, this process accepts callback URLs but leaves their delivery to one that has it.
    Raises ``SandboxUnavailable`` when no engine answers, ``StoreError`` when the
    database cannot be reached and ``InvalidSubmission`` when the settings name a language
    that is not registered, set a default limit out of range or a webhook secret unusable.
    """
    check_language_settings(settings)
    metrics = PrometheusMetrics()
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    store = SqlExecutionStore(engine)
    client = connect(settings.docker_host)
    images = ImageBuilder(client, settings.images_dir, metrics=metrics)
    sandbox = DockerSandbox(
        client,
        images,
        policy=settings.sandbox_policy(),
        instance=settings.instance_name,
        uid_base=settings.uid_base,
        metrics=metrics,
    )
    dispatcher = build_dispatcher(settings, engine, store, render_execution)
    pipeline = Pipeline(
        store,
        sandbox,
        get_language,
        server_instance=settings.instance_name,
        event_sinks=dispatcher.event_sinks,
        callbacks=settings.callback_policy(),
        on_final=dispatcher.wake,
        metrics=metrics,
    )
    scheduler = Scheduler(pipeline, slots=settings.slots, queue_limit=settings.queue_limit, metrics=metrics)
    access = Access(ApiKeys(SqlApiKeyStore(engine)), scheduler, required=settings.require_api_keys)
    return Services(settings, images, sandbox, store, pipeline, scheduler, dispatcher, access, metrics)


def build_key_admin(settings: Settings) -> ApiKeys:
    """The API keys of the configured database (migrated), without the engine: for `coderunner keys`.

    Raises ``StoreError`` when the database cannot be reached.
    """
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    return ApiKeys(SqlApiKeyStore(engine))


def build_dispatcher(
    settings: Settings, engine: Engine, store: SqlExecutionStore, render_execution: RenderExecution | None
) -> Dispatcher:
    """The delivery dispatcher with the event sinks and the webhook sender the settings turn on."""
    sinks: list[EventSink] = []
    if settings.events_redis_url:
        sinks.append(
            RedisStreamSink(settings.events_redis_url, settings.events_stream, maxlen=settings.events_stream_maxlen)
        )
    if settings.events_http_url:
        sinks.append(HttpEventSink(settings.events_http_url, timeout_s=settings.webhook_timeout_s))
    webhooks = None
    policy = settings.callback_policy()
    if settings.webhook_secret is not None and policy is not None:
        try:
            webhooks = HttpWebhookSender(
                settings.webhook_secret.get_secret_value(), policy, timeout_s=settings.webhook_timeout_s
            )
        except ValueError as exc:
            raise InvalidSubmission("CODERUNNER_WEBHOOK_SECRET", str(exc)) from None
    return Dispatcher(
        SqlDeliveryStore(engine),
        store,
        sinks=sinks,
        webhooks=webhooks,
        render=render_execution,
        policy=DispatchPolicy(
            events=settings.event_backoff(),
            webhooks=settings.webhook_backoff(),
            # A claim outlives any attempt (each is bounded by the timeout), and not much more:
            # a delivery whose process died mid-attempt is retried when it ends.
            lease_s=settings.webhook_timeout_s + 30,
        ),
    )


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
