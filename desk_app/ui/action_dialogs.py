"""One small dialog per lifecycle action that needs input: each asks exactly for what the service takes.

A dialog is given the service call (``submit``, the dossier code already bound) and calls it itself when the clerk
presses Enter: a refusal (:class:`DomainError`) is shown at the field it names, with the focus moved there, and the
dialog stays open; on success the dialog closes with the service's :class:`ActionResult` in ``result_value``. So
the caller never sees a half-done action, and the clerk never sees a traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services.actions import ActionResult
from desk_app.services.dossier_view import FIELD_VN, Choice

log = logging.getLogger(__name__)

Submit = Callable[..., ActionResult]


def nfc(value: Any) -> Any:
    """Text as the services store it: NFC, whether Unikey/EVKey sent composed or decomposed characters."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    return value

ERROR_STYLE = "color: #b00020;"


class ActionDialog(QDialog):
    """The frame every action dialog shares: a form, an error line per field, Ghi (Enter) / Bỏ qua (Esc)."""

    def __init__(self, title: str, submit: Submit, *, object_name: str, ok_label: str = "Ghi",
                 intro: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(520)
        self._submit = submit
        self.result_value: ActionResult | None = None
        self._field_widgets: dict[str, QWidget] = {}
        self._field_errors: dict[str, QLabel] = {}

        self.main_layout = QVBoxLayout(self)
        if intro:
            note = QLabel(intro)
            note.setObjectName("dialogIntro")
            note.setWordWrap(True)
            self.main_layout.addWidget(note)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.main_layout.addLayout(self.form)

        self.general_error = QLabel()
        self.general_error.setObjectName("generalError")
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.hide()
        self.main_layout.addWidget(self.general_error)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.ok_button = QPushButton(f"{ok_label} (Enter)")
        self.ok_button.setObjectName("okButton")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self._on_ok)
        self.cancel_button = QPushButton("Bỏ qua (Esc)")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        self.main_layout.addLayout(buttons)
        # Ctrl+Enter submits from a multi-line field too, where Enter starts a new line.
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self._on_ok)

    # -- building ----------------------------------------------------------------------------------------------
    def add_field(self, label: str, widget: QWidget, *fields: str) -> None:
        """A row of the form: the widget with its own error line beneath; errors naming any of ``fields`` go there."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        error = QLabel()
        error.setWordWrap(True)
        error.setStyleSheet(ERROR_STYLE)
        error.setObjectName(f"{fields[0]}Error" if fields else "fieldError")
        error.hide()
        column.addWidget(error)
        self.form.addRow(label, box)
        for name in fields:
            self._field_widgets[name] = widget
            self._field_errors[name] = error

    # -- what the service gets ---------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The service call's keyword arguments, read from the widgets."""
        return {}

    def error_label(self, field: str | None) -> QLabel:
        return self._field_errors.get(field or "", self.general_error)

    def clear_errors(self) -> None:
        for label in {*self._field_errors.values(), self.general_error}:
            label.clear()
            label.hide()

    def show_error(self, error: DomainError) -> None:
        label = self.error_label(error.field)
        label.setText(error.message)
        label.show()
        widget = self._field_widgets.get(error.field or "")
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_ok(self) -> None:
        self.clear_errors()
        try:
            self.result_value = self._submit(**{key: nfc(value) for key, value in self.values().items()})
        except DomainError as error:
            self.show_error(error)
            return
        # Anything else is shown to the clerk in words and logged by type only (no personal data).
        except Exception as error:  # noqa: BLE001
            log.error("action failed: %s", type(error).__name__)
            self.general_error.setText(f"Không ghi được ({type(error).__name__}). Hãy thử lại hoặc báo quản trị viên.")
            self.general_error.show()
            return
        self.accept()


# -- no input: a confirmation --------------------------------------------------------------------------------------
class ConfirmDialog(ActionDialog):
    """An action that needs nothing but the clerk's word (resubmitted, result ready of an ordinary dossier)."""

    def __init__(self, title: str, message: str, submit: Submit, *, ok_label: str = "Ghi",
                 parent: QWidget | None = None) -> None:
        super().__init__(title, submit, object_name="confirmDialog", ok_label=ok_label, intro=message, parent=parent)
        self.ok_button.setFocus()


# -- transfer ------------------------------------------------------------------------------------------------------
class TransferDialog(ActionDialog):
    """Chuyển hồ sơ: to whom (free text, the procedure's bodies and recent targets offered), or to the upper level;
    for a bundle, which part (or the whole)."""

    def __init__(self, submit: Submit, *, targets: Sequence[str], upper_level_name: str,
                 components: Sequence[Choice] = (), parent: QWidget | None = None) -> None:
        super().__init__("Chuyển hồ sơ", submit, object_name="transferDialog", ok_label="Chuyển",
                         intro="Chuyển hồ sơ cho cán bộ hoặc cơ quan giải quyết.", parent=parent)
        self.component = QComboBox()
        self.component.setObjectName("transferComponent")
        self._resolving: dict[int, str] = {}
        if components:
            self.component.addItem("Cả hồ sơ (mọi thành phần chưa chuyển)", None)
            for choice in components:
                self.component.addItem(choice.label, choice.index)
                self._resolving[choice.index] = choice.resolving_body
            self.add_field("Thành phần:", self.component, "component")
            self.component.currentIndexChanged.connect(self._component_chosen)

        self.target = QComboBox()
        self.target.setObjectName("transferTarget")
        self.target.setEditable(True)
        self.target.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.target.addItems(list(targets))
        self.target.setCurrentIndex(-1)
        self.target.setEditText("")
        completer = QCompleter(list(targets), self.target)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.target.setCompleter(completer)
        line = self.target.lineEdit()
        assert line is not None
        line.setPlaceholderText("Tên cán bộ hoặc cơ quan giải quyết")
        self.add_field("Chuyển đến:", self.target, "to")

        self.upper = QCheckBox(f"Chuyển cấp trên ({upper_level_name})")
        self.upper.setObjectName("transferUpper")
        self.upper.toggled.connect(lambda on: self.target.setEnabled(not on))
        self.add_field("", self.upper, "upper")
        (self.component if components else self.target).setFocus()

    def _component_chosen(self) -> None:
        index = self.component.currentData()
        if index is not None and self._resolving.get(index):
            self.target.setEditText(self._resolving[index])

    def values(self) -> dict[str, Any]:
        upper = self.upper.isChecked()
        return {"to": None if upper else self.target.currentText(), "upper": upper,
                "component": self.component.currentData() if self.component.count() else None}


# -- supplement ----------------------------------------------------------------------------------------------------
class SupplementDialog(ActionDialog):
    """Yêu cầu bổ sung: the dossier's documents to tick, other items one per line, the reason — all in one go."""

    def __init__(self, submit: Submit, *, documents: Sequence[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(
            "Yêu cầu bổ sung hồ sơ (Mẫu 02)", submit, object_name="supplementDialog", ok_label="Ghi và in Mẫu 02",
            intro="Hướng dẫn một lần đầy đủ: đánh dấu mọi giấy tờ công dân phải bổ sung hoặc hoàn thiện, ghi thêm "
                  "giấy tờ khác nếu có. Phiếu yêu cầu bổ sung (Mẫu 02) sẽ được in để giao công dân.",
            parent=parent)
        self.setMinimumWidth(640)
        self.documents = QListWidget()
        self.documents.setObjectName("supplementDocuments")
        for document in documents:
            counts = []
            if document.get("originals"):
                counts.append(f"{document['originals']} bản chính")
            if document.get("copies"):
                counts.append(f"{document['copies']} bản sao")
            item = QListWidgetItem(document["name"] + (f" — {', '.join(counts)}" if counts else ""))
            item.setData(Qt.ItemDataRole.UserRole, document["name"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.documents.addItem(item)
        self.documents.setMinimumHeight(min(220, 28 * max(3, len(documents)) + 8))
        if self.documents.count():
            self.documents.setCurrentRow(0)
        self.add_field("Giấy tờ cần bổ sung\n(Space để đánh dấu):", self.documents, "items")

        self.other = QPlainTextEdit()
        self.other.setObjectName("supplementOther")
        self.other.setPlaceholderText("Giấy tờ khác hoặc nội dung cần hoàn thiện, mỗi dòng một mục")
        self.other.setTabChangesFocus(True)
        self.other.setFixedHeight(80)
        self.add_field("Giấy tờ khác:", self.other, "other")

        self.reason = QLineEdit()
        self.reason.setObjectName("supplementReason")
        self.reason.setPlaceholderText("Ví dụ: bản sao chưa chứng thực, tờ khai thiếu chữ ký")
        self.add_field("Lý do:", self.reason, "reason")
        self.documents.setFocus()

    def ticked(self) -> list[str]:
        return [str(self.documents.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.documents.count())
                if self.documents.item(i).checkState() is Qt.CheckState.Checked]

    def values(self) -> dict[str, Any]:
        lines = [line.strip() for line in self.other.toPlainText().splitlines() if line.strip()]
        return {"items": self.ticked() + lines, "reason": self.reason.text()}


# -- result ready (bundle) ----------------------------------------------------------------------------------------
class ResultReadyDialog(ActionDialog):
    """Có kết quả, for a bundle: which part has its result (or all the parts still waiting)."""

    def __init__(self, submit: Submit, *, components: Sequence[Choice], parent: QWidget | None = None) -> None:
        super().__init__("Có kết quả giải quyết", submit, object_name="resultReadyDialog",
                         intro="Hồ sơ liên thông: chọn thủ tục thành phần đã có kết quả. Hồ sơ chuyển sang "
                               "“Đã có kết quả” khi mọi thành phần đều có kết quả.", parent=parent)
        self.component = QComboBox()
        self.component.setObjectName("resultComponent")
        for choice in components:
            self.component.addItem(choice.label, choice.index)
        self.component.addItem("Tất cả các thành phần còn lại", None)
        self.add_field("Thành phần:", self.component, "component")
        self.component.setFocus()

    def values(self) -> dict[str, Any]:
        return {"component": self.component.currentData()}


# -- return with the satisfaction rating -------------------------------------------------------------------------
RATING_CHOICES: tuple[tuple[int | None, str, str], ...] = (
    (3, "Rất hài lòng", "3"),
    (2, "Hài lòng", "2"),
    (1, "Không hài lòng", "1"),
    (None, "Không đánh giá", "0"),
)


class ReturnDialog(ActionDialog):
    """Trả kết quả, with the citizen's rating on the 3-level scale (kept apart from the dossier, DOMAIN.md §8)."""

    def __init__(self, submit: Submit, *, collect_at: str, parent: QWidget | None = None) -> None:
        super().__init__("Trả kết quả cho công dân", submit, object_name="returnDialog", ok_label="Trả kết quả",
                         intro=f"Trả kết quả: {collect_at}.", parent=parent)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.ratings = QButtonGroup(self)
        self._buttons: dict[int | None, QRadioButton] = {}
        for level, label, key in RATING_CHOICES:
            button = QRadioButton(f"{label} (phím {key})")
            button.setObjectName(f"rating{key}")
            self.ratings.addButton(button)
            self._buttons[level] = button
            column.addWidget(button)
            QShortcut(QKeySequence(key), self).activated.connect(lambda b=button: b.setChecked(True))
        self._buttons[None].setChecked(True)
        note = QLabel("Đánh giá không ghi tên công dân và không gắn với hồ sơ.")
        note.setStyleSheet("color: #555;")
        column.addWidget(note)
        self.add_field("Mức độ hài lòng:", box, "rating")
        self.ok_button.setFocus()

    def rating(self) -> int | None:
        for level, button in self._buttons.items():
            if button.isChecked():
                return level
        return None

    def values(self) -> dict[str, Any]:
        return {"rating": self.rating()}


# -- endings with a reason ------------------------------------------------------------------------------------------
class ReasonDialog(ActionDialog):
    """Từ chối, rút hồ sơ, dừng xử lý, hủy nhập trùng: a title and the reason, required."""

    def __init__(self, title: str, submit: Submit, *, intro: str, reason_label: str = "Lý do:",
                 placeholder: str = "", ok_label: str = "Ghi", parent: QWidget | None = None) -> None:
        super().__init__(title, submit, object_name="reasonDialog", ok_label=ok_label, intro=intro, parent=parent)
        self.reason = QLineEdit()
        self.reason.setObjectName("reasonEdit")
        self.reason.setPlaceholderText(placeholder)
        self.reason.setMinimumWidth(380)
        self.add_field(reason_label, self.reason, "reason")
        self.reason.setFocus()

    def values(self) -> dict[str, Any]:
        return {"reason": self.reason.text()}


# -- apology and a new date -----------------------------------------------------------------------------------------
class RescheduleDialog(ActionDialog):
    """Xin lỗi và hẹn lại (Mẫu 04): the new date and the reason for the delay; the service judges both."""

    def __init__(self, submit: Submit, *, current_due: str, suggested: dt.date,
                 parent: QWidget | None = None) -> None:
        super().__init__(
            "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)", submit, object_name="rescheduleDialog",
            ok_label="Ghi và in Mẫu 04",
            intro=f"Hẹn trả hiện tại: {current_due}. Chỉ được hẹn lại một lần, chậm nhất trước ngày hẹn trả một "
                  "ngày. Phiếu xin lỗi và hẹn lại (Mẫu 04) sẽ được in.", parent=parent)
        self.new_date = QDateEdit()
        self.new_date.setObjectName("newDueDate")
        self.new_date.setCalendarPopup(True)
        self.new_date.setDisplayFormat("dd/MM/yyyy")
        self.new_date.setDate(QDate(suggested.year, suggested.month, suggested.day))
        self.add_field("Ngày hẹn mới:", self.new_date, "new_due")
        self.reason = QLineEdit()
        self.reason.setObjectName("rescheduleReason")
        self.reason.setPlaceholderText("Lý do chậm trễ")
        self.add_field("Lý do chậm trễ:", self.reason, "reason")
        self.new_date.setFocus()

    def values(self) -> dict[str, Any]:
        chosen = self.new_date.date()
        return {"new_due": dt.date(chosen.year(), chosen.month(), chosen.day()), "reason": self.reason.text()}


# -- correcting a mistyped field --------------------------------------------------------------------------------------
class CorrectDialog(ActionDialog):
    """Sửa thông tin nhập sai: which field, its right value; then (ticked by default) reprint the slip."""

    def __init__(self, submit: Submit, *, current: dict[str, str | None], parent: QWidget | None = None) -> None:
        super().__init__("Sửa thông tin nhập sai", submit, object_name="correctDialog", ok_label="Sửa",
                         intro="Việc sửa được ghi vào diễn biến hồ sơ (giá trị cũ và mới).", parent=parent)
        self._current = current
        self.field = QComboBox()
        self.field.setObjectName("correctField")
        for key, label in FIELD_VN.items():
            self.field.addItem(label, key)
        self.add_field("Trường cần sửa:", self.field, "field")
        self.value = QLineEdit()
        self.value.setObjectName("correctValue")
        self.add_field("Giá trị đúng:", self.value, "value", *FIELD_VN)
        self.reprint = QCheckBox("In lại giấy tiếp nhận sau khi sửa")
        self.reprint.setObjectName("reprintSlip")
        self.reprint.setChecked(True)
        self.add_field("", self.reprint)
        self.field.currentIndexChanged.connect(self._field_chosen)
        self._field_chosen()
        self.field.setFocus()

    def _field_chosen(self) -> None:
        key = str(self.field.currentData())
        # The ID number is shown masked: it is re-typed whole, never pre-filled.
        shown = None if key == "id_number" else self._current.get(key)
        self.value.setText(shown or "")
        self.value.setPlaceholderText("Nhập số CCCD đúng (12 số)" if key == "id_number" else "")

    def choose(self, key: str) -> None:
        self.field.setCurrentIndex(self.field.findData(key))

    def values(self) -> dict[str, Any]:
        return {"field": self.field.currentData(), "value": self.value.text()}
