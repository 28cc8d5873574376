"""The dossier list ("Sổ theo dõi hồ sơ"): a filter bar over a lazily fetched table.

The table model holds only the pages the clerk has scrolled to: each page is one keyset query of
:mod:`desk_app.services.dossier_list`, run through the injected runner (never on the GUI thread in the application),
and a header click asks the service for the other order instead of sorting in Python. The timeliness shown and
coloured comes with each row from the service; nothing here judges a deadline.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.domain.lifecycle import Status
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_list import (
    PAGE_SIZE,
    PRESETS_VN,
    Cursor,
    FilterOptions,
    ListFilter,
    ListRow,
    Page,
    SortKey,
    count,
    filter_options,
    page,
)
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex

SEARCH_DELAY_MS = 300
SEARCH_PLACEHOLDER = "Tìm mã hồ sơ, CCCD, điện thoại, họ tên, địa chỉ… (không cần dấu)"
ANY_DATE = QDate(2000, 1, 1)  # the date edits' "Mọi ngày": their minimum, shown as that text

# (header, the service's sort key or None when the column cannot be sorted)
COLUMNS: tuple[tuple[str, SortKey | None], ...] = (
    ("Mã hồ sơ", "code"),
    ("Người nộp", "applicant_name"),
    ("Thủ tục", None),
    ("Ngày nhận", "received_at"),
    ("Hẹn trả", "due_at"),
    ("Trạng thái", "status"),
    ("Tiến độ", None),
)
COL_CODE, COL_NAME, COL_PROCEDURE, COL_RECEIVED, COL_DUE, COL_STATUS, COL_PROGRESS = range(len(COLUMNS))
_NEWEST_FIRST = {"received_at"}  # a first click sorts newest first; on the others A→Z, soonest due first

# Tones for early / on time / late (and overdue) / due today: a light row background, a darker text colour.
TONES: dict[str, tuple[str, str]] = {
    "early": ("#e4f4e8", "#1b6e35"),
    "on_time": ("#e6eef9", "#1f4e8c"),
    "late": ("#fde4e6", "#b00020"),
    "due_today": ("#fff1cc", "#7a4f00"),
}
DUE_TODAY_VN = "Đến hạn hôm nay"


def tone(row: ListRow) -> str | None:
    """Which colour a row takes, from the service's judgement: late or overdue first, then due today."""
    if row.timeliness in ("late", "overdue"):
        return "late"
    if row.due_today:
        return "due_today"
    if row.timeliness in ("early", "on_time"):
        return row.timeliness
    return None


def progress_text(row: ListRow) -> str:
    if row.due_today and row.timeliness == "within":
        return DUE_TODAY_VN
    return row.timeliness_vn or ""


def _when(moment: Any) -> str:
    return f"{moment:%d/%m/%Y %H:%M}"


def count_text(n: int) -> str:
    return f"{n:,}".replace(",", ".") + " hồ sơ"


class DossierTableModel(QAbstractTableModel):
    """Rows fetched a page at a time (keyset), as the view scrolls; sorting and filtering re-query the service."""

    failed = Signal(object)  # the exception the service raised (a DomainError carries the message and field)
    sort_refused = Signal()  # a header without a sort key was clicked

    def __init__(self, ctx: ServiceContext, runner: Runner, page_size: int = PAGE_SIZE,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner
        self.page_size = page_size
        self._filter = ListFilter()
        self._sort: SortKey = "received_at"
        self._descending = True
        self._rows: list[ListRow] = []
        self._cursor: Cursor | None = None
        self._exhausted = True
        self._loading = False
        self._started = False
        self._generation = 0  # bumped by every re-query: a page that comes back for an older one is dropped
        self.fetches = 0  # pages asked for since the model was made (tests and diagnostics)

    # -- the query -------------------------------------------------------------------------------------------
    @property
    def list_filter(self) -> ListFilter:
        return self._filter

    @property
    def sort_key(self) -> SortKey:
        return self._sort

    @property
    def descending(self) -> bool:
        return self._descending

    @property
    def loading(self) -> bool:
        return self._loading

    def sort_column(self) -> int:
        return next(i for i, (_, key) in enumerate(COLUMNS) if key == self._sort)

    def set_query(self, flt: ListFilter, sort: SortKey | None = None, descending: bool | None = None) -> None:
        """Start over with this filter (and order): the table empties and the first page is fetched."""
        self._filter = flt
        if sort is not None:
            self._sort = sort
        if descending is not None:
            self._descending = descending
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._cursor = None
        self._exhausted = False
        self._loading = False
        self._started = True
        self.endResetModel()
        self._fetch()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or COLUMNS[column][1] is None:
            self.sort_refused.emit()
            return
        key = COLUMNS[column][1]
        assert key is not None
        descending = order == Qt.SortOrder.DescendingOrder
        if self._started and (key, descending) == (self._sort, self._descending):
            return
        self.set_query(self._filter, key, descending)

    # -- fetching --------------------------------------------------------------------------------------------
    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008 - Qt's own default
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008 - Qt's own default
        if parent.isValid():
            return
        self._fetch()

    def _fetch(self) -> None:
        if self._loading or self._exhausted:
            return  # one page in flight at a time
        self._loading = True
        self.fetches += 1
        generation = self._generation
        ctx, flt, sort, descending, after, limit = (self._ctx, self._filter, self._sort, self._descending,
                                                    self._cursor, self.page_size)

        def work() -> Page:
            return page(ctx, flt, sort, descending, after, limit)

        def done(result: Page) -> None:
            if generation != self._generation:
                return
            self._loading = False
            if result.rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(result.rows) - 1)
                self._rows.extend(result.rows)
                self.endInsertRows()
            self._cursor = result.next_cursor
            self._exhausted = result.next_cursor is None

        def fail(error: BaseException) -> None:
            if generation != self._generation:
                return
            self._loading = False
            self._exhausted = True  # no retry loop: the clerk changes the filter or refreshes
            self.failed.emit(error)

        self._runner.submit(work, done, fail)

    # -- the table -------------------------------------------------------------------------------------------
    def row_at(self, row: int) -> ListRow:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        title, key = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.InitialSortOrderRole and key is not None:
            return Qt.SortOrder.DescendingOrder if key in _NEWEST_FIRST else Qt.SortOrder.AscendingOrder
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Bấm để sắp xếp theo {title.lower()}" if key else None
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_PROCEDURE:
                return row.procedure_name
            if column == COL_PROGRESS:
                return row.timeliness_vn
            return None
        if role == Qt.ItemDataRole.UserRole:
            return row.code
        shade = tone(row)
        if role == Qt.ItemDataRole.BackgroundRole and shade is not None:
            return QBrush(QColor(TONES[shade][0]))
        if role == Qt.ItemDataRole.ForegroundRole and shade is not None and column in (COL_DUE, COL_PROGRESS):
            return QBrush(QColor(TONES[shade][1]))
        if role == Qt.ItemDataRole.FontRole and shade is not None and column == COL_PROGRESS:
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _text(row: ListRow, column: int) -> str:
        if column == COL_CODE:
            return row.code
        if column == COL_NAME:
            return row.applicant_name
        if column == COL_PROCEDURE:
            return row.procedure_name
        if column == COL_RECEIVED:
            return _when(row.received_at)
        if column == COL_DUE:
            return _when(row.due_at)
        if column == COL_STATUS:
            return row.status_vn
        return progress_text(row)


class _AnyDateEdit(QDateEdit):
    """A date that may be "Mọi ngày" (its minimum); from there its calendar opens on the current month and Up/Down
    start at today, not in 2000."""

    def __init__(self, object_name: str, today: Callable[[], dt.date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self.setObjectName(object_name)
        self.setCalendarPopup(True)
        self.setDisplayFormat("dd/MM/yyyy")
        self.setMinimumDate(ANY_DATE)
        self.setSpecialValueText("Mọi ngày")
        self.setDate(ANY_DATE)
        self.calendarWidget().installEventFilter(self)

    def value(self) -> Any:
        """The chosen day as a ``datetime.date``, or None for any day."""
        return None if self.date() == ANY_DATE else self.date().toPython()

    def clear_value(self) -> None:
        self.setDate(ANY_DATE)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Typing a date works from "Mọi ngày" ("05032026", "5/3/2026", "05.03.2026"); Delete goes back to it.

        QDateTimeEdit alone cannot type over its special value text, and takes the "/" typed after a day that
        already moved on to the month as a character of the month."""
        typed = event.text()
        if event.key() == Qt.Key.Key_Delete:
            self.clear_value()
            return
        if self.date() == ANY_DATE and typed.isdigit():
            today = self._today()
            self.setDate(QDate(today.year, today.month, today.day))
            self.setSelectedSection(QDateTimeEdit.Section.DaySection)
        if typed and typed in "/.-":
            edit = self.lineEdit()
            position = edit.selectionStart() if edit.hasSelectedText() else edit.cursorPosition()
            if position > 0 and edit.text()[position - 1] == "/":
                return  # already past this separator: the section before it filled up and moved on
            event = QKeyEvent(event.type(), Qt.Key.Key_Slash, event.modifiers(), "/")
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        # Tab leaves the field, as in every other field of the bar (QDateTimeEdit would walk its sections, and with
        # the special value text shown it never leaves at all: a keyboard trap). Typing "05/03/2026" fills it.
        return QAbstractSpinBox.focusNextPrevChild(self, next)

    def stepBy(self, steps: int) -> None:
        """Up / Down (or the wheel) from "Mọi ngày" start at today rather than at 02/01/2000."""
        if self.date() == ANY_DATE:
            today = self._today()
            self.setDate(QDate(today.year, today.month, today.day))
            return
        super().stepBy(steps)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.calendarWidget() and event.type() == QEvent.Type.Show and self.date() == ANY_DATE:
            today = self._today()
            self.calendarWidget().setCurrentPage(today.year, today.month)
        return super().eventFilter(watched, event)


class DossierListView(QWidget):
    """Sổ theo dõi hồ sơ: search, quick filters, the other filters, the count, and the table."""

    open_requested = Signal(str)  # the dossier code the clerk opened (Enter or double click on its row)

    def __init__(self, ctx: ServiceContext, runner: Runner, parent: QWidget | None = None, *,
                 page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.setObjectName("dossierList")
        self._ctx = ctx
        self._runner = runner
        self._count_generation = 0
        self._options: FilterOptions | None = None

        self.search = QLineEdit()
        self.search.setObjectName("dossierSearch")
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Tìm hồ sơ")
        search_label = QLabel("&Tìm (Ctrl+F):")
        search_label.setBuddy(self.search)
        self.count_label = QLabel("")
        self.count_label.setObjectName("dossierCount")
        count_font = QFont()
        count_font.setBold(True)
        self.count_label.setFont(count_font)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count_label.setMinimumWidth(130)

        self.presets = QButtonGroup(self)
        preset_style = ("QPushButton { padding: 4px 8px; border: 1px solid #9aa5b1; border-radius: 3px; "
                        "background: #f6f7f9; } QPushButton:hover { background: #e8edf3; } "
                        "QPushButton:focus { border: 1px solid #1f4e8c; } "
                        "QPushButton:checked { background: #1f4e8c; color: white; border: 1px solid #173b69; }")
        self.presets.setExclusive(True)
        self.preset_buttons: dict[str, QPushButton] = {}
        preset_row = QHBoxLayout()
        preset_row.setSpacing(6)
        for code, title in (("all", "Tất cả"), *PRESETS_VN.items()):
            button = QPushButton(title)
            button.setObjectName(f"preset_{code}")
            button.setCheckable(True)
            button.setStyleSheet(preset_style)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.presets.addButton(button)
            self.preset_buttons[code] = button
            preset_row.addWidget(button)
            button.clicked.connect(self._apply_now)
        preset_row.addStretch(1)  # the dates and "Bỏ lọc" follow, on the right
        self.preset_buttons["all"].setChecked(True)

        self.status_combo = self._combo("statusFilter", "Mọi trạng thái", 15)
        self.procedure_combo = self._combo("procedureFilter", "Mọi thủ tục", 22)
        self.procedure_combo.view().setMinimumWidth(560)  # the list opens wide enough for the full names
        self.field_combo = self._combo("fieldFilter", "Mọi lĩnh vực", 13)
        self.field_combo.view().setMinimumWidth(240)
        self.channel_combo = self._combo("channelFilter", "Mọi kênh", 10)
        self.date_from = _AnyDateEdit("dateFrom", lambda: ctx.clock.now().date())
        self.date_to = _AnyDateEdit("dateTo", lambda: ctx.clock.now().date())
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._apply_later)
        self.clear_button = QPushButton("Bỏ lọc")
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.clicked.connect(self.clear_filters)

        filter_row = QHBoxLayout()
        filter_row.setSpacing(6)
        captions = (("Trạng thái:", self.status_combo, filter_row), ("Thủ tục:", self.procedure_combo, filter_row),
                    ("Lĩnh vực:", self.field_combo, filter_row), ("Kênh:", self.channel_combo, filter_row),
                    ("Nhận từ ngày:", self.date_from, preset_row), ("đến:", self.date_to, preset_row))
        for caption, widget, row in captions:
            label = QLabel(caption)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        filter_row.addStretch(1)
        preset_row.addSpacing(12)
        preset_row.addWidget(self.clear_button)

        self.message = QLabel("")
        self.message.setObjectName("dossierListMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()

        self.model = DossierTableModel(ctx, runner, page_size, self)
        self.table = QTableView()
        self.table.setObjectName("dossierTable")
        self.table.setAccessibleName("Sổ theo dõi hồ sơ")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicator(COL_RECEIVED, Qt.SortOrder.DescendingOrder)
        for column, width in ((COL_CODE, 205), (COL_NAME, 175), (COL_RECEIVED, 122), (COL_DUE, 122),
                              (COL_STATUS, 140), (COL_PROGRESS, 150)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(COL_PROCEDURE, QHeaderView.ResizeMode.Stretch)
        self.model.failed.connect(self._show_error)
        self.model.sort_refused.connect(self._restore_sort_indicator)
        self.table.activated.connect(self._open)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        layout.addLayout(top)
        layout.addLayout(preset_row)
        layout.addLayout(filter_row)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._apply_now)
        self.search.textChanged.connect(self._apply_later)
        self.search.returnPressed.connect(self._apply_now)
        self.search.installEventFilter(self)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

        order: list[QWidget] = [self.search, *self.preset_buttons.values(), self.date_from, self.date_to,
                                self.clear_button, self.status_combo, self.procedure_combo, self.field_combo,
                                self.channel_combo, self.table]  # as the eye reads the bar
        for before, after in pairwise(order):
            self.setTabOrder(before, after)

        self._runner.submit(lambda: filter_options(ctx), self._fill_options, self._show_error)
        self.table.setSortingEnabled(True)  # sorts by the indicator (received, newest first): the first query
        self._refresh_count()

    # -- public ----------------------------------------------------------------------------------------------
    def apply_preset(self, name: str) -> None:
        """Show one quick filter ("due_today", "due_soon", "overdue", "waiting_supplement",
        "ready_not_collected", "apology_needed"; "all" or "" for none) at once."""
        key = name or "all"
        if key not in self.preset_buttons:
            raise ValueError(f"unknown preset: {name}")
        self.preset_buttons[key].setChecked(True)
        self._apply_now()

    def search_for(self, text: str) -> None:
        """Show the dossiers matching ``text`` at once (the main window's scan field hands over a search)."""
        self.search.blockSignals(True)
        self.search.setText(text)
        self.search.blockSignals(False)
        self._apply_now()

    def refresh(self) -> None:
        """Fetch the list and its count again with the filters as they are (after a change elsewhere)."""
        self._timer.stop()
        self.model.set_query(self.current_filter())
        self._refresh_count()

    def clear_filters(self) -> None:
        for combo in (self.status_combo, self.procedure_combo, self.field_combo, self.channel_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for edit in (self.date_from, self.date_to):
            edit.blockSignals(True)
            edit.clear_value()
            edit.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.preset_buttons["all"].setChecked(True)
        self._apply_now()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def selected_code(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()).code if index.isValid() else None

    def current_filter(self) -> ListFilter:
        checked = self.presets.checkedButton()
        preset = next((code for code, b in self.preset_buttons.items() if b is checked and code != "all"), None)
        status = self.status_combo.currentData()
        return ListFilter(
            status=Status(status) if status else None,
            preset=preset,  # type: ignore[arg-type]  # one of PRESETS_VN's keys
            procedure_code=self.procedure_combo.currentData() or None,
            field_code=self.field_combo.currentData() or None,
            channel=self.channel_combo.currentData() or None,
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            text=self.search.text().strip(),
        )

    # -- filters ---------------------------------------------------------------------------------------------
    def _combo(self, object_name: str, everything: str, width_chars: int) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(object_name)
        combo.setMinimumContentsLength(width_chars)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.addItem(everything, None)
        combo.currentIndexChanged.connect(self._apply_now)
        return combo

    def _fill_options(self, options: FilterOptions) -> None:
        self._options = options
        for combo, items in ((self.status_combo, options.statuses), (self.procedure_combo, options.procedures),
                             (self.field_combo, options.fields), (self.channel_combo, options.channels)):
            combo.blockSignals(True)
            for option in items:
                shown = f"{option.code} – {option.name}" if combo is self.procedure_combo else option.name
                combo.addItem(shown, option.code)
                if combo is self.procedure_combo:
                    combo.setItemData(combo.count() - 1, option.name, Qt.ItemDataRole.ToolTipRole)
            combo.blockSignals(False)

    def _apply_later(self) -> None:
        self._timer.start()

    def _apply_now(self) -> None:
        self._timer.stop()
        flt = self.current_filter()
        if flt == self.model.list_filter and self.message.isHidden():
            return  # nothing changed (Enter after the delay already applied it)
        self._clear_error()
        self.model.set_query(flt)
        self._refresh_count()

    def _refresh_count(self) -> None:
        self._count_generation += 1
        generation = self._count_generation
        ctx, flt = self._ctx, self.current_filter()
        self.count_label.setText("Đang đếm…")

        def done(n: int) -> None:
            if generation == self._count_generation:
                self.count_label.setText(count_text(n))

        def fail(error: BaseException) -> None:
            if generation == self._count_generation:
                self.count_label.setText("")  # the page's own failure says why

        self._runner.submit(lambda: count(ctx, flt), done, fail)

    # -- feedback --------------------------------------------------------------------------------------------
    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            text = error.message
            target: QWidget | None = {"text": self.search, "date_from": self.date_from,
                                      "date_to": self.date_to}.get(error.field or "")
        else:
            log.error("dossier list failed: %s", type(error).__name__)
            text = "Không tải được danh sách hồ sơ. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên."
            target = None
        self.message.setText(text)
        self.message.show()
        self.count_label.setText("")
        if target is not None:
            target.setStyleSheet("border: 1px solid #b00020;")
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clear_error(self) -> None:
        self.message.hide()
        self.message.setText("")
        for widget in (self.search, self.date_from, self.date_to):
            widget.setStyleSheet("")

    def _restore_sort_indicator(self) -> None:
        header = self.table.horizontalHeader()
        order = Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder
        QTimer.singleShot(0, lambda: header.setSortIndicator(self.model.sort_column(), order))

    # -- keyboard and opening --------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                self._apply_now()
                return True
            if event.key() == Qt.Key.Key_Down and self.model.rowCount() > 0:
                self.table.setFocus(Qt.FocusReason.TabFocusReason)
                if not self.table.currentIndex().isValid():
                    self.table.setCurrentIndex(self.model.index(0, 0))
                self.table.selectRow(self.table.currentIndex().row())
                return True
        return super().eventFilter(watched, event)

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.row_at(index.row()).code)


__all__ = ["COLUMNS", "DossierListView", "DossierTableModel", "count_text", "progress_text", "tone"]
