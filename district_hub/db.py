"""Opening the server's database: SQLite (a file, the default) or PostgreSQL (by URL); migrations on open.

SQLite runs in WAL mode with ``synchronous=FULL`` and a busy timeout; a write transaction takes the write lock at
its start (``BEGIN IMMEDIATE``), and inside one server process writers queue on a lock instead of polling SQLite's
busy handler. On PostgreSQL every write that touches a commune first locks that commune's row (``SELECT ... FOR
UPDATE``, see :mod:`district_hub.registry`), so the pushes of one commune's desks and the upper level's decisions
are serialised: each sees the others' committed events, and the feed's ids grow in commit order.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from desk_app.domain.errors import DomainError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "hub_schema_version"
# The newest migration. Checked against alembic's own view by the tests; lets an up-to-date database open without
# importing alembic (a third of a command's start-up time).
HEAD_REVISION = "h0002"
_WRITE = "hub_write"
_PG_MIGRATION_LOCK = 0x6875625F6D6967  # an advisory lock id ("hub_mig"): one migrator at a time


class DatabaseError(DomainError):
    """The database cannot be opened or is not this server's."""


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's BEGIN (below) governs transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE, False) else "BEGIN")


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    return config


def head_revision() -> str | None:
    """The newest migration as alembic finds it in district_hub/migrations."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    versions = [row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]
    return versions[0] if len(versions) == 1 else None


class HubDatabase:
    """The server's open database: an engine, and the read and write transactions every module goes through."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgresql = parsed.get_backend_name() == "postgresql"
        if not (self.is_sqlite or self.is_postgresql):
            raise DatabaseError(f"Cơ sở dữ liệu của máy chủ chỉ có thể là SQLite (sqlite:///tệp.db) hoặc "
                                f"PostgreSQL (postgresql+psycopg://...); không dùng được "
                                f"'{parsed.get_backend_name()}'.", field="db")
        if self.is_sqlite:
            if not parsed.database or parsed.database == ":memory:":
                raise DatabaseError("Cơ sở dữ liệu SQLite phải là một tệp (sqlite:///đường/dẫn/hub.db).", field="db")
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(parsed, hide_parameters=True)
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(parsed, hide_parameters=True, pool_size=10, max_overflow=40,
                                        pool_pre_ping=True)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        self._local_writers = threading.Lock() if self.is_sqlite else None
        try:
            self._migrate()
        except Exception:
            self.engine.dispose()
            raise

    def _migrate(self) -> None:
        with self.read() as conn:
            if _current_revision(conn) == HEAD_REVISION:
                return
        from alembic import command
        from alembic.script import ScriptDirectory

        scripts = ScriptDirectory.from_config(alembic_config())
        head = scripts.get_current_head()
        known = {s.revision for s in scripts.walk_revisions()}
        with self.write() as conn:
            if self.is_postgresql:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            current = _current_revision(conn)
            if current == head:
                return
            if current is not None and current not in known:
                raise DatabaseError(
                    f"Cơ sở dữ liệu do một phiên bản district-hub mới hơn tạo ra (lược đồ {current}). Hãy cài phiên "
                    "bản mới nhất; phiên bản này không mở để tránh làm hỏng dữ liệu.", field="db")
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back when it raises."""
        guard = self._local_writers if self._local_writers is not None else nullcontext()
        with guard, self._writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an unreadable URL)."""
    try:
        parsed = make_url(url)
    except ArgumentError:  # an unreadable URL is refused by HubDatabase with its own message
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def open_database(url: str, *, create: bool = True) -> HubDatabase:
    """Open (and bring to the current schema) the database at ``url``.

    ``create=False``: a SQLite file that does not exist yet is refused instead of created empty (a command that only
    reads, or that needs communes already registered, run with a forgotten ``--db``)."""
    path = sqlite_file(url)
    if not create and path is not None and not path.is_file():
        from district_hub.config import DATA_DIR_ENV

        raise DatabaseError(
            f"Không có cơ sở dữ liệu của máy chủ tại '{path}'. Chỉ rõ cơ sở dữ liệu đang dùng bằng --db (hoặc biến "
            f"môi trường {DATA_DIR_ENV}); cơ sở dữ liệu mới chỉ được tạo bởi 'district-hub serve', 'add-commune' "
            "hoặc 'add-officer'.", field="db")
    try:
        return HubDatabase(url)
    except DomainError:
        raise
    except Exception as error:  # a driver's own message names the URL's host, never a password or a row
        raise DatabaseError(f"Không mở được cơ sở dữ liệu ({type(error).__name__}: {_first_line(error)}). Kiểm "
                            "tra --db (ví dụ sqlite:///du-lieu/hub.db hoặc postgresql+psycopg://người@máy/tên).",
                            field="db") from error


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:300] if lines else ""
