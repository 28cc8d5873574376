"""Lưu trữ hồ sơ hết thời hạn lưu: the administrator sees, per field, the closed dossiers whose personal data has
passed its retention period, archives them to a file (then their personal data is cleared), and checks an archive.

The service (services.retention) plans, writes, checks and clears; this dialog shows the plan, asks once, and runs
the archive off the GUI thread. Nothing here touches the data itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
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
from desk_app.services.context import ServiceContext
from desk_app.services.retention import (
    ArchiveResult,
    RetentionPlan,
    archive_and_redact,
    check_archive,
    default_archive_name,
    due_for_archive,
)
from desk_app.ui.worker import Runner

ARCHIVE_FOLDER = "luu-tru"  # beside the database, unless the administrator types another place
COLUMNS = ("Lĩnh vực", "Lưu (năm)", "Đóng trước", "Sẵn sàng lưu trữ", "Chờ đồng bộ", "Cũ nhất")
EXPLANATION = (
    "Hồ sơ đã kết thúc quá thời hạn lưu dữ liệu cá nhân của lĩnh vực (Thiết lập → Khác) được ghi vào một tệp lưu trữ "
    "đầy đủ (kiểm tra lại ngay sau khi ghi), rồi mới xóa số CCCD, ngày sinh, giới tính, điện thoại, email, địa chỉ "
    "khỏi hồ sơ trên máy. Họ tên, thủ tục, ngày tháng, kết quả và số sổ theo dõi được giữ. Cất tệp lưu trữ như hồ sơ "
    "giấy; nếu đã đặt mật khẩu sao lưu, tệp được mã hóa bằng mật khẩu đó."
)


def _when(value: object) -> str:
    return f"{value:%d/%m/%Y}" if value is not None else "—"


class RetentionDialog(QDialog):
    def __init__(self, ctx: ServiceContext, runner: Runner, parent: QWidget | None = None, *,
                 confirm: Callable[[QWidget, str, str], bool]) -> None:
        super().__init__(parent)
        self.setObjectName("retentionDialog")
        self.setWindowTitle("Lưu trữ hồ sơ hết thời hạn lưu dữ liệu cá nhân")
        self.ctx = ctx
        self.runner = runner
        self.confirm = confirm
        self.plan: RetentionPlan | None = None
        self.resize(860, 440)
        layout = QVBoxLayout(self)
        note = QLabel(EXPLANATION)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("retentionPlan")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.summary = QLabel()
        self.summary.setObjectName("retentionSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        label = QLabel("&Tệp lưu trữ:")
        self.path = QLineEdit()
        self.path.setObjectName("retentionArchivePath")
        label.setBuddy(self.path)
        row.addWidget(label)
        row.addWidget(self.path, 1)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("retentionMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.check_button = QPushButton("Kiểm tra tệp lưu trữ")
        self.check_button.setObjectName("retentionCheck")
        self.check_button.clicked.connect(self.check)
        self.archive_button = QPushButton("Lưu trữ rồi xóa dữ liệu cá nhân")
        self.archive_button.setObjectName("retentionArchive")
        self.archive_button.clicked.connect(self.archive)
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)
        buttons.addWidget(self.archive_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.refresh()

    # -- the plan -------------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            plan = due_for_archive(self.ctx)
        except DomainError as error:
            self._say(error.message, ok=False)
            self.archive_button.setEnabled(False)
            return
        self.plan = plan
        self.table.setRowCount(len(plan.fields))
        for index, item in enumerate(plan.fields):
            values = (f"{item.field_name} ({item.field_code})", str(item.years), _when(item.closed_before),
                      str(item.due), str(item.waiting_sync), _when(item.oldest_closed_at))
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if column:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(index, column, cell)
        kept = ", ".join(name for _code, name in plan.kept)
        self.summary.setText(plan.summary() + (f" Lưu lâu dài: {kept}." if kept and plan.fields else ""))
        self.archive_button.setEnabled(plan.due > 0)
        if not self.path.text():
            folder = self.ctx.db.path.parent / ARCHIVE_FOLDER
            self.path.setText(str(folder / default_archive_name(plan.now)))

    # -- archive and check ----------------------------------------------------------------------------------------
    def archive(self) -> None:
        if self.plan is None or not self.plan.due:
            return
        target = Path(self.path.text().strip())
        if not self.confirm(self, "Lưu trữ và xóa dữ liệu cá nhân",
                            f"Ghi {self.plan.due} hồ sơ vào tệp lưu trữ\n{target}\nrồi xóa dữ liệu cá nhân của các hồ "
                            "sơ này khỏi máy? Việc xóa không hoàn tác được (tệp lưu trữ vẫn giữ bản đầy đủ)."):
            return
        if target.parent.name == ARCHIVE_FOLDER:
            target.parent.mkdir(exist_ok=True)  # the default folder beside the database; any other must exist
        self.archive_button.setEnabled(False)
        self._say("Đang ghi tệp lưu trữ và kiểm tra…", ok=True)
        self.runner.submit(lambda: archive_and_redact(self.ctx, target), self._archived, self._failed)

    def _archived(self, result: ArchiveResult) -> None:
        self._say(result.message + (f"\n{result.path}" if result.path is not None else ""), ok=True)
        self.path.clear()
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        message = error.message if isinstance(error, DomainError) else (
            f"Không lưu trữ được ({type(error).__name__}); không hồ sơ nào bị xóa dữ liệu. Xem nhật ký.")
        self._say(message, ok=False)
        self.refresh()

    def check(self) -> None:
        try:
            result = check_archive(self.ctx, Path(self.path.text().strip()))
        except DomainError as error:
            self._say(error.message, ok=False)
            return
        if result.ok:
            self._say(f"Tệp lưu trữ đúng: {result.dossiers} hồ sơ, {result.events} sự kiện; {result.matched} sự kiện "
                      "khớp mã băm máy đang giữ.", ok=True)
        else:
            self._say("Tệp lưu trữ có sai khác:\n" + "\n".join(result.problems[:10]), ok=False)

    def _say(self, text: str, *, ok: bool) -> None:
        self.message.setStyleSheet("color: #1b5e20;" if ok else "color: #b00020;")
        self.message.setText(text)


def open_retention(parent: QWidget, ctx: ServiceContext, runner: Runner,
                   confirm: Callable[[QWidget, str, str], bool]) -> RetentionDialog:
    dialog = RetentionDialog(ctx, runner, parent, confirm=confirm)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
