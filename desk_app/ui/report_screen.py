"""Báo cáo: Biểu số 06 for a month, a quarter, a year or chosen dates; shown as the table, printed, or saved as
PDF or Excel. The figures come from the report service, built in the runner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services.context import ServiceContext
from desk_app.services.national_export import write_national
from desk_app.services.report_model import COLUMNS, Figures, StatisticsReport
from desk_app.services.report_output import period_of, report_for, report_print_job, save_report
from desk_app.ui.intake import Output
from desk_app.ui.worker import Runner

HEADERS = ("Lĩnh vực", "Tổng nhận", "Trực tuyến", "Trực tiếp, BC", "Kỳ trước", "Đã giải quyết", "Trước hạn",
           "Đúng hạn", "Quá hạn", "Đang giải quyết", "Trong hạn", "Quá hạn", "Từ chối", "Rút")
KINDS = (("month", "Tháng"), ("quarter", "Quý"), ("year", "Năm"), ("custom", "Từ ngày … đến ngày …"))


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class ReportScreen(QWidget):
    def __init__(self, ctx: ServiceContext, runner: Runner, output: Output, parent: QWidget | None = None, *,
                 choose_path: Callable[[QWidget, str], str] | None = None,
                 choose_national_path: Callable[[QWidget, str], str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportScreen")
        self.ctx = ctx
        self.runner = runner
        self.output = output
        self._choose_path = choose_path or _choose_path
        self._choose_national_path = choose_national_path or _choose_national_path
        self.report: StatisticsReport | None = None
        today = ctx.clock.now().date()
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("reportKind")
        for key, label in KINDS:
            self.kind.addItem(label, key)
        self.number = QSpinBox()
        self.number.setObjectName("reportNumber")
        self.year = QSpinBox()
        self.year.setObjectName("reportYear")
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.date_from = QDateEdit(_qdate(today.replace(day=1)))
        self.date_from.setObjectName("reportFrom")
        self.date_to = QDateEdit(_qdate(today))
        self.date_to.setObjectName("reportTo")
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
        self.build_button = QPushButton("Lập báo cáo (Ctrl+Enter)")
        self.build_button.setObjectName("reportBuild")
        self.print_button = QPushButton("In / xem PDF (Ctrl+P)")
        self.print_button.setObjectName("reportPrint")
        self.save_button = QPushButton("Lưu PDF hoặc Excel (Ctrl+S)")
        self.save_button.setObjectName("reportSave")
        self.year_label, self.from_label, self.to_label = QLabel("năm"), QLabel("từ"), QLabel("đến")
        for widget in (QLabel("Kỳ báo cáo:"), self.kind, self.number, self.year_label, self.year, self.from_label,
                       self.date_from, self.to_label, self.date_to, self.build_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        layout.addLayout(bar)

        self.title = QLabel("Biểu số 06/VPCP/KSTT — chọn kỳ và bấm Lập báo cáo.")
        self.title.setObjectName("reportTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("reportTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.summary = QLabel()
        self.summary.setObjectName("reportSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.message = QLabel()
        self.message.setObjectName("reportMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        # The period's dossiers for the national exchange: the leader's or the administrator's (the service refuses
        # anyone else); the ID numbers only when they tick it, and the audit record says so.
        national = QHBoxLayout()
        self.national_button = QPushButton("Xuất tệp trao đổi với hệ thống quốc gia (JSON)…")
        self.national_button.setObjectName("nationalExport")
        self.national_ids = QCheckBox("kèm số CCCD của người nộp (chỉ khi cấp trên yêu cầu)")
        self.national_ids.setObjectName("nationalIncludeIds")
        national.addWidget(self.national_button)
        national.addWidget(self.national_ids)
        national.addStretch(1)
        layout.addLayout(national)
        for widget in (self.national_button, self.national_ids):
            widget.setVisible(ctx.role in ("admin", "leader", "system"))
        self.national_button.clicked.connect(self.export_national)

        self.kind.currentIndexChanged.connect(lambda _=0: self._kind_changed())
        self.build_button.clicked.connect(self.build)
        self.print_button.clicked.connect(self.print_report)
        self.save_button.clicked.connect(self.save)
        for keys, slot in (("Ctrl+Return", self.build), ("Ctrl+Enter", self.build), ("Ctrl+P", self.print_report),
                           ("Ctrl+S", self.save)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._kind_changed()
        self.number.setValue(today.month)
        self._set_ready(False)

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.number.setVisible(kind in ("month", "quarter"))
        self.number.setRange(1, 12 if kind == "month" else 4)
        self.number.setPrefix("Tháng " if kind == "month" else "Quý ")
        for widget in (self.year, self.year_label):
            widget.setVisible(kind != "custom")
        for widget in (self.date_from, self.date_to, self.from_label, self.to_label):
            widget.setVisible(kind == "custom")

    def period(self) -> tuple[dt.date, dt.date]:
        kind = self.kind.currentData()
        if kind == "custom":
            return _pydate(self.date_from.date()), _pydate(self.date_to.date())
        return period_of(kind, self.year.value(), self.number.value())

    def _set_ready(self, ready: bool) -> None:
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "color: #0d652d;")

    def build(self) -> None:
        date_from, date_to = self.period()
        ctx = self.ctx
        self.build_button.setEnabled(False)
        self._say("Đang lập báo cáo…")
        self.runner.submit(lambda: report_for(ctx, date_from, date_to), self._show, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.build_button.setEnabled(True)
        message = error.message if isinstance(error, DomainError) else (
            f"Không lập được báo cáo ({type(error).__name__}); báo quản trị viên.")
        self._say(message, error=True)

    def _show(self, report: StatisticsReport) -> None:
        self.build_button.setEnabled(True)
        self.report = report
        self.title.setText(f"TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC — {report.unit_name} — từ ngày "
                           f"{report.date_from:%d/%m/%Y} đến ngày {report.date_to:%d/%m/%Y}")
        rows: list[tuple[str, Figures]] = [(r.field_name, r.figures) for r in report.rows]
        rows.append(("Tổng cộng", report.total))
        self.table.setRowCount(len(rows))
        for index, (name, figures) in enumerate(rows):
            values = figures.as_dict()
            cells = [name, *(f"{values[key]:,}".replace(",", ".") for key in COLUMNS)]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if name == "Tổng cộng":
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        sat, share = report.satisfaction, report.satisfaction.percentages()
        text = (f"Mức độ hài lòng ({sat.total} lượt đánh giá): Rất hài lòng {sat.very_satisfied} "
                f"({share['very_satisfied']} %), Hài lòng {sat.satisfied} ({share['satisfied']} %), Không hài lòng "
                f"{sat.unsatisfied} ({share['unsatisfied']} %).")
        if report.satisfaction_by_clerk:
            text += " Theo cán bộ: " + "; ".join(
                f"{clerk}: {s.very_satisfied}/{s.satisfied}/{s.unsatisfied}"
                for clerk, s in sorted(report.satisfaction_by_clerk.items())) + "."
        if report.total.resolved_late or report.total.pending_overdue:
            text += (f" Hồ sơ trễ hạn: {report.total.resolved_late} đã giải quyết quá hạn, "
                     f"{report.total.pending_overdue} đang quá hạn (danh sách trong tệp Excel).")
        self.summary.setText(text)
        self._set_ready(True)
        self._say("Đã lập báo cáo; các số liệu đã được kiểm tra khớp nhau.")

    def print_report(self) -> None:
        if self.report is None:
            return
        try:
            job = report_print_job(self.ctx, self.report)
        except DomainError as error:
            self._say(error.message, error=True)
            return
        self.output.deliver(job)

    def export_national(self) -> None:
        start, end = self.period()
        path = self._choose_national_path(self, f"trao-doi-quoc-gia-{start:%Y%m%d}-{end:%Y%m%d}.json")
        if not path:
            return
        try:
            count = write_national(self.ctx, start, end, Path(path), include_id_numbers=self.national_ids.isChecked())
        except DomainError as error:
            self._say(error.message, error=True)
            return
        with_ids = " (kèm số CCCD; đã ghi vào nhật ký kiểm tra)" if self.national_ids.isChecked() else ""
        self._say(f"Đã xuất {count} hồ sơ ra {path}{with_ids}.")

    def save(self) -> None:
        if self.report is None:
            return
        suggested = f"bieu-06-{self.report.date_from:%Y%m%d}-{self.report.date_to:%Y%m%d}.xlsx"
        path = self._choose_path(self, suggested)
        if not path:
            return
        try:
            written = save_report(self.ctx, self.report, Path(path))
        except DomainError as error:
            self._say(error.message, error=True)
            return
        self._say(f"Đã lưu {written}.")


def _choose_national_path(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Xuất tệp trao đổi quốc gia", suggested, "Tệp JSON (*.json)")
    return path


def _choose_path(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Lưu báo cáo", suggested,
                                          "Bảng tính Excel (*.xlsx);;Bản in PDF (*.pdf)")
    return path
