"""A job process for the durability tests: `python -m worker_launcher embedded|worker QUEUE`.

Settings come from LINKSTAR_* variables, like any LinkStar process; the test jobs come from
`sample_jobs`. SIGTERM stops it cleanly; the tests use SIGKILL to kill it mid-job.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from linkstar.config import Settings
from linkstar.db.engine import make_engine
from linkstar.jobs.registry import load_modules
from linkstar.jobs.runtime import EmbeddedRuntime, run_worker


def main(mode: str, queue: str) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(threadName)s %(name)s %(message)s"
    )
    logging.getLogger("pika").setLevel(logging.WARNING)
    load_modules(["sample_jobs"])
    settings = Settings()
    engine = make_engine(settings.database_url)
    if mode == "worker":
        run_worker(settings, engine, threads=1, queue_name=queue)
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runtime = EmbeddedRuntime(settings, engine, schedule=False)
    runtime.start()
    stop.wait()
    runtime.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
