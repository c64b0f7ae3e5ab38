"""The composition root: Settings → adapters → the services every entry point uses."""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass, field

import docker
import structlog
from sqlalchemy import Engine

from coderunner.broker.feed import RedisFinishedFeed
from coderunner.broker.work_queue import RedisWorkQueue
from coderunner.broker.worker import QueueWorker, UnknownExecution
from coderunner.domain.execution import Execution
from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL
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
from coderunner.sandbox.namespace_sandbox import NamespaceSandbox
from coderunner.service.access import Access
from coderunner.service.consumer import Consumer
from coderunner.service.dispatcher import Dispatcher, DispatchPolicy, RenderExecution
from coderunner.service.keys import ApiKeys
from coderunner.service.pipeline import Pipeline
from coderunner.service.ports import EventSink, Metrics
from coderunner.service.queue_scheduler import QueueScheduler
from coderunner.service.recovery import recover
from coderunner.service.scheduler import Scheduler
from coderunner.service.stranded import StrandedSweep
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
    # The engine's side: None on an API node of a scale-out deployment, which never
    # connects to a Docker engine (its workers grade).
    images: ImageBuilder | None
    sandbox: DockerSandbox | None
    store: SqlExecutionStore
    pipeline: Pipeline
    scheduler: Scheduler | QueueScheduler
    dispatcher: Dispatcher
    access: Access
    metrics: PrometheusMetrics
    # Set on an API node of a scale-out deployment (CODERUNNER_BROKER_URL): it records and
    # queues; workers grade. None in the embedded mode and in a worker.
    queue: RedisWorkQueue | None = None
    feed: RedisFinishedFeed | None = field(default=None)

    def default_limits(self, language: Language) -> Limits:
        """What a ``language`` submission that asks for no limits gets (the plug-in's, as configured)."""
        return self.settings.default_limits(language.name, language.default_limits)

    async def start(self) -> None:
        """Serves the metrics port (when set), readies every language's image, recovers from a
        crashed predecessor, then sets up each language's warm pool; call once before serving.
        An API node only subscribes to the workers' announcements: it runs no sandbox, and its
        unfinished records belong to the queue, not to this process."""
        if self.settings.metrics_port is not None:
            # First: a port already taken stops the start before any container exists.
            host = self.settings.metrics_host or self.settings.host
            port = self.metrics.serve(host, self.settings.metrics_port)
            log.info("metrics.listening", host=host, port=port)
        if self.feed is not None:
            self.feed.start()
        if self.sandbox is None:
            self.dispatcher.start()  # deliveries are claimed from the database: any process may send them
            return
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
        if self.feed is not None:
            await self.feed.close()
        if self.queue is not None:
            self.queue.close()
        # What is not delivered yet stays owed in the database: the next start delivers it.
        await self.dispatcher.stop(flush_s=FINAL_DELIVERIES_GRACE_S)
        if self.sandbox is not None:
            await asyncio.to_thread(self.sandbox.close)
        self.metrics.close()


def build_services(
    settings: Settings, render_execution: RenderExecution | None = None, *, worker: bool = False
) -> Services:
    """Connects to the database (migrating it) and, where grading happens, the engine; wires the pipeline.

    ``render_execution`` gives the webhook body of an execution (the REST API's JSON of it);
    without it, this process accepts callback URLs but leaves their delivery to one that has it.
    With a broker URL, the services of an API node (``QueueScheduler`` in front of the queue,
    no engine, no sandbox), unless ``worker``: a worker grades with the embedded pipeline
    (see ``build_worker``). Raises ``SandboxUnavailable`` when a needed engine does not
    answer, ``StoreError`` when the database cannot be reached and ``InvalidSubmission``
    when the settings name a language that is not registered, set a default limit out of
    range or a webhook secret unusable.
    """
    check_language_settings(settings)
    metrics = PrometheusMetrics()
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    store = SqlExecutionStore(engine)
    dispatcher = build_dispatcher(settings, engine, store, render_execution)
    api_node_of = None if worker else settings.broker_url  # the broker this process queues on, as an API node
    images, sandbox = (None, None) if api_node_of is not None else _engine_side(settings, metrics)
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
    queue, feed = None, None
    scheduler: Scheduler | QueueScheduler
    if api_node_of is not None:
        queue = RedisWorkQueue(api_node_of, heartbeat_timeout_s=settings.broker_heartbeat_timeout_s)
        feed = RedisFinishedFeed(api_node_of)
        scheduler = QueueScheduler(
            pipeline,
            store,
            queue,
            feed,
            queue_limit=settings.broker_queue_limit,
            student_limit=settings.broker_student_limit,
        )
    else:
        scheduler = Scheduler(pipeline, slots=settings.slots, queue_limit=settings.queue_limit, metrics=metrics)
    access = Access(ApiKeys(SqlApiKeyStore(engine)), scheduler, required=settings.require_api_keys)
    return Services(
        settings, images, sandbox, store, pipeline, scheduler, dispatcher, access, metrics, queue=queue, feed=feed
    )


def _engine_side(settings: Settings, metrics: PrometheusMetrics) -> tuple[ImageBuilder, DockerSandbox]:
    """The image builder and the sandbox on the configured engine (raises ``SandboxUnavailable``)."""
    client = connect(settings.docker_host)
    images = ImageBuilder(client, settings.images_dir, metrics=metrics)
    return images, build_sandbox(settings, client, images, metrics)


def build_worker(services: Services, loop: asyncio.AbstractEventLoop) -> QueueWorker:
    """The queue worker of a started worker's ``services``: it grades on ``loop``.

    It takes the languages of CODERUNNER_WORKER_LANGUAGES, or else every language whose
    image is current in this worker's engine.
    """
    settings, images, sandbox = services.settings, services.images, services.sandbox
    broker_url = _worker_broker_url(settings)
    assert images is not None, "a worker's services are built with worker=True"
    assert sandbox is not None, "a worker's services are built with worker=True"
    languages = tuple(settings.worker_languages) or tuple(
        name for name in available_languages() if images.state(get_language(name).image).current
    )
    consumer = Consumer(services.pipeline, services.store, max_attempts=settings.broker_max_attempts)
    versions = {
        name: sandbox.image_for(get_language(name).image)[1].get(RUNTIME_VERSION_LABEL, "") for name in languages
    }

    def handle(execution_id: str, attempt: int) -> Execution | None:
        future = asyncio.run_coroutine_threadsafe(consumer.handle(execution_id, attempt), loop)
        try:
            final = future.result()
        except concurrent.futures.CancelledError:
            # Only when the worker is forced down; the record ends through the pipeline.
            log.warning("worker.evaluation_cancelled", execution_id=execution_id)
            return None
        if final is None:
            raise UnknownExecution(execution_id)
        return final

    return QueueWorker(
        broker_url,
        instance=settings.instance_name,
        languages=languages,
        runtime_versions=versions,
        slots=settings.slots,
        heartbeat_timeout_s=settings.broker_heartbeat_timeout_s,
        handle=handle,
    )


def build_sweep(services: Services) -> tuple[StrandedSweep, RedisWorkQueue]:
    """A worker's sweep of stranded records, and the queue it requeues on (close it after)."""
    settings = services.settings
    queue = RedisWorkQueue(_worker_broker_url(settings), heartbeat_timeout_s=settings.broker_heartbeat_timeout_s)
    sweep = StrandedSweep(
        services.pipeline,
        services.store,
        queue,
        requeue_after_s=settings.broker_requeue_after_s,
        max_requeues=settings.broker_max_requeues,
    )
    return sweep, queue


def _worker_broker_url(settings: Settings) -> str:
    """The broker a worker takes its work from (raises InvalidSubmission naming the variable when unset)."""
    if settings.broker_url is None:
        raise InvalidSubmission("CODERUNNER_BROKER_URL", "is not set: a worker takes its work from a broker")
    return settings.broker_url


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


def build_sandbox(
    settings: Settings, client: docker.DockerClient, images: ImageBuilder, metrics: Metrics
) -> DockerSandbox:
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
            metrics=metrics,
        )
    return DockerSandbox(client, images, policy=policy, instance=instance, uid_base=uid_base, metrics=metrics)


def check_language_settings(settings: Settings) -> None:
    """Every language the settings name exists, and every language's default limits are in
    range and under the operator's ceilings (CODERUNNER_MAX_*)."""
    for variable, named in (
        ("CODERUNNER_WARM_POOL_SIZES", settings.warm_pool_sizes),
        ("CODERUNNER_LANGUAGE_LIMITS", settings.language_limits),
        ("CODERUNNER_WORKER_LANGUAGES", dict.fromkeys(settings.worker_languages)),
    ):
        for name in sorted(set(named) - set(available_languages())):
            known = ", ".join(available_languages())
            raise InvalidSubmission(variable, f"names the unknown language {name!r}; known: {known}")
    for language in map(get_language, available_languages()):
        settings.check_defaults_fit(language.name, settings.default_limits(language.name, language.default_limits))
