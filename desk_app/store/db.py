"""Opening the local SQLite database: durable pragmas, migrations (with a backup first), sessions.

SQLite runs in WAL mode with ``synchronous=FULL`` and foreign keys on; a committed dossier survives a killed process
or a power cut. Migrations are alembic's (``database/migrations``), applied on open; when one is pending on a database
that already holds data, the file is first copied aside with SQLite's online backup API.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from desk_app.config import migrations_dir
from desk_app.domain.errors import DomainError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

DB_FILENAME = "desk.db"


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's own BEGIN govern transactions; pysqlite's implicit ones would defer locking.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


WRITE_OPTION = "desk_write"


def _on_begin(conn: Any) -> None:
    # One writer: a write transaction takes the write lock at its start (BEGIN IMMEDIATE), so two writers never
    # interleave and never deadlock upgrading a read lock; a read transaction (plain BEGIN) blocks no one in WAL.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}", hide_parameters=True)  # no personal data in errors
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def alembic_config() -> Config:
    from alembic.config import Config  # alembic (≈0.1 s to import) loads only when a migration is due

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema's revision as alembic records it (None: a new, empty database)."""
    with engine.connect() as conn:
        if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
                                ).first() is None:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


_REVISION = re.compile(r"""^revision\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration: the one revision of database/migrations/versions no other revises (read from the
    files' ``revision`` / ``down_revision`` lines, so opening a database needs no alembic); alembic's own answer
    when that is not one plain chain."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in migrations_dir().joinpath("versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN_REVISION.search(source)
        if down is not None:
            revised.add(down.group(1))
    heads = revisions - revised
    if len(heads) == 1:
        return heads.pop()
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def backup_to(db_path: Path, target: Path) -> Path:
    """Copy a live database consistently with SQLite's online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(db_path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def migrate(engine: Engine, db_path: Path, backup_dir: Path | None) -> Path | None:
    """Bring the schema to head; returns the pre-migration backup's path when one was made.

    The backup goes to the ``backup_dir`` setting's folder when it is usable, else ``backup_dir`` (see
    :func:`desk_app.store.backup_file.pre_migration_backup`); ``None``: no backup (a restore's staged copy)."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise DomainError(
            f"Cơ sở dữ liệu {db_path} do một phiên bản Một Cửa Desk mới hơn tạo ra (phiên bản lược đồ {current}). "
            "Hãy cài phiên bản mới nhất; phiên bản này không mở được để tránh làm hỏng dữ liệu.",
            field="database",
        )
    backup = None
    if current is not None and backup_dir is not None:
        from desk_app.store.backup_file import pre_migration_backup

        backup = pre_migration_backup(db_path, backup_dir, current, head)
        log.info("database backed up before migration %s -> %s: %s", current, head, backup.name)
    config = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    log.info("database migrated to %s", head)
    return backup


class Database:
    """The open database of one desk: an engine and a session factory."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.path = data_dir / DB_FILENAME
        self.engine = make_engine(self.path)
        self.migration_backup = migrate(self.engine, self.path, data_dir / "backups")
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(self.engine.execution_options(**{WRITE_OPTION: True}),
                                           expire_on_commit=False)

    def session(self) -> Session:
        """A session for reading: never takes the write lock."""
        return self.sessions()

    def write_session(self) -> Session:
        """A session whose transactions take the write lock at their start (every write goes through one)."""
        return self.write_sessions()

    def close(self) -> None:
        self.engine.dispose()
