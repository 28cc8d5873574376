"""Shared fixtures: Qt offscreen, a fresh desk database per test, a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import pytest

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.store.db import Database
from desk_app.store.models import VN_TZ

pytest_plugins = ["tests.postgres"]

AGENCY = "000.31.22.H20"


def vn(text: str) -> dt.datetime:
    """'2026-03-02 09:15' as an aware Vietnamese time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches the developer's real data folder."""
    monkeypatch.setenv("DESK_APP_DATA_DIR", str(tmp_path / "default-data"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "desk"


@pytest.fixture
def db(data_dir: Path) -> Iterator[Database]:
    database = open_desk(data_dir)
    initialise(database, {"agency_code": AGENCY, "commune_name": "UBND xã Mỹ Phong"})
    yield database
    database.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(vn("2026-03-02 09:00"))  # a Monday, an ordinary working day


@pytest.fixture
def ctx(db: Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext(db, clock, "test:clerk")
