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


def test_the_leader_exports_the_national_file_with_id_numbers_only_when_ticked(qtbot: QtBot, desk: ServiceContext,
                                                                              clock: FixedClock,
                                                                              tmp_path: Path) -> None:
    import json

    clock.moment = vn("2026-03-02 09:00")
    receive(desk, ReceiveRequest("XA.CT.02", {"name": "Lê Văn Tám", "id_number": "087084001234",
                                              "birth_date": "05/09/1984", "sex": "Nam"}))
    clock.moment = vn("2026-04-02 09:00")
    leader = ServiceContext(desk.db, clock, "ld.hoa", role="leader")
    targets = iter([tmp_path / "plain.json", tmp_path / "with-ids.json"])
    screen = ReportScreen(leader, ImmediateRunner(), RecordingOutput(), choose_national_path=lambda *_: str(next(targets)))
    qtbot.addWidget(screen)
    screen.show()
    screen.kind.setCurrentIndex(screen.kind.findData("month"))
    screen.number.setValue(3)
    screen.year.setValue(2026)
    assert screen.national_button.isVisible()
    qtbot.mouseClick(screen.national_button, Qt.MouseButton.LeftButton)
    assert "087084001234" not in (tmp_path / "plain.json").read_text(encoding="utf-8")
    assert "Đã xuất 1 hồ sơ" in screen.message.text()
    screen.national_ids.setChecked(True)
    qtbot.mouseClick(screen.national_button, Qt.MouseButton.LeftButton)
    records = json.loads((tmp_path / "with-ids.json").read_text(encoding="utf-8"))["data"]
    assert records[0]["SoGiayToChuHoSo"] == "087084001234"
    with desk.read() as session:
        exports = [a.detail for a in session.scalars(select(AuditRecord).where(AuditRecord.action == "export"))]
    assert len(exports) == 2 and exports[-1].get("include_id_numbers") is True and "include_id_numbers" not in exports[0]


def test_a_clerk_sees_no_national_export(qtbot: QtBot, desk: ServiceContext) -> None:
    screen = ReportScreen(desk, ImmediateRunner(), RecordingOutput())
    qtbot.addWidget(screen)
    screen.show()
    assert not screen.national_button.isVisible() and not screen.national_ids.isVisible()
