"""Tiếp nhận: the home screen, where the clerk receives a dossier and prints the slip.

Everything the screen shows as a rule (the appointment and its explanation, the fee, what a field's value is
wrong about, which documents are missing) comes from ``desk_app.services.counter`` and ``intake``; the screen only
collects what the clerk types and shows the answers. F9 saves and prints; the form then clears, ready to type.

The citizen's ID card does most of the typing: its QR code, scanned anywhere in the window, fills the name, ID
number, birth date, sex and address (``take_card_scan``, called by the window's scan detector) and the focus goes
to the first field still empty, usually the phone. An ID number the desk has seen before, typed or scanned, offers
the latest details and the recent dossiers of that citizen (Alt+Y or Enter takes them). The clerk's most used
procedures are on Alt+1…9.
"""

from __future__ import annotations

import html
import itertools
import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.cccd_qr import parse_cccd_qr
from desk_app.domain.errors import DomainError, ValidationError
from desk_app.logging_setup import fault_summary
from desk_app.services import counter
from desk_app.services.context import ServiceContext
from desk_app.services.favorites import favorite_procedures
from desk_app.services.intake import CHANNELS, RETURN_METHODS, Receipt, ReceiveRequest, receive
from desk_app.services.print_jobs import PrintJob, dossier_form
from desk_app.services.returning import ReturningCitizen, id_digits, returning_citizen, same_address
from desk_app.ui.procedure_picker import ProcedurePicker
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

APPLICANT_FIELDS = (
    ("name", "applicantName", "&Họ và tên", "Họ tên người nộp hồ sơ"),
    ("id_number", "applicantIdNumber", "Số &CCCD", "12 chữ số (hoặc CMND 9 số)"),
    ("birth_date", "applicantBirthDate", "Ngày &sinh", "dd/mm/yyyy"),
    ("sex", "applicantSex", "Giới tính", ""),
    ("phone", "applicantPhone", "Điện t&hoại", "ví dụ 0912 345 678"),
    ("email", "applicantEmail", "&Email", "không bắt buộc"),
    ("address", "applicantAddress", "Đị&a chỉ", "số nhà, ấp/khóm, xã, tỉnh"),
)
ERROR_STYLE = "color: #b00020;"
HINT_STYLE = "color: #8a6d00;"
# The fields a card scan or a returning citizen's offer fills, in the order the focus looks for the first empty one
# (the email is optional: never where the focus goes).
FOCUS_ORDER = ("name", "id_number", "birth_date", "sex", "phone", "address")
QUOTE_REFRESH_MS = 30_000  # the appointment moves when 15:00 or the end of the day passes


class Output(Protocol):
    def deliver(self, job: PrintJob) -> None: ...


class IntakeScreen(QWidget):
    """Emits ``saved(code)`` after each dossier is recorded."""

    saved = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: Runner, output: Output, parent: QWidget | None = None,
                 *, ask_text: Callable[[QWidget, str, str], str | None] | None = None,
                 confirm: Callable[[QWidget, str, str], bool] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intakeScreen")
        self.ctx = ctx
        self.runner = runner
        self.output = output
        self._ask_text = ask_text or _ask_text
        self._confirm = confirm or ask_yes_no
        self.procedure: counter.ProcedureForm | None = None
        self.quote: counter.Quote | None = None
        self._saving = False
        self._saving_name = ""
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        self.last_receipt: Receipt | None = None
        self.offer: ReturningCitizen | None = None  # a returning citizen's details, offered until taken or changed
        self._card_address: str | None = None  # the address on the card scanned for this citizen

        self.picker = ProcedurePicker(lambda text: counter.procedure_choices(ctx, text),
                                      lambda: favorite_procedures(ctx), runner=runner)
        self.picker.picked.connect(self.choose_procedure)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.picker)
        splitter.addWidget(self._build_form())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([360, 900])
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)

        self._shortcuts()
        self._quote_timer = QTimer(self)
        self._quote_timer.setInterval(QUOTE_REFRESH_MS)
        self._quote_timer.timeout.connect(self.refresh_quote)
        self._quote_timer.start()
        self._set_enabled_for_procedure()

    # -- building -------------------------------------------------------------------------------------------------
    def _build_form(self) -> QWidget:
        """The applicant, the documents and the options scroll when the screen is short (1366×768 laptops); the
        appointment and the buttons (F9) stay in view below them."""
        form = QWidget()
        outer = QVBoxLayout(form)
        outer.setContentsMargins(6, 0, 0, 0)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 4, 0)
        scroll = QScrollArea()
        scroll.setObjectName("intakeFormScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.banner = QLabel()
        self.banner.setObjectName("intakeBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.returning = QFrame()
        self.returning.setObjectName("returningPanel")
        self.returning.setStyleSheet("#returningPanel { background: #e8f0fe; border: 1px solid #8ab4f8; "
                                     "border-radius: 4px; } QLabel { color: #174ea6; }")
        returning_row = QHBoxLayout(self.returning)
        returning_row.setContentsMargins(8, 4, 8, 4)
        self.returning_text = QLabel()
        self.returning_text.setObjectName("returningText")
        self.returning_text.setWordWrap(True)
        self.returning_text.setTextFormat(Qt.TextFormat.RichText)
        self.returning_button = QPushButton("Dùng thông tin này (Alt+Y)")
        self.returning_button.setObjectName("useReturningButton")
        self.returning_button.setAutoDefault(False)
        self.returning_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the focus stays in the form
        self.returning_button.clicked.connect(self.accept_returning)
        returning_row.addWidget(self.returning_text, 1)
        returning_row.addWidget(self.returning_button, 0, Qt.AlignmentFlag.AlignTop)
        self.returning.hide()
        layout.addWidget(self.returning)

        self.procedure_title = QLabel("Chọn thủ tục ở bên trái để bắt đầu.")
        self.procedure_title.setObjectName("procedureTitle")
        self.procedure_title.setWordWrap(True)
        bold = QFont()
        bold.setPointSize(bold.pointSize() + 3)
        bold.setBold(True)
        self.procedure_title.setFont(bold)
        layout.addWidget(self.procedure_title)
        self.components = QLabel()
        self.components.setObjectName("bundleComponents")
        self.components.setWordWrap(True)
        self.components.hide()
        layout.addWidget(self.components)

        # Applicant
        applicant = QGroupBox("Người nộp hồ sơ")
        grid = QGridLayout(applicant)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        positions = {"name": (0, 0), "id_number": (0, 2), "birth_date": (2, 0), "sex": (2, 2), "phone": (4, 0),
                     "email": (4, 2), "address": (6, 0)}
        for key, object_name, label, placeholder in APPLICANT_FIELDS:
            row, column = positions[key]
            widget: QLineEdit | QComboBox
            if key == "sex":
                widget = QComboBox()
                widget.addItem("—", "")
                widget.addItem("Nam", "Nam")
                widget.addItem("Nữ", "Nữ")
                widget.currentIndexChanged.connect(lambda _=0: self._check_fields(final=True))
            else:
                widget = QLineEdit()
                widget.setPlaceholderText(placeholder)
                widget.textEdited.connect(lambda _="", k=key: self._check_fields(typing=k))
                widget.editingFinished.connect(lambda: self._check_fields(final=True))
                widget.returnPressed.connect(self._enter_in_field)
                if key == "id_number":
                    widget.textEdited.connect(lambda _="": self._id_typed())
            widget.setObjectName(object_name)
            caption = QLabel(label)
            caption.setBuddy(widget)
            error = QLabel()
            error.setObjectName(f"{object_name}Error")
            error.setWordWrap(True)
            error.setStyleSheet(ERROR_STYLE)
            error.hide()
            span = 3 if key == "address" else 1
            grid.addWidget(caption, row, column)
            grid.addWidget(widget, row, column + 1, 1, span)
            grid.addWidget(error, row + 1, column + 1, 1, span)
            self.inputs[key] = widget
            self.errors[key] = error
        layout.addWidget(applicant)

        # Documents
        documents = QGroupBox("Thành phần hồ sơ (bỏ dấu tích ở giấy tờ công dân chưa nộp)")
        doc_layout = QVBoxLayout(documents)
        self.checklist = QTableWidget(0, 4)
        self.checklist.setObjectName("documentChecklist")
        self.checklist.setHorizontalHeaderLabels(["Đã nộp", "Giấy tờ", "Bản chính", "Bản sao"])
        header = self.checklist.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.checklist.verticalHeader().hide()
        self.checklist.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.checklist.setWordWrap(True)
        self.checklist.setMinimumHeight(120)
        doc_layout.addWidget(self.checklist)
        self.errors["documents"] = self._error_label("documentsError")
        doc_layout.addWidget(self.errors["documents"])
        layout.addWidget(documents, 1)

        # Dossier options
        options = QGroupBox("Hồ sơ")
        opt = QGridLayout(options)
        self.variant = QComboBox()
        self.variant.setObjectName("variantCombo")
        self.copies = QSpinBox()
        self.copies.setObjectName("copiesSpin")
        self.copies.setRange(1, 50)
        self.quantity_label = QLabel("Số lượng")
        self.quantity = QSpinBox()
        self.quantity.setObjectName("quantitySpin")
        self.quantity.setRange(1, 10_000)
        self.channel = QComboBox()
        self.channel.setObjectName("channelCombo")
        for key, label in CHANNELS.items():
            self.channel.addItem(label, key)
        self.return_method = QComboBox()
        self.return_method.setObjectName("returnMethodCombo")
        for key, label in RETURN_METHODS.items():
            self.return_method.addItem(label, key)
        self.return_address = QLineEdit()
        self.return_address.setObjectName("returnAddress")
        self.return_address.setPlaceholderText("để trống: dùng địa chỉ người nộp")
        self.exemption = QComboBox()
        self.exemption.setObjectName("exemptionCombo")
        self.exemption.addItem("Không miễn", "")
        for key, label in counter.exemption_choices().items():
            self.exemption.addItem(f"Miễn: {label}", key)
        for column, (caption, widget) in enumerate((("Trường hợp", self.variant), ("Số bộ", self.copies))):
            opt.addWidget(QLabel(caption), 0, column * 2)
            opt.addWidget(widget, 0, column * 2 + 1)
        opt.addWidget(self.quantity_label, 0, 4)
        opt.addWidget(self.quantity, 0, 5)
        opt.addWidget(QLabel("Kênh nộp"), 1, 0)
        opt.addWidget(self.channel, 1, 1)
        opt.addWidget(QLabel("Nhận kết quả"), 1, 2)
        opt.addWidget(self.return_method, 1, 3)
        opt.addWidget(self.return_address, 1, 4, 1, 2)
        opt.addWidget(QLabel("Phí, lệ phí"), 2, 0)
        opt.addWidget(self.exemption, 2, 1, 1, 3)
        opt.setColumnStretch(1, 2)
        opt.setColumnStretch(3, 2)
        opt.setColumnStretch(4, 1)
        self.errors["copies"] = self._error_label("copiesError")
        self.errors["quantity"] = self.errors["copies"]
        self.errors["return_address"] = self._error_label("returnAddressError")
        self.errors["fee_exemption"] = self._error_label("exemptionError")
        self.errors["variant"] = self.errors["copies"]
        opt.addWidget(self.errors["copies"], 3, 0, 1, 6)
        opt.addWidget(self.errors["return_address"], 4, 0, 1, 6)
        opt.addWidget(self.errors["fee_exemption"], 5, 0, 1, 6)
        for widget in (self.variant, self.exemption):
            widget.currentIndexChanged.connect(lambda _=0: self.refresh_quote())
        for spin in (self.copies, self.quantity):
            spin.valueChanged.connect(lambda _=0: self.refresh_quote())
        self.return_method.currentIndexChanged.connect(lambda _=0: self._return_method_changed())
        layout.addWidget(options)

        # Appointment, fee and the buttons
        panel = QFrame()
        panel.setObjectName("appointmentPanel")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel_layout = QHBoxLayout(panel)
        texts = QVBoxLayout()
        self.appointment = QLabel("Hẹn trả: —")
        self.appointment.setObjectName("appointmentLabel")
        big = QFont()
        big.setPointSize(big.pointSize() + 4)
        big.setBold(True)
        self.appointment.setFont(big)
        self.rule = QLabel()
        self.rule.setObjectName("appointmentRule")
        self.rule.setWordWrap(True)
        self.fee = QLabel()
        self.fee.setObjectName("feeLabel")
        self.on_spot_note = QLabel()
        self.on_spot_note.setObjectName("onSpotNote")
        self.on_spot_note.setWordWrap(True)
        self.on_spot_note.setStyleSheet("color: #0b5394; font-weight: bold;")
        self.slip_requested = QCheckBox("Công dân xin giấy hẹn")
        self.slip_requested.setObjectName("slipRequested")
        self.slip_requested.toggled.connect(lambda _=False: self.refresh_quote())
        for widget in (self.appointment, self.rule, self.fee, self.on_spot_note, self.slip_requested):
            texts.addWidget(widget)
        self.on_spot_note.hide()
        self.slip_requested.hide()
        self.errors["received_at"] = self._error_label("receivedAtError")
        self.errors["procedure"] = self._error_label("procedureError")
        self.errors["agency_code"] = self.errors["procedure"]
        self.errors["clock"] = self.errors["procedure"]
        texts.addWidget(self.errors["received_at"])
        texts.addWidget(self.errors["procedure"])
        panel_layout.addLayout(texts, 1)

        buttons = QVBoxLayout()
        self.save_button = QPushButton("Lưu và in giấy hẹn (F9)")
        self.save_button.setObjectName("saveAndPrintButton")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.setMinimumHeight(44)
        self.save_button.setStyleSheet("font-weight: bold;")
        self.supplement_button = QPushButton("Thiếu giấy tờ: in phiếu bổ sung (F10)")
        self.supplement_button.setObjectName("supplementButton")
        self.refuse_button = QPushButton("Từ chối tiếp nhận: in phiếu (Ctrl+F10)")
        self.refuse_button.setObjectName("refuseButton")
        self.clear_button = QPushButton("Nhập hồ sơ mới (Ctrl+N)")
        self.clear_button.setObjectName("clearButton")
        for button in (self.save_button, self.supplement_button, self.refuse_button, self.clear_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        panel_layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save_and_print)
        self.supplement_button.clicked.connect(self.print_supplement)
        self.refuse_button.clicked.connect(self.print_refusal)
        self.clear_button.clicked.connect(self.ask_clear)
        outer.addWidget(panel)

        # Tab order follows the form: applicant, documents, options, then save.
        order: list[QWidget] = [self.inputs[k] for k, *_ in APPLICANT_FIELDS]
        order += [self.checklist, self.variant, self.copies, self.quantity, self.channel, self.return_method,
                  self.return_address, self.exemption, self.slip_requested, self.save_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        return form

    def _error_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setStyleSheet(ERROR_STYLE)
        label.hide()
        return label

    def _shortcuts(self) -> None:
        def shortcut(keys: str, slot: Callable[[], Any]) -> None:
            item = QShortcut(QKeySequence(keys), self)
            item.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            item.activated.connect(slot)

        shortcut("F9", self.save_and_print)
        shortcut("F10", self.print_supplement)
        shortcut("Ctrl+F10", self.print_refusal)
        shortcut("Ctrl+N", self.ask_clear)
        shortcut("Ctrl+K", self.focus_picker)
        shortcut("Alt+Y", self.accept_returning)
        for number in range(1, 10):
            shortcut(f"Alt+{number}", lambda n=number: self.picker.pick_recent(n))

    # -- the procedure --------------------------------------------------------------------------------------------
    def focus_picker(self) -> None:
        self.picker.field.setFocus()
        self.picker.field.selectAll()

    def choose_procedure(self, code: str) -> None:
        try:
            form = counter.procedure_form(self.ctx, code)
        except DomainError as error:
            self._show_error("procedure", error.message)
            return
        self.procedure = form
        self.procedure_title.setText(f"{form.name}\n{form.code} · {form.field_name} · Thời hạn: {form.time_limit}")
        if form.components:
            self.components.setText("Hồ sơ liên thông, một mã hồ sơ, gồm:\n" +
                                    "\n".join(f"  {i}. {c}" for i, c in enumerate(form.components, start=1)))
            self.components.show()
        else:
            self.components.hide()
        self._fill_checklist(form)
        self.variant.blockSignals(True)
        self.variant.clear()
        self.variant.addItem(f"Thông thường ({form.time_limit})", "")
        for variant in form.variants:
            self.variant.addItem(f"{variant.label} ({variant.time_limit})", variant.key)
        self.variant.blockSignals(False)
        self.variant.setEnabled(bool(form.variants))
        self.quantity_label.setText(form.quantity_label or "Số lượng")
        self.quantity.setEnabled(form.quantity_label is not None)
        self.exemption.setCurrentIndex(0)
        self.exemption.setEnabled(form.fee_exemptable)
        self._clear_error("procedure")
        self._set_enabled_for_procedure()
        self.refresh_quote()
        self._focus_first_empty()

    def _fill_checklist(self, form: counter.ProcedureForm) -> None:
        self.checklist.setRowCount(0)
        for row, item in enumerate(form.documents):
            self.checklist.insertRow(row)
            given = QTableWidgetItem()
            given.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            # Optional papers ("nếu có") start unticked; everything else as handed in, which is the usual case.
            given.setCheckState(Qt.CheckState.Unchecked if item.optional else Qt.CheckState.Checked)
            self.checklist.setItem(row, 0, given)
            name = QTableWidgetItem(item.name)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.checklist.setItem(row, 1, name)
            for column, value in ((2, item.originals), (3, item.copies)):
                spin = QSpinBox()
                spin.setRange(0, 99)
                spin.setValue(value)
                self.checklist.setCellWidget(row, column, spin)
        self.checklist.resizeRowsToContents()
        self._clear_error("documents")

    def _set_enabled_for_procedure(self) -> None:
        chosen = self.procedure is not None
        for button in (self.save_button, self.supplement_button, self.refuse_button):
            button.setEnabled(chosen and not self._saving)

    def _return_method_changed(self) -> None:
        self.return_address.setEnabled(self.return_method.currentData() != "desk")
        self._clear_error("return_address")

    # -- the citizen's ID card and a returning citizen ------------------------------------------------------------
    def take_card_scan(self, text: str) -> str | None:
        """A CCCD's QR text, as the scanner typed it: fills name, ID number, birth date, sex and address, offers what
        earlier dossiers say of the citizen, and puts the focus on the first field still empty. Returns None, or why
        nothing was filled (also shown on the screen)."""
        if self._saving:
            message = "Đang lưu hồ sơ trước; quét lại CCCD khi lưu xong."
            self._banner(message, ok=False)
            return message
        try:
            card = parse_cccd_qr(text, today=self.ctx.clock.now().date())
        except ValidationError as error:
            self._banner(error.message, ok=False)
            self._check_fields()  # the field the burst went into is back as it was: no hint about the burst
            return error.message
        shown = id_digits(self.inputs["id_number"].text())
        if shown is not None and shown != card.id_number:
            self._clear_applicant()  # another citizen's details were on the form: none of them stays with this one
        values = {"name": card.name, "id_number": card.id_number, "birth_date": f"{card.birth_date:%d/%m/%Y}",
                  "sex": card.sex.label_vi}
        if card.address:
            values["address"] = card.address
        for key, value in values.items():
            self._set_field(key, value)
        self._card_address = card.address
        self._banner("Đã điền thông tin từ CCCD (họ tên, số CCCD, ngày sinh, giới tính, địa chỉ). Kiểm tra lại với "
                     "công dân.", ok=True)
        self._check_fields(final=True)
        self._look_up_returning(card.id_number)
        self._focus_first_empty()
        return None

    def _set_field(self, key: str, value: str) -> None:
        widget = self.inputs[key]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        else:
            widget.setText(value)
            widget.setCursorPosition(len(value))

    def _field_value(self, key: str) -> str:
        widget = self.inputs[key]
        return str(widget.currentData() or "") if isinstance(widget, QComboBox) else widget.text().strip()

    def _clear_applicant(self) -> None:
        for key in self.inputs:
            self._set_field(key, "")
            self._clear_error(key)
        self._card_address = None
        self._hide_offer()

    def _focus_first_empty(self) -> None:
        for key in FOCUS_ORDER:
            if not self._field_value(key):
                self.inputs[key].setFocus()
                return
        if self.procedure is None:
            self.focus_picker()
        else:
            self.inputs["name"].setFocus()

    def _id_typed(self) -> None:
        digits = id_digits(self.inputs["id_number"].text())
        if digits is None:
            self._hide_offer()
        elif self.offer is None or self.offer.id_number != digits:
            self._look_up_returning(digits)

    def _look_up_returning(self, digits: str) -> None:
        try:
            found = returning_citizen(self.ctx, digits)
        except DomainError:
            found = None  # a role that does not receive dossiers: no offer
        if found is None:
            self._hide_offer()
            return
        self.offer = found
        self.banner.hide()  # the offer says it all, and the form keeps its room
        self.returning_text.setText(self._offer_text(found))
        self.returning_button.setEnabled(True)
        self.returning_button.show()
        self.returning.show()

    def _offer_text(self, citizen: ReturningCitizen) -> str:
        def e(text: str) -> str:
            return html.escape(text, quote=False)

        details = [f"<b>{e(citizen.name)}</b>"]
        details += [e(value) for value in (citizen.phone, citizen.email) if value]
        if citizen.address:
            details.append(e(citizen.address))
        lines = [f"Công dân đã đến trước đây ({citizen.dossier_count} hồ sơ): " + " · ".join(details)
                 + " — <b>Alt+Y</b> hoặc <b>Enter</b> để dùng."]
        if self._card_address and citizen.address and not same_address(self._card_address, citizen.address):
            lines.append("Địa chỉ trên CCCD khác địa chỉ lần trước: dùng địa chỉ mới trên CCCD; hồ sơ ghi nhận việc "
                         "đổi địa chỉ.")
        lines.append("Hồ sơ gần đây:")
        lines += [f"&nbsp;&nbsp;• {e(d.code)} · {e(d.procedure_name)} · nhận {d.received_at:%d/%m/%Y} · "
                  f"<b>{e(d.status_vn)}</b>" for d in citizen.dossiers]
        return "<br>".join(lines)

    def _hide_offer(self) -> None:
        self.offer = None
        self.returning.hide()

    def _enter_in_field(self) -> None:
        if self.offer is not None and self.returning_button.isEnabled():
            self.accept_returning()

    def accept_returning(self) -> bool:
        """Alt+Y (or Enter in a field, or the button): the returning citizen's details fill the fields still empty
        (a card's address, newer, stays); the offer then says it was taken and the focus moves on."""
        citizen = self.offer
        if citizen is None or not self.returning_button.isEnabled() or self._saving:
            return False
        known = {"name": citizen.name, "birth_date": f"{citizen.birth_date:%d/%m/%Y}" if citizen.birth_date else "",
                 "sex": citizen.sex.label_vi if citizen.sex else "", "phone": citizen.phone or "", "email": citizen.email or "",
                 "address": citizen.address or ""}
        for key, value in known.items():
            if value and not self._field_value(key):
                self._set_field(key, value)
        self.returning_button.setEnabled(False)
        self.returning_button.hide()
        self.returning_text.setText(self.returning_text.text().replace(
            " — <b>Alt+Y</b> hoặc <b>Enter</b> để dùng.", " — <b>đã dùng</b>; sửa lại nếu công dân báo thay đổi."))
        self._check_fields(final=True)
        self._focus_first_empty()
        return True

    # -- live answers from the services ----------------------------------------------------------------------------
    def refresh_quote(self) -> None:
        if self.procedure is None:
            return
        try:
            quote = counter.quote(self.ctx, self.procedure.code, variant=self.variant.currentData() or None,
                                  copies=self.copies.value(), quantity=self.quantity.value(),
                                  exemption=self.exemption.currentData() or None)
        except DomainError as error:
            self._show_error(error.field or "procedure", error.message)
            return
        for key in ("copies", "fee_exemption", "variant"):
            self._clear_error(key)
        self.quote = quote
        self.appointment.setText(f"Hẹn trả: {quote.due_at:%H:%M} ngày {quote.due_at:%d/%m/%Y} "
                                 f"({_weekday(quote.due_at.isoweekday())})")
        self.rule.setText(quote.explanation + ("\n" + "\n".join(quote.warnings) if quote.warnings else ""))
        self.fee.setText(f"Phí, lệ phí: {quote.fee_text}")
        self.on_spot_note.setVisible(quote.on_spot)
        self.slip_requested.setVisible(quote.on_spot)
        if quote.on_spot:
            self.on_spot_note.setText("Hôm nay là ngày không hẹn: hồ sơ giải quyết trong ngày được giải quyết và trả "
                                      "ngay, không in giấy hẹn (trừ khi công dân xin).")
        self.save_button.setText("Lưu, giải quyết ngay (F9)" if quote.on_spot and not self.slip_requested.isChecked()
                                 else "Lưu và in giấy hẹn (F9)")

    def _raw_applicant(self) -> dict[str, str]:
        raw: dict[str, str] = {}
        for key, widget in self.inputs.items():
            raw[key] = widget.currentData() if isinstance(widget, QComboBox) else widget.text()
        return raw

    def _check_fields(self, *, typing: str | None = None, final: bool = False) -> None:
        problems = counter.field_problems(self.ctx, self._raw_applicant())
        for key in self.inputs:
            message = problems.get(key)
            if message is None:
                self._clear_error(key)
            elif key == typing and not final:
                # While typing: said at once, as a hint, and turned into an error when the clerk leaves the field.
                self._show_error(key, message, style=HINT_STYLE)
            elif final or self.errors[key].isVisible():
                self._show_error(key, message)

    def _show_error(self, field: str, message: str, *, style: str = ERROR_STYLE) -> None:
        label = self.errors.get(field) or self.errors["procedure"]
        label.setText(message)
        label.setStyleSheet(style)
        label.show()

    def _clear_error(self, field: str) -> None:
        label = self.errors.get(field)
        if label is not None:
            label.clear()
            label.hide()

    def _focus_field(self, field: str) -> None:
        target: QWidget | None = self.inputs.get(field)  # type: ignore[assignment]
        target = target or {"documents": self.checklist, "copies": self.copies, "quantity": self.quantity,
                            "return_address": self.return_address, "fee_exemption": self.exemption,
                            "variant": self.variant, "procedure": self.picker.field}.get(field)
        if target is not None:
            target.setFocus()

    # -- the checklist ---------------------------------------------------------------------------------------------
    def _checklist(self) -> list[tuple[str, bool, int, int]]:
        rows = []
        for row in range(self.checklist.rowCount()):
            given = self.checklist.item(row, 0).checkState() == Qt.CheckState.Checked
            name = self.checklist.item(row, 1).text()
            originals = self.checklist.cellWidget(row, 2).value()  # type: ignore[union-attr]
            copies = self.checklist.cellWidget(row, 3).value()  # type: ignore[union-attr]
            rows.append((name, given, originals, copies))
        return rows

    # -- saving ----------------------------------------------------------------------------------------------------
    def _request(self) -> ReceiveRequest:
        assert self.procedure is not None
        documents = [{"name": name, "originals": originals, "copies": copies}
                     for name, given, originals, copies in self._checklist() if given]
        return ReceiveRequest(
            procedure=self.procedure.code,
            applicant={k: v for k, v in self._raw_applicant().items() if v and v.strip()},
            channel=self.channel.currentData(),
            copies=self.copies.value(),
            documents=documents,
            return_method=self.return_method.currentData(),
            return_address=self.return_address.text() or None,
            fee_exemption=self.exemption.currentData() or None,
            variant=self.variant.currentData() or None,
            quantity=self.quantity.value(),
        )

    def save_and_print(self) -> None:
        if self._saving:
            return  # a second F9 while the first is saving must not receive the dossier twice
        if self.procedure is None:
            self._show_error("procedure", "Chưa chọn thủ tục: gõ tên thủ tục ở ô bên trái (Ctrl+K).")
            self.focus_picker()
            return
        for key in list(self.errors):
            self._clear_error(key)
        missing = counter.missing_documents([(name, given) for name, given, *_ in self._checklist()])
        if missing:
            self._show_error("documents", "Hồ sơ còn thiếu: " + "; ".join(missing) + ". Hồ sơ chưa đủ thì chưa "
                             "tiếp nhận: in Phiếu yêu cầu bổ sung (F10) để hướng dẫn công dân một lần đầy đủ.")
            self.checklist.setFocus()
            return
        problems = counter.field_problems(self.ctx, self._raw_applicant())
        if problems:
            for key, message in problems.items():
                self._show_error(key, message)
            self._focus_field(next(iter(problems)))
            return
        request = self._request()
        on_spot = self.quote is not None and self.quote.on_spot and not self.slip_requested.isChecked()
        ctx = self.ctx

        def work() -> tuple[Receipt, PrintJob | None]:
            receipt = counter.receive_on_spot(ctx, request) if on_spot else receive(ctx, request)
            job = None if on_spot else dossier_form(ctx, receipt.code, "slip")
            return receipt, job

        self._saving = True
        self._saving_name = request.applicant.get("name", "").strip()
        self._hold_form(True)
        self.runner.submit(work, self._saved, self._save_failed)

    def _hold_form(self, held: bool) -> None:
        """While a save is in flight the form is what is being saved: no typing into it, so nothing typed then is
        cleared away with it."""
        for widget in [*self.inputs.values(), self.return_address]:
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(held)
            else:
                widget.setEnabled(not held)
        for widget in (self.checklist, self.variant, self.copies, self.quantity, self.channel, self.return_method,
                       self.exemption, self.slip_requested):
            widget.setEnabled(not held)
        if not held and self.procedure is not None:
            self.variant.setEnabled(bool(self.procedure.variants))
            self.quantity.setEnabled(self.procedure.quantity_label is not None)
            self.exemption.setEnabled(self.procedure.fee_exemptable)
        self._set_enabled_for_procedure()

    def _saved(self, result: tuple[Receipt, PrintJob | None]) -> None:
        receipt, job = result
        self._saving = False
        self._hold_form(False)
        self.last_receipt = receipt
        name = self._saving_name
        if job is None:
            text = (f"Đã lưu hồ sơ {receipt.code} ({name}) và ghi giải quyết, trả kết quả ngay "
                    f"(ngày không hẹn). Sổ theo dõi: quyển {receipt.ledger_book}, số {receipt.ledger_number}.")
        else:
            text = (f"Đã lưu hồ sơ {receipt.code} ({name}) — hẹn trả {receipt.due_at:%H:%M %d/%m/%Y}. "
                    f"Sổ theo dõi: quyển {receipt.ledger_book}, số {receipt.ledger_number}.")
        if receipt.warnings:
            text += "\nLưu ý: " + " ".join(receipt.warnings)
        self._banner(text, ok=True)
        self.clear()
        self.picker.reload()
        self.saved.emit(receipt.code)
        if job is not None:
            try:
                self.output.deliver(job)
            except Exception as error:  # noqa: BLE001 - the dossier is saved; the clerk reprints it later
                log.error("printing the slip failed: %s", fault_summary(error))
                self._banner(text + "\nChưa in được giấy hẹn; in lại từ Sổ theo dõi (mở hồ sơ, In lại giấy hẹn).",
                             ok=False)

    def _save_failed(self, error: BaseException) -> None:
        self._saving = False
        self._hold_form(False)
        if isinstance(error, DomainError):
            field = error.field or "procedure"
            self._show_error(field, error.message)
            self._focus_field(field)
            return
        log.error("saving a dossier failed: %s", type(error).__name__)
        self._show_error("procedure", "Không lưu được hồ sơ do lỗi hệ thống; dữ liệu đã nhập vẫn còn trên màn hình. "
                         "Thử lại (F9); nếu vẫn lỗi, báo quản trị viên.")

    # -- documents handed over without receiving ---------------------------------------------------------------------
    def print_supplement(self) -> None:
        if self.procedure is None:
            self._show_error("procedure", "Chưa chọn thủ tục.")
            return
        items = [name for name, given, *_ in self._checklist() if not given]
        extra = self._ask_text(self, "Phiếu yêu cầu bổ sung (Mẫu 02)",
                               "Giấy tờ cần bổ sung thêm ngoài danh mục (mỗi giấy tờ cách nhau dấu ;), để trống nếu "
                               "không có:")
        if extra is None:
            return
        items += [part.strip() for part in extra.split(";") if part.strip()]
        ctx, code, applicant = self.ctx, self.procedure.code, self._raw_applicant()
        self._print_at_counter(lambda: counter.supplement_at_counter(ctx, code, applicant, items), "documents",
                               "Đã lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02); hồ sơ chưa được tiếp nhận.")

    def print_refusal(self) -> None:
        if self.procedure is None:
            self._show_error("procedure", "Chưa chọn thủ tục.")
            return
        reason = self._ask_text(self, "Phiếu từ chối tiếp nhận (Mẫu 03)", "Lý do từ chối cụ thể:")
        if reason is None:
            return
        ctx, code, applicant = self.ctx, self.procedure.code, self._raw_applicant()
        self._print_at_counter(lambda: counter.refusal_at_counter(ctx, code, applicant, reason), "procedure",
                               "Đã lập Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03).")

    def _print_at_counter(self, work: Callable[[], PrintJob], default_field: str, done_text: str) -> None:
        def done(job: PrintJob) -> None:
            self._banner(done_text, ok=True)
            self.output.deliver(job)

        def failed(error: BaseException) -> None:
            if not isinstance(error, DomainError):
                log.error("a counter form failed: %s", type(error).__name__)
                self._show_error(default_field, "Không lập được phiếu do lỗi hệ thống; thử lại, nếu vẫn lỗi báo quản "
                                 "trị viên.")
                return
            self._show_error(error.field or default_field, error.message)
            self._focus_field(error.field or default_field)

        self.runner.submit(work, done, failed)

    # -- clearing --------------------------------------------------------------------------------------------------
    def has_input(self) -> bool:
        return any(v for v in self._raw_applicant().values())

    def ask_clear(self) -> None:
        if self.has_input() and not self._confirm(self, "Nhập hồ sơ mới",
                                                  "Xóa thông tin đang nhập (chưa lưu) để nhập hồ sơ mới?"):
            return
        self.clear()
        self.banner.hide()

    def clear(self) -> None:
        """Ready for the next citizen: applicant fields empty, options back to their defaults, the procedure kept
        (the next citizen in line often comes for the same), focus on the name."""
        for widget in self.inputs.values():
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(0)
            else:
                widget.clear()
        self._card_address = None
        self._hide_offer()
        for key in list(self.errors):
            self._clear_error(key)
        self.copies.setValue(1)
        self.quantity.setValue(1)
        self.channel.setCurrentIndex(0)
        self.return_method.setCurrentIndex(0)
        self.return_address.clear()
        self.exemption.setCurrentIndex(0)
        self.variant.setCurrentIndex(0)
        self.slip_requested.setChecked(False)
        if self.procedure is not None:
            self._fill_checklist(self.procedure)
            self.refresh_quote()
        self._set_enabled_for_procedure()
        self.picker.field.clear()
        self.inputs["name"].setFocus()

    def _banner(self, text: str, *, ok: bool) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet("background: #e6f4ea; color: #0d652d; padding: 6px; border-radius: 4px;" if ok
                                  else "background: #fce8e6; color: #b00020; padding: 6px; border-radius: 4px;")
        self.banner.show()


def _weekday(iso: int) -> str:
    return {1: "thứ Hai", 2: "thứ Ba", 3: "thứ Tư", 4: "thứ Năm", 5: "thứ Sáu", 6: "thứ Bảy", 7: "Chủ nhật"}[iso]


def _ask_text(parent: QWidget, title: str, label: str) -> str | None:
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setOkButtonText("Đồng ý (Enter)")  # Qt ships no Vietnamese translation of its own buttons
    dialog.setCancelButtonText("Bỏ qua (Esc)")
    ok = dialog.exec() == QInputDialog.DialogCode.Accepted
    return dialog.textValue() if ok else None


def ask_yes_no(parent: QWidget, title: str, question: str) -> bool:
    """A question whose "yes" gives something up (unsaved input): the buttons in Vietnamese, and "no" the default,
    so Enter, a stray key after a stray shortcut, or Escape never throws the clerk's work away."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.NoButton, parent)
    yes = box.addButton("Có", QMessageBox.ButtonRole.YesRole)
    no = box.addButton("Không", QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes
