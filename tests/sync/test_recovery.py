"""A desk restored from an older backup takes its own events back from the upper level: nothing it recorded is lost,
and its dossier codes and ledger numbers go on after the ones it had issued. A fork is still refused."""

from __future__ import annotations

import pytest

from desk_app.sync import engine
from tests.sync._support import assert_verifies, receive_many, rows, scalar, states
from tests.sync.test_chain_guards import _fork_refused, sync


def _restored_behind(make_desk, hub, restore, *, before_backup: int = 2, after_backup: int = 3):
    """A desk that synced ``before_backup + after_backup`` receipts, restored from a backup of the first ones."""
    snapshot, reopen = restore
    desk = make_desk("a", desk=1)
    receive_many(desk, before_backup)
    sync(desk, hub)
    backup = snapshot(desk, "backup")
    later = receive_many(desk, after_backup)
    assert sync(desk, hub).status == "ok"
    return desk, reopen(backup, desk), later


def test_a_restored_desk_takes_its_own_events_back_and_goes_on_numbering_after_them(make_desk, hub, restore):
    original, restored, later = _restored_behind(make_desk, hub, restore)
    expected = {tuple(r) for r in rows(original, "SELECT code, lookup_key, ledger_number, status FROM dossiers")}

    outcome = sync(restored, hub)

    assert outcome.status == "ok", outcome.message
    assert "đã lấy lại 3 sự kiện của bàn này" in outcome.message
    assert {tuple(r) for r in rows(restored, "SELECT code, lookup_key, ledger_number, status FROM dossiers")} \
        == expected
    assert states(restored, 1) == {"acknowledged": 5}
    assert [tuple(r) for r in rows(restored, "SELECT uuid, hash FROM dossier_events ORDER BY seq")] \
        == [tuple(r) for r in rows(original, "SELECT uuid, hash FROM dossier_events ORDER BY seq")]
    assert_verifies(restored)

    restored.clock.advance(hours=1)
    (new_code,) = receive_many(restored, 1)  # the next number, never one the upper level already holds
    assert new_code not in expected and new_code > max(later)
    ledger = scalar(restored, "SELECT ledger_number FROM dossiers WHERE code = ?", (new_code,))
    assert ledger == max(r[2] for r in expected) + 1
    again = sync(restored, hub)
    assert (again.status, again.sent, hub.count(1)) == ("ok", 1, 6)


def test_events_the_server_refused_come_back_set_aside_with_its_reason(make_desk, hub, restore):
    snapshot, reopen = restore
    desk = make_desk("a", desk=1)
    receive_many(desk, 1)
    sync(desk, hub)
    backup = snapshot(desk, "backup")
    codes = receive_many(desk, 2)
    hub.reject = lambda e: "Nội dung không hợp lệ." if e.dossier_code == codes[0] else None
    assert sync(desk, hub).status == "set_aside"
    restored = reopen(backup, desk)

    outcome = sync(restored, hub)

    assert outcome.status == "set_aside" and outcome.exit_code == 4
    assert states(restored, 1) == {"acknowledged": 2, "set_aside": 1}
    assert scalar(restored, "SELECT sync_reason FROM dossier_events WHERE dossier_code = ?", (codes[0],)) \
        == "Nội dung không hợp lệ."
    assert_verifies(restored)


def test_many_events_come_back_page_by_page(make_desk, hub, restore, monkeypatch):
    monkeypatch.setattr(engine, "FEED_PAGE", 2)
    _original, restored, _later = _restored_behind(make_desk, hub, restore, before_backup=1, after_backup=5)
    outcome = sync(restored, hub)
    assert outcome.status == "ok"
    assert states(restored, 1) == {"acknowledged": 6}
    asked = [path for _m, path, _s in hub.requests if path == "/desks/1/events"]
    assert len(asked) == 3  # 2 + 2 + 1
    assert_verifies(restored)


@pytest.mark.parametrize("damage", ["hash", "chain"])
def test_an_altered_event_on_the_server_is_not_taken_back_and_the_sync_is_refused(make_desk, hub, restore, damage):
    _original, restored, _later = _restored_behind(make_desk, hub, restore)
    stored = next(s for s in hub.events if s.event.desk == 1 and s.event.seq == 4)
    if damage == "hash":
        stored.event = stored.event.model_copy(update={"actor": "người khác"})
    else:
        stored.event = stored.event.model_copy(update={"prev_hash": "0" * 64})
    before = len(hub.requests)

    outcome = sync(restored, hub)

    _fork_refused(outcome, hub, before)
    assert states(restored, 1) == {"acknowledged": 2}  # the page with the altered event taken back not at all
    assert scalar(restored, "SELECT count(*) FROM dossiers") == 2
    assert_verifies(restored)


def test_a_desk_that_wrote_after_the_restore_takes_nothing_back(make_desk, hub, restore):
    _original, restored, _later = _restored_behind(make_desk, hub, restore)
    restored.clock.advance(hours=1)
    receive_many(restored, 1)  # event 3 here differs from the server's event 3
    before = len(hub.requests)
    outcome = sync(restored, hub)
    _fork_refused(outcome, hub, before)
    assert states(restored, 1) == {"acknowledged": 2, "to_send": 1}


# -- a real restore: the desk writes nothing of its own until a sync has compared it with the upper level ----------
def _restored_by_the_service(make_desk, hub, tmp_path, name: str):
    from desk_app.services.backup import make_backup, restore_backup
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import open_desk

    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    sync(desk, hub)
    made = make_backup(ServiceContext(desk.db, desk.clock, "test:admin", role="admin"))
    receive_many(desk, 2)
    assert sync(desk, hub).sent == 2
    folder = tmp_path / name
    restore_backup(folder, made.path, clock=desk.clock)
    return ServiceContext(open_desk(folder), desk.clock, "test:clerk", role="clerk")


def test_a_restored_desk_receives_nothing_before_its_first_sync_then_goes_on(make_desk, hub, tmp_path):
    from desk_app.domain.errors import DomainError

    restored = _restored_by_the_service(make_desk, hub, tmp_path, "restored")
    try:
        with pytest.raises(DomainError) as refused:
            receive_many(restored, 1)
        assert refused.value.field == "restore" and "đồng bộ với cấp trên (F12)" in refused.value.message
        assert scalar(restored, "SELECT count(*) FROM dossiers") == 2  # nothing half-written
        assert sync(restored, hub).status == "ok"  # took back events 3-4, and the mark is gone
        assert states(restored, 1) == {"acknowledged": 4}
        receive_many(restored, 1)
        assert sync(restored, hub).sent == 1 and hub.count(1) == 5
        assert_verifies(restored)
    finally:
        restored.db.close()


def test_with_no_network_the_administrator_may_let_a_restored_desk_write_and_it_is_audited(make_desk, hub,
                                                                                          tmp_path):
    from desk_app.services.accounts import PermissionDenied
    from desk_app.services.backup import accept_restore
    from desk_app.services.context import ServiceContext

    restored = _restored_by_the_service(make_desk, hub, tmp_path, "offline")
    try:
        with pytest.raises(PermissionDenied):
            accept_restore(restored)  # a clerk may not
        admin = ServiceContext(restored.db, restored.clock, "quantri", role="admin")
        assert accept_restore(admin) is not None
        assert accept_restore(admin) is None  # nothing waits any more
        receive_many(restored, 1)
        assert rows(restored, "SELECT actor, detail FROM audit_log WHERE action = 'restore' ORDER BY id")[-1][0] \
            == "quantri"
    finally:
        restored.db.close()
