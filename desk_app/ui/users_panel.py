"""The administrator's management of user accounts: the list, adding an account, resetting a password, and
disabling or re-enabling an account. Every rule (who may, the password policy, the last administrator) is the
service's; a refusal shows at the field it names."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
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
from desk_app.services import accounts
from desk_app.services.accounts import ROLES, PermissionDenied, UserRow
from desk_app.services.context import ServiceContext
from desk_app.ui.login import FieldErrors, heading, line_edit

COLUMNS = ("Tên đăng nhập", "Họ và tên", "Vai trò", "Trạng thái", "Đăng nhập gần nhất")


def _status(row: UserRow) -> str:
    if not row.active:
        return "Đã khóa"
    if row.locked_until is not None:
        return f"Tạm khóa đến {row.locked_until:%H:%M:%S} (nhập sai mật khẩu)"
    return "Đang dùng"


class _FormDialog(QDialog):
    """A small dialog: a form, a red general message, Cancel (Esc) and a default Save (Enter)."""

    def __init__(self, name: str, title: str, save_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        general = QLabel()
        general.setObjectName(f"{name}Error")
        self.errors = FieldErrors(general)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.save_button = QPushButton(save_text)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Hủy (Esc)")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.form)
        self.body.addWidget(general)
        self.body.addLayout(buttons)

    def save(self) -> None:
        raise NotImplementedError


class CreateUserDialog(_FormDialog):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__("createUserDialog", "Thêm tài khoản", "Tạo tài khoản (Enter)", parent)
        self._ctx = ctx
        self.created: UserRow | None = None
        self.save_button.setObjectName("newUserSave")
        self.username = line_edit("newUserUsername", placeholder="ví dụ: nv.lan")
        self.full_name = line_edit("newUserFullName", placeholder="ví dụ: Nguyễn Thị Lan")
        self.role = QComboBox()
        self.role.setObjectName("newUserRole")
        for key in ("clerk", "leader", "admin"):
            self.role.addItem(ROLES[key], key)
        self.password = line_edit("newUserPassword", password=True, placeholder="ít nhất 8 ký tự")
        self.password_repeat = line_edit("newUserPasswordRepeat", password=True)
        self.form.addRow("Tên đăng nhập:", self.errors.block("username", self.username))
        self.form.addRow("Họ và tên:", self.errors.block("full_name", self.full_name))
        self.form.addRow("Vai trò:", self.errors.block("role", self.role))
        self.form.addRow("Mật khẩu:", self.errors.block("password", self.password))
        self.form.addRow("Nhập lại mật khẩu:", self.errors.block("password_repeat", self.password_repeat))
        self.username.setFocus()

    def save(self) -> None:
        self.errors.clear()
        if self.password.text() != self.password_repeat.text():
            self.password_repeat.clear()
            self.errors.show(DomainError("Hai lần nhập mật khẩu không khớp.", field="password_repeat"))
            return
        try:
            self.created = accounts.create_user(self._ctx, self.username.text(), self.full_name.text(),
                                                str(self.role.currentData()), self.password.text())
        except DomainError as error:
            self.errors.show(error)
            return
        self.accept()


class ResetPasswordDialog(_FormDialog):
    def __init__(self, ctx: ServiceContext, user: UserRow, parent: QWidget | None = None) -> None:
        super().__init__("resetPasswordDialog", "Đặt lại mật khẩu", "Đặt mật khẩu (Enter)", parent)
        self._ctx = ctx
        self.user = user
        self.save_button.setObjectName("resetSave")
        self.password = line_edit("resetPassword", password=True, placeholder="ít nhất 8 ký tự")
        self.password_repeat = line_edit("resetPasswordRepeat", password=True)
        self.form.addRow("Mật khẩu mới:", self.errors.block("password", self.password))
        self.form.addRow("Nhập lại mật khẩu:", self.errors.block("password_repeat", self.password_repeat))
        self.errors.alias("username", "password")
        about = QLabel(f"Đặt mật khẩu mới cho {user.full_name} ({user.username}). Nếu tài khoản đang tạm khóa vì "
                       "nhập sai mật khẩu, tài khoản được mở ngay.")
        about.setWordWrap(True)
        self.body.insertWidget(0, about)
        self.password.setFocus()

    def save(self) -> None:
        self.errors.clear()
        if self.password.text() != self.password_repeat.text():
            self.password_repeat.clear()
            self.errors.show(DomainError("Hai lần nhập mật khẩu không khớp.", field="password_repeat"))
            return
        try:
            accounts.reset_password(self._ctx, self.user.username, self.password.text())
        except DomainError as error:
            self.errors.show(error)
            return
        self.accept()


class ToggleActiveDialog(_FormDialog):
    def __init__(self, ctx: ServiceContext, user: UserRow, parent: QWidget | None = None) -> None:
        disabling = user.active
        super().__init__("toggleActiveDialog", "Khóa tài khoản" if disabling else "Mở tài khoản",
                         "Khóa tài khoản (Enter)" if disabling else "Mở tài khoản (Enter)", parent)
        self._ctx = ctx
        self.user = user
        self.save_button.setObjectName("toggleConfirm")
        if disabling:
            text = (f"Khóa tài khoản {user.username} ({user.full_name})? Người này sẽ không đăng nhập được cho đến "
                    "khi được mở lại. Hồ sơ và nhật ký đã ghi vẫn giữ nguyên.")
        else:
            text = f"Mở lại tài khoản {user.username} ({user.full_name})? Người này đăng nhập bằng mật khẩu hiện có."
        about = QLabel(text)
        about.setObjectName("toggleQuestion")
        about.setWordWrap(True)
        self.body.insertWidget(0, about)
        self.save_button.setFocus()

    def save(self) -> None:
        self.errors.clear()
        try:
            accounts.set_active(self._ctx, self.user.username, not self.user.active)
        except DomainError as error:
            self.errors.show(error)
            return
        self.accept()


class UsersPanel(QWidget):
    """The list of accounts with the administrator's three actions; others see why they cannot manage accounts."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._rows: list[UserRow] = []
        self._allowed = True
        self.dialog: QDialog | None = None
        self.setObjectName("usersPanel")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Tài khoản người dùng", 14))

        self.denied = QLabel()
        self.denied.setObjectName("usersDenied")
        self.denied.setWordWrap(True)
        self.denied.hide()
        layout.addWidget(self.denied)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("usersTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)

        self.add_button = QPushButton("Thêm tài khoản (Ctrl+N)")
        self.add_button.setObjectName("usersAdd")
        self.add_button.clicked.connect(self.add_user)
        self.reset_button = QPushButton("Đặt lại mật khẩu")
        self.reset_button.setObjectName("usersResetPassword")
        self.reset_button.clicked.connect(self.reset_password)
        self.toggle_button = QPushButton("Khóa/Mở tài khoản")
        self.toggle_button.setObjectName("usersToggleActive")
        self.toggle_button.clicked.connect(self.toggle_active)
        self._add_shortcut = QShortcut(QKeySequence("Ctrl+N"), self, activated=self.add_user)
        self._add_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.buttons = QWidget()
        buttons = QHBoxLayout(self.buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.toggle_button)
        buttons.addStretch(1)
        layout.addWidget(self.buttons)

        self.status = QLabel()
        self.status.setObjectName("usersStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.refresh()

    def refresh(self, select: str | None = None) -> None:
        selected = select or (self.selected().username if self.selected() else None)
        try:
            self._rows = accounts.list_users(self._ctx)
        except PermissionDenied as error:
            self._show_denied(error)
            return
        self.table.setRowCount(len(self._rows))
        for index, row in enumerate(self._rows):
            last = f"{row.last_login_at:%H:%M %d/%m/%Y}" if row.last_login_at else "Chưa đăng nhập"
            cells = (row.username, row.full_name, ROLES.get(row.role, row.role), _status(row), last)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3 and text != "Đang dùng":
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(index, column, item)
            if row.username == selected:
                self.table.selectRow(index)
        self._selection_changed()

    def _show_denied(self, _error: PermissionDenied) -> None:
        self._allowed = False
        self.denied.setText("Chỉ quản trị viên quản lý tài khoản người dùng (thêm tài khoản, đặt lại mật khẩu, "
                            "khóa hoặc mở tài khoản). Hãy liên hệ quản trị viên của đơn vị.")
        self.denied.show()
        self.table.hide()
        self.buttons.hide()
        layout = self.layout()
        if isinstance(layout, QVBoxLayout):
            layout.addStretch(1)
        self._add_shortcut.setEnabled(False)

    def selected(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self._rows):
            return None
        return self._rows[rows[0].row()]

    def _selection_changed(self) -> None:
        row = self.selected()
        self.reset_button.setEnabled(row is not None)
        self.toggle_button.setEnabled(row is not None)
        if row is None:
            self.toggle_button.setText("Khóa/Mở tài khoản")
        else:
            self.toggle_button.setText("Khóa tài khoản" if row.active else "Mở tài khoản")

    def _open(self, dialog: QDialog, done: str) -> None:
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result == QDialog.DialogCode.Accepted:
                created = getattr(dialog, "created", None)
                user = created if isinstance(created, UserRow) else getattr(dialog, "user", None)
                name = user.username if isinstance(user, UserRow) else None
                self.status.setText(done.format(name=name or ""))
                self.refresh(select=name)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def add_user(self) -> None:
        if self._allowed:
            self._open(CreateUserDialog(self._ctx, self), "Đã tạo tài khoản {name}.")

    def reset_password(self) -> None:
        row = self.selected()
        if row is not None:
            self._open(ResetPasswordDialog(self._ctx, row, self), "Đã đặt mật khẩu mới cho {name}.")

    def toggle_active(self) -> None:
        row = self.selected()
        if row is not None:
            done = "Đã khóa tài khoản {name}." if row.active else "Đã mở lại tài khoản {name}."
            self._open(ToggleActiveDialog(self._ctx, row, self), done)
