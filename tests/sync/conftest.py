"""Desks for the sync tests: each a fresh, initialised database (a file copy of one template built per session, as in
tests/services/conftest.py), set up with its desk number, the upper level's address and the commune's token."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.services.settings import SettingsService
from desk_app.store.db import DB_FILENAME, Database
from tests.conftest import AGENCY, vn
from tests.sync.fake_hub import TOKEN, URL, FakeHub

MakeDesk = Callable[..., ServiceContext]


@pytest.fixture(scope="session")
def _sync_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sync-template")
    database = open_desk(folder)
    initialise(database, {"agency_code": AGENCY, "commune_name": "UBND xã Mỹ Phong"})
    database.close()
    return folder


@pytest.fixture
def make_desk(tmp_path: Path, _sync_template: Path) -> Iterator[MakeDesk]:
    opened: list[Database] = []

    def make(name: str = "desk1", *, desk: int = 1, url: str = URL, token: str = TOKEN,
             agency: str = AGENCY, at: str = "2026-03-02 09:00") -> ServiceContext:
        folder = tmp_path / name
        folder.mkdir(parents=True)
        for file in (DB_FILENAME, f"{DB_FILENAME}-wal"):
            if (_sync_template / file).exists():
                shutil.copy(_sync_template / file, folder / file)
        database = open_desk(folder)
        opened.append(database)
        with database.write_session() as session, session.begin():
            settings = SettingsService(session)
            settings.set("desk", str(desk))
            settings.set("agency_code", agency)
            settings.set("upper_level_url", url)
            settings.set("upper_level_token", token)
        return ServiceContext(database, FixedClock(vn(at)), f"test:{name}")

    yield make
    for database in opened:
        database.close()


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub(commune=AGENCY)


def no_sleep(seconds: float) -> None:
    """Back-off without waiting (the tests count the calls instead)."""


@pytest.fixture
def restore(tmp_path: Path) -> Iterator:
    """(snapshot, reopen): copy a desk's database as a backup would, and open a copy as a restored desk."""
    opened: list[ServiceContext] = []

    def snapshot(ctx: ServiceContext, name: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        with closing(sqlite3.connect(ctx.db.path)) as source, closing(sqlite3.connect(folder / DB_FILENAME)) as copy:
            source.backup(copy)
        return folder

    def reopen(folder: Path, ctx: ServiceContext) -> ServiceContext:
        restored = ServiceContext(open_desk(folder), ctx.clock, "test:restored")
        opened.append(restored)
        return restored

    yield snapshot, reopen
    for ctx in opened:
        ctx.db.close()
