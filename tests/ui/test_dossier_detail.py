"""The dossier detail view driven as a clerk drives it: every lifecycle action from its button (or shortcut),
its dialog filled in by typing and clicking, the form it prints, and what lands in the database.

The view shows action dialogs through an injectable ``run_dialog``: here a ``Clerk`` that shows the real dialog,
plays the next scripted step on it (typing, ticking, clicking "Ghi") and reports whether it was accepted, so no
nested modal loop is needed.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import unicodedata
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desk_app.services.actions import DossierActions
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.print_jobs import PrintJob
from desk_app.ui.action_dialogs import (
    ActionDialog,
    ConfirmDialog,
    CorrectDialog,
    ReasonDialog,
    RescheduleDialog,
    ResultReadyDialog,
    ReturnDialog,
    SupplementDialog,
    TransferDialog,
)
from desk_app.ui.dossier_detail import DossierDetail
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn
from tests.ui.conftest import nfd, type_text

APPLICANT = {
    "name": "Nguyễn Văn Đức",
    "id_number": "087084001234",
    "birth_date": "05/09/1984",
    "sex": "Nam",
    "phone": "0912345678",
    "address": "Ấp Mỹ Tây, xã Mỹ Phong, tỉnh Đồng Tháp",
}
PROCESSING = ["transfer", "result_ready", "request_supplement", "reschedule", "refuse", "withdraw", "stop",
              "correct", "void"]


# -- test doubles ------------------------------------------------------------------------------------------------------
class Output:
    """The printer or preview, as far as the view knows it: records every job."""

    def __init__(self) -> None:
        self.jobs: list[PrintJob] = []

    def deliver(self, job: PrintJob) -> None:
        self.jobs.append(job)

    def forms(self) -> list[str]:
        return [job.filename.split("-", 1)[0] for job in self.jobs]


Step = Callable[[Any], None]


class Clerk:
    """Plays each action dialog the view opens with the next scripted step."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.steps: list[Step] = []
        self.dialogs: list[ActionDialog] = []

    def will(self, *steps: Step) -> Clerk:
        self.steps.extend(steps)
        return self

    def __call__(self, dialog: ActionDialog) -> bool:
        assert self.steps, f"unexpected dialog {dialog.objectName()}"
        self.dialogs.append(dialog)
        with self.qtbot.waitActive(dialog):
            dialog.show()
            dialog.activateWindow()
        self.steps.pop(0)(dialog)
        accepted = dialog.result() == QDialog.DialogCode.Accepted
        dialog.close()
        return accepted


def click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def press_enter(qtbot: QtBot, widget: Any) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)


# -- database, looked at directly --------------------------------------------------------------------------------------
def rows(desk: ServiceContext, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(desk.db.path)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def dossier_row(desk: ServiceContext, code: str) -> sqlite3.Row:
    return rows(desk, "SELECT * FROM dossiers WHERE code = ?", (code,))[0]


def events(desk: ServiceContext, code: str) -> list[tuple[str, dict[str, Any]]]:
    return [(r["kind"], json.loads(r["payload"])) for r in
            rows(desk, "SELECT kind, payload FROM dossier_events WHERE dossier_code = ? ORDER BY id", (code,))]


def pdf_text(job: PrintJob, tmp_path: Path) -> str:
    path = tmp_path / job.filename
    path.write_bytes(job.pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- fixtures ----------------------------------------------------------------------------------------------------------
@pytest.fixture
def code(desk: ServiceContext) -> str:
    """XA.HT.01 (3 working days) received Monday 02/03/2026 09:00: due Thursday 05/03 09:00."""
    return receive(desk, ReceiveRequest(procedure="XA.HT.01", applicant=dict(APPLICANT))).code


@pytest.fixture
def bundle(desk: ServiceContext) -> str:
    return receive(desk, ReceiveRequest(procedure="XA.HT.16", applicant=dict(APPLICANT))).code


@pytest.fixture
def clerk(qtbot: QtBot) -> Clerk:
    return Clerk(qtbot)


@pytest.fixture
def output() -> Output:
    return Output()


@pytest.fixture
def open_view(qtbot: QtBot, desk: ServiceContext, runner: ImmediateRunner, output: Output, clerk: Clerk,
              clock) -> Callable[[str], DossierDetail]:
    def make(code: str) -> DossierDetail:
        clock.advance(minutes=10)  # the clerk opens the dossier a little after the last event
        view = DossierDetail(desk, runner, output, code, run_dialog=clerk)
        qtbot.addWidget(view)
        view.resize(1280, 800)
        view.show()
        qtbot.waitExposed(view)
        return view
    return make


def button(view: DossierDetail, key: str) -> QPushButton:
    found = view.findChild(QPushButton, f"action_{key}")
    assert found is not None, key
    return found


def label(view: DossierDetail, name: str) -> str:
    found = view.findChild(QLabel, name)
    assert found is not None, name
    return found.text()


def timeline(view: DossierDetail) -> list[list[str]]:
    table = view.timeline
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


# -- what the clerk sees -----------------------------------------------------------------------------------------------
def test_the_view_shows_the_record_with_the_id_masked_and_only_the_allowed_actions(open_view, code):
    view = open_view(code)
    assert view.objectName() == "dossierDetail"
    assert label(view, "dossierCode") == code
    assert label(view, "dossierStatus") == "Đã tiếp nhận"
    assert label(view, "dossierTimeliness") == "Trong hạn"
    assert "#1b5e20" in view.findChild(QLabel, "dossierTimeliness").styleSheet()
    assert label(view, "detail_name") == "Nguyễn Văn Đức"
    assert label(view, "detail_id_number") == "087******234"
    assert label(view, "detail_procedure") == "Cấp Giấy xác nhận tình trạng hôn nhân (XA.HT.01)"
    assert label(view, "detail_channel") == "Trực tiếp"
    assert label(view, "detail_collect_at") == "Bộ phận Tiếp nhận và Trả kết quả UBND xã Mỹ Phong"
    assert label(view, "detail_due_at") == "09:00 ngày 05/03/2026"
    assert view.documents.rowCount() == 4
    assert view.documents.item(0, 0).text() == "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)"
    assert not view.components_box.isVisible()
    assert timeline(view) == [["09:00 ngày 02/03/2026", "Tiếp nhận hồ sơ", "nv.lan", "Hẹn trả 09:00 ngày 05/03/2026"]]
    assert view.visible_actions() == PROCESSING + ["reprint_slip", "print_control"]
    assert button(view, "result_ready").text() == "Có kết quả (F7)"
    assert not button(view, "return_result").isVisible()
    assert not button(view, "resubmit").isVisible()
    # nothing on screen holds the full number
    assert "087084001234" not in " ".join(w.text() for w in view.findChildren(QLabel))


def test_escape_closes_the_view(qtbot, open_view, code):
    view = open_view(code)
    with qtbot.waitActive(view):
        view.activateWindow()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.isVisible()


def test_reveal_the_id_number_is_audited(qtbot, open_view, desk, code):
    view = open_view(code)
    reveal = view.findChild(QPushButton, "revealIdButton")
    assert reveal.text() == "Hiện số CCCD (Ctrl+I)"
    click(qtbot, reveal)
    assert label(view, "detail_id_number") == "087084001234"
    audit = rows(desk, "SELECT * FROM audit_log WHERE action = 'reveal_id'")
    assert [(a["actor"], a["target"]) for a in audit] == [("nv.lan", code)]
    assert "087084001234" not in audit[0]["detail"]
    click(qtbot, reveal)  # hide again: no second record
    assert label(view, "detail_id_number") == "087******234"
    assert len(rows(desk, "SELECT * FROM audit_log WHERE action = 'reveal_id'")) == 1


# -- transfer ------------------------------------------------------------------------------------------------------------
def test_transfer_to_a_named_officer(qtbot, open_view, clerk, desk, code):
    def fill(dialog: TransferDialog) -> None:
        assert dialog.target.count() == 1 and dialog.target.itemText(0) == "UBND xã"  # the procedure's body
        type_text(dialog.target.lineEdit(), nfd("Ông Trần Văn Bình, công chức tư pháp"))
        press_enter(qtbot, dialog.target.lineEdit())

    clerk.will(fill)
    view = open_view(code)
    with qtbot.waitSignal(view.changed) as changed:
        click(qtbot, button(view, "transfer"))
    assert changed.args == [code]
    assert events(desk, code)[-1] == ("transferred", {"to": "Ông Trần Văn Bình, công chức tư pháp", "upper": False,
                                                      "component": None})
    assert dossier_row(desk, code)["status"] == "in_progress"
    assert label(view, "dossierStatus") == "Đang xử lý"
    assert label(view, "statusLine") == "Đã chuyển hồ sơ."
    assert timeline(view)[-1][1:] == ["Chuyển hồ sơ", "nv.lan", "Đến: Ông Trần Văn Bình, công chức tư pháp"]


def test_transfer_without_a_target_is_refused_at_the_field(qtbot, open_view, clerk, desk, code):
    def empty_then_upper(dialog: TransferDialog) -> None:
        click(qtbot, dialog.ok_button)
        error = dialog.findChild(QLabel, "toError")
        assert error.isVisible() and error.text().startswith("Cần ghi nơi nhận hồ sơ")
        assert dialog.target.lineEdit().hasFocus() or dialog.target.hasFocus()
        assert len(events(desk, code)) == 1  # nothing written
        upper = dialog.upper
        assert upper.text() == "Chuyển cấp trên (UBND tỉnh Đồng Tháp)"
        qtbot.mouseClick(upper, Qt.MouseButton.LeftButton)
        assert upper.isChecked() and not dialog.target.isEnabled()
        click(qtbot, dialog.ok_button)

    clerk.will(empty_then_upper)
    view = open_view(code)
    click(qtbot, button(view, "transfer"))
    assert events(desk, code)[-1] == ("transferred", {"to": "UBND tỉnh Đồng Tháp", "upper": True, "component": None})


def test_transfer_one_part_of_a_bundle(qtbot, open_view, clerk, desk, bundle):
    def fill(dialog: TransferDialog) -> None:
        assert [dialog.component.itemText(i) for i in range(dialog.component.count())] == [
            "Cả hồ sơ (mọi thành phần chưa chuyển)",
            "1. Đăng ký khai tử (Công chức Tư pháp - Hộ tịch)",
            "2. Xóa đăng ký thường trú (Công an xã)",
            "3. Hỗ trợ chi phí mai táng (Công chức Văn hóa - Xã hội)",
        ]
        dialog.component.setFocus()
        qtbot.keyClick(dialog.component, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.component, Qt.Key.Key_Down)
        assert dialog.target.currentText() == "Công an xã"  # the part's own body, ready to confirm
        click(qtbot, dialog.ok_button)

    clerk.will(fill)
    view = open_view(bundle)
    assert view.components_box.isVisible()
    click(qtbot, button(view, "transfer"))
    assert events(desk, bundle)[-1] == ("transferred", {"to": "Công an xã", "upper": False, "component": 2})
    assert view.components.item(1, 2).text() == "Công an xã"


# -- supplement and resubmission ---------------------------------------------------------------------------------------
def test_request_supplement_prints_form_02_with_the_ticked_items(qtbot, open_view, clerk, output, desk, code,
                                                                  tmp_path):
    def fill(dialog: SupplementDialog) -> None:
        listing = dialog.documents
        assert listing.count() == 4
        click(qtbot, dialog.ok_button)  # nothing ticked: refused at the list, "một lần đầy đủ"
        assert "một lần đầy đủ" in dialog.findChild(QLabel, "itemsError").text()
        listing.setFocus()
        listing.setCurrentRow(1)
        qtbot.keyClick(listing, Qt.Key.Key_Space)
        assert dialog.ticked() == ["Bản án, quyết định ly hôn hoặc giấy tờ chứng minh vợ/chồng đã chết (nếu có)"]
        type_text(dialog.other, "Bản sao sổ hộ khẩu có chứng thực")
        type_text(dialog.reason, "Thiếu giấy tờ chứng minh đã ly hôn")
        click(qtbot, dialog.ok_button)

    clerk.will(fill)
    view = open_view(code)
    click(qtbot, button(view, "request_supplement"))
    kind, payload = events(desk, code)[-1]
    assert kind == "supplement_requested"
    assert payload["items"] == ["Bản án, quyết định ly hôn hoặc giấy tờ chứng minh vợ/chồng đã chết (nếu có)",
                                "Bản sao sổ hộ khẩu có chứng thực"]
    assert payload["reason"] == "Thiếu giấy tờ chứng minh đã ly hôn"
    assert output.forms() == ["supplement"]
    text = pdf_text(output.jobs[0], tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG" in text.upper()
    assert "Bản án, quyết định ly hôn hoặc giấy tờ chứng minh vợ/chồng đã chết (nếu có)" in text
    assert "Bản sao sổ hộ khẩu có chứng thực" in text
    assert label(view, "dossierStatus") == "Chờ bổ sung hồ sơ"
    assert label(view, "statusLine").startswith("Đã ghi yêu cầu bổ sung hồ sơ. Đã gửi in: Phiếu yêu cầu bổ sung")
    assert {"resubmit", "print_supplement"} <= set(view.visible_actions())
    assert "request_supplement" not in view.visible_actions()


def test_resubmit_shows_the_new_appointment(qtbot, open_view, clerk, desk, clock, code):
    clock.advance(minutes=30)
    DossierActions(desk).request_supplement(code, ["Tờ khai có chữ ký"], "Tờ khai chưa ký")
    clock.moment = vn("2026-03-03 14:00")

    def confirm(dialog: ConfirmDialog) -> None:
        assert "Ngày hẹn trả sẽ được tính lại" in dialog.findChild(QLabel, "dialogIntro").text()
        click(qtbot, dialog.ok_button)

    clerk.will(confirm)
    view = open_view(code)
    assert label(view, "dossierTimeliness") == "Chờ công dân bổ sung (chưa tính hạn)"
    click(qtbot, button(view, "resubmit"))
    # restarted from the resubmission (14:10 Tuesday): three working days later, Friday 06/03 14:10
    assert dossier_row(desk, code)["due_at"].startswith("2026-03-06 14:10")
    assert label(view, "detail_due_at") == "14:10 ngày 06/03/2026"
    assert label(view, "statusLine") == ("Đã nhận hồ sơ bổ sung; hẹn trả đã tính lại. "
                                         "Hẹn trả kết quả: 14:10 ngày 06/03/2026.")
    assert label(view, "dossierStatus") == "Đã tiếp nhận"
    assert timeline(view)[-1][3] == "Hẹn trả mới 14:10 ngày 06/03/2026"
    assert "resubmit" not in view.visible_actions()


# -- result and return -------------------------------------------------------------------------------------------------
def test_result_ready_by_its_shortcut(qtbot, open_view, clerk, desk, code):
    clerk.will(lambda dialog: press_enter(qtbot, dialog.ok_button))
    view = open_view(code)
    with qtbot.waitActive(view):
        view.activateWindow()
    qtbot.wait(20)
    qtbot.keyClick(view, Qt.Key.Key_F8)  # "Trả kết quả": not allowed yet, so nothing opens
    assert clerk.dialogs == []
    qtbot.keyClick(view, Qt.Key.Key_F7)
    assert isinstance(clerk.dialogs[0], ConfirmDialog)
    assert dossier_row(desk, code)["status"] == "result_ready"
    assert label(view, "dossierStatus") == "Đã có kết quả"
    assert label(view, "dossierTimeliness") == "Trước hạn"
    assert view.visible_actions() == ["return_result", "correct", "reprint_slip", "print_control"]


def test_result_ready_part_by_part_for_a_bundle(qtbot, open_view, clerk, desk, bundle):
    def second(dialog: ResultReadyDialog) -> None:
        assert dialog.component.count() == 4  # three parts and "all the rest"
        qtbot.keyClick(dialog.component, Qt.Key.Key_Down)
        click(qtbot, dialog.ok_button)

    def rest(dialog: ResultReadyDialog) -> None:
        assert [dialog.component.itemText(i) for i in range(dialog.component.count())] == [
            "1. Đăng ký khai tử (Công chức Tư pháp - Hộ tịch)",
            "3. Hỗ trợ chi phí mai táng (Công chức Văn hóa - Xã hội)",
            "Tất cả các thành phần còn lại",
        ]
        dialog.component.setCurrentIndex(2)
        click(qtbot, dialog.ok_button)

    clerk.will(second, rest)
    view = open_view(bundle)
    click(qtbot, button(view, "result_ready"))
    assert events(desk, bundle)[-1] == ("result_ready", {"component": 2})
    assert dossier_row(desk, bundle)["status"] == "received"
    assert view.components.item(1, 3).text() != "—" and view.components.item(0, 3).text() == "—"
    assert "return_result" not in view.visible_actions()
    click(qtbot, button(view, "result_ready"))
    assert events(desk, bundle)[-1] == ("result_ready", {"component": None})
    assert label(view, "dossierStatus") == "Đã có kết quả"
    assert "return_result" in view.visible_actions()


def test_return_with_the_highest_rating_stores_an_anonymous_rating(qtbot, open_view, clerk, desk, clock, code):
    clock.advance(minutes=30)
    DossierActions(desk).result_ready(code)

    def rate(dialog: ReturnDialog) -> None:
        assert dialog.findChild(QLabel, "dialogIntro").text() == (
            "Trả kết quả: Bộ phận Tiếp nhận và Trả kết quả UBND xã Mỹ Phong.")
        assert dialog.rating() is None  # "Không đánh giá" until the citizen says
        qtbot.keyClick(dialog, Qt.Key.Key_3)
        assert dialog.rating() == 3
        assert dialog.findChild(QPushButton, "okButton").text() == "Trả kết quả (Enter)"
        click(qtbot, dialog.ok_button)

    clerk.will(rate)
    view = open_view(code)
    click(qtbot, button(view, "return_result"))
    ratings = rows(desk, "SELECT * FROM ratings")
    assert [(r["level"], r["clerk"], r["field_code"]) for r in ratings] == [(3, "nv.lan", "HT")]
    columns = {r["name"] for r in rows(desk, "PRAGMA table_info(ratings)")}
    assert not columns & {"dossier_id", "dossier_code", "code", "applicant", "name"}
    kind, payload = events(desk, code)[-1]
    assert kind == "returned" and "rating" not in payload
    assert label(view, "dossierStatus") == "Đã trả kết quả"
    assert view.visible_actions() == ["correct", "reprint_slip", "print_control"]


# -- endings -----------------------------------------------------------------------------------------------------------
def test_refuse_prints_form_03_with_the_reason(qtbot, open_view, clerk, output, desk, code, tmp_path):
    def fill(dialog: ReasonDialog) -> None:
        assert dialog.windowTitle() == "Từ chối giải quyết hồ sơ (Mẫu 03)"
        press_enter(qtbot, dialog.reason)  # no reason: refused at the field
        assert dialog.findChild(QLabel, "reasonError").text() == "Cần ghi lý do từ chối cụ thể."
        assert dialog.isVisible()
        type_text(dialog.reason, nfd("Không thuộc thẩm quyền giải quyết của xã"))
        press_enter(qtbot, dialog.reason)

    clerk.will(fill)
    view = open_view(code)
    click(qtbot, button(view, "refuse"))
    assert events(desk, code)[-1] == ("refused", {"reason": "Không thuộc thẩm quyền giải quyết của xã"})
    assert output.forms() == ["refusal"]
    assert "Không thuộc thẩm quyền giải quyết của xã" in pdf_text(output.jobs[0], tmp_path)
    assert label(view, "dossierStatus") == "Từ chối giải quyết"
    assert label(view, "detail_close_reason") == "Không thuộc thẩm quyền giải quyết của xã"
    assert view.visible_actions() == ["correct", "reprint_slip", "print_refusal", "print_control"]


def test_withdraw(qtbot, open_view, clerk, desk, output, code):
    def fill(dialog: ReasonDialog) -> None:
        type_text(dialog.reason, "Công dân không còn nhu cầu")
        press_enter(qtbot, dialog.reason)

    clerk.will(fill)
    view = open_view(code)
    click(qtbot, button(view, "withdraw"))
    row = dossier_row(desk, code)
    assert (row["status"], row["close_reason"]) == ("withdrawn", "Công dân không còn nhu cầu")
    assert label(view, "dossierStatus") == "Công dân rút hồ sơ"
    assert output.jobs == []
    assert view.visible_actions() == ["correct", "reprint_slip", "print_control"]


def test_stop_prints_the_stop_notice(qtbot, open_view, clerk, desk, output, code):
    def fill(dialog: ReasonDialog) -> None:
        type_text(dialog.reason, "Chờ kết quả giải quyết tranh chấp của Tòa án")
        press_enter(qtbot, dialog.reason)

    clerk.will(fill)
    view = open_view(code)
    click(qtbot, button(view, "stop"))
    assert dossier_row(desk, code)["status"] == "stopped"
    assert output.forms() == ["stop"]
    assert "print_stop" in view.visible_actions()


def test_void_with_a_reason_leaves_nothing_to_do(qtbot, open_view, clerk, desk, code):
    def fill(dialog: ReasonDialog) -> None:
        assert dialog.ok_button.text() == "Hủy hồ sơ (Enter)"
        type_text(dialog.reason, "Nhập trùng với hồ sơ 000.31.22.H20-260302-0002")
        click(qtbot, dialog.ok_button)

    clerk.will(fill)
    view = open_view(code)
    click(qtbot, button(view, "void"))
    row = dossier_row(desk, code)
    assert (row["status"], row["close_reason"]) == ("voided", "Nhập trùng với hồ sơ 000.31.22.H20-260302-0002")
    assert label(view, "dossierStatus") == "Đã hủy (nhập trùng)"
    assert view.visible_actions() == []


def test_the_real_modal_dialog_path(qtbot, desk, runner, output, code):
    """Without an injected run_dialog the view shows the dialog modally (exec); the clerk types into the modal
    window that is active, as at the counter."""
    view = DossierDetail(desk, runner, output, code)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    seen: list[str] = []

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ReasonDialog)
        seen.append(dialog.windowTitle())
        type_text(dialog.reason, "Công dân đổi ý, nộp lại sau")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ReasonDialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, cancel)
    click(qtbot, button(view, "stop"))
    assert [k for k, _ in events(desk, code)] == ["received"]  # Escape: nothing recorded

    QTimer.singleShot(0, act)
    click(qtbot, button(view, "withdraw"))
    assert seen == ["Công dân rút hồ sơ"]
    assert dossier_row(desk, code)["status"] == "withdrawn"
    assert label(view, "statusLine") == "Đã ghi rút hồ sơ."


# -- apology and a new date -------------------------------------------------------------------------------------------
def test_reschedule_prints_form_04_keeps_both_dates_and_is_not_offered_again(qtbot, open_view, clerk, output, desk,
                                                                              clock, code, tmp_path):
    clock.moment = vn("2026-03-04 10:00")

    def fill(dialog: RescheduleDialog) -> None:
        assert "Hẹn trả hiện tại: 09:00 ngày 05/03/2026" in dialog.findChild(QLabel, "dialogIntro").text()
        assert dialog.new_date.date() == QDate(2026, 3, 6)  # the next working day, suggested by the service
        type_text(dialog.reason, nfd("Chờ xác minh của Công an xã"))
        dialog.new_date.setFocus()
        qtbot.keyClick(dialog.new_date, Qt.Key.Key_Up)  # Saturday 07/03: refused at the date
        press_enter(qtbot, dialog.new_date)
        assert dialog.isVisible() and dialog.new_date.hasFocus()
        error = dialog.findChild(QLabel, "new_dueError")
        assert error.isVisible() and "ngày nghỉ" in error.text()
        for _ in range(3):
            qtbot.keyClick(dialog.new_date, Qt.Key.Key_Up)  # Tuesday 10/03
        press_enter(qtbot, dialog.new_date)

    clerk.will(fill)
    view = open_view(code)
    assert "reschedule" in view.visible_actions()
    click(qtbot, button(view, "reschedule"))
    row = dossier_row(desk, code)
    assert row["original_due_at"].startswith("2026-03-05 09:00")
    assert row["due_at"].startswith("2026-03-10 09:00")
    assert row["rescheduled"] == 1
    assert output.forms() == ["apology"]
    text = pdf_text(output.jobs[0], tmp_path)
    assert "hẹn trả kết quả giải quyết hồ sơ: 09 giờ 00 phút, ngày 05 tháng 03 năm 2026" in text
    assert "hồ sơ vào: 09 giờ 00 phút, ngày 10 tháng 03 năm 2026" in text
    assert "Lý do: Chờ xác minh của Công an xã" in text
    assert label(view, "detail_due_at") == "09:00 ngày 10/03/2026 (hẹn lại; hẹn cũ 09:00 ngày 05/03/2026)"
    assert "reschedule" not in view.visible_actions()
    assert "print_apology" in view.visible_actions()
    assert "một lần" in label(view, "actionHint")


def test_a_dossier_due_today_offers_no_reschedule(open_view, clock, code):
    clock.moment = vn("2026-03-05 07:30")
    view = open_view(code)
    assert "reschedule" not in view.visible_actions()
    assert "05/03/2026" in label(view, "actionHint")


# -- mistakes -----------------------------------------------------------------------------------------------------------
def test_correct_a_mistyped_name_and_reprint_the_slip(qtbot, open_view, clerk, output, desk, code, tmp_path):
    def fill(dialog: CorrectDialog) -> None:
        assert dialog.field.currentData() == "name"
        assert dialog.value.text() == "Nguyễn Văn Đức"  # the stored value, to edit
        assert dialog.reprint.isChecked()
        dialog.value.selectAll()
        type_text(dialog.value, nfd("Nguyễn Văn Đực"))
        press_enter(qtbot, dialog.value)

    clerk.will(fill)
    view = open_view(code)
    click(qtbot, button(view, "correct"))
    assert events(desk, code)[-1] == ("corrected", {"field": "name", "old": "Nguyễn Văn Đức",
                                                    "new": "Nguyễn Văn Đực"})
    assert dossier_row(desk, code)["applicant_name"] == "Nguyễn Văn Đực"
    assert label(view, "detail_name") == "Nguyễn Văn Đực"
    assert timeline(view)[-1][1:] == ["Sửa thông tin nhập sai", "nv.lan", "Họ và tên: Nguyễn Văn Đức → Nguyễn Văn Đực"]
    assert output.forms() == ["slip"]
    text = pdf_text(output.jobs[0], tmp_path)
    assert "Nguyễn Văn Đực" in text and "Nguyễn Văn Đức" not in text


def test_a_wrong_correction_is_shown_at_the_value(qtbot, open_view, clerk, desk, output, code):
    def fill(dialog: CorrectDialog) -> None:
        dialog.choose("phone")
        assert dialog.value.text() == "0912345678"
        dialog.value.selectAll()
        type_text(dialog.value, "12345")
        click(qtbot, dialog.ok_button)
        error = dialog.findChild(QLabel, "valueError")
        assert error.isVisible() and error.text()
        assert dialog.value.hasFocus()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    clerk.will(fill)
    view = open_view(code)
    click(qtbot, button(view, "correct"))
    assert [k for k, _ in events(desk, code)] == ["received"]
    assert output.jobs == []
    assert label(view, "statusLine") == ""


# -- printing on demand -------------------------------------------------------------------------------------------------
def test_reprint_the_slip_and_the_control_sheet_on_demand(qtbot, open_view, output, desk, code):
    view = open_view(code)
    click(qtbot, button(view, "reprint_slip"))
    click(qtbot, button(view, "print_control"))
    assert output.forms() == ["slip", "control"]
    assert output.jobs[1].title.startswith("Phiếu kiểm soát quá trình giải quyết hồ sơ")
    audited = rows(desk, "SELECT detail FROM audit_log WHERE action = 'print' AND target = ?", (code,))
    assert [json.loads(a["detail"])["form"] for a in audited] == ["slip", "control"]


def test_a_printer_failure_is_told_in_the_status_line(qtbot, desk, runner, code):
    class BrokenPrinter:
        def deliver(self, job: PrintJob) -> None:
            raise OSError("paper jam")

    view = DossierDetail(desk, runner, BrokenPrinter(), code)
    qtbot.addWidget(view)
    view.show()
    click(qtbot, button(view, "reprint_slip"))
    assert label(view, "statusLine") == "Không in được biểu mẫu; hãy thử lại."
    assert "#b00020" in view.findChild(QLabel, "statusLine").styleSheet()


# -- what it looks like --------------------------------------------------------------------------------------------------
def test_render_the_detail_of_a_bundle_and_of_an_ordinary_dossier(qtbot, open_view, desk, clock, bundle, code,
                                                                  tmp_path):
    actions = DossierActions(desk)
    clock.advance(minutes=10)
    actions.transfer(bundle, "Công chức Tư pháp - Hộ tịch", component=1)
    clock.advance(minutes=20)
    actions.result_ready(bundle, component=1)
    clock.advance(minutes=20)
    actions.request_supplement(bundle, ["Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử"], "Giấy báo tử bị mờ")
    for name, which in (("detail_bundle.png", bundle), ("detail_ordinary.png", code)):
        view = open_view(which)
        picture = view.grab()
        assert picture.width() == 1280 and picture.height() == 800
        assert picture.save(str(tmp_path / name))


def test_a_second_ctrl_p_while_the_slip_is_being_prepared_prints_one_copy(qtbot, desk, output, code):
    class HeldRunner:
        def __init__(self) -> None:
            self.pending: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

        def submit(self, work, done, failed=None) -> None:
            self.pending.append((work, done))

        def run_all(self) -> None:
            while self.pending:
                work, done = self.pending.pop(0)
                done(work())

    runner = HeldRunner()
    view = DossierDetail(desk, runner, output, code)
    qtbot.addWidget(view)
    view.show()
    view.trigger("reprint_slip")
    view.trigger("reprint_slip")  # pressed again: the first copy is still on its way
    assert len(runner.pending) == 1
    runner.run_all()
    assert output.forms() == ["slip"]
    view.trigger("reprint_slip")  # once it has gone out, a reprint is a reprint
    runner.run_all()
    assert output.forms() == ["slip", "slip"]
