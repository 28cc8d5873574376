"""Opening the server's database: the migrations create exactly the tables the code uses, once; SQLite's durable
settings; what cannot be opened is refused in Vietnamese."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from desk_app.domain.errors import DomainError
from district_hub.config import db_url
from district_hub.db import HEAD_REVISION, VERSION_TABLE, head_revision, open_database
from district_hub.schema import metadata


def test_the_migrations_build_exactly_the_schema(hub_url: str) -> None:
    assert head_revision() == HEAD_REVISION
    database = open_database(hub_url)
    try:
        with database.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}),
                                    metadata) == []
            assert conn.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}")) == HEAD_REVISION
    finally:
        database.close()
    open_database(hub_url).close()  # opened again: nothing to do, nothing fails


def test_sqlite_is_durable(sqlite_url: str, tmp_path: Path) -> None:
    database = open_database(sqlite_url)
    try:
        with database.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10000
    finally:
        database.close()


def test_a_newer_schema_is_not_opened(sqlite_url: str, tmp_path: Path) -> None:
    open_database(sqlite_url).close()
    with closing(sqlite3.connect(tmp_path / "hub.db")) as conn, conn:
        conn.execute(f"UPDATE {VERSION_TABLE} SET version_num = 'h9999'")
    with pytest.raises(DomainError, match="phiên bản district-hub mới hơn"):
        open_database(sqlite_url)


@pytest.mark.parametrize("url", ["mysql://x@localhost/hub", "sqlite://", "postgresql+psycopg://x@127.0.0.1:1/none"])
def test_what_cannot_be_opened_is_refused_in_vietnamese(url: str) -> None:
    with pytest.raises(DomainError) as refused:
        open_database(url)
    assert refused.value.field == "db"
    assert "dữ liệu" in refused.value.message


def test_a_db_value_may_be_a_plain_path(tmp_path: Path) -> None:
    assert db_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert db_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db_url(None).endswith("hub-data/hub.db")
