"""Speed for the service tests: ``db`` is still a fresh, initialised database per test in tmp_path, but it is a
file copy of one template built once per session by the same ``open_desk`` + ``initialise`` as tests/conftest.py
(building from scratch costs ~0.1-0.3 s a test; a copy ~0.01 s). The store tests keep the real path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk_app.services.desk import initialise, open_desk
from desk_app.store.db import DB_FILENAME, Database
from tests.conftest import AGENCY


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template-desk")
    database = open_desk(folder)
    initialise(database, {"agency_code": AGENCY, "commune_name": "UBND xã Mỹ Phong"})
    database.close()
    return folder


@pytest.fixture
def db(data_dir: Path, _template_db: Path) -> Iterator[Database]:
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in (DB_FILENAME, f"{DB_FILENAME}-wal"):
        if (_template_db / name).exists():
            shutil.copy(_template_db / name, data_dir / name)
    database = open_desk(data_dir)
    assert database.migration_backup is None
    yield database
    database.close()
