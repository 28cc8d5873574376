"""Starting the Qt application around the main window."""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TYPE_CHECKING

from desk_app.services.accounts import SignedIn, context_for, needs_first_run
from desk_app.services.clock import SystemClock
from desk_app.services.context import ServiceContext
from desk_app.services.overview import desk_setting
from desk_app.store.db import Database

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QMainWindow

    from desk_app.ui.worker import ThreadRunner

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
    except ImportError as error:  # a system library Qt loads is missing: name it
        print(f"Không nạp được Qt: {error}.\nTrên Debian/Ubuntu, cài các thư viện còn thiếu bằng: "
              "bash scripts/system-deps.sh run (hoặc xem README).", file=sys.stderr)
        log.error("Qt failed to load: %s", error)
        return 1

    started = time.perf_counter() if started is None else started
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Một Cửa Desk")
    from desk_app.ui.branding import apply_branding
    from desk_app.ui.qt_vietnamese import install_vietnamese

    apply_branding(app)
    install_vietnamese(app)  # Qt's own words (right-click menus, standard buttons): Qt ships no Vietnamese
    clock = SystemClock()
    if exit_after_startup:
        return _startup_check(db, clock, started)
    install_fault_handler()
    user = sign_in(db, clock)
    if user is None:
        return 0
    window, lock = open_main_window(db, clock, user)
    from desk_app.ui.window_state import remember_geometry

    remember_geometry(window)  # where this user left it last time; saved again on close
    window.show()
    code = app.exec()
    del lock
    return code


def sign_in(db: Database, clock: SystemClock) -> SignedIn | None:
    """The first-run dialog on a new installation (its administrator is then signed in), else the login."""
    from desk_app.ui.login import FirstRunDialog, LoginDialog

    if needs_first_run(db):
        first = FirstRunDialog(db, clock)
        return first.signed_in if first.exec() else None
    commune = desk_setting(ServiceContext(db, clock, "login"), "commune_name")
    login = LoginDialog(db, clock, commune)
    return login.signed_in if login.exec() else None


def open_main_window(db: Database, clock: SystemClock, user: SignedIn) -> tuple[QMainWindow, object]:
    from desk_app.ui.lock import InactivityLock
    from desk_app.ui.main_window import MainWindow
    from desk_app.ui.printing import DocumentOutput
    from desk_app.ui.worker import ThreadRunner

    ctx = context_for(db, clock, user)
    runner = ThreadRunner()
    output = DocumentOutput(ctx, runner, None)
    syncing = sync_runner()
    from desk_app.ui.auto_backup import LOOK_MS as BACKUP_LOOK_MS

    window = MainWindow(ctx, runner, output, full_name=user.full_name, sync_runner=syncing,
                        auto_backup_ms=BACKUP_LOOK_MS)
    output.setParent(window)
    runner.setParent(window)
    syncing.setParent(window)
    output.parent_widget = window
    status = window.statusBar()
    output.printed.connect(lambda title: status.showMessage(f"Đã gửi máy in: {title}", 10_000))
    output.saved.connect(lambda path: status.showMessage(f"Đã lưu tệp PDF: {path}", 10_000))
    output.failed.connect(lambda message: window.show_problem(message))
    minutes = int(desk_setting(ctx, "lock_minutes"))
    lock = InactivityLock(window, ctx, minutes, window)
    window.attach_lock(lock, minutes)
    from PySide6.QtCore import QTimer

    from desk_app.services.print_jobs import warm_up

    # Once the window is up and idle, load the PDF machinery, so the first slip prints as fast as the next ones.
    QTimer.singleShot(3000, window, lambda: runner.submit(warm_up, lambda _: None, lambda _: None))
    return window, lock


def sync_runner() -> ThreadRunner:
    """The sync's own worker thread (syncs and reachability probes, one at a time), so a long sync with the upper
    level never holds up a print or a search in the shared pool."""
    from PySide6.QtCore import QThreadPool

    from desk_app.ui.worker import ThreadRunner

    runner = ThreadRunner()
    runner.pool = QThreadPool(runner)
    runner.pool.setMaxThreadCount(1)
    return runner


def _startup_check(db: Database, clock: SystemClock, started: float) -> int:
    """The real path to a usable window, measured: the sign-in dialog is built and shown (not waited on), then
    the main window with its data as a signed-in clerk sees it."""
    from PySide6.QtWidgets import QApplication

    from desk_app.ui.login import FirstRunDialog, LoginDialog

    if needs_first_run(db):
        dialog: QDialog = FirstRunDialog(db, clock)
    else:
        dialog = LoginDialog(db, clock, desk_setting(ServiceContext(db, clock, "login"), "commune_name"))
    dialog.show()
    QApplication.processEvents()
    dialog.close()
    window, _lock = open_main_window(db, clock, SignedIn("kiemtra", "Kiểm tra khởi động", "clerk"))
    window.show()
    QApplication.processEvents()
    print(f"{(time.perf_counter() - started) * 1000:.0f}")
    window.auto_backup.stop()  # type: ignore[attr-defined]  # a start-up check is no day's end: no backup at close
    window.close()
    return 0


def install_fault_handler() -> None:
    """A fault no service turned into a message (the disk, a database locked too long, a bug) is logged by type and
    place only, and told to the clerk in Vietnamese; the window keeps running and what was saved stays saved."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desk_app.logging_setup import fault_summary

    def hook(kind: type[BaseException], error: BaseException, tb: object) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)  # type: ignore[arg-type]
            return
        error.__traceback__ = error.__traceback__ or tb  # type: ignore[assignment]
        log.error("unexpected fault: %s", fault_summary(error))
        if QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "Một Cửa Desk",
                          f"Đã xảy ra lỗi ngoài dự kiến ({kind.__name__}). Hồ sơ đã lưu không bị mất. Thử lại thao "
                          "tác vừa làm; nếu lỗi lặp lại, báo quản trị viên (chi tiết trong thư mục logs).")
        box.addButton("Đóng", QMessageBox.ButtonRole.AcceptRole)
        box.exec()

    sys.excepthook = hook


# Qt's offscreen platform warns about this on every window; it is not a fault.
_BENIGN_QT_MESSAGES = ("does not support propagateSizeHints",)


def _qt_message(mode: object, context: object, message: str) -> None:
    if any(part in message for part in _BENIGN_QT_MESSAGES):
        return
    log.warning("Qt: %s", message)
    print(message, file=sys.stderr)
