"""Dữ liệu cá nhân của công dân: the clerk types the citizen's full ID number (after checking the card) and gets the
document listing everything the desk holds on them, previewed then printed or saved like every other document.

The service (services.citizen_data) finds, audits and renders; the dialog only asks and hands the PDF to the output.
The typed number is cleared as soon as the document is made, so it does not stay on screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desk_app.domain.errors import DomainError
from desk_app.services.citizen_data import citizen_data_job
from desk_app.services.context import ServiceContext
from desk_app.ui.intake import Output

EXPLANATION = (
    "Công dân đề nghị được biết bộ phận đang lưu những dữ liệu gì về mình (Nghị định 13/2023/NĐ-CP). Đối chiếu thẻ "
    "căn cước của công dân, nhập đủ số CCCD (12 số) hoặc CMND (9 số), rồi xem trước để in hoặc lưu PDF. Bản này liệt kê "
    "các hồ sơ, lịch sử xử lý và những lần xem, in, xuất dữ liệu; số CCCD được che bớt khi in. Việc lập bản này được "
    "ghi vào nhật ký kiểm tra."
)


class CitizenDataDialog(QDialog):
    def __init__(self, ctx: ServiceContext, output: Output, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("citizenDataDialog")
        self.setWindowTitle("Dữ liệu cá nhân của công dân")
        self.ctx = ctx
        self.output = output
        self.resize(620, 260)
        layout = QVBoxLayout(self)
        note = QLabel(EXPLANATION)
        note.setWordWrap(True)
        layout.addWidget(note)
        row = QHBoxLayout()
        label = QLabel("Số &CCCD của công dân:")
        self.id_field = QLineEdit()
        self.id_field.setObjectName("citizenIdNumber")
        self.id_field.setPlaceholderText("12 chữ số in trên thẻ")
        self.id_field.setMaxLength(20)
        self.id_field.returnPressed.connect(self.produce)
        self.id_field.textEdited.connect(lambda _text: self.message.clear())
        label.setBuddy(self.id_field)
        row.addWidget(label)
        row.addWidget(self.id_field, 1)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("citizenDataMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.produce_button = QPushButton("Xem trước để in / lưu PDF (Enter)")
        self.produce_button.setObjectName("citizenDataProduce")
        self.produce_button.setDefault(True)
        self.produce_button.clicked.connect(self.produce)
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.produce_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.id_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def produce(self) -> None:
        self.message.clear()
        self.message.setStyleSheet("color: #b00020;")
        try:
            job = citizen_data_job(self.ctx, self.id_field.text())
        except DomainError as error:
            self.message.setText(error.message)
            self.id_field.setFocus()
            self.id_field.selectAll()
            return
        self.id_field.clear()
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(f"Đã lập: {job.title}.")
        self.output.deliver(job)


def open_citizen_data(parent: QWidget, ctx: ServiceContext, output: Output) -> CitizenDataDialog:
    dialog = CitizenDataDialog(ctx, output, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
