"""The procedure picker: type a few words without accents, or a code, or a field; the clerk's most used procedures
first when nothing is typed, each on Alt+1…9 (shown next to it). The favourites are asked for when the picker is
built and after each save (``reload``), not at every key typed in the search field."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desk_app.services.counter import ProcedureChoice
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

CODE_ROLE = Qt.ItemDataRole.UserRole


class ProcedurePicker(QWidget):
    """Emits ``picked(code)`` when the clerk chooses a procedure (Enter, double click, Alt+digit)."""

    picked = Signal(str)

    def __init__(self, search: Callable[[str], list[ProcedureChoice]],
                 recent: Callable[[], list[ProcedureChoice]], parent: QWidget | None = None, *,
                 runner: Runner | None = None) -> None:
        super().__init__(parent)
        self._search = search
        self._recent = recent
        self._runner = runner  # the clerk's favourites are counted off the GUI thread when there is one
        self._recent_choices: list[ProcedureChoice] = []
        self._recent_codes: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("&Thủ tục (gõ tên không dấu, mã hoặc lĩnh vực):")
        self.field = QLineEdit()
        self.field.setObjectName("procedurePicker")
        self.field.setPlaceholderText("ví dụ: chung thuc ban sao, khai sinh, 1.001193")
        self.field.setClearButtonEnabled(True)
        caption.setBuddy(self.field)
        self.heading = QLabel()
        self.heading.setObjectName("procedureListHeading")
        self.list = QListWidget()
        self.list.setObjectName("procedureList")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        layout.addWidget(caption)
        layout.addWidget(self.field)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        self.field.textChanged.connect(self._filter)
        self.field.returnPressed.connect(self._pick_current)
        self.field.installEventFilter(self)
        self.list.itemActivated.connect(self._pick_item)
        self.reload()

    # -- filling --------------------------------------------------------------------------------------------------
    def reload(self) -> None:
        """The clerk's favourites again (after a save): at once without a runner; with one, the catalog shows
        straight away and the favourites join it when counted (a query over the clerk's recent dossiers)."""
        if self._runner is None:
            self._take_recent(self._recent())
            return
        if not self._recent_choices:
            self._filter(self.field.text())
        self._runner.submit(self._recent, self._take_recent, self._recent_failed)

    def _take_recent(self, choices: list[ProcedureChoice]) -> None:
        self._recent_choices = choices
        self._recent_codes = [c.code for c in choices]
        self._filter(self.field.text())

    def _recent_failed(self, error: BaseException) -> None:
        log.warning("favourite procedures not counted: %s", type(error).__name__)

    def _filter(self, text: str) -> None:
        self.list.clear()
        if text.strip():
            choices = self._search(text)
            self.heading.setText(f"{len(choices)} thủ tục khớp" if choices else
                                 "Không có thủ tục nào khớp — thử gõ ít chữ hơn, hoặc mã thủ tục.")
            for choice in choices:
                self._add(choice)
        else:
            recent = self._recent_choices
            recent_set = set(self._recent_codes)
            self.heading.setText("Hay dùng (Alt+1…9), rồi toàn bộ danh mục:" if recent else "Danh mục thủ tục:")
            for index, choice in enumerate(recent, start=1):
                self._add(choice, f"Alt+{index}")
            for choice in self._search(""):
                if choice.code not in recent_set:
                    self._add(choice)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _add(self, choice: ProcedureChoice, key: str | None = None) -> None:
        bundle = " · liên thông" if choice.is_bundle else ""
        prefix = f"[{key}] " if key else ""
        item = QListWidgetItem(f"{prefix}{choice.name}\n    {choice.code} · {choice.field_name} · "
                               f"{choice.time_limit}{bundle}")
        item.setData(CODE_ROLE, choice.code)
        item.setToolTip(choice.name)
        self.list.addItem(item)

    # -- choosing -------------------------------------------------------------------------------------------------
    def _pick_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._pick_item(item)

    def _pick_item(self, item: QListWidgetItem) -> None:
        self.picked.emit(str(item.data(CODE_ROLE)))

    def pick_recent(self, number: int) -> bool:
        """Alt+number: the clerk's number-th most used procedure."""
        if not 1 <= number <= len(self._recent_codes):
            return False
        self.picked.emit(self._recent_codes[number - 1])
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down in the search field move through the list without leaving the field.
        if watched is self.field and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 5, Qt.Key.Key_PageUp: -5}[key]
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
                self.list.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)
