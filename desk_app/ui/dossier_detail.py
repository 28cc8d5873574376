"""The dossier detail view: the whole record, its history, and the actions the lifecycle allows now.

Everything shown comes from :func:`desk_app.services.dossier_view.detail`; the buttons are its ``allowed_actions``
(recomputed after every action), so the widget decides nothing. Each action opens its dialog (which calls the
service and shows a refusal at the field), then the view shows the service's message, reloads, emits ``changed``
and prints what the action must leave with the citizen, through the injected runner and ``output``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services.actions import ActionResult, DossierActions
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_view import ACTION_KEYS, FIELD_VN, PRINT_AFTER, SPECS, ActionSpec, detail, reveal_id
from desk_app.services.print_jobs import PrintJob, dossier_form
from desk_app.ui.action_dialogs import (
    ActionDialog,
    ConfirmDialog,
    CorrectDialog,
    ReasonDialog,
    RescheduleDialog,
    ResultReadyDialog,
    ReturnDialog,
    SupplementDialog,
    TransferDialog,
)
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

TIMELINESS_COLOURS = {
    "within": "#1b5e20",
    "early": "#1b5e20",
    "on_time": "#0d47a1",
    "overdue": "#b00020",
    "late": "#b00020",
    "waiting": "#8a5a00",
}
ACTION_COLUMNS = 6


class PrintOutput(Protocol):
    """Where a printed form goes: the print preview, the default printer, or (in tests) a list."""

    def deliver(self, job: PrintJob) -> None: ...


RunDialog = Callable[[ActionDialog], bool]


def exec_dialog(dialog: ActionDialog) -> bool:
    """Show an action dialog modally; True when the action was recorded."""
    return dialog.exec() == QDialog.DialogCode.Accepted


# The endings that only need a reason: title, intro, label, placeholder, button.
REASON_DIALOGS: dict[str, tuple[str, str, str, str, str]] = {
    "refuse": ("Từ chối giải quyết hồ sơ (Mẫu 03)",
               "Ghi lý do cụ thể; Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03) sẽ được in để giao công dân.",
               "Lý do từ chối:", "Lý do cụ thể, ví dụ: không thuộc thẩm quyền giải quyết của xã", "Từ chối và in Mẫu 03"),
    "withdraw": ("Công dân rút hồ sơ", "Công dân yêu cầu rút hồ sơ; hồ sơ sẽ kết thúc.", "Lý do rút:",
                 "Ví dụ: công dân không còn nhu cầu", "Ghi rút hồ sơ"),
    "stop": ("Dừng xử lý hồ sơ", "Hồ sơ sẽ dừng xử lý; Thông báo dừng giải quyết hồ sơ sẽ được in.",
             "Lý do dừng:", "Lý do dừng xử lý", "Dừng và in thông báo"),
    "void": ("Hủy hồ sơ nhập trùng", "Chỉ dùng khi hồ sơ bị nhập trùng hoặc nhập nhầm; việc hủy được ghi lại.",
             "Lý do hủy:", "Ví dụ: nhập trùng với hồ sơ 000.31.22.H20-260302-0001", "Hủy hồ sơ"),
}


def _bold(size_delta: int = 0) -> QFont:
    font = QFont()
    font.setBold(True)
    if size_delta:
        font.setPointSize(font.pointSize() + size_delta)
    return font


def _value_label(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


def _table(object_name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(object_name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.setAlternatingRowColors(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    table.resizeRowsToContents()


def _fit_height(table: QTableWidget, max_rows: int) -> None:
    """As tall as its rows (up to ``max_rows``), so the history below gets the rest of the window."""
    rows = sum(table.rowHeight(r) for r in range(min(table.rowCount(), max_rows)))
    if table.rowCount() == 0:
        rows = table.verticalHeader().defaultSectionSize()
    table.setFixedHeight(table.horizontalHeader().height() + rows + 2 * table.frameWidth() + 2)


class DossierDetail(QDialog):
    """One dossier at the counter. ``output.deliver(job)`` receives every form printed from here."""

    changed = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: Runner, output: PrintOutput, code: str,
                 parent: QWidget | None = None, *, run_dialog: RunDialog | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dossierDetail")
        self.ctx = ctx
        self.runner = runner
        self.output = output
        self.code = code
        self.actions = DossierActions(ctx)
        # How an action dialog is shown: modally by default; tests drive the real dialog without a nested loop.
        self.run_dialog: RunDialog = run_dialog or exec_dialog
        self.data: dict[str, Any] = {}
        self.revealed = False
        self._printing: set[str] = set()  # the forms on their way to the printer: a second press waits for them
        self.setWindowTitle(f"Hồ sơ {code}")
        self.resize(1200, 800)
        self._build()
        self.reload()

    # -- layout ------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)

        header = QHBoxLayout()
        self.code_label = _value_label("dossierCode")
        self.code_label.setFont(_bold(5))
        self.code_label.setWordWrap(False)
        self.status_label = QLabel()
        self.status_label.setObjectName("dossierStatus")
        self.status_label.setFont(_bold(2))
        self.status_label.setStyleSheet("padding: 2px 10px; border: 1px solid #888; border-radius: 4px;")
        self.timeliness_label = QLabel()
        self.timeliness_label.setObjectName("dossierTimeliness")
        self.timeliness_label.setFont(_bold(2))
        header.addWidget(self.code_label)
        header.addSpacing(16)
        header.addWidget(self.status_label)
        header.addSpacing(8)
        header.addWidget(self.timeliness_label)
        header.addStretch(1)
        outer.addLayout(header)

        body = QHBoxLayout()
        left = QVBoxLayout()
        right = QVBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 3)
        outer.addLayout(body, 1)

        # The applicant
        applicant = QGroupBox("Người nộp hồ sơ")
        form = QFormLayout(applicant)
        self.fields: dict[str, QLabel] = {}
        for key in ("name", "birth_date", "sex", "phone", "email", "address"):
            self.fields[key] = _value_label(f"detail_{key}")
        self.id_label = _value_label("detail_id_number")
        self.id_label.setWordWrap(False)
        self.reveal_button = QPushButton("Hiện số CCCD (Ctrl+I)")
        self.reveal_button.setObjectName("revealIdButton")
        QShortcut(QKeySequence("Ctrl+I"), self).activated.connect(self._reveal_shortcut)
        self.reveal_button.setAutoDefault(False)
        self.reveal_button.clicked.connect(self.toggle_id)
        id_row = QHBoxLayout()
        id_row.addWidget(self.id_label)
        id_row.addWidget(self.reveal_button)
        id_row.addStretch(1)
        form.addRow("Họ và tên:", self.fields["name"])
        form.addRow("Số CCCD:", id_row)
        for key in ("birth_date", "sex", "phone", "email", "address"):
            form.addRow(f"{FIELD_VN[key]}:", self.fields[key])
        left.addWidget(applicant)

        # The dossier
        dossier = QGroupBox("Hồ sơ")
        form = QFormLayout(dossier)
        rows = (
            ("procedure", "Thủ tục:"),
            ("time_limit", "Thời hạn giải quyết:"),
            ("channel", "Kênh nộp:"),
            ("collect_at", "Nơi nhận kết quả:"),
            ("fee", "Phí, lệ phí:"),
            ("received_at", "Nhận hồ sơ lúc:"),
            ("due_at", "Hẹn trả kết quả:"),
            ("transferred_to", "Đang ở:"),
            ("ledger", "Sổ theo dõi:"),
            ("close_reason", "Lý do kết thúc:"),
        )
        self.dossier_rows: dict[str, tuple[QLabel, QLabel]] = {}
        for key, caption in rows:
            value = _value_label(f"detail_{key}")
            label = QLabel(caption)
            form.addRow(label, value)
            self.dossier_rows[key] = (label, value)
        left.addWidget(dossier)
        left.addStretch(1)

        # Documents, parts of a bundle, the history
        right.addWidget(QLabel("Giấy tờ đã nộp"))
        self.documents = _table("documentsTable", ["Tên giấy tờ", "Bản chính", "Bản sao"])
        header_view = self.documents.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header_view.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        right.addWidget(self.documents)

        self.components_box = QGroupBox("Thủ tục thành phần (liên thông)")
        box = QVBoxLayout(self.components_box)
        self.components = _table("componentsTable", ["Thành phần", "Hẹn trả", "Đang ở", "Có kết quả"])
        header_view = self.components.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header_view.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        box.addWidget(self.components)
        right.addWidget(self.components_box)

        right.addWidget(QLabel("Diễn biến hồ sơ"))
        self.timeline = _table("timelineTable", ["Thời điểm", "Diễn biến", "Người thực hiện", "Chi tiết"])
        header_view = self.timeline.horizontalHeader()
        for column in (0, 1, 2):
            header_view.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        right.addWidget(self.timeline, 1)

        # Actions
        actions_box = QGroupBox("Thao tác")
        actions_layout = QVBoxLayout(actions_box)
        self.action_grid = QGridLayout()
        for column in range(ACTION_COLUMNS):
            self.action_grid.setColumnStretch(column, 1)
        actions_layout.addLayout(self.action_grid)
        self.hint = QLabel()
        self.hint.setObjectName("actionHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        actions_layout.addWidget(self.hint)
        outer.addWidget(actions_box)

        self.buttons: dict[str, QPushButton] = {}
        for key in ACTION_KEYS:
            spec = SPECS[key]
            button = QPushButton(f"{spec.label_vn} ({spec.shortcut})", self)
            button.setObjectName(f"action_{key}")
            button.setAutoDefault(False)
            button.clicked.connect(partial(self.trigger, key))
            button.hide()
            self.buttons[key] = button
            # A shortcut of its own, acting at once (a button's shortcut animates a click first); an action the
            # lifecycle does not allow now is ignored by trigger().
            QShortcut(QKeySequence(spec.shortcut), self).activated.connect(partial(self.trigger, key))

        footer = QHBoxLayout()
        self.status_line = QLabel()
        self.status_line.setObjectName("statusLine")
        self.status_line.setWordWrap(True)
        footer.addWidget(self.status_line, 1)
        close = QPushButton("Đóng (Esc)")
        close.setObjectName("closeButton")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        footer.addWidget(close)
        outer.addLayout(footer)

    # -- showing the record --------------------------------------------------------------------------------------
    def reload(self) -> None:
        try:
            self.data = detail(self.ctx, self.code)
        except DomainError as error:
            self.show_status(error.message, error=True)
            return
        self.revealed = False
        self._show(self.data)

    def _show(self, d: dict[str, Any]) -> None:
        self.code = d["code"]
        self.setWindowTitle(f"Hồ sơ {d['code']} — {d['name']}")
        self.code_label.setText(d["code"])
        self.status_label.setText(d["status_vn"])
        timeliness = d.get("timeliness")
        text = d.get("timeliness_vn") or ""
        if d.get("timeliness_new_date_vn"):
            text += f" (theo hẹn mới: {d['timeliness_new_date_vn'].lower()})"
        self.timeliness_label.setText(text)
        self.timeliness_label.setStyleSheet(f"color: {TIMELINESS_COLOURS.get(timeliness or '', '#333')};")

        person = d["applicant_vn"]
        missing = "đã xóa (hết thời hạn lưu)" if d.get("redacted") else "—"
        for key, label in self.fields.items():
            label.setText(person.get(key) or missing)
        self.id_label.setText(person["id_number"] or missing)
        self.reveal_button.setVisible(bool(d["has_id_number"]))
        self.reveal_button.setText("Hiện số CCCD (Ctrl+I)")

        due = d["due_at_vn"]
        if d["rescheduled"]:
            due += f" (hẹn lại; hẹn cũ {d['original_due_at_vn']})"
        ledger = d["ledger"]
        values = {
            "procedure": f"{d['procedure']} ({d['procedure_code']})",
            "time_limit": d["time_limit_vn"],
            "channel": d["channel_vn"],
            "collect_at": d["collect_at"],
            "fee": d["fee_text"],
            "received_at": d["received_at_vn"],
            "due_at": due,
            "transferred_to": d["transferred_to"] or "Bộ phận Tiếp nhận và Trả kết quả",
            "ledger": f"Quyển số {ledger['book']}, số thứ tự {ledger['number']}",
            "close_reason": d["close_reason"] or "",
        }
        for key, (label, value) in self.dossier_rows.items():
            value.setText(values[key])
            shown = key != "close_reason" or bool(values[key])
            label.setVisible(shown)
            value.setVisible(shown)

        _fill(self.documents, [[doc["name"], str(doc["originals"]), str(doc["copies"])] for doc in d["documents"]])
        _fit_height(self.documents, 8)
        self.components_box.setVisible(d["is_bundle"])
        _fill(self.components, [[c["label"], c["due_at"], c["transferred_to"] or "—", c["ready_at"] or "—"]
                                for c in d["components_vn"]])
        _fit_height(self.components, 5)
        _fill(self.timeline, [[e["at"], e["what"], e["actor"], e["details"]] for e in d["timeline"]])
        self.timeline.scrollToBottom()

        self._show_actions(d["allowed_actions"], d["blocked"], d["status"])

    def _show_actions(self, allowed: list[ActionSpec], blocked: dict[str, str], status: str) -> None:
        self.specs = {spec.key: spec for spec in allowed}
        while self.action_grid.count():
            self.action_grid.takeAt(0)
        # The lifecycle actions first, the print actions from a fresh row, in one grid so the columns align.
        row = 0
        for specs in ([s for s in allowed if not s.is_print], [s for s in allowed if s.is_print]):
            for i, spec in enumerate(specs):
                self.action_grid.addWidget(self.buttons[spec.key], row + i // ACTION_COLUMNS, i % ACTION_COLUMNS)
            row += (len(specs) + ACTION_COLUMNS - 1) // ACTION_COLUMNS
        for key, button in self.buttons.items():
            button.setVisible(key in self.specs)
            button.setEnabled(key in self.specs)
        # Why the apology is not offered, while the dossier is still open: the clerk should know.
        hint = blocked.get("reschedule") if status in ("received", "in_progress", "supplement_requested") else None
        self.hint.setText(f"Không thể xin lỗi, hẹn lại: {hint}" if hint else "")
        self.hint.setVisible(bool(hint))

    def visible_actions(self) -> list[str]:
        """The keys of the action buttons the clerk sees, in order."""
        return [key for key in ACTION_KEYS if not self.buttons[key].isHidden()]

    def show_status(self, message: str, *, error: bool = False) -> None:
        self.status_line.setText(message)
        self.status_line.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")

    # -- the ID number -------------------------------------------------------------------------------------------
    def _reveal_shortcut(self) -> None:
        if not self.reveal_button.isHidden():
            self.toggle_id()

    def toggle_id(self) -> None:
        if self.revealed:
            self.id_label.setText(self.data["applicant_vn"]["id_number"] or "—")
            self.reveal_button.setText("Hiện số CCCD (Ctrl+I)")
            self.revealed = False
            return
        try:
            number = reveal_id(self.ctx, self.code)
        except DomainError as error:
            self.show_status(error.message, error=True)
            return
        if number is None:
            return
        self.id_label.setText(number)
        self.reveal_button.setText("Ẩn số CCCD (Ctrl+I)")
        self.revealed = True
        self.show_status("Đã hiện số CCCD; việc xem được ghi vào nhật ký.")

    # -- actions -------------------------------------------------------------------------------------------------
    def trigger(self, key: str) -> None:
        spec = self.specs.get(key)
        if spec is None:
            return  # not allowed now (a stale shortcut): the domain said no
        if spec.form is not None:
            self.print_form(spec.form)
            return
        dialog = self._dialog(spec)
        if not self.run_dialog(dialog):
            return
        result = dialog.result_value
        assert result is not None
        self._done(spec, result, dialog)

    def _dialog(self, spec: ActionSpec) -> ActionDialog:
        a, code, d = self.actions, self.code, self.data
        key = spec.key
        if key == "transfer":
            return TransferDialog(partial(a.transfer, code), targets=d["transfer_targets"],
                                  upper_level_name=d["upper_level_name"], components=spec.components, parent=self)
        if key == "request_supplement":
            return SupplementDialog(partial(a.request_supplement, code), documents=d["documents"], parent=self)
        if key == "resubmit":
            return ConfirmDialog("Nhận hồ sơ bổ sung",
                                 "Công dân đã nộp đủ giấy tờ bổ sung? Ngày hẹn trả sẽ được tính lại.",
                                 partial(a.resubmit, code), ok_label="Đã nhận đủ", parent=self)
        if key == "result_ready":
            if spec.components:
                return ResultReadyDialog(partial(a.result_ready, code), components=spec.components, parent=self)
            return ConfirmDialog("Có kết quả giải quyết", "Ghi nhận hồ sơ đã có kết quả giải quyết?",
                                 partial(a.result_ready, code), parent=self)
        if key == "return_result":
            return ReturnDialog(partial(a.return_result, code), collect_at=d["collect_at"], parent=self)
        if key in REASON_DIALOGS:
            title, intro, label, placeholder, ok = REASON_DIALOGS[key]
            call = {"refuse": a.refuse, "withdraw": a.withdraw, "stop": a.stop, "void": a.void}[key]
            return ReasonDialog(title, partial(call, code), intro=intro, reason_label=label, placeholder=placeholder,
                                ok_label=ok, parent=self)
        if key == "reschedule":
            return RescheduleDialog(partial(a.reschedule, code), current_due=d["due_at_vn"],
                                    suggested=d["suggested_new_due"], parent=self)
        if key == "correct":
            person = d["applicant_vn"]
            current = {**person, "return_address": d["return_address"]}
            return CorrectDialog(partial(a.correct, code), current=current, parent=self)
        raise KeyError(key)

    def _done(self, spec: ActionSpec, result: ActionResult, dialog: ActionDialog) -> None:
        message = result.message
        if spec.key in ("resubmit", "reschedule"):
            message += f" Hẹn trả kết quả: {result.due_at:%H:%M ngày %d/%m/%Y}."
        self.reload()
        self.show_status(message)
        self.changed.emit(self.code)
        form = PRINT_AFTER.get(spec.key)
        if spec.key == "correct" and isinstance(dialog, CorrectDialog) and dialog.reprint.isChecked():
            form = "slip"
        if form is not None:
            self.print_form(form, lead=message)

    # -- printing ----------------------------------------------------------------------------------------------
    def print_form(self, form: str, lead: str = "") -> None:
        """Render the form off the GUI thread and hand it to ``output``; ``lead`` is the action's message."""
        if form in self._printing:
            return  # Ctrl+P pressed again while the first copy is being prepared: one copy, not two
        ctx, code, output, printing = self.ctx, self.code, self.output, self._printing
        printing.add(form)

        def work() -> PrintJob:  # on a pool thread: no widget here
            return dossier_form(ctx, code, form)

        def done(job: PrintJob) -> None:
            printing.discard(form)
            # The clerk may have closed the view meanwhile: the form still goes out.
            try:
                output.deliver(job)
            except Exception as error:  # noqa: BLE001
                failed(error)
                return
            if shiboken6.isValid(self):
                self.show_status(f"{lead} Đã gửi in: {job.title}.".strip())

        def failed(error: BaseException) -> None:
            printing.discard(form)
            if not shiboken6.isValid(self):
                log.error("printing failed after the view closed: %s", type(error).__name__)
            elif isinstance(error, DomainError):
                self.show_status(f"{lead} {error.message}".strip(), error=True)
            else:
                log.error("printing failed: %s", type(error).__name__)
                self.show_status(f"{lead} Không in được biểu mẫu; hãy thử lại.".strip(), error=True)

        self.show_status(f"{lead} Đang chuẩn bị bản in…".strip())
        self.runner.submit(work, done, failed)
