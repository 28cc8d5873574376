"""The inactivity lock: the window locks when idle, only the signed-in user's password opens it, and what the clerk
had typed is still there."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QMainWindow, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desk_app.services.accounts import context_for, create_user, first_run
from desk_app.services.context import ServiceContext
from desk_app.ui.lock import InactivityLock
from tests.ui.conftest import type_text


@pytest.fixture
def clerk(desk: ServiceContext) -> ServiceContext:
    """The ``desk`` clerk nv.lan, now a real account."""
    admin = first_run(desk.db, desk.clock, username="quantri", full_name="Trần Văn An", password="quantri-2026",
                      settings={"commune_name": "UBND xã Mỹ Phong", "agency_code": "000.31.22.H20",
                                "upper_level_name": "UBND tỉnh Đồng Tháp"})
    create_user(context_for(desk.db, desk.clock, admin), "nv.lan", "Nguyễn Thị Lan", "clerk", "lan-12345")
    return desk


def _window(qtbot: QtBot) -> tuple[QMainWindow, QLineEdit]:
    window = QMainWindow()
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.addWidget(QLabel("Họ và tên người nộp:"))
    field = QLineEdit()
    field.setObjectName("applicantName")
    layout.addWidget(field)
    layout.addStretch(1)
    window.setCentralWidget(central)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    field.setFocus()
    return window, field


def test_idle_window_locks_and_only_the_right_password_unlocks(qtbot: QtBot, clerk: ServiceContext,
                                                               tmp_path: Path) -> None:
    window, field = _window(qtbot)
    lock = InactivityLock(window, clerk, minutes=15)
    type_text(field, "Nguyễn Văn")  # half-typed when the clerk walks away
    lock.set_interval_ms(150)
    qtbot.waitUntil(lambda: lock.dialog is not None and lock.dialog.isVisible(), timeout=3000)
    dialog = lock.dialog
    assert dialog is not None and dialog.objectName() == "lockDialog"
    assert dialog.findChild(QLabel, "lockMessage").text() == (
        "Màn hình đã khóa — nhập mật khẩu của Nguyễn Thị Lan để tiếp tục")
    curtain = window.findChild(QFrame, "lockCurtain")
    assert curtain is not None and curtain.isVisible() and curtain.geometry() == window.rect()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    password = dialog.findChild(QLineEdit, "lockPassword")
    assert password.echoMode() == QLineEdit.EchoMode.Password
    window.grab().save(str(tmp_path / "locked_window.png"))
    dialog.grab().save(str(tmp_path / "lock_dialog.png"))

    # Escape and closing do nothing; the admin's password is not this user's.
    qtbot.keyClick(password, Qt.Key.Key_Escape)
    dialog.close()
    assert dialog.isVisible() and lock.is_locked
    type_text(password, "quantri-2026")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    assert dialog.isVisible() and lock.is_locked
    error = dialog.findChild(QLabel, "lockPasswordError")
    assert error.isVisible() and error.text() == "Mật khẩu không đúng."
    assert password.text() == ""
    qtbot.wait(300)  # typing into the lock dialog is no activity that could stack a second lock
    assert lock.dialog is dialog

    type_text(password, "lan-12345")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    assert not dialog.isVisible() and not lock.is_locked
    qtbot.waitUntil(lambda: window.findChild(QFrame, "lockCurtain") is None, timeout=2000)
    assert field.text() == "Nguyễn Văn"
    field.setFocus()
    type_text(field, " Tám")
    assert field.text() == "Nguyễn Văn Tám"

    with closing(sqlite3.connect(clerk.db.path)) as conn:
        audit = conn.execute("SELECT actor, action FROM audit_log WHERE action IN ('unlock', 'login_failed') "
                             "ORDER BY id").fetchall()
    assert audit == [("nv.lan", "login_failed"), ("nv.lan", "unlock")]

    # Unlocked, the timer runs again: idle once more, locked once more.
    qtbot.waitUntil(lambda: lock.is_locked, timeout=3000)
    lock.stop()


def test_activity_restarts_the_idle_timer(qtbot: QtBot, clerk: ServiceContext) -> None:
    window, field = _window(qtbot)
    lock = InactivityLock(window, clerk, minutes=0)
    assert not lock._timer.isActive()  # 0 minutes: never locks
    lock.set_minutes(1)
    assert lock._timer.isActive() and lock._timer.interval() == 60_000
    lock.set_interval_ms(10_000)
    qtbot.wait(300)
    assert lock._timer.remainingTime() < 9_800
    type_text(field, "a")
    assert lock._timer.remainingTime() > 9_800
    qtbot.wait(300)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    assert lock._timer.remainingTime() > 9_800

    lock.lock_now()
    assert lock.is_locked and not lock._timer.isActive()
    lock.lock_now()  # already locked: still the one dialog
    assert len([w for w in window.findChildren(QFrame, "lockCurtain")]) == 1
    lock.stop()


def test_the_lock_covers_an_open_dossier_and_a_scan_while_locked_opens_nothing(qtbot: QtBot,
                                                                               clerk: ServiceContext) -> None:
    """A dossier's detail is a window of its own: locked, it is covered too; and a slip scanned at the locked
    counter must not open a dossier over the curtain (nor count as a wrong password)."""
    from desk_app.services.intake import ReceiveRequest, receive
    from desk_app.ui.main_window import MainWindow
    from desk_app.ui.worker import ImmediateRunner
    from tests.ui.conftest import scan

    code = receive(clerk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Phạm Thị Hoa"})).code
    other = receive(clerk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Võ Văn Ba"})).code

    class NoOutput:
        def deliver(self, job: object) -> None: ...

    window = MainWindow(clerk, ImmediateRunner(), NoOutput(), confirm=lambda *_: True)
    qtbot.addWidget(window)
    window.show()
    window.open_dossier(code)
    [detail] = window.open_details
    assert detail.isVisible()
    lock = InactivityLock(window, clerk, minutes=0)
    lock.lock_now()
    assert lock.dialog is not None
    for covered in (window, detail):
        curtain = covered.findChild(QFrame, "lockCurtain")
        assert curtain is not None and curtain.isVisible() and curtain.geometry() == covered.rect()

    lock.dialog.activateWindow()
    qtbot.waitUntil(lock.dialog.isActiveWindow, timeout=3000)
    password = lock.dialog.findChild(QLineEdit, "lockPassword")
    password.setFocus()
    qtbot.waitUntil(lambda: password.hasFocus(), timeout=3000)
    scan(password, other)
    assert window.open_details == [detail]
    assert lock.is_locked and password.text() == ""
    assert lock.dialog.errors.message("password") == ""  # not tried as a password

    # A print preview that finishes rendering while locked opens covered too.
    from PySide6.QtWidgets import QDialog

    late = QDialog(window)
    late.show()
    late_curtain = late.findChild(QFrame, "lockCurtain")
    assert late_curtain is not None and late_curtain.isVisible()

    type_text(password, "lan-12345")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    assert not lock.is_locked
    qtbot.waitUntil(lambda: detail.findChild(QFrame, "lockCurtain") is None, timeout=2000)
    assert late.findChild(QFrame, "lockCurtain") is None
    late.close()
    assert window.findChild(QFrame, "lockCurtain") is None
    lock.stop()
    window.scanner.uninstall()
    detail.close()
