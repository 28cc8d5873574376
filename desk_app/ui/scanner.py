"""A barcode scanner is a keyboard that types very fast and ends with Enter. Wherever the focus is, a dossier code
typed as such a burst opens that dossier, and whatever the burst typed into the focused field is taken back out.

The detector watches key presses for the whole application. A burst is a run of printable keys each within
``MAX_GAP_MS`` of the last; when Enter ends a burst whose text is a dossier code (``AGENCY-YYMMDD-NNNN``), the
Enter is swallowed, the field that received the burst gets its text from before the burst back, and ``scanned``
is emitted. People type far slower than 35 ms a key, so what they type is never taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from desk_app.domain.codes import CODE_RE

MAX_GAP_MS = 35.0
MIN_LENGTH = 20  # "000.31.22.H20-260302-0001" is 25 characters


class ScanDetector(QObject):
    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] | None = None) -> None:
        super().__init__(parent)
        self._clock = clock or time.monotonic
        self._buffer: list[str] = []
        self._last = 0.0
        self._target: QWidget | None = None
        self._before: tuple[str, int] | None = None
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
        now = self._clock() * 1000
        gap = now - self._last
        self._last = now
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            text = "".join(self._buffer).strip().upper()
            fast = gap <= MAX_GAP_MS
            target, before = self._target, self._before
            self._reset()
            if fast and len(text) >= MIN_LENGTH and CODE_RE.match(text):
                _restore(target, before)
                self.scanned.emit(text)
                return True
            return False
        typed = event.text()
        if not typed or not typed.isprintable() or event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            self._reset()
            return False
        if gap > MAX_GAP_MS or not self._buffer:
            self._buffer = []
            self._target = watched
            self._before = _snapshot(watched)
        self._buffer.append(typed)
        return False

    def _reset(self) -> None:
        self._buffer = []
        self._target = None
        self._before = None


def _snapshot(widget: QWidget) -> tuple[str, int] | None:
    if isinstance(widget, QLineEdit):
        return widget.text(), widget.cursorPosition()
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return widget.toPlainText(), widget.textCursor().position()
    return None


def _restore(widget: QWidget | None, before: tuple[str, int] | None) -> None:
    if widget is None or before is None:
        return
    text, position = before
    if isinstance(widget, QLineEdit):
        widget.setText(text)
        widget.setCursorPosition(position)
    elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
        widget.setPlainText(text)
        cursor = widget.textCursor()
        cursor.setPosition(position)
        widget.setTextCursor(cursor)
