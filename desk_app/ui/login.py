"""The first-run dialog (the commune's settings and the administrator) and the login dialog.

Both call desk_app.services.accounts; a refusal is shown in red under the field it names, with the focus there.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services import accounts
from desk_app.services.accounts import SignedIn
from desk_app.services.clock import Clock
from desk_app.store.db import Database

ERROR_STYLE = "color: #b00020;"
HINT_STYLE = "color: #5f6368;"
QWIDGETSIZE_MAX = (1 << 24) - 1


class FieldErrors:
    """Red labels under a form's fields, keyed by the field names the services put on their errors."""

    def __init__(self, general: QLabel) -> None:
        self._general = general
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        _style_error(general)

    def block(self, field: str, widget: QWidget, *, row: QWidget | None = None) -> QWidget:
        """``row`` (or the widget itself) with a hidden error label under it; errors on ``field`` show there and
        put the focus on ``widget``."""
        container = QWidget()
        layout = QVBoxLayout(container)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(row or widget)
        label = QLabel()
        label.setObjectName(f"{widget.objectName() or field}Error")
        _style_error(label)
        layout.addWidget(label)
        self._fields[field] = (widget, label)
        return container

    def alias(self, field: str, same_as: str) -> None:
        """Show errors on ``field`` where those on ``same_as`` go."""
        self._fields[field] = self._fields[same_as]

    def show(self, error: DomainError) -> None:
        self.clear()
        target = self._fields.get(error.field or "")
        if target is None:
            self._general.setText(error.message)
            self._general.show()
            _fit_height(self._general)
            return
        widget, label = target
        label.setText(error.message)
        label.show()
        _fit_height(label)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QLineEdit):
            widget.selectAll()

    def clear(self) -> None:
        for label in [label for _, label in self._fields.values()] + [self._general]:
            label.clear()
            label.setMinimumHeight(0)
            label.setMaximumHeight(QWIDGETSIZE_MAX)
            label.hide()

    def message(self, field: str | None = None) -> str:
        """The message shown at ``field`` (the general one for None); empty when none is shown."""
        label = self._general if field is None else self._fields[field][1]
        return label.text() if not label.isHidden() else ""


def _fit_height(label: QLabel) -> None:
    """Give a wrapped message the lines it needs and grow its window to match (form layouts do not pass a wrapped
    label's height-for-width up to a window already shown)."""
    width = label.parentWidget().width() if label.parentWidget() is not None else label.width()
    if width <= 0 or not label.isVisibleTo(label.window()):
        return
    margins = label.contentsMargins()
    label.setFixedHeight(label.heightForWidth(width - margins.left() - margins.right()))
    window = label.window()
    layout = window.layout()
    if layout is None:
        return
    for _ in range(4):  # nested layouts settle one level per round of layout requests
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    layout.activate()
    needed = layout.totalSizeHint().height()
    if needed > window.height():
        window.resize(window.width(), needed)


def _align_labels(*forms: QFormLayout) -> None:
    """One label width for several forms, so their fields line up."""
    labels = [item.widget() for form in forms for row in range(form.rowCount())
              if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None and item.widget() is not None]
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)


def _style_error(label: QLabel) -> None:
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()


def line_edit(name: str, *, text: str = "", placeholder: str = "", password: bool = False) -> QLineEdit:
    edit = QLineEdit(text)
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def heading(text: str, size: int, *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    font = QFont()
    font.setPointSize(size)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(wrap)
    return label


def hint(text: str, *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(HINT_STYLE)
    label.setWordWrap(wrap)
    return label


class FirstRunDialog(QDialog):
    """Set up a new desk: the commune's settings printed on every slip, and the administrator's account."""

    def __init__(self, db: Database, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._clock = clock
        self.signed_in: SignedIn | None = None
        self.setObjectName("firstRunDialog")
        self.setWindowTitle("Một Cửa Desk — Thiết lập lần đầu")
        self.setMinimumWidth(640)

        general = QLabel()
        general.setObjectName("firstRunError")
        self.errors = FieldErrors(general)

        self.commune = line_edit("firstRunCommune", placeholder="ví dụ: UBND xã Mỹ Phong")
        self.agency_code = line_edit("firstRunAgencyCode", placeholder="ví dụ: 000.31.22.H20")
        self.upper_level = line_edit("firstRunUpperLevel", placeholder="ví dụ: UBND tỉnh Đồng Tháp")
        self.upper_kind = QComboBox()
        self.upper_kind.setObjectName("firstRunUpperLevelKind")
        self.upper_kind.addItem("Cấp tỉnh", "province")
        self.upper_kind.addItem("Cấp huyện", "district")
        self.hotline = line_edit("firstRunHotline", text="Tổng đài 1022")
        self.office_hours = line_edit("firstRunOfficeHours", text="07:00-11:30,13:30-17:00")
        self.saturday = line_edit("firstRunSaturday", placeholder="ví dụ: 07:30-11:30 (để trống nếu không tiếp nhận)")
        self.paper_size = QComboBox()
        self.paper_size.setObjectName("firstRunPaperSize")
        self.paper_size.addItem("A5 (khổ thường dùng)", "A5")
        self.paper_size.addItem("A4", "A4")
        self.paper_size.addItem("Giấy cuộn 80 mm", "80mm")

        self.username = line_edit("firstRunUsername", placeholder="ví dụ: quantri")
        self.full_name = line_edit("firstRunFullName", placeholder="ví dụ: Trần Văn An")
        self.password = line_edit("firstRunPassword", password=True, placeholder="ít nhất 8 ký tự")
        self.password_repeat = line_edit("firstRunPasswordRepeat", password=True)

        upper_row = QWidget()
        upper_layout = QHBoxLayout(upper_row)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.upper_level, 1)
        upper_layout.addWidget(self.upper_kind)

        agency_row = QWidget()
        agency_layout = QVBoxLayout(agency_row)
        agency_layout.setContentsMargins(0, 0, 0, 0)
        agency_layout.setSpacing(2)
        agency_layout.addWidget(self.agency_code)
        agency_hint = QLabel("Mã định danh theo QCVN 102:2016, do tỉnh cấp; là phần đầu của mã hồ sơ.")
        agency_hint.setStyleSheet(HINT_STYLE)
        agency_layout.addWidget(agency_hint)

        commune_box = QGroupBox("Đơn vị tiếp nhận (in trên giấy tiếp nhận và hẹn trả kết quả)")
        commune_form = QFormLayout(commune_box)
        commune_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        commune_form.addRow("Tên đơn vị:", self.errors.block("commune_name", self.commune))
        commune_form.addRow("Mã cơ quan:", self.errors.block("agency_code", self.agency_code, row=agency_row))
        commune_form.addRow("Cấp trên:", self.errors.block("upper_level_name", self.upper_level, row=upper_row))
        self.errors.alias("upper_level_kind", "upper_level_name")
        commune_form.addRow("Đường dây nóng:", self.errors.block("hotline", self.hotline))
        commune_form.addRow("Giờ làm việc:", self.errors.block("office_hours", self.office_hours))
        commune_form.addRow("Sáng thứ Bảy:", self.errors.block("saturday_reception", self.saturday))
        commune_form.addRow("Khổ giấy in:", self.errors.block("paper_size", self.paper_size))

        admin_box = QGroupBox("Tài khoản quản trị viên")
        admin_form = QFormLayout(admin_box)
        admin_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        admin_form.addRow("Tên đăng nhập:", self.errors.block("username", self.username))
        admin_form.addRow("Họ và tên:", self.errors.block("full_name", self.full_name))
        admin_form.addRow("Mật khẩu:", self.errors.block("password", self.password))
        admin_form.addRow("Nhập lại mật khẩu:", self.errors.block("password_repeat", self.password_repeat))

        _align_labels(commune_form, admin_form)

        self.save_button = QPushButton("Lưu và bắt đầu (Ctrl+S)")
        self.save_button.setObjectName("firstRunSave")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Thoát (Esc)")
        cancel.setObjectName("firstRunCancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(general, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Thiết lập lần đầu", 16))
        layout.addWidget(hint(
            "Máy này chưa có dữ liệu của đơn vị. Nhập thông tin của xã/phường và tạo tài khoản quản trị viên; "
            "quản trị viên sẽ tạo tài khoản cho cán bộ tiếp nhận và lãnh đạo, và có thể sửa các thông tin này "
            "sau trong Thiết lập."))
        layout.addWidget(commune_box)
        layout.addWidget(admin_box)
        layout.addLayout(buttons)
        self.commune.setFocus()

    def settings(self) -> dict[str, str]:
        """The commune's settings as typed, in the form's order."""
        return {
            "commune_name": self.commune.text(),
            "agency_code": self.agency_code.text(),
            "upper_level_name": self.upper_level.text(),
            "upper_level_kind": str(self.upper_kind.currentData()),
            "hotline": self.hotline.text(),
            "office_hours": self.office_hours.text(),
            "saturday_reception": self.saturday.text(),
            "paper_size": str(self.paper_size.currentData()),
        }

    def save(self) -> None:
        self.errors.clear()
        if self.password.text() != self.password_repeat.text():
            self.password_repeat.clear()
            self.errors.show(DomainError("Hai lần nhập mật khẩu không khớp. Nhập lại mật khẩu.",
                                         field="password_repeat"))
            return
        try:
            self.signed_in = accounts.first_run(
                self._db, self._clock, username=self.username.text(), full_name=self.full_name.text(),
                password=self.password.text(), settings=self.settings())
        except DomainError as error:
            self.errors.show(error)
            return
        self.accept()


class LoginDialog(QDialog):
    """Sign in: username, password, Enter. Escape cancels (the application then closes)."""

    def __init__(self, db: Database, clock: Clock, commune_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._clock = clock
        self.signed_in: SignedIn | None = None
        self.setObjectName("loginDialog")
        self.setWindowTitle("Một Cửa Desk — Đăng nhập")
        self.setMinimumWidth(420)

        general = QLabel()
        general.setObjectName("loginError")
        self.errors = FieldErrors(general)
        self.username = line_edit("loginUsername", placeholder="ví dụ: nv.lan")
        self.password = line_edit("loginPassword", password=True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Tên đăng nhập:", self.errors.block("username", self.username))
        form.addRow("Mật khẩu:", self.errors.block("password", self.password))

        self.login_button = QPushButton("Đăng nhập (Enter)")
        self.login_button.setObjectName("loginButton")
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.log_in)
        cancel = QPushButton("Thoát (Esc)")
        cancel.setObjectName("loginCancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.login_button)

        commune = heading(commune_name, 15, wrap=False)
        commune.setObjectName("loginCommune")
        layout = QVBoxLayout(self)
        layout.addWidget(commune)
        layout.addWidget(hint("Một Cửa Desk — Bộ phận tiếp nhận và trả kết quả", wrap=False))
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(general)
        layout.addLayout(buttons)
        self.username.setFocus()

    def log_in(self) -> None:
        self.errors.clear()
        try:
            self.signed_in = accounts.authenticate(self._db, self._clock, self.username.text(), self.password.text())
        except DomainError as error:
            if error.field == "password":
                self.password.clear()
            self.errors.show(error)
            return
        self.accept()
