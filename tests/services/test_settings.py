"""Settings: defaults, normalised round trips, refusals naming the key, and settings that change what services do."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk_app.domain.errors import ValidationError
from desk_app.services.desk import initialise, open_desk
from desk_app.services.settings import SPECS, SettingsService
from tests.conftest import vn
from tests.services._support import assert_vietnamese, receive_one, rows, set_settings, snapshot

DEFAULTS = {
    "commune_name": "UBND xã Mẫu",
    "agency_code": "",  # no default: a made-up code must never reach a citizen's slip
    "upper_level_name": "UBND tỉnh",
    "upper_level_kind": "province",
    "hotline": "Tổng đài 1022",
    "leader_phone": "",
    "desk_phone": "",
    "paper_size": "A5",
    "form_edition": "2018",
    "duplex_hotline": "false",
    "lookup_url": "",
    "desk": "0",
    "ledger_start": "1",
    "office_hours": "07:00-11:30,13:30-17:00",
    "saturday_reception": "",
    "weekly_rest": "sat,sun",
    "cutoff_time": "15:00",
    "multi_day_after_cutoff": "false",
    "supplement_rule": "restart",
    "optional_holidays": "",
    "no_appointment_days": "",
    "print_mode": "preview",
    "printer_name": "",
    "lock_minutes": "15",
    "upper_level_url": "",
    "upper_level_token": "",
    "upper_level_ca_file": "",
    "auto_sync": "true",
    "sync_interval_minutes": "10",
    "report_against": "original",
    "max_backdate_days": "1096",
    "personal_data_retention": "",
    "backup_dir": "",
    "backup_keep": "14",
    "backup_passphrase": "",
}


@pytest.fixture
def bare(tmp_path: Path):
    """A database that was opened but never given a setting."""
    database = open_desk(tmp_path / "bare")
    yield database
    database.close()


def test_defaults_of_a_new_database(bare):
    with bare.session() as session:
        assert SettingsService(session).all() == DEFAULTS
        assert all(not SettingsService(session).is_set(key) for key in DEFAULTS)
    assert rows(bare, "SELECT * FROM settings") == []


def test_every_setting_has_a_vietnamese_label_and_a_valid_default():
    assert [spec.key for spec in SPECS] == list(DEFAULTS)
    for spec in SPECS:
        assert_vietnamese(spec.label)
        if spec.key == "agency_code":  # deliberately no default: it must be set before the first dossier
            with pytest.raises(ValidationError):
                spec.check(spec.default)
            continue
        assert spec.check(spec.default) == spec.default, spec.key


def test_initialise_stores_only_what_it_is_given(db):
    stored = {r["key"]: r["value"] for r in rows(db, "SELECT key, value FROM settings")}
    assert stored == {"agency_code": "000.31.22.H20", "commune_name": "UBND xã Mỹ Phong"}
    with db.session() as session:
        values = SettingsService(session).all()
    assert values == {**DEFAULTS, **stored}


def test_initialise_keeps_existing_settings(db):
    set_settings(db, hotline="Tổng đài 1022 - Đồng Tháp")
    report = initialise(db, {"desk": "2"}, demo=True)
    assert report.settings["hotline"] == "Tổng đài 1022 - Đồng Tháp"
    assert report.settings["agency_code"] == "000.31.22.H20"
    assert report.settings["desk"] == "2"
    assert report.settings["upper_level_name"] == "UBND tỉnh Đồng Tháp"  # a demo value for a key never set


ROUND_TRIPS = [
    ("commune_name", "  UBND xã Mỹ Phong ", "UBND xã Mỹ Phong"),
    ("agency_code", " 000.31.22.h20 ", "000.31.22.H20"),
    ("upper_level_name", "UBND tỉnh Đồng Tháp", "UBND tỉnh Đồng Tháp"),
    ("upper_level_kind", "district", "district"),
    ("hotline", "Tổng đài 1022", "Tổng đài 1022"),
    ("desk", " 3 ", "3"),
    ("ledger_start", "0120/2026", "120/2026"),
    ("ledger_start", " 1 ", "1"),
    ("office_hours", " 07:30 - 11:30 , 13:30-17:00", "07:30-11:30,13:30-17:00"),
    ("saturday_reception", "07:00-11:00", "07:00-11:00"),
    ("saturday_reception", "", ""),
    ("weekly_rest", "SUN, sat", "sat,sun"),
    ("weekly_rest", "sun", "sun"),
    ("cutoff_time", "15:00:00", "15:00"),
    ("cutoff_time", "16:30", "16:30"),
    ("multi_day_after_cutoff", "Có", "true"),
    ("multi_day_after_cutoff", "off", "false"),
    ("supplement_rule", "pause", "pause"),
    ("optional_holidays", "vn_culture_day, ,vn_culture_day", "vn_culture_day"),
]


@pytest.mark.parametrize(("key", "typed", "stored"), ROUND_TRIPS, ids=[f"{k}={v!r}" for k, v, _ in ROUND_TRIPS])
def test_set_get_round_trip(db, key, typed, stored):
    with db.session() as session, session.begin():
        assert SettingsService(session).set(key, typed) == stored
    with db.session() as session:
        service = SettingsService(session)
        assert service.get(key) == stored
        assert service.all()[key] == stored
        assert service.is_set(key)
    assert rows(db, "SELECT value FROM settings WHERE key = ?", (key,))[0]["value"] == stored


def test_set_twice_overwrites(db):
    set_settings(db, hotline="A")
    set_settings(db, hotline="B")
    assert [tuple(r) for r in rows(db, "SELECT key, value FROM settings WHERE key = 'hotline'")] == [("hotline", "B")]


REFUSALS = [
    ("commune_name", "   "),
    ("agency_code", "abc"),
    ("agency_code", "000.31.22"),
    ("upper_level_name", ""),
    ("upper_level_kind", "huyện"),
    ("desk", "10"),
    ("desk", "-1"),
    ("desk", "abc"),
    ("desk", "1.5"),
    ("ledger_start", "0"),
    ("ledger_start", "1000000"),
    ("ledger_start", "x"),
    ("paper_size", "A3"),
    ("lookup_url", "ftp://hub.example.vn/{code}/{key}"),
    ("lookup_url", "https://hub.example.vn/tra-cuu?ma={code}"),  # the key too, or the page cannot check it
    ("lookup_url", "https://hub.example.vn/{code}/{key}/{name}"),  # never a name
    ("ledger_start", "120"),  # a start other than 1 needs its year
    ("ledger_start", "120/26"),
    ("office_hours", "7h-11h"),
    ("office_hours", "11:30-07:00"),
    ("office_hours", "13:30-17:00,07:00-11:30"),
    ("office_hours", ""),
    ("saturday_reception", "sáng"),
    ("weekly_rest", "monday"),
    ("cutoff_time", "25:00"),
    ("cutoff_time", "3pm"),
    ("multi_day_after_cutoff", "maybe"),
    ("supplement_rule", "sometimes"),
]


@pytest.mark.parametrize(("key", "value"), REFUSALS, ids=[f"{k}={v!r}" for k, v in REFUSALS])
def test_refusal_names_the_key_in_vietnamese_and_stores_nothing(db, key, value):
    before = snapshot(db, ("settings",))
    with db.session() as session, session.begin():
        with pytest.raises(ValidationError) as raised:
            SettingsService(session).set(key, value)
    assert raised.value.field == key
    assert_vietnamese(raised.value.message)
    label = next(spec.label for spec in SPECS if spec.key == key)
    assert raised.value.message.startswith(label)
    assert snapshot(db, ("settings",)) == before


def test_weekly_rest_must_leave_a_working_day(db):
    with db.session() as session, session.begin():
        with pytest.raises(ValidationError) as raised:
            SettingsService(session).set("weekly_rest", "mon,tue,wed,thu,fri,sat,sun")
    assert raised.value.field == "weekly_rest"


def test_unknown_key(db):
    with db.session() as session:
        service = SettingsService(session)
        for call in (lambda: service.get("colour"), lambda: service.set("colour", "red"),
                     lambda: service.is_set("colour")):
            with pytest.raises(ValidationError) as raised:
                call()
            assert raised.value.field == "key"
            assert_vietnamese(raised.value.message)


def test_initialise_refuses_a_bad_override_and_keeps_the_old_value(db):
    with pytest.raises(ValidationError) as raised:
        initialise(db, {"desk": "12"})
    assert raised.value.field == "desk"
    assert rows(db, "SELECT value FROM settings WHERE key = 'desk'") == []


# -- settings change what the services do --------------------------------------------------------------------------
def test_cutoff_setting_moves_the_same_day_rule(ctx, db, clock):
    set_settings(db, cutoff_time="16:00")
    clock.moment = vn("2026-03-02 15:30")
    assert receive_one(ctx, "1.001193").due_at == vn("2026-03-02 17:00")


def test_office_hours_setting_moves_the_same_day_closing(ctx, db, clock):
    set_settings(db, office_hours="07:30-11:30,13:00-16:30")
    assert receive_one(ctx, "1.001193").due_at == vn("2026-03-02 16:30")


def test_multi_day_after_cutoff_setting(ctx, db, clock):
    clock.moment = vn("2026-03-02 15:30")
    assert receive_one(ctx, "XA.HT.01").due_at == vn("2026-03-05 15:30")
    set_settings(db, multi_day_after_cutoff="true")
    # counted from the next working day's opening: Tuesday 07:00 + 3 working days
    assert receive_one(ctx, "XA.HT.01").due_at == vn("2026-03-06 07:00")


def test_agency_code_setting_is_in_the_code(ctx, db):
    set_settings(db, agency_code="000.17.22.H56")
    assert receive_one(ctx).code == "000.17.22.H56-260302-0001"


def test_desk_number_is_fixed_once_the_desk_has_written(ctx, db):
    set_settings(db, desk="2")  # before any dossier: a misconfigured desk may still be renumbered
    receive_one(ctx)
    with db.write_session() as session, session.begin():
        with pytest.raises(ValidationError) as refused:
            SettingsService(session).set("desk", "3")
    assert refused.value.field == "desk"
    assert_vietnamese(refused.value.message)
    with db.write_session() as session, session.begin():
        assert SettingsService(session).set("desk", "2") == "2"  # the same number again is no change


def test_receive_needs_an_agency_code(tmp_path):
    from desk_app.services.clock import FixedClock
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import open_desk
    from tests.conftest import vn

    database = open_desk(tmp_path / "unset")
    try:
        with pytest.raises(ValidationError) as refused:
            receive_one(ServiceContext(database, FixedClock(vn("2026-03-02 09:00")), "test"))
        assert refused.value.field == "agency_code"
    finally:
        database.close()


def test_optional_holiday_keys_must_exist(db):
    set_settings(db, optional_holidays="vn_culture_day")
    with pytest.raises(ValidationError) as refused:
        set_settings(db, optional_holidays="vn_culture_dya")
    assert refused.value.field == "optional_holidays"
    assert "vn_culture_day" in refused.value.message
