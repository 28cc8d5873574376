"""Bulk inserts straight through the driver: a batch's thousand events in one ``executemany`` (SQLite) or one
``COPY`` (PostgreSQL).

SQLAlchemy's Core insert builds its parameters row by row, and psycopg's ``executemany`` sends one statement per
row; on the hot path of a push either costs as much as the database's own work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (all with the same keys, which must be columns of ``table``) in the open transaction."""
    if not rows:
        return
    columns = list(rows[0])
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"not columns of {table.name}: {unknown}")
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    values = [tuple(row[c] for c in columns) for row in rows]
    if conn.dialect.name == "postgresql":
        driver = conn.connection.dbapi_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
                f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    mark = "?" if conn.dialect.paramstyle in ("qmark", "numeric") else "%s"
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([mark] * len(columns))})",
                         values)
