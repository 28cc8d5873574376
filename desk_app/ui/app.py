"""Starting the Qt application around the main window."""

from __future__ import annotations

import getpass
import os
import sys
import time

from desk_app.services.clock import SystemClock
from desk_app.services.context import ServiceContext
from desk_app.services.overview import overview
from desk_app.store.db import Database

NO_DISPLAY = (
    "Không tìm thấy màn hình (biến DISPLAY/WAYLAND_DISPLAY trống).\n"
    "Chạy trên máy có giao diện đồ họa, hoặc:\n"
    "  xvfb-run -a desk-app gui                 # màn hình ảo\n"
    "  QT_QPA_PLATFORM=offscreen desk-app gui --exit-after-startup   # kiểm tra khởi động, không hiện cửa sổ"
)


def has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


def run_gui(db: Database, *, exit_after_startup: bool = False, started: float | None = None) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    from desk_app.ui.main_window import MainWindow

    started = time.perf_counter() if started is None else started
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
