"""Running the sync to the upper level off the GUI thread: one sync at a time, by hand or automatically.

:class:`SyncCoordinator` is the one guard every sync goes through: the end-of-day dialog and the automatic sync
both ask it to start, and it refuses a second run while one is under way. It hands ``run_sync`` to the runner (a
worker thread); the engine's progress callback, called on that thread, only emits a signal, which reaches the GUI
thread through a queued connection; no widget is ever touched from the worker.

:class:`AutoSync` looks at the upper level every minute (a reachability probe, in the runner) and starts a sync
without a dialog when the server came back after being out of reach with events waiting, or when the configured
interval has passed since the last attempt (also to take in what the upper level decided).

The engine's functions come in a :class:`SyncBackend`, so tests pass fakes; :func:`default_sync_backend` binds the
real ones from :mod:`desk_app.sync.engine` and :mod:`desk_app.sync.status`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desk_app.services.context import ServiceContext
from desk_app.services.overview import desk_setting
from desk_app.ui.worker import Runner

if TYPE_CHECKING:
    from desk_app.sync.engine import SetAsideEvent, SyncOutcome, SyncProgress
    from desk_app.sync.status import SyncStatus

log = logging.getLogger(__name__)

PROBE_INTERVAL_MS = 60_000  # how often the automatic sync looks at the upper level
FIRST_LOOK_MS = 3_000  # the first look, once the window is up

MANUAL = "manual"
AUTO = "auto"


@dataclass(frozen=True)
class SyncBackend:
    """The engine's entry points the GUI uses (the real ones, or fakes in tests)."""

    run_sync: Callable[..., SyncOutcome]  # run_sync(ctx, *, progress=..., cancel=...) -> SyncOutcome; blocking
    probe: Callable[..., bool]  # probe(hub_url, ca_file=...) -> reachable?
    sync_status: Callable[[ServiceContext], SyncStatus]
    set_aside_events: Callable[[ServiceContext], list[SetAsideEvent]]


def default_sync_backend() -> SyncBackend:
    from desk_app.sync.status import set_aside_events, sync_status

    # The engine (httpx, the protocol's pydantic models: ≈0.3 s) loads at the first probe or sync, in the sync's
    # own thread, not while the window is being built.
    def run_sync(*args: object, **kwargs: object) -> SyncOutcome:
        from desk_app.sync.engine import run_sync as engine_run_sync

        return engine_run_sync(*args, **kwargs)  # type: ignore[arg-type]

    def probe(*args: object, **kwargs: object) -> bool:
        from desk_app.sync.engine import probe as engine_probe

        return engine_probe(*args, **kwargs)  # type: ignore[arg-type]

    return SyncBackend(run_sync=run_sync, probe=probe, sync_status=sync_status, set_aside_events=set_aside_events)


def unexpected_fault_text(error: BaseException) -> str:
    return (f"Đồng bộ dừng vì một lỗi ngoài dự kiến ({type(error).__name__}). Hồ sơ đã lưu không bị mất; các sự "
            "kiện chưa gửi vẫn chờ gửi lần sau. Nếu lỗi lặp lại, báo quản trị viên (chi tiết trong thư mục logs).")


class SyncCoordinator(QObject):
    """Starts syncs in the runner, one at a time, and reports them on the GUI thread.

    Signals: ``started(origin)``; ``progressed(SyncProgress)``; ``finished(SyncOutcome, origin)``;
    ``faulted(message, origin)`` when ``run_sync`` raised (a bug or the database, never the network).
    """

    started = Signal(str)
    progressed = Signal(object)
    finished = Signal(object, str)
    faulted = Signal(str, str)
    _relay = Signal(object)  # emitted on the worker thread: (run number, SyncProgress)

    def __init__(self, ctx: ServiceContext, runner: Runner, backend: SyncBackend,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.backend = backend
        self.origin: str | None = None  # the run under way: "manual" | "auto"; None when idle
        self.last_progress: SyncProgress | None = None
        self.last_outcome: SyncOutcome | None = None
        self.last_attempt_at: dt.datetime | None = None
        self._run = 0
        self._cancel: threading.Event | None = None
        # Auto connection: emitted on a worker thread, the slot runs later on this object's (the GUI) thread.
        self._relay.connect(self._on_relay)

    @property
    def busy(self) -> bool:
        return self.origin is not None

    @property
    def cancelling(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    def start(self, origin: str) -> bool:
        """Start a sync unless one is under way (then False: the caller follows the one running)."""
        if self.busy:
            return False
        self._run += 1
        run = self._run
        self.origin = origin
        self.last_progress = None
        self.last_attempt_at = self.ctx.clock.now()
        cancel = threading.Event()
        self._cancel = cancel
        relay = self._relay
        ctx = self.ctx
        run_sync = self.backend.run_sync

        def report(progress: SyncProgress) -> None:  # on the worker thread: a signal, nothing else
            try:
                relay.emit((run, progress))
            except RuntimeError:  # the window went away while the sync finished its last step
                pass

        def work() -> SyncOutcome:
            return run_sync(ctx, progress=report, cancel=cancel)

        log.info("sync started (%s)", origin)
        self.started.emit(origin)
        self.runner.submit(work, lambda outcome: self._done(run, outcome),
                           lambda error: self._failed(run, error))
        return True

    def cancel(self) -> None:
        """Ask the running sync to stop at its next safe point (nothing sent is lost, nothing is doubled)."""
        if self._cancel is not None:
            self._cancel.set()

    @Slot(object)
    def _on_relay(self, item: tuple[int, SyncProgress]) -> None:
        run, progress = item
        if run != self._run or not self.busy:
            return  # a late report of a run already finished
        self.last_progress = progress
        self.progressed.emit(progress)

    def _done(self, run: int, outcome: SyncOutcome) -> None:
        if run != self._run:
            return
        origin = self.origin or MANUAL
        self.origin = None
        self._cancel = None
        self.last_outcome = outcome
        log.info("sync finished (%s): %s, sent %d, received %d, set aside %d", origin, outcome.status,
                 outcome.sent, outcome.received, len(outcome.set_aside))
        self.finished.emit(outcome, origin)

    def _failed(self, run: int, error: BaseException) -> None:
        if run != self._run:
            return
        origin = self.origin or MANUAL
        self.origin = None
        self._cancel = None
        log.error("sync failed (%s): %s", origin, type(error).__name__)  # the type only: no personal data
        self.faulted.emit(unexpected_fault_text(error), origin)


@dataclass(frozen=True)
class _Look:
    """What one look at the upper level found (gathered on the worker thread)."""

    configured: bool
    reachable: bool | None  # None: not configured, nothing probed
    enabled: bool  # the auto_sync setting
    interval: dt.timedelta
    pending: int
    last_attempt_at: dt.datetime | None


def should_sync(*, reachable: bool | None, was_reachable: bool | None, enabled: bool, pending: int,
                last_attempt_at: dt.datetime | None, now: dt.datetime, interval: dt.timedelta) -> bool:
    """Whether the automatic sync starts now.

    Only when automatic sync is on and the server answers; then either it came back (or is seen for the first time
    since the desk started) with events waiting to be sent, or the interval has passed since the last attempt
    (a sync then also takes in what the upper level decided, even with nothing to send).
    """
    if not enabled or reachable is not True:
        return False
    came_back = was_reachable is not True
    if came_back and pending > 0:
        return True
    return last_attempt_at is None or now - last_attempt_at >= interval


class AutoSync(QObject):
    """The minute timer of the automatic sync; also keeps the upper level's reachability known.

    ``reachability(value)`` carries True / False, or None when sync is not configured; ``notice(text)`` a one-line
    message for the clerk when an automatic sync set events aside or was refused.
    """

    reachability = Signal(object)
    notice = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: Runner, coordinator: SyncCoordinator, *,
                 interval_ms: int = PROBE_INTERVAL_MS, now: Callable[[], dt.datetime] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.coordinator = coordinator
        self.backend = coordinator.backend
        self._now = now or ctx.clock.now
        self.reachable: bool | None = None  # as last seen; None: not yet known, or not configured
        self.looking = False
        self.stopped = False
        # What the clerk was last told: an automatic run repeats a notice only when there is something new to say
        # (set-aside events stay set aside, and counted, until someone deals with them).
        self.told_set_aside = 0
        self.told_refusal = ""
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        coordinator.finished.connect(self._sync_finished)

    def start(self, first_look_ms: int | None = FIRST_LOOK_MS) -> None:
        self.stopped = False
        self.timer.start()
        if first_look_ms is not None:
            QTimer.singleShot(first_look_ms, self, self.check)

    def stop(self) -> None:
        """The window is closing: no more looks (a first look still pending is dropped too)."""
        self.stopped = True
        self.timer.stop()

    def check(self) -> None:
        """One look: probe the server in the runner, then maybe start a sync (never while one is running)."""
        if self.stopped or self.looking or self.coordinator.busy:
            return
        self.looking = True
        self.runner.submit(self._look, self._looked, self._look_failed)

    def _look(self) -> _Look:  # on the worker thread: the database and the network, no widget
        status = self.backend.sync_status(self.ctx)
        enabled = desk_setting(self.ctx, "auto_sync") == "true"
        minutes = int(desk_setting(self.ctx, "sync_interval_minutes"))
        reachable = bool(self.backend.probe(status.hub_url, ca_file=status.ca_file)) if status.configured else None
        return _Look(status.configured, reachable, enabled, dt.timedelta(minutes=minutes), status.pending,
                     status.last_attempt_at)

    def _looked(self, look: _Look) -> None:
        self.looking = False
        was = self.reachable
        self.reachable = look.reachable
        self.reachability.emit(look.reachable)
        attempts = [t for t in (look.last_attempt_at, self.coordinator.last_attempt_at) if t is not None]
        if should_sync(reachable=look.reachable, was_reachable=was, enabled=look.enabled, pending=look.pending,
                       last_attempt_at=max(attempts) if attempts else None, now=self._now(),
                       interval=look.interval):
            self.coordinator.start(AUTO)

    def _look_failed(self, error: BaseException) -> None:
        self.looking = False
        log.error("sync look failed: %s", type(error).__name__)

    def _sync_finished(self, outcome: SyncOutcome, origin: str) -> None:
        reachable = {"ok": True, "set_aside": True, "refused": True, "unreachable": False}.get(outcome.status)
        if reachable is not None or outcome.status == "not_configured":
            self.reachable = reachable
            self.reachability.emit(reachable)
        if origin != AUTO:
            return  # the end-of-day dialog shows its own outcome
        if outcome.status != "refused":
            self.told_refusal = ""
        if outcome.status == "set_aside" and len(outcome.set_aside) > self.told_set_aside:
            self.notice.emit(set_aside_notice(len(outcome.set_aside)))
        elif outcome.status == "refused" and outcome.message != self.told_refusal:
            self.told_refusal = outcome.message
            self.notice.emit(f"Đồng bộ tự động bị cấp trên từ chối: {outcome.message}")
        self.told_set_aside = len(outcome.set_aside)


def set_aside_notice(count: int) -> str:
    return (f"Đồng bộ tự động: {count} sự kiện bị cấp trên từ chối và được để riêng. Bấm vào số màu đỏ ở thanh "
            "trạng thái để xem lý do.")

