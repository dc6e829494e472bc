"""Address checks one batch ahead, in a second process, for large imports.

The address checker is a quarter of a large import's time and is pure (addresses.core), so
while the main process writes one batch, one worker process checks the distinct ship-to
addresses of the next. Its answers are only a cache for `check_addresses`: an address the
worker did not check (an order that turned out to exist already, say) is checked in process,
so a guess can cost time, never change a result.

Which addresses to send is guessed from the payloads the store already holds (a re-imported
file sends nothing). Small imports stay in process (starting the worker costs more than it
saves), and so does any platform without `fork`. The worker is stopped when the import ends,
error or not, and stops itself if the importing process dies; a failed worker fails the
batch waiting for it with `WorkerFailed`, so that batch's transaction writes nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import wait

from linkstar.addresses.core import (
    DEFAULT_POLICY,
    AddressInput,
    CheckedAddress,
    Policy,
    check_many,
)
from linkstar.kit.errors import LinkStarError
from linkstar.orders.core.facts import payload_hash
from linkstar.orders.intake import Item
from linkstar.orders.pipeline import address_input

# Below this many rows the worker's start (a fork, then its own ZIP tables: ~1 s) costs more
# than checking in process.
MIN_ROWS = 5_000

Stored = Callable[[list[str]], set[str]]


class WorkerFailed(LinkStarError):
    """The address-check worker process died or failed; the batch waiting for it is undone."""

    code = "worker_failed"
    status = 503


def _watch_parent() -> None:
    """In the worker: exit as soon as the importing process is gone (no orphan workers)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def check_all(addresses: list[AddressInput], policy: Policy) -> list[CheckedAddress]:
    """In the worker: the checker's result for each address (also builds its ZIP tables)."""
    return list(check_many(addresses, policy))


class AddressLookahead:
    """Feeds a worker the addresses of the batch after the one being written, in item order."""

    def __init__(self, executor: ProcessPoolExecutor, items: Sequence[Item]) -> None:
        self._executor, self._items = executor, items
        self._shas: list[str | None] = []  # payload hashes of the items sent so far
        self._sent: list[tuple[int, list[AddressInput], Future[list[CheckedAddress]]]] = []
        self._cursor = 0

    def take(
        self, count: int, stored: Stored, policy: Policy
    ) -> tuple[list[str | None], dict[AddressInput, CheckedAddress]]:
        """The payload hashes and the worker's checks of the next `count` items.

        Sends the following `count` items to the worker first, so it works on them while the
        caller writes these; `stored` says which payload hashes the store already holds.
        """
        start = self._cursor
        self._cursor += count
        while len(self._shas) < min(start + 2 * count, len(self._items)):
            self._send(len(self._shas), count, stored, policy)
        checked: dict[AddressInput, CheckedAddress] = {}
        while self._sent and self._sent[0][0] < self._cursor:
            _, addresses, future = self._sent.pop(0)
            try:
                results = future.result()
            except Exception as exc:  # raised in the worker, or the worker died
                raise _failed(exc) from exc
            checked.update(zip(addresses, results, strict=True))
        return self._shas[start : start + count], checked

    def _send(self, start: int, count: int, stored: Stored, policy: Policy) -> None:
        part = self._items[start : start + count]
        shas = [payload_hash(raw) if raw is not None else None for _, raw in part]
        self._shas.extend(shas)
        held = stored([h for h in shas if h is not None])
        fresh = dict.fromkeys(
            address_input(order.ship_to)
            for (order, _), sha in zip(part, shas, strict=True)
            if sha is None or sha not in held
        )
        if fresh:
            addresses = list(fresh)
            try:
                future = self._executor.submit(check_all, addresses, policy)
            except RuntimeError as exc:  # the worker died earlier (BrokenProcessPool)
                raise _failed(exc) from exc
            self._sent.append((start, addresses, future))


def _failed(exc: BaseException) -> WorkerFailed:
    return WorkerFailed(
        "the address-check worker process failed "
        f"({type(exc).__name__}: {exc or 'no detail'}); this batch was not written"
    )


@contextmanager
def address_worker(rows: int) -> Iterator[ProcessPoolExecutor | None]:
    """One worker process for an import of `rows` rows, or None below MIN_ROWS (or without
    `fork`). It builds its ZIP tables at once, while the caller parses the file, and is
    stopped on leaving, error or not."""
    if rows < MIN_ROWS or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    executor = ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("fork"), initializer=_watch_parent
    )
    try:
        executor.submit(check_all, [], DEFAULT_POLICY)
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
