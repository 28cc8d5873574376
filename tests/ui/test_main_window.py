"""The overview window, driven as a clerk would: it shows the commune and today's counts, F5 refreshes them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.overview import overview
from desk_app.ui.main_window import MainWindow
from tests.conftest import vn


def _count(window: MainWindow, name: str) -> str:
    label = window.findChild(QLabel, f"{name}_value")
    assert label is not None
    return label.text()


def test_overview_shows_commune_and_counts(qtbot: QtBot, ctx: ServiceContext, clock: FixedClock,
                                           tmp_path: Path) -> None:
    # Yesterday's same-day dossier, never resolved: overdue today. Today's: received and due today.
    clock.moment = vn("2026-02-27 09:00")
    receive(ctx, ReceiveRequest(procedure="XA.CT.01", applicant={"name": "Lê Văn Tám"}))
    clock.moment = vn("2026-03-02 08:30")
    receive(ctx, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Phạm Thị Hoa"}))

    window = MainWindow(lambda: overview(ctx))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)

    assert window.windowTitle() == "Một Cửa Desk"
    assert window.findChild(QLabel, "commune").text() == "UBND xã Mỹ Phong"
    assert str(ctx.db.path) in window.findChild(QLabel, "details").text()
    assert (_count(window, "received_today"), _count(window, "due_today"), _count(window, "overdue")) == (
        "1", "1", "1")

    receive(ctx, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Võ Thị Lan"}))
    qtbot.wait(20)  # let the window's activation settle: shortcuts go to the active window
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert _count(window, "received_today") == "2"
    assert _count(window, "due_today") == "2"

    window.grab().save(str(tmp_path / "main_window.png"))
    assert (tmp_path / "main_window.png").stat().st_size > 0
