"""What each role sees in the main window: the tabs, the menus and their actions. The services refuse the rest
whatever the window shows (tests/services/test_roles.py); this checks the window does not offer it either."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from desk_app.services.context import ServiceContext
from desk_app.ui.main_window import MainWindow
from desk_app.ui.worker import ImmediateRunner
from tests.ui.test_main_window import RecordingOutput

EVERYONE = {"Tiếp nhận", "Sổ theo dõi", "Tổng quan", "Báo cáo"}
ADMIN_ONLY = {"Thiết lập", "Tài khoản"}


def _visible(window: MainWindow) -> tuple[set[str], dict[str, set[str]]]:
    tabs = {window.tabs.tabText(i).split(" (")[0] for i in range(window.tabs.count()) if window.tabs.isTabVisible(i)}
    menus: dict[str, set[str]] = {}
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.isVisible():
            menus[action.text().replace("&", "")] = {a.text() for a in menu.actions() if a.isVisible()}
    return tabs, menus


@pytest.mark.parametrize("role", ["admin", "leader", "clerk"])
def test_each_role_sees_only_what_it_may_use(qtbot: QtBot, desk: ServiceContext, role: str) -> None:
    ctx = ServiceContext(desk.db, desk.clock, f"test.{role}", role=role)
    window = MainWindow(ctx, ImmediateRunner(), RecordingOutput(), full_name="Nguyễn Thị Lan",
                        confirm=lambda *_: True, auto_sync_ms=None)
    qtbot.addWidget(window)
    window.show()
    tabs, menus = _visible(window)
    window.grab().save(f"/tmp/h7/main_window_{role}.png")
    assert EVERYONE <= tabs
    shown_admin = tabs & ADMIN_ONLY | {item for items in menus.values() for item in items} & ADMIN_ONLY
    if role == "admin":
        assert shown_admin == ADMIN_ONLY and "Quản trị" in menus
    else:
        assert not shown_admin, f"{role} is offered {shown_admin}"
        assert "Quản trị" not in menus
