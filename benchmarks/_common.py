"""Shared helpers for benchmark scripts: arguments, timing, tables and JSON results, and an own
PostgreSQL database per run."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """A script's argument parser, described by the first line of its docstring."""
    return argparse.ArgumentParser(description=(doc or "").partition("\n")[0])


def machine() -> str:
    """The machine the figures come from, with a speed reading to compare machines by."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"speed: {calibration_ns():.0f} ns of CPU per pure-Python loop step"
    )


def calibration_ns() -> float:
    """CPU nanoseconds per step of a plain `s += i` loop (best of 3 x 1M steps).

    Figures in docs/benchmarks.md come from machines that differ by 2x or more in speed (same
    core count, same Python): this reading says which kind a figure came from (72 ns on the
    2-core Intel Xeon of 2026-12-06, load 5). Process CPU, so other processes disturb it less
    than wall time; it still grows somewhat on a loaded machine.
    """
    best = float("inf")
    for _ in range(3):
        start, s = time.process_time(), 0
        for i in range(1_000_000):
            s += i
        best = min(best, time.process_time() - start)
    return best * 1000


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds."""
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "mean_ms": statistics.fmean(ordered) * 1000,
    }


def report(name: str, rows: list[dict[str, Any]]) -> None:
    """Print rows as a table and write them to benchmarks/results/<name>.json."""
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(_fmt(r[k])) for r in rows)) for k in keys}
    print("  ".join(k.ljust(widths[k]) for k in keys))
    for row in rows:
        print("  ".join(_fmt(row[k]).ljust(widths[k]) for k in keys))
    where = machine()
    print(f"machine: {where}")
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "benchmark": name,
        "at": datetime.now(UTC).isoformat(),
        "machine": where,
        "rows": rows,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2))


def own_database(url: str, label: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database for this run (never the server's shared one), and a drop.
    `LINKSTAR_BENCH_TAG` (e.g. who runs it on a shared server) is put in the database's name."""
    import os

    from sqlalchemy import create_engine, text

    tag = os.environ.get("LINKSTAR_BENCH_TAG", "")
    name = f"linkstar_bench_{label}_{tag + '_' if tag else ''}{os.getpid()}"
    from linkstar.db.engine import normalise_url

    url = normalise_url(url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + f"/{name}", drop


@contextmanager
def postgres_database(server: str, label: str) -> Iterator[str]:
    """`own_database` for a `with` block: the fresh database's URL, dropped when it ends."""
    url, drop = own_database(server, label)
    try:
        yield url
    finally:
        drop()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
