"""The processes that run jobs: in-process (embedded), distributed workers, and the scheduler.

Whatever the broker, a runtime is the same three parts: a relay thread that moves due outbox
rows to the broker, a dramatiq Worker whose one actor calls `runner.execute`, and (embedded
only) a scheduler thread. `linkstar serve` uses EmbeddedRuntime when no broker URL is set;
`linkstar worker` calls run_worker and `linkstar scheduler` calls run_scheduler.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from dramatiq import Actor, Broker, Worker
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from linkstar.config import Settings
from linkstar.db.engine import make_session_factory
from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.jobs.broker import DEFAULT_QUEUE, declare_actor, make_broker, send_job
from linkstar.jobs.registry import get_spec, load_entry_points
from linkstar.jobs.runner import execute, relay_once
from linkstar.jobs.schedules import SCHEDULES, Schedule, enqueue_due
from linkstar.kit.clock import utcnow

log = logging.getLogger(__name__)

RELAY_BATCH = 500
SCHEDULER_INTERVAL_SECONDS = 30.0


def worker_id(thread: str | None = None) -> str:
    """`hostname:pid:thread`, the name a worker thread leaves in `locked_by`."""
    name = thread or threading.current_thread().name
    return f"{socket.gethostname()}:{os.getpid()}:{name}"


class JobRuntime:
    """A dramatiq Worker, a relay thread and optionally a scheduler thread over one database."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        broker_url: str,
        threads: int,
        schedule: bool,
        queue_name: str = DEFAULT_QUEUE,
        lease_seconds: float | None = None,
        scheduler_interval: float = SCHEDULER_INTERVAL_SECONDS,
        schedules: tuple[Schedule, ...] = SCHEDULES,
    ) -> None:
        self.settings = settings
        self.sessions = make_session_factory(engine)
        self.broker_url = broker_url
        self.threads = threads
        self.schedule = schedule
        self.queue_name = queue_name
        self.lease_seconds = float(lease_seconds or settings.job_lease_seconds)
        self.scheduler_interval = scheduler_interval
        self.schedules = schedules
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._worker: Worker | None = None
        self._broker: Broker | None = None
        self._actor: Actor[[str], None] | None = None
        self._inflight: set[str] = set()
        self._inflight_lock = threading.Lock()

    @property
    def running(self) -> bool:
        return bool(self._threads) and not self._stop.is_set()

    def start(self) -> None:
        """Start the worker threads, the relay and (if asked) the scheduler; returns at once."""
        if self._threads:
            raise RuntimeError("this job runtime is already started")
        load_entry_points()
        self._stop.clear()
        if self.threads > 0:
            broker = self._broker = make_broker(self.broker_url, namespace=self.queue_name)
            self._actor = declare_actor(broker, self._run, self.queue_name)
            broker.emit_after("process_boot")  # starts the time-limit watchdog
            self._worker = Worker(broker, worker_threads=self.threads, worker_timeout=200)
            self._worker.start()
            self._spawn("linkstar-relay", self._relay_loop)
        if self.schedule:
            self._spawn("linkstar-scheduler", self._scheduler_loop)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work, give running jobs `timeout` seconds to finish, release the rest."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        if self._worker is not None:
            self._worker.stop(timeout=int(timeout * 1000))
            self._worker = None
        if self._broker is not None:
            self._broker.close()
            self._broker = None
        self._release_inflight()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _run(self, job_id: str) -> None:
        with self._inflight_lock:
            self._inflight.discard(job_id)
        try:
            execute(self.sessions, job_id, worker_id(), self.lease_seconds)
        except Exception:  # e.g. the database is down: the lease brings the job back
            log.exception("could not run job %s; it will be retried", job_id)

    def _publish(self, job_id: str, name: str) -> None:
        spec = get_spec(name)
        if not self.broker_url:  # only the in-memory queue loses messages on stop
            with self._inflight_lock:
                self._inflight.add(job_id)
        if self._actor is None:
            raise RuntimeError("the job runtime is not started")
        send_job(self._actor, job_id, spec.time_limit_seconds if spec else None)

    def _relay_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._relay_backlog()
            except Exception:  # a database hiccup must not end the relay
                log.exception("outbox relay failed; retrying")
            self._stop.wait(self.settings.job_poll_seconds)

    def _relay_backlog(self) -> None:
        """Relay full batches back to back; a short batch means the backlog is drained."""
        while not self._stop.is_set():
            if relay_once(self.sessions, self._publish, self.lease_seconds, RELAY_BATCH) < (
                RELAY_BATCH
            ):
                return

    def _scheduler_loop(self) -> None:
        while not self._stop.is_set():
            schedule_once(self.sessions, self.schedules)
            self._stop.wait(self.scheduler_interval)

    def _release_inflight(self) -> None:
        """Put jobs still sitting in the in-memory queue back to pending, so a restart runs them."""
        with self._inflight_lock:
            ids, self._inflight = list(self._inflight), set()
        if not ids:
            return
        try:
            with unit_of_work(self.sessions) as session:
                session.execute(
                    update(OutboxJob)
                    .where(OutboxJob.id.in_(ids), OutboxJob.status == JobStatus.queued.value)
                    .values(status=JobStatus.pending.value, lease_until=None)
                    .execution_options(synchronize_session=False)
                )
        except Exception:  # their lease brings them back anyway
            log.exception("could not release %d queued jobs", len(ids))


class EmbeddedRuntime(JobRuntime):
    """Jobs inside `linkstar serve`: in-memory broker, `embedded_workers` threads, scheduler."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        threads: int | None = None,
        schedule: bool = True,
        lease_seconds: float | None = None,
        scheduler_interval: float = SCHEDULER_INTERVAL_SECONDS,
        schedules: tuple[Schedule, ...] = SCHEDULES,
    ) -> None:
        super().__init__(
            settings,
            engine,
            broker_url="",
            threads=settings.embedded_workers if threads is None else threads,
            schedule=schedule,
            lease_seconds=lease_seconds,
            scheduler_interval=scheduler_interval,
            schedules=schedules,
        )


def schedule_once(
    sessions: sessionmaker[Session], schedules: tuple[Schedule, ...] = SCHEDULES
) -> list[str]:
    """Enqueue the schedules' current periods in one transaction; logs and returns [] on error."""
    try:
        with unit_of_work(sessions) as session:
            created = enqueue_due(session, utcnow(), schedules)
    except Exception:
        log.exception("scheduler failed to enqueue periodic jobs; retrying")
        return []
    for key in created:
        log.info("scheduled %s", key)
    return created


def run_worker(
    settings: Settings,
    engine: Engine,
    threads: int,
    stop_event: threading.Event | None = None,
    *,
    queue_name: str = DEFAULT_QUEUE,
    lease_seconds: float | None = None,
) -> None:
    """Run jobs from the Redis or RabbitMQ broker until SIGTERM/SIGINT or `stop_event` is set."""
    if not settings.broker_url:
        raise ValueError("run_worker needs a broker URL (LINKSTAR_BROKER_URL)")
    stop = stop_event or threading.Event()
    runtime = JobRuntime(
        settings,
        engine,
        broker_url=settings.broker_url,
        threads=threads,
        schedule=False,
        queue_name=queue_name,
        lease_seconds=lease_seconds,
    )
    with _stop_on_signals(stop):
        runtime.start()
        log.info(
            "worker %s: %d threads on queue %s", worker_id("main"), threads, runtime.queue_name
        )
        try:
            stop.wait()
        finally:
            runtime.stop()


def run_scheduler(
    settings: Settings,
    engine: Engine,
    stop_event: threading.Event | None = None,
    *,
    interval: float = SCHEDULER_INTERVAL_SECONDS,
    schedules: tuple[Schedule, ...] = SCHEDULES,
) -> None:
    """Enqueue periodic jobs every `interval` seconds until SIGTERM/SIGINT or `stop_event`."""
    stop = stop_event or threading.Event()
    sessions = make_session_factory(engine)
    with _stop_on_signals(stop):
        while not stop.is_set():
            schedule_once(sessions, schedules)
            stop.wait(interval)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Set `stop` on SIGTERM/SIGINT while inside (signals can only be caught on the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
