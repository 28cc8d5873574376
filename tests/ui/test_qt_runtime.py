"""The Qt binding the desk runs on must not corrupt the interpreter: PySide6-Essentials 6.12.0 lost a reference to
Python's True on every Signal.emit(), and on Python 3.11 the process aborted after enough signals (a day at the
desk emits many). pyproject.toml excludes that release; this test catches a binding with the same fault."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal()
    value = Signal(object)


def test_emitting_signals_keeps_the_interpreters_true_alive(qtbot) -> None:
    emitter = _Emitter()
    received: list[object] = []
    emitter.value.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.ping.emit()
        emitter.value.emit(1)
    after = sys.getrefcount(True)
    assert len(received) == 200
    assert after >= before - 5, f"{before - after} references to True lost by Signal.emit()"
