"""`linkstar serve`, `worker`, `scheduler`: the long-running processes."""

from __future__ import annotations

import typer
import uvicorn

from linkstar.cli.context import console, engine, fail, guarded, settings, transaction
from linkstar.demo import workspace as demo_workspace
from linkstar.jobs.broker import broker_ping


@guarded
def serve(
    host: str | None = typer.Option(None, help="Bind address (default LINKSTAR_HOST)."),
    port: int | None = typer.Option(None, help="Port (default LINKSTAR_PORT)."),
) -> None:
    """Run the API and the console; without a broker, also the in-process job workers."""
    from linkstar.jobs.runtime import EmbeddedRuntime
    from linkstar.server import build_app

    current = settings()
    eng = engine(current)
    runtime = None
    if current.broker_url:
        broker_ping(current.broker_url)
        console.print("jobs: sent to the broker; run `linkstar worker` and `linkstar scheduler`")
    else:
        runtime = EmbeddedRuntime(current, eng)
        runtime.start()
        console.print(f"jobs: {current.embedded_workers} in-process workers and the scheduler")
    bind_host = host or current.host
    bind_port = port or current.port
    console.print(f"LinkStar console on [bold]http://{bind_host}:{bind_port}[/]")
    with transaction(eng) as session:
        if demo_workspace.find(session) is not None:
            console.print(
                f"demo sign-in: {demo_workspace.DEMO_OWNER} / {demo_workspace.DEMO_PASSWORD}"
                " (`linkstar demo load` lists every role)"
            )
    try:
        uvicorn.run(build_app(current, eng), host=bind_host, port=bind_port, log_config=None)
    finally:
        if runtime is not None:
            runtime.stop()


@guarded
def worker(
    threads: int = typer.Option(4, min=1, max=64, help="Worker threads in this process."),
) -> None:
    """Run jobs from the broker (Redis or RabbitMQ); run any number of these on any machines."""
    current = settings()
    if not current.broker_url:
        raise fail("LINKSTAR_BROKER_URL is not set; `linkstar serve` runs jobs in-process", 2)
    broker_ping(current.broker_url)
    eng = engine(current)
    from linkstar.jobs.runtime import run_worker

    console.print(f"worker: {threads} threads on {current.broker_url.split('@')[-1]}")
    run_worker(current, eng, threads)


@guarded
def scheduler() -> None:
    """Enqueue periodic jobs (safe to run more than one: each period is enqueued once)."""
    from linkstar.jobs.runtime import run_scheduler

    current = settings()
    if current.broker_url:
        broker_ping(current.broker_url)
    eng = engine(current)
    console.print("scheduler: enqueueing periodic jobs")
    run_scheduler(current, eng)
