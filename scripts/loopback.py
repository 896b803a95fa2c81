"""A Prefect server of one's own on this machine, for tests and benchmarks.

from loopback import free_port, start_prefect_server
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(api: str) -> bool:
    """Whether the Prefect API at `api` (…/api) answers its health check."""
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen, seconds: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `seconds`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_prefect_server(
    home: Path,
    env: dict[str, str] | None = None,
    log: IO | int = subprocess.DEVNULL,
    seconds: float = 120,
    start_new_session: bool = False,
) -> tuple[subprocess.Popen, str]:
    """`prefect server start` on a free port of 127.0.0.1, with PREFECT_HOME=`home` and
    `env` over this process's environment (less PREFECT_API_URL: the server is its own API).
    Its output goes to `log` (a file, or DEVNULL). Returns (the process, its API URL) once
    /api/health answers; stops it and raises RuntimeError if that takes over `seconds`."""
    port = free_port()
    environment = {**os.environ, **(env or {}), "PREFECT_HOME": str(home)}
    environment.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).parent / "prefect"
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=start_new_session,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if healthy(api):
            return server, api
        if server.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {server.returncode}")
        time.sleep(0.5)
    stop(server)
    raise RuntimeError(f"the Prefect server did not answer in {seconds:g} s")
