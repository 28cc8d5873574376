"""The administrator's audit log window and the citizen data dialog, from the main window's menus; and a sweep of
every screen's text for a known full ID number, which only the audited reveal may show."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desk_app.services.audit import record
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_view import reveal_id
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.print_jobs import PrintJob, dossier_form
from desk_app.ui.audit_screen import AuditScreen
from desk_app.ui.citizen_data_dialog import CitizenDataDialog
from desk_app.ui.main_window import MainWindow
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn
from tests.ui.conftest import type_text

FULL_ID = "087084001234"
CITIZEN = {"name": "Nguyễn Văn Đức", "id_number": FULL_ID, "birth_date": "05/09/1984", "sex": "Nam",
           "phone": "0912 345 678", "address": "Ấp Mỹ Tây, xã Mỹ Phong, tỉnh Đồng Tháp"}


class RecordingOutput:
    def __init__(self) -> None:
        self.jobs: list[PrintJob] = []

    def deliver(self, job: PrintJob) -> None:
        self.jobs.append(job)


def shot(widget: QWidget, name: str) -> None:
    """With DESK_TEST_SHOTS=DIR, the screen as PNG there, to look at."""
    folder = os.environ.get("DESK_TEST_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def add(ctx: ServiceContext, at: str, actor: str, action: str, target: str | None = None, **detail: object) -> None:
    with ctx.db.write_session() as session, session.begin():
        record(session, at=vn(at), actor=actor, action=action, target=target, detail=dict(detail))


@pytest.fixture
def logged(desk: ServiceContext) -> ServiceContext:
    add(desk, "2026-02-27 08:00", "nv.lan", "login", "nv.lan")
    add(desk, "2026-02-27 08:01", "(không rõ)", "login_failed", None, reason="unknown_user")
    add(desk, "2026-02-28 09:00", "nv.lan", "reveal_id", "000.31.22.H20-260228-0001")
    add(desk, "2026-03-01 10:00", "lanhdao", "export", None, form="national_exchange", format="json",
        **{"from": "2026-02-01", "to": "2026-02-28"}, dossiers=12, include_id_numbers=True)
    add(desk, "2026-03-02 08:30", "quantri", "settings", "hotline", old="1022", new="1900 1022")
    return desk


def rows_of(screen: AuditScreen) -> list[list[str]]:
    table = screen.table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_the_administrator_reads_the_log_newest_first_in_vietnamese(qtbot: QtBot, logged: ServiceContext,
                                                                    admin_desk: ServiceContext) -> None:
    screen = AuditScreen(admin_desk)
    qtbot.addWidget(screen)
    screen.show()
    shown = rows_of(screen)
    assert [r[2] for r in shown] == ["Thay đổi thiết lập", "Xuất dữ liệu", "Xem số CCCD", "Đăng nhập sai", "Đăng nhập"]
    assert shown[0][0] == "02/03/2026 08:30:00" and shown[0][3] == "hotline"
    assert "CÓ số CCCD" in shown[1][4] and "12 hồ sơ" in shown[1][4]
    assert shown[3][4] == "Đăng nhập không thành công: tên đăng nhập không có"
    assert screen.page_label.text() == "Trang 1/1 — 5 mục"
    shot(screen, "audit-log")


def test_filters_and_pages(qtbot: QtBot, logged: ServiceContext, admin_desk: ServiceContext) -> None:
    screen = AuditScreen(admin_desk, page_size=2)
    qtbot.addWidget(screen)
    assert screen.page_label.text() == "Trang 1/3 — 5 mục"
    assert not screen.previous_button.isEnabled() and screen.next_button.isEnabled()
    qtbot.mouseClick(screen.next_button, Qt.MouseButton.LeftButton)
    assert screen.page_label.text() == "Trang 2/3 — 5 mục" and rows_of(screen)[0][2] == "Xem số CCCD"
    screen.next_page()
    assert len(rows_of(screen)) == 1 and not screen.next_button.isEnabled()
    screen.previous_page()
    screen.previous_page()
    assert screen.offset == 0

    screen.action_kind.setCurrentIndex(screen.action_kind.findData("reveal_id"))
    screen.apply_filters()
    assert [r[3] for r in rows_of(screen)] == ["000.31.22.H20-260228-0001"]
    screen.action_kind.setCurrentIndex(0)
    type_text(screen.target, "260228")
    screen.apply_filters()
    assert len(rows_of(screen)) == 1
    screen.target.clear()
    screen.actor.setEditText("nv.lan")
    screen.apply_filters()
    assert {r[1] for r in rows_of(screen)} == {"nv.lan"} and screen.page_label.text().endswith("2 mục")
    screen.actor.setCurrentIndex(0)
    screen.since.setDate(screen.since.date().__class__(2026, 3, 1))
    screen.apply_filters()
    assert screen.page_label.text().endswith("— 2 mục")
    screen.since.setDate(screen.since.date().__class__(2026, 3, 3))
    screen.apply_filters()
    assert rows_of(screen) == [] and "sau ngày kết thúc" in screen.message.text()


def test_anyone_but_the_administrator_is_refused_by_the_service(qtbot: QtBot, logged: ServiceContext) -> None:
    leader = ServiceContext(logged.db, logged.clock, "lanhdao", role="leader")
    screen = AuditScreen(leader)
    qtbot.addWidget(screen)
    assert screen.table.rowCount() == 0
    assert "Lãnh đạo không được xem nhật ký kiểm tra" in screen.message.text()


def _menu_actions(window: MainWindow, title: str) -> list[str]:
    for menu_action in window.menuBar().actions():
        if menu_action.text().replace("&", "") == title and menu_action.menu() is not None:
            return [a.objectName() for a in menu_action.menu().actions()]
    return []


def test_the_menus_open_the_audit_log_for_the_administrator_and_citizen_data_for_everyone(
        qtbot: QtBot, desk: ServiceContext, admin_desk: ServiceContext) -> None:
    clerk_window = MainWindow(desk, ImmediateRunner(), RecordingOutput(), auto_sync_ms=None)
    qtbot.addWidget(clerk_window)
    assert "citizenData" in _menu_actions(clerk_window, "Hồ sơ")
    assert clerk_window.findChild(QAction, "auditLog") is None and _menu_actions(clerk_window, "Quản trị") == []
    window = MainWindow(admin_desk, ImmediateRunner(), RecordingOutput(), auto_sync_ms=None)
    qtbot.addWidget(window)
    assert "auditLog" in _menu_actions(window, "Quản trị")
    window.findChild(QAction, "auditLog").trigger()
    screens = [w for w in QApplication.topLevelWidgets() if isinstance(w, AuditScreen) and w.isVisible()]
    assert screens and screens[-1].ctx is admin_desk
    window.findChild(QAction, "citizenData").trigger()
    dialogs = [w for w in window.findChildren(CitizenDataDialog) if w.isVisible()]
    assert len(dialogs) == 1
    for widget in (*screens, *dialogs):
        widget.close()


def test_the_citizen_data_dialog_makes_the_document_and_clears_the_number(qtbot: QtBot,
                                                                          desk: ServiceContext) -> None:
    code = receive(desk, ReceiveRequest("XA.HT.01", dict(CITIZEN))).code
    output = RecordingOutput()
    dialog = CitizenDataDialog(desk, output)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.id_field, "087******234")
    dialog.produce()
    assert output.jobs == [] and "số đã che" in dialog.message.text()
    dialog.id_field.clear()
    type_text(dialog.id_field, FULL_ID)
    shot(dialog, "citizen-data-dialog")
    qtbot.keyClick(dialog.id_field, Qt.Key.Key_Return)
    [job] = output.jobs
    assert job.pdf.startswith(b"%PDF") and "087******234" in job.title
    assert dialog.id_field.text() == "" and FULL_ID not in dialog.message.text()
    assert code  # the dossier the document lists


# -- the sweep ----------------------------------------------------------------------------------------------------------
def _model_texts(view: QAbstractItemView) -> list[str]:
    model = view.model()
    if model is None:
        return []
    texts: list[str] = []

    def columns(parent: QModelIndex) -> int:
        try:
            return int(model.columnCount(parent))
        except TypeError:  # a list model: one column, its count not public
            return 1

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            for column in range(columns(parent)):
                index = model.index(row, column, parent)
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.data(index, role)
                    if value is not None:
                        texts.append(str(value))
                if column == 0 and model.rowCount(index) > 0:  # a tree's children
                    walk(index)

    walk(QModelIndex())
    return texts


def screen_text(root: QWidget, typed: str = "") -> str:
    """Every text a person could read in a widget tree: labels, fields, buttons, lists and tables, tooltips; except
    what the clerk typed into a search field (``typed``: the number the clerk searched with is not disclosed)."""
    texts = [root.windowTitle(), root.toolTip()]
    for widget in [root, *root.findChildren(QWidget)]:
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit):
            texts.extend((widget.text() if not typed or widget.text() != typed else "", widget.placeholderText()))
        elif isinstance(widget, (QTextEdit, QPlainTextEdit)):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QComboBox):
            texts.extend(widget.itemText(i) for i in range(widget.count()))
        elif isinstance(widget, QAbstractItemView):
            texts.extend(_model_texts(widget))
    return "\n".join(t for t in texts if t)


def test_no_screen_shows_the_full_id_number_until_the_audited_reveal(qtbot: QtBot, desk: ServiceContext,
                                                                     admin_desk: ServiceContext) -> None:
    code = receive(desk, ReceiveRequest("XA.HT.01", dict(CITIZEN))).code
    receive(desk, ReceiveRequest("XA.CT.02", dict(CITIZEN)))
    dossier_form(desk, code, "slip")
    reveal_id(desk, code)  # in the log as a reveal: the log names the dossier, never the number
    output = RecordingOutput()
    window = MainWindow(admin_desk, ImmediateRunner(), output, auto_sync_ms=None)
    qtbot.addWidget(window)
    window.show()
    swept: dict[str, str] = {}
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        swept[f"tab {window.tabs.tabText(index)}"] = screen_text(window)
    window.report_screen.build()
    swept["report"] = screen_text(window.report_screen)
    window.ledger.search_for(FULL_ID)  # the ID finds the dossiers, and the list shows them masked
    window.show_tab(window.ledger)
    swept["ledger searched by ID"] = screen_text(window.ledger, typed=FULL_ID)
    assert code in swept["ledger searched by ID"]
    window.scan_field.setText(FULL_ID)
    window.lookup()
    swept["scan field lookup"] = screen_text(window, typed=FULL_ID)
    window.open_dossier(code)
    detail = window.open_details[-1]
    swept["dossier detail"] = screen_text(detail)
    assert "087******234" in swept["dossier detail"]
    window.show_fee_list()
    window.show_set_aside()
    for top in QApplication.topLevelWidgets():
        if top.isVisible() and top is not detail:
            swept[f"window {top.objectName() or type(top).__name__}"] = screen_text(top, typed=FULL_ID)
    audit = AuditScreen(admin_desk)
    qtbot.addWidget(audit)
    swept["audit log"] = screen_text(audit)
    assert "Xem số CCCD" in swept["audit log"]
    dialog = CitizenDataDialog(desk, output)
    qtbot.addWidget(dialog)
    type_text(dialog.id_field, FULL_ID)
    dialog.produce()
    swept["citizen data dialog after"] = screen_text(dialog)
    for where, text in swept.items():
        assert FULL_ID not in "".join(text.split()), f"the full ID number is shown on: {where}"
    # The sweep can see it: the reveal shows it, and only there.
    qtbot.mouseClick(detail.reveal_button, Qt.MouseButton.LeftButton)
    assert FULL_ID in screen_text(detail)
    window.close()
