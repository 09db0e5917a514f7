"""``seglab serve`` for the fault tests: started on a home, waited for, killed however the test likes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from ..serve_process import free_port
from ..web.polling import poll_until


class Server:
    def __init__(self, home: Path, log: Path, **env: str) -> None:
        self.home, self.log, self.env = home, log, env
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 90) -> Server:
        """Start it and wait until ``/healthz`` answers 200 (its worker is up)."""
        if self.process is not None:
            self.process.wait(timeout=60)  # a restart: the previous one was killed or stopped
        port = free_port()
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "seglab", "serve", "--port", str(port)],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "SEGLAB_HOME": str(self.home), **self.env},
            )
        self.url = f"http://127.0.0.1:{port}"
        poll_until(self.health_code, lambda code: code == 200, "seglab serve answering /healthz", timeout)
        # then every route: they are installed after the start (seglab.server.deferred)
        poll_until(lambda: self.health_code("/readiness"), lambda code: code == 200, "/readiness", timeout)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def health_code(self, path: str = "/healthz") -> int:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"seglab serve exited:\n{self.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.url}{path}", timeout=2).status_code
        except httpx.TransportError:
            return 0

    def health(self) -> dict[str, object]:
        return dict(httpx.get(f"{self.url}/healthz", timeout=5).json())

    def kill(self) -> None:
        """``kill -9``: no handler runs, nothing is cleaned up (the process is reaped, so it is not left a zombie)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
