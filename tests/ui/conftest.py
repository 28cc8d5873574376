"""GUI fixtures: a demo commune's desk signed in as a clerk, a runner that works at once, typing as a clerk types."""

from __future__ import annotations

import unicodedata

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import DEMO_SETTINGS, initialise
from desk_app.store.db import Database
from desk_app.ui.worker import ImmediateRunner


@pytest.fixture
def desk(db: Database, clock: FixedClock) -> ServiceContext:
    """The demo commune (Mỹ Phong, Đồng Tháp), signed in as the clerk ``nv.lan``."""
    initialise(db, dict(DEMO_SETTINGS))
    return ServiceContext(db, clock, "nv.lan", role="clerk")


@pytest.fixture
def admin_desk(desk: ServiceContext) -> ServiceContext:
    return ServiceContext(desk.db, desk.clock, "quantri", role="admin")


@pytest.fixture
def runner() -> ImmediateRunner:
    return ImmediateRunner()


def type_text(widget: QWidget, text: str) -> None:
    """Type as Unikey/EVKey deliver it: one key event per character, carrying the character (Vietnamese included;
    qtbot.keyClicks aborts on characters outside Latin-1)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def scan(widget: QWidget, code: str) -> None:
    """A barcode scanner: the code as a burst of key events, then Enter."""
    type_text(widget, code)
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


class SteppingClock:
    """A scan detector's clock where each key read advances time by ``step`` seconds: 5 ms is a scanner, 150 ms a
    person."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now
