"""A barcode scanner is a keyboard that types very fast and ends with Enter. Wherever the focus is, a dossier code
typed as such a burst opens that dossier, and whatever the burst typed into the focused field is taken back out.

The detector watches key presses for the whole application. A burst is a run of printable keys each within
``MAX_GAP_MS`` of the last; when Enter ends a burst whose text is a dossier code (``AGENCY-YYMMDD-NNNN``), the
Enter is swallowed, the field that received the burst gets its text from before the burst back (what a person
typed before it stays), and ``scanned`` is emitted. People type far slower than 35 ms a key, so what they type is
never taken. While a modal dialog is open (the screen lock, an action dialog) a scan is dropped: nothing opens.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from desk_app.domain.codes import CODE_RE

MAX_GAP_MS = 35.0


class ScanDetector(QObject):
    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] | None = None) -> None:
        super().__init__(parent)
        self._clock = clock or time.monotonic
        # The last keys typed: (character, time in ms, the widget, its text and cursor before the key).
        self._keys: list[tuple[str, float, QWidget, tuple[str, int] | None]] = []
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
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            found = self._scanned_code(now)
            self._keys = []
            if found is None:
                return False
            code, first = found
            _restore(first[2], first[3])
            if QApplication.activeModalWidget() is not None:
                # A modal dialog is in the way (the screen lock, an action being recorded): opening a dossier now
                # would show it over the lock's curtain, or behind the dialog. The scan is dropped, the Enter too
                # (it must not submit the dialog, nor try the code as the lock's password).
                QApplication.beep()
                return True
            self.scanned.emit(code)
            return True
        typed = event.text()
        if not typed or not typed.isprintable() or event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            self._keys = []
            return False
        self._keys.append((typed, now, watched, _snapshot(watched)))
        del self._keys[:-KEEP_KEYS]
        return False

    def _scanned_code(self, enter_at: float) -> tuple[str, tuple[str, float, QWidget, tuple[str, int] | None]] | None:
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


KEEP_KEYS = 80
SUFFIX_RE = re.compile(CODE_RE.pattern.lstrip("^").rstrip("$") + r"\s*$")


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
