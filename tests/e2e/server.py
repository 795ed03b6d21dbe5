"""Run ``qrpay`` as its own process on a free port, the way an operator would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def qrpay(
    *args: str, env: dict[str, str] | None = None, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one ``qrpay`` command to completion."""
    return subprocess.run(
        [sys.executable, "-m", "qrpay", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[str]
    data_dir: Path

    def demo(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.data_dir / "demo.json").read_text())
        return data


@contextmanager
def running(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qrpay",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *args,
        ],
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process, data_dir)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (server.data_dir / "server.log").read_text()
            raise AssertionError(f"qrpay serve exited with {server.process.returncode}:\n{log}")
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"qrpay serve was not ready within {READY_TIMEOUT_S} s")
