"""The automatic daily backup, the status bar's backup label and its warning, and the "Sao lưu" menu (clock and
service injected: no real waiting)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk_app.domain.errors import DomainError
from desk_app.services.backup import BackupResult, LastBackup, office_day_end
from desk_app.services.context import ServiceContext
from desk_app.ui import auto_backup
from desk_app.ui.auto_backup import AutoBackup, BackupBackend
from desk_app.ui.main_window import MainWindow
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn

SHOTS = Path("/tmp/h7_backup")


class HeldRunner:
    """Keeps the work until the test lets it run (a backup under way)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None] | None]] = []

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None],
               failed: Callable[[BaseException], None] | None = None) -> None:
        self.jobs.append((work, done, failed))

    def finish_all(self) -> None:
        while self.jobs:
            ImmediateRunner().submit(*self.jobs.pop(0))


class FakeService:
    """The backup service as the window sees it: a last backup, the day's end (17:00 on weekdays), make_backup."""

    def __init__(self, last: LastBackup | None = None) -> None:
        self.last = last
        self.calls: list[str] = []
        self.error: BaseException | None = None
        self.warning: str | None = None
        self.now = vn("2026-03-02 09:00")
        self.written = True  # something recorded after the last good backup

    def make_backup(self, ctx: ServiceContext, *, reason: str) -> BackupResult:
        self.calls.append(reason)
        if self.error is not None:
            raise self.error
        result = BackupResult(Path(f"/b/motcua-x-{len(self.calls)}.mcbak"), 1000, False, 7, 9, reason, self.now,
                              self.warning)
        self.last = LastBackup(self.now, str(result.path), 1000, False, 7, 9, reason)
        return result

    def day_end(self, ctx: ServiceContext, day: dt.date) -> dt.datetime | None:
        return None if day.isoweekday() >= 6 else dt.datetime.combine(day, dt.time(17, 0), tzinfo=self.now.tzinfo)

    def backend(self) -> BackupBackend:
        return BackupBackend(make_backup=self.make_backup, last_backup=lambda _ctx: self.last, day_end=self.day_end,
                             written_since=lambda _ctx, _moment: self.written)


def made(at: str) -> LastBackup:
    return LastBackup(vn(at), "/b/motcua-old.mcbak", 1000, True, 5, 6, "daily")


@pytest.fixture
def service() -> FakeService:
    return FakeService(made("2026-03-01 17:05"))


def auto(desk: ServiceContext, service: FakeService, runner: Any = None) -> tuple[AutoBackup, list[str]]:
    backup = AutoBackup(desk, runner=runner or ImmediateRunner(), backend=service.backend(), now=lambda: service.now)
    notices: list[str] = []
    backup.notice.connect(notices.append)
    return backup, notices


# -- the daily trigger ----------------------------------------------------------------------------------------------
def test_the_daily_backup_runs_once_after_the_last_session_of_a_working_day(qtbot: QtBot, desk, service) -> None:
    backup, _ = auto(desk, service)
    for moment, expected in [("2026-03-02 09:00", []), ("2026-03-02 16:59", []), ("2026-03-02 17:00", ["daily"]),
                             ("2026-03-02 17:05", ["daily"]), ("2026-03-02 23:00", ["daily"]),
                             ("2026-03-03 08:00", ["daily"]), ("2026-03-03 17:30", ["daily", "daily"])]:
        service.now = vn(moment)
        backup.check()
        assert service.calls == expected, moment


def test_no_daily_backup_on_a_day_off_and_a_morning_backup_does_not_hold_the_afternoon(qtbot, desk, service) -> None:
    backup, _ = auto(desk, service)
    service.now = vn("2026-03-07 18:00")  # a Saturday
    backup.check()
    assert service.calls == []
    service.last = made("2026-03-09 10:00")  # Monday, by hand in the morning
    service.now = vn("2026-03-09 17:10")
    backup.check()
    assert service.calls == ["daily"]


def test_the_day_end_comes_from_the_office_hours_and_the_calendar(desk) -> None:
    assert office_day_end(desk, dt.date(2026, 3, 2)) == vn("2026-03-02 17:00")
    assert office_day_end(desk, dt.date(2026, 2, 17)) is None  # Tết 2026
    assert office_day_end(desk, dt.date(2026, 3, 7)) is None  # Saturday


def test_never_two_backups_at_once(qtbot, desk, service) -> None:
    held = HeldRunner()
    backup, notices = auto(desk, service, held)
    service.now = vn("2026-03-02 17:30")
    backup.check()
    backup.check()
    assert len(held.jobs) == 1 and backup.running == "daily"
    assert backup.back_up_now() is False and notices[-1] == "Đang sao lưu; chờ lần này xong."
    assert backup.label.text() == "Đang sao lưu…"
    held.finish_all()
    assert service.calls == ["daily"] and backup.running is None
    assert backup.label.text() == "Sao lưu: 17:30 02/03"


def test_a_failed_daily_backup_is_told_once_and_retried_after_half_an_hour(qtbot, desk, service) -> None:
    backup, notices = auto(desk, service)
    service.error = DomainError("Không thấy thư mục sao lưu E:\\SaoLuu (USB chưa cắm?).", field="backup_dir")
    service.now = vn("2026-03-02 17:10")
    backup.check()
    service.now = vn("2026-03-02 17:20")
    backup.check()
    assert service.calls == ["daily"]
    assert notices == ["Sao lưu không thành công: Không thấy thư mục sao lưu E:\\SaoLuu (USB chưa cắm?)."]
    service.now = vn("2026-03-02 17:41")
    backup.check()
    assert service.calls == ["daily", "daily"] and len(notices) == 1  # the same message is not repeated


def test_a_fallback_to_the_local_folder_is_told(qtbot, desk, service) -> None:
    backup, notices = auto(desk, service)
    service.warning = "Không thấy thư mục sao lưu E:\\SaoLuu. Bản sao lưu hằng ngày đã được ghi tạm vào C:\\backups."
    service.now = vn("2026-03-02 17:10")
    backup.check()
    assert notices == [f"Sao lưu tự động: {service.warning}"]


# -- closing --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("last", "written", "started", "runs"), [
    ("2026-03-01 17:05", True, True, ["daily"]),  # work since yesterday's backup: one now
    ("2026-03-02 08:00", True, True, ["daily"]),  # a morning backup does not hold the day's work
    ("2026-03-02 08:00", False, True, []),  # nothing recorded since the last good backup
    ("2026-03-01 17:05", True, False, []),  # no automatic backup in this window (tests, a start-up check)
])
def test_closing_backs_up_what_the_last_good_backup_does_not_hold(qtbot, desk, service, last, written, started,
                                                                  runs) -> None:
    service.last = made(last)
    service.written = written
    backup, _ = auto(desk, service)
    if started:
        backup.start(60_000, first_look_ms=None)
    service.now = vn("2026-03-02 11:00")
    assert backup.at_close() is bool(runs)
    assert service.calls == runs and not backup.timer.isActive()


# -- the warning ----------------------------------------------------------------------------------------------------
def test_the_label_turns_red_after_two_days_and_the_clerk_is_told_once(qtbot, desk, service) -> None:
    backup, notices = auto(desk, service)
    service.now = vn("2026-03-02 09:00")
    backup.refresh_status()
    assert backup.label.text() == "Sao lưu: 17:05 01/03" and backup.label.styleSheet() == ""
    assert notices == [] and "5 hồ sơ" in backup.label.toolTip()
    service.now = vn("2026-03-03 17:06")  # two days and a minute
    backup.refresh_status()
    backup.refresh_status()
    assert backup.label.text() == "Sao lưu: 17:05 01/03 — CŨ!" and "#b00020" in backup.label.styleSheet()
    assert len(notices) == 1 and "cũ 2 ngày" in notices[0] and notices[0] == backup.label.toolTip()
    service.now = vn("2026-03-03 17:30")  # the daily backup ran: green again, and told again if it goes stale
    backup.check()
    assert backup.label.styleSheet() == "" and len(notices) == 1


def test_no_backup_at_all_is_a_warning(qtbot, desk) -> None:
    backup, notices = auto(desk, FakeService(None))
    backup.refresh_status()
    assert backup.label.text() == "Sao lưu: chưa có" and "CHƯA CÓ BẢN SAO LƯU" in notices[0]


# -- the window -------------------------------------------------------------------------------------------------------
def _window(qtbot: QtBot, ctx: ServiceContext) -> MainWindow:
    window = MainWindow(ctx, ImmediateRunner(), object(), auto_sync_ms=None)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    return window


@pytest.mark.parametrize(("role", "menu"), [("admin", True), ("leader", True), ("clerk", False)])
def test_the_menu_is_there_for_those_who_may_back_up(qtbot, desk, role, menu) -> None:
    window = _window(qtbot, ServiceContext(desk.db, desk.clock, f"test:{role}", role=role))
    assert (window.findChild(QAction, "backupNow") is not None) is menu
    assert (window.findChild(QAction, "restoreHelp") is not None) is menu
    label = window.findChild(QLabel, "statusBackup")
    assert label is not None and label.text() == "Sao lưu: chưa có" and "#b00020" in label.styleSheet()
    assert "CHƯA CÓ BẢN SAO LƯU" in window.urgent_label.text()
    assert not window.auto_backup.started  # no automatic backup unless the application asks for it


def test_back_up_now_from_the_menu_makes_a_real_backup(qtbot, desk, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(auto_backup.QMessageBox, "information", lambda _w, _t, text: shown.append(text))
    window = _window(qtbot, ServiceContext(desk.db, desk.clock, "quantri", role="admin"))
    window.show()
    action = window.findChild(QAction, "backupNow")
    action.trigger()
    qtbot.waitUntil(lambda: window.auto_backup.running is None and bool(shown), timeout=30_000)
    assert "Đã sao lưu: motcua-000.31.22.H20-ban0-20260302-090000-manual.mcbak" in shown[0]
    label = window.findChild(QLabel, "statusBackup")
    assert label.text() == "Sao lưu: 09:00 02/03" and label.styleSheet() == ""
    assert window.urgent_label.isHidden()  # the "no backup yet" warning went with it
    assert (desk.db.data_dir / "backups").is_dir()
    window.findChild(QAction, "restoreHelp").trigger()
    assert "desk-app restore" in shown[-1]
    SHOTS.mkdir(exist_ok=True)
    window.resize(1280, 800)
    window.grab().save(str(SHOTS / "main_window_backup_ok.png"))
    window.close()


def test_a_stale_backup_in_the_window(qtbot, desk) -> None:
    from desk_app.services.backup import make_backup

    make_backup(ServiceContext(desk.db, desk.clock, "quantri", role="admin"), now=vn("2026-02-25 17:10"))
    window = _window(qtbot, desk)
    window.show()
    label = window.findChild(QLabel, "statusBackup")
    assert label.text() == "Sao lưu: 17:10 25/02 — CŨ!" and "cũ 4 ngày" in window.urgent_label.text()
    SHOTS.mkdir(exist_ok=True)
    window.resize(1280, 800)
    window.grab().save(str(SHOTS / "main_window_backup_stale.png"))


# -- the passphrase in Thiết lập ------------------------------------------------------------------------------------
def test_the_passphrase_field_checks_its_length_and_clearing_it_leaves_the_token(qtbot, admin_desk) -> None:
    from PySide6.QtWidgets import QLineEdit, QPushButton

    from desk_app.services.settings import SettingsService
    from desk_app.ui.settings_screen import SettingsScreen

    screen = SettingsScreen(admin_desk, ImmediateRunner())
    qtbot.addWidget(screen)
    passphrase = screen.findChild(QLineEdit, "setting_backup_passphrase_input")
    token = screen.findChild(QLineEdit, "setting_upper_level_token_input")
    passphrase.setText("ngắn")
    screen.save()
    error = screen.findChild(QLabel, "error_backup_passphrase")
    assert not error.isHidden() and "ít nhất 8 ký tự" in error.text()
    passphrase.setText("mật khẩu đủ dài")
    token.setText("T" * 24)
    screen.save()
    with admin_desk.db.session() as session:
        stored = SettingsService(session)
        assert (stored.get("backup_passphrase"), stored.get("upper_level_token")) == ("mật khẩu đủ dài", "T" * 24)
    assert passphrase.text() == "" and passphrase.echoMode() == QLineEdit.EchoMode.Password
    screen.findChild(QPushButton, "setting_backup_passphrase_clear").click()
    assert screen.changes() == {"backup_passphrase": ""}  # the other secret is not cleared with it
    screen.save()
    with admin_desk.db.session() as session:
        stored = SettingsService(session)
        assert (stored.get("backup_passphrase"), stored.get("upper_level_token")) == ("", "T" * 24)
