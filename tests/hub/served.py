"""The server under real uvicorn in a thread of the test process, configured exactly as ``district-hub serve`` does
(:func:`district_hub.serving.uvicorn_config` from the command's own arguments); and a desk database for a real sync.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.services.settings import SettingsService
from desk_app.store.db import Database
from district_hub.cli import build_parser
from district_hub.serving import uvicorn_config
from tests.conftest import vn
from tests.hub_process import free_port

START_TIMEOUT = 20.0


@contextmanager
def served(app: FastAPI, options: Sequence[str] = (), *, scheme: str = "http") -> Iterator[str]:
    """Serve ``app`` with ``district-hub serve OPTIONS`` on a free port of 127.0.0.1; yields the base URL."""
    port = free_port()
    args = build_parser().parse_args(["serve", "--host", "127.0.0.1", "--port", str(port), *options])
    server = uvicorn.Server(uvicorn_config(app, args))
    thread = threading.Thread(target=server.run, name="district-hub-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def make_desk(folder: Path, *, url: str, token: str, agency: str, desk: int = 1) -> tuple[ServiceContext, Database]:
    """A fresh desk database set up to sync with ``url`` (close the returned database at the end)."""
    folder.mkdir(parents=True, exist_ok=True)
    database = open_desk(folder)
    initialise(database, {"agency_code": agency, "commune_name": "UBND xã Mỹ Phong"})
    with database.write_session() as session, session.begin():
        settings = SettingsService(session)
        settings.set("desk", str(desk))
        settings.set("upper_level_url", url)
        settings.set("upper_level_token", token)
    return ServiceContext(database, FixedClock(vn("2026-03-02 09:00")), "test:hub-desk"), database


def get(url: str, **options: object) -> httpx.Response:
    return httpx.get(url, timeout=10, **options)  # type: ignore[arg-type]
