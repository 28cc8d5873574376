"""The deadlines dashboard ("Theo dõi hạn giải quyết"): the first screen a leader sees.

Seven count tiles (overdue, apology needed, due today, due within 2 working days, waiting for the citizen, result
ready but not collected, received today), each a focusable button that opens the matching list of the ledger
(:attr:`Dashboard.open_preset`); the urgent ones coloured while they hold dossiers; a note on what "Cần xin lỗi"
means; the two charts of the last 12 months. Figures, deadlines and what is urgent all come from
:mod:`desk_app.services.dashboard`, loaded through the injected runner; this widget decides nothing.

The window wires it: ``open_preset`` to the ledger's ``apply_preset`` (received today opens the whole ledger, "all",
newest first: today's receipts are at its top), ``urgent`` to its notice and the system tray, and calls
:meth:`Dashboard.refresh` after connecting ``urgent`` (the start-up notice) and on its timer.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desk_app.services.context import ServiceContext
from desk_app.services.dashboard import DashboardCounts, DashboardData, dashboard_data, urgent_text
from desk_app.services.dossier_list import PRESETS_VN
from desk_app.ui.charts import OnTimeChart, ReceivedChart, thousands
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

# (count, the list it opens, its caption, its colour while it holds dossiers), in reading order: trouble first.
TILES: tuple[tuple[str, str, str, str | None], ...] = (
    ("overdue", "overdue", PRESETS_VN["overdue"], "red"),
    ("apology_needed", "apology_needed", PRESETS_VN["apology_needed"], "amber"),
    ("due_today", "due_today", PRESETS_VN["due_today"], "amber"),
    ("due_soon", "due_soon", PRESETS_VN["due_soon"], None),
    ("waiting_supplement", "waiting_supplement", PRESETS_VN["waiting_supplement"], None),
    ("ready_not_collected", "ready_not_collected", PRESETS_VN["ready_not_collected"], None),
    ("received_today", "all", "Tiếp nhận hôm nay", None),  # the whole ledger, newest first
)
TILE_PRESETS: dict[str, str] = {key: preset for key, preset, _, _ in TILES}

# (background, border, figure colour) of a tile: plain, or alarmed red / amber.
TONES: dict[str | None, tuple[str, str, str]] = {
    None: ("#f6f7f9", "#c5ccd4", "#2b3440"),
    "red": ("#fde4e6", "#d9727e", "#b00020"),
    "amber": ("#fff1cc", "#e0b040", "#7a4f00"),
}

APOLOGY_NOTE = (
    "<b>Cần xin lỗi</b>: hồ sơ hẹn trả vào ngày làm việc tiếp theo, chưa có kết quả và chưa hẹn lại. Nếu không kịp "
    "trả đúng hẹn, phải gửi phiếu xin lỗi và hẹn lại ngày trả (Mẫu 04) chậm nhất trước ngày hẹn một ngày, tức là "
    "ngay trong hôm nay, và chỉ được hẹn lại một lần. Hồ sơ đến hạn hôm nay không còn hẹn lại được."
)
RECEIVED_TITLE = "Hồ sơ tiếp nhận theo tháng, theo kênh nộp (12 tháng gần nhất)"
ON_TIME_TITLE = "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn theo tháng (so với hạn ban đầu)"
LOAD_FAILED = "Không tải được số liệu theo dõi. Hãy bấm Làm mới; nếu vẫn lỗi, báo quản trị viên."


class CountTile(QPushButton):
    """A count and its caption; clicking it, or Enter / Space while it has the focus, opens its list."""

    def __init__(self, key: str, caption: str, tone: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.caption_text = caption
        self.tone = tone
        self.count: int | None = None
        self.setObjectName(f"tile_{key}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(112)
        self.setMinimumWidth(130)
        self.value = QLabel("–")
        self.value.setObjectName(f"tile_{key}_value")
        figure = QFont(self.font())
        figure.setPointSize(26)
        figure.setBold(True)
        self.value.setFont(figure)
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(caption)
        self.caption.setObjectName(f"tile_{key}_caption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.caption.setWordWrap(True)
        for label in (self.value, self.caption):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(2)
        layout.addWidget(self.value)
        layout.addWidget(self.caption, 1)
        self._paint(alarmed=False)
        self.setAccessibleName(caption)

    def set_count(self, count: int) -> None:
        self.count = count
        self.value.setText(thousands(count))
        self._paint(alarmed=self.tone is not None and count > 0)
        self.setAccessibleName(f"{self.caption_text}: {thousands(count)} hồ sơ")
        self.setToolTip(f"{self.caption_text}: {thousands(count)} hồ sơ. Bấm (hoặc Enter) để mở danh sách.")

    @property
    def alarmed(self) -> bool:
        return self.tone is not None and bool(self.count)

    def _paint(self, *, alarmed: bool) -> None:
        background, border, figure = TONES[self.tone if alarmed else None]
        name = self.objectName()
        self.setStyleSheet(
            f"QPushButton#{name} {{ background: {background}; border: 1px solid {border}; border-radius: 6px; }}"
            f"QPushButton#{name}:hover {{ border: 1px solid #1f4e8c; }}"
            f"QPushButton#{name}:focus {{ border: 3px solid #1f4e8c; }}"
            f"QPushButton#{name}:pressed {{ background: #dfe6ee; }}"
        )
        self.value.setStyleSheet(f"color: {figure}; background: transparent;")
        self.caption.setStyleSheet(f"color: {'#2b3440' if not alarmed else figure}; background: transparent;")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.click()  # outside a dialog a push button takes only Space; a clerk presses Enter
            return
        super().keyPressEvent(event)


class Dashboard(QWidget):
    """Theo dõi hạn giải quyết: the counts that open the lists, the urgent notice, the charts."""

    open_preset = Signal(str)  # the dossier list preset to show ("all" for received today)
    urgent = Signal(str)  # the Vietnamese notice when something became urgent since the last refresh

    def __init__(self, ctx: ServiceContext, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self._ctx = ctx
        self._runner = runner
        self._generation = 0
        self._series_wanted = True
        self._previous: DashboardCounts | None = None
        self.last_notice: str | None = None

        title = QLabel("Theo dõi hạn giải quyết hồ sơ")
        title.setObjectName("dashboardTitle")
        title_font = QFont(self.font())
        title_font.setPointSize(16)
        title_font.setBold(True)
        title.setFont(title_font)
        self.updated = QLabel("Đang tải số liệu…")
        self.updated.setObjectName("dashboardUpdated")
        self.updated.setStyleSheet("color: #5a6570;")
        self.refresh_button = QPushButton("Làm mới")
        self.refresh_button.setObjectName("dashboardRefresh")
        self.refresh_button.setToolTip("Đếm lại các hồ sơ và vẽ lại biểu đồ")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.updated)
        header.addSpacing(8)
        header.addWidget(self.refresh_button)

        self.tiles: dict[str, CountTile] = {}
        tiles = QGridLayout()
        tiles.setHorizontalSpacing(8)
        for column, (key, preset, caption, tone) in enumerate(TILES):
            tile = CountTile(key, caption, tone)
            tile.clicked.connect(lambda _checked=False, p=preset: self.open_preset.emit(p))
            self.tiles[key] = tile
            tiles.addWidget(tile, 0, column)
            tiles.setColumnStretch(column, 1)

        self.note = QLabel(APOLOGY_NOTE)
        self.note.setObjectName("apologyNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setStyleSheet("color: #4a5560; background: #fffaf0; border: 1px solid #f0dca8; "
                                "border-radius: 4px; padding: 6px;")

        self.message = QLabel("")
        self.message.setObjectName("dashboardMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()

        self.received_chart = ReceivedChart()
        self.on_time_chart = OnTimeChart()
        self.received_box = QGroupBox(RECEIVED_TITLE)
        self.received_box.setObjectName("receivedBox")
        self.on_time_box = QGroupBox(ON_TIME_TITLE)
        self.on_time_box.setObjectName("onTimeBox")
        charts = QHBoxLayout()
        charts.setSpacing(10)
        for box, chart in ((self.received_box, self.received_chart), (self.on_time_box, self.on_time_chart)):
            inner = QVBoxLayout(box)
            inner.setContentsMargins(6, 6, 6, 6)
            inner.addWidget(chart)
            charts.addWidget(box, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(tiles)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addLayout(charts, 1)

        for before, after in zip(list(self.tiles.values()), [*list(self.tiles.values())[1:], self.refresh_button],
                                 strict=True):
            self.setTabOrder(before, after)

    # -- public --------------------------------------------------------------------------------------------------
    @property
    def counts(self) -> DashboardCounts | None:
        """The counts shown (None before the first refresh came back)."""
        return self._previous

    def refresh(self, charts: bool = True) -> None:
        """Load the counts (and, unless ``charts`` is False, the monthly series) through the runner; when they come
        back, show them and emit ``urgent`` if something became urgent since the last refresh. The window's minute
        timer may pass ``charts=False``: the series change slowly and cost more."""
        self._generation += 1
        generation = self._generation
        self._series_wanted = self._series_wanted or charts
        ctx, series = self._ctx, self._series_wanted

        def done(data: DashboardData) -> None:
            if generation == self._generation:
                self._show(data)

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            log.error("dashboard refresh failed: %s", type(error).__name__)
            self.message.setText(LOAD_FAILED)
            self.message.show()

        self._runner.submit(lambda: dashboard_data(ctx, series=series), done, failed)

    def focus_first_tile(self) -> None:
        next(iter(self.tiles.values())).setFocus(Qt.FocusReason.OtherFocusReason)

    # -- showing ---------------------------------------------------------------------------------------------------
    def _show(self, data: DashboardData) -> None:
        self.message.hide()
        counts = data.counts
        for key, tile in self.tiles.items():
            tile.set_count(counts.of(key))
        self.updated.setText(f"Số liệu lúc {data.as_of:%H:%M} ngày {data.as_of:%d/%m/%Y}")
        if data.series is not None:
            self._series_wanted = False
            self.received_chart.set_points(data.series)
            self.on_time_chart.set_points(data.series)
            if data.series:  # the current month is only partly over: say so, or its short bar looks like a fall
                self.received_box.setTitle(f"{RECEIVED_TITLE[:-1]}; {data.series[-1].label} tính đến ngày "
                                           f"{data.as_of:%d/%m})")
        notice = urgent_text(counts, self._previous)
        self._previous = counts
        if notice is not None:
            self.last_notice = notice
            self.urgent.emit(notice)


__all__ = ["TILES", "TILE_PRESETS", "CountTile", "Dashboard"]
