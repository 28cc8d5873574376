"""Nhật ký kiểm tra: the administrator's view of the audit log — who signed in (or failed to), revealed an ID number,
printed, exported or changed what — filtered by dates, user, kind and dossier code, newest first, a page at a time.

Everything comes from services.audit_log, which refuses anyone but the administrator; the window only shows it. The
descriptions are the service's Vietnamese sentences and never hold personal data.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services.accounts import list_users
from desk_app.services.audit_log import AuditPage, action_choices, audit_page
from desk_app.services.context import ServiceContext

PAGE_SIZE = 100
DEFAULT_DAYS = 30
HEADERS = ("Thời gian", "Người thực hiện", "Loại", "Đối tượng", "Nội dung")
ALL = "(tất cả)"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class AuditScreen(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.setObjectName("auditScreen")
        self.setWindowTitle("Nhật ký kiểm tra — ai đã xem, in, xuất, thay đổi gì")
        self.ctx = ctx
        self.page_size = page_size
        self.offset = 0
        self.page: AuditPage | None = None
        self.resize(1180, 680)
        layout = QVBoxLayout(self)

        filters = QHBoxLayout()
        today = ctx.clock.now().date()
        self.since = self._date_edit("auditSince", today - dt.timedelta(days=DEFAULT_DAYS))
        self.until = self._date_edit("auditUntil", today)
        self.actor = QComboBox()
        self.actor.setObjectName("auditActor")
        self.actor.setEditable(True)
        self.actor.addItem(ALL, "")
        self.actor.setMinimumWidth(160)
        self.action_kind = QComboBox()
        self.action_kind.setObjectName("auditAction")
        self.action_kind.addItem(ALL, "")
        for key, label in action_choices().items():
            self.action_kind.addItem(label, key)
        self.target = QLineEdit()
        self.target.setObjectName("auditTarget")
        self.target.setPlaceholderText("mã hồ sơ, tên đăng nhập, thiết lập…")
        self.target.setClearButtonEnabled(True)
        self.target.returnPressed.connect(self.apply_filters)
        self.apply_button = QPushButton("Lọc (Enter)")
        self.apply_button.setObjectName("auditApply")
        self.apply_button.clicked.connect(self.apply_filters)
        for caption, widget in (("Từ ngày:", self.since), ("đến:", self.until), ("Người thực hiện:", self.actor),
                                ("Loại:", self.action_kind), ("Đối tượng chứa:", self.target)):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addWidget(self.apply_button)
        layout.addLayout(filters)

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("auditTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)  # one line per entry; the whole text in the tooltip
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.message = QLabel()
        self.message.setObjectName("auditMessage")
        self.message.setStyleSheet("color: #b00020;")
        self.page_label = QLabel()
        self.page_label.setObjectName("auditPageLabel")
        self.previous_button = QPushButton("◀ Trang trước (PgUp)")
        self.previous_button.setObjectName("auditPrevious")
        self.previous_button.clicked.connect(self.previous_page)
        self.next_button = QPushButton("Trang sau (PgDown) ▶")
        self.next_button.setObjectName("auditNext")
        self.next_button.clicked.connect(self.next_page)
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.page_label)
        bottom.addWidget(self.previous_button)
        bottom.addWidget(self.next_button)
        layout.addLayout(bottom)
        QShortcut(QKeySequence("PgUp"), self).activated.connect(self.previous_page)
        QShortcut(QKeySequence("PgDown"), self).activated.connect(self.next_page)
        QShortcut(QKeySequence("F5"), self).activated.connect(self.reload)
        self._fill_actors()
        self.reload()

    def _date_edit(self, name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setDate(_qdate(day))
        return edit

    def _fill_actors(self) -> None:
        try:
            users = list_users(self.ctx)
        except DomainError:
            return  # the log itself says why (the service refuses the role)
        for user in users:
            self.actor.addItem(f"{user.username} — {user.full_name}", user.username)

    # -- the filter -------------------------------------------------------------------------------------------------
    def filters(self) -> dict[str, object]:
        actor_text = self.actor.currentText().strip()
        index = self.actor.findText(actor_text)
        actor = self.actor.itemData(index) if index >= 0 else actor_text.split(" — ")[0]
        return {
            "since": _day(self.since.date()),
            "until": _day(self.until.date()),
            "actor": actor or None,
            "action": self.action_kind.currentData() or None,
            "target_contains": self.target.text().strip() or None,
        }

    def apply_filters(self) -> None:
        self.offset = 0
        self.reload()

    def next_page(self) -> None:
        if self.page is not None and self.offset + self.page_size < self.page.total:
            self.offset += self.page_size
            self.reload()

    def previous_page(self) -> None:
        if self.offset > 0:
            self.offset = max(0, self.offset - self.page_size)
            self.reload()

    def reload(self) -> None:
        self.message.clear()
        try:
            page = audit_page(self.ctx, limit=self.page_size, offset=self.offset, **self.filters())  # type: ignore[arg-type]
        except DomainError as error:
            self.page = None
            self.table.setRowCount(0)
            self.message.setText(error.message)
            self.page_label.clear()
            self.previous_button.setEnabled(False)
            self.next_button.setEnabled(False)
            return
        self.page = page
        self.table.setRowCount(len(page.rows))
        for row, entry in enumerate(page.rows):
            values = (f"{entry.at:%d/%m/%Y %H:%M:%S}", entry.actor, entry.action_vn, entry.target, entry.description)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if entry.action == "login_failed" or (entry.action == "export" and "CÓ số CCCD" in
                                                      entry.description):
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        pages = max(1, -(-page.total // self.page_size))
        current = self.offset // self.page_size + 1
        self.page_label.setText(f"Trang {current}/{pages} — {page.total} mục")
        self.previous_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(self.offset + self.page_size < page.total)
        if not page.total:
            self.message.setText("Không có mục nào khớp bộ lọc.")


def open_audit_log(parent: QWidget, ctx: ServiceContext) -> AuditScreen:
    """The audit log in a window of its own (from Quản trị → Nhật ký kiểm tra)."""
    screen = AuditScreen(ctx)
    screen.setParent(parent, Qt.WindowType.Window)
    screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    screen.show()
    screen.raise_()
    return screen
