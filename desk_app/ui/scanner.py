"""A barcode scanner is a keyboard that types very fast and ends with Enter. Wherever the focus is, a dossier code
typed as such a burst opens that dossier, and whatever the burst typed into the focused field is taken back out.

The detector watches key presses for the whole application. A burst is a run of printable keys each within
``MAX_GAP_MS`` of the last; when Enter ends a burst whose text is a dossier code (``AGENCY-YYMMDD-NNNN``), the
Enter is swallowed, the field that received the burst gets its text from before the burst back (what a person
typed before it stays), and ``scanned`` is emitted. People type far slower than 35 ms a key, so what they type is
never taken. While a modal dialog is open (the screen lock, an action dialog) a scan is dropped: nothing opens.

The QR code of a chip-based citizen ID card (CCCD) comes the same way: a burst whose text looks like a card's
(``desk_app.domain.cccd_qr.looks_like_cccd_qr``) emits ``card_scanned`` with the raw text, after the field it was
typed into (a line edit, a list, a check box...) is put back as it was; a second Enter the scanner sends right
after (a CR/LF suffix) is swallowed too. Whether the card's data is usable is for the receiver to say. Within a
burst, keys never reach a button or a non-editable list (a scanner's space would click the focused button, or open
the list, which nothing can take back).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTextEdit,
    QWidget,
)

from desk_app.domain.cccd_qr import looks_like_cccd_qr
from desk_app.domain.codes import CODE_RE

MAX_GAP_MS = 35.0


Snapshot = tuple[object, ...]
Key = tuple[str, float, QWidget, Snapshot | None]  # a key typed: its text, when (ms), where, what it changed


class ScanDetector(QObject):
    scanned = Signal(str)  # a dossier code
    card_scanned = Signal(str)  # the raw text of what looks like a CCCD's QR code (not yet checked)

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] | None = None) -> None:
        super().__init__(parent)
        self.clock = clock or time.monotonic  # seconds; tests inject their own
        # The last keys typed: (character, time in ms, the widget, its text and cursor before the key).
        self._keys: list[Key] = []
        self._swallow_enter_until = -1.0  # the second Enter of a CR/LF suffix, right after a card's
        self.enabled = True

    def install(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.enabled or event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget):
            return False  # the window's own delivery; the widget's comes next
        focus = QApplication.focusWidget()
        if focus is not None and watched is not focus:
            return False  # a key the focused widget ignored, offered to its parents in turn: counted once
        now = self.clock() * 1000
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not self._keys and now <= self._swallow_enter_until:
                self._swallow_enter_until = -1.0
                return True  # the LF after a card's CR: it must not press anything in the filled form
            found = self._scanned_code(now)
            card = None if found is not None else self._scanned_card(now)
            self._keys = []
            if found is None and card is None:
                return False
            text, first = found or card  # type: ignore[misc]
            _restore(first[2], first[3])
            if QApplication.activeModalWidget() is not None:
                # A modal dialog is in the way (the screen lock, an action being recorded): opening a dossier now
                # would show it over the lock's curtain, or behind the dialog. The scan is dropped, the Enter too
                # (it must not submit the dialog, nor try the code as the lock's password).
                QApplication.beep()
                return True
            if found is not None:
                self.scanned.emit(text)
            else:
                self._swallow_enter_until = now + MAX_GAP_MS
                self.card_scanned.emit(text)
            return True
        typed = event.text()
        if not typed or not typed.isprintable() or event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            self._keys = []
            return False
        self._keys.append((typed, now, watched, _snapshot(watched)))
        del self._keys[:-KEEP_KEYS]
        # Within a burst, a button or a list would act on the key at once (a space clicks the focused F9 button,
        # opens the list) and no putting back undoes that: the scanner's keys never reach them.
        return len(self._keys) >= 2 and now - self._keys[-2][1] <= MAX_GAP_MS and _acts_on_keys(watched)

    def _scanned_card(self, enter_at: float) -> tuple[str, Key] | None:
        """A card's QR text at the end of what was typed: the keys of one fast burst into one widget, from the
        first one where the text looks like a card's (whatever a person typed before the burst stays)."""
        index = len(self._keys)
        previous = enter_at
        while index > 0:
            key = self._keys[index - 1]
            if previous - key[1] > MAX_GAP_MS or key[2] is not self._keys[-1][2]:
                break
            previous = key[1]
            index -= 1
        burst = self._keys[index:]
        if not burst or enter_at - burst[-1][1] > MAX_GAP_MS:
            return None
        texts = [k[0] for k in burst]
        for start in range(len(burst)):
            if texts[start].isdigit() or texts[start].isalpha():  # a card's text starts with its number or a label
                text = "".join(texts[start:])
                if looks_like_cccd_qr(text):
                    return text, burst[start]
        return None

    def _scanned_code(self, enter_at: float) -> tuple[str, Key] | None:
        """The dossier code at the end of what was typed, when it came as one fast burst into one widget (whatever
        a person typed before the burst stays)."""
        text = "".join(k[0] for k in self._keys).upper()
        match = SUFFIX_RE.search(text)
        if match is None:
            return None
        # Which recorded keys spell the match (each key is usually one character).
        start, length = match.start(), 0
        index = len(self._keys)
        while index > 0 and length < len(text) - start:
            index -= 1
            length += len(self._keys[index][0])
        burst = self._keys[index:]
        times = [k[1] for k in burst] + [enter_at]
        if any(later - earlier > MAX_GAP_MS for earlier, later in itertools.pairwise(times)):
            return None
        if any(k[2] is not burst[0][2] for k in burst):
            return None
        return match.group(0).strip(), burst[0]


KEEP_KEYS = 600  # a card's QR text with labels runs to some 250 characters
SUFFIX_RE = re.compile(CODE_RE.pattern.lstrip("^").rstrip("$") + r"\s*$")


def _acts_on_keys(widget: QWidget) -> bool:
    """A widget that does something on a typed key rather than store it: a button, a list that is not editable."""
    return isinstance(widget, QAbstractButton) or (isinstance(widget, QComboBox) and not widget.isEditable())


def _snapshot(widget: QWidget) -> Snapshot | None:
    """What a key typed into ``widget`` may change, to put back when the keys turn out to be a scan: a field's text,
    a list's choice, a spin box's value, a check box's tick, a table's ticks and current cell."""
    if isinstance(widget, QLineEdit):
        return widget.text(), widget.cursorPosition()
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return widget.toPlainText(), widget.textCursor().position()
    if isinstance(widget, QComboBox):
        return (widget.currentIndex(), widget.currentText() if widget.isEditable() else None)
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return (widget.value(),)
    if isinstance(widget, QAbstractButton):
        return (widget.isChecked(),)
    if isinstance(widget, QTableWidget):
        ticks = tuple((row, column, item.checkState())
                      for row in range(widget.rowCount()) for column in range(widget.columnCount())
                      if (item := widget.item(row, column)) is not None
                      and item.flags() & Qt.ItemFlag.ItemIsUserCheckable)
        return (widget.currentRow(), widget.currentColumn(), ticks)
    return None


def _restore(widget: QWidget | None, before: Snapshot | None) -> None:
    if widget is None or before is None:
        return
    if isinstance(widget, QLineEdit):
        text, position = before
        widget.setText(str(text))
        widget.setCursorPosition(int(position))  # type: ignore[call-overload]
    elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
        text, position = before
        widget.setPlainText(str(text))
        cursor = widget.textCursor()
        cursor.setPosition(int(position))  # type: ignore[call-overload]
        widget.setTextCursor(cursor)
    elif isinstance(widget, QComboBox):
        index, text = before
        widget.setCurrentIndex(int(index))  # type: ignore[call-overload]
        if text is not None:
            widget.setEditText(str(text))
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        widget.setValue(before[0])  # type: ignore[arg-type]
    elif isinstance(widget, QAbstractButton):
        widget.setChecked(bool(before[0]))
    elif isinstance(widget, QTableWidget):
        row, column, ticks = before
        for tick_row, tick_column, state in ticks:  # type: ignore[attr-defined]
            item = widget.item(tick_row, tick_column)
            if item is not None and item.checkState() != state:
                item.setCheckState(state)
        widget.setCurrentCell(int(row), int(column))  # type: ignore[call-overload]
