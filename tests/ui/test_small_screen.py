"""The window fits the 1366×768 screens common on commune PCs (taskbar and title bar taken off), and the intake's
appointment and F9 button stay in view while the form above them scrolls."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QPushButton, QScrollArea

from desk_app.ui.main_window import MainWindow
from desk_app.ui.worker import ImmediateRunner
from tests.ui.test_cccd_scan import Recording

USABLE = (1366, 768 - 40 - 30)  # the screen less a Windows taskbar and the window's title bar


def test_every_tab_fits_a_1366_by_768_screen_and_f9_stays_in_view(qtbot, admin_desk):
    window = MainWindow(admin_desk, ImmediateRunner(), Recording(), confirm=lambda *_: True, auto_sync_ms=None)
    qtbot.addWidget(window)
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        hint = window.minimumSizeHint()
        assert hint.width() <= USABLE[0] and hint.height() <= USABLE[1], (window.tabs.tabText(index), hint)
    window.tabs.setCurrentIndex(0)
    window.resize(*USABLE)
    window.show()
    qtbot.waitExposed(window)
    window.intake.choose_procedure("XA.CTRU.02")  # a form with a checklist, as a clerk would have it open
    qtbot.wait(20)
    save = window.findChild(QPushButton, "saveAndPrintButton")
    corner = save.mapTo(window, QPoint(save.width(), save.height()))
    assert save.isVisible() and window.rect().contains(corner)
    assert window.findChild(QScrollArea, "intakeFormScroll").verticalScrollBar().maximum() > 0  # the form scrolls
