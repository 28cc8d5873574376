"""Locking the screen after inactivity: only the signed-in user's password opens it again.

The window stays exactly as it was (a half-typed form keeps its text); while locked, a plain curtain covers it, and
every other window of the desk that is open (a dossier's detail, a print preview, the fee list), so a citizen at the
counter does not see the previous citizen's data, and a modal dialog asks for the password.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DomainError
from desk_app.services import accounts
from desk_app.services.context import ServiceContext
from desk_app.ui.login import FieldErrors, heading

# What counts as the clerk being at the desk.
_ACTIVITY = frozenset({
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.HoverMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
})


class LockDialog(QDialog):
    """Modal; Escape and the window's close button do nothing. Accepted only by the right password."""

    def __init__(self, ctx: ServiceContext, display_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._unlocked = False
        self.setObjectName("lockDialog")
        self.setWindowTitle("Một Cửa Desk — Màn hình đã khóa")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint)
        self.setMinimumWidth(580)

        general = QLabel()
        general.setObjectName("lockError")
        self.errors = FieldErrors(general)
        self.message = heading(f"Màn hình đã khóa — nhập mật khẩu của {display_name} để tiếp tục", 12)
        self.message.setObjectName("lockMessage")
        self.password = QLineEdit()
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_button = QPushButton("Mở khóa (Enter)")
        self.unlock_button.setObjectName("lockUnlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.unlock)

        row = QHBoxLayout()
        caption = QLabel("Mật khẩu:")
        caption.setMinimumHeight(self.password.sizeHint().height())
        row.addWidget(caption, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.errors.block("password", self.password), 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addWidget(general)
        layout.addLayout(buttons)
        self.password.setFocus()

    def unlock(self) -> None:
        self.errors.clear()
        try:
            accounts.check_password(self._ctx, self.password.text())
        except DomainError as error:
            self.password.clear()
            self.errors.show(error)
            return
        self._unlocked = True
        self.accept()

    def reject(self) -> None:  # Escape: stay locked
        self.password.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._unlocked:
            super().closeEvent(event)
        else:
            event.ignore()


class InactivityLock(QObject):
    """Locks ``window`` after ``minutes`` without a key press or mouse use anywhere in the application (0: never)."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, window: QWidget, ctx: ServiceContext, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self._window = window
        self._ctx = ctx
        self.dialog: LockDialog | None = None
        self._curtains: dict[QWidget, QFrame] = {}  # each window covered while locked, with its curtain
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # one timer; a coarse one drifts by 5 %
        self._timer.timeout.connect(self.lock_now)
        self._interval_ms = 0
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def set_minutes(self, minutes: int) -> None:
        """Apply the lock_minutes setting (0 disables the lock)."""
        self.set_interval_ms(max(0, minutes) * 60_000)

    def set_interval_ms(self, interval_ms: int) -> None:
        """The idle time before locking, in milliseconds (tests use a short one); 0 disables the lock."""
        self._interval_ms = max(0, interval_ms)
        self._restart()

    def _restart(self) -> None:
        if self._interval_ms and self.dialog is None:
            self._timer.start(self._interval_ms)
        else:
            self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _ACTIVITY:
            if self.dialog is None and self._interval_ms:
                self._timer.start(self._interval_ms)
        elif kind == QEvent.Type.Resize and watched in self._curtains and isinstance(watched, QWidget):
            self._curtains[watched].setGeometry(watched.rect())
        elif (kind == QEvent.Type.Show and self.dialog is not None and isinstance(watched, QWidget)
              and _coverable(watched) and watched is not self.dialog and watched not in self._curtains):
            # A window that opens while locked (a print preview whose pages were still rendering): covered too.
            self._curtains[watched] = _curtain(watched)
        return False

    def lock_now(self) -> None:
        if self.dialog is not None:
            return
        self._timer.stop()
        user = accounts.current_user(self._ctx)
        name = user.full_name if user is not None and user.full_name else self._ctx.actor
        # The main window, and every other window of the desk on screen: a dossier's detail is a window of its own.
        others = [w for w in QApplication.topLevelWidgets() if w is not self._window and w.isVisible() and _coverable(w)]
        for covered in (self._window, *others):
            self._curtains[covered] = _curtain(covered)
        self.dialog = LockDialog(self._ctx, name, self._window)
        self.dialog.accepted.connect(self._on_unlocked)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.password.setFocus()
        self.locked.emit()

    def _on_unlocked(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        for curtain in self._curtains.values():
            if shiboken6.isValid(curtain):  # a covered window may have been deleted meanwhile, its curtain with it
                curtain.deleteLater()
        self._curtains = {}
        self._restart()
        self.unlocked.emit()

    def stop(self) -> None:
        """Stop watching (the user signed out or the window closes)."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


def _coverable(widget: QWidget) -> bool:
    """A window that may show a citizen's data (not a menu, tooltip or completer popup)."""
    return widget.isWindow() and widget.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)


def _curtain(window: QWidget) -> QFrame:
    """A plain panel over the whole of ``window``, hiding what it shows."""
    curtain = QFrame(window)
    curtain.setObjectName("lockCurtain")
    curtain.setAutoFillBackground(True)
    curtain.setStyleSheet("QFrame#lockCurtain { background: #2b3a4a; }")
    curtain.setGeometry(window.rect())
    notice = QLabel("Một Cửa Desk — màn hình đã khóa", curtain)
    notice.setStyleSheet("color: #d0d7de; font-size: 20pt;")
    curtain_layout = QVBoxLayout(curtain)
    curtain_layout.addWidget(notice, 0, Qt.AlignmentFlag.AlignCenter)
    curtain.show()
    curtain.raise_()
    return curtain
