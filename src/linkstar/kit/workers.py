"""Helpers for forked worker processes."""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import wait


def watch_parent() -> None:
    """In a worker: exit as soon as the process that started it is gone (no orphan workers)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
