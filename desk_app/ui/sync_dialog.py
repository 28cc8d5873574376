"""The end-of-day sync dialog, and the list of events the upper level set aside.

:class:`SyncDialog` (F12 in the main window) starts a sync through the window's :class:`SyncCoordinator`, or follows
the automatic one already under way, and shows its phase, the events sent out of those to send, the events received,
and a progress bar; "Hủy (Esc)" asks the engine to stop at its next safe point. At the end it says what went, what
was set aside and why (dossier code, the action in Vietnamese, its time, the upper level's reason), the conflicts
found while taking in other desks' events, and the engine's message. When the sync is not configured it says what
to set and where, instead of trying. The dialog is not modal: the clerk keeps working while it runs.

:class:`SetAsideDialog` lists every event set aside so far (from the status bar's red count, or the menu).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.lifecycle import EVENT_VN, EventKind
from desk_app.services.clock import local
from desk_app.services.context import ServiceContext
from desk_app.services.overview import desk_setting
from desk_app.ui.auto_sync import AUTO, SyncCoordinator
from desk_app.ui.sync_status import count_text

if TYPE_CHECKING:
    from desk_app.sync.engine import SetAsideEvent, SyncOutcome, SyncProgress

SET_ASIDE_HEADERS = ("Mã hồ sơ", "Thao tác", "Số thứ tự", "Thời điểm", "Lý do cấp trên từ chối")
OK_STYLE = "color: #1b5e20; font-weight: bold;"
WARN_STYLE = "color: #8a4b00; font-weight: bold;"
BAD_STYLE = "color: #b00020; font-weight: bold;"
PHASE_VN = {
    "connect": "Đang kết nối máy chủ cấp trên…",
    "push": "Đang gửi sự kiện lên cấp trên…",
    "pull": "Đang nhận thông tin từ cấp trên…",
    "done": "Đang hoàn tất…",
}
SYNC_SECTION = "Đồng bộ cấp trên"
RUNNING_HINT = ("Trong lúc đồng bộ, bạn vẫn tiếp nhận và xử lý hồ sơ bình thường. Đóng cửa sổ này thì đồng bộ vẫn chạy "
                "tiếp; kết quả hiện ở thanh trạng thái.")
SMALL = (760, 300)  # the dialog while it runs, or with a short outcome
LARGE = (900, 580)  # with the set-aside events or the conflicts listed


def action_vn(kind: str) -> str:
    """An event kind as the clerk knows the action ("Tiếp nhận hồ sơ"); an unknown kind as it is."""
    try:
        return EVENT_VN[EventKind(kind)]
    except (ValueError, KeyError):
        return kind


def moment_text(moment: dt.datetime) -> str:
    return local(moment).strftime("%H:%M %d/%m/%Y")


# The settings a sync needs: the label the clerk reads, and the section of Thiết lập that holds it.
NEEDED: tuple[tuple[str, str, str], ...] = (
    ("upper_level_url", "Địa chỉ máy chủ cấp trên", SYNC_SECTION),
    ("upper_level_token", "Mã bí mật của xã", SYNC_SECTION),
    ("agency_code", "Mã cơ quan", "Đơn vị"),
)


def not_configured_text(missing: Sequence[tuple[str, str]], *, admin: bool) -> str:
    """What to set, and where (``missing``: (label, settings section) pairs), when the sync cannot run."""
    missing = list(missing) or [(label, section) for _key, label, section in NEEDED[:2]]
    what = " và ".join(f"«{label}»" for label, _section in missing)
    sections = list(dict.fromkeys(section for _label, section in missing))
    place = f"Thiết lập → {sections[0]}" if len(sections) == 1 else f"Thiết lập (mục {' và '.join(sections)})"
    head = f"Còn thiếu {what}."
    keep = "Hồ sơ vẫn được lưu đầy đủ trên máy này và sẽ được gửi khi đồng bộ."
    if admin:
        return (f"{head} Vào {place} (Ctrl+5), điền các mục đó theo thông tin cấp trên cấp cho xã, lưu (Ctrl+S), "
                f"rồi đồng bộ lại (F12). {keep}")
    return f"{head} Báo quản trị viên vào {place} để điền, rồi đồng bộ lại (F12). {keep}"


def missing_settings(ctx: ServiceContext) -> list[tuple[str, str]]:
    """The settings a sync needs that are still empty (the token is only tested for emptiness, never shown)."""
    return [(label, section) for key, label, section in NEEDED if not desk_setting(ctx, key).strip()]


def headline(outcome: SyncOutcome, *, cancelled: bool) -> tuple[str, str]:
    """The first line of the summary, and its colour."""
    if outcome.status == "ok":
        if cancelled:
            return "Đã dừng đồng bộ theo yêu cầu. Những gì đã gửi được cấp trên xác nhận; phần còn lại gửi lần sau.", \
                WARN_STYLE
        return "Đồng bộ xong: cấp trên đã xác nhận mọi sự kiện đã gửi.", OK_STYLE
    if outcome.status == "cancelled":
        return "Đã dừng đồng bộ theo yêu cầu. Không mất gì: các sự kiện chưa gửi vẫn chờ và sẽ được gửi lần sau.", \
            WARN_STYLE
    if outcome.status == "unreachable":
        if cancelled:
            return "Đã dừng đồng bộ theo yêu cầu. Không mất gì: các sự kiện chưa gửi sẽ được gửi lần sau.", WARN_STYLE
        return ("Không kết nối được máy chủ cấp trên. Không mất gì: các sự kiện chưa gửi vẫn chờ và sẽ được gửi "
                "lần sau."), WARN_STYLE
    if outcome.status == "set_aside":
        count = len(outcome.set_aside)
        head = (f"Đồng bộ xong, nhưng {count_text(count)} sự kiện bị cấp trên từ chối và được để riêng (xem danh "
                "sách dưới đây).")
        if outcome.waiting:  # a refused link of the chain: what follows it cannot go up until it is settled
            return (f"{head} {count_text(outcome.waiting)} sự kiện ghi sau đó chưa gửi được vì cấp trên không nhận "
                    "tiếp chuỗi sự kiện sau sự kiện bị từ chối; liên hệ cấp trên."), BAD_STYLE
        return f"{head} Các sự kiện khác đã được cấp trên xác nhận.", BAD_STYLE
    if outcome.status == "refused":
        return "Cấp trên từ chối phiên đồng bộ.", BAD_STYLE
    return "Chưa thiết lập đồng bộ với cấp trên.", WARN_STYLE


class SetAsideTable(QTableWidget):
    """Set-aside events: dossier code, action, sequence number, time, reason. Enter or a double click on a row
    asks for the dossier (``open_requested``)."""

    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(SET_ASIDE_HEADERS), parent)
        self.setHorizontalHeaderLabels(list(SET_ASIDE_HEADERS))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        for column in range(len(SET_ASIDE_HEADERS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(SET_ASIDE_HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.cellDoubleClicked.connect(lambda row, _column: self._open(row))
        # The reasons wrap to the width their column ends up with: fit the rows once the columns have settled.
        header.sectionResized.connect(lambda *_: QTimer.singleShot(0, self, self.resizeRowsToContents))

    def show_events(self, events: Iterable[SetAsideEvent]) -> None:
        rows = list(events)
        self.setRowCount(len(rows))
        for row, event in enumerate(rows):
            cells = (event.code, action_vn(event.kind), str(event.seq), moment_text(event.at), event.reason)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)
        self.resizeRowsToContents()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self._open(self.currentRow())
            return
        super().keyPressEvent(event)

    def _open(self, row: int) -> None:
        item = self.item(row, 0)
        if item is not None:
            self.open_requested.emit(item.text())


class SetAsideDialog(QDialog):
    """Every event set aside so far, with the upper level's reasons."""

    open_requested = Signal(str)

    def __init__(self, ctx: ServiceContext, events: Sequence[SetAsideEvent], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setAsideDialog")
        self.setWindowTitle("Sự kiện bị cấp trên từ chối (để riêng)")
        self.ctx = ctx
        self.resize(960, 480)
        layout = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setObjectName("setAsideNote")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = SetAsideTable()
        self.table.setObjectName("setAsideTable")
        self.table.open_requested.connect(self.open_requested)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        hint = QLabel("Enter hoặc nhấp đúp vào một dòng: mở hồ sơ.")
        hint.setStyleSheet("color: #555555;")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        close = QPushButton("Đóng (Esc)")
        close.setObjectName("setAsideClose")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.show_events(events)

    def show_events(self, events: Sequence[SetAsideEvent]) -> None:
        if events:
            self.note.setText(
                f"{count_text(len(events))} sự kiện bị cấp trên từ chối nên được để riêng. Chúng không bị xóa và "
                "không chặn các sự kiện khác. Xem lý do từng dòng; nếu cần, báo quản trị viên hoặc cấp trên để xử "
                "lý.")
        else:
            self.note.setText("Không có sự kiện nào bị cấp trên từ chối.")
        self.table.show_events(events)
        if events:
            self.table.selectRow(0)
        self.table.setFocus()


class SyncDialog(QDialog):
    """The end-of-day sync: progress while it runs, then what went and what failed and why.

    ``open_requested(code)`` asks the window for a dossier (a set-aside row); ``settings_requested`` for the
    settings (the administrator's button when sync is not configured).
    """

    open_requested = Signal(str)
    settings_requested = Signal()

    def __init__(self, ctx: ServiceContext, coordinator: SyncCoordinator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncDialog")
        self.setWindowTitle("Đồng bộ cuối ngày")
        self.setModal(False)
        self.ctx = ctx
        self.coordinator = coordinator
        self.following = False  # showing the run under way (ours, or the automatic one it joined)
        self.cancel_asked = False
        self.outcome: SyncOutcome | None = None
        self.resize(*SMALL)

        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("syncHeading")
        font = self.heading.font()
        font.setBold(True)
        font.setPointSize(font.pointSize() + 2)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.phase = QLabel()
        self.phase.setObjectName("syncPhase")
        self.phase.setWordWrap(True)
        layout.addWidget(self.phase)
        self.bar = QProgressBar()
        self.bar.setObjectName("syncProgressBar")
        self.bar.setTextVisible(True)
        layout.addWidget(self.bar)
        self.counts = QLabel()
        self.counts.setObjectName("syncCounts")
        layout.addWidget(self.counts)
        self.message = QLabel()
        self.message.setObjectName("syncMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.hint = QLabel(RUNNING_HINT)
        self.hint.setObjectName("syncHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555555;")
        layout.addWidget(self.hint)

        self.set_aside_caption = QLabel("Sự kiện bị cấp trên từ chối (để riêng, không bị xóa):")
        self.set_aside_caption.setObjectName("syncSetAsideCaption")
        self.set_aside_caption.setStyleSheet(BAD_STYLE)
        layout.addWidget(self.set_aside_caption)
        self.set_aside = SetAsideTable()
        self.set_aside.setObjectName("syncSetAsideTable")
        self.set_aside.open_requested.connect(self.open_requested)
        layout.addWidget(self.set_aside, 2)
        self.conflicts_caption = QLabel("Xung đột khi nhận sự kiện của bàn khác hoặc của cấp trên (đã ghi nhận, "
                                        "không làm dừng đồng bộ):")
        self.conflicts_caption.setObjectName("syncConflictsCaption")
        self.conflicts_caption.setWordWrap(True)
        self.conflicts_caption.setStyleSheet(WARN_STYLE)
        layout.addWidget(self.conflicts_caption)
        self.conflicts = QListWidget()
        self.conflicts.setObjectName("syncConflicts")
        self.conflicts.setWordWrap(True)
        layout.addWidget(self.conflicts, 1)
        self.spacer = QWidget()
        layout.addWidget(self.spacer, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.settings_button = QPushButton("Mở Thiết lập đồng bộ")
        self.settings_button.setObjectName("syncOpenSettings")
        self.settings_button.setAutoDefault(False)
        self.settings_button.clicked.connect(self._open_settings)
        self.again_button = QPushButton("Đồng bộ lại (F12)")
        self.again_button.setObjectName("syncAgain")
        self.again_button.setAutoDefault(False)
        self.again_button.clicked.connect(self.begin)
        self.cancel_button = QPushButton("Hủy (Esc)")
        self.cancel_button.setObjectName("syncCancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Đóng (Esc)")
        self.close_button.setObjectName("syncClose")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        for button in (self.settings_button, self.again_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("F12"), self).activated.connect(self._again_shortcut)

        coordinator.started.connect(self._started)
        coordinator.progressed.connect(self._progressed)
        coordinator.finished.connect(self._finished)
        coordinator.faulted.connect(self._faulted)
        self._results_visible(False)
        self.settings_button.hide()
        self.again_button.hide()

    # -- starting -------------------------------------------------------------------------------------------------
    def begin(self) -> None:
        """Start a sync, or follow the one under way; when sync is not configured, say what to set instead."""
        self.heading.setText(f"Đồng bộ với {desk_setting(self.ctx, 'upper_level_name')}")
        if self.coordinator.busy:
            self._follow(joined=True)
            return
        if missing_settings(self.ctx):  # settings only: nothing to count, nothing to try
            self._show_not_configured()
            return
        self._follow(joined=False)
        if not self.coordinator.start("manual"):
            self._follow(joined=True)

    def _follow(self, *, joined: bool) -> None:
        self.following = True
        self.cancel_asked = False
        self.outcome = None
        self._results_visible(False)
        self.settings_button.hide()
        self.again_button.hide()
        self.close_button.hide()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Hủy (Esc)")
        self.phase.setStyleSheet("")
        self.message.setStyleSheet("")
        self.message.clear()
        if joined and self.coordinator.origin == AUTO:
            self.message.setText("Đồng bộ tự động đang chạy; theo dõi tại đây.")
        progress = self.coordinator.last_progress if joined else None
        if progress is not None:
            self._progressed(progress)
        else:
            self.phase.setText(PHASE_VN["connect"])
            self.bar.show()
            self.bar.setRange(0, 0)  # busy until the engine says how many
            self.counts.setText("")
        self.hint.show()
        self.cancel_button.setFocus()

    # -- while it runs --------------------------------------------------------------------------------------------
    def _started(self, _origin: str) -> None:
        if self.following:
            self.phase.setText(PHASE_VN["connect"])

    def _progressed(self, progress: SyncProgress) -> None:
        if not self.following:
            return
        if not self.coordinator.cancelling:
            self.phase.setText(PHASE_VN.get(progress.phase, progress.message))
        self.bar.show()
        if progress.phase == "push" and progress.to_send > 0:
            self.bar.setRange(0, progress.to_send)
            self.bar.setValue(min(progress.sent, progress.to_send))
            self.bar.setFormat(f"{count_text(progress.sent)}/{count_text(progress.to_send)} sự kiện")
        elif progress.phase == "done":
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
            self.bar.setFormat("%p%")
        else:
            self.bar.setRange(0, 0)
        self.counts.setText(self._counts(progress.sent, progress.to_send, progress.received))
        if progress.message:
            self.message.setText(progress.message)

    @staticmethod
    def _counts(sent: int, to_send: int, received: int) -> str:
        went = f"Đã gửi: {count_text(sent)}/{count_text(to_send)} sự kiện" if to_send else \
            f"Đã gửi: {count_text(sent)} sự kiện"
        return f"{went}   ·   Đã nhận: {count_text(received)} sự kiện"

    def cancel(self) -> None:
        if not self.following:
            return
        self.coordinator.cancel()
        self.cancel_asked = True
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Đang dừng…")
        self.phase.setText("Đang dừng: chờ bước đang làm xong để không mất và không gửi trùng sự kiện nào…")

    # -- the end --------------------------------------------------------------------------------------------------
    def _finished(self, outcome: SyncOutcome, _origin: str) -> None:
        if not self.following:
            return
        self.following = False
        self.outcome = outcome
        if outcome.status == "not_configured":
            self._show_not_configured(outcome.message)
            return
        text, style = headline(outcome, cancelled=self.cancel_asked)
        self.phase.setText(text)
        self.phase.setStyleSheet(style)
        if outcome.status in ("ok", "set_aside"):
            self.bar.show()
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
            self.bar.setFormat("Xong")
        else:
            self.bar.hide()
        took = f"{local(outcome.started_at):%H:%M:%S}–{local(outcome.finished_at):%H:%M:%S}"
        counts = (f"Đã gửi: {count_text(outcome.sent)} sự kiện   ·   Đã nhận: {count_text(outcome.received)} sự "
                  f"kiện   ·   Bị để riêng: {count_text(len(outcome.set_aside))}   ·   Thời gian: {took}")
        self.counts.setText(counts)
        lines = [outcome.message] if outcome.message else []
        pending = self.coordinator.backend.sync_status(self.ctx).pending
        if pending:
            lines.append(f"Còn {count_text(pending)} sự kiện chờ gửi lần sau.")
        self.message.setText("\n".join(lines))
        self.message.setStyleSheet("")
        self.set_aside.show_events(outcome.set_aside)
        self.conflicts.clear()
        self.conflicts.addItems(list(outcome.conflicts))
        self._results_visible(True, set_aside=bool(outcome.set_aside), conflicts=bool(outcome.conflicts))
        self._ended()
        if outcome.set_aside or outcome.conflicts:
            self.resize(max(self.width(), LARGE[0]), max(self.height(), LARGE[1]))

    def _faulted(self, message: str, _origin: str) -> None:
        if not self.following:
            return
        self.following = False
        self.phase.setText("Đồng bộ chưa xong.")
        self.phase.setStyleSheet(BAD_STYLE)
        self.bar.hide()
        self.message.setText(message)
        self._ended()

    def _show_not_configured(self, message: str = "") -> None:
        """What to set and where; the engine's own message only when no setting is found empty (then it knows)."""
        admin = self.ctx.role in ("admin", "system")
        missing = missing_settings(self.ctx)
        text = not_configured_text(missing, admin=admin) if missing or not message else message
        self.following = False
        self.phase.setText("Chưa thiết lập đồng bộ với cấp trên.")
        self.phase.setStyleSheet(WARN_STYLE)
        self.bar.hide()
        self.counts.clear()
        self.message.setText(text)
        self.message.setStyleSheet("")
        self._results_visible(False)
        self._ended()
        self.again_button.hide()
        self.settings_button.setVisible(admin)
        if admin:
            self.settings_button.setFocus()

    def _ended(self) -> None:
        self.hint.hide()
        self.cancel_button.hide()
        self.close_button.show()
        self.again_button.show()
        self.close_button.setFocus()

    def _results_visible(self, visible: bool, *, set_aside: bool = False, conflicts: bool = False) -> None:
        for widget in (self.set_aside_caption, self.set_aside):
            widget.setVisible(visible and set_aside)
        for widget in (self.conflicts_caption, self.conflicts):
            widget.setVisible(visible and conflicts)
        self.spacer.setVisible(not (visible and (set_aside or conflicts)))

    def _open_settings(self) -> None:
        self.settings_requested.emit()
        self.close()

    def _again_shortcut(self) -> None:
        if not self.following:
            self.begin()

    # -- closing --------------------------------------------------------------------------------------------------
    def reject(self) -> None:
        """Esc: stops the sync while it runs (the dialog stays to say how it ended); closes it afterwards."""
        if self.following:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's close button while the sync runs: the dialog goes away, the sync goes on in the background
        and its result shows in the status bar."""
        if self.following:
            self.following = False
            self.hide()
            event.accept()
            return
        super().closeEvent(event)
