"""The real upper-level server as a subprocess, for end-to-end and fault tests (desk ↔ server).

``HubProcess(db_url, tmp_path)`` runs ``python -m district_hub --db URL serve --port P`` on 127.0.0.1 and a free
port; ``start()`` returns once ``/api/v1/health`` answers. ``stop()`` ends it gracefully (SIGTERM), ``kill()`` with
SIGKILL (a crash: whatever the server had not committed is gone). It can be started again on the same port and
database. The CLI helpers (``add_commune``, ``decide``, ``stats``) run ``python -m district_hub`` against the same
database, also while the server runs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class HubProcess:
    """One ``district-hub serve`` subprocess on its own database (see the module's docstring)."""

    def __init__(self, db_url: str, tmp_path: Path, port: int | None = None, log_level: str = "info") -> None:
        self.db_url = db_url
        self.log_level = log_level
        self.tmp_path = Path(tmp_path)
        self.tmp_path.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log_path = self.tmp_path / f"district-hub-{self.port}.log"
        # End-to-end runs measure the sync, not the rate limiter (tests/hub/test_ratelimit.py and test_serve_tls.py
        # test it, with flags, which win over these): no limit on pushes and status/feed unless the caller sets one.
        self._env = {"DISTRICT_HUB_RATE_PUSH": "0", "DISTRICT_HUB_RATE_API": "0",
                     **os.environ, "DISTRICT_HUB_DATA_DIR": str(self.tmp_path / "hub-data"),
                     "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- the server ------------------------------------------------------------------------------------------
    def start(self) -> Self:
        if self.running:
            return self
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "district_hub", "--db", self.db_url, "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", self.log_level],
                cwd=REPO_ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"district-hub exited with {self.process.returncode} while starting:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"district-hub did not answer /api/v1/health within {START_TIMEOUT} s:\n{self.log()}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """End the server gracefully (SIGTERM), SIGKILL if it does not stop in time."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: the server dies at once, as in a power cut of its machine."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)
        self.process = None

    def log(self) -> str:
        """What the server printed (stdout and stderr) so far."""
        try:
            return self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- the command line on the same database ---------------------------------------------------------------
    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "district_hub", "--db", self.db_url, *args], cwd=REPO_ROOT,
                              env=self._env, capture_output=True, text=True, timeout=60, check=check)

    def add_commune(self, code: str, name: str) -> str:
        """Register a commune; returns its bearer token (the command's last line)."""
        done = self.cli("add-commune", "--code", code, "--name", name)
        if done.returncode != 0:
            raise RuntimeError(f"add-commune failed ({done.returncode}): {done.stderr}")
        return done.stdout.strip().splitlines()[-1]

    def add_officer(self, name: str) -> str:
        done = self.cli("add-officer", "--name", name)
        if done.returncode != 0:
            raise RuntimeError(f"add-officer failed ({done.returncode}): {done.stderr}")
        return done.stdout.strip().splitlines()[-1]

    def decide(self, code: str, kind: str, items: list[str] | None = None,
               reason: str | None = None) -> subprocess.CompletedProcess[str]:
        """``district-hub decide CODE result|supplement [--items ...]``; the caller checks returncode."""
        args = ["decide", code, kind]
        if items:
            args += ["--items", *items]
        if reason:
            args += ["--reason", reason]
        return self.cli(*args)

    def stats(self) -> dict[str, Any]:
        """``district-hub stats --json``: {"communes": {code: {"dossiers": N, "events": M}}}."""
        done = self.cli("stats", "--json", check=True)
        result: dict[str, Any] = json.loads(done.stdout)
        return result
