"""Bulk inserts straight through the driver: a batch's thousand events in one ``executemany`` (SQLite) or one
``COPY`` (PostgreSQL); and lookups of a list of keys.

SQLAlchemy's Core insert builds its parameters row by row, and psycopg's ``executemany`` sends one statement per
row; on the hot path of a push either costs as much as the database's own work. A unique index the rows violate
raises SQLAlchemy's ``IntegrityError`` on both (the driver's own error from ``COPY`` is wrapped in it).

A list of keys (a batch's dossier codes) goes to SQLite as ``IN (?, ?, ...)`` and to PostgreSQL as one array,
``= ANY(%s)``: psycopg adapts one parameter instead of hundreds, and the server plans one statement whatever the
list's length (a third of the time of the expanded ``IN`` for a batch's ~150 codes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Connection, Table, any_, bindparam
from sqlalchemy.exc import IntegrityError

T = TypeVar("T")
KeyIn = Callable[[ColumnElement[Any], str], ColumnElement[bool]]


def _expanded(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    return column.in_(bindparam(name, expanding=True))


def _array(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    return column == any_(bindparam(name, type_=ARRAY(column.type)))


def per_dialect(build: Callable[[KeyIn], T]) -> dict[str, T]:
    """The statement ``build`` makes for each database, given how to say "this column is one of the list passed
    as the parameter NAME"; run it as ``conn.execute(statements[conn.dialect.name], {NAME: [...], ...})``."""
    return {"sqlite": build(_expanded), "postgresql": build(_array)}


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (all with the same keys, which must be columns of ``table``) in the open transaction."""
    if not rows:
        return
    columns = tuple(rows[0])
    if len(columns) == 1:
        values: list[tuple[Any, ...]] = [(row[columns[0]],) for row in rows]
    else:
        pick = itemgetter(*columns)
        values = [pick(row) for row in rows]
    insert_values(conn, table, columns, values)


def insert_values(conn: Connection, table: Table, columns: Sequence[str], values: Sequence[Sequence[Any]]) -> None:
    """INSERT the rows ``values`` (each the values of ``columns``, in that order) in the open transaction."""
    if not values:
        return
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"not columns of {table.name}: {unknown}")
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        _copy(conn, f"COPY {quote(table.name)} ({names}) FROM STDIN", values)
        return
    mark = "?" if conn.dialect.paramstyle in ("qmark", "numeric") else "%s"
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([mark] * len(columns))})",
                         values if isinstance(values, list) else list(values))


def _copy(conn: Connection, statement: str, values: Sequence[Sequence[Any]]) -> None:
    driver = conn.connection.dbapi_connection
    assert driver is not None
    integrity = conn.dialect.dbapi.IntegrityError  # type: ignore[union-attr]
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            for value in values:
                copy.write_row(value)
    except integrity as error:
        raise IntegrityError(statement, None, error) from error
