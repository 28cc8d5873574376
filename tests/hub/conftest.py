"""Fixtures of the server's tests: a fresh server database per test (SQLite, and PostgreSQL where the
``postgres_url`` fixture of tests/postgres.py gives one), the app over it with a fixed clock, a commune's token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from district_hub.app import create_app
from district_hub.db import HubDatabase, open_database
from district_hub.registry import add_commune, add_officer
from tests.hub.support import AGENCY, OTHER_AGENCY, FixedClock


@pytest.fixture(autouse=True)
def _isolated_hub_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the real data folder of district-hub."""
    monkeypatch.setenv("DISTRICT_HUB_DATA_DIR", str(tmp_path / "hub-data"))


def _postgres_url(request: pytest.FixtureRequest) -> str:
    try:
        return str(request.getfixturevalue("postgres_url"))
    except pytest.FixtureLookupError:
        pytest.skip("PostgreSQL: chưa có fixture postgres_url (tests/postgres.py); bỏ qua nhánh PostgreSQL")


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database for the server: a SQLite file, or a PostgreSQL database (skipped when absent)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return _postgres_url(request)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def hub_db(hub_url: str) -> Iterator[HubDatabase]:
    database = open_database(hub_url)
    yield database
    database.close()


@pytest.fixture
def hub_clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def client(hub_db: HubDatabase, hub_clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(database=hub_db, clock=hub_clock)) as test_client:
        yield test_client


@pytest.fixture
def token(hub_db: HubDatabase) -> str:
    return add_commune(hub_db, AGENCY, "UBND xã Mỹ Phong")[1]


@pytest.fixture
def other_token(hub_db: HubDatabase) -> str:
    return add_commune(hub_db, OTHER_AGENCY, "UBND xã Mỹ Tân")[1]


@pytest.fixture
def officer_token(hub_db: HubDatabase) -> str:
    return add_officer(hub_db, "Lê Văn Tám")[1]

