"""Starting the Qt application around the main window."""

from __future__ import annotations

import getpass
import logging
import os
import sys
import time

from desk_app.services.clock import SystemClock
from desk_app.services.context import ServiceContext
from desk_app.services.overview import overview
from desk_app.store.db import Database

log = logging.getLogger(__name__)

def no_display_message(program: str) -> str:
    return (
        "Không tìm thấy màn hình (biến DISPLAY/WAYLAND_DISPLAY trống).\n"
        "Chạy trên máy có giao diện đồ họa, hoặc:\n"
        f"  xvfb-run -a {program} gui                 # màn hình ảo (gói Debian: xvfb)\n"
        f"  QT_QPA_PLATFORM=offscreen {program} gui --exit-after-startup   # chỉ kiểm tra khởi động"
    )


def has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


def run_gui(db: Database, *, exit_after_startup: bool = False, started: float | None = None) -> int:
    if not has_display():
        print(no_display_message(sys.argv[0] or "desk-app"), file=sys.stderr)
        return 1
    try:
        from PySide6.QtCore import qInstallMessageHandler
        from PySide6.QtWidgets import QApplication

        from desk_app.ui.main_window import MainWindow
    except ImportError as error:  # a system library Qt loads is missing: name it
        print(f"Không nạp được Qt: {error}.\nTrên Debian/Ubuntu, cài các thư viện còn thiếu bằng: "
              "bash scripts/system-deps.sh run (hoặc xem README).", file=sys.stderr)
        log.error("Qt failed to load: %s", error)
        return 1

    started = time.perf_counter() if started is None else started
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Một Cửa Desk")
    ctx = ServiceContext(db, SystemClock(), f"gui:{getpass.getuser()}")
    window = MainWindow(lambda: overview(ctx))
    window.show()
    if exit_after_startup:
        app.processEvents()
        print(f"{(time.perf_counter() - started) * 1000:.0f}")
        window.close()
        return 0
    return app.exec()


# Qt's offscreen platform warns about this on every window; it is not a fault.
_BENIGN_QT_MESSAGES = ("does not support propagateSizeHints",)


def _qt_message(mode: object, context: object, message: str) -> None:
    if any(part in message for part in _BENIGN_QT_MESSAGES):
        return
    log.warning("Qt: %s", message)
    print(message, file=sys.stderr)
