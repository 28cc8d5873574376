"""The automatic daily backup, the backup's place in the status bar, and the "Sao lưu" menu.

:class:`AutoBackup` looks every few minutes (in its own one-thread runner, never the GUI thread): once the working
day's last office session has ended and no good backup was made since, it makes the daily backup; when the window
closes without a good backup made today, it makes one before the program ends. One backup at a time: a look, a
backup by hand and the one at closing never overlap (and the service refuses a second one anyway).

The status bar shows the last good backup; when it is older than two days (or there is none) the label turns red
and the clerk is told once, in the window's notice line. "Sao lưu ngay" (administrator and leader; the service
refuses anyone else) backs up at once; "Khôi phục…" explains why a restore is a command run with the program closed.

The service's functions come in a :class:`BackupBackend`, so tests pass fakes and a fixed clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from desk_app.domain.errors import DomainError
from desk_app.services.backup import (
    BackupResult,
    LastBackup,
    backup_age_warning,
    can_back_up,
    daily_backup_due,
)
from desk_app.services.context import ServiceContext
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

LOOK_MS = 5 * 60_000  # how often the automatic backup looks at the clock
FIRST_LOOK_MS = 10_000
RETRY_AFTER = dt.timedelta(minutes=30)  # after a failed automatic backup (the USB stick, a full disk)
CLOSE_WAIT_MS = 180_000  # the backup at closing may take a while on a large database

RESTORE_HELP = (
    "Khôi phục thay toàn bộ dữ liệu của bàn bằng một bản sao lưu, nên chỉ làm được khi phần mềm đã đóng, bằng lệnh "
    "(quản trị viên):\n\n"
    "    desk-app restore <tệp .mcbak>\n\n"
    "Lệnh kiểm tra tệp trước (mật khẩu nếu có mã hóa: thêm --passphrase-stdin), giữ lại cơ sở dữ liệu hiện tại bên "
    "cạnh (desk.db.before-restore-…) rồi mới thay; nếu tệp hỏng hoặc sai mật khẩu thì không thay đổi gì.\n\n"
    "Sau khi khôi phục, hãy đồng bộ (F12) trước khi tiếp nhận hồ sơ mới: những gì bàn đã gửi lên cấp trên sau thời "
    "điểm sao lưu sẽ được lấy lại về máy."
)


@dataclass(frozen=True)
class BackupBackend:
    """The service's entry points the window uses (the real ones, or fakes in tests)."""

    make_backup: Callable[..., BackupResult]  # make_backup(ctx, reason=...) -> BackupResult; blocking
    last_backup: Callable[[ServiceContext], LastBackup | None]
    day_end: Callable[[ServiceContext, dt.date], dt.datetime | None]
    written_since: Callable[[ServiceContext, dt.datetime], bool] = lambda _ctx, _moment: True  # anything unbacked?


def default_backup_backend() -> BackupBackend:
    from desk_app.services.backup import last_backup, make_backup, office_day_end, written_since

    return BackupBackend(make_backup=make_backup, last_backup=last_backup, day_end=office_day_end,
                         written_since=written_since)


def own_runner() -> Runner:
    """A one-thread runner: backups never queue behind prints, and never run two at once."""
    from PySide6.QtCore import QThreadPool

    from desk_app.ui.worker import ThreadRunner

    runner = ThreadRunner()
    runner.pool = QThreadPool(runner)
    runner.pool.setMaxThreadCount(1)
    return runner


def last_backup_text(last: LastBackup | None) -> str:
    if last is None:
        return "Sao lưu: chưa có"
    return f"Sao lưu: {last.at:%H:%M %d/%m}"


class AutoBackup(QObject):
    """Signals: ``notice(text)`` something the clerk must read (stale backup, a failure, a fallback folder);
    ``finished(BackupResult, origin)`` and ``failed(message, origin)`` after each run ("daily", "manual", "close")."""

    notice = Signal(str)
    cleared = Signal(str)  # a warning given earlier no longer holds (a good backup was made)
    finished = Signal(object, str)
    failed = Signal(str, str)

    def __init__(self, ctx: ServiceContext, *, runner: Runner | None = None, backend: BackupBackend | None = None,
                 now: Callable[[], dt.datetime] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner if runner is not None else own_runner()
        if isinstance(self.runner, QObject) and self.runner.parent() is None:
            self.runner.setParent(self)
        self.backend = backend or default_backup_backend()
        self._now = now or ctx.clock.now
        self.running: str | None = None  # the origin of the run under way
        self.started = False
        self.last: LastBackup | None = None
        self.failed_at: dt.datetime | None = None
        self.told_stale = False
        self.stale_text = ""  # the warning last given about the backup's age
        self.told: set[str] = set()
        self.label = QLabel()
        self.label.setObjectName("statusBackup")
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)

    # -- the automatic backup ----------------------------------------------------------------------------------------
    def start(self, look_ms: int = LOOK_MS, first_look_ms: int | None = FIRST_LOOK_MS) -> None:
        self.started = True
        self.timer.setInterval(look_ms)
        self.timer.start()
        if first_look_ms is not None:
            QTimer.singleShot(first_look_ms, self, self.check)

    def stop(self) -> None:
        self.started = False
        self.timer.stop()

    def check(self) -> None:
        """One look: the status, and the daily backup when it is due (in the runner, never twice at once)."""
        self.refresh_status()
        if self.running is not None:
            return
        now = self._now()
        if self.failed_at is not None and now - self.failed_at < RETRY_AFTER:
            return
        try:
            day_end = self.backend.day_end(self.ctx, now.date())
        except DomainError as error:  # settings that give no calendar: told at their own screen
            log.warning("automatic backup: no calendar (%s)", error.field)
            return
        if daily_backup_due(now, self.last, day_end):
            self.run("daily")

    def at_close(self) -> bool:
        """The window closes: when something was recorded after the last good backup (or there is none), make one
        now and wait for it. Returns whether one ran."""
        if not self.started:
            return False
        self.stop()
        if self.running is None:
            self.refresh_status()
            if self.last is not None and not self.last.fallback and not self.backend.written_since(self.ctx,
                                                                                                    self.last.at):
                return False
            self.run("close")
        wait = getattr(self.runner, "wait", None)
        if callable(wait):
            wait(CLOSE_WAIT_MS)
        return True

    # -- by hand ----------------------------------------------------------------------------------------------------
    def back_up_now(self) -> bool:
        """"Sao lưu ngay": False (and a notice) when one is already under way."""
        if self.running is not None:
            self.notice.emit("Đang sao lưu; chờ lần này xong.")
            return False
        self.run("manual")
        return True

    def run(self, origin: str) -> None:
        self.running = origin
        reason = "manual" if origin == "manual" else "daily"
        ctx, make = self.ctx, self.backend.make_backup
        self.label.setText("Đang sao lưu…")
        self.runner.submit(lambda: make(ctx, reason=reason), lambda result: self._done(result, origin),
                           lambda error: self._failed(error, origin))

    def _done(self, result: BackupResult, origin: str) -> None:
        self.running = None
        self.failed_at = None
        self.told_stale = False
        if result.warning:
            self._tell(f"Sao lưu tự động: {result.warning}")
        self.refresh_status()
        self.finished.emit(result, origin)

    def _failed(self, error: BaseException, origin: str) -> None:
        self.running = None
        self.failed_at = self._now()
        if isinstance(error, DomainError):
            message = f"Sao lưu không thành công: {error.message}"
        else:
            log.error("backup failed (%s): %s", origin, type(error).__name__)
            message = (f"Sao lưu không thành công do một lỗi ngoài dự kiến ({type(error).__name__}). Dữ liệu đang "
                       "dùng không bị ảnh hưởng. Báo quản trị viên (chi tiết trong thư mục logs).")
        self.refresh_status()
        if origin == "manual":
            self.failed.emit(message, origin)
        else:
            self._tell(message)
            self.failed.emit(message, origin)

    # -- what the clerk sees -----------------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        if self.running is not None:
            return
        self.last = self.backend.last_backup(self.ctx)
        warning = backup_age_warning(self.last, self._now())
        self.label.setText(last_backup_text(self.last) + (" — CŨ!" if warning and self.last else ""))
        if warning is None:
            self.label.setStyleSheet("")
            self.label.setToolTip(self._details())
            self.told_stale = False
            if self.stale_text:
                self.cleared.emit(self.stale_text)
                self.stale_text = ""
            return
        self.label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.label.setToolTip(warning)
        if not self.told_stale:
            self.told_stale = True
            self.stale_text = warning
            self.notice.emit(warning)

    def _details(self) -> str:
        last = self.last
        if last is None:
            return ""
        return (f"Bản sao lưu tốt gần nhất: {last.at:%H:%M ngày %d/%m/%Y}, {last.dossiers} hồ sơ, {last.events} sự "
                f"kiện, {'có' if last.encrypted else 'không'} mã hóa.\n{last.path}")

    def _tell(self, text: str) -> None:
        if text not in self.told:
            self.told.add(text)
            self.notice.emit(text)


def install(window: QMainWindow, ctx: ServiceContext, *, look_ms: int | None,
            backup: AutoBackup | None = None) -> AutoBackup:
    """The backup's label in ``window``'s status bar, its notices, and the "Sao lưu" menu for those who may back up.
    ``look_ms``: the automatic backup's look interval (None: no automatic backup, e.g. in tests)."""
    auto = backup or AutoBackup(ctx, parent=window)
    window.statusBar().addPermanentWidget(auto.label)
    auto.notice.connect(lambda text: _notify(window, text))
    auto.cleared.connect(lambda text: _clear(window, text))
    auto.finished.connect(lambda result, origin: _finished(window, result, origin))
    auto.failed.connect(lambda text, origin: _manual_failed(window, text) if origin == "manual" else None)
    if can_back_up(ctx):
        menu = window.menuBar().addMenu("Sao &lưu")
        now_action = QAction("Sao lưu ngay", window)
        now_action.setObjectName("backupNow")
        now_action.triggered.connect(auto.back_up_now)
        restore_action = QAction("Khôi phục…", window)
        restore_action.setObjectName("restoreHelp")
        restore_action.triggered.connect(lambda: _restore_help(window))
        menu.addAction(now_action)
        menu.addAction(restore_action)
    auto.refresh_status()
    if look_ms is not None:
        auto.start(look_ms)
    return auto


def _notify(window: Any, text: str) -> None:
    window.statusBar().showMessage(text, 60_000)
    urgent = getattr(window, "urgent_label", None)
    if isinstance(urgent, QLabel):
        urgent.setText(text)
        urgent.show()
    tray = getattr(window, "_tray_message", None)
    if callable(tray):
        tray("Một Cửa Desk — sao lưu dữ liệu", text)


def _clear(window: Any, text: str) -> None:
    urgent = getattr(window, "urgent_label", None)
    if isinstance(urgent, QLabel) and urgent.text() == text:
        urgent.hide()
        urgent.clear()


def _finished(window: Any, result: BackupResult, origin: str) -> None:
    text = f"Đã sao lưu: {result.path.name} ({result.dossiers} hồ sơ, {result.events} sự kiện)."
    window.statusBar().showMessage(text, 15_000)
    if origin == "manual":
        QMessageBox.information(window, "Sao lưu dữ liệu", f"{text}\nThư mục: {result.path.parent}"
                                + (f"\n\nLưu ý: {result.warning}" if result.warning else ""))


def _manual_failed(window: Any, text: str) -> None:
    QMessageBox.warning(window, "Sao lưu dữ liệu", text)


def _restore_help(window: Any) -> None:
    QMessageBox.information(window, "Khôi phục dữ liệu", RESTORE_HELP)
