"""The main window as the clerk meets it: intake first, the scan field and the scanner that open a dossier from
anywhere, the tabs by keyboard, the status bar's figures, the day's fee list; the administrator's extra tabs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.print_jobs import PrintJob
from desk_app.ui.main_window import MainWindow
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn
from tests.ui.conftest import scan, type_text


class RecordingOutput:
    def __init__(self) -> None:
        self.jobs: list[PrintJob] = []

    def deliver(self, job: PrintJob) -> None:
        self.jobs.append(job)


def open_window(qtbot: QtBot, ctx: ServiceContext, output: RecordingOutput | None = None) -> MainWindow:
    window = MainWindow(ctx, ImmediateRunner(), output or RecordingOutput(), full_name="Nguyễn Thị Lan",
                        confirm=lambda *_: True)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.wait(20)  # shortcuts reach the active window only once its activation settles
    return window


def test_the_window_opens_on_intake_with_the_days_figures(qtbot: QtBot, desk: ServiceContext,
                                                          clock: FixedClock) -> None:
    clock.moment = vn("2026-02-27 09:00")
    receive(desk, ReceiveRequest(procedure="XA.CT.01", applicant={"name": "Lê Văn Tám"}))  # due that Friday
    clock.moment = vn("2026-03-02 08:30")
    receive(desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Phạm Thị Hoa"}))  # due today
    window = open_window(qtbot, desk)
    assert window.tabs.currentWidget() is window.intake
    assert window.findChild(QLabel, "statusDueToday").text() == "Đến hạn hôm nay: 1"
    assert window.findChild(QLabel, "statusOverdue").text() == "Quá hạn: 1"
    assert str(desk.db.path) in window.findChild(QLabel, "statusDatabase").text()
    assert "Nguyễn Thị Lan" in window.findChild(QLabel, "userLabel").text()
    assert window.findChild(QLabel, "commune").text().startswith("UBND xã Mỹ Phong · bàn 0")
    assert window.dashboard.tiles["due_today"].count == 1 and window.dashboard.tiles["overdue"].count == 1
    # A clerk has no settings or accounts tabs.
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "Tiếp nhận (Ctrl+1)", "Sổ theo dõi (Ctrl+2)", "Tổng quan (Ctrl+3)", "Báo cáo (Ctrl+4)"]

    receive(desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Võ Thị Lan"}))
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.findChild(QLabel, "statusDueToday").text() == "Đến hạn hôm nay: 2"
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.ledger
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.intake


def test_the_administrator_has_the_settings_and_accounts_tabs(qtbot: QtBot, admin_desk: ServiceContext) -> None:
    window = open_window(qtbot, admin_desk)
    assert window.tabs.count() == 6
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget().objectName() == "reportScreen"
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget().objectName() == "settingsScreen"
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget().objectName() == "usersPanel"


def test_a_scan_while_typing_a_name_opens_the_dossier_and_keeps_the_name(qtbot: QtBot, desk: ServiceContext) -> None:
    code = receive(desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Phạm Thị Hoa"})).code
    window = open_window(qtbot, desk)
    window.intake.choose_procedure("XA.CT.01")
    name = window.intake.inputs["name"]
    name.setFocus()
    type_text(name, "Trần Văn")
    scan(name, code)
    assert name.text() == "Trần Văn"
    [detail] = window.open_details
    assert detail.objectName() == "dossierDetail" and detail.isVisible()
    assert any(code in label.text() for label in detail.findChildren(QLabel))
    detail.close()


def test_the_scan_field_opens_a_code_or_a_single_match_and_says_when_nothing_matches(
        qtbot: QtBot, desk: ServiceContext) -> None:
    first = receive(desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Phạm Thị Hoa",
                                                                          "phone": "0912345678"})).code
    receive(desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Phạm Văn Hùng"}))
    opened: list[str] = []
    window = MainWindow(desk, ImmediateRunner(), RecordingOutput(),
                        detail_factory=lambda code: _opened(opened, code), confirm=lambda *_: True)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.wait(20)
    qtbot.keyClick(window, Qt.Key.Key_F3)
    field = window.findChild(QLineEdit, "scanField")
    assert QApplication.focusWidget() is field

    type_text(field, first.lower())
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert opened == [first] and field.text() == ""

    type_text(field, "0912 345 678")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert opened == [first, first]

    type_text(field, "pham")  # two people: the ledger shows both
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is window.ledger
    assert len(opened) == 2

    field.clear()
    type_text(field, "không có ai tên này")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.findChild(QLabel, "scanMessage").text() == "Không tìm thấy hồ sơ nào."

    field.clear()
    type_text(field, "000.31.22.H20-260302-0999")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert opened == [first, first, "000.31.22.H20-260302-0999"]


def _opened(opened: list[str], code: str) -> QWidget:
    opened.append(code)
    return QWidget()


def test_an_unknown_scanned_code_is_said_plainly(qtbot: QtBot, desk: ServiceContext) -> None:
    window = open_window(qtbot, desk)
    window.open_dossier("000.31.22.H20-260302-0999")
    assert window.open_details == []
    assert "Không tìm thấy hồ sơ mã 000.31.22.H20-260302-0999" in window.findChild(QLabel, "scanMessage").text()


def test_saving_at_intake_updates_the_figures(qtbot: QtBot, desk: ServiceContext) -> None:
    output = RecordingOutput()
    window = open_window(qtbot, desk, output)
    window.intake.choose_procedure("XA.CT.02")
    type_text(window.intake.inputs["name"], "Lê Thị Thu")
    qtbot.keyClick(window.intake.inputs["name"], Qt.Key.Key_F9)
    assert len(output.jobs) == 1
    assert window.findChild(QLabel, "statusDueToday").text() == "Đến hạn hôm nay: 1"
    assert window.findChild(QLabel, "tile_received_today_value").text() == "1"


def test_the_days_fee_list_shows_the_total_and_prints(qtbot: QtBot, desk: ServiceContext, tmp_path: Path) -> None:
    receive(desk, ReceiveRequest("XA.CT.01", {"name": "Lê Văn Tám"}, quantity=3, copies=2))
    receive(desk, ReceiveRequest("XA.CT.01", {"name": "Lê Thị Chín"}))
    output = RecordingOutput()
    window = open_window(qtbot, desk, output)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.findChild(QWidget, "feeListDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.findChild(QLabel, "feeListTotal").text() == "Tổng cộng: 12.000 đồng — 2 hồ sơ (miễn 0)"
    dialog.print_list()
    [job] = output.jobs
    import subprocess
    (tmp_path / "fees.pdf").write_bytes(job.pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "fees.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "BẢNG KÊ THU PHÍ, LỆ PHÍ" in text and "Lê Thị Chín" in text and "12.000 đồng" in text
    dialog.close()


def test_the_ledger_shows_what_changed_however_it_comes_to_the_front(qtbot: QtBot, desk: ServiceContext) -> None:
    """A dossier received at intake is in the ledger when the clerk clicks its tab; an action taken in a dossier
    opened from the ledger shows in its row at once."""
    code = receive(desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Phạm Thị Hoa"})).code
    window = open_window(qtbot, desk)
    window.tabs.setCurrentWidget(window.ledger)  # the mouse on the tab
    assert window.ledger.model.rowCount() == 1
    window.tabs.setCurrentWidget(window.intake)
    window.intake.choose_procedure("XA.CT.02")
    type_text(window.intake.inputs["name"], "Lê Thị Thu")
    qtbot.keyClick(window.intake.inputs["name"], Qt.Key.Key_F9)
    window.tabs.setCurrentWidget(window.ledger)
    assert window.ledger.model.rowCount() == 2

    def confirm_at_once(dialog: object) -> bool:
        dialog._on_ok()  # type: ignore[attr-defined]
        return dialog.result() == 1  # type: ignore[attr-defined]

    window.open_dossier(code)
    [detail] = window.open_details
    detail.run_dialog = confirm_at_once
    detail.trigger("result_ready")
    statuses = {window.ledger.model.row_at(r).code: window.ledger.model.row_at(r).status for r in range(2)}
    assert statuses[code] == "result_ready"
    detail.close()


def test_closing_with_unsaved_settings_asks_first(qtbot: QtBot, admin_desk: ServiceContext) -> None:
    asked: list[str] = []
    answer = [False]
    window = MainWindow(admin_desk, ImmediateRunner(), RecordingOutput(),
                        confirm=lambda _parent, _title, question: (asked.append(question), answer[0])[1])
    qtbot.addWidget(window)
    window.show()
    window.close()
    assert asked == [] and not window.isVisible()  # nothing changed: no question

    window.show()
    [commune] = [e for e in window.settings_screen.findChildren(QLineEdit) if e.text() == "UBND xã Mỹ Phong"]
    commune.setText("UBND xã Mỹ Phong (sửa)")
    window.close()
    assert window.isVisible() and window.tabs.currentWidget() is window.settings_screen
    assert asked == ["Thiết lập đã sửa nhưng chưa lưu (Ctrl+S để lưu). Thoát và bỏ các thay đổi đó?"]
    answer[0] = True
    window.close()
    assert not window.isVisible()


def test_a_dossier_opened_again_brings_up_its_window_up_to_date(qtbot: QtBot, desk: ServiceContext) -> None:
    from desk_app.services.actions import DossierActions

    code = receive(desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Phạm Thị Hoa"})).code
    window = open_window(qtbot, desk)
    window.open_dossier(code)
    [detail] = window.open_details
    assert "result_ready" in detail.visible_actions()
    DossierActions(desk).result_ready(code)  # done meanwhile (another window, another desk)
    window.open_dossier(code.lower())  # scanned again, or opened from the ledger
    assert window.open_details == [detail]
    assert "result_ready" not in detail.visible_actions() and "return_result" in detail.visible_actions()
    detail.close()


def test_a_new_lock_delay_applies_without_a_restart(qtbot: QtBot, desk: ServiceContext,
                                                    admin_desk: ServiceContext) -> None:
    from desk_app.services.settings_admin import save_settings

    class FakeLock:
        def __init__(self) -> None:
            self.minutes: list[int] = []

        def set_minutes(self, minutes: int) -> None:
            self.minutes.append(minutes)

    window = open_window(qtbot, desk)
    lock = FakeLock()
    window.attach_lock(lock, 15)
    window.refresh()
    assert lock.minutes == []  # unchanged: the idle timer is not restarted by the refresh
    save_settings(admin_desk, {"lock_minutes": "5"})
    window.refresh()
    window.refresh()
    assert lock.minutes == [5]


def test_an_unexpected_fault_is_told_in_vietnamese_and_logged_without_its_message(
        qtbot: QtBot, monkeypatch, caplog) -> None:
    import logging
    import sys

    from PySide6.QtWidgets import QMessageBox

    from desk_app.ui.app import install_fault_handler

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_fault_handler()
    try:
        raise OSError("disk I/O error reading Nguyễn Văn Đức's dossier")
    except OSError as error:
        with caplog.at_level(logging.ERROR):
            sys.excepthook(OSError, error, error.__traceback__)
    assert shown and shown[0].startswith("Đã xảy ra lỗi ngoài dự kiến (OSError). Hồ sơ đã lưu không bị mất.")
    assert "OSError at test_main_window.py" in caplog.text and "Nguyễn" not in caplog.text



def test_a_dashboard_count_opens_its_list_and_urgent_news_is_told(qtbot: QtBot, desk: ServiceContext,
                                                                  clock: FixedClock) -> None:
    clock.moment = vn("2026-02-27 09:00")
    overdue = receive(desk, ReceiveRequest(procedure="XA.CT.01", applicant={"name": "Lê Văn Tám"})).code
    clock.moment = vn("2026-03-02 08:30")
    leader = ServiceContext(desk.db, clock, "ld.hoa", role="leader")
    window = open_window(qtbot, leader)
    assert window.tabs.currentWidget() is window.dashboard  # the leader starts on the dashboard
    notice = window.findChild(QLabel, "urgentNotice")
    assert notice.isVisible() and "quá hạn" in notice.text()
    qtbot.mouseClick(window.dashboard.tiles["overdue"], Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.ledger
    assert window.ledger.selected_code() in (None, overdue)
    model = window.ledger.findChild(QWidget, "dossierTable").model()
    assert model.rowCount() == 1 and model.index(0, 0).data() == overdue
