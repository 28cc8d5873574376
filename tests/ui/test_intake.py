"""The intake screen driven as a clerk drives it: type, pick, F9; what the clerk sees and what lands in the database."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.print_jobs import PrintJob
from desk_app.services.settings import SettingsService
from desk_app.store.models import AuditRecord, Dossier, DossierEvent
from desk_app.ui.intake import IntakeScreen
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn
from tests.ui.conftest import nfd, type_text


class RecordingOutput:
    def __init__(self) -> None:
        self.jobs: list[PrintJob] = []

    def deliver(self, job: PrintJob) -> None:
        self.jobs.append(job)


class HeldRunner:
    """Keeps the work until the test lets it run: a save still in flight."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]]] = []

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None],
               failed: Callable[[BaseException], None] | None = None) -> None:
        self.pending.append((work, done, failed or (lambda e: None)))

    def run_all(self) -> None:
        while self.pending:
            work, done, failed = self.pending.pop(0)
            try:
                result = work()
            except Exception as error:  # noqa: BLE001
                failed(error)
            else:
                done(result)


@pytest.fixture
def output() -> RecordingOutput:
    return RecordingOutput()


def open_screen(qtbot: QtBot, desk: ServiceContext, output: RecordingOutput, runner: Any = None,
                answers: list[str | None] | None = None) -> IntakeScreen:
    replies = list(answers or [])
    screen = IntakeScreen(desk, runner or ImmediateRunner(), output,
                          ask_text=lambda *_: replies.pop(0) if replies else None)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    screen.activateWindow()
    qtbot.waitUntil(screen.isActiveWindow)
    qtbot.wait(20)  # shortcuts reach the active window only once its activation settles
    return screen


def pick(qtbot: QtBot, screen: IntakeScreen, words: str) -> None:
    screen.picker.field.setFocus()
    type_text(screen.picker.field, words)
    qtbot.keyClick(screen.picker.field, Qt.Key.Key_Return)


def dossiers(desk: ServiceContext) -> list[Dossier]:
    with desk.read() as session:
        return list(session.scalars(select(Dossier).order_by(Dossier.id)))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def label(screen: IntakeScreen, name: str) -> QLabel:
    found = screen.findChild(QLabel, name)
    assert found is not None, name
    return found


def test_same_day_procedure_after_15h_is_due_the_next_working_day(qtbot: QtBot, desk: ServiceContext,
                                                                    clock: FixedClock, output: RecordingOutput,
                                                                    tmp_path: Path) -> None:
    clock.moment = vn("2026-03-06 15:20")  # a Friday afternoon
    screen = open_screen(qtbot, desk, output)
    pick(qtbot, screen, "chung thuc ban sao")
    assert "Chứng thực bản sao từ bản chính" in label(screen, "procedureTitle").text()
    assert QApplication.focusWidget() is screen.inputs["name"]

    type_text(screen.inputs["name"], "nguyễn thị hồng nhung")
    type_text(screen.inputs["phone"], "0912345678")
    assert label(screen, "appointmentLabel").text() == "Hẹn trả: 17:00 ngày 09/03/2026 (thứ Hai)"
    assert label(screen, "appointmentRule").text().startswith(
        "Trong ngày — nhận sau 15:00 nên hẹn ngày làm việc tiếp theo")
    assert label(screen, "feeLabel").text() == "Phí, lệ phí: 2.000 đồng"

    qtbot.keyClick(screen.inputs["phone"], Qt.Key.Key_F9)

    [saved] = dossiers(desk)
    assert saved.applicant_name == "Nguyễn Thị Hồng Nhung"
    assert saved.phone == "0912345678"
    assert saved.due_at == vn("2026-03-09 17:00")
    assert saved.procedure_code == "XA.CT.01"
    # The slip went to the printer or preview; the form is empty again, the cursor on the name.
    [job] = output.jobs
    assert job.title.endswith(saved.code)
    text = pdf_text(job.pdf, tmp_path)
    assert "Nguyễn Thị Hồng Nhung" in text and "17 giờ 00 phút, ngày 09 tháng 03 năm 2026" in text
    banner = label(screen, "intakeBanner").text()
    assert saved.code in banner and "17:00 09/03/2026" in banner
    assert screen.inputs["name"].text() == "" and screen.inputs["phone"].text() == ""
    assert QApplication.focusWidget() is screen.inputs["name"]
    with desk.read() as session:
        audit = session.scalars(select(AuditRecord)).all()
    assert [(a.action, a.target, a.detail) for a in audit] == [("print", saved.code, {"form": "slip"})]


def test_a_three_working_day_procedure_across_tet(qtbot: QtBot, desk: ServiceContext, clock: FixedClock,
                                                  output: RecordingOutput) -> None:
    """Received on Friday 13/02/2026, the eve of the official Tết break (14–22/02): the three working days are
    23, 24 and 25 February."""
    clock.moment = vn("2026-02-13 09:30")
    screen = open_screen(qtbot, desk, output)
    pick(qtbot, screen, "dang ky tam tru")
    assert "Đăng ký tạm trú" in label(screen, "procedureTitle").text()
    assert label(screen, "appointmentLabel").text() == "Hẹn trả: 09:30 ngày 25/02/2026 (thứ Tư)"
    type_text(screen.inputs["name"], "Trần Văn Bảy")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    [saved] = dossiers(desk)
    assert saved.due_at == vn("2026-02-25 09:30")
    assert len(output.jobs) == 1


def test_decomposed_vietnamese_from_the_keyboard_is_stored_composed(qtbot: QtBot, desk: ServiceContext,
                                                                     output: RecordingOutput) -> None:
    screen = open_screen(qtbot, desk, output)
    pick(qtbot, screen, "khai sinh")
    type_text(screen.inputs["name"], nfd("Đặng Thị Ngọc Hương"))
    type_text(screen.inputs["address"], nfd("Ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp"))
    qtbot.keyClick(screen.inputs["address"], Qt.Key.Key_F9)
    [saved] = dossiers(desk)
    assert saved.applicant_name == "Đặng Thị Ngọc Hương"
    assert saved.address == "Ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp"


def test_a_wrong_id_number_is_said_at_the_field_as_typed_and_nothing_is_saved(qtbot: QtBot, desk: ServiceContext,
                                                                              output: RecordingOutput) -> None:
    screen = open_screen(qtbot, desk, output)
    pick(qtbot, screen, "khai sinh")
    type_text(screen.inputs["name"], "Lê Văn Tám")
    type_text(screen.inputs["id_number"], "08708400")
    error = label(screen, "applicantIdNumberError")
    assert error.isVisible() and "12 chữ số" in error.text()  # a hint while typing

    type_text(screen.inputs["id_number"], "0999")  # now 12 digits, a man born in the 1900s (century digit 0)
    type_text(screen.inputs["birth_date"], "06/05/2004")  # ... but the birth year says 2004
    qtbot.keyClick(screen.inputs["birth_date"], Qt.Key.Key_F9)
    assert dossiers(desk) == []
    assert error.isVisible() and error.text()
    assert QApplication.focusWidget() is screen.inputs["id_number"]
    assert output.jobs == []
    assert screen.inputs["name"].text() == "Lê Văn Tám"  # nothing typed is lost


def test_missing_documents_lead_to_the_supplement_request_instead_of_receiving(
        qtbot: QtBot, desk: ServiceContext, output: RecordingOutput, tmp_path: Path) -> None:
    screen = open_screen(qtbot, desk, output, answers=["Giấy xác nhận tình trạng hôn nhân"])
    pick(qtbot, screen, "khai sinh")
    type_text(screen.inputs["name"], "Võ Thị Lan")
    # The citizen has no birth certificate from the hospital: untick it.
    row = next(r for r in range(screen.checklist.rowCount())
               if screen.checklist.item(r, 1).text().startswith("Giấy chứng sinh"))
    screen.checklist.item(row, 0).setCheckState(Qt.CheckState.Unchecked)
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    assert dossiers(desk) == []
    message = label(screen, "documentsError").text()
    assert "Giấy chứng sinh" in message and "Phiếu yêu cầu bổ sung (F10)" in message
    assert "Văn bản ủy quyền" not in message  # "(nếu có)": not everyone has one

    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F10)
    [job] = output.jobs
    text = pdf_text(job.pdf, tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Võ Thị Lan" in text and "Giấy chứng sinh" in text and "Giấy xác nhận tình trạng hôn nhân" in text
    assert "Mã hồ sơ" not in text  # not received, so no code was issued
    assert dossiers(desk) == []


def test_a_refusal_at_the_counter_prints_form_03(qtbot: QtBot, desk: ServiceContext, output: RecordingOutput,
                                                 tmp_path: Path) -> None:
    screen = open_screen(qtbot, desk, output, answers=["", "Việc khai sinh thuộc thẩm quyền nơi cư trú của mẹ."])
    pick(qtbot, screen, "khai sinh")
    type_text(screen.inputs["name"], "Phạm Văn Hòa")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F10, Qt.KeyboardModifier.ControlModifier)
    assert "Cần ghi lý do" in label(screen, "procedureError").text()  # an empty reason is refused
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F10, Qt.KeyboardModifier.ControlModifier)
    [job] = output.jobs
    text = pdf_text(job.pdf, tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and "nơi cư trú của mẹ" in text
    assert dossiers(desk) == []


def test_a_bundle_shows_its_parts_and_is_received_as_one_dossier(qtbot: QtBot, desk: ServiceContext,
                                                                 output: RecordingOutput) -> None:
    screen = open_screen(qtbot, desk, output)
    pick(qtbot, screen, "3 trong 1 khai tu")
    parts = label(screen, "bundleComponents")
    assert parts.isVisible()
    assert "Đăng ký khai tử" in parts.text() and "Công an xã" in parts.text()
    names = [screen.checklist.item(r, 1).text() for r in range(screen.checklist.rowCount())]
    assert "Tờ khai thay đổi thông tin cư trú (mẫu CT01)" in names and "Tờ khai đăng ký khai tử (theo mẫu)" in names
    type_text(screen.inputs["name"], "Huỳnh Văn Sáu")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    [saved] = dossiers(desk)
    assert saved.procedure_code == "XA.HT.16" and len(saved.components) == 3


def test_no_appointment_day_resolves_a_same_day_procedure_on_the_spot(qtbot: QtBot, desk: ServiceContext,
                                                                      output: RecordingOutput) -> None:
    with desk.db.write_session() as session, session.begin():
        SettingsService(session).set("no_appointment_days", "mon")  # the clock is a Monday
    screen = open_screen(qtbot, desk, output)
    pick(qtbot, screen, "chung thuc chu ky")
    assert label(screen, "onSpotNote").isVisible()
    assert screen.save_button.text() == "Lưu, giải quyết ngay (F9)"
    type_text(screen.inputs["name"], "Ngô Văn Lực")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    [first] = dossiers(desk)
    assert first.status == "returned" and output.jobs == []
    assert "giải quyết, trả kết quả ngay" in label(screen, "intakeBanner").text()

    # The next citizen asks for a slip: it is received as usual and the slip printed.
    type_text(screen.inputs["name"], "Ngô Thị Mai")
    screen.slip_requested.setChecked(True)
    assert screen.save_button.text() == "Lưu và in giấy hẹn (F9)"
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    second = dossiers(desk)[1]
    assert second.status == "received" and len(output.jobs) == 1

    # A multi-day procedure is never resolved on the spot.
    pick(qtbot, screen, "dang ky tam tru")
    assert not label(screen, "onSpotNote").isVisible()


def test_a_second_f9_while_saving_does_not_receive_twice(qtbot: QtBot, desk: ServiceContext,
                                                        output: RecordingOutput) -> None:
    held = HeldRunner()
    screen = open_screen(qtbot, desk, output, runner=held)
    held.run_all()  # the clerk's favourites, counted off the GUI thread when the screen is built
    pick(qtbot, screen, "khai sinh")
    type_text(screen.inputs["name"], "Lý Văn Chín")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    assert not screen.save_button.isEnabled()
    assert len(held.pending) == 1
    held.run_all()
    assert len(dossiers(desk)) == 1 and screen.save_button.isEnabled()


def test_recent_procedures_come_first_and_alt_digit_picks_them(qtbot: QtBot, desk: ServiceContext,
                                                               output: RecordingOutput) -> None:
    for name in ("Lê Văn A", "Lê Văn B"):
        receive(desk, ReceiveRequest(procedure="XA.CTRU.02", applicant={"name": name}))
    receive(desk, ReceiveRequest(procedure="XA.CT.02", applicant={"name": "Lê Văn C"}))
    screen = open_screen(qtbot, desk, output)
    first = screen.picker.list.item(0).text()
    assert first.startswith("[Alt+1] Đăng ký tạm trú")
    assert screen.picker.list.item(1).text().startswith("[Alt+2] Chứng thực chữ ký")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert screen.procedure is not None and screen.procedure.code == "XA.CT.02"


def test_a_save_refused_by_the_service_shows_at_the_field_and_keeps_the_form(qtbot: QtBot, desk: ServiceContext,
                                                                             output: RecordingOutput) -> None:
    screen = open_screen(qtbot, desk, output)
    pick(qtbot, screen, "khai sinh")
    type_text(screen.inputs["name"], "Mai Văn Mười")
    screen.return_method.setCurrentIndex(screen.return_method.findData("postal"))
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    assert dossiers(desk) == []
    assert "cần địa chỉ nhận" in label(screen, "returnAddressError").text()
    assert QApplication.focusWidget() is screen.return_address
    type_text(screen.return_address, "Số 5, khóm 2, phường 1, Cao Lãnh")
    qtbot.keyClick(screen.return_address, Qt.Key.Key_F9)
    [saved] = dossiers(desk)
    assert saved.return_method == "postal" and saved.return_address == "Số 5, khóm 2, phường 1, Cao Lãnh"
    with desk.read() as session:
        assert session.scalar(select(DossierEvent.actor)) == "nv.lan"


def test_an_exemption_is_shown_in_the_fee_and_stored(qtbot: QtBot, desk: ServiceContext,
                                                      output: RecordingOutput) -> None:
    screen = open_screen(qtbot, desk, output)
    pick(qtbot, screen, "dang ky ket hon")
    assert screen.exemption.isEnabled()
    screen.exemption.setCurrentIndex(screen.exemption.findData("poor"))
    assert label(screen, "feeLabel").text() == "Phí, lệ phí: Miễn lệ phí (Hộ nghèo)"
    type_text(screen.inputs["name"], "Đỗ Văn Út")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    [saved] = dossiers(desk)
    assert saved.fee_due == 0 and saved.fee_exemption == "Hộ nghèo"


def _answer_the_modal(qtbot: QtBot, answer: Callable[[Any], None]) -> list[list[str]]:
    """Once the modal question shows, record its buttons' texts and answer it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QAbstractButton

    seen: list[list[str]] = []

    def act() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, act)
            return
        seen.append([b.text() for b in box.findChildren(QAbstractButton) if b.isVisible()])
        answer(box)

    QTimer.singleShot(20, act)
    return seen


def test_a_question_that_drops_input_says_no_to_enter_and_speaks_vietnamese(qtbot: QtBot) -> None:
    """Ctrl+N or closing the window by mistake, then Enter: the half-typed form must stay."""
    from desk_app.ui.intake import ask_yes_no

    seen = _answer_the_modal(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Return))
    assert ask_yes_no(None, "Nhập hồ sơ mới", "Xóa thông tin đang nhập?") is False
    assert sorted(seen[0]) == ["Có", "Không"]
    _answer_the_modal(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape))
    assert ask_yes_no(None, "Nhập hồ sơ mới", "Xóa thông tin đang nhập?") is False
    _answer_the_modal(qtbot, lambda box: next(b for b in box.buttons() if b.text() == "Có").click())
    assert ask_yes_no(None, "Nhập hồ sơ mới", "Xóa thông tin đang nhập?") is True


def test_the_reason_prompt_speaks_vietnamese(qtbot: QtBot) -> None:
    from desk_app.ui.intake import _ask_text

    def answer(box: Any) -> None:
        type_text(QApplication.focusWidget(), "Không thuộc thẩm quyền")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    seen = _answer_the_modal(qtbot, answer)
    assert _ask_text(None, "Phiếu từ chối tiếp nhận (Mẫu 03)", "Lý do từ chối cụ thể:") == "Không thuộc thẩm quyền"
    assert sorted(seen[0]) == ["Bỏ qua (Esc)", "Đồng ý (Enter)"]


def test_the_form_is_held_while_saving_so_nothing_typed_then_is_lost(qtbot: QtBot, desk: ServiceContext,
                                                                    output: RecordingOutput) -> None:
    held = HeldRunner()
    screen = open_screen(qtbot, desk, output, runner=held)
    held.run_all()  # the clerk's favourites, counted off the GUI thread when the screen is built
    pick(qtbot, screen, "khai sinh")
    type_text(screen.inputs["name"], "Lý Văn Chín")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F9)
    assert screen.inputs["name"].isReadOnly() and not screen.checklist.isEnabled()
    type_text(screen.inputs["name"], "Ngô")  # the next citizen, typed too early: refused, not half-kept
    assert screen.inputs["name"].text() == "Lý Văn Chín"
    held.run_all()
    assert "Lý Văn Chín" in label(screen, "intakeBanner").text()
    assert not screen.inputs["name"].isReadOnly() and screen.checklist.isEnabled()
    assert screen.inputs["name"].text() == ""


def test_counter_forms_are_made_through_the_runner(qtbot: QtBot, desk: ServiceContext,
                                                   output: RecordingOutput) -> None:
    held = HeldRunner()
    screen = open_screen(qtbot, desk, output, runner=held, answers=["Không thuộc thẩm quyền của xã."])
    held.run_all()  # the clerk's favourites
    pick(qtbot, screen, "khai sinh")
    type_text(screen.inputs["name"], "Phạm Văn Hòa")
    qtbot.keyClick(screen.inputs["name"], Qt.Key.Key_F10, Qt.KeyboardModifier.ControlModifier)
    assert output.jobs == [] and len(held.pending) == 1
    held.run_all()
    assert len(output.jobs) == 1 and "Mẫu 03" in label(screen, "intakeBanner").text()
