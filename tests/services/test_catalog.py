"""The procedure catalog and holiday schedules: idempotent loading, accent-free search, deactivation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.config import catalog_dir
from desk_app.domain.errors import NotFoundError, ValidationError
from desk_app.services.catalog import (
    get_procedure,
    load_catalog,
    load_holidays,
    procedure_as_dict,
    search_procedures,
)
from desk_app.services.desk import initialise
from tests.services._support import assert_vietnamese, count, dossier, receive_one, rows, snapshot

SHIPPED = json.loads((catalog_dir() / "procedures.json").read_text(encoding="utf-8"))


def load(db, path: Path | None = None) -> int:
    with db.session() as session, session.begin():
        return load_catalog(session, path)


def write_catalog(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "procedures.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def procedure_rows(db) -> list[tuple]:
    return [tuple(r) for r in rows(db, "SELECT * FROM procedures ORDER BY id")]


def test_catalog_holds_every_shipped_procedure(db):
    shipped = {p["code"] for p in SHIPPED["procedures"]}
    stored = {r["code"] for r in rows(db, "SELECT code FROM procedures WHERE active = 1")}
    assert stored == shipped
    assert count(db, "procedures") == len(shipped)


def test_loading_twice_is_idempotent(db):
    before = procedure_rows(db)
    assert load(db) == len(SHIPPED["procedures"])
    assert load(db) == len(SHIPPED["procedures"])
    assert procedure_rows(db) == before


def test_initialise_twice_changes_nothing(db):
    before = snapshot(db, ("procedures", "holidays", "settings"))
    initialise(db, {})
    initialise(db, {})
    after = snapshot(db, ("procedures", "holidays", "settings"))
    assert after["procedures"] == before["procedures"]
    assert after["settings"] == before["settings"]
    # holidays are replaced wholesale (new ids), with the same content
    def content(table):
        return sorted(repr(r[1:]) for r in table)

    assert content(after["holidays"]) == content(before["holidays"])


def test_holidays_load_twice_same_rows(db):
    first = count(db, "holidays")
    with db.session() as session, session.begin():
        assert load_holidays(session) == 3
    with db.session() as session, session.begin():
        load_holidays(session)
    assert count(db, "holidays") == first
    first_two = rows(db, 'SELECT kind, start, "end" FROM holidays WHERE year = 2026 ORDER BY start LIMIT 2')
    assert [tuple(r) for r in first_two] == [("period", "2026-01-01", "2026-01-04"), ("makeup", "2026-01-10", "2026-01-10")]
    optional = rows(db, "SELECT * FROM holidays WHERE kind = 'optional'")
    assert len(optional) == 1 and json.loads(optional[0]["data"])["key"] == "vn_culture_day"


@pytest.mark.parametrize("typed", ["chung thuc ban sao", "Chứng thực bản sao", "CHUNG THUC BAN SAO", "chung  thuc ban"])
def test_search_accent_free(db, typed):
    with db.session() as session:
        found = search_procedures(session, typed)
    names = [p.name for p in found]
    assert "Chứng thực bản sao từ bản chính" in names
    assert all({"chung", "thuc", "ban"} <= set(p.name_folded.split()) for p in found)


def test_search_by_code_and_field(db):
    with db.session() as session:
        assert [p.code for p in search_procedures(session, "xa.ht.01")] == ["XA.HT.01"]
        assert {p.code for p in search_procedures(session, "khai sinh")} >= {"1.001193", "XA.HT.07", "XA.HT.17"}
        social = {p["code"] for p in SHIPPED["procedures"] if p["field"] == "BTXH"}
        assert {p.code for p in search_procedures(session, "bao tro xa hoi")} >= social  # by the field's name
        assert search_procedures(session, "khong co thu tuc nay") == []
        assert len(search_procedures(session, "")) == len(SHIPPED["procedures"])
        assert search_procedures(session, "100%") == []  # wildcards are literal


def test_removed_procedure_is_deactivated_not_deleted(ctx, db, tmp_path):
    kept = receive_one(ctx, "XA.KD.04").code  # a dossier refers to it
    data = {**SHIPPED, "procedures": [p for p in SHIPPED["procedures"] if p["code"] != "XA.KD.04"]}
    ids_before = {r["code"]: r["id"] for r in rows(db, "SELECT id, code FROM procedures")}
    assert load(db, write_catalog(tmp_path, data)) == len(SHIPPED["procedures"]) - 1
    row = rows(db, "SELECT * FROM procedures WHERE code = 'XA.KD.04'")
    assert len(row) == 1 and row[0]["active"] == 0
    assert {r["code"]: r["id"] for r in rows(db, "SELECT id, code FROM procedures")} == ids_before
    assert rows(db, "SELECT count(*) AS n FROM procedures WHERE active = 1")[0]["n"] == len(SHIPPED["procedures"]) - 1
    with db.session() as session:
        assert "XA.KD.04" not in {p.code for p in search_procedures(session, "ho kinh doanh")}
        assert "XA.KD.04" in {p.code for p in search_procedures(session, "ho kinh doanh", include_inactive=True)}
        assert procedure_as_dict(get_procedure(session, "XA.KD.04"))["active"] is False
    before = snapshot(db)
    with pytest.raises(ValidationError) as raised:
        receive_one(ctx, "XA.KD.04")
    assert raised.value.field == "procedure"
    assert_vietnamese(raised.value.message)
    assert snapshot(db) == before
    assert dossier(db, kept)["procedure_code"] == "XA.KD.04"  # the old dossier is untouched
    load(db)  # the procedure comes back in a later catalog
    assert rows(db, "SELECT active FROM procedures WHERE code = 'XA.KD.04'")[0]["active"] == 1


def test_changed_procedure_is_updated_in_place(db, tmp_path):
    changed = [dict(p, fee=20000) if p["code"] == "XA.HT.01" else p for p in SHIPPED["procedures"]]
    data = {**SHIPPED, "catalog_version": "2026.2", "procedures": changed}
    before = rows(db, "SELECT id FROM procedures WHERE code = 'XA.HT.01'")[0]["id"]
    load(db, write_catalog(tmp_path, data))
    row = rows(db, "SELECT * FROM procedures WHERE code = 'XA.HT.01'")[0]
    assert (row["id"], row["fee"], row["catalog_version"]) == (before, 20000, "2026.2")
    assert count(db, "procedures") == len(SHIPPED["procedures"])


def test_catalog_with_an_unknown_field_loads_nothing(db, tmp_path):
    broken = [dict(p, field="ZZ") if p["code"] == "XA.KD.04" else p for p in SHIPPED["procedures"]]
    broken = [dict(p, fee=99) if p["code"] == "XA.HT.01" else p for p in broken]
    before = procedure_rows(db)
    with pytest.raises(ValidationError) as raised:
        load(db, write_catalog(tmp_path, {**SHIPPED, "procedures": broken}))
    assert_vietnamese(raised.value.message)
    assert procedure_rows(db) == before


def test_unknown_procedure(db):
    with db.session() as session, pytest.raises(NotFoundError) as raised:
        get_procedure(session, "XA.ZZ.99")
    assert raised.value.field == "procedure"
    assert_vietnamese(raised.value.message)


def test_procedure_as_dict(db):
    with db.session() as session:
        shown = procedure_as_dict(get_procedure(session, " XA.HT.01 "))
    assert shown["name"] == "Cấp Giấy xác nhận tình trạng hôn nhân"
    assert shown["time_limit"] == "3 ngày làm việc"
    assert (shown["fee"], shown["fee_exemptable"], shown["active"]) == (15000, True, True)
    assert shown["field"] == "Hộ tịch"


def test_reloading_holidays_keeps_years_the_file_does_not_hold(db):
    from desk_app.services.catalog import load_holidays
    from desk_app.store.models import Holiday

    with db.write_session() as session, session.begin():
        session.add(Holiday(year=2027, kind="period", start=dt.date(2027, 2, 5), end=dt.date(2027, 2, 11),
                            name="Tết Nguyên đán Đinh Mùi", data={"occasions": ["tet"], "swapped": []},
                            source="Nhập tay"))
    with db.write_session() as session, session.begin():
        years = load_holidays(session)
    with db.session() as session:
        kept = session.scalars(select(Holiday).where(Holiday.year == 2027)).all()
        shipped = session.scalars(select(Holiday).where(Holiday.year == 2026)).all()
    assert years == 3
    assert [h.name for h in kept] == ["Tết Nguyên đán Đinh Mùi"]
    assert len(shipped) == 7  # 5 periods and 2 make-up Saturdays, not doubled


SCHEDULE_2027 = {"years": {"2027": {"source": "Thông báo (ví dụ)", "off": [
    {"from": "2027-02-04", "to": "2027-02-12", "name": "Tết Nguyên đán Đinh Mùi", "occasions": ["tet"],
     "swapped": ["2027-02-04"]}],
    "makeup_working": [{"date": "2027-01-30", "name": "Làm bù ngày 04/02/2027"}]}}}


def test_imported_schedule_is_used_and_survives_catalog_reloads(db, tmp_path):
    from desk_app.services.catalog import import_holidays, load_holidays
    from desk_app.services.rules import load_rules

    path = tmp_path / "2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    with db.write_session() as session, session.begin():
        assert import_holidays(session, path) == [2027]
    with db.write_session() as session, session.begin():
        load_holidays(session)  # what `desk-app init` does after a catalog update
    with db.session() as session:
        calendar = load_rules(session).calendar
    assert not calendar.is_working_day(dt.date(2027, 2, 4))  # swapped by the notice, not by the rules
    assert calendar.is_working_day(dt.date(2027, 1, 30))  # the make-up Saturday
    assert not calendar.is_working_day(dt.date(2027, 4, 16))  # occasions the notice does not list: the rules


@pytest.mark.parametrize("content", [
    "{not json",
    json.dumps({"years": {}}),
    json.dumps({"years": {"2027": {"off": [{"from": "2027-02-04", "to": "2027-02-12", "name": "X",
                                            "occasions": ["unknown"]}]}}}),
    json.dumps({"years": {"2027": {"off": [{"from": "2026-02-04", "to": "2026-02-12", "name": "X",
                                            "occasions": ["tet"]}]}}}),
    json.dumps({"years": {"2027": []}}),
    json.dumps({"years": {"1800": {"off": []}}}),
    json.dumps({"years": {"2027": {"makeup_working": [{"date": "2027-02-17", "name": "a Wednesday"}]}}}),
    json.dumps({"years": {"2027": {"off": [{"from": "2027-02-05", "to": "2027-02-10", "name": "Tết",
                                            "occasions": ["tet"], "swapped": ["2027-03-01"]}]}}}),
])
def test_malformed_schedule_is_refused_and_nothing_changes(db, tmp_path, content):
    from desk_app.services.catalog import import_holidays

    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    before = snapshot(db, ("holidays",))
    with pytest.raises(ValidationError) as refused:
        with db.write_session() as session, session.begin():
            import_holidays(session, path)
    assert refused.value.field in {"file", "holidays"}
    assert_vietnamese(refused.value.message)
    assert snapshot(db, ("holidays",)) == before


def test_a_newer_published_catalog_survives_init_and_an_older_one_does_not_block_updates(db):
    """`desk-app init` reloads the shipped catalog at every program update; a catalog the upper level published
    later (a newer version) must stay, and the shipped one still replaces an older published one."""
    from desk_app.services.catalog import load_catalog_data, version_key
    from desk_app.store.models import Procedure

    shipped = json.loads((catalog_dir() / "procedures.json").read_text(encoding="utf-8"))
    published = {**shipped, "catalog_version": "2099.1",
                 "procedures": [{**p, "name": p["name"] + " (cấp trên)"} if p["code"] == "XA.CT.01" else p
                                for p in shipped["procedures"]]}
    with db.write_session() as session, session.begin():
        load_catalog_data(session, published)
    initialise(db, {})
    with db.session() as session:
        row = session.scalar(select(Procedure).where(Procedure.code == "XA.CT.01"))
        assert row.name.endswith("(cấp trên)") and row.catalog_version == "2099.1"
    with db.write_session() as session, session.begin():
        load_catalog_data(session, {**published, "catalog_version": "2000.1"})
    initialise(db, {})
    with db.session() as session:
        row = session.scalar(select(Procedure).where(Procedure.code == "XA.CT.01"))
        assert not row.name.endswith("(cấp trên)") and row.catalog_version == shipped["catalog_version"]
    assert version_key("2026.10") > version_key("2026.9") > version_key("2026.1")
