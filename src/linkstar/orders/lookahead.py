"""Payload hashes and address checks one batch ahead, in two worker processes, for large imports.

The address checker is a quarter of a large import's time and is pure (addresses.core), so
while the main process writes one batch, one worker process (the checker) checks the distinct
ship-to addresses of the next. Its answers are only a cache for `check_addresses`: an address
the worker did not check (an order that turned out to exist already, say) is checked in
process, so a guess can cost time, never change a result. A second worker (the hasher),
forked once the file is parsed so that it inherits the parsed items instead of receiving
them pickled, computes the payload hashes of the batch after, and then, for the items whose
payload the store does not hold, their fingerprints (of valid orders) and payloads' JSON
texts: only strings come back, and a re-import asks for hashes only.

Which addresses to send is guessed from the payloads the store already holds (a re-imported
file sends nothing). Small imports stay in process (starting the workers costs more than it
saves), and so does any platform without `fork`. The workers are stopped when the import
ends, error or not, and stop themselves if the importing process dies; a failed worker fails
the batch waiting for it with `WorkerFailed`, so that batch's transaction writes nothing.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from linkstar.addresses.core import (
    DEFAULT_POLICY,
    AddressInput,
    CheckedAddress,
    Policy,
    check_many,
)
from linkstar.db.engine import json_text
from linkstar.kit.errors import LinkStarError
from linkstar.kit.workers import watch_parent as _watch_parent
from linkstar.orders.core.canonical import ChannelOrder
from linkstar.orders.core.facts import fingerprint, payload_hash
from linkstar.orders.intake import Item, validate
from linkstar.orders.pipeline import address_input

# Below this many rows the checker's start (a fork, then its own ZIP tables: ~1.5 s) costs
# more than checking in process.
MIN_ROWS = 5_000

# Batches whose payload hashes are asked for ahead of those sent to the checker: a re-import
# (nothing else to do per batch) would otherwise wait for one hasher round trip per batch.
HASHED_AHEAD = 4

Stored = Callable[[list[str]], set[str]]
Details = tuple[list[str | None], list[str | None]]
T = TypeVar("T")


class Ahead(NamedTuple):
    """What the workers computed for one batch: per item its payload hash, fingerprint (given
    only for a valid order) and payload's JSON text (None: not computed, do it in process),
    and the checked addresses."""

    shas: list[str | None]
    digests: list[str | None]
    texts: list[str | None]
    checked: dict[AddressInput, CheckedAddress]


class WorkerFailed(LinkStarError):
    """The address-check worker process died or failed; the batch waiting for it is undone."""

    code = "worker_failed"
    status = 503


def check_all(addresses: list[AddressInput], policy: Policy) -> list[CheckedAddress]:
    """In the worker: the checker's result for each address (also builds its ZIP tables)."""
    return list(check_many(addresses, policy))


_ITEMS: Sequence[Item] = ()  # in the hasher: the parsed items, inherited by the fork


def _hold(items: Sequence[Item]) -> None:
    """In the hasher: keep the items it inherited (never pickled) and watch the parent."""
    global _ITEMS
    _ITEMS = items
    _watch_parent()


def hashes(start: int, count: int) -> list[str | None]:
    """In the hasher: the payload hashes of items[start:start + count]."""
    return [
        payload_hash(raw) if raw is not None else None for _, raw in _ITEMS[start : start + count]
    ]


def details(indices: list[int]) -> Details:
    """In the hasher: the fingerprints (of valid orders) and payloads' JSON texts (as a JSON
    column stores them) of the items at `indices` (those the store does not hold)."""
    part = [_ITEMS[i] for i in indices]
    return (
        [_valid_fingerprint(order) for order, _ in part],
        [json_text(dict(raw)) if raw is not None else None for _, raw in part],
    )


def _valid_fingerprint(order: ChannelOrder) -> str | None:
    """The fingerprint of an order ingestion accepts (`validate`); None for one it refuses,
    which the main process then validates and reports itself."""
    try:
        validate(order)
        return fingerprint(order)
    except Exception:
        return None


class AddressLookahead:
    """Feeds the workers the batches after the one being written, in item order: the hasher
    the batch after those sent, the checker the addresses of the batch after this one."""

    def __init__(
        self, checker: ProcessPoolExecutor, hasher: ProcessPoolExecutor, items: Sequence[Item]
    ) -> None:
        self._checker, self._hasher, self._items = checker, hasher, items
        self._shas: list[str | None] = []  # payload hashes of the items sent so far
        # Fingerprints and payload texts by item (None: not computed, do it in process).
        self._digests: list[str | None] = [None] * len(items)
        self._texts: list[str | None] = [None] * len(items)
        self._hashing: dict[int, tuple[int, Future[list[str | None]]]] = {}  # start → count
        self._sent: list[tuple[int, list[AddressInput], Future[list[CheckedAddress]]]] = []
        self._detailed: list[tuple[int, list[int], Future[Details]]] = []
        self._cursor = 0

    def take(self, count: int, stored: Stored, policy: Policy) -> Ahead:
        """The hasher's and the checker's results for the next `count` items.

        Sends the following `count` items' fresh addresses to the checker and their details to
        the hasher first, so they work on them while the caller writes these, and has the
        batch after them hashed meanwhile; `stored` says which payload hashes the store holds.
        """
        start = self._cursor
        self._cursor += count
        while len(self._shas) < min(start + 2 * count, len(self._items)):
            self._send(len(self._shas), count, stored, policy)
        for ahead in range(HASHED_AHEAD):  # the hasher keeps busy without a round trip each
            self._hash(len(self._shas) + ahead * count, count)
        while self._detailed and self._detailed[0][0] < self._cursor:
            _, indices, asked = self._detailed.pop(0)
            digests, texts = _result(asked, "hashing")
            for i, digest, text in zip(indices, digests, texts, strict=True):
                self._digests[i], self._texts[i] = digest, text
        checked: dict[AddressInput, CheckedAddress] = {}
        while self._sent and self._sent[0][0] < self._cursor:
            _, addresses, future = self._sent.pop(0)
            results: list[CheckedAddress] = _result(future, "address-check")
            checked.update(zip(addresses, results, strict=True))
        end = start + count
        return Ahead(
            self._shas[start:end], self._digests[start:end], self._texts[start:end], checked
        )

    def _hash(self, start: int, count: int) -> None:
        if start < len(self._items) and start not in self._hashing:
            self._hashing[start] = (count, self._submit(self._hasher, hashes, start, count))

    def _send(self, start: int, count: int, stored: Stored, policy: Policy) -> None:
        self._hash(start, count)
        count, future = self._hashing.pop(start)
        shas: list[str | None] = _result(future, "hashing")
        self._shas.extend(shas)
        held = stored([h for h in shas if h is not None])
        fresh = [start + i for i, sha in enumerate(shas) if sha is None or sha not in held]
        if not fresh:
            return
        self._detailed.append((start, fresh, self._submit(self._hasher, details, fresh)))
        addresses = list(dict.fromkeys(address_input(self._items[i][0].ship_to) for i in fresh))
        self._sent.append(
            (start, addresses, self._submit(self._checker, check_all, addresses, policy))
        )

    def _submit(self, worker: ProcessPoolExecutor, task: Callable[..., T], *args: Any) -> Future[T]:
        try:
            return worker.submit(task, *args)
        except RuntimeError as exc:  # the worker died earlier (BrokenProcessPool)
            name = "hashing" if worker is self._hasher else "address-check"
            raise _failed(exc, name) from exc


def _result(future: Future[T], worker: str) -> T:
    try:
        return future.result()
    except Exception as exc:  # raised in the worker, or the worker died
        raise _failed(exc, worker) from exc


def _failed(exc: BaseException, worker: str) -> WorkerFailed:
    return WorkerFailed(
        f"the {worker} worker process failed "
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


@contextmanager
def lookahead(
    checker: ProcessPoolExecutor | None, items: Sequence[Item]
) -> Iterator[AddressLookahead | None]:
    """The lookahead over parsed `items` with a started `checker` (None: no lookahead): forks
    the hasher (at its first task, so that it inherits the items) and stops it on leaving,
    error or not."""
    if checker is None:
        yield None
        return
    hasher = ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("fork"), initializer=_hold, initargs=(items,)
    )
    try:
        yield AddressLookahead(checker, hasher, items)
    finally:
        hasher.shutdown(wait=True, cancel_futures=True)
