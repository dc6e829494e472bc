"""`linkstar serve` as a user runs it: a real process, real HTTP, a clean stop."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_and_stops_cleanly(settings, sessions, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "LINKSTAR_ENV": "test",
        "LINKSTAR_DATA_DIR": str(settings.data_dir),
        "LINKSTAR_DATABASE_URL": settings.database_url,
        "LINKSTAR_SECRET_KEY": settings.secret_key.get_secret_value(),
        "LINKSTAR_ENCRYPTION_KEY": settings.encryption_key.get_secret_value(),
        "LINKSTAR_PORT": str(port),
        "LINKSTAR_BROKER_URL": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "linkstar.cli.main", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready = None
        deadline = time.monotonic() + 90  # start-up on a busy CI machine
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, (
            process.stdout.read() if process.poll() is not None else "no answer"
        )
        assert ready.json()["checks"] == {"database": "ok", "broker": "embedded"}
        login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert login.status_code == 200 and "Sign in" in login.text
        unauthenticated = httpx.get(f"http://127.0.0.1:{port}/api/v1/stores", timeout=5)
        assert unauthenticated.status_code == 401
        assert unauthenticated.json()["error"]["code"] == "unauthenticated"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"LinkStar console on http://127.0.0.1:{port}" in output
    assert "in-process workers" in output
