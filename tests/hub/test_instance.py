"""The server database's instance id: in the status, stable, renewed by ``new-instance`` and by a feed cursor this
database never gave out (a restored backup); event ids never given twice; a database of the first schema gets one."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete, func, select

from district_hub.app import create_app
from district_hub.db import HEAD_REVISION, alembic_config, open_database
from district_hub.publishing import publish
from district_hub.registry import add_commune, instance_id, new_instance
from district_hub.schema import chain_heads, dossiers, events
from tests.hub.support import AGENCY, Chain, FixedClock, auth, batch, code


def _status(client: TestClient, token: str) -> dict[str, Any]:
    answer = client.get("/api/v1/status", headers=auth(token))
    assert answer.status_code == 200, answer.text
    status: dict[str, Any] = answer.json()
    return status


def _feed(client: TestClient, token: str, desk: int, events_after: int = 0,
          publications_after: int = 0) -> dict[str, Any]:
    answer = client.get("/api/v1/feed", params={"desk": desk, "events_after": events_after,
                                                "publications_after": publications_after}, headers=auth(token))
    assert answer.status_code == 200, answer.text
    feed: dict[str, Any] = answer.json()
    return feed


def test_the_status_names_a_stable_instance_and_new_instance_changes_it(client: TestClient, token: str,
                                                                        hub_db: Any) -> None:
    first = _status(client, token)["instance"]
    assert str(uuid.UUID(first)) == first and uuid.UUID(first).version == 4
    assert _status(client, token)["instance"] == first
    renewed = new_instance(hub_db)
    assert renewed != first and _status(client, token)["instance"] == renewed


def test_ordinary_cursors_leave_the_instance_alone(client: TestClient, token: str, hub_db: Any) -> None:
    desk0 = Chain(0)
    desk0.receive(code(1))
    assert client.post("/api/v1/events", json=batch(desk0.events), headers=auth(token)).status_code == 200
    publish(hub_db, "holidays", {"years": {"2027": {"off": []}}})
    before = _status(client, token)["instance"]
    start = _feed(client, token, 1)
    top = _feed(client, token, 1, start["events_cursor"], start["publications_cursor"])
    own = _feed(client, token, 0, start["events_cursor"], start["publications_cursor"])  # its own event only
    assert start["events"] and top["events"] == [] and own["events"] == []
    assert _status(client, token)["instance"] == before


def test_a_cursor_the_database_never_gave_renews_the_instance(client: TestClient, token: str, hub_db: Any) -> None:
    """The database lost its newest events (restored from a backup): a desk asking after them gets nothing, its
    cursors back unchanged, and the next status names another instance (the desk then reads again from 0)."""
    desk0 = Chain(0)
    for n in range(1, 4):
        desk0.receive(code(n))
    assert client.post("/api/v1/events", json=batch(desk0.events), headers=auth(token)).status_code == 200
    before = _status(client, token)["instance"]
    cursor = _feed(client, token, 1)["events_cursor"]
    with hub_db.write() as conn:  # what a restore does to the events table (and the chain's head with it)
        conn.execute(delete(events).where(events.c.id > cursor - 2))
        conn.execute(delete(chain_heads))
    answer = _feed(client, token, 1, cursor, 0)
    assert answer == {"events": [], "publications": [], "events_cursor": cursor, "publications_cursor": 0,
                      "more": False}
    after = _status(client, token)["instance"]
    assert after != before
    assert _feed(client, token, 1)["events_cursor"] == cursor - 2  # from 0 again: what the database holds
    publications_ahead = _feed(client, token, 1, 0, 5)  # a publication cursor it never gave: the same
    assert publications_ahead["publications_cursor"] == 5 and _status(client, token)["instance"] != after


def test_event_ids_are_never_given_twice(hub_db: Any, client: TestClient, token: str) -> None:
    desk0 = Chain(0)
    desk0.receive(code(1))
    desk0.receive(code(2))
    assert client.post("/api/v1/events", json=batch(desk0.events), headers=auth(token)).status_code == 200
    with hub_db.write() as conn:  # the newest rows removed: their ids stay used
        top = conn.scalar(select(func.max(events.c.id)))
        conn.execute(delete(events))
        conn.execute(delete(chain_heads))
        conn.execute(delete(dossiers))
    assert client.post("/api/v1/events", json=batch(desk0.events[:1]), headers=auth(token)).status_code == 200
    with hub_db.read() as conn:
        assert conn.scalar(select(func.min(events.c.id))) > top


def test_a_restored_sqlite_file_is_caught_by_the_feed(tmp_path: Path) -> None:
    """The real thing on SQLite: a copy of the file taken early, put back after more events were read."""
    path, backup = tmp_path / "hub.db", tmp_path / "backup.db"
    url = f"sqlite:///{path}"
    database = open_database(url)
    token = add_commune(database, AGENCY, "UBND xã Mỹ Phong")[1]
    desk0 = Chain(0)
    for n in range(1, 5):
        desk0.receive(code(n))
    with TestClient(create_app(database=database, clock=FixedClock())) as client:
        assert client.post("/api/v1/events", json=batch(desk0.events[:2]), headers=auth(token)).status_code == 200
        database.close()
        shutil.copyfile(path, backup)
        assert client.post("/api/v1/events", json=batch(desk0.events[2:]), headers=auth(token)).status_code == 200
        instance = _status(client, token)["instance"]
        cursor = _feed(client, token, 1)["events_cursor"]
    database.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, path)
    restored = open_database(url)
    try:
        with TestClient(create_app(database=restored, clock=FixedClock())) as client:
            assert _status(client, token)["instance"] == instance  # a backup carries its id: not enough alone
            assert _feed(client, token, 1, cursor)["events"] == []
            assert _status(client, token)["instance"] != instance
            assert len(_feed(client, token, 1)["events"]) == 2  # read again from 0
    finally:
        restored.close()


def test_a_first_schema_database_gets_an_instance_and_autoincrement(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "h0001")
        conn.exec_driver_sql("INSERT INTO communes (id, code, name, token_hash, created_at) VALUES "
                             f"(1, '{AGENCY}', 'UBND xã Mỹ Phong', '{'0' * 64}', '2026-03-02 08:00:00')")
        for n in (1, 2, 3):
            conn.exec_driver_sql(
                "INSERT INTO events (id, commune_id, uuid, desk, seq, dossier_code, kind, at, recorded_at, actor, "
                "payload, prev_hash, hash, stored_at) VALUES "
                f"({n}, 1, '{uuid.uuid4()}', 0, {n}, 'x', 'received', '', '', '', '{{}}', '', '', '')")
    engine.dispose()
    database = open_database(url)
    try:
        with database.read() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM hub_schema_version").scalar() == HEAD_REVISION
            assert str(uuid.UUID(instance_id(conn))) == instance_id(conn)
            assert conn.scalar(select(func.count()).select_from(events)) == 3
            table_sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'events'").scalar()
            assert "AUTOINCREMENT" in table_sql
        with database.write() as conn:
            conn.execute(delete(events).where(events.c.id == 3))
            conn.exec_driver_sql(
                "INSERT INTO events (commune_id, uuid, desk, seq, dossier_code, kind, at, recorded_at, actor, "
                f"payload, prev_hash, hash, stored_at) VALUES (1, '{uuid.uuid4()}', 0, 3, 'x', 'received', '', '', "
                "'', '{}', '', '', '')")
            assert conn.scalar(select(func.max(events.c.id))) == 4  # 3 is never given again
    finally:
        database.close()
