"""The main window opens where the clerk left it: its size, place and maximised state, kept per user.

Kept with QSettings("MotCuaDesk", "MotCuaDesk"): on Windows the registry key HKEY_CURRENT_USER\\Software\\MotCuaDesk,
on Linux ~/.config/MotCuaDesk/MotCuaDesk.conf. Not in the desk database: two clerks sharing a data folder on
different screens each keep their own, and a restored backup does not move anyone's window.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

ORGANIZATION = "MotCuaDesk"
APPLICATION = "MotCuaDesk"
GEOMETRY_KEY = "main_window/geometry"


def user_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


class GeometryKeeper(QObject):
    """Restores the window's geometry at once (a saved one that no longer fits the screens is brought back onto
    the available screen by Qt), and saves it whenever the window is asked to close."""

    def __init__(self, window: QWidget, settings: QSettings) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.restored = self.restore()
        window.installEventFilter(self)

    def restore(self) -> bool:
        saved = self.settings.value(GEOMETRY_KEY)
        if not isinstance(saved, QByteArray) or saved.isEmpty():
            return False
        if not self.window.restoreGeometry(saved):
            log.info("saved window geometry not usable; default size kept")
            return False
        return True

    def save(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.window.saveGeometry())
        self.settings.sync()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.save()  # saved even if the close is then refused (unsaved input): it is where the window is
        return False


def remember_geometry(window: QWidget, settings: QSettings | None = None) -> GeometryKeeper:
    """Call before ``window.show()``; the keeper lives as the window's child."""
    return GeometryKeeper(window, settings if settings is not None else user_settings())
