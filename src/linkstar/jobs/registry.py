"""The job registry: which handler runs a job of a given name, and with which limits.

Built-in jobs live in the domains' `tasks.py` edge files and are listed here (jobs is the top
layer; lower layers never import it). Plugins add jobs through the `linkstar.jobs` entry-point
group, tests and deployments through `load_modules`.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext
from linkstar.inbox import tasks as inbox_tasks
from linkstar.inbox.automation import executor as inbox_rules
from linkstar.inbox.automation import timers as inbox_timers
from linkstar.inbox.mail import tasks as mail_tasks
from linkstar.inventory import tasks as inventory_tasks
from linkstar.orders import tasks as order_tasks
from linkstar.orders.stock import tasks as stock_tasks
from linkstar.orders.sync import tasks as sync_tasks
from linkstar.rating import optimise_tasks, simulation_runs, simulation_tasks
from linkstar.tracking import poll_tasks
from linkstar.tracking import tasks as tracking_tasks
from linkstar.tracking.carrier_accounts import POLL_JOB
from linkstar.tracking.hooks import tasks as webhook_tasks
from linkstar.workspace import tasks as workspace_tasks

__all__ = [
    "BUILTIN_JOBS",
    "ENTRY_POINT_GROUP",
    "Handler",
    "JobContext",
    "JobSpec",
    "get_spec",
    "job",
    "load_entry_points",
    "load_modules",
    "register",
    "registered",
    "unregister",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "linkstar.jobs"

Handler = Callable[[Session, JobContext], None]


@dataclass(frozen=True)
class JobSpec:
    """A job name bound to its handler and its retry and time limits."""

    name: str
    handler: Handler
    max_attempts: int = 5
    time_limit_seconds: float = 300
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 3600

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 120:
            raise ValueError("a job name must have 1 to 120 characters")
        if self.max_attempts < 1:
            raise ValueError(f"job {self.name}: max_attempts must be at least 1")
        if self.time_limit_seconds <= 0:
            raise ValueError(f"job {self.name}: time_limit_seconds must be positive")
        if self.backoff_base_seconds < 0 or self.backoff_max_seconds < 0:
            raise ValueError(f"job {self.name}: backoff must not be negative")


BUILTIN_JOBS: tuple[JobSpec, ...] = (
    JobSpec("workspace.purge_audit_log", workspace_tasks.purge_audit_log, max_attempts=3),
    JobSpec("workspace.purge_auth_records", workspace_tasks.purge_auth_records, max_attempts=3),
    JobSpec("workspace.purge_finished_jobs", workspace_tasks.purge_finished_jobs, max_attempts=3),
    JobSpec("addresses.review_decided", order_tasks.review_decided),
    JobSpec("orders.allocate", order_tasks.allocate, max_attempts=3),
    JobSpec("orders.route", order_tasks.route, max_attempts=3),
    JobSpec("tracking.sweep_exceptions", tracking_tasks.sweep_exceptions, max_attempts=3),
    JobSpec("tracking.refresh_lane_stats", tracking_tasks.refresh_lane_stats, max_attempts=3),
    JobSpec("tracking.notify_exceptions", tracking_tasks.notify_exceptions, max_attempts=5),
    JobSpec(poll_tasks.PLAN_JOB, poll_tasks.plan_carrier_polls, max_attempts=3),
    # A run waits out the carriers' rate limits up to connectors.polling's 5-minute horizon.
    JobSpec(POLL_JOB, poll_tasks.poll_carriers, max_attempts=3, time_limit_seconds=900),
    JobSpec("inventory.reconcile_stock", inventory_tasks.reconcile_stock, max_attempts=3),
    JobSpec("inventory.publish_stock", stock_tasks.publish_stock, max_attempts=3),
    JobSpec("inventory.publish_store", stock_tasks.publish_store, max_attempts=3),
    JobSpec("inventory.check_stock_feed", stock_tasks.check_stock_feed, max_attempts=3),
    JobSpec("inventory.purge_publish_log", stock_tasks.purge_publish_log, max_attempts=3),
    JobSpec("webhooks.orders", webhook_tasks.process_order_delivery, max_attempts=8),
    JobSpec("webhooks.tracking", webhook_tasks.process_tracking_delivery, max_attempts=8),
    JobSpec("inbox.send", inbox_tasks.send_reply, max_attempts=5),
    JobSpec("inbox.wake_snoozed", inbox_tasks.wake_snoozed, max_attempts=3),
    JobSpec("inbox.ab_orders", inbox_tasks.record_ab_orders, max_attempts=3),
    JobSpec("inbox.poll_mailboxes", mail_tasks.poll_mailboxes, max_attempts=3),
    JobSpec("inbox.poll_mail", mail_tasks.poll_mail, max_attempts=5),
    JobSpec("inbox.automate", inbox_rules.automate, max_attempts=3),
    JobSpec("inbox.call_webhook", inbox_rules.call_webhook, max_attempts=6),
    JobSpec("inbox.follow_up", inbox_rules.follow_up, max_attempts=3),
    JobSpec("inbox.timers", inbox_timers.timers, max_attempts=3),
    JobSpec("inbox.plan_message_polls", inbox_tasks.plan_message_polls, max_attempts=3),
    JobSpec("inbox.poll_store_messages", inbox_tasks.poll_store_messages, max_attempts=3),
    JobSpec("webhooks.inbox", inbox_tasks.process_contact_form, max_attempts=8),
    JobSpec("routing.optimise_wave", optimise_tasks.optimise_wave, max_attempts=2),
    JobSpec(
        simulation_runs.SIMULATE_JOB,
        simulation_tasks.simulate,
        max_attempts=simulation_runs.SIMULATE_ATTEMPTS,
    ),
    JobSpec("orders.plan_polls", sync_tasks.plan_polls, max_attempts=3),
    JobSpec("orders.poll_store", sync_tasks.poll_store, max_attempts=3, time_limit_seconds=600),
)

_lock = threading.Lock()
_specs: dict[str, JobSpec] = {}
_loaded_entry_points = False


def register(spec: JobSpec, *, replace: bool = False) -> JobSpec:
    """Add a job; registering another handler under a taken name raises unless `replace`."""
    with _lock:
        existing = _specs.get(spec.name)
        if existing is not None and existing != spec and not replace:
            raise ValueError(f"job {spec.name!r} is already registered")
        _specs[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Forget a job (tests register throw-away jobs)."""
    with _lock:
        _specs.pop(name, None)


def job(name: str, **limits: Any) -> Callable[[Handler], Handler]:
    """Decorator registering a handler: `@job("shop.sync", max_attempts=3)`."""

    def decorate(handler: Handler) -> Handler:
        register(JobSpec(name, handler, **limits))
        return handler

    return decorate


def get_spec(name: str) -> JobSpec | None:
    """The spec of a registered job, or None when no handler is known for `name`."""
    return _specs.get(name)


def registered() -> dict[str, JobSpec]:
    """A snapshot of every registered job by name."""
    with _lock:
        return dict(_specs)


def load_modules(names: Iterable[str]) -> list[ModuleType]:
    """Import modules that register jobs when imported (e.g. with the `job` decorator)."""
    return [importlib.import_module(name) for name in names if name.strip()]


def load_entry_points(*, force: bool = False) -> int:
    """Register the jobs plugins declare in the `linkstar.jobs` entry-point group.

    An entry point may name a module (importing it registers its jobs), a JobSpec, an iterable
    of JobSpecs, or a callable returning either. Returns how many entry points were loaded.
    """
    global _loaded_entry_points
    if _loaded_entry_points and not force:
        return 0
    count = 0
    for point in entry_points(group=ENTRY_POINT_GROUP):
        _register_loaded(point.name, point.load())
        count += 1
    _loaded_entry_points = True
    return count


def _register_loaded(origin: str, value: Any) -> None:
    if isinstance(value, ModuleType):
        return
    if callable(value) and not isinstance(value, JobSpec):
        value = value()
    if isinstance(value, JobSpec):
        register(value)
        return
    if isinstance(value, Iterable):
        for item in value:
            if not isinstance(item, JobSpec):
                raise TypeError(f"entry point {origin}: {item!r} is not a JobSpec")
            register(item)
        return
    if value is not None:
        raise TypeError(f"entry point {origin}: expected a module, JobSpec or JobSpecs")


for _spec in BUILTIN_JOBS:
    register(_spec)
