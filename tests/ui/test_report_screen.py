"""The report screen as the leader uses it: pick a month, build, read the table, print, save the workbook."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.print_jobs import PrintJob
from desk_app.store.models import AuditRecord
from desk_app.ui.report_screen import ReportScreen
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn


class RecordingOutput:
    def __init__(self) -> None:
        self.jobs: list[PrintJob] = []

    def deliver(self, job: PrintJob) -> None:
        self.jobs.append(job)


def test_a_month_built_printed_and_saved(qtbot: QtBot, desk: ServiceContext, clock: FixedClock,
                                         tmp_path: Path) -> None:
    clock.moment = vn("2026-03-02 09:00")
    late = receive(desk, ReceiveRequest("XA.CT.02", {"name": "Lê Văn Tám"})).code
    on_time = receive(desk, ReceiveRequest("XA.CT.02", {"name": "Phạm Thị Hoa"}, channel="online")).code
    clock.moment = vn("2026-03-02 10:00")
    DossierActions(desk).result_ready(on_time)
    clock.moment = vn("2026-03-03 10:00")
    DossierActions(desk).result_ready(late)
    clock.moment = vn("2026-04-02 09:00")
    leader = ServiceContext(desk.db, clock, "ld.hoa", role="leader")
    output = RecordingOutput()
    target = tmp_path / "bieu06.xlsx"
    screen = ReportScreen(leader, ImmediateRunner(), output, choose_path=lambda *_: str(target))
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitUntil(screen.isVisible)
    assert not screen.print_button.isEnabled()
    screen.kind.setCurrentIndex(screen.kind.findData("month"))
    screen.number.setValue(3)
    screen.year.setValue(2026)
    qtbot.mouseClick(screen.build_button, Qt.MouseButton.LeftButton)
    table = screen.table
    assert table.rowCount() == 2
    assert [table.item(0, c).text() for c in range(table.columnCount())] == [
        "Chứng thực", "2", "1", "1", "0", "2", "0", "1", "1", "0", "0", "0", "0", "0"]
    assert table.item(1, 0).text() == "Tổng cộng"
    assert "từ ngày 01/03/2026 đến ngày 31/03/2026" in screen.title.text()
    assert "1 đã giải quyết quá hạn" in screen.summary.text()

    qtbot.mouseClick(screen.print_button, Qt.MouseButton.LeftButton)
    [job] = output.jobs
    assert job.pdf.startswith(b"%PDF") and "Biểu số 06" in job.title
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    book = load_workbook(target)
    late_sheet = book["Hồ sơ trễ hạn"]
    assert any(late in str(cell.value) for row in late_sheet.iter_rows() for cell in row)
    with desk.read() as session:
        audit = [(a.action, a.detail["format"]) for a in session.scalars(select(AuditRecord))]
    assert audit == [("print", "pdf"), ("export", "xlsx")]
    screen.grab().save(str(tmp_path / "report.png"))


def test_a_period_ending_before_it_starts_is_said_plainly(qtbot: QtBot, desk: ServiceContext) -> None:
    screen = ReportScreen(desk, ImmediateRunner(), RecordingOutput())
    qtbot.addWidget(screen)
    screen.kind.setCurrentIndex(screen.kind.findData("custom"))
    screen.date_from.setDate(screen.date_to.date().addDays(5))
    screen.build()
    assert "trước ngày bắt đầu" in screen.message.text()
    assert screen.report is None and screen.build_button.isEnabled()
