"""Bảng kê phí, lệ phí: the day's fees at this desk with their total, to hand the cash over; printable."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services import counter
from desk_app.services.context import ServiceContext
from desk_app.ui.intake import Output

HEADERS = ("Mã hồ sơ", "Giờ nhận", "Người nộp", "Thủ tục", "Số tiền", "Ghi chú")


class FeeListDialog(QDialog):
    def __init__(self, ctx: ServiceContext, output: Output, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("feeListDialog")
        self.setWindowTitle("Bảng kê thu phí, lệ phí trong ngày")
        self.ctx = ctx
        self.output = output
        self.resize(960, 560)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Ngày:"))
        self.day = QDateEdit()
        self.day.setObjectName("feeListDay")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        today = ctx.clock.now().date()
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.day.dateChanged.connect(lambda _=None: self.reload())
        top.addWidget(self.day)
        top.addStretch(1)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("feeListTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.total = QLabel()
        self.total.setObjectName("feeListTotal")
        font = self.total.font()
        font.setBold(True)
        font.setPointSize(font.pointSize() + 2)
        self.total.setFont(font)
        layout.addWidget(self.total)
        self.message = QLabel()
        self.message.setObjectName("feeListMessage")
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.print_button = QPushButton("In bảng kê (Ctrl+P)")
        self.print_button.setObjectName("feeListPrint")
        self.print_button.clicked.connect(self.print_list)
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.print_list)
        self.reload()

    def selected_day(self) -> dt.date:
        value = self.day.date()
        return dt.date(value.year(), value.month(), value.day())

    def reload(self) -> None:
        fees = counter.fee_list(self.ctx, self.selected_day())
        self.table.setRowCount(len(fees.rows))
        for row, line in enumerate(fees.rows):
            note = f"Miễn: {line.exemption}" if line.exemption else ""
            values = (line.code, f"{line.received_at:%H:%M}", line.applicant_name, line.procedure_name,
                      counter.money_text(line.fee_due), note)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.total.setText(f"Tổng cộng: {counter.money_text(fees.total)} — {len(fees.rows)} hồ sơ "
                           f"(miễn {fees.exempted})")

    def print_list(self) -> None:
        try:
            job = counter.fee_list_job(self.ctx, self.selected_day())
        except DomainError as error:
            self.message.setText(error.message)
            return
        self.output.deliver(job)
