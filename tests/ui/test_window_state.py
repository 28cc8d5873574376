"""The desk on the desktop: its icon, a title that names the commune, and a main window that opens where the clerk
left it (size, place, maximised), kept per user in QSettings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from desk_app.services.context import ServiceContext
from desk_app.services.settings_admin import save_settings
from desk_app.ui.branding import APP_TITLE, app_icon, apply_branding, icon_file, window_title
from desk_app.ui.main_window import MainWindow
from desk_app.ui.window_state import GEOMETRY_KEY, remember_geometry
from desk_app.ui.worker import ImmediateRunner
from tests.ui.test_main_window import RecordingOutput


def new_window(qtbot: QtBot, ctx: ServiceContext) -> MainWindow:
    window = MainWindow(ctx, ImmediateRunner(), RecordingOutput(), full_name="Nguyễn Thị Lan",
                        confirm=lambda *_: True, auto_sync_ms=None)
    qtbot.addWidget(window)
    return window


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """A user's settings file of its own (never the developer's ~/.config)."""
    return QSettings(str(tmp_path / "MotCuaDesk.ini"), QSettings.Format.IniFormat)


@pytest.mark.parametrize(("commune", "title"), [
    ("UBND xã Mỹ Phong", "Một Cửa Desk — UBND xã Mỹ Phong"),
    ("  UBND   phường  Hòa Bình ", "Một Cửa Desk — UBND phường Hòa Bình"),
    ("", "Một Cửa Desk"),
    ("   ", "Một Cửa Desk"),
])
def test_the_title_names_the_commune(commune: str, title: str) -> None:
    assert window_title(commune) == title


def test_the_main_window_title_follows_the_commune_setting(qtbot: QtBot, desk: ServiceContext,
                                                           admin_desk: ServiceContext) -> None:
    window = new_window(qtbot, desk)
    assert window.windowTitle() == "Một Cửa Desk — UBND xã Mỹ Phong"  # the title bar is not in an offscreen grab
    save_settings(admin_desk, {"commune_name": "UBND xã Mỹ Phong Mới"})
    window.refresh()
    assert window.windowTitle() == "Một Cửa Desk — UBND xã Mỹ Phong Mới"


def test_the_icon_has_every_size_the_desktop_asks_for(qapp: QApplication) -> None:
    assert icon_file().is_file()
    icon = app_icon()
    sizes = {size.width() for size in icon.availableSizes()}
    assert {16, 24, 32, 48, 256} <= sizes
    previous = qapp.windowIcon()
    try:
        apply_branding(qapp)
        assert {s.width() for s in qapp.windowIcon().availableSizes()} == sizes  # every window, dialog and the tray
    finally:
        qapp.setWindowIcon(previous)
    assert APP_TITLE == "Một Cửa Desk"


def plain_window(qtbot: QtBot) -> QMainWindow:
    """A window small enough for the offscreen screen (800×800; the desk's own window needs at least 1275×851)."""
    window = QMainWindow()
    window.resize(640, 480)
    qtbot.addWidget(window)
    return window


def test_a_window_opens_where_it_was_closed(qtbot: QtBot, settings: QSettings) -> None:
    first = plain_window(qtbot)
    assert not remember_geometry(first, settings).restored  # nothing saved yet: the default size
    first.show()
    first.setGeometry(QRect(70, 60, 500, 400))
    qtbot.waitUntil(lambda: first.geometry() == QRect(70, 60, 500, 400))
    first.close()
    assert isinstance(settings.value(GEOMETRY_KEY), QByteArray)

    second = plain_window(qtbot)
    assert remember_geometry(second, settings).restored
    second.show()
    assert second.geometry() == QRect(70, 60, 500, 400)


def test_a_place_on_a_screen_since_unplugged_comes_back_onto_the_screen(qtbot: QtBot, settings: QSettings) -> None:
    first = plain_window(qtbot)
    remember_geometry(first, settings)
    first.show()
    first.setGeometry(QRect(2500, 1400, 500, 400))  # on a second monitor, to the right
    qtbot.waitUntil(lambda: first.geometry().topLeft() == QRect(2500, 1400, 1, 1).topLeft())
    first.close()

    second = plain_window(qtbot)
    assert remember_geometry(second, settings).restored
    second.show()
    screen = second.screen().availableGeometry()
    assert screen.contains(second.frameGeometry().center())
    assert second.size() == QRect(0, 0, 500, 400).size()


def test_the_desk_window_reopens_maximised(qtbot: QtBot, desk: ServiceContext, settings: QSettings) -> None:
    first = new_window(qtbot, desk)
    remember_geometry(first, settings)
    first.showMaximized()
    qtbot.waitUntil(first.isMaximized)
    first.close()

    second = new_window(qtbot, desk)
    assert remember_geometry(second, settings).restored
    second.show()
    qtbot.waitUntil(second.isMaximized)


def test_a_refused_close_still_saves_where_the_window_is(qtbot: QtBot, desk: ServiceContext,
                                                         settings: QSettings) -> None:
    window = MainWindow(desk, ImmediateRunner(), RecordingOutput(), confirm=lambda *_: False, auto_sync_ms=None)
    qtbot.addWidget(window)
    remember_geometry(window, settings)
    window.show()
    window.intake.inputs["name"].setText("Lê Thị Hoa")  # unsaved input: the clerk answers "Không" to leaving
    window.close()
    assert window.isVisible()
    assert settings.value(GEOMETRY_KEY) == window.saveGeometry()


@pytest.mark.parametrize("saved", ["rác", QByteArray(b"not a geometry"), QByteArray()])
def test_an_unusable_saved_value_keeps_the_default_size(qtbot: QtBot, settings: QSettings, saved: object) -> None:
    settings.setValue(GEOMETRY_KEY, saved)
    window = plain_window(qtbot)
    assert not remember_geometry(window, settings).restored
    assert (window.width(), window.height()) == (640, 480)
