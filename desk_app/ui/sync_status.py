"""The sync part of the main window's status bar: last success, events waiting, events set aside (in red; a click
opens their list), and whether the upper level can be reached.

The figures come from ``sync_status(ctx)`` (the engine's status, read on each refresh: after every save and every
sync); reachability comes from the automatic sync's probe and from each sync's outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from desk_app.services.clock import local
from desk_app.services.context import ServiceContext
from desk_app.ui.auto_sync import SyncBackend
from desk_app.ui.worker import Runner

if TYPE_CHECKING:
    from desk_app.sync.engine import SyncProgress
    from desk_app.sync.status import SyncStatus

log = logging.getLogger(__name__)

OK_STYLE = "color: #1b5e20;"
WARN_STYLE = "color: #8a4b00;"
BAD_STYLE = "color: #b00020; font-weight: bold;"
MUTED_STYLE = "color: #555555;"
SET_ASIDE_STYLE = ("QPushButton { color: #b00020; font-weight: bold; border: none; padding: 0 4px; "
                   "text-decoration: underline; background: transparent; }"
                   "QPushButton:focus { outline: 1px dotted #b00020; }")
OUTCOME_VN = {
    "ok": "thành công",
    "unreachable": "không kết nối được",
    "set_aside": "có sự kiện bị để riêng",
    "refused": "bị cấp trên từ chối",
    "not_configured": "chưa thiết lập",
    "cancelled": "đã dừng theo yêu cầu",
}


def count_text(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def when_text(moment: dt.datetime, now: dt.datetime) -> str:
    """'16:42 hôm nay', '16:42 hôm qua', '16:42 ngày 27/02/2026' (Vietnamese time)."""
    moment, now = local(moment), local(now)
    days = (now.date() - moment.date()).days
    clock = moment.strftime("%H:%M")
    if days == 0:
        return f"{clock} hôm nay"
    if days == 1:
        return f"{clock} hôm qua"
    return f"{clock} ngày {moment.strftime('%d/%m/%Y')}"


def last_success_text(status: SyncStatus, now: dt.datetime) -> str:
    if status.last_success_at is None:
        return "Chưa đồng bộ lần nào"
    return f"Đồng bộ lần cuối: {when_text(status.last_success_at, now)}"


def pending_text(pending: int) -> str:
    return "Không còn gì chờ gửi" if pending == 0 else f"{count_text(pending)} sự kiện chờ gửi"


def set_aside_text(count: int) -> str:
    return f"{count_text(count)} sự kiện bị để riêng"


def reach_text(configured: bool, reachable: bool | None) -> tuple[str, str]:
    """The reachability label's text and style."""
    if not configured:
        return "Cấp trên: chưa thiết lập đồng bộ", MUTED_STYLE
    if reachable is None:
        return "Cấp trên: đang kiểm tra kết nối…", MUTED_STYLE
    if reachable:
        return "Cấp trên: kết nối được", OK_STYLE
    return "Cấp trên: mất kết nối", WARN_STYLE


def progress_text(progress: SyncProgress | None) -> str:
    if progress is not None and progress.phase == "push" and progress.to_send:
        return f"Cấp trên: đang đồng bộ (gửi {count_text(progress.sent)}/{count_text(progress.to_send)})…"
    if progress is not None and progress.phase == "pull":
        return f"Cấp trên: đang đồng bộ (nhận {count_text(progress.received)})…"
    return "Cấp trên: đang đồng bộ…"


class SyncStatusBar(QWidget):
    """Four labels for the status bar; ``set_aside_clicked`` when the red count is clicked."""

    set_aside_clicked = Signal()

    def __init__(self, ctx: ServiceContext, backend: SyncBackend, runner: Runner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.ctx = ctx
        self.backend = backend
        self.runner = runner
        self._reading = False
        self._read_again = False
        self.status: SyncStatus | None = None
        self.reachable: bool | None = None
        self.syncing = False
        self.last = QLabel()
        self.last.setObjectName("syncLast")
        self.pending = QLabel()
        self.pending.setObjectName("syncPending")
        self.set_aside = QPushButton()
        self.set_aside.setObjectName("syncSetAside")
        self.set_aside.setFlat(True)
        self.set_aside.setCursor(Qt.CursorShape.PointingHandCursor)
        self.set_aside.setStyleSheet(SET_ASIDE_STYLE)
        self.set_aside.setToolTip("Các sự kiện cấp trên từ chối: bấm để xem mã hồ sơ, thao tác và lý do.")
        self.set_aside.clicked.connect(self.set_aside_clicked)
        self.set_aside.hide()
        self.reach = QLabel()
        self.reach.setObjectName("syncReach")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 0, 6, 0)  # apart from a status message running up to it
        row.setSpacing(3)
        for index, widget in enumerate((self.last, self.pending, self.set_aside, self.reach)):
            if index:
                separator = QLabel("·")
                separator.setStyleSheet(MUTED_STYLE)
                row.addWidget(separator)
                if widget is self.set_aside:
                    self._set_aside_separator = separator
            row.addWidget(widget)
        self._set_aside_separator.hide()
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)  # the database path gives way

    def refresh(self) -> None:
        """Read the sync status again (after a save, a sync, or on the window's minute timer), in the runner: the
        count of events waiting can be large before a first sync."""
        if self._reading:
            self._read_again = True  # one more read once this one is back, so the latest change shows
            return
        self._reading = True
        ctx, sync_status = self.ctx, self.backend.sync_status
        self.runner.submit(lambda: sync_status(ctx), self._read, self._read_failed)

    def _read(self, status: SyncStatus) -> None:
        self._reading = False
        self.status = status
        self._show()
        if self._read_again:
            self._read_again = False
            self.refresh()

    def _read_failed(self, error: BaseException) -> None:
        self._reading = False
        self._read_again = False
        log.error("sync status failed: %s", type(error).__name__)

    def set_reachable(self, reachable: bool | None) -> None:
        """True / False as probed; None when the sync is not configured (then the figures are read again: the
        address or the token has just been cleared)."""
        self.reachable = reachable
        if reachable is None and self.status is not None and self.status.configured:
            self.refresh()
        self._show()

    def sync_started(self) -> None:
        self.syncing = True
        self._show()

    def sync_progress(self, progress: SyncProgress) -> None:
        self.syncing = True
        self.reach.setText(progress_text(progress))
        self.reach.setStyleSheet(MUTED_STYLE)

    def sync_ended(self) -> None:
        self.syncing = False
        self.refresh()

    def _show(self) -> None:
        status = self.status
        if status is None:
            return
        now = self.ctx.clock.now()
        self.last.setText(last_success_text(status, now))
        self.last.setToolTip(self._attempt_tip(status, now))
        self.pending.setText(pending_text(status.pending))
        self.set_aside.setText(set_aside_text(status.set_aside))
        self.set_aside.setVisible(status.set_aside > 0)
        self._set_aside_separator.setVisible(status.set_aside > 0)
        if self.syncing:
            self.reach.setText(progress_text(None))
            self.reach.setStyleSheet(MUTED_STYLE)
            return
        text, style = reach_text(status.configured, self.reachable)
        self.reach.setText(text)
        self.reach.setStyleSheet(style)
        self.reach.setToolTip(status.hub_url if status.configured else
                              "Quản trị viên điền địa chỉ máy chủ và mã bí mật của xã trong Thiết lập → Đồng bộ cấp "
                              "trên.")

    @staticmethod
    def _attempt_tip(status: SyncStatus, now: dt.datetime) -> str:
        if status.last_attempt_at is None:
            return "Chưa đồng bộ lần nào."
        outcome = OUTCOME_VN.get(status.last_outcome or "", status.last_outcome or "")
        tip = f"Lần đồng bộ gần nhất: {when_text(status.last_attempt_at, now)}"
        if outcome:
            tip += f" — {outcome}"
        if status.last_message:
            tip += f"\n{status.last_message}"
        return tip
