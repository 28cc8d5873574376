"""Pushes at the same moment: two desks of one commune touching the same dossiers, and one batch sent twice at once
(a desk's retry while the first attempt is still being stored). The projection sees every event, and every event
is stored once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from desk_app.sync.protocol import PushBatch, PushResult
from district_hub.db import HubDatabase
from district_hub.ingest import push
from district_hub.registry import Commune, add_commune
from district_hub.schema import dossiers, events
from tests.hub.support import AGENCY, Chain, batch, code

COUNT = 40


def _together(*jobs: Callable[[], PushResult]) -> list[PushResult]:
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = jobs[index]()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def _setup(hub_db: HubDatabase) -> tuple[Commune, Chain]:
    commune, _ = add_commune(hub_db, AGENCY, "UBND xã Mỹ Phong")
    desk0 = Chain(0)
    for n in range(1, COUNT + 1):
        desk0.receive(code(n))
    push(hub_db, commune, PushBatch.model_validate(batch(desk0.events)))
    return commune, desk0


def test_two_desks_pushing_at_once_are_both_in_the_projection(hub_db: HubDatabase) -> None:
    commune, desk0 = _setup(hub_db)
    desk1 = Chain(1)
    for n in range(1, COUNT + 1):
        desk0.event(code(n), "result_ready", "2026-03-03 10:00:00", {"component": None})
        desk1.event(code(n), "returned", "2026-03-04 10:00:00", {"method": "desk"}, actor="bàn 1: clerk")
    first = PushBatch.model_validate(batch(desk0.events[COUNT:]))
    second = PushBatch.model_validate(batch(desk1.events))
    _together(lambda: push(hub_db, commune, first), lambda: push(hub_db, commune, second))
    with hub_db.read() as conn:
        statuses = conn.execute(select(dossiers.c.status, func.count()).group_by(dossiers.c.status)).all()
    assert dict(statuses) == {"returned": COUNT}


def test_the_same_batch_twice_at_once_is_stored_once(hub_db: HubDatabase) -> None:
    commune, desk0 = _setup(hub_db)
    for n in range(1, COUNT + 1):
        desk0.event(code(n), "result_ready", "2026-03-03 10:00:00", {"component": None})
    again = PushBatch.model_validate(batch(desk0.events[COUNT:]))
    results = _together(lambda: push(hub_db, commune, again), lambda: push(hub_db, commune, again))
    assert sorted((r.accepted, r.duplicates) for r in results) == [(0, COUNT), (COUNT, 0)]
    with hub_db.read() as conn:
        assert conn.scalar(select(func.count()).select_from(events)) == 2 * COUNT
