"""The first-run and login dialogs driven as a person at the desk drives them: type, Enter, Escape; what they see
and what lands in the database (read back with sqlite3)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desk_app.services import accounts
from desk_app.services.accounts import SignedIn, context_for, create_user, first_run
from desk_app.services.clock import FixedClock
from desk_app.store.db import Database
from desk_app.ui.login import FirstRunDialog, LoginDialog
from tests.ui.conftest import nfd, type_text


def _rows(db: Database, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(db.path)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def _show(qtbot: QtBot, dialog: QDialog) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.wait(20)


def _child(parent: QWidget, kind: type, name: str) -> Any:
    found = parent.findChild(kind, name)
    assert found is not None, name
    return found


def _error(dialog: QWidget, field_widget: str) -> str:
    label = _child(dialog, QLabel, f"{field_widget}Error")
    return label.text() if label.isVisible() else ""


def _retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    type_text(edit, text)


def test_first_run_sets_up_the_commune_and_the_administrator(qtbot: QtBot, db: Database, clock: FixedClock,
                                                            tmp_path: Path) -> None:
    dialog = FirstRunDialog(db, clock)
    _show(qtbot, dialog)
    line = lambda name: _child(dialog, QLineEdit, name)
    assert dialog.objectName() == "firstRunDialog"
    assert line("firstRunCommune").text() == ""
    assert line("firstRunHotline").text() == "Tổng đài 1022"
    assert line("firstRunOfficeHours").text() == "07:00-11:30,13:30-17:00"
    assert QApplication.focusWidget() is line("firstRunCommune")

    type_text(line("firstRunCommune"), nfd("UBND xã Tân Phú"))  # Unikey's decomposed marks end up NFC
    type_text(line("firstRunAgencyCode"), "31.22.H20")  # mistyped
    type_text(line("firstRunUpperLevel"), "UBND tỉnh Đồng Tháp")
    line("firstRunSaturday").setFocus()
    type_text(line("firstRunSaturday"), "07:30-11:30")
    paper = _child(dialog, QComboBox, "firstRunPaperSize")
    paper.setFocus()
    qtbot.keyClick(paper, Qt.Key.Key_Down)
    assert paper.currentData() == "A4"
    type_text(line("firstRunUsername"), "QuanTri")
    type_text(line("firstRunFullName"), nfd("trần văn an"))
    type_text(line("firstRunPassword"), "mật-khẩu-2026")
    type_text(line("firstRunPasswordRepeat"), "mật-khẩu-2025")

    # Enter saves (the default button). The repeat does not match: said at the repeat field, nothing written.
    line("firstRunPasswordRepeat").setFocus()
    qtbot.keyClick(line("firstRunPasswordRepeat"), Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert "không khớp" in _error(dialog, "firstRunPasswordRepeat")
    assert QApplication.focusWidget() is line("firstRunPasswordRepeat")

    type_text(line("firstRunPasswordRepeat"), "mật-khẩu-2026")
    qtbot.keyClick(line("firstRunPasswordRepeat"), Qt.Key.Key_Return)
    # The agency code is refused by the settings' own check: shown at that field, focus there, nothing written.
    assert dialog.isVisible() and dialog.signed_in is None
    assert "QCVN 102:2016" in _error(dialog, "firstRunAgencyCode")
    assert _error(dialog, "firstRunPasswordRepeat") == ""
    assert QApplication.focusWidget() is line("firstRunAgencyCode")
    assert _rows(db, "SELECT * FROM users") == []
    assert _rows(db, "SELECT value FROM settings WHERE key = 'commune_name'")[0][0] == "UBND xã Mỹ Phong"
    dialog.resize(720, dialog.sizeHint().height())
    dialog.grab().save(str(tmp_path / "first_run_error.png"))

    _retype(qtbot, line("firstRunAgencyCode"), "000.31.22.H21")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # the shortcut on the button
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.signed_in == SignedIn("quantri", "Trần Văn An", "admin")

    settings = {r["key"]: r["value"] for r in _rows(db, "SELECT key, value FROM settings")}
    assert settings["commune_name"] == "UBND xã Tân Phú"
    assert settings["agency_code"] == "000.31.22.H21"
    assert settings["upper_level_name"] == "UBND tỉnh Đồng Tháp"
    assert settings["upper_level_kind"] == "province"
    assert settings["saturday_reception"] == "07:30-11:30"
    assert settings["paper_size"] == "A4"
    users = _rows(db, "SELECT username, full_name, role, active FROM users")
    assert [tuple(u) for u in users] == [("quantri", "Trần Văn An", "admin", 1)]
    assert accounts.authenticate(db, clock, "quantri", nfd("mật-khẩu-2026")).role == "admin"


def test_escape_leaves_the_first_run_without_writing(qtbot: QtBot, db: Database, clock: FixedClock) -> None:
    dialog = FirstRunDialog(db, clock)
    _show(qtbot, dialog)
    type_text(_child(dialog, QLineEdit, "firstRunCommune"), "UBND xã Tân Phú")
    qtbot.keyClick(_child(dialog, QLineEdit, "firstRunCommune"), Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.signed_in is None
    assert accounts.needs_first_run(db)


def _accounts(db: Database, clock: FixedClock) -> None:
    admin = first_run(db, clock, username="quantri", full_name="Trần Văn An", password="quantri-2026",
                      settings={"commune_name": "UBND xã Mỹ Phong", "agency_code": "000.31.22.H20",
                                "upper_level_name": "UBND tỉnh Đồng Tháp"})
    create_user(context_for(db, clock, admin), "nv.lan", "Nguyễn Thị Lan", "clerk", "lan-12345")


def test_login_wrong_then_right(qtbot: QtBot, db: Database, clock: FixedClock, tmp_path: Path) -> None:
    _accounts(db, clock)
    dialog = LoginDialog(db, clock, "UBND xã Mỹ Phong")
    _show(qtbot, dialog)
    username = _child(dialog, QLineEdit, "loginUsername")
    password = _child(dialog, QLineEdit, "loginPassword")
    assert dialog.objectName() == "loginDialog"
    assert _child(dialog, QLabel, "loginCommune").text() == "UBND xã Mỹ Phong"
    assert password.echoMode() == QLineEdit.EchoMode.Password
    assert _child(dialog, QPushButton, "loginButton").text() == "Đăng nhập (Enter)"
    assert QApplication.focusWidget() is username

    type_text(username, "NV.Lan")
    qtbot.keyClick(username, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is password
    type_text(password, "sai-mat-khau")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.signed_in is None
    assert _error(dialog, "loginPassword") == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert password.text() == "" and QApplication.focusWidget() is password
    assert username.text() == "NV.Lan"
    failed = _rows(db, "SELECT actor, action FROM audit_log WHERE action = 'login_failed'")
    assert [tuple(r) for r in failed] == [("nv.lan", "login_failed")]
    dialog.grab().save(str(tmp_path / "login_error.png"))

    type_text(password, "lan-12345")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.signed_in == SignedIn("nv.lan", "Nguyễn Thị Lan", "clerk")
    assert _rows(db, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")[0][0] == "login"


def test_login_lock_out_and_empty_username(qtbot: QtBot, db: Database, clock: FixedClock) -> None:
    _accounts(db, clock)
    dialog = LoginDialog(db, clock, "UBND xã Mỹ Phong")
    _show(qtbot, dialog)
    username = _child(dialog, QLineEdit, "loginUsername")
    password = _child(dialog, QLineEdit, "loginPassword")

    password.setFocus()
    type_text(password, "lan-12345")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    assert _error(dialog, "loginUsername") == "Chưa nhập tên đăng nhập."
    assert QApplication.focusWidget() is username

    type_text(username, "nv.lan")
    for _ in range(5):
        password.setFocus()
        type_text(password, "sai-mat-khau")
        qtbot.keyClick(password, Qt.Key.Key_Return)
    assert "chờ 30 giây" in _error(dialog, "loginPassword")
    assert _error(dialog, "loginUsername") == ""
    clock.advance(seconds=31)
    type_text(password, "lan-12345")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_escape_cancels_the_login(qtbot: QtBot, db: Database, clock: FixedClock) -> None:
    _accounts(db, clock)
    dialog = LoginDialog(db, clock, "UBND xã Mỹ Phong")
    _show(qtbot, dialog)
    type_text(_child(dialog, QLineEdit, "loginUsername"), "nv.lan")
    qtbot.keyClick(_child(dialog, QLineEdit, "loginUsername"), Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.signed_in is None
    assert _rows(db, "SELECT * FROM audit_log WHERE action LIKE 'login%' AND actor = 'nv.lan'") == []
