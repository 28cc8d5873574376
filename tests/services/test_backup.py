"""Backups and restore (issue 7): consistent while writing, checked before they count, encrypted on demand, pruned
without touching anything not ours, restored whole or refused with the current database untouched."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.domain.errors import DomainError, ValidationError
from desk_app.services.accounts import PermissionDenied
from desk_app.services.audit import ACTIONS
from desk_app.services.backup import (
    BackupError,
    LastBackup,
    backup_age_warning,
    last_backup,
    make_backup,
    restore_backup,
    written_since,
)
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.integrity import verify
from desk_app.services.settings import SECRET_KEYS, SettingsService, normalise
from desk_app.store import backup_file as bf
from desk_app.store.db import DB_FILENAME, Database, head_revision
from desk_app.store.desk_lock import DeskInUse, DeskLock
from desk_app.store.models import AuditRecord
from tests.conftest import vn
from tests.store.test_db import NEXT_MIGRATION

PASS = "mật khẩu sao lưu 2026"


@pytest.fixture(autouse=True)
def _cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bf, "KDF_LOG2_N", 10)  # the format is the same; the tests need not spend 128 MiB each


def receive_some(ctx: ServiceContext, n: int) -> list[str]:
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Đỗ Thị Giang"]
    return [receive(ctx, ReceiveRequest("XA.HT.01", {"name": names[i % len(names)]})).code for i in range(n)]


def set_settings(db: Database, **values: str) -> None:
    with db.write_session() as session, session.begin():
        for key, value in values.items():
            SettingsService(session).set(key, value)


def admin(ctx: ServiceContext, role: str = "admin") -> ServiceContext:
    return ServiceContext(ctx.db, ctx.clock, f"test:{role}", role=role)


def contents(data_dir: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every dossier code and every event's identity and hash, from a database file."""
    with contextlib.closing(sqlite3.connect(data_dir / DB_FILENAME)) as conn:
        return {
            "dossiers": conn.execute("SELECT code, status, due_at FROM dossiers ORDER BY code").fetchall(),
            "events": conn.execute("SELECT desk, seq, uuid, hash FROM dossier_events ORDER BY desk, seq").fetchall(),
        }


def digest(data_dir: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data_dir.glob(f"{DB_FILENAME}*"))}


def verified(data_dir: Path) -> tuple[int, int]:
    database = open_desk(data_dir)
    try:
        with database.session() as session:
            report = verify(session)
        assert report.ok, report.problems
        return report.dossiers, report.events
    finally:
        database.close()


# -- making backups -----------------------------------------------------------------------------------------------
def test_a_backup_is_checked_recorded_and_audited(ctx, db, data_dir):
    receive_some(ctx, 3)
    result = make_backup(admin(ctx))
    assert result.path.parent == data_dir / "backups"
    assert bf.parse_name(result.path) is not None and result.path.name.startswith("motcua-000.31.22.H20-ban0-20260302-")
    assert bf.sniff(result.path) == "sqlite" and not result.encrypted  # a plain backup opens in any SQLite tool
    assert (result.dossiers, result.events) == (3, 3)
    last = last_backup(ctx)
    assert last == LastBackup(result.at, str(result.path), result.size, False, 3, 3, "manual")
    with db.session() as session:
        records = session.scalars(select(AuditRecord).where(AuditRecord.action == "backup")).all()
    assert [(r.actor, r.target, r.detail["dossiers"]) for r in records] == [("test:admin", result.path.name, 3)]
    assert {"backup", "restore"} <= set(ACTIONS)
    assert not list(data_dir.glob(".motcua-*"))  # the snapshot is gone


def test_a_backup_taken_while_another_connection_writes_is_consistent(ctx, db, tmp_path):
    receive_some(ctx, 5)
    stop, written, errors = threading.Event(), [], []

    def writer() -> None:
        other = ServiceContext(db, FixedClock(vn("2026-03-02 09:00")), "test:writer")
        try:
            while not stop.is_set() and len(written) < 120:
                written.extend(receive_some(other, 1))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        results = [make_backup(admin(ctx)) for _ in range(2)]
    finally:
        stop.set()
        thread.join()
    assert not errors and written
    for index, result in enumerate(results):
        restored = tmp_path / f"restored-{index}"
        restore_backup(restored, result.path)
        assert verified(restored) == (result.dossiers, result.events)  # every event of a dossier came along
        assert result.dossiers >= 5


def test_encrypted_round_trip_into_a_fresh_data_folder(ctx, db, data_dir, tmp_path):
    receive_some(ctx, 4)
    set_settings(db, backup_passphrase=PASS)
    result = make_backup(admin(ctx))
    assert result.encrypted and bf.sniff(result.path) == "encrypted"
    assert b"Nguy" not in result.path.read_bytes() and b"SQLite" not in result.path.read_bytes()
    fresh = tmp_path / "new-pc"
    outcome = restore_backup(fresh, result.path, passphrase=PASS)
    assert outcome.kept_aside is None and (outcome.dossiers, outcome.events) == (4, 4)
    assert contents(fresh) == contents(data_dir)
    assert verified(fresh) == (4, 4)
    with contextlib.closing(sqlite3.connect(fresh / DB_FILENAME)) as conn:  # the restore is in the audit log
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'restore'").fetchone() == (1,)


def test_the_passphrase_may_come_from_the_call_and_an_empty_one_writes_a_plain_copy(ctx, db, tmp_path):
    set_settings(db, backup_passphrase=PASS)
    assert make_backup(admin(ctx), passphrase="").encrypted is False
    assert make_backup(admin(ctx), passphrase="một mật khẩu khác").encrypted is True
    with pytest.raises(ValidationError) as short:
        make_backup(admin(ctx), passphrase="ngắn")
    assert short.value.field == "passphrase"


@pytest.mark.parametrize("tamper", ["wrong_passphrase", "chunk_byte", "tag_byte", "salt_byte", "truncated",
                                    "truncated_header", "appended"])
def test_an_encrypted_backup_that_does_not_open_is_refused_clearly(ctx, db, data_dir, tmp_path, tamper):
    receive_some(ctx, 2)
    result = make_backup(admin(ctx), passphrase=PASS)
    damaged = tmp_path / "copy.mcbak"
    data = bytearray(result.path.read_bytes())
    passphrase = PASS
    if tamper == "wrong_passphrase":
        passphrase = "không phải mật khẩu"
    elif tamper == "chunk_byte":
        data[bf.HEADER_SIZE + 1000] ^= 0x01
    elif tamper == "tag_byte":
        data[-1] ^= 0x80
    elif tamper == "salt_byte":
        data[16] ^= 0x01
    elif tamper == "truncated":
        del data[-5000:]
    elif tamper == "truncated_header":
        del data[30:]
    elif tamper == "appended":
        data += b"\x00" * 40
    damaged.write_bytes(bytes(data))
    db.close()
    before = digest(data_dir)
    with pytest.raises(BackupError) as refused:
        restore_backup(data_dir, damaged, passphrase=passphrase)
    expected_field = "passphrase" if tamper in ("wrong_passphrase", "salt_byte") else "file"
    assert refused.value.field == expected_field
    assert ("Mật khẩu sao lưu không đúng" if expected_field == "passphrase" else "Tệp sao lưu") in refused.value.message
    assert digest(data_dir) == before
    assert not list(data_dir.glob(".restore-*"))


def test_an_encrypted_backup_without_a_passphrase_asks_for_one(ctx, db, tmp_path):
    result = make_backup(admin(ctx), passphrase=PASS)
    with pytest.raises(BackupError) as refused:
        restore_backup(tmp_path / "new-pc", result.path)
    assert refused.value.field == "passphrase" and "--passphrase-stdin" in refused.value.message


def test_restoring_an_encrypted_backup_over_a_desk_uses_its_passphrase_setting(ctx, db, data_dir):
    receive_some(ctx, 1)
    set_settings(db, backup_passphrase=PASS)
    result = make_backup(admin(ctx))
    receive_some(ctx, 2)
    db.close()
    outcome = restore_backup(data_dir, result.path)
    assert outcome.dossiers == 1 and outcome.kept_aside is not None
    assert outcome.kept_aside.name.startswith("desk.db.before-restore-")
    with contextlib.closing(sqlite3.connect(outcome.kept_aside)) as conn:  # the database replaced, whole
        assert conn.execute("SELECT count(*) FROM dossiers").fetchone() == (3,)
    assert verified(data_dir) == (1, 1)


# -- who may, and where ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "reason", "allowed"), [
    ("admin", "manual", True), ("leader", "manual", True), ("clerk", "manual", False), ("system", "manual", True),
    ("clerk", "daily", True),  # the automatic backup runs whoever is signed in
])
def test_who_may_back_up(ctx, role, reason, allowed):
    acting = admin(ctx, role)
    if allowed:
        assert make_backup(acting, reason=reason).reason == reason
    else:
        with pytest.raises(PermissionDenied):
            make_backup(acting, reason=reason)


@pytest.mark.parametrize("options", [{"reason": "pre-migration"}, {"reason": "daily", "passphrase": ""},
                                     {"reason": "daily", "passphrase": "another-passphrase"}, {"reason": "daily", "to": True}],
                         ids=["pre-migration", "daily-unencrypted", "daily-other-passphrase", "daily-elsewhere"])
def test_a_clerk_cannot_dress_a_copy_of_everything_as_the_daily_backup(ctx, db, tmp_path, options):
    set_settings(db, backup_passphrase="mật khẩu của xã")
    if options.get("to"):
        options = {**options, "to": tmp_path / "clerk-usb"}
        options["to"].mkdir()
    with pytest.raises(PermissionDenied):
        make_backup(admin(ctx, "clerk"), **options)
    assert not (tmp_path / "clerk-usb").exists() or not any((tmp_path / "clerk-usb").iterdir())


def test_a_missing_usb_folder_refuses_a_manual_backup_and_the_daily_one_falls_back(ctx, db, data_dir, tmp_path):
    usb = tmp_path / "usb-unplugged"
    set_settings(db, backup_dir=str(usb))
    with pytest.raises(BackupError) as refused:
        make_backup(admin(ctx))
    assert refused.value.field == "backup_dir" and "USB chưa cắm" in refused.value.message
    assert not usb.exists()  # never created on the PC's own disk in place of the stick
    daily = make_backup(ctx, reason="daily")
    assert daily.path.parent == data_dir / "backups"
    assert daily.warning is not None and str(usb) in daily.warning and "ghi tạm" in daily.warning
    stays = backup_age_warning(last_backup(ctx), daily.at)  # a fresh backup, but only on the PC: red until the USB
    assert stays is not None and "chỉ nằm trên chính máy này" in stays
    usb.mkdir()
    assert make_backup(ctx, reason="daily").path.parent == usb
    assert backup_age_warning(last_backup(ctx), daily.at) is None
    with pytest.raises(BackupError) as explicit:
        make_backup(admin(ctx), to=tmp_path / "nowhere")
    assert explicit.value.field == "to"


def test_keep_n_removes_only_this_desks_older_backups(ctx, db, tmp_path, clock):
    folder = tmp_path / "usb"
    folder.mkdir()
    set_settings(db, backup_dir=str(folder), backup_keep="3")
    foreign = [
        "motcua-000.31.22.H20-ban1-20200101-000000-daily.mcbak",  # another desk of the commune on the same stick
        "motcua-000.99.99.H20-ban0-20200101-000000-manual.mcbak",  # another commune
        "motcua-000.31.22.H20-ban0-20200101-000000-pre-migration.mcbak",  # ours, before a migration: kept
        "motcua-000.31.22.H20-ban0-20200101-000000-daily.mcbak.txt",  # not our name
        "motcua-000.31.22.H20-ban0-20200101-000000-daily.mcbak.bak",
        "ảnh gia đình.jpg",
        "desk.db",
    ]
    for name in foreign:
        (folder / name).write_bytes(b"not ours")
    made = []
    for day in range(5):
        made.append(make_backup(ctx, reason="daily" if day % 2 else "manual",
                                now=vn(f"2026-03-0{day + 2} 17:30")).path)
    ours = sorted(p.name for p in folder.iterdir() if p.name not in foreign)
    assert ours == sorted(p.name for p in made[-3:])
    assert all((folder / name).read_bytes() == b"not ours" for name in foreign)


def test_settings_of_backups_are_checked_and_the_passphrase_is_secret():
    assert "backup_passphrase" in SECRET_KEYS
    assert normalise("backup_keep", "14") == "14"
    assert normalise("backup_dir", "") == ""
    assert normalise("backup_dir", "  /media/usb/sao lưu ") == "/media/usb/sao lưu"
    assert normalise("backup_dir", "E:\\SaoLuu") == "E:\\SaoLuu"
    for key, value in [("backup_keep", "0"), ("backup_keep", "366"), ("backup_dir", "saoluu"),
                       ("backup_passphrase", "1234567")]:
        with pytest.raises(ValidationError) as refused:
            normalise(key, value)
        assert refused.value.field == key


def test_one_backup_at_a_time(ctx, monkeypatch):
    from desk_app.services import backup

    assert backup._running.acquire(blocking=False)
    try:
        with pytest.raises(BackupError, match="Đang có một lần sao lưu khác"):
            make_backup(ctx, reason="daily")
    finally:
        backup._running.release()


def test_written_since_tells_whether_the_last_good_backup_holds_everything(ctx, clock):
    receive_some(ctx, 1)
    clock.advance(minutes=5)
    made = make_backup(ctx, reason="daily")
    assert not written_since(ctx, made.at)
    clock.advance(hours=3)
    receive_some(ctx, 1)
    assert written_since(ctx, made.at)


# -- the warning and the day -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("age_hours", "warned"), [(None, True), (1, False), (47, False), (49, True), (24 * 9, True)])
def test_the_age_warning(age_hours, warned):
    now = vn("2026-03-10 10:00")
    last = None if age_hours is None else LastBackup(now - dt.timedelta(hours=age_hours), "/x", 1, False, 0, 0, "daily")
    text = backup_age_warning(last, now)
    assert (text is not None) == warned
    if text and last is None:
        assert "CHƯA CÓ BẢN SAO LƯU" in text
    if text and age_hours and age_hours > 48:
        assert f"{age_hours // 24} ngày" in text


# -- restore refusals leave the desk as it was ------------------------------------------------------------------
def _plain_backup(ctx: ServiceContext) -> Path:
    receive_some(ctx, 3)
    return make_backup(admin(ctx), passphrase="").path


def _corrupt_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, len(data) - 4096, 4096 * 3):
        data[offset + 100: offset + 400] = b"\xa5" * 300
    path.write_bytes(bytes(data))


def _alter_an_event(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE dossier_events SET actor = 'kẻ gian' WHERE seq = 2")


def _newer_schema(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999abc'")


def _not_a_desk(path: Path) -> None:
    path.unlink()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE t (x)")


@pytest.mark.parametrize(("damage", "words"), [
    (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "hỏng"),  # truncated
    (_corrupt_pages, "hỏng"),
    (lambda p: p.write_text("Đây là một tệp văn bản, không phải cơ sở dữ liệu.", encoding="utf-8"),
     "không phải bản sao lưu"),
    (lambda p: p.write_bytes(b""), "không phải bản sao lưu"),
    (_alter_an_event, "Sự kiện bị sửa"),
    (_newer_schema, "mới hơn"),
    (_not_a_desk, "không phải cơ sở dữ liệu của Một Cửa Desk"),
], ids=["truncated", "corrupted", "text", "empty", "altered_event", "newer_schema", "not_a_desk"])
def test_a_bad_file_is_refused_and_the_current_database_is_byte_identical(ctx, db, data_dir, tmp_path, damage, words):
    bad = tmp_path / "bad.mcbak"
    shutil.copyfile(_plain_backup(ctx), bad)
    damage(bad)
    receive_some(ctx, 1)  # the desk moved on: something in its WAL too
    db.engine.dispose()
    before = digest(data_dir)
    with pytest.raises(BackupError) as refused:
        restore_backup(data_dir, bad)
    assert refused.value.field == "file" and words in refused.value.message
    assert digest(data_dir) == before
    assert not list(data_dir.glob("*.before-restore-*")) and not list(data_dir.glob(".restore-*"))


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(BackupError) as refused:
        restore_backup(tmp_path / "desk", tmp_path / "không có.mcbak")
    assert refused.value.field == "file"


def test_restore_is_refused_while_the_desk_is_open(ctx, db, data_dir):
    backup = _plain_backup(ctx)
    db.close()
    before = digest(data_dir)
    with DeskLock(data_dir, "gui"), pytest.raises(DeskInUse) as refused:
        restore_backup(data_dir, backup)
    assert "cửa sổ Một Cửa Desk" in refused.value.message
    assert digest(data_dir) == before
    with DeskLock(data_dir, "restore"), pytest.raises(DeskInUse):  # and the window waits for a restore
        DeskLock(data_dir, "gui").acquire()


def test_restore_is_refused_while_another_program_holds_the_database_open(ctx, db, data_dir):
    backup = _plain_backup(ctx)
    db.engine.dispose()
    with contextlib.closing(sqlite3.connect(data_dir / DB_FILENAME)) as other:
        other.execute("SELECT count(*) FROM dossiers").fetchone()  # an idle connection of, say, a desk-app command
        with pytest.raises(BackupError) as refused:
            restore_backup(data_dir, backup)
        assert refused.value.field == "database" and "đang được một chương trình khác mở" in refused.value.message
        assert other.execute("SELECT count(*) FROM dossiers").fetchone() == (3,)
    assert contents(data_dir)["dossiers"] and verified(data_dir) == (3, 3)


# -- migrations --------------------------------------------------------------------------------------------------
@pytest.fixture
def newer_program(tmp_path, monkeypatch):
    """The next version of the program: one migration more."""
    from desk_app.store import db as store_db

    head = head_revision()
    newer = tmp_path / "migrations"
    shutil.copytree(store_db.migrations_dir(), newer)
    (newer / "versions" / "9999_test_column.py").write_text(NEXT_MIGRATION.format(head=head), encoding="utf-8")

    def upgrade() -> str:
        monkeypatch.setattr(store_db, "migrations_dir", lambda: newer)
        return head

    return upgrade


@pytest.mark.parametrize("where", ["usb", "usb_missing", "unset"])
def test_the_pre_migration_backup_goes_to_the_backup_folder_and_counts(ctx, db, data_dir, tmp_path, newer_program,
                                                                       where):
    receive_some(ctx, 2)
    usb = tmp_path / "usb"
    if where != "unset":
        set_settings(db, backup_dir=str(usb), backup_passphrase=PASS)
    if where == "usb":
        usb.mkdir()
    db.close()
    old = newer_program()
    upgraded = Database(data_dir)
    try:
        copy = upgraded.migration_backup
        assert copy is not None
        assert copy.parent == (usb if where == "usb" else data_dir / "backups")
        parsed = bf.parse_name(copy)
        assert parsed is not None and parsed.reason == "pre-migration" and parsed.ident == "000.31.22.H20-ban0"
        assert bf.sniff(copy) == ("sqlite" if where == "unset" else "encrypted")
        plain = tmp_path / "plain.db"
        if where == "unset":
            shutil.copyfile(copy, plain)
        else:
            bf.decrypt_to(copy, plain, PASS)
        assert bf.schema_revision(plain) == old and bf.count_rows(plain) == (2, 2)
        ctx2 = ServiceContext(upgraded, ctx.clock, "test")
        last = last_backup(ctx2)
        assert last is not None and last.reason == "pre-migration" and last.path == str(copy)
        assert (last.dossiers, last.events, last.encrypted) == (2, 2, where != "unset")
        with upgraded.session() as session:
            assert session.scalars(select(AuditRecord.target).where(AuditRecord.action == "backup")).all() == [
                copy.name]
    finally:
        upgraded.close()


def test_a_backup_of_an_older_version_is_migrated_while_restoring(ctx, db, tmp_path, newer_program):
    backup = _plain_backup(ctx)
    old = newer_program()
    fresh = tmp_path / "new-pc"
    outcome = restore_backup(fresh, backup)
    assert outcome.migrated_from == old and any(old in note for note in outcome.notes)
    assert bf.schema_revision(fresh / DB_FILENAME) == "9999"
    reopened = Database(fresh)
    try:
        assert reopened.migration_backup is None  # already at head: nothing more to do on open
    finally:
        reopened.close()


def test_restore_refuses_a_backup_whose_desk_is_other_than_a_domain_error_would_allow(tmp_path):
    assert issubclass(BackupError, DomainError)  # the CLI turns it into exit 2 with the message
