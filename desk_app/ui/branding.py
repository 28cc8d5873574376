"""The desk's face on the desktop: its icon (windows, taskbar, tray) and its window title."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QIcon

from desk_app.config import app_root

log = logging.getLogger(__name__)

APP_TITLE = "Một Cửa Desk"
# Windows groups taskbar buttons and picks their icon by this id (the executable's own icon is build.spec's).
WINDOWS_APP_ID = "MotCuaDesk.Desk"


def icons_dir() -> Path:
    """``resources/icons`` of the source tree or of the built application (drawn by scripts/make_icon.py)."""
    return app_root() / "resources" / "icons"


def icon_file() -> Path:
    return icons_dir() / "motcuadesk.ico"


def app_icon() -> QIcon:
    """The door-with-a-"1" icon, every size from 16 to 256 pixels in one .ico (Qt's "ico" image plugin reads it);
    Qt picks the nearest size for the title bar, the taskbar and the tray."""
    icon = QIcon(str(icon_file()))
    if icon.isNull():
        log.warning("application icon not readable: %s", icon_file())
    return icon


def window_title(commune_name: str) -> str:
    """"Một Cửa Desk — UBND xã Mỹ Phong": the taskbar tells which desk this is; the bare name before it is set."""
    name = " ".join(commune_name.split())
    return f"{APP_TITLE} — {name}" if name else APP_TITLE


def apply_branding(app: QGuiApplication) -> None:
    """The icon for every window the application opens (login, first run, main window, dialogs, tray)."""
    app.setWindowIcon(app_icon())
    if sys.platform == "win32":
        _set_windows_app_id()


def _set_windows_app_id() -> None:
    import ctypes

    try:
        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(WINDOWS_APP_ID)  # type: ignore[attr-defined]
    except (AttributeError, OSError):  # an old Windows without it: the taskbar shows the executable's icon anyway
        log.info("taskbar application id not set")
