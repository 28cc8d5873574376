"""The sync as the clerk meets it: the end-of-day dialog (F12), the status bar's sync figures, the list of events the
upper level set aside, and the automatic sync in the background; the engine replaced by a fake that behaves as its
contract says (progress reported from the worker thread, a cancel Event, an outcome)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.store.models import DossierEvent
from desk_app.ui.auto_sync import AUTO, AutoSync, SyncBackend, SyncCoordinator, should_sync
from desk_app.ui.main_window import MainWindow
from desk_app.ui.sync_dialog import SetAsideDialog, SyncDialog
from desk_app.ui.sync_status import when_text
from desk_app.ui.worker import ImmediateRunner, ThreadRunner
from tests.conftest import vn
from tests.ui.conftest import type_text

try:  # the engine's own types when it is there, so the fake speaks its exact contract
    from desk_app.sync.engine import SetAsideEvent, SyncOutcome, SyncProgress
    from desk_app.sync.status import SyncStatus
except ImportError:  # pragma: no cover - only while the engine is being written
    @dataclass(frozen=True)
    class SyncProgress:  # type: ignore[no-redef]
        phase: str
        sent: int
        to_send: int
        received: int
        message: str

    @dataclass(frozen=True)
    class SetAsideEvent:  # type: ignore[no-redef]
        code: str
        kind: str
        seq: int
        at: dt.datetime
        reason: str

    @dataclass(frozen=True)
    class SyncOutcome:  # type: ignore[no-redef]
        status: str
        sent: int
        received: int
        set_aside: tuple[SetAsideEvent, ...]
        conflicts: tuple[str, ...]
        message: str
        started_at: dt.datetime
        finished_at: dt.datetime

    @dataclass(frozen=True)
    class SyncStatus:  # type: ignore[no-redef]
        configured: bool
        hub_url: str
        pending: int
        set_aside: int
        last_success_at: dt.datetime | None
        last_attempt_at: dt.datetime | None
        last_outcome: str | None
        last_message: str


CODE = "000.31.22.H20-260302-0003"
REFUSED = SetAsideEvent(CODE, "returned", 7, vn("2026-03-02 08:41"),
                        "Hồ sơ chưa có kết quả nên không thể trả kết quả (sự kiện trước bị thiếu).")


@dataclass
class FakeEngine:
    """run_sync / probe / sync_status / set_aside_events as the engine's contract says; records what it was asked.

    ``pending`` is read from the desk's database (events still to send), so a save at the counter shows at once."""

    ctx: ServiceContext
    configured: bool = True
    reachable: bool = True
    steps: list[SyncProgress] = field(default_factory=list)
    result: str = "ok"
    received: int = 0
    set_aside: list[SetAsideEvent] = field(default_factory=list)
    conflicts: tuple[str, ...] = ()
    message: str = "Đã gửi và nhận xong."
    gate: threading.Event | None = None  # hold the run (on its worker thread) until released
    fail: BaseException | None = None
    runs: int = 0
    probes: int = 0
    running: int = 0
    most_at_once: int = 0
    threads: list[threading.Thread] = field(default_factory=list)
    cancels: list[threading.Event] = field(default_factory=list)
    last_success_at: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None
    last_outcome: str | None = None
    sent_total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def backend(self) -> SyncBackend:
        return SyncBackend(run_sync=self.run_sync, probe=self.probe, sync_status=self.sync_status,
                           set_aside_events=self.set_aside_events)

    def _to_send(self) -> int:
        with self.ctx.read() as session:
            count = session.scalar(select(func.count()).select_from(DossierEvent)
                                   .where(DossierEvent.sync_state == "to_send"))
        return max(0, int(count or 0) - self.sent_total)

    def run_sync(self, ctx: ServiceContext, *, progress: Any = None, cancel: threading.Event | None = None,
                 **_: Any) -> SyncOutcome:
        with self.lock:
            self.runs += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.threads.append(threading.current_thread())
        if cancel is not None:
            self.cancels.append(cancel)
        started = ctx.clock.now()
        try:
            if self.fail is not None:
                raise self.fail
            if not self.configured:
                return SyncOutcome("not_configured", 0, 0, (), (), "Chưa có địa chỉ máy chủ cấp trên.", started,
                                   started)
            to_send = self._to_send()
            for step in self.steps:
                if progress is not None:
                    progress(step)
            if self.gate is not None:
                while not self.gate.wait(0.01):
                    if cancel is not None and cancel.is_set():
                        break
            left = 0 if self.result == "unreachable" else to_send  # set aside or acknowledged: no longer waiting
            result = self.result
            if cancel is not None and cancel.is_set():
                left, result = min(left, 2), "cancelled"
            sent = max(0, left - len(self.set_aside))
            self.sent_total += left
            finished = ctx.clock.now()
            self.last_attempt_at = finished
            self.last_outcome = result
            if result in ("ok", "set_aside"):
                self.last_success_at = finished
            return SyncOutcome(result, sent, self.received, tuple(self.set_aside), self.conflicts,
                               self.message, started, finished)
        finally:
            with self.lock:
                self.running -= 1

    def probe(self, hub_url: str, **_: Any) -> bool:
        self.probes += 1
        return self.reachable

    def sync_status(self, ctx: ServiceContext) -> SyncStatus:
        return SyncStatus(self.configured, "http://127.0.0.1:8765" if self.configured else "", self._to_send(),
                          len(self.set_aside) if self.last_outcome else 0, self.last_success_at,
                          self.last_attempt_at, self.last_outcome, self.message if self.last_outcome else "")

    def set_aside_events(self, ctx: ServiceContext) -> list[SetAsideEvent]:
        return list(self.set_aside) if self.last_outcome else []


class RecordingOutput:
    def deliver(self, job: object) -> None:
        pass


def configure(ctx: ServiceContext, url: str = "http://127.0.0.1:8765", token: str = "bí-mật") -> None:
    """The administrator's sync settings, written as Thiết lập writes them."""
    from desk_app.services.settings import SettingsService

    with ctx.write() as (session, _now):
        settings = SettingsService(session)
        settings.set("upper_level_url", url)
        settings.set("upper_level_token", token)


@pytest.fixture
def engine(desk: ServiceContext) -> FakeEngine:
    """A configured desk (address and token set) and the fake engine over it."""
    configure(desk)
    return FakeEngine(desk)


def receive_some(ctx: ServiceContext, n: int) -> list[str]:
    from desk_app.services.intake import ReceiveRequest, receive

    names = ("Lê Văn Tám", "Phạm Thị Hoa", "Võ Thị Lan", "Trần Văn Bình", "Đỗ Thị Mai", "Ngô Văn Sáu")
    return [receive(ctx, ReceiveRequest(procedure="XA.CT.01", applicant={"name": names[i % len(names)]})).code
            for i in range(n)]


def open_window(qtbot: QtBot, ctx: ServiceContext, engine: FakeEngine, *, runner: Any = None,
                sync_runner: Any = None, opened: list[str] | None = None) -> MainWindow:
    def detail(code: str) -> QWidget:
        if opened is not None:
            opened.append(code)
        widget = QWidget()
        qtbot.addWidget(widget)
        return widget

    window = MainWindow(ctx, runner or ImmediateRunner(), RecordingOutput(), full_name="Nguyễn Thị Lan",
                        confirm=lambda *_: True, sync_backend=engine.backend(), sync_runner=sync_runner,
                        auto_sync_ms=None, detail_factory=detail)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.wait(20)
    return window


def label(window: QWidget, name: str) -> str:
    found = window.findChild(QLabel, name)
    assert found is not None, name
    return found.text()


def open_sync_dialog(qtbot: QtBot, window: MainWindow) -> SyncDialog:
    qtbot.keyClick(window, Qt.Key.Key_F12)
    dialog = window.sync_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


# -- the end-of-day dialog -----------------------------------------------------------------------------------------
def test_f12_syncs_and_the_summary_lists_the_set_aside_event_with_its_reason(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine, clock: FixedClock) -> None:
    receive_some(desk, 3)
    engine.steps = [SyncProgress("connect", 0, 3, 0, "Đang kết nối…"), SyncProgress("push", 3, 3, 0, "Đã gửi 3/3."),
                    SyncProgress("pull", 3, 3, 4, "Đang nhận…"), SyncProgress("done", 3, 3, 4, "Xong.")]
    engine.result, engine.received, engine.set_aside = "set_aside", 4, [REFUSED]
    engine.conflicts = ("Hồ sơ 000.31.22.H20-260302-0001: bàn 2 đã trả kết quả trước khi bàn này hẹn lại.",)
    engine.message = "Đã gửi 2 sự kiện, nhận 4 sự kiện, 1 sự kiện bị để riêng."
    opened: list[str] = []
    window = open_window(qtbot, desk, engine, opened=opened)
    assert window.findChild(QWidget, "syncButton").text() == "Đồng bộ cuối ngày (F12)"
    assert label(window, "syncPending") == "3 sự kiện chờ gửi"
    clock.moment = vn("2026-03-02 16:42")

    dialog = open_sync_dialog(qtbot, window)
    assert engine.runs == 1
    assert dialog.heading.text() == "Đồng bộ với UBND tỉnh Đồng Tháp"
    assert dialog.phase.text().startswith("Đồng bộ xong, nhưng 1 sự kiện bị cấp trên từ chối")
    assert dialog.counts.text().startswith("Đã gửi: 2 sự kiện   ·   Đã nhận: 4 sự kiện   ·   Bị để riêng: 1")
    assert "Đã gửi 2 sự kiện, nhận 4 sự kiện" in dialog.message.text()
    table = dialog.set_aside
    assert table.isVisible() and table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(5)] == [
        CODE, "Trả kết quả", "7", "08:41 02/03/2026",
        "Hồ sơ chưa có kết quả nên không thể trả kết quả (sự kiện trước bị thiếu)."]
    assert dialog.conflicts.isVisible() and dialog.conflicts.count() == 1
    assert "bàn 2 đã trả kết quả" in dialog.conflicts.item(0).text()
    assert dialog.findChild(QPushButton, "syncClose").isVisible()
    assert not dialog.findChild(QPushButton, "syncCancel").isVisible()
    # The status bar followed: the last success, nothing left waiting, the set-aside count in red.
    assert label(window, "syncLast") == "Đồng bộ lần cuối: 16:42 hôm nay"
    assert label(window, "syncPending") == "Không còn gì chờ gửi"
    red = window.findChild(QPushButton, "syncSetAside")
    assert red.isVisible() and red.text() == "1 sự kiện bị để riêng" and "#b00020" in red.styleSheet()
    assert label(window, "syncReach") == "Cấp trên: kết nối được"
    # The clerk is not held: the dialog is not modal, and a row opens its dossier.
    assert not dialog.isModal()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened == [CODE]
    # Esc closes it once the sync is over.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_progress_reaches_the_dialog_from_the_worker_thread_and_cancel_stops_the_sync(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine) -> None:
    receive_some(desk, 5)
    engine.steps = [SyncProgress("connect", 0, 5, 0, "Đang kết nối…"),
                    SyncProgress("push", 2, 5, 0, "Đang gửi 2/5 sự kiện…")]
    engine.gate = threading.Event()
    sync_runner = ThreadRunner()
    window = open_window(qtbot, desk, engine, sync_runner=sync_runner)
    delivered_on: list[bool] = []  # where the window hears of progress (a direct connection runs where emitted)
    window.sync.progressed.connect(lambda _p: delivered_on.append(threading.current_thread() is threading.main_thread()),
                                   Qt.ConnectionType.DirectConnection)

    dialog = open_sync_dialog(qtbot, window)
    qtbot.waitUntil(lambda: dialog.bar.maximum() == 5 and dialog.bar.value() == 2)
    assert engine.threads and engine.threads[0] is not threading.main_thread()  # run_sync ran on a worker
    assert delivered_on and all(delivered_on)  # each report reached the GUI thread
    assert dialog.phase.text() == "Đang gửi sự kiện lên cấp trên…"
    assert dialog.counts.text() == "Đã gửi: 2/5 sự kiện   ·   Đã nhận: 0 sự kiện"
    assert dialog.message.text() == "Đang gửi 2/5 sự kiện…"
    assert label(window, "syncReach") == "Cấp trên: đang đồng bộ (gửi 2/5)…"
    cancel = dialog.findChild(QPushButton, "syncCancel")
    assert cancel.isVisible() and cancel.text() == "Hủy (Esc)"

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc is Hủy while it runs: the dialog stays to say how it ended
    assert engine.cancels[0].is_set()
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not window.sync.busy)
    assert dialog.phase.text().startswith("Đã dừng đồng bộ theo yêu cầu.")
    assert dialog.counts.text().startswith("Đã gửi: 2 sự kiện")
    assert "Còn 3 sự kiện chờ gửi lần sau." in dialog.message.text()
    assert label(window, "syncPending") == "3 sự kiện chờ gửi"
    assert sync_runner.wait(5000)


def test_when_sync_is_not_configured_the_dialog_says_what_to_set_and_tries_nothing(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine) -> None:
    configure(desk, url="", token="")
    engine.configured = False
    window = open_window(qtbot, desk, engine)
    assert label(window, "syncReach") == "Cấp trên: chưa thiết lập đồng bộ"
    assert label(window, "syncLast") == "Chưa đồng bộ lần nào"
    dialog = open_sync_dialog(qtbot, window)
    assert engine.runs == 0
    assert dialog.phase.text() == "Chưa thiết lập đồng bộ với cấp trên."
    text = dialog.message.text()
    assert text.startswith("Còn thiếu «Địa chỉ máy chủ cấp trên» và «Mã bí mật của xã».")
    assert "Báo quản trị viên vào Thiết lập → Đồng bộ cấp trên" in text
    assert not dialog.bar.isVisible() and not dialog.findChild(QPushButton, "syncOpenSettings").isVisible()


def test_the_administrator_is_taken_to_the_sync_settings(qtbot: QtBot, admin_desk: ServiceContext) -> None:
    from desk_app.services.settings_admin import save_settings

    save_settings(admin_desk, {"upper_level_url": "https://hub.dongthap.example.vn"})
    engine = FakeEngine(admin_desk, configured=False)
    window = open_window(qtbot, admin_desk, engine)
    dialog = open_sync_dialog(qtbot, window)
    assert "Vào Thiết lập → Đồng bộ cấp trên (Ctrl+5)" in dialog.message.text()
    assert dialog.message.text().startswith("Còn thiếu «Mã bí mật của xã».")
    button = dialog.findChild(QPushButton, "syncOpenSettings")
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    screen = window.settings_screen
    assert window.tabs.currentWidget() is screen
    assert screen.tabs.tabText(screen.tabs.currentIndex()) == "Đồng bộ cấp trên"  # type: ignore[union-attr]


def test_the_not_configured_text_names_each_missing_setting_and_where_it_is() -> None:
    from desk_app.ui.sync_dialog import not_configured_text

    assert not_configured_text([("Mã cơ quan", "Đơn vị")], admin=False).startswith(
        "Còn thiếu «Mã cơ quan». Báo quản trị viên vào Thiết lập → Đơn vị để điền, rồi đồng bộ lại (F12).")
    both = not_configured_text([("Mã bí mật của xã", "Đồng bộ cấp trên"), ("Mã cơ quan", "Đơn vị")], admin=True)
    assert both.startswith("Còn thiếu «Mã bí mật của xã» và «Mã cơ quan». Vào Thiết lập (mục Đồng bộ cấp trên và "
                           "Đơn vị) (Ctrl+5), điền các mục đó")


def test_an_unreachable_server_loses_nothing_and_says_so(qtbot: QtBot, desk: ServiceContext,
                                                         engine: FakeEngine) -> None:
    receive_some(desk, 2)
    engine.result, engine.message = "unreachable", "Không kết nối được http://127.0.0.1:8765 sau 3 lần thử."
    window = open_window(qtbot, desk, engine)
    dialog = open_sync_dialog(qtbot, window)
    assert dialog.phase.text().startswith("Không kết nối được máy chủ cấp trên. Không mất gì")
    assert "sau 3 lần thử" in dialog.message.text() and "Còn 2 sự kiện chờ gửi lần sau." in dialog.message.text()
    assert not dialog.set_aside.isVisible()
    assert label(window, "syncReach") == "Cấp trên: mất kết nối"
    assert label(window, "syncLast") == "Chưa đồng bộ lần nào"
    # F12 in the dialog tries again.
    engine.result, engine.message = "ok", "Đã gửi 2 sự kiện."
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.wait(20)
    qtbot.keyClick(dialog, Qt.Key.Key_F12)
    assert engine.runs == 2
    assert dialog.phase.text() == "Đồng bộ xong: cấp trên đã xác nhận mọi sự kiện đã gửi."
    assert label(window, "syncReach") == "Cấp trên: kết nối được"


def test_a_fault_in_the_sync_is_told_and_frees_the_guard(qtbot: QtBot, desk: ServiceContext,
                                                         engine: FakeEngine) -> None:
    engine.fail = RuntimeError("database is locked: Lê Văn Tám")
    window = open_window(qtbot, desk, engine)
    dialog = open_sync_dialog(qtbot, window)
    assert dialog.phase.text() == "Đồng bộ chưa xong."
    assert "lỗi ngoài dự kiến (RuntimeError)" in dialog.message.text()
    assert "Lê Văn Tám" not in dialog.message.text()
    assert not window.sync.busy


# -- the status bar ------------------------------------------------------------------------------------------------
def test_the_status_bar_follows_saves_and_the_red_count_opens_the_set_aside_list(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine, clock: FixedClock) -> None:
    receive_some(desk, 1)
    engine.result, engine.set_aside = "set_aside", [REFUSED]
    engine.last_success_at = vn("2026-02-27 16:42")
    engine.last_attempt_at = vn("2026-02-27 16:42")
    engine.last_outcome = "ok"
    opened: list[str] = []
    window = open_window(qtbot, desk, engine, opened=opened)
    assert label(window, "syncLast") == "Đồng bộ lần cuối: 16:42 ngày 27/02/2026"
    assert label(window, "syncPending") == "1 sự kiện chờ gửi"
    assert label(window, "syncReach") == "Cấp trên: đang kiểm tra kết nối…"
    # A save at the counter shows at once among the events waiting.
    window.intake.choose_procedure("XA.CT.02")
    type_text(window.intake.inputs["name"], "Lê Thị Thu")
    qtbot.keyClick(window.intake.inputs["name"], Qt.Key.Key_F9)
    assert label(window, "syncPending") == "2 sự kiện chờ gửi"
    # The red count: click opens the list, Enter on a row opens the dossier.
    red = window.findChild(QPushButton, "syncSetAside")
    assert red.isVisible() and red.text() == "1 sự kiện bị để riêng"
    qtbot.mouseClick(red, Qt.MouseButton.LeftButton)
    listing = window.set_aside_dialog
    assert isinstance(listing, SetAsideDialog) and listing.isVisible()
    assert listing.note.text().startswith("1 sự kiện bị cấp trên từ chối nên được để riêng.")
    assert [listing.table.item(0, c).text() for c in (0, 1, 4)] == [CODE, "Trả kết quả", REFUSED.reason]
    qtbot.keyClick(listing.table, Qt.Key.Key_Return)
    assert opened == [CODE]
    # The list is also in the menu, and the dialog is the same one, brought up to date.
    window.findChild(type(window.sync_action), "showSetAside").trigger()
    assert window.set_aside_dialog is listing


def test_when_text_says_today_yesterday_or_the_date() -> None:
    now = vn("2026-03-02 09:00")
    assert when_text(vn("2026-03-02 08:05"), now) == "08:05 hôm nay"
    assert when_text(vn("2026-03-01 16:42"), now) == "16:42 hôm qua"
    assert when_text(vn("2026-02-27 16:42"), now) == "16:42 ngày 27/02/2026"
    assert when_text(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC), now) == "08:00 hôm nay"


# -- the automatic sync --------------------------------------------------------------------------------------------
def test_should_sync_when_the_server_comes_back_with_events_or_the_interval_passed() -> None:
    now = vn("2026-03-02 10:00")
    ten = dt.timedelta(minutes=10)
    base: dict[str, Any] = {"reachable": True, "was_reachable": False, "enabled": True, "pending": 3,
                            "last_attempt_at": vn("2026-03-02 09:58"), "now": now, "interval": ten}
    assert should_sync(**base)  # came back, events waiting
    assert not should_sync(**{**base, "pending": 0})  # came back, nothing to send, interval not passed
    assert not should_sync(**{**base, "was_reachable": True})  # still up, interval not passed
    assert should_sync(**{**base, "was_reachable": True, "pending": 0,
                          "last_attempt_at": vn("2026-03-02 09:50")})  # the interval passed: to pull
    assert should_sync(**{**base, "was_reachable": None})  # first look since the desk started
    assert not should_sync(**{**base, "reachable": False})
    assert not should_sync(**{**base, "reachable": None})  # not configured
    assert not should_sync(**{**base, "enabled": False})


def test_auto_sync_starts_when_the_server_becomes_reachable_and_again_after_the_interval(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine, clock: FixedClock) -> None:
    receive_some(desk, 2)
    engine.reachable = False
    window = open_window(qtbot, desk, engine)
    window.auto_sync.check()
    assert engine.probes == 1 and engine.runs == 0
    assert label(window, "syncReach") == "Cấp trên: mất kết nối"

    clock.advance(minutes=1)
    engine.reachable = True
    window.auto_sync.check()
    assert engine.runs == 1  # back, with 2 events waiting: synced without a dialog
    assert window.sync_dialog is None
    assert label(window, "syncReach") == "Cấp trên: kết nối được"
    assert label(window, "syncPending") == "Không còn gì chờ gửi"
    assert label(window, "syncLast") == "Đồng bộ lần cuối: 09:01 hôm nay"
    assert "Đồng bộ" not in window.urgent_label.text()  # nothing needing the clerk's eye

    receive_some(desk, 1)
    clock.advance(minutes=1)
    window.auto_sync.check()
    assert engine.runs == 1  # still up, interval (10 min) not passed
    clock.advance(minutes=10)
    window.auto_sync.check()
    assert engine.runs == 2  # the interval passed


def test_auto_sync_off_still_watches_reachability_but_never_syncs(
        qtbot: QtBot, admin_desk: ServiceContext, clock: FixedClock) -> None:
    from desk_app.services.settings_admin import save_settings

    save_settings(admin_desk, {"auto_sync": "false"})
    receive_some(admin_desk, 1)
    engine = FakeEngine(admin_desk, reachable=False)
    window = open_window(qtbot, admin_desk, engine)
    window.auto_sync.check()
    engine.reachable = True
    clock.advance(hours=2)
    window.auto_sync.check()
    assert engine.probes == 2 and engine.runs == 0
    assert label(window, "syncReach") == "Cấp trên: kết nối được"


def test_an_automatic_sync_that_sets_events_aside_or_is_refused_tells_the_clerk(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine, clock: FixedClock) -> None:
    receive_some(desk, 2)
    engine.result, engine.set_aside = "set_aside", [REFUSED]
    window = open_window(qtbot, desk, engine)
    window.auto_sync.check()
    assert engine.runs == 1
    assert window.urgent_label.isVisible()
    assert window.urgent_label.text().startswith("Đồng bộ tự động: 1 sự kiện bị cấp trên từ chối và được để riêng.")
    assert window.findChild(QPushButton, "syncSetAside").text() == "1 sự kiện bị để riêng"

    engine.result, engine.set_aside = "refused", []
    engine.message = "Mã bí mật của xã không đúng hoặc đã bị thu hồi; liên hệ cấp trên."
    clock.advance(minutes=30)
    window.auto_sync.check()
    assert engine.runs == 2
    assert window.urgent_label.text() == ("Đồng bộ tự động bị cấp trên từ chối: Mã bí mật của xã không đúng hoặc đã "
                                          "bị thu hồi; liên hệ cấp trên.")


def test_never_two_syncs_at_once_the_dialog_follows_the_automatic_one(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine) -> None:
    receive_some(desk, 4)
    engine.steps = [SyncProgress("push", 1, 4, 0, "Đang gửi 1/4 sự kiện…")]
    engine.gate = threading.Event()
    sync_runner = ThreadRunner()
    window = open_window(qtbot, desk, engine, sync_runner=sync_runner)
    window.auto_sync.check()
    qtbot.waitUntil(lambda: engine.runs == 1)
    qtbot.waitUntil(lambda: window.sync.busy and window.sync.last_progress is not None)
    assert window.sync.origin == AUTO

    dialog = open_sync_dialog(qtbot, window)  # F12 while the automatic sync runs: follow it, start nothing
    assert dialog.message.text() == "Đang gửi 1/4 sự kiện…"
    assert dialog.bar.value() == 1 and dialog.bar.maximum() == 4
    assert not window.sync.start("manual")
    window.auto_sync.check()  # the minute timer while busy: no look, no sync
    qtbot.wait(50)
    assert engine.runs == 1 and engine.probes == 1

    engine.gate.set()
    qtbot.waitUntil(lambda: not window.sync.busy)
    assert sync_runner.wait(5000)
    assert engine.most_at_once == 1 and engine.runs == 1
    assert dialog.phase.text() == "Đồng bộ xong: cấp trên đã xác nhận mọi sự kiện đã gửi."
    assert dialog.counts.text().startswith("Đã gửi: 4 sự kiện")


def test_the_timer_looks_on_its_own_and_stops_when_the_window_closes(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine) -> None:
    engine.reachable = False
    window = open_window(qtbot, desk, engine)
    window.auto_sync.timer.setInterval(30)
    window.auto_sync.start(first_look_ms=None)
    qtbot.waitUntil(lambda: engine.probes >= 2)
    window.close()
    assert not window.auto_sync.timer.isActive()
    probes = engine.probes
    qtbot.wait(100)
    assert engine.probes == probes


def test_the_coordinator_and_auto_sync_take_an_injected_clock(qtbot: QtBot, desk: ServiceContext,
                                                               engine: FakeEngine) -> None:
    receive_some(desk, 1)
    engine.last_attempt_at = vn("2026-03-02 08:55")
    engine.last_outcome = "ok"
    coordinator = SyncCoordinator(desk, ImmediateRunner(), engine.backend())
    moments = [vn("2026-03-02 09:00")]
    auto = AutoSync(desk, ImmediateRunner(), coordinator, interval_ms=1000, now=lambda: moments[0])
    auto.reachable = True  # already up: only the interval can start a sync
    auto.check()
    assert engine.runs == 0
    moments[0] = vn("2026-03-02 09:05")
    auto.check()
    assert engine.runs == 1


def test_the_application_gives_the_sync_its_own_thread(qtbot: QtBot) -> None:
    from PySide6.QtCore import QThreadPool

    from desk_app.ui.app import sync_runner

    runner = sync_runner()
    assert runner.pool is not QThreadPool.globalInstance() and runner.pool.maxThreadCount() == 1
    results: list[tuple[bool, bool]] = []
    runner.submit(lambda: threading.current_thread() is threading.main_thread(),
                  lambda on_main: results.append((on_main, threading.current_thread() is threading.main_thread())))
    qtbot.waitUntil(lambda: bool(results))
    assert results == [(False, True)]  # worked on its thread, answered on the GUI thread
    assert runner.wait(5000)


def test_a_notice_given_while_the_window_is_built_is_not_drawn_over_the_database_label(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine) -> None:
    receive_some(desk, 1)  # due today: the dashboard's notice comes while the window is being built
    window = open_window(qtbot, desk, engine)
    qtbot.waitUntil(lambda: not window.status_db.isVisible())
    assert window.statusBar().currentMessage().startswith("Cần chú ý: 1 hồ sơ đến hạn trả hôm nay")
    assert window.sync_bar.isVisible()  # the sync's figures are permanent: a notice never hides them


def test_an_automatic_sync_repeats_a_notice_only_when_there_is_something_new(
        qtbot: QtBot, desk: ServiceContext, engine: FakeEngine, clock: FixedClock) -> None:
    """Set-aside events stay counted until someone deals with them: the clerk is told once, and again only when
    more are set aside or a refusal changes."""
    receive_some(desk, 2)
    engine.result, engine.set_aside = "set_aside", [REFUSED]
    window = open_window(qtbot, desk, engine)
    told: list[str] = []
    window.auto_sync.notice.connect(told.append)
    for _ in range(3):
        window.auto_sync.check()
        clock.advance(minutes=30)
    assert engine.runs == 3 and len(told) == 1
    engine.set_aside = [REFUSED, REFUSED]
    window.auto_sync.check()
    assert len(told) == 2 and told[-1].startswith("Đồng bộ tự động: 2 sự kiện")
    engine.result, engine.set_aside, engine.message = "refused", [], "Mã bí mật của xã không đúng."
    for _ in range(2):
        clock.advance(minutes=30)
        window.auto_sync.check()
    assert len(told) == 3 and told[-1].endswith("Mã bí mật của xã không đúng.")
