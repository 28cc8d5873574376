"""Running slow work (printing, rendering, searching a large database) off the GUI thread.

A widget hands a plain function to a ``Runner`` with two callbacks; the function runs on a pool thread and never
touches a widget; its result (or the error it raised) comes back to the GUI thread through a queued signal. Tests
inject ``ImmediateRunner``, which runs everything at once on the calling thread, as MusicBrainz Picard does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Runner(Protocol):
    def submit(self, work: Callable[[], Any], done: Done, failed: Failed | None = None) -> None: ...


class ImmediateRunner:
    """Runs the work at once on the calling thread (tests, and the start-up path that must finish first)."""

    def submit(self, work: Callable[[], Any], done: Done, failed: Failed | None = None) -> None:
        try:
            result = work()
        except Exception as error:  # noqa: BLE001 - handed to the caller, as the threaded runner does
            if failed is None:
                raise
            failed(error)
            return
        done(result)


class _Relay(QObject):
    """Created on the GUI thread; its slots are bound methods of a GUI-thread object, so a signal emitted on a pool
    thread reaches them through a queued connection, on the GUI thread."""

    finished = Signal(object)
    errored = Signal(object)

    def __init__(self, done: Done, failed: Failed) -> None:
        super().__init__()
        self._done = done
        self._failed = failed
        self.finished.connect(self.on_finished)
        self.errored.connect(self.on_errored)

    @Slot(object)
    def on_finished(self, result: Any) -> None:
        self._done(result)

    @Slot(object)
    def on_errored(self, error: BaseException) -> None:
        self._failed(error)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.work = work
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as error:  # noqa: BLE001 - reported on the GUI thread
            self.relay.errored.emit(error)
            return
        self.relay.finished.emit(result)


class ThreadRunner(QObject):
    """Runs work on Qt's global thread pool; callbacks run on the GUI thread (queued connections)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    def submit(self, work: Callable[[], Any], done: Done, failed: Failed | None = None) -> None:
        def finish(result: Any) -> None:
            self._relays.discard(relay)
            done(result)

        def fail(error: BaseException) -> None:
            self._relays.discard(relay)
            if failed is None:
                log.error("background work failed: %s", type(error).__name__)
                return
            failed(error)

        relay = _Relay(finish, fail)
        self._relays.add(relay)
        self.pool.start(_Task(work, relay))

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for every submitted task (used when the window closes)."""
        return self.pool.waitForDone(msecs)
