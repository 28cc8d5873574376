"""The administrator's settings screen: one tab per section of settings, and the holidays of a year.

Every field comes from :func:`desk_app.services.settings_admin.settings_form` (label, kind, choices); saving hands
the changed values to ``save_settings``, which checks them all and writes all or nothing. A refusal is shown under
the field it names, which gets the focus. Users who are not administrators see the values read-only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services.context import ServiceContext
from desk_app.services.settings_admin import (
    SettingField,
    by_section,
    can_edit_settings,
    save_settings,
    setting_label,
    settings_form,
)
from desk_app.ui.holidays_panel import ChooseFile, HolidaysPanel, allow_edits
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

READ_ONLY_NOTICE = "Chỉ quản trị viên được thay đổi thiết lập. Bạn đang xem ở chế độ chỉ đọc."
HOLIDAYS_TAB = "Ngày nghỉ lễ"
ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"
BAD_FIELD = "border: 2px solid #b00020;"
LABEL_WIDTH = 380
FIELD_MAX_WIDTH = 720


def _short(label: str) -> str:
    """A setting's label without its parenthesised explanation, for the list of what was saved."""
    return label.split(" (")[0].split(";")[0].strip()


@dataclass
class _Editor:
    """One setting's widget on the screen, how to read and fill it, and where its error goes."""

    key: str
    kind: str
    section: str
    widget: QWidget  # what is laid out (and what the objectName setting_<key> names)
    focus: QWidget  # what gets the focus and the red outline on a refusal
    read: Callable[[], str]
    write: Callable[[SettingField], None]
    error: QLabel
    parts: list[QWidget] = field(default_factory=list)  # the widgets to enable or disable


class SettingsScreen(QWidget):
    """Settings in tabs by section, with "Lưu thiết lập (Ctrl+S)" and "Hoàn tác"; the holidays in their own tab."""

    def __init__(self, ctx: ServiceContext, runner: Runner, parent: QWidget | None = None, *,
                 choose_file: ChooseFile | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsScreen")
        self.ctx = ctx
        self.runner = runner
        self.editable = can_edit_settings(ctx)
        self.fields: dict[str, SettingField] = {}
        self.editors: dict[str, _Editor] = {}
        self._pages: dict[str, tuple[int, QScrollArea]] = {}
        self._cleared: set[str] = set()  # secrets the administrator chose to clear (saved as empty)

        title = QLabel("Thiết lập")
        font = QFont()
        font.setPointSize(16)
        font.setBold(True)
        title.setFont(font)
        self.notice = QLabel(READ_ONLY_NOTICE)
        self.notice.setObjectName("readOnlyNotice")
        self.notice.setStyleSheet("background: #fff8e1; border: 1px solid #f0c36d; padding: 6px;")
        self.notice.setVisible(not self.editable)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.holidays = HolidaysPanel(ctx, runner, choose_file=choose_file)
        self.holidays.notice.setVisible(False)  # the screen's own notice says it for every tab

        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.revert_button = QPushButton("Hoàn tác")
        self.revert_button.setObjectName("revertSettings")
        self.revert_button.setToolTip("Bỏ các thay đổi chưa lưu, hiện lại thiết lập đang dùng")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton("Lưu thiết lập (Ctrl+S)")
        self.save_button.setObjectName("saveSettings")
        self.save_button.clicked.connect(self.save)
        for button in (self.revert_button, self.save_button):
            button.setEnabled(self.editable)
        self.bar = QWidget()
        self.bar.setObjectName("settingsBar")
        bar = QHBoxLayout(self.bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.message, 1)
        bar.addWidget(self.revert_button)
        bar.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.bar)

        shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self._save_shortcut)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.runner.submit(partial(settings_form, self.ctx), self._loaded, self._load_failed)

    # -- building the form ------------------------------------------------------------------------------------------
    def _build(self, fields: list[SettingField]) -> None:
        for section, items in by_section(fields):
            page = QWidget()
            form = QFormLayout(page)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            form.setVerticalSpacing(10)
            heading = QLabel(section)
            heading_font = QFont()
            heading_font.setPointSize(13)
            heading_font.setBold(True)
            heading.setFont(heading_font)
            form.addRow(heading)
            for item in items:
                editor = self._editor(item)
                self.editors[item.key] = editor
                label = QLabel(item.label)
                label.setWordWrap(True)
                label.setFixedWidth(LABEL_WIDTH)
                label.setBuddy(editor.focus)
                cell = QWidget()
                column = QVBoxLayout(cell)
                column.setContentsMargins(0, 0, 0, 0)
                column.setSpacing(2)
                column.addWidget(editor.widget)
                column.addWidget(editor.error)
                cell.setMaximumWidth(FIELD_MAX_WIDTH)
                form.addRow(label, cell)
                for part in editor.parts or [editor.widget]:
                    allow_edits(part, self.editable)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            index = self.tabs.addTab(scroll, section)
            self._pages[section] = (index, scroll)
        self.tabs.addTab(self.holidays, HOLIDAYS_TAB)

    def _editor(self, item: SettingField) -> _Editor:
        error = QLabel()
        error.setObjectName(f"error_{item.key}")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.setVisible(False)
        name = f"setting_{item.key}"
        make = {
            "choice": self._choice, "bool": self._bool, "time": self._time, "number": self._number,
            "secret": self._secret, "multi": self._multi,
        }.get(item.kind, self._text)
        editor = make(item, name, error)
        editor.widget.setAccessibleName(item.label)
        return editor

    def _text(self, item: SettingField, name: str, error: QLabel) -> _Editor:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(item.hint)
        return _Editor(item.key, item.kind, item.section, edit, edit, lambda: edit.text().strip(),
                       lambda f: edit.setText(f.value), error)

    def _choice(self, item: SettingField, name: str, error: QLabel) -> _Editor:
        combo = QComboBox()
        combo.setObjectName(name)
        for value, label in item.choices:
            combo.addItem(label, value)

        def write(f: SettingField) -> None:
            index = combo.findData(f.value)
            if index < 0:  # a stored value the form does not list: show it rather than hide it
                combo.addItem(f.value, f.value)
                index = combo.count() - 1
            combo.setCurrentIndex(index)

        return _Editor(item.key, item.kind, item.section, combo, combo, lambda: str(combo.currentData()), write,
                       error)

    def _bool(self, item: SettingField, name: str, error: QLabel) -> _Editor:
        box = QCheckBox("Có")
        box.setObjectName(name)
        return _Editor(item.key, item.kind, item.section, box, box,
                       lambda: "true" if box.isChecked() else "false",
                       lambda f: box.setChecked(f.value == "true"), error)

    def _time(self, item: SettingField, name: str, error: QLabel) -> _Editor:
        edit = QTimeEdit()
        edit.setObjectName(name)
        edit.setDisplayFormat("HH:mm")
        edit.setMaximumWidth(120)
        return _Editor(item.key, item.kind, item.section, edit, edit, lambda: edit.time().toString("HH:mm"),
                       lambda f: edit.setTime(QTime.fromString(f.value, "HH:mm")), error)

    def _number(self, item: SettingField, name: str, error: QLabel) -> _Editor:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(item.minimum, item.maximum)
        spin.setMaximumWidth(140)

        def write(f: SettingField) -> None:
            spin.setValue(int(f.value) if f.value.lstrip("-").isdigit() else item.minimum)

        return _Editor(item.key, item.kind, item.section, spin, spin, lambda: str(spin.value()), write, error)

    def _secret(self, item: SettingField, name: str, error: QLabel) -> _Editor:
        box = QWidget()
        box.setObjectName(name)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        edit = QLineEdit()
        edit.setObjectName(f"{name}_input")
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        state = QLabel()
        state.setObjectName(f"{name}_state")
        clear = QPushButton("Xóa mã")
        clear.setObjectName(f"{name}_clear")

        def on_clear() -> None:
            self._cleared.add(item.key)
            edit.clear()
            state.setText("Sẽ xóa khi lưu")

        def write(f: SettingField) -> None:
            self._cleared.discard(item.key)
            edit.clear()
            state.setText("Đã đặt" if f.is_set else "Chưa đặt")
            edit.setPlaceholderText("Đã đặt — nhập mã mới để thay" if f.is_set
                                    else item.hint or "Nhập mã do cấp trên cấp")
            clear.setVisible(f.is_set)

        clear.clicked.connect(on_clear)
        row.addWidget(edit, 1)
        row.addWidget(state)
        row.addWidget(clear)
        return _Editor(item.key, item.kind, item.section, box, edit, lambda: edit.text().strip(), write, error,
                       parts=[edit, clear])

    def _multi(self, item: SettingField, name: str, error: QLabel) -> _Editor:
        box = QWidget()
        box.setObjectName(name)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        checks: list[tuple[str, QCheckBox]] = []
        for value, label in item.choices:
            check = QCheckBox(label)
            check.setObjectName(f"{name}_{value}")
            row.addWidget(check)
            checks.append((value, check))
        if not checks:
            row.addWidget(QLabel("(không có lựa chọn nào)"))
        row.addStretch(1)

        def write(f: SettingField) -> None:
            chosen = {v for v in f.value.split(",") if v}
            for value, check in checks:
                check.setChecked(value in chosen)

        focus: QWidget = checks[0][1] if checks else box
        return _Editor(item.key, item.kind, item.section, box, focus,
                       lambda: ",".join(v for v, c in checks if c.isChecked()), write, error,
                       parts=[c for _, c in checks])

    # -- loading and reverting --------------------------------------------------------------------------------------
    def _loaded(self, fields: list[SettingField]) -> None:
        if not self.editors:
            self._build(fields)
        self.fields = {f.key: f for f in fields}
        for item in fields:
            editor = self.editors.get(item.key)
            if editor is not None:
                editor.write(item)

    def _load_failed(self, error: BaseException) -> None:
        log.error("settings screen: loading failed: %s", type(error).__name__, exc_info=error)
        self._say("Không đọc được thiết lập; xem nhật ký của phần mềm.", ok=False)

    def revert(self) -> None:
        self._clear_errors()
        self.message.clear()
        self.runner.submit(partial(settings_form, self.ctx), self._reverted, self._load_failed)

    def _reverted(self, fields: list[SettingField]) -> None:
        self._loaded(fields)
        self._say("Đã hoàn tác: các ô hiện lại thiết lập đang dùng.")

    # -- saving -------------------------------------------------------------------------------------------------------
    def changes(self) -> dict[str, str]:
        """The values that differ from the ones loaded (the token only when typed or cleared)."""
        changed: dict[str, str] = {}
        for key, editor in self.editors.items():
            value = editor.read()
            loaded = self.fields[key].value
            if editor.kind == "secret":
                if value or key in self._cleared:
                    changed[key] = value
            elif editor.kind == "multi":
                if set(value.split(",")) - {""} != set(loaded.split(",")) - {""}:
                    changed[key] = value
            elif value != loaded:
                changed[key] = value
        return changed

    def save(self) -> None:
        if not self.editable:
            self._say(READ_ONLY_NOTICE, ok=False)
            return
        self._clear_errors()
        changes = self.changes()
        if not changes:
            self._say("Không có thay đổi nào để lưu.")
            return
        self.save_button.setEnabled(False)
        self.runner.submit(partial(save_settings, self.ctx, changes), self._saved, self._save_failed)

    def _saved(self, keys: list[str]) -> None:
        self.save_button.setEnabled(True)
        if keys:
            self._say(f"Đã lưu {len(keys)} thiết lập: " + "; ".join(_short(self._label(k)) for k in keys) + ".")
        else:
            self._say("Không có thay đổi nào để lưu.")
        self.runner.submit(partial(settings_form, self.ctx), self._loaded, self._load_failed)

    def _label(self, key: str) -> str:
        shown = self.fields.get(key)
        return shown.label if shown is not None else setting_label(key)

    def _save_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(self.editable)
        if not isinstance(error, DomainError):
            log.error("settings screen: saving failed: %s", type(error).__name__, exc_info=error)
            self._say("Không lưu được thiết lập do lỗi không mong đợi; chưa có gì thay đổi. Xem nhật ký.", ok=False)
            return
        editor = self.editors.get(error.field or "")
        if editor is None:
            self._say(error.message, ok=False)
            return
        self._say("Chưa lưu: có một ô cần sửa (chữ đỏ). Không thiết lập nào được thay đổi.", ok=False)
        prefix = f"{setting_label(editor.key)}: "  # the message names the setting; under its field it need not
        editor.error.setText(error.message.removeprefix(prefix))
        editor.error.setVisible(True)
        editor.focus.setStyleSheet(BAD_FIELD)
        index, scroll = self._pages[editor.section]
        self.tabs.setCurrentIndex(index)
        scroll.ensureWidgetVisible(editor.widget)
        editor.focus.setFocus()

    def _save_shortcut(self) -> None:
        if self.tabs.currentWidget() is self.holidays:
            self.holidays.save()
        else:
            self.save()

    def _tab_changed(self, _index: int) -> None:
        self.bar.setVisible(self.tabs.currentWidget() is not self.holidays)

    # -- messages -----------------------------------------------------------------------------------------------------
    def _say(self, text: str, *, ok: bool = True) -> None:
        self.message.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.message.setText(text)

    def _clear_errors(self) -> None:
        for editor in self.editors.values():
            editor.error.clear()
            editor.error.setVisible(False)
            editor.focus.setStyleSheet("")
