"""Retention per procedure field: the setting, the plan, the archive file, the redaction, and the chain after it.

Raw looks at the database go through sqlite3 (tests/services/_support.py), so what is asserted about the file does
not depend on the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.errors import ValidationError
from desk_app.domain.retention import normalise_retention, parse_retention
from desk_app.services.accounts import PermissionDenied
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
from desk_app.services.dossier_view import detail
from desk_app.services.integrity import verify
from desk_app.services.queries import find
from desk_app.services.replay import events_of, replay
from desk_app.services.retention import archive_and_redact, check_archive, due_for_archive
from desk_app.services.retention_archive import ArchiveError
from desk_app.services.settings import SettingsService
from desk_app.store.db import DB_FILENAME, Database
from desk_app.store.models import Dossier
from tests.conftest import vn
from tests.services._support import (
    assert_vietnamese,
    count,
    execute,
    independent_hash,
    receive_one,
    rows,
    scalar,
    set_settings,
)

EMAIL_DUC = {"name": "nguyễn văn đức", "id_number": "087084001234", "birth_date": "05/09/1984", "sex": "Nam",
             "phone": "0912 345 678", "email": "duc@example.vn", "address": "Ấp Mỹ Tây, xã Mỹ Phong, tỉnh Đồng Tháp"}
LAN = {"name": "trần thị lan", "id_number": "087185004321", "birth_date": "12/01/1985", "sex": "Nữ",
       "phone": "0987 111 222", "address": "Ấp Mỹ Đông, xã Mỹ Phong"}
PERSONAL_COLUMNS = ("id_number", "birth_date", "sex", "phone", "email", "address", "return_address")


# -- the setting ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "stored"), [
    ("", ""),
    ("CT=2", "CT=2"),
    ("ct=2, HT=0", "CT=2,HT=0"),
    (" BTXH : 5 ; CT=3 ", "BTXH=5,CT=3"),
    ("CT=2;;DD=10,", "CT=2,DD=10"),
    ("CT=0", "CT=0"),
    ("KD=100", "KD=100"),
])
def test_the_setting_is_normalised(db, typed, stored):
    with db.write_session() as session, session.begin():
        assert SettingsService(session).set("personal_data_retention", typed) == stored


@pytest.mark.parametrize(("typed", "says"), [
    ("CT", "MÃ_LĨNH_VỰC=SỐ_NĂM"),
    ("=2", "MÃ_LĨNH_VỰC=SỐ_NĂM"),
    ("CT=hai", "số nguyên từ 0 đến 100"),
    ("CT=-1", "từ 0 đến 100"),
    ("CT=101", "từ 0 đến 100"),
    ("CT=2.5", "số nguyên"),
    ("CT=2,ct=3", "ghi hai lần"),
    ("C T=2", "không hợp lệ"),
    ("1CT=2", "không hợp lệ"),
    ("XX=2", "Không có lĩnh vực 'XX' trong danh mục"),
    ("CT=2,HOTICH=0", "Các lĩnh vực: BHXH (Bảo hiểm xã hội"),
])
def test_a_wrong_setting_is_refused_at_its_field_and_nothing_is_stored(db, typed, says):
    with pytest.raises(ValidationError) as refused, db.write_session() as session, session.begin():
        SettingsService(session).set("personal_data_retention", typed)
    assert refused.value.field == "personal_data_retention"
    assert says in refused.value.message
    assert_vietnamese(refused.value.message)
    assert scalar(db, "SELECT count(*) FROM settings WHERE key = 'personal_data_retention'") == 0


@given(st.text(alphabet="CTHBXDK=0123456789,;: -xé", max_size=40))
def test_any_text_is_a_clear_refusal_or_a_stable_setting(typed):
    try:
        stored = normalise_retention(typed)
    except ValidationError as error:
        assert_vietnamese(error.message)
        return
    assert normalise_retention(stored) == stored
    assert parse_retention(stored) == parse_retention(typed)


# -- a desk with closed dossiers ----------------------------------------------------------------------------------------
def acknowledge(db, where: str = "1 = 1") -> None:
    """As if the upper level had acknowledged these events."""
    execute(db, f"UPDATE dossier_events SET sync_state = 'acknowledged' WHERE {where}")


def _fill(ctx: ServiceContext) -> dict[str, str]:
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    actions = DossierActions(ctx)
    codes: dict[str, str] = {}
    codes["ct"] = receive_one(ctx, "XA.CT.01", EMAIL_DUC).code
    actions.correct(codes["ct"], "phone", "0987654321")
    actions.correct(codes["ct"], "name", "Nguyễn Văn Đức Anh")
    codes["ct_post"] = receive_one(ctx, "XA.CT.02", LAN, return_method="postal",
                                   return_address="Bưu điện xã Mỹ Phong").code
    codes["ht"] = receive_one(ctx, "XA.HT.01", LAN).code
    codes["ct_open"] = receive_one(ctx, "XA.CT.04", LAN).code
    for key in ("ct", "ct_post", "ht"):
        actions.result_ready(codes[key])
        actions.return_result(codes[key])
    clock.advance(days=1)
    codes["btxh"] = receive_one(ctx, "XA.BTXH.02", EMAIL_DUC).code
    actions.refuse(codes["btxh"], "Không thuộc đối tượng hưởng trợ cấp")
    clock.moment = vn("2026-09-01 09:00")
    codes["ct_late"] = receive_one(ctx, "XA.CT.01", LAN).code
    actions.result_ready(codes["ct_late"])
    actions.return_result(codes["ct_late"])
    acknowledge(ctx.db)
    return codes


@pytest.fixture(scope="session")
def _desk_template(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> tuple[Path, dict[str, str]]:
    """Built once: CT dossiers returned on 2 March 2026 (one corrected, one sent by post) and on 1 September 2026,
    a BTXH one refused on 3 March, an HT one returned, a CT one still open; every event acknowledged."""
    folder = tmp_path_factory.mktemp("retention-desk")
    for name in (DB_FILENAME, f"{DB_FILENAME}-wal"):
        if (_template_db / name).exists():
            shutil.copy(_template_db / name, folder / name)
    database = open_desk(folder)
    try:
        codes = _fill(ServiceContext(database, FixedClock(vn("2026-03-02 09:00")), "test:clerk"))
    finally:
        database.close()
    return folder, codes


@pytest.fixture
def db(data_dir: Path, _desk_template: tuple[Path, dict[str, str]]) -> Iterator[Database]:
    """A copy of the template desk (its dossiers, no retention setting yet)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in (DB_FILENAME, f"{DB_FILENAME}-wal"):
        if (_desk_template[0] / name).exists():
            shutil.copy(_desk_template[0] / name, data_dir / name)
    database = open_desk(data_dir)
    yield database
    database.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(vn("2026-09-01 10:00"))  # after the template's last event


@pytest.fixture
def desk(db, _desk_template) -> dict[str, str]:
    set_settings(db, personal_data_retention="CT=2,BTXH=1,HT=0")
    return dict(_desk_template[1])


def raw_dossier(db, code: str) -> dict[str, Any]:
    found = rows(db, "SELECT * FROM dossiers WHERE code = ?", (code,))
    return dict(zip(found[0].keys(), found[0], strict=True))


def raw_events(db, code: str) -> list[dict[str, Any]]:
    return [dict(zip(r.keys(), r, strict=True))
            for r in rows(db, "SELECT * FROM dossier_events WHERE dossier_code = ? ORDER BY desk, seq", (code,))]


def whole_desk(db) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted((tuple(r) for r in rows(db, f"SELECT * FROM {table}")), key=repr)
            for table in ("dossiers", "dossier_events", "redactions")}


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """Where archives go (the desk's data folder is beside it, in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def as_admin(ctx: ServiceContext) -> ServiceContext:
    return ServiceContext(ctx.db, ctx.clock, "test:admin", role="admin")


# -- the plan -------------------------------------------------------------------------------------------------------------
def test_the_plan_counts_per_field_with_the_oldest_closing(desk, db, ctx):
    before = whole_desk(db)
    plan = due_for_archive(ctx, vn("2028-06-01 08:00"))
    by_field = {f.field_code: f for f in plan.fields}
    assert set(by_field) == {"BTXH", "CT"}  # HT=0: kept for ever
    assert (by_field["CT"].due, by_field["CT"].waiting_sync, by_field["CT"].years) == (2, 0, 2)
    assert by_field["CT"].oldest_closed_at == vn("2026-03-02 09:00")
    assert by_field["CT"].closed_before == vn("2026-06-01 08:00")
    assert (by_field["BTXH"].due, by_field["BTXH"].oldest_closed_at) == (1, vn("2026-03-03 09:00"))
    assert ("HT", "Hộ tịch") in plan.kept
    assert (plan.due, plan.waiting_sync) == (3, 0)
    assert "3 hồ sơ đã hết thời hạn" in plan.summary()
    later = due_for_archive(ctx, vn("2028-09-01 09:00"))  # the September one reaches its two years to the second
    assert {f.field_code: f.due for f in later.fields} == {"BTXH": 1, "CT": 3}
    earlier = due_for_archive(ctx, vn("2027-03-03 08:59"))
    assert earlier.due == 0 and "Chưa có hồ sơ nào" in earlier.summary()
    assert json.loads(json.dumps(plan.as_json()))["fields"][1]["oldest_closed_at"] == "2026-03-02 09:00:00"
    assert whole_desk(db) == before  # the plan writes nothing


def test_without_a_setting_nothing_is_ever_due(db, ctx):
    plan = due_for_archive(ctx, vn("2090-01-01 08:00"))  # the template's dossiers are closed and acknowledged
    assert (plan.fields, plan.due) == ((), 0)
    assert "lưu lâu dài" in plan.summary()


@pytest.mark.parametrize("state", ["to_send", "sent", "set_aside"])
def test_a_dossier_with_events_the_upper_level_does_not_hold_waits(desk, db, ctx, clock, state, outdir):
    execute(db, "UPDATE dossier_events SET sync_state = ? WHERE dossier_code = ? AND kind = 'returned'",
            (state, desk["ct"]))
    before = raw_dossier(db, desk["ct"])
    plan = due_for_archive(ctx, vn("2028-06-01 08:00"))
    assert {f.field_code: (f.due, f.waiting_sync) for f in plan.fields} == {"BTXH": (1, 0), "CT": (1, 1)}
    assert "còn sự kiện chưa gửi được lên cấp trên" in plan.summary()
    clock.moment = vn("2028-06-01 08:00")
    result = archive_and_redact(ctx, outdir)
    assert (result.dossiers, result.waiting_sync) == (2, 1)
    assert "chưa gửi lên cấp trên" in result.message
    assert raw_dossier(db, desk["ct"]) == before
    with zipfile.ZipFile(result.path) as archive:
        assert f"dossiers/{desk['ct']}.json" not in archive.namelist()


def test_only_the_administrator_archives_and_a_clerk_sees_no_plan(desk, db, ctx, outdir):
    for role in ("clerk", "leader"):
        with pytest.raises(PermissionDenied) as refused:
            archive_and_redact(ServiceContext(db, ctx.clock, f"test:{role}", role=role), outdir)
        assert_vietnamese(refused.value.message)
    with pytest.raises(PermissionDenied):
        due_for_archive(ServiceContext(db, ctx.clock, "test:clerk", role="clerk"))
    assert due_for_archive(ServiceContext(db, ctx.clock, "test:leader", role="leader")).fields
    assert list(outdir.iterdir()) == [] and count(db, "redactions") == 0


# -- archive and redact -----------------------------------------------------------------------------------------------
@pytest.fixture
def archived(desk, db, ctx, clock, outdir) -> dict[str, Any]:
    """The desk two years and three months on, archived by the administrator."""
    before = {code: (raw_dossier(db, code), raw_events(db, code)) for code in desk.values()}
    clock.moment = vn("2028-06-01 08:00")
    result = archive_and_redact(as_admin(ctx), outdir / "luu-tru.zip")
    return {"codes": desk, "before": before, "result": result}


def test_the_archive_holds_every_due_dossier_whole_with_matching_hashes(archived, db):
    codes, before, result = archived["codes"], archived["before"], archived["result"]
    due = {codes["ct"], codes["ct_post"], codes["btxh"]}
    assert result.path is not None and result.path.name == "luu-tru.zip"
    assert (result.archived, result.dossiers, result.by_field) == (3, 3, {"CT": 2, "BTXH": 1})
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert not result.encrypted and "KHÔNG mã hóa" in result.message
    assert [p.name for p in result.path.parent.iterdir()] == ["luu-tru.zip"]  # no temporary file left
    with zipfile.ZipFile(result.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format"] == "mot-cua-desk/retention-archive"
        assert manifest["counts"]["dossiers"] == 3
        assert manifest["counts"]["events"] == sum(len(before[c][1]) for c in due) == result.events
        assert manifest["retention_setting"] == "BTXH=1,CT=2,HT=0"
        for entry in manifest["entries"]:
            assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
        assert {e["name"] for e in manifest["entries"]} == {f"dossiers/{c}.json" for c in due} | {"index.csv"}
        for code in due:
            kept = json.loads(archive.read(f"dossiers/{code}.json"))
            row, events = before[code]
            for column in ("documents", "components"):
                row = {**row, column: json.loads(row[column])}
            assert kept["dossier"] == row  # every column, personal data included
            assert [e["uuid"] for e in kept["events"]] == [e["uuid"] for e in events]
            for archived_event, event in zip(kept["events"], events, strict=True):
                assert archived_event["payload"] == json.loads(event["payload"])
                assert (archived_event["hash"], archived_event["prev_hash"], archived_event["at"]) == \
                    (event["hash"], event["prev_hash"], event["at"])
                assert independent_hash({**archived_event, "payload": json.dumps(archived_event["payload"])}) \
                    == event["hash"]
        index = list(csv.reader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
    assert index[0][0] == "Mã hồ sơ" and {line[0] for line in index[1:]} == due
    line = next(line for line in index if line[0] == codes["ct"])
    assert "087******234" in line and "087084001234" not in ",".join(line) and "Đã trả kết quả" in line


def test_the_redaction_clears_exactly_the_personal_fields(archived, db):
    codes, before = archived["codes"], archived["before"]
    for key in ("ct", "ct_post", "btxh"):
        row_before, events_before = before[codes[key]]
        row = raw_dossier(db, codes[key])
        assert all(row[column] is None for column in PERSONAL_COLUMNS), key
        changed = {c for c in row if row[c] != row_before[c]}
        assert changed <= {*PERSONAL_COLUMNS, "search_folded"}, key
        assert row["applicant_name"] == row_before["applicant_name"]  # the ledger's name stays
        assert row["search_folded"].startswith(row_before["search_folded"].split(" ")[0])
        events = raw_events(db, codes[key])
        for event, old in zip(events, events_before, strict=True):
            assert {c for c in event if event[c] != old[c]} <= {"payload"}
    ct = [json.loads(e["payload"]) for e in raw_events(db, codes["ct"])]
    assert ct[0]["applicant"] == {"name": "Nguyễn Văn Đức", "id_number": None, "birth_date": None, "sex": None,
                                  "phone": None, "email": None, "address": None}
    assert ct[0]["procedure"] == "XA.CT.01" and ct[0]["documents"]  # the rest of the receipt is whole
    assert ct[1] == {"field": "phone", "old": None, "new": None}
    assert ct[2] == {"field": "name", "old": "Nguyễn Văn Đức", "new": "Nguyễn Văn Đức Anh"}  # the name is kept
    post = json.loads(raw_events(db, codes["ct_post"])[0]["payload"])
    assert post["return_address"] is None and post["return_method"] == "postal"
    for key in ("ht", "ct_open", "ct_late"):  # not due, or kept for ever: untouched
        assert (raw_dossier(db, codes[key]), raw_events(db, codes[key])) == before[codes[key]]
    listed = {(r["dossier_code"], tuple(json.loads(r["fields"]))) for r in rows(db, "SELECT * FROM redactions")}
    assert (codes["ct"], ("applicant.id_number", "applicant.birth_date", "applicant.sex", "applicant.phone",
                          "applicant.email", "applicant.address")) in listed
    assert (codes["ct"], ("old", "new")) in listed and (codes["ct"], ()) in listed
    assert (codes["ct_post"], ("applicant.id_number", "applicant.birth_date", "applicant.sex", "applicant.phone",
                               "applicant.address", "return_address")) in listed
    assert count(db, "redactions") == sum(len(before[codes[k]][1]) for k in ("ct", "ct_post", "btxh"))
    audit = rows(db, "SELECT * FROM audit_log WHERE action = 'export'")
    assert len(audit) == 1 and audit[0]["target"] == "luu-tru.zip" and audit[0]["actor"] == "test:admin"
    detail = json.loads(audit[0]["detail"])
    assert (detail["operation"], detail["dossiers"]) == ("retention_archive", 3)
    assert "087084001234" not in audit[0]["detail"] and "Đức" not in audit[0]["detail"]


def test_verify_passes_after_the_redaction_and_says_what_was_redacted(archived, db):
    with db.session() as session:
        report = verify(session)
    assert report.ok, report.problems
    assert any("4 sự kiện đã được xóa dữ liệu cá nhân" in note for note in report.notes), report.notes


@pytest.mark.parametrize(("sql", "says"), [
    ("UPDATE dossier_events SET prev_hash = '{}' WHERE uuid = ?".format("1" * 64), "Chuỗi băm đứt ở bàn 0, sự kiện số"),
    ("UPDATE dossier_events SET payload = json_set(payload, '$.applicant.phone', '0900000000') WHERE uuid = ?",
     "Sự kiện bị sửa ở bàn 0, sự kiện số"),
    ("UPDATE dossier_events SET actor = 'ai đó' WHERE uuid = ?", "Sự kiện bị sửa ở bàn 0, sự kiện số"),
])
def test_verify_names_a_redacted_event_altered_afterwards(archived, db, sql, says):
    code = archived["codes"]["ct"]
    first = raw_events(db, code)[0]
    execute(db, sql, (first["uuid"],))
    with db.session() as session:
        report = verify(session)
    assert not report.ok
    assert any(says in p and f"sự kiện số {first['seq']} (hồ sơ {code})" in p for p in report.problems), \
        report.problems


def test_the_detail_view_says_the_personal_data_was_cleared(archived, ctx):
    codes = archived["codes"]
    assert detail(ctx, codes["ct"])["redacted"] is True
    assert detail(ctx, codes["ht"])["redacted"] is False  # hộ tịch: kept


def test_reproject_after_the_redaction_gives_the_row_as_it_stands(archived, db):
    with db.session() as session:
        for dossier in session.query(Dossier).all():
            columns = replay(events_of(session, [dossier.id])[dossier.id]).columns
            assert {c: getattr(dossier, c) for c in columns} == columns, dossier.code


def test_an_id_number_or_phone_no_longer_finds_a_redacted_dossier(desk, db, ctx, clock, outdir):
    with db.session() as session:
        assert desk["ct"] in {r["code"] for r in find(session, "087084001234")}
        assert desk["ct"] in {r["code"] for r in find(session, "0987654321")}
        assert desk["ct"] in {r["code"] for r in find(session, "ap my tay")}
    clock.moment = vn("2028-06-01 08:00")
    archive_and_redact(ctx, outdir)
    with db.session() as session:
        assert {r["code"] for r in find(session, "087084001234")} == set()  # the BTXH one was redacted too
        assert {r["code"] for r in find(session, "0987654321")} == set()
        assert {r["code"] for r in find(session, "ap my tay")} == set()  # the address left the search index
        assert desk["ct"] in {r["code"] for r in find(session, "Nguyễn Văn Đức")}  # the name is kept


def test_a_second_run_finds_nothing_and_writes_no_file(archived, db, ctx, outdir):
    before = whole_desk(db)
    again = archive_and_redact(ctx, outdir / "again.zip")
    assert (again.path, again.dossiers) == (None, 0)
    assert "Không ghi tệp lưu trữ nào" in again.message
    assert not (outdir / "again.zip").exists() and whole_desk(db) == before


def test_an_existing_file_is_never_replaced_and_nothing_is_redacted(desk, db, ctx, clock, outdir):
    taken = outdir / "old.zip"
    taken.write_bytes(b"an older archive")
    clock.moment = vn("2028-06-01 08:00")
    before = whole_desk(db)
    with pytest.raises(ArchiveError) as refused:
        archive_and_redact(ctx, taken)
    assert refused.value.field == "out" and "không bao giờ bị ghi đè" in refused.value.message
    assert taken.read_bytes() == b"an older archive" and whole_desk(db) == before
    with pytest.raises(ArchiveError) as missing:
        archive_and_redact(ctx, outdir / "no-such-folder" / "a.zip")
    assert "Không có thư mục" in missing.value.message and whole_desk(db) == before


# -- proving the original --------------------------------------------------------------------------------------------------
def rewrite(path: Path, change) -> None:
    """Rewrite an archive with one dossier entry changed by ``change(record)``; the manifest is left as it was unless
    ``change`` returns True (then it is updated to match, as a careful forger would)."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    name = next(n for n in entries if n.startswith("dossiers/"))
    record = json.loads(entries[name])
    forge = change(record)
    entries[name] = json.dumps(record, ensure_ascii=False).encode("utf-8")
    if forge:
        manifest = json.loads(entries["manifest.json"])
        for entry in manifest["entries"]:
            if entry["name"] == name:
                entry["sha256"] = hashlib.sha256(entries[name]).hexdigest()
        entries["manifest.json"] = json.dumps(manifest).encode("utf-8")
    path.unlink()
    with zipfile.ZipFile(path, "w") as archive:
        for entry_name, data in entries.items():
            archive.writestr(entry_name, data)


def test_the_archive_proves_the_original_of_every_redacted_event(archived, ctx):
    check = check_archive(ctx, archived["result"].path)
    assert check.ok, check.problems
    assert (check.dossiers, check.matched, check.not_on_desk) == (3, archived["result"].events, 0)


def _edit_phone(record: dict[str, Any]) -> bool:
    record["events"][0]["payload"]["applicant"]["phone"] = "0900000000"
    return True


def _edit_and_rehash(record: dict[str, Any]) -> bool:
    from desk_app.services.retention_archive import event_digest

    event = record["events"][0]
    event["payload"]["applicant"]["phone"] = "0900000000"
    event["hash"] = event_digest(event)
    return True


@pytest.mark.parametrize(("change", "says"), [
    (lambda record: record["dossier"].update(phone="0900000000"), "không khớp mã SHA-256 trong bản kê"),
    (_edit_phone, "nội dung trong tệp lưu trữ không khớp mã băm"),
    (_edit_and_rehash, "khác với mã băm máy đang lưu"),
])
def test_an_altered_archive_is_found(archived, ctx, change, says):
    path = archived["result"].path
    rewrite(path, change)
    check = check_archive(ctx, path)
    assert not check.ok and any(says in p for p in check.problems), check.problems


def test_what_is_not_an_archive_is_refused(ctx, outdir):
    for name, data in (("a.zip", b"not a zip"), ("b.zip", b"")):
        (outdir / name).write_bytes(data)
        with pytest.raises(ValidationError) as refused:
            check_archive(ctx, outdir / name)
        assert refused.value.field == "file"
        assert_vietnamese(refused.value.message)
    with zipfile.ZipFile(outdir / "c.zip", "w") as other:
        other.writestr("hello.txt", "xin chào")
    with pytest.raises(ValidationError, match="manifest"):
        check_archive(ctx, outdir / "c.zip")


def test_an_encrypted_archive_with_the_backup_passphrase(desk, db, ctx, clock, outdir, monkeypatch):
    from desk_app.store import backup_file

    monkeypatch.setattr(backup_file, "KDF_LOG2_N", 10)  # cheap for the test; the header carries it
    set_settings(db, backup_passphrase="mật khẩu sao lưu dài")
    clock.moment = vn("2028-06-01 08:00")
    result = archive_and_redact(ctx, outdir / "kin.zip")
    assert result.encrypted and "KHÔNG mã hóa" not in result.message
    data = result.path.read_bytes()
    assert data.startswith(b"MOTCUABK") and b"087084001234" not in data and "Đức".encode() not in data
    check = check_archive(ctx, result.path)
    assert check.ok and check.encrypted and check.matched == result.events
    with pytest.raises(ValidationError) as wrong:
        check_archive(ctx, result.path, passphrase="không phải mật khẩu này")
    assert wrong.value.field == "passphrase"


# -- the sync inbox after a redaction ------------------------------------------------------------------------------------
def test_a_later_event_from_the_upper_level_for_a_redacted_dossier(archived, db, ctx, outdir):
    """The upper level sends a decision about a dossier already redacted here: it is taken in, the row is
    re-projected from redacted and new events alike, verify passes, and a correction carrying personal data is
    removed at the next run."""
    from desk_app.sync.inbox import take_in
    from desk_app.sync.protocol import Feed, FeedEvent
    from tests.sync._support import UpperChain

    code = archived["codes"]["btxh"]
    upper = UpperChain()
    decision = upper.decide(code, "corrected", "2028-06-01 09:00:00",
                            {"field": "phone", "old": None, "new": "0911222333"})
    with db.write_session() as session, session.begin():
        result = take_in(session, Feed(events=[FeedEvent(cursor=1, event=decision)], publications=[],
                                       events_cursor=1, publications_cursor=0, more=False),
                         own_desk=0, now=ctx.clock.now())
    assert (result.stored, result.conflicts) == (1, [])
    assert raw_dossier(db, code)["phone"] == "0911222333"
    with db.session() as session:
        assert verify(session).ok
    with db.write_session() as session, session.begin():  # the same page again: held by UUID
        again = take_in(session, Feed(events=[FeedEvent(cursor=1, event=decision)], publications=[],
                                      events_cursor=1, publications_cursor=0, more=False),
                        own_desk=0, now=ctx.clock.now())
    assert (again.stored, again.already_held) == (0, 1)
    plan = due_for_archive(ctx)
    assert {f.field_code: f.due for f in plan.fields} == {"BTXH": 1, "CT": 0}
    second = archive_and_redact(ctx, outdir / "second.zip")
    assert second.dossiers == 1 and second.cleared_events == 1
    assert raw_dossier(db, code)["phone"] is None
    with db.session() as session:
        report = verify(session)
    assert report.ok, report.problems


# -- a power cut between the archive and the redaction -----------------------------------------------------------------
CHILD = r"""
import os, signal, sys
from pathlib import Path
from desk_app.services import retention, retention_archive
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
import datetime as dt
from desk_app.store.models import VN_TZ

where, data_dir, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
calls = {"n": 0}

def die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)

if where == "writing":
    def check(record, problems):  # called while the written file is read back: before its rename
        die()
    retention_archive._check_events = check
elif where == "between":
    def redact(*args, **kwargs):
        die()
    retention._redact = redact
else:
    original = retention._redact_dossier
    def redact_dossier(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # two dossiers redacted and flushed, inside the transaction
            die()
        return original(*args, **kwargs)
    retention._redact_dossier = redact_dossier
db = open_desk(data_dir)
now = dt.datetime(2028, 6, 1, 8, 0, tzinfo=VN_TZ)
retention.archive_and_redact(ServiceContext(db, FixedClock(now), "test"), out)
print("finished")
"""


@pytest.mark.parametrize("where", ["writing", "between", "inside"])
def test_a_kill_between_archive_and_redaction_leaves_nothing_redacted(desk, db, ctx, outdir, where):
    before = whole_desk(db)
    out = outdir / "archive.zip"
    root = Path(__file__).parents[2]
    child = subprocess.run([sys.executable, "-c", CHILD, where, str(db.data_dir), str(out)], check=False,
                           capture_output=True, text=True, timeout=120, cwd=root,
                           env={**os.environ, "PYTHONPATH": str(root)})
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert whole_desk(db) == before  # nothing redacted, not even the flushed part of the transaction
    with db.session() as session:
        assert verify(session).ok
    if where == "writing":
        assert not out.exists()  # only ever a temporary name, never a half archive under the real name
        assert [p.name.startswith(".motcua-archive-") for p in outdir.iterdir()] == [True]
    else:
        assert check_archive(ctx, out).ok  # the archive is whole: the next run redacts what it holds
    ctx.clock.moment = vn("2028-06-01 08:00")
    done = archive_and_redact(ctx, outdir / "retry.zip")
    assert done.dossiers == 3
    assert not [p for p in outdir.iterdir() if p.suffix == ".tmp"]  # the killed run's temporary is gone
    with db.session() as session:
        assert verify(session).ok
