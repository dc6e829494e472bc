"""Dramatiq brokers: in-memory for the embedded runner, Redis or RabbitMQ when configured.

Every broker gets the same small middleware stack: dramatiq's TimeLimit (with a watchdog thread
that stops with the worker, so runtimes can start and stop many times in one process) and
Retries switched off, because retries, backoff and dead letters are kept in the outbox.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from time import monotonic
from typing import Any

import dramatiq
from dramatiq import Broker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, Retries, TimeLimit, raise_thread_exception
from dramatiq.middleware.time_limit import TimeLimitExceeded

from linkstar.kit.errors import LinkStarError

ACTOR_NAME = "linkstar.run_job"
DEFAULT_QUEUE = "linkstar"
DEFAULT_TIME_LIMIT_MS = 300_000
TIME_LIMIT_CHECK_MS = 100


class BrokerUnavailable(LinkStarError):
    code = "broker_unavailable"
    status = 503


class _Watchdog(threading.Thread):
    """Raises TimeLimitExceeded in worker threads past their deadline; stoppable."""

    def __init__(self, interval_ms: int) -> None:
        super().__init__(name="linkstar-time-limit", daemon=True)
        self.interval = interval_ms / 1000
        self.deadlines: dict[int, float | None] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def add_timeout(self, thread_id: int, ttl_ms: float) -> None:
        with self.lock:
            self.deadlines[thread_id] = monotonic() + ttl_ms / 1000

    def remove_timeout(self, thread_id: int) -> None:
        with self.lock:
            self.deadlines[thread_id] = None

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            now = monotonic()
            with self.lock:
                late = [
                    tid for tid, end in self.deadlines.items() if end is not None and now >= end
                ]
                for tid in late:
                    self.deadlines[tid] = None
            for tid in late:
                raise_thread_exception(tid, TimeLimitExceeded)


class StoppableTimeLimit(TimeLimit):
    """dramatiq's TimeLimit middleware whose watchdog thread ends with the worker."""

    def __init__(self, *, time_limit: float = DEFAULT_TIME_LIMIT_MS, interval: int = 1000) -> None:
        super().__init__(time_limit=time_limit, interval=interval)
        self.watchdog = _Watchdog(interval)
        self.manager = self.watchdog  # type: ignore[assignment]

    def after_process_boot(self, broker: Broker) -> None:
        if not self.watchdog.is_alive() and not self.watchdog.stopped.is_set():
            self.watchdog.start()

    def after_worker_shutdown(self, broker: Broker, worker: dramatiq.Worker) -> None:
        self.watchdog.stopped.set()
        if self.watchdog.is_alive():
            self.watchdog.join(timeout=2)


def _middleware() -> list[Middleware]:
    return [StoppableTimeLimit(interval=TIME_LIMIT_CHECK_MS), Retries(max_retries=0)]


def make_broker(url: str, *, namespace: str = "dramatiq") -> Broker:
    """A broker for `url` with LinkStar's middleware; an empty URL gives the in-process stub."""
    if not url:
        return StubBroker(middleware=_middleware())
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, middleware=_middleware(), namespace=namespace)
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=_middleware())
    raise BrokerUnavailable(f"unsupported broker URL scheme: {url.split(':', 1)[0]}")


def declare_actor(
    broker: Broker, run: Callable[[str], None], queue_name: str = DEFAULT_QUEUE
) -> dramatiq.Actor[[str], None]:
    """The one actor, `linkstar.run_job(job_id)`, bound to `broker` (never the global default)."""
    decorate = dramatiq.actor(
        broker=broker,
        actor_name=ACTOR_NAME,
        queue_name=queue_name,
        max_retries=0,
        time_limit=DEFAULT_TIME_LIMIT_MS,
    )
    return decorate(run)


def send_job(
    actor: dramatiq.Actor[[str], Any], job_id: str, time_limit_seconds: float | None
) -> None:
    """Publish one job id; the job's time limit travels as the message's `time_limit` (ms)."""
    options: dict[str, Any] = {}
    if time_limit_seconds is not None:
        options["time_limit"] = max(1, int(time_limit_seconds * 1000))
    actor.send_with_options(args=(job_id,), **options)


def broker_ping(url: str, timeout: float = 3.0) -> None:
    """Raise BrokerUnavailable with a one-line reason unless the broker answers."""
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
            client.ping()
            client.close()
        elif url.startswith(("amqp://", "amqps://")):
            import pika

            params = pika.URLParameters(url)
            params.socket_timeout = timeout
            params.blocked_connection_timeout = timeout
            params.connection_attempts = 1
            connection = pika.BlockingConnection(params)
            connection.close()
        else:
            raise BrokerUnavailable(f"unsupported broker URL scheme: {url.split(':', 1)[0]}")
    except BrokerUnavailable:
        raise
    except Exception as exc:  # any client error means "not reachable"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrokerUnavailable(f"broker unreachable: {reason}") from exc
