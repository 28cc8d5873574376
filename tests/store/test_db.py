"""The SQLite file: durable pragmas on every connection, migrations on open, no needless backup, online backup."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.integrity import verify
from desk_app.store.db import DB_FILENAME, Database, backup_to, current_revision, head_revision, make_engine, migrate
from tests.conftest import AGENCY, vn

TABLES = {"alembic_version", "counters", "dossiers", "dossier_events", "holidays", "procedures", "ratings", "settings",
          "users", "audit_log"}


def receive_some(db: Database, n: int, clock: FixedClock | None = None) -> list[str]:
    ctx = ServiceContext(db, clock or FixedClock(vn("2026-03-02 09:00")), "test:clerk")
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Võ Văn Em", "Đỗ Thị Giang"]
    return [receive(ctx, ReceiveRequest("XA.HT.01", {"name": names[i % len(names)]})).code for i in range(n)]


def table_counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(TABLES)}


# -- pragmas -------------------------------------------------------------------------------------------------------
def test_pragmas_on_a_new_connection(db):
    db.engine.dispose()  # no pooled connection: the next one is brand new
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_pragmas_on_a_fresh_engine(db):
    engine = make_engine(db.path)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_every_session_connection_has_the_pragmas(db):
    for _ in range(3):
        with db.session() as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_file_is_in_wal_mode_for_any_reader(db):
    with closing(sqlite3.connect(db.path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_keys_are_enforced(db):
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.execute(text(
            "INSERT INTO dossier_events (uuid, dossier_id, dossier_code, desk, seq, kind, at, recorded_at, actor, "
            "payload, prev_hash, hash, sync_state) VALUES ('u', 999, 'c', 0, 1, 'received', '2026-03-02 09:00:00', "
            "'2026-03-02 09:00:00', 'a', '{}', 'p', 'h', 'to_send')"))
    with closing(sqlite3.connect(db.path)) as conn:
        assert conn.execute("SELECT count(*) FROM dossier_events").fetchone()[0] == 0


def test_transactions_take_the_write_lock_at_once(db):
    """BEGIN IMMEDIATE: while a write transaction is open, another writer cannot start one."""
    with db.session() as session, session.begin():
        session.execute(text("UPDATE settings SET value = value"))
        with closing(sqlite3.connect(db.path, timeout=0)) as other:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")


def test_a_read_session_does_not_block_writers(db):
    with db.session() as reader:
        assert reader.execute(text("SELECT count(*) FROM dossiers")).scalar() == 0
        with closing(sqlite3.connect(db.path, timeout=0.2, isolation_level=None)) as writer:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("ROLLBACK")


# -- migrations ----------------------------------------------------------------------------------------------------
def test_migrations_applied_on_open(db):
    assert head_revision() == "0008"
    assert current_revision(db.engine) == head_revision()
    with closing(sqlite3.connect(db.path)) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert TABLES | {"dossier_fts"} <= names
    assert triggers == {"dossiers_fts_insert", "dossiers_fts_delete", "dossiers_fts_update"}
    assert version == [("0008",)]


def test_new_database_makes_no_backup(tmp_path):
    database = Database(tmp_path / "new")
    try:
        assert database.migration_backup is None
        assert not (tmp_path / "new" / "backups").exists()
        assert current_revision(database.engine) == head_revision()
    finally:
        database.close()


def test_reopening_an_up_to_date_database_makes_no_backup(db, data_dir):
    receive_some(db, 2)
    db.close()
    again = Database(data_dir)
    try:
        assert again.migration_backup is None
        backups = data_dir / "backups"
        assert not backups.exists() or not any(backups.iterdir())
        with closing(sqlite3.connect(again.path)) as conn:
            assert conn.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 2
    finally:
        again.close()


def test_migrate_is_a_no_op_at_head(db):
    assert migrate(db.engine, db.path, db.data_dir / "backups") is None
    assert not (db.data_dir / "backups").exists()


def test_reopening_with_open_desk_keeps_the_catalog_single(db, data_dir):
    with closing(sqlite3.connect(db.path)) as conn:
        before = conn.execute("SELECT count(*) FROM procedures").fetchone()[0]
    db.close()
    again = open_desk(data_dir)
    try:
        initialise(again, {})
        with closing(sqlite3.connect(again.path)) as conn:
            assert conn.execute("SELECT count(*) FROM procedures").fetchone()[0] == before
            assert conn.execute("SELECT value FROM settings WHERE key = 'agency_code'").fetchone() == (AGENCY,)
    finally:
        again.close()


# -- backup --------------------------------------------------------------------------------------------------------
def test_backup_of_an_open_database_is_a_readable_copy(db, tmp_path):
    codes = receive_some(db, 5)  # committed, most likely still in the WAL
    target = tmp_path / "copies" / "desk-backup.db"
    with db.session() as reader:  # a reader holds a snapshot meanwhile
        reader.execute(text("SELECT count(*) FROM dossiers")).scalar()
        assert backup_to(db.path, target) == target
    assert target.exists()
    assert table_counts(target) == table_counts(db.path)
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert [r[0] for r in conn.execute("SELECT code FROM dossiers ORDER BY id")] == codes
        source_events = conn.execute("SELECT uuid, hash FROM dossier_events ORDER BY id").fetchall()
    with closing(sqlite3.connect(db.path)) as conn:
        assert conn.execute("SELECT uuid, hash FROM dossier_events ORDER BY id").fetchall() == source_events
    # the source is still usable after the backup
    assert len(receive_some(db, 1, FixedClock(vn("2026-03-02 09:05")))) == 1


def test_backup_opens_as_a_desk_and_verifies(db, tmp_path):
    receive_some(db, 3)
    target_dir = tmp_path / "restored"
    backup_to(db.path, target_dir / DB_FILENAME)
    restored = open_desk(target_dir)
    try:
        assert restored.migration_backup is None
        with restored.session() as session:
            report = verify(session)
        assert report.ok and report.dossiers == 3 and report.events == 3
        with closing(sqlite3.connect(restored.path)) as conn:  # the search index came along
            assert conn.execute("SELECT count(*) FROM dossier_fts WHERE dossier_fts MATCH 'van'").fetchone()[0] == 2
    finally:
        restored.close()


def test_backup_does_not_include_an_uncommitted_write(db, tmp_path):
    receive_some(db, 1)
    with db.session() as session, session.begin():
        session.execute(text("UPDATE settings SET value = 'UBND xã Khác' WHERE key = 'commune_name'"))
        backup_to(db.path, tmp_path / "mid-transaction.db")
        session.rollback()
    with closing(sqlite3.connect(tmp_path / "mid-transaction.db")) as conn:
        value = conn.execute("SELECT value FROM settings WHERE key = 'commune_name'").fetchone()[0]
    assert value == "UBND xã Mỹ Phong"


NEXT_MIGRATION = '''"""a column for the test"""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("test_column", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("test_column")
'''


def test_a_pending_migration_backs_the_database_up_first(tmp_path, monkeypatch):
    """A database holding a dossier meets a newer program: it is copied aside (online backup) before the upgrade,
    the copy holds the dossier at the old revision, and the upgraded file keeps it too."""
    import shutil

    from desk_app.services.clock import FixedClock
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import initialise, open_desk
    from desk_app.services.intake import ReceiveRequest, receive
    from desk_app.store import db as store_db
    from tests.conftest import vn

    data_dir = tmp_path / "desk"
    database = open_desk(data_dir)
    initialise(database, {"agency_code": "000.31.22.H20"})
    code = receive(ServiceContext(database, FixedClock(vn("2026-03-02 09:00")), "test"),
                   ReceiveRequest("XA.HT.01", {"name": "Lê Văn Tám"})).code
    database.close()

    newer = tmp_path / "migrations"
    shutil.copytree(store_db.migrations_dir(), newer)
    (newer / "versions" / "9999_test_column.py").write_text(NEXT_MIGRATION.format(head=head_revision()),
                                                             encoding="utf-8")
    monkeypatch.setattr(store_db, "migrations_dir", lambda: newer)

    upgraded = Database(data_dir)
    try:
        assert upgraded.migration_backup is not None and upgraded.migration_backup.parent == data_dir / "backups"
        with closing(sqlite3.connect(upgraded.migration_backup)) as copy:
            assert copy.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0008"
            assert copy.execute("SELECT code FROM dossiers").fetchall() == [(code,)]
        with closing(sqlite3.connect(data_dir / "desk.db")) as current:
            assert current.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9999"
            assert current.execute("SELECT code, test_column FROM dossiers").fetchall() == [(code, None)]
    finally:
        upgraded.close()


def test_a_database_from_a_newer_program_is_refused_without_a_backup(db, data_dir):
    from desk_app.domain.errors import DomainError

    db.close()
    with closing(sqlite3.connect(data_dir / "desk.db")) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(DomainError) as refused:
        Database(data_dir)
    assert refused.value.field == "database"
    assert not (data_dir / "backups").exists() or not any((data_dir / "backups").iterdir())


def test_a_database_of_the_first_release_is_upgraded_with_its_dossiers(tmp_path):
    """The 0001 schema shipped: a desk holding dossiers at 0001 opens with the accounts and audit columns added,
    after a backup, and keeps every dossier."""
    from alembic import command

    from desk_app.services.clock import FixedClock
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import initialise, open_desk
    from desk_app.services.intake import ReceiveRequest, receive
    from desk_app.store.db import WRITE_OPTION, alembic_config
    from tests.conftest import vn

    data_dir = tmp_path / "desk"
    database = open_desk(data_dir)
    initialise(database, {"agency_code": "000.31.22.H20"})
    code = receive(ServiceContext(database, FixedClock(vn("2026-03-02 09:00")), "test"),
                   ReceiveRequest("XA.HT.01", {"name": "Lê Văn Tám"})).code
    config = alembic_config()
    with database.engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    database.close()

    upgraded = Database(data_dir)
    try:
        assert upgraded.migration_backup is not None
        assert current_revision(upgraded.engine) == "0008"
        with closing(sqlite3.connect(data_dir / "desk.db")) as conn:
            assert conn.execute("SELECT code FROM dossiers").fetchall() == [(code,)]
            columns = {r[1] for r in conn.execute("PRAGMA table_info(users)")}
            assert {"failed_logins", "locked_until", "last_login_at"} <= columns
            assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)
    finally:
        upgraded.close()


def test_the_search_index_is_rebuilt_with_its_prefixes_and_finds_what_it_found(tmp_path):
    """0008: the FTS table is made again with prefix='1 2 3' and rebuilt from the dossiers written before it."""
    from alembic import command

    from desk_app.services.clock import FixedClock
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import initialise, open_desk
    from desk_app.services.dossier_list import ListFilter, page
    from desk_app.services.intake import ReceiveRequest, receive
    from desk_app.store.db import WRITE_OPTION, alembic_config
    from desk_app.store.search import search_index_state
    from tests.conftest import vn

    data_dir = tmp_path / "desk"
    database = open_desk(data_dir)
    initialise(database, {"agency_code": "000.31.22.H20"})
    config = alembic_config()
    with database.engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
    ctx = ServiceContext(database, FixedClock(vn("2026-03-02 09:00")), "test")
    codes = [receive(ctx, ReceiveRequest("XA.HT.01", {"name": name})).code
             for name in ("Lê Văn Tám", "Hoàng Thị Mai", "Lê Thị Hoài")]
    database.close()

    upgraded = open_desk(data_dir)
    try:
        assert current_revision(upgraded.engine) == "0008"
        with closing(sqlite3.connect(data_dir / "desk.db")) as conn:
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'dossier_fts'").fetchone()[0]
        assert "prefix='1 2 3'" in sql
        with upgraded.session() as session:
            assert search_index_state(session) == "ok"
        later = ServiceContext(upgraded, FixedClock(vn("2026-03-02 10:00")), "test")
        added = receive(later, ReceiveRequest("XA.HT.01", {"name": "Hoàng Văn Hòa"})).code  # the triggers still feed it

        def found(typed: str) -> set[str]:
            return {row.code for row in page(later, ListFilter(text=typed)).rows}

        assert found("le") == {codes[0], codes[2]}
        assert found("lê văn t") == {codes[0]}  # one letter of the last word
        assert found("hoang thi m") == {codes[1]}
        assert found("hoa") == {codes[1], codes[2], added}  # Hoàng, Hoài, Hòa
    finally:
        upgraded.close()
