"""The desk window against the real engine and a real upper-level server (a subprocess on 127.0.0.1): F12 sends the
day's dossiers and the window says so; the server goes away and comes back, and the automatic sync sends what was
recorded meanwhile, on its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.settings_admin import save_settings
from desk_app.ui.main_window import MainWindow
from desk_app.ui.worker import ImmediateRunner, ThreadRunner
from tests.conftest import AGENCY
from tests.hub_process import HubProcess, sqlite_url


class NoOutput:
    def deliver(self, job: object) -> None:
        pass


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    server = HubProcess(sqlite_url(tmp_path / "hub.db"), tmp_path / "hub")
    server.start()
    yield server
    server.stop()


def events_on(hub: HubProcess) -> int:
    return int(hub.stats()["communes"].get(AGENCY, {}).get("events", 0))


def text(window: MainWindow, name: str) -> str:
    return window.findChild(QLabel, name).text()


def test_the_window_syncs_with_a_real_server_by_hand_and_when_it_comes_back(
        qtbot: QtBot, admin_desk: ServiceContext, hub: HubProcess) -> None:
    token = hub.add_commune(AGENCY, "UBND xã Mỹ Phong")
    save_settings(admin_desk, {"upper_level_url": hub.url, "upper_level_token": token})
    for name in ("Lê Văn Tám", "Phạm Thị Hoa", "Võ Thị Lan"):
        receive(admin_desk, ReceiveRequest(procedure="XA.CT.01", applicant={"name": name}))
    sync_runner = ThreadRunner()
    window = MainWindow(admin_desk, ImmediateRunner(), NoOutput(), confirm=lambda *_: True,
                        sync_runner=sync_runner, auto_sync_ms=None)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.wait(20)
    assert text(window, "syncPending") == "3 sự kiện chờ gửi"
    assert text(window, "syncLast") == "Chưa đồng bộ lần nào"

    qtbot.keyClick(window, Qt.Key.Key_F12)
    dialog = window.sync_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not window.sync.busy, timeout=30_000)
    assert dialog.phase.text() == "Đồng bộ xong: cấp trên đã xác nhận mọi sự kiện đã gửi.", dialog.message.text()
    assert dialog.counts.text().startswith("Đã gửi: 3 sự kiện   ·   Đã nhận: 0 sự kiện   ·   Bị để riêng: 0")
    assert text(window, "syncPending") == "Không còn gì chờ gửi"
    assert text(window, "syncLast") == "Đồng bộ lần cuối: 09:00 hôm nay"
    assert text(window, "syncReach") == "Cấp trên: kết nối được"
    assert events_on(hub) == 3
    dialog.close()

    # The server goes away; the desk keeps working; the automatic sync sees it gone, then back, and sends.
    hub.stop()
    window.auto_sync.check()
    qtbot.waitUntil(lambda: not window.auto_sync.looking, timeout=10_000)
    assert text(window, "syncReach") == "Cấp trên: mất kết nối"
    receive(admin_desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Trần Văn Bình"}))
    window.refresh(charts=False)
    assert text(window, "syncPending") == "1 sự kiện chờ gửi"
    hub.start()
    window.auto_sync.check()
    qtbot.waitUntil(lambda: window.sync.last_outcome is not None and window.sync.last_outcome.sent == 1
                    and not window.sync.busy, timeout=30_000)
    assert window.sync.last_outcome.status == "ok"
    assert text(window, "syncPending") == "Không còn gì chờ gửi"
    assert text(window, "syncReach") == "Cấp trên: kết nối được"
    assert events_on(hub) == 4
    assert sync_runner.wait(10_000)
