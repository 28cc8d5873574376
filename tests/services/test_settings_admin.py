"""The administrator's settings form: fields with Vietnamese labels in sections, all-or-nothing saves, audit rows,
the upper level's token never shown or audited in clear, and only administrators may save."""

from __future__ import annotations

import json

import pytest

from desk_app.domain.errors import DomainError, ValidationError
from desk_app.services.context import ServiceContext
from desk_app.services.settings import SPECS
from desk_app.services.settings_admin import SECTIONS, by_section, can_edit_settings, save_settings, settings_form
from tests.services._support import assert_vietnamese, receive_one, rows, snapshot

SECRET = "tok-3f9a-BÍ-MẬT-77"


@pytest.fixture
def admin(db, clock) -> ServiceContext:
    return ServiceContext(db, clock, "quantri", role="admin")


def stored(db) -> dict[str, str]:
    return {r["key"]: r["value"] for r in rows(db, "SELECT key, value FROM settings")}


def audits(db) -> list[dict]:
    return [dict(r) | {"detail": json.loads(r["detail"])}
            for r in rows(db, "SELECT actor, action, target, detail FROM audit_log ORDER BY id")]


def test_form_has_every_setting_once_with_its_label_in_the_screen_sections(admin):
    fields = settings_form(admin)
    assert sorted(f.key for f in fields) == sorted(spec.key for spec in SPECS)
    assert {f.section for f in fields} == set(SECTIONS)
    groups = by_section(fields)
    assert [name for name, _ in groups] == list(SECTIONS)
    by_key = {f.key: f for f in fields}
    assert by_key["commune_name"].value == "UBND xã Mỹ Phong"
    assert by_key["commune_name"].section == "Đơn vị"
    assert by_key["paper_size"].section == "Giấy tờ in"
    assert by_key["office_hours"].section == "Giờ làm việc và hạn giải quyết"
    assert by_key["printer_name"].section == "Máy in"
    assert by_key["upper_level_url"].section == "Đồng bộ cấp trên"
    for field in fields:
        assert_vietnamese(field.label)


def test_form_kinds_and_vietnamese_choices(admin):
    by_key = {f.key: f for f in settings_form(admin)}
    assert by_key["paper_size"].kind == "choice"
    assert [value for value, _ in by_key["paper_size"].choices] == ["A5", "A4", "80mm"]
    assert dict(by_key["print_mode"].choices) == {"preview": "Xem trước", "direct": "In thẳng"}
    assert [value for value, _ in by_key["form_edition"].choices] == ["2018", "2025"]
    assert dict(by_key["upper_level_kind"].choices) == {"province": "Tỉnh", "district": "Huyện"}
    assert [label.split(" ")[0] for _, label in by_key["supplement_rule"].choices] == ["Tính", "Tạm"]
    assert by_key["duplex_hotline"].kind == "bool"
    assert by_key["cutoff_time"].kind == "time"
    assert (by_key["desk"].kind, by_key["desk"].minimum, by_key["desk"].maximum) == ("number", 0, 9)
    assert by_key["lock_minutes"].kind == "number"
    assert by_key["upper_level_token"].kind == "secret"
    assert by_key["weekly_rest"].kind == "multi" and dict(by_key["weekly_rest"].choices)["sat"] == "Thứ Bảy"
    # the optional holidays the catalog ships, by name
    assert dict(by_key["optional_holidays"].choices) == {"vn_culture_day": "Ngày Văn hóa Việt Nam"}


def test_admin_saves_changes_in_one_go_with_an_audit_row_per_changed_key(db, admin):
    changed = save_settings(admin, {"hotline": "Đường dây nóng 0277 3851 234", "paper_size": "A4",
                                    "commune_name": "UBND xã Mỹ Phong"})  # unchanged: neither written nor audited
    assert changed == ["hotline", "paper_size"]
    values = stored(db)
    assert values["hotline"] == "Đường dây nóng 0277 3851 234"
    assert values["paper_size"] == "A4"
    assert audits(db) == [
        {"actor": "quantri", "action": "settings", "target": "hotline",
         "detail": {"old": "Tổng đài 1022", "new": "Đường dây nóng 0277 3851 234"}},
        {"actor": "quantri", "action": "settings", "target": "paper_size", "detail": {"old": "A5", "new": "A4"}},
    ]
    assert {f.key: f.value for f in settings_form(admin)}["paper_size"] == "A4"


def test_values_are_stored_normalised(db, admin):
    assert save_settings(admin, {"office_hours": " 07:30-11:30, 13:30-17:00 ", "weekly_rest": "sun,sat",
                                 "duplex_hotline": "có"}) == ["duplex_hotline", "office_hours"]
    values = stored(db)
    assert values["office_hours"] == "07:30-11:30,13:30-17:00"
    assert values["duplex_hotline"] == "true"
    assert "weekly_rest" not in values  # "sun,sat" is the default "sat,sun": no change


def test_one_refusal_writes_nothing_and_names_the_key(db, admin):
    before = snapshot(db, ("settings", "audit_log"))
    with pytest.raises(ValidationError) as refused:
        save_settings(admin, {"hotline": "0277 3851 234", "paper_size": "A4", "office_hours": "17:00-07:00"})
    assert refused.value.field == "office_hours"
    assert_vietnamese(refused.value.message)
    assert snapshot(db, ("settings", "audit_log")) == before


def test_a_refusal_from_the_database_checks_also_rolls_back_the_rest(db, admin):
    receive_one(admin)  # desk 0 has written a dossier: the desk number may no longer change
    before = snapshot(db, ("settings", "audit_log"))
    with pytest.raises(ValidationError) as refused:
        save_settings(admin, {"hotline": "0277 3851 234", "desk": "3"})
    assert refused.value.field == "desk"
    assert_vietnamese(refused.value.message)
    assert snapshot(db, ("settings", "audit_log")) == before


def test_unknown_key_is_refused_by_name(db, admin):
    with pytest.raises(ValidationError) as refused:
        save_settings(admin, {"hotline": "x", "colour": "blue"})
    assert refused.value.field == "colour"
    assert_vietnamese(refused.value.message)
    assert "hotline" not in stored(db)


def test_token_is_never_returned_nor_audited_in_clear(db, admin):
    field = {f.key: f for f in settings_form(admin)}["upper_level_token"]
    assert (field.value, field.is_set) == ("", False)
    assert save_settings(admin, {"upper_level_token": SECRET}) == ["upper_level_token"]
    assert stored(db)["upper_level_token"] == SECRET  # the sync client needs it
    field = {f.key: f for f in settings_form(admin)}["upper_level_token"]
    assert (field.value, field.is_set) == ("", True)
    assert all(SECRET not in f.value for f in settings_form(admin))
    assert audits(db) == [{"actor": "quantri", "action": "settings", "target": "upper_level_token",
                           "detail": {"changed": True, "set": True}}]
    raw = rows(db, "SELECT * FROM audit_log")
    assert not any(SECRET in str(value) or "BÍ-MẬT" in str(value) for row in raw for value in tuple(row))
    # saving the same token again is no change; clearing it is, and is audited as such
    assert save_settings(admin, {"upper_level_token": SECRET}) == []
    assert save_settings(admin, {"upper_level_token": ""}) == ["upper_level_token"]
    assert audits(db)[-1]["detail"] == {"changed": True, "set": False}


@pytest.mark.parametrize("role", ["clerk", "leader"])
def test_only_an_administrator_may_save(db, clock, role):
    ctx = ServiceContext(db, clock, "nv.lan", role=role)
    assert not can_edit_settings(ctx)
    before = snapshot(db, ("settings", "audit_log"))
    with pytest.raises(DomainError) as refused:
        save_settings(ctx, {"hotline": "0277 3851 234"})
    assert_vietnamese(refused.value.message)
    assert "Quản trị viên" in refused.value.message and refused.value.field == "role"
    assert snapshot(db, ("settings", "audit_log")) == before
    # reading the form is allowed (the screen shows it read-only), the token still hidden
    assert {f.key for f in settings_form(ctx)} >= {"hotline", "upper_level_token"}


def test_the_command_line_system_role_may_save(db, clock):
    ctx = ServiceContext(db, clock, "system")
    assert can_edit_settings(ctx)
    assert save_settings(ctx, {"lock_minutes": "30"}) == ["lock_minutes"]
    assert stored(db)["lock_minutes"] == "30"
    assert audits(db)[0]["actor"] == "system"
