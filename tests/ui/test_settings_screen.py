"""The settings screen driven as an administrator (and a clerk) would: change fields, save, see errors at the field,
and the holidays tab: a year's periods, adding a day off that moves the deadlines, refusals at the row, imports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
)

from desk_app.domain.deadlines import TimeLimit, TimeUnit
from desk_app.services.rules import load_rules
from desk_app.ui.holidays_panel import HolidaysPanel
from desk_app.ui.settings_screen import SettingsScreen
from tests.conftest import vn
from tests.services._support import assert_vietnamese, rows, snapshot
from tests.ui.conftest import type_text

CTRL = Qt.KeyboardModifier.ControlModifier


def child(widget, kind, name):
    found = widget.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} named {name}"
    return found


def replace_text(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, CTRL)
    type_text(edit, text)


def stored(db) -> dict[str, str]:
    return {r["key"]: r["value"] for r in rows(db, "SELECT key, value FROM settings")}


def audits(db, action: str) -> list[dict]:
    return [dict(r) | {"detail": json.loads(r["detail"])}
            for r in rows(db, "SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id", (action,))]


def due_for_three_days(db):
    with db.session() as session:
        return load_rules(session).appointment(TimeLimit(3, TimeUnit.WORKING_DAYS), vn("2026-03-02 09:00")).due_at


@pytest.fixture
def screen(qtbot, admin_desk, runner) -> SettingsScreen:
    widget = SettingsScreen(admin_desk, runner)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    return widget


def show(qtbot, widget) -> None:
    widget.show()
    qtbot.waitActive(widget)
    qtbot.wait(20)


# -- settings ------------------------------------------------------------------------------------------------------
def test_admin_changes_hotline_and_paper_size_and_saves(qtbot, screen, admin_desk):
    assert screen.objectName() == "settingsScreen"
    assert [screen.tabs.tabText(i) for i in range(screen.tabs.count())] == [
        "Đơn vị", "Giấy tờ in", "Giờ làm việc và hạn giải quyết", "Máy in", "Đồng bộ cấp trên", "Sao lưu", "Khác",
        "Ngày nghỉ lễ"]
    assert not child(screen, QLabel, "readOnlyNotice").isVisibleTo(screen)
    hotline = child(screen, QLineEdit, "setting_hotline")
    assert hotline.text() == "Tổng đài 1022"
    replace_text(qtbot, hotline, "Đường dây nóng 0277 3851 234")
    paper = child(screen, QComboBox, "setting_paper_size")
    assert paper.currentText().startswith("A5")
    qtbot.keyClick(paper, Qt.Key.Key_Down)  # the next choice: A4
    assert paper.currentText() == "A4"
    save = child(screen, QPushButton, "saveSettings")
    assert save.text() == "Lưu thiết lập (Ctrl+S)"
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    message = child(screen, QLabel, "settingsMessage").text()
    assert message.startswith("Đã lưu 2 thiết lập")
    assert "Đường dây nóng in trên giấy hẹn" in message and "Khổ giấy in giấy tiếp nhận" in message
    values = stored(admin_desk.db)
    assert (values["hotline"], values["paper_size"]) == ("Đường dây nóng 0277 3851 234", "A4")
    assert audits(admin_desk.db, "settings") == [
        {"actor": "quantri", "target": "hotline",
         "detail": {"old": "Tổng đài 1022", "new": "Đường dây nóng 0277 3851 234"}},
        {"actor": "quantri", "target": "paper_size", "detail": {"old": "A5", "new": "A4"}},
    ]
    # saving again without a change says so and writes nothing
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert child(screen, QLabel, "settingsMessage").text() == "Không có thay đổi nào để lưu."
    assert len(audits(admin_desk.db, "settings")) == 2


def test_invalid_office_hours_shows_the_error_at_that_field_and_saves_nothing(qtbot, screen, admin_desk):
    show(qtbot, screen)
    before = snapshot(admin_desk.db, ("settings", "audit_log"))
    replace_text(qtbot, child(screen, QLineEdit, "setting_hotline"), "0277 3851 234")  # valid, on another tab
    hours = child(screen, QLineEdit, "setting_office_hours")
    replace_text(qtbot, hours, "17:00-07:00")
    screen.tabs.setCurrentIndex(0)
    qtbot.mouseClick(child(screen, QPushButton, "saveSettings"), Qt.MouseButton.LeftButton)

    error = child(screen, QLabel, "error_office_hours")
    assert error.isVisible()
    assert_vietnamese(error.text())
    assert "giờ mở cửa trước giờ đóng cửa" in error.text()
    assert screen.tabs.tabText(screen.tabs.currentIndex()) == "Giờ làm việc và hạn giải quyết"
    assert QApplication.focusWidget() is hours
    assert not child(screen, QLabel, "error_hotline").isVisible()
    assert "Chưa lưu" in child(screen, QLabel, "settingsMessage").text()
    assert snapshot(admin_desk.db, ("settings", "audit_log")) == before

    # corrected, the same save goes through and the error goes away
    replace_text(qtbot, hours, "07:30-11:30,13:30-17:00")
    qtbot.mouseClick(child(screen, QPushButton, "saveSettings"), Qt.MouseButton.LeftButton)
    assert not error.isVisible()
    assert stored(admin_desk.db)["office_hours"] == "07:30-11:30,13:30-17:00"
    assert stored(admin_desk.db)["hotline"] == "0277 3851 234"


def test_ctrl_s_saves_and_revert_brings_back_the_stored_values(qtbot, screen, admin_desk):
    show(qtbot, screen)
    lock = child(screen, QSpinBox, "setting_lock_minutes")
    lock.setFocus()
    qtbot.keyClick(lock, Qt.Key.Key_Up)
    assert lock.value() == 16
    qtbot.keyClick(lock, Qt.Key.Key_S, CTRL)
    assert stored(admin_desk.db)["lock_minutes"] == "16"

    duplex = child(screen, QCheckBox, "setting_duplex_hotline")
    duplex.setChecked(True)
    sunday = child(screen, QCheckBox, "setting_weekly_rest_sun")
    sunday.setChecked(False)
    qtbot.mouseClick(child(screen, QPushButton, "revertSettings"), Qt.MouseButton.LeftButton)
    assert not duplex.isChecked() and sunday.isChecked() and lock.value() == 16
    assert "hoàn tác" in child(screen, QLabel, "settingsMessage").text().lower()
    assert "duplex_hotline" not in stored(admin_desk.db)


def test_the_token_is_typed_hidden_and_never_shown_back(qtbot, screen, admin_desk):
    token = child(screen, QLineEdit, "setting_upper_level_token_input")
    assert token.echoMode() == QLineEdit.EchoMode.Password
    state = child(screen, QLabel, "setting_upper_level_token_state")
    assert state.text() == "Chưa đặt"
    type_text(token, "bí-mật-của-xã-42")
    qtbot.mouseClick(child(screen, QPushButton, "saveSettings"), Qt.MouseButton.LeftButton)
    assert stored(admin_desk.db)["upper_level_token"] == "bí-mật-của-xã-42"
    assert token.text() == "" and state.text() == "Đã đặt"
    (entry,) = audits(admin_desk.db, "settings")
    assert entry["detail"] == {"changed": True, "set": True}
    # saving other changes leaves the token alone
    replace_text(qtbot, child(screen, QLineEdit, "setting_printer_name"), "Canon LBP2900")
    qtbot.mouseClick(child(screen, QPushButton, "saveSettings"), Qt.MouseButton.LeftButton)
    assert stored(admin_desk.db)["upper_level_token"] == "bí-mật-của-xã-42"


def test_a_clerk_sees_the_settings_read_only(qtbot, desk, runner):
    screen = SettingsScreen(desk, runner)
    qtbot.addWidget(screen)
    notice = child(screen, QLabel, "readOnlyNotice")
    assert notice.isVisibleTo(screen)
    assert notice.text().startswith("Chỉ quản trị viên được thay đổi thiết lập")
    assert child(screen, QLineEdit, "setting_hotline").isReadOnly()
    assert not child(screen, QComboBox, "setting_paper_size").isEnabled()
    assert not child(screen, QCheckBox, "setting_duplex_hotline").isEnabled()
    assert not child(screen, QPushButton, "saveSettings").isEnabled()
    assert not child(screen.holidays, QPushButton, "saveYear").isEnabled()
    assert not child(screen.holidays, QPushButton, "importHolidays").isEnabled()
    before = snapshot(desk.db, ("settings", "audit_log", "holidays"))
    screen.save()  # even if reached (a shortcut), nothing is written
    screen.holidays.save()
    assert snapshot(desk.db, ("settings", "audit_log", "holidays")) == before


# -- holidays ------------------------------------------------------------------------------------------------------
def period_rows(panel: HolidaysPanel) -> list[tuple[str, str, str]]:
    table = panel.periods
    return [(table.cellWidget(r, 0).text(), table.cellWidget(r, 1).text(), table.cellWidget(r, 2).text())
            for r in range(table.rowCount())]


def day_rows(panel: HolidaysPanel) -> list[tuple[str, ...]]:
    table = child(panel, QTableWidget, "holidayDaysOff")
    return [tuple(table.item(r, c).text() for c in range(table.columnCount())) for r in range(table.rowCount())]


@pytest.fixture
def panel(screen) -> HolidaysPanel:
    screen.tabs.setCurrentWidget(screen.holidays)
    return screen.holidays


def test_holidays_tab_shows_2026_with_tet_and_the_days_off(panel, screen):
    assert panel.objectName() == "holidaysPanel"
    assert not child(screen, QPushButton, "saveSettings").isVisible()  # the tab has its own save
    assert child(panel, QSpinBox, "holidayYear").value() == 2026
    assert "có sẵn" in child(panel, QLabel, "holidayOrigin").text()
    assert ("Tết Nguyên đán Bính Ngọ", "14/02/2026", "22/02/2026") in period_rows(panel)
    tet_row = next(r for r, p in enumerate(period_rows(panel)) if p[0].startswith("Tết Nguyên đán"))
    assert panel.periods.cellWidget(tet_row, 3).currentText() == "Tết Nguyên đán"
    assert panel.periods.cellWidget(0, 4).text() == "02/01/2026"  # Tết Dương lịch's swapped Friday
    days = day_rows(panel)
    assert ("16/02/2026", "Thứ Hai", "Nghỉ lễ", "Tết Nguyên đán Bính Ngọ") in days
    assert ("10/01/2026", "Thứ Bảy", "Làm bù", "Làm bù cho ngày nghỉ hoán đổi 02/01/2026") in days
    assert ("02/01/2026", "Thứ Sáu", "Nghỉ hoán đổi", "Tết Dương lịch (nghỉ hoán đổi)") in days
    assert child(panel, QLabel, "holidaySummary").text().startswith("Năm 2026:")


def test_adding_a_day_off_and_saving_moves_the_deadlines(qtbot, panel, admin_desk):
    assert due_for_three_days(admin_desk.db) == vn("2026-03-05 09:00")
    count = panel.periods.rowCount()
    qtbot.mouseClick(child(panel, QPushButton, "addPeriod"), Qt.MouseButton.LeftButton)
    assert panel.periods.rowCount() == count + 1
    name = child(panel, QLineEdit, f"periodName_{count}")
    type_text(name, "Nghỉ đột xuất do bão")
    for cell in (f"periodStart_{count}", f"periodEnd_{count}"):
        date = child(panel, QDateEdit, cell)
        assert date.date() == QDate(2026, 3, 2)  # a new row starts today
        date.setFocus()
        qtbot.keyClick(date, Qt.Key.Key_Up)  # the day section: 02 -> 03
        assert date.date() == QDate(2026, 3, 3)
    save = child(panel, QPushButton, "saveYear")
    assert save.text() == "Lưu năm (Ctrl+S)"
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    assert "Đã lưu lịch nghỉ năm 2026" in child(panel, QLabel, "holidayMessage").text()
    assert "quản trị viên sửa" in child(panel, QLabel, "holidayOrigin").text()
    assert ("03/03/2026", "Thứ Ba", "Nghỉ lễ", "Nghỉ đột xuất do bão") in day_rows(panel)
    assert rows(admin_desk.db, "SELECT name, start, \"end\" FROM holidays WHERE start = '2026-03-03'")[0][:] == (
        "Nghỉ đột xuất do bão", "2026-03-03", "2026-03-03")
    assert due_for_three_days(admin_desk.db) == vn("2026-03-06 09:00")
    (entry,) = audits(admin_desk.db, "holidays")
    assert (entry["actor"], entry["target"], entry["detail"]["operation"]) == ("quantri", "2026", "edit")


def test_ctrl_s_on_the_holidays_tab_saves_the_year(qtbot, screen, panel, admin_desk):
    show(qtbot, screen)
    note = child(panel, QLineEdit, "holidayNote")
    replace_text(qtbot, note, "Thông báo số 6150/TB-BNV")
    qtbot.keyClick(note, Qt.Key.Key_S, CTRL)
    assert {r["source"] for r in rows(admin_desk.db, "SELECT source FROM holidays WHERE year = 2026")} == {
        "Thông báo số 6150/TB-BNV"}
    assert not audits(admin_desk.db, "settings")  # the settings were not saved instead


def test_a_makeup_day_on_a_weekday_is_refused_at_its_row(qtbot, screen, panel, admin_desk):
    show(qtbot, screen)
    before = snapshot(admin_desk.db, ("holidays", "audit_log"))
    qtbot.mouseClick(child(panel, QPushButton, "addMakeup"), Qt.MouseButton.LeftButton)
    row = panel.makeups.rowCount() - 1
    date = child(panel, QDateEdit, f"makeupDate_{row}")
    assert date.date() == QDate(2026, 3, 2)  # a Monday
    type_text(child(panel, QLineEdit, f"makeupName_{row}"), "Làm bù thử")
    qtbot.mouseClick(child(panel, QPushButton, "saveYear"), Qt.MouseButton.LeftButton)

    error = child(panel, QLabel, "holidayMakeupsError")
    assert error.isVisible()
    assert error.text() == "Ngày làm bù 02/03/2026 không phải thứ Bảy hoặc Chủ nhật."
    assert QApplication.focusWidget() is date
    assert "#b00020" in date.styleSheet()
    assert panel.makeups.currentRow() == row
    assert snapshot(admin_desk.db, ("holidays", "audit_log")) == before


def test_a_malformed_swapped_day_is_refused_at_its_cell(qtbot, screen, panel):
    show(qtbot, screen)
    swapped = panel.periods.cellWidget(1, 4)
    replace_text(qtbot, swapped, "31/02/2026")
    qtbot.mouseClick(child(panel, QPushButton, "saveYear"), Qt.MouseButton.LeftButton)
    error = child(panel, QLabel, "holidayPeriodsError")
    assert error.isVisible() and "31/02/2026" in error.text()
    assert QApplication.focusWidget() is swapped


def test_importing_the_official_schedule_from_a_file(qtbot, admin_desk, runner, tmp_path):
    schedule = {"years": {"2027": {"source": "Thông báo lịch nghỉ năm 2027 (ví dụ)", "off": [
        {"from": "2027-02-04", "to": "2027-02-12", "name": "Tết Nguyên đán Đinh Mùi", "occasions": ["tet"],
         "swapped": ["2027-02-04"]}],
        "makeup_working": [{"date": "2027-01-30", "name": "Làm bù ngày 04/02/2027"}]}}}
    path = tmp_path / "lich-nghi-2027.json"
    path.write_text(json.dumps(schedule, ensure_ascii=False), encoding="utf-8")
    asked: list[object] = []

    def choose(parent):
        asked.append(parent)
        return str(path)

    panel = HolidaysPanel(admin_desk, runner, choose_file=choose)
    qtbot.addWidget(panel)
    button = child(panel, QPushButton, "importHolidays")
    assert button.text() == "Nhập lịch chính thức từ tệp…"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked == [panel]
    assert child(panel, QSpinBox, "holidayYear").value() == 2027
    assert "nhập từ tệp" in child(panel, QLabel, "holidayOrigin").text()
    assert period_rows(panel) == [("Tết Nguyên đán Đinh Mùi", "04/02/2027", "12/02/2027")]
    assert child(panel, QLabel, "holidayMessage").text() == "Đã nhập lịch nghỉ năm 2027 từ tệp lich-nghi-2027.json."
    (entry,) = audits(admin_desk.db, "holidays")
    assert (entry["target"], entry["detail"]["operation"]) == ("2027", "import")


def test_a_bad_file_is_refused_in_vietnamese(qtbot, admin_desk, runner, tmp_path):
    path = tmp_path / "hong.json"
    path.write_text("{không phải json", encoding="utf-8")
    panel = HolidaysPanel(admin_desk, runner, choose_file=lambda _parent: str(path))
    qtbot.addWidget(panel)
    qtbot.mouseClick(child(panel, QPushButton, "importHolidays"), Qt.MouseButton.LeftButton)
    error = child(panel, QLabel, "holidayError")
    assert not error.isHidden()
    assert_vietnamese(error.text())
    assert not audits(admin_desk.db, "holidays")


def test_removing_the_row_being_edited(qtbot, screen, panel, admin_desk):
    show(qtbot, screen)
    names = [row[0] for row in period_rows(panel)]
    child(panel, QLineEdit, "periodName_2").setFocus()  # Giỗ Tổ Hùng Vương
    qtbot.mouseClick(child(panel, QPushButton, "removePeriod"), Qt.MouseButton.LeftButton)
    assert [row[0] for row in period_rows(panel)] == names[:2] + names[3:]
    assert child(panel, QLineEdit, "periodName_2").text() == names[3]  # the rows below are renumbered
    assert "Xem trước" in child(panel, QLabel, "holidayPreviewState").text()
    qtbot.mouseClick(child(panel, QPushButton, "previewYear"), Qt.MouseButton.LeftButton)
    # without the decree's period, Giỗ Tổ (Sun 26/04) follows the rules: the Monday is its compensatory day
    days = day_rows(panel)
    assert ("26/04/2026", "Chủ nhật", "Nghỉ lễ", "Giỗ Tổ Hùng Vương") in days
    assert ("27/04/2026", "Thứ Hai", "Nghỉ bù", "Nghỉ bù Giỗ Tổ Hùng Vương") in days
    assert not audits(admin_desk.db, "holidays")  # a preview writes nothing


def test_changing_the_year_shows_that_year(qtbot, panel):
    year = child(panel, QSpinBox, "holidayYear")
    year.setValue(2025)
    assert ("Tết Nguyên đán Ất Tỵ", "25/01/2025", "02/02/2025") in period_rows(panel)
    year.setValue(2030)  # no official schedule: the rules' days, nothing to list as periods
    assert period_rows(panel) == []
    assert "Bộ luật Lao động" in child(panel, QLabel, "holidayOrigin").text()
    assert any(row[2] == "Nghỉ lễ" for row in day_rows(panel))


# -- what the screens look like ---------------------------------------------------------------------------------------
def test_screens_render_at_1280x800(qtbot, screen, tmp_path):
    """Renders every tab; set DESK_SCREENSHOTS=folder to keep the PNGs and look at them."""
    folder = Path(os.environ.get("DESK_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    screen.show()
    for index in range(screen.tabs.count()):
        screen.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        image = screen.grab()
        assert (image.width(), image.height()) == (1280, 800)
        assert image.save(str(folder / f"settings-{index}.png"))
