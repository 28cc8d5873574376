"""The administrator's account panel driven as the administrator drives it; a clerk sees only why not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from desk_app.domain.errors import ValidationError
from desk_app.services.accounts import authenticate, first_run
from desk_app.services.context import ServiceContext
from desk_app.ui.users_panel import UsersPanel
from tests.ui.conftest import nfd, type_text


@pytest.fixture
def admin(admin_desk: ServiceContext) -> ServiceContext:
    """The ``admin_desk`` administrator quantri, now a real account (made by the first run)."""
    first_run(admin_desk.db, admin_desk.clock, username="quantri", full_name="Trần Văn An", password="quantri-2026",
              settings={"commune_name": "UBND xã Mỹ Phong", "agency_code": "000.31.22.H20",
                        "upper_level_name": "UBND tỉnh Đồng Tháp"})
    return admin_desk


def _panel(qtbot: QtBot, ctx: ServiceContext) -> UsersPanel:
    panel = UsersPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=3000)
    qtbot.wait(20)
    return panel


def _child(parent: QWidget, kind: type, name: str) -> Any:
    found = parent.findChild(kind, name)
    assert found is not None, name
    return found


def _table(panel: UsersPanel) -> list[list[str]]:
    table = _child(panel, QTableWidget, "usersTable")
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def _select(panel: UsersPanel, username: str) -> None:
    table = _child(panel, QTableWidget, "usersTable")
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == username)
    table.setFocus()
    table.selectRow(row)


def _dialog(qtbot: QtBot, panel: UsersPanel, name: str) -> QDialog:
    dialog = panel.dialog
    assert dialog is not None and dialog.objectName() == name and dialog.isVisible()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


def _error(dialog: QWidget, name: str) -> str:
    label = _child(dialog, QLabel, f"{name}Error")
    return label.text() if label.isVisible() else ""


def test_admin_creates_a_clerk_who_can_then_sign_in(qtbot: QtBot, admin: ServiceContext, tmp_path: Path) -> None:
    panel = _panel(qtbot, admin)
    assert _table(panel) == [["quantri", "Trần Văn An", "Quản trị viên", "Đang dùng", "09:00 02/03/2026"]]
    assert not _child(panel, QPushButton, "usersResetPassword").isEnabled()

    qtbot.keyClick(panel, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = _dialog(qtbot, panel, "createUserDialog")
    username = _child(dialog, QLineEdit, "newUserUsername")
    assert QApplication.focusWidget() is username
    type_text(username, "NV.Hoa")
    type_text(_child(dialog, QLineEdit, "newUserFullName"), nfd("lê   thị hoa"))
    assert _child(dialog, QComboBox, "newUserRole").currentText() == "Cán bộ tiếp nhận"
    password = _child(dialog, QLineEdit, "newUserPassword")
    repeat = _child(dialog, QLineEdit, "newUserPasswordRepeat")
    type_text(password, "hoa-123")
    type_text(repeat, "hoa-123")
    qtbot.keyClick(repeat, Qt.Key.Key_Return)
    # The service's policy, shown at the password field with the focus there.
    assert dialog.isVisible()
    assert "ít nhất 8 ký tự" in _error(dialog, "newUserPassword")
    assert QApplication.focusWidget() is password
    dialog.grab().save(str(tmp_path / "create_user_error.png"))

    password.clear()
    repeat.clear()
    type_text(password, "hoa-12345")
    type_text(repeat, "hoa-12345")
    qtbot.keyClick(repeat, Qt.Key.Key_Return)
    assert not dialog.isVisible() and panel.dialog is None
    assert _table(panel)[0] == ["nv.hoa", "Lê Thị Hoa", "Cán bộ tiếp nhận", "Đang dùng", "Chưa đăng nhập"]
    assert _child(panel, QLabel, "usersStatus").text() == "Đã tạo tài khoản nv.hoa."

    signed = authenticate(admin.db, admin.clock, "nv.hoa", "hoa-12345")
    assert (signed.username, signed.full_name, signed.role) == ("nv.hoa", "Lê Thị Hoa", "clerk")
    panel.grab().save(str(tmp_path / "users_panel.png"))


def test_admin_resets_a_password_and_disables_an_account(qtbot: QtBot, admin: ServiceContext) -> None:
    panel = _panel(qtbot, admin)
    _child(panel, QPushButton, "usersAdd").click()
    dialog = _dialog(qtbot, panel, "createUserDialog")
    type_text(_child(dialog, QLineEdit, "newUserUsername"), "ld.binh")
    type_text(_child(dialog, QLineEdit, "newUserFullName"), "Lê Văn Bình")
    role = _child(dialog, QComboBox, "newUserRole")
    role.setCurrentIndex(role.findData("leader"))
    for name in ("newUserPassword", "newUserPasswordRepeat"):
        type_text(_child(dialog, QLineEdit, name), "binh-2026!")
    _child(dialog, QPushButton, "newUserSave").click()
    assert _table(panel)[0][:3] == ["ld.binh", "Lê Văn Bình", "Lãnh đạo"]

    _select(panel, "ld.binh")
    reset = _child(panel, QPushButton, "usersResetPassword")
    assert reset.isEnabled()
    reset.click()
    dialog = _dialog(qtbot, panel, "resetPasswordDialog")
    new = _child(dialog, QLineEdit, "resetPassword")
    type_text(new, "mat-khau-moi")
    type_text(_child(dialog, QLineEdit, "resetPasswordRepeat"), "mat-khau-moi")
    qtbot.keyClick(_child(dialog, QLineEdit, "resetPasswordRepeat"), Qt.Key.Key_Return)
    assert panel.dialog is None
    assert authenticate(admin.db, admin.clock, "ld.binh", "mat-khau-moi").role == "leader"

    _select(panel, "ld.binh")
    toggle = _child(panel, QPushButton, "usersToggleActive")
    assert toggle.text() == "Khóa tài khoản"
    toggle.click()
    dialog = _dialog(qtbot, panel, "toggleActiveDialog")
    assert "ld.binh" in _child(dialog, QLabel, "toggleQuestion").text()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert panel.dialog is None
    assert _table(panel)[0][3] == "Đã khóa"
    with pytest.raises(ValidationError):
        authenticate(admin.db, admin.clock, "ld.binh", "mat-khau-moi")
    assert toggle.text() == "Mở tài khoản"  # the row stays selected

    # The administrator cannot disable their own account: the refusal shows in the dialog, which stays open.
    _select(panel, "quantri")
    toggle.click()
    dialog = _dialog(qtbot, panel, "toggleActiveDialog")
    _child(dialog, QPushButton, "toggleConfirm").click()
    assert dialog.isVisible()
    assert "chính mình" in _error(dialog, "toggleActiveDialog")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert panel.dialog is None
    assert _table(panel)[1][3] == "Đang dùng"


def test_a_clerk_sees_that_only_the_administrator_manages_accounts(qtbot: QtBot, desk: ServiceContext,
                                                                   tmp_path: Path) -> None:
    panel = _panel(qtbot, desk)
    denied = _child(panel, QLabel, "usersDenied")
    assert denied.isVisible() and denied.text().startswith("Chỉ quản trị viên quản lý tài khoản")
    assert not _child(panel, QTableWidget, "usersTable").isVisible()
    assert not _child(panel, QPushButton, "usersAdd").isVisible()
    qtbot.keyClick(panel, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert panel.dialog is None
    panel.grab().save(str(tmp_path / "users_denied.png"))
