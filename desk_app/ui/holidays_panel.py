"""The holidays of a year on the settings screen: the official periods off and make-up working days, editable by
the administrator, and the days off that the deadlines will count with them (as the service computes them).

The panel never decides a rule: it shows what :mod:`desk_app.services.holidays_admin` returns, sends the rows back
as they stand, and shows a refusal at the row and cell it names.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services.context import ServiceContext
from desk_app.services.holidays_admin import (
    FIRST_YEAR,
    LAST_YEAR,
    DayEntry,
    MakeupEntry,
    PeriodEntry,
    YearView,
    default_year,
    import_year_file,
    occasion_choices,
    parse_days,
    preview_year,
    save_year,
    year_schedule,
)
from desk_app.services.settings_admin import can_edit_settings
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

ChooseFile = Callable[[QWidget], str | None]

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"
BAD_CELL = "border: 2px solid #b00020;"
EXTRA_DAY_OFF = "Nghỉ thêm (không thay ngày lễ nào)"
DATE_FORMAT = "dd/MM/yyyy"

PERIOD_COLUMNS = ("Tên đợt nghỉ", "Từ ngày", "Đến ngày", "Thay cho ngày lễ", "Nghỉ hoán đổi")
PERIOD_FIELDS = ("name", "start", "end", "occasions", "swapped")
MAKEUP_COLUMNS = ("Ngày làm bù", "Lý do")
MAKEUP_FIELDS = ("date", "name")
DAY_COLUMNS = ("Ngày", "Thứ", "Loại", "Tên")

KIND_COLOURS = {
    "holiday": "#fde7e9",
    "compensatory": "#fff3e0",
    "swapped": "#fff8e1",
    "optional": "#f3e5f5",
    "makeup_working": "#e3f2fd",
}


def _pick_file(parent: QWidget) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Chọn tệp lịch nghỉ chính thức", "",
                                          "Lịch nghỉ (*.json);;Mọi tệp (*)")
    return path or None


def _date_edit(day: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setDisplayFormat(DATE_FORMAT)
    edit.setCalendarPopup(True)
    return edit


def allow_edits(widget: QWidget, editable: bool) -> None:
    """Read-only text stays readable (and copyable); other controls are disabled."""
    if isinstance(widget, (QLineEdit, QAbstractSpinBox)):
        widget.setReadOnly(not editable)
    else:
        widget.setEnabled(editable)


def _fmt(days: Sequence[dt.date]) -> str:
    return ", ".join(f"{d:%d/%m/%Y}" for d in days)


class HolidaysPanel(QWidget):
    """See a year's holidays; the administrator edits, saves or imports them."""

    def __init__(self, ctx: ServiceContext, runner: Runner, parent: QWidget | None = None, *,
                 choose_file: ChooseFile | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("holidaysPanel")
        self.ctx = ctx
        self.runner = runner
        self.choose_file: ChooseFile = choose_file or _pick_file
        self.editable = can_edit_settings(ctx)
        self.view: YearView | None = None
        self._marked: list[QWidget] = []

        # -- the year and where its schedule comes from ------------------------------------------------------
        self.year = QSpinBox()
        self.year.setObjectName("holidayYear")
        self.year.setRange(FIRST_YEAR, LAST_YEAR)
        self.year.setValue(default_year(ctx))
        self.year.setKeyboardTracking(False)  # typing "2027" loads 2027, not 2, 20, 202
        self.year.setAccessibleName("Năm")
        self.year.valueChanged.connect(lambda _: self.load())
        self.origin = QLabel()
        self.origin.setObjectName("holidayOrigin")
        self.note = QLineEdit()
        self.note.setObjectName("holidayNote")
        self.note.setPlaceholderText("Văn bản căn cứ, ví dụ Thông báo lịch nghỉ lễ, Tết của Thủ tướng Chính phủ")
        self.notice = QLabel("Chỉ quản trị viên được thay đổi lịch nghỉ lễ; bạn đang xem ở chế độ chỉ đọc.")
        self.notice.setObjectName("holidaysReadOnly")
        self.notice.setStyleSheet("background: #fff8e1; padding: 4px;")
        self.notice.setVisible(not self.editable)

        top = QHBoxLayout()
        year_label = QLabel("Năm:")
        year_label.setBuddy(self.year)
        top.addWidget(year_label)
        top.addWidget(self.year)
        top.addSpacing(12)
        top.addWidget(self.origin, 1)
        note_row = QHBoxLayout()
        note_label = QLabel("Căn cứ:")
        note_label.setBuddy(self.note)
        note_row.addWidget(note_label)
        note_row.addWidget(self.note, 1)

        # -- the periods off -----------------------------------------------------------------------------------
        self.periods = self._table("holidayPeriods", PERIOD_COLUMNS)
        header = self.periods.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 102), (2, 102), (3, 150), (4, 112)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.periods.setColumnWidth(column, width)
        self.periods_error = self._error_label("holidayPeriodsError")
        self.add_period = QPushButton("Thêm đợt nghỉ")
        self.add_period.setObjectName("addPeriod")
        self.add_period.clicked.connect(lambda: self._add_period_row(None, focus=True))
        self.remove_period = QPushButton("Xóa đợt nghỉ đang chọn")
        self.remove_period.setObjectName("removePeriod")
        self.remove_period.clicked.connect(lambda: self._remove_row(self.periods))
        periods_box = self._box("Các đợt nghỉ lễ, Tết", self.periods, self.periods_error,
                                (self.add_period, self.remove_period))

        # -- the make-up working days --------------------------------------------------------------------------
        self.makeups = self._table("holidayMakeups", MAKEUP_COLUMNS)
        self.makeups.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.makeups.setColumnWidth(0, 130)
        self.makeups_error = self._error_label("holidayMakeupsError")
        self.add_makeup = QPushButton("Thêm ngày làm bù")
        self.add_makeup.setObjectName("addMakeup")
        self.add_makeup.clicked.connect(lambda: self._add_makeup_row(None, focus=True))
        self.remove_makeup = QPushButton("Xóa ngày làm bù đang chọn")
        self.remove_makeup.setObjectName("removeMakeup")
        self.remove_makeup.clicked.connect(lambda: self._remove_row(self.makeups))
        makeups_box = self._box("Ngày làm bù (thứ Bảy, Chủ nhật đi làm)", self.makeups, self.makeups_error,
                                (self.add_makeup, self.remove_makeup))

        # -- the resulting days off ----------------------------------------------------------------------------
        self.days = QTableWidget(0, len(DAY_COLUMNS))
        self.days.setObjectName("holidayDaysOff")
        self.days.setHorizontalHeaderLabels(list(DAY_COLUMNS))
        self.days.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.days.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.days.verticalHeader().setVisible(False)
        self.days.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.days.setColumnWidth(0, 84)
        self.days.setColumnWidth(1, 68)
        self.days.setColumnWidth(2, 98)
        self.days.verticalHeader().setDefaultSectionSize(24)
        self.days.setWordWrap(False)  # one line a day; the full name is in the tooltip
        self.summary = QLabel()
        self.summary.setObjectName("holidaySummary")
        self.summary.setWordWrap(True)
        self.preview_state = QLabel()
        self.preview_state.setObjectName("holidayPreviewState")
        self.preview_state.setStyleSheet("color: #8a6d00;")
        days_box = QGroupBox("Ngày nghỉ của năm theo lịch làm việc (ngoài nghỉ hằng tuần)")
        days_layout = QVBoxLayout(days_box)
        days_layout.addWidget(self.days, 1)
        days_layout.addWidget(self.preview_state)
        days_layout.addWidget(self.summary)

        # -- actions ---------------------------------------------------------------------------------------------
        self.error = self._error_label("holidayError")
        self.message = QLabel()
        self.message.setObjectName("holidayMessage")
        self.message.setWordWrap(True)
        self.preview_button = QPushButton("Xem trước ngày nghỉ")
        self.preview_button.setObjectName("previewYear")
        self.preview_button.clicked.connect(self.preview)
        self.import_button = QPushButton("Nhập lịch chính thức từ tệp…")
        self.import_button.setObjectName("importHolidays")
        self.import_button.clicked.connect(self.import_file)
        self.save_button = QPushButton("Lưu năm (Ctrl+S)")
        self.save_button.setObjectName("saveYear")
        self.save_button.setDefault(False)
        self.save_button.clicked.connect(self.save)
        actions = QHBoxLayout()
        actions.addWidget(self.message, 1)
        actions.addWidget(self.preview_button)
        actions.addWidget(self.import_button)
        actions.addWidget(self.save_button)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(periods_box, 3)
        left.addWidget(makeups_box, 2)
        columns.addLayout(left, 3)
        columns.addWidget(days_box, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(top)
        layout.addLayout(note_row)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        layout.addLayout(actions)

        allow_edits(self.note, self.editable)
        for widget in (self.add_period, self.remove_period, self.add_makeup, self.remove_makeup,
                       self.import_button, self.save_button):
            widget.setEnabled(self.editable)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.load()

    # -- building blocks ------------------------------------------------------------------------------------------
    def _table(self, name: str, columns: Sequence[str]) -> QTableWidget:
        table = QTableWidget(0, len(columns))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(list(columns))
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setTabKeyNavigation(False)  # Tab moves through the cell editors, as through a form
        return table

    @staticmethod
    def _error_label(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.setVisible(False)
        return label

    @staticmethod
    def _box(title: str, table: QTableWidget, error: QLabel, buttons: Sequence[QPushButton]) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.addWidget(table, 1)
        layout.addWidget(error)
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        return box

    def _cells(self, table: QTableWidget, row: int) -> list[QWidget]:
        return [table.cellWidget(row, column) for column in range(table.columnCount())]

    def _track(self, table: QTableWidget, widgets: Sequence[QWidget]) -> None:
        for widget in widgets:
            allow_edits(widget, self.editable)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Focus in a cell editor selects its row, so "remove" removes the row being edited."""
        for table in (self.periods, self.makeups):
            widget = new
            while widget is not None and widget.parentWidget() is not table.viewport():
                widget = widget.parentWidget()
            if widget is not None:
                index = table.indexAt(widget.pos())
                if index.isValid() and index != table.currentIndex():
                    table.setCurrentCell(index.row(), index.column())  # selects the row, keeps this cell
                return

    def _add_period_row(self, period: PeriodEntry | None, *, focus: bool = False) -> None:
        if period is None:
            day = self._default_new_day()
            period = PeriodEntry("", day, day)
        row = self.periods.rowCount()
        self.periods.insertRow(row)
        name = QLineEdit(period.name)
        name.setCursorPosition(0)  # a long name shows its beginning
        name.setToolTip(period.name)
        name.setObjectName(f"periodName_{row}")
        name.setPlaceholderText("Ví dụ: Nghỉ bù do bão")
        start, end = _date_edit(period.start), _date_edit(period.end)
        start.setObjectName(f"periodStart_{row}")
        end.setObjectName(f"periodEnd_{row}")
        occasion = QComboBox()
        occasion.setObjectName(f"periodOccasions_{row}")
        occasion.addItem(EXTRA_DAY_OFF, "")  # data: the occasions joined by commas (Qt keeps strings as they are)
        names = dict(occasion_choices())
        for value, label in occasion_choices():
            occasion.addItem(label, value)
        current = ",".join(period.occasions)
        if len(period.occasions) > 1:
            occasion.addItem(" và ".join(names.get(o, o) for o in period.occasions), current)
        index = occasion.findData(current)
        occasion.setCurrentIndex(max(index, 0))
        occasion.setToolTip("Ngày lễ mà đợt nghỉ này thay cho (lịch chính thức thay quy tắc của Bộ luật Lao động)")
        swapped = QLineEdit(_fmt(period.swapped))
        swapped.setObjectName(f"periodSwapped_{row}")
        swapped.setPlaceholderText("dd/mm/yyyy, …")
        swapped.setToolTip("Những ngày làm việc trong đợt nghỉ được đổi lấy một ngày làm bù (nghỉ hoán đổi)")
        cells: list[QWidget] = [name, start, end, occasion, swapped]
        for column, widget in enumerate(cells):
            self.periods.setCellWidget(row, column, widget)
        self._track(self.periods, cells)
        if focus:
            self.periods.setCurrentCell(row, 0)
            self.periods.scrollToBottom()
            name.setFocus()

    def _add_makeup_row(self, makeup: MakeupEntry | None, *, focus: bool = False) -> None:
        if makeup is None:
            makeup = MakeupEntry(self._default_new_day(), "")
        row = self.makeups.rowCount()
        self.makeups.insertRow(row)
        date = _date_edit(makeup.date)
        date.setObjectName(f"makeupDate_{row}")
        name = QLineEdit(makeup.name)
        name.setCursorPosition(0)
        name.setObjectName(f"makeupName_{row}")
        name.setPlaceholderText("Ví dụ: Làm bù cho ngày nghỉ hoán đổi 02/01")
        cells: list[QWidget] = [date, name]
        for column, widget in enumerate(cells):
            self.makeups.setCellWidget(row, column, widget)
        self._track(self.makeups, cells)
        if focus:
            self.makeups.setCurrentCell(row, 0)
            self.makeups.scrollToBottom()
            date.setFocus()

    def _default_new_day(self) -> dt.date:
        """A new row starts on today's date if the year shown is this year, else on 1 January of that year."""
        today = self.ctx.clock.now().date()
        year = self.year.value()
        return today if today.year == year else dt.date(year, 1, 1)

    def _remove_row(self, table: QTableWidget) -> None:
        row = table.currentRow()
        if row < 0:
            selected = table.selectionModel().selectedRows()
            row = selected[0].row() if selected else table.rowCount() - 1
        if row < 0:
            return
        for widget in self._cells(table, row):
            widget.setObjectName("")  # Qt deletes it later; until then it must not answer to its row's name
        table.removeRow(row)
        self._renumber(table)
        self._mark_stale()

    def _renumber(self, table: QTableWidget) -> None:
        for row in range(table.rowCount()):
            for widget in self._cells(table, row):
                base = widget.objectName().rsplit("_", 1)[0]
                widget.setObjectName(f"{base}_{row}")

    # -- reading the rows -------------------------------------------------------------------------------------------
    def entries(self) -> tuple[list[PeriodEntry], list[MakeupEntry]]:
        """The rows as they stand (a malformed list of swapped days is refused at its cell)."""
        periods = []
        for row in range(self.periods.rowCount()):
            name, start, end, occasion, swapped = self._cells(self.periods, row)
            assert isinstance(name, QLineEdit) and isinstance(swapped, QLineEdit)
            assert isinstance(start, QDateEdit) and isinstance(end, QDateEdit) and isinstance(occasion, QComboBox)
            periods.append(PeriodEntry(
                name=name.text().strip(),
                start=start.date().toPython(),
                end=end.date().toPython(),
                occasions=tuple(o for o in str(occasion.currentData() or "").split(",") if o),
                swapped=parse_days(swapped.text(), field=f"periods.{row}.swapped"),
            ))
        makeups = []
        for row in range(self.makeups.rowCount()):
            date, name = self._cells(self.makeups, row)
            assert isinstance(date, QDateEdit) and isinstance(name, QLineEdit)
            makeups.append(MakeupEntry(date.date().toPython(), name.text().strip()))
        return periods, makeups

    # -- talking to the service --------------------------------------------------------------------------------------
    def load(self) -> None:
        year = self.year.value()
        self._clear_errors()
        self.runner.submit(partial(year_schedule, self.ctx, year), self._show, self._failed)

    def preview(self) -> None:
        self._clear_errors()
        try:
            periods, makeups = self.entries()
        except DomainError as error:
            self._failed(error)
            return
        year, note = self.year.value(), self.note.text()
        self.runner.submit(partial(preview_year, self.ctx, year, periods, makeups, note), self._show_days,
                           self._failed)

    def save(self) -> None:
        if not self.editable:
            self._show_error("Chỉ quản trị viên được thay đổi lịch nghỉ lễ.", None)
            return
        self._clear_errors()
        try:
            periods, makeups = self.entries()
        except DomainError as error:
            self._failed(error)
            return
        year, note = self.year.value(), self.note.text()
        self.save_button.setEnabled(False)
        self.runner.submit(partial(save_year, self.ctx, year, periods, makeups, note), self._saved, self._failed)

    def import_file(self) -> None:
        path = self.choose_file(self)
        if not path:
            return
        self._clear_errors()
        self.runner.submit(partial(import_year_file, self.ctx, Path(path)),
                           lambda years: self._imported(years, Path(path).name), self._failed)

    # -- results -----------------------------------------------------------------------------------------------------
    def _show(self, view: YearView) -> None:
        self.view = view
        self.origin.setText(f"<b>{view.origin_label}</b>")
        self.note.setText(view.note)
        for table in (self.periods, self.makeups):
            table.setRowCount(0)
        for period in view.periods:
            self._add_period_row(period)
        for makeup in view.makeups:
            self._add_makeup_row(makeup)
        self._show_days(view, preview=False)

    def _show_days(self, view: YearView, preview: bool = True) -> None:
        days: list[DayEntry] = sorted([*view.days_off, *view.makeup_working], key=lambda d: d.date)
        self.days.setRowCount(len(days))
        for row, day in enumerate(days):
            values = (f"{day.date:%d/%m/%Y}", day.weekday, day.kind_label, day.name)
            colour = QBrush(QColor(KIND_COLOURS.get(day.kind, "#ffffff")))
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(day.name)
                item.setBackground(colour)
                if day.on_rest_day and column < 2:
                    item.setForeground(QBrush(QColor("#6d6d6d")))
                if day.kind == "makeup_working" and column == 2:
                    font = QFont()
                    font.setBold(True)
                    item.setFont(font)
                self.days.setItem(row, column, item)
        self.summary.setText(view.summary)
        self.preview_state.setText("Xem trước: chưa lưu. Bấm “Lưu năm” để áp dụng." if preview else "")

    def _saved(self, view: YearView) -> None:
        self.save_button.setEnabled(self.editable)
        self._show(view)
        self._say(f"Đã lưu lịch nghỉ năm {view.year}. Hạn giải quyết hồ sơ mới sẽ tính theo lịch này.")

    def _imported(self, years: list[int], name: str) -> None:
        listed = ", ".join(str(y) for y in years)
        if self.year.value() not in years and years:
            self.year.blockSignals(True)
            self.year.setValue(years[0])
            self.year.blockSignals(False)
        self.load()
        self._say(f"Đã nhập lịch nghỉ năm {listed} từ tệp {name}.")

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(self.editable)
        if isinstance(error, DomainError):
            self._show_error(error.message, error.field)
            return
        log.error("holidays panel: %s", type(error).__name__, exc_info=error)
        self._show_error("Có lỗi không mong đợi khi xử lý lịch nghỉ; xem nhật ký của phần mềm.", None)

    # -- messages -----------------------------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.message.setStyleSheet(OK_STYLE)
        self.message.setText(text)

    def _clear_errors(self) -> None:
        for label in (self.error, self.periods_error, self.makeups_error):
            label.clear()
            label.setVisible(False)
        for widget in self._marked:
            widget.setStyleSheet("")
        self._marked.clear()
        self.message.clear()

    def _mark_stale(self) -> None:
        self.preview_state.setText("Danh sách ngày nghỉ chưa tính theo các thay đổi: bấm “Xem trước ngày nghỉ”.")

    def _show_error(self, message: str, field: str | None) -> None:
        """The refusal under the table it concerns, the named cell outlined in red and focused."""
        parts = (field or "").split(".")
        tables = {"periods": (self.periods, self.periods_error, PERIOD_FIELDS),
                  "makeups": (self.makeups, self.makeups_error, MAKEUP_FIELDS)}
        if parts[0] in tables:
            table, label, fields = tables[parts[0]]
            label.setText(message)
            label.setVisible(True)
            if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < table.rowCount():
                row = int(parts[1])
                column = fields.index(parts[2]) if len(parts) >= 3 and parts[2] in fields else 0
                table.setCurrentCell(row, column)
                widget = table.cellWidget(row, column)
                table.scrollTo(table.model().index(row, column))
                widget.setStyleSheet(BAD_CELL)
                self._marked.append(widget)
                widget.setFocus()
            return
        target = {"year": self.year, "note": self.note}.get(parts[0])
        self.error.setText(message)
        self.error.setVisible(True)
        if target is not None:
            target.setFocus()
