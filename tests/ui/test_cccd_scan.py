"""The citizen's ID card scanned at the counter: its QR code, typed by the scanner as a fast burst of key events
ending with Enter, fills the intake form wherever it lands; a code that cannot be used fills nothing and says why;
a returning citizen is offered their details (one key takes them); a dossier code still opens its dossier."""

from __future__ import annotations

import unicodedata

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.print_jobs import PrintJob
from desk_app.store.models import Dossier
from desk_app.ui.main_window import MainWindow
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn
from tests.ui.conftest import SteppingClock, type_text

REAL = "087084000999|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp|15082021"
LABELLED = ("CCCD:087084000999|CMND:361234567|Họ tên:Nguyễn Văn Đức|Ngày sinh:06/05/1984|Giới tính:Nam|"
            "Địa chỉ:Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp|Ngày cấp:15/08/2021")
SLASHES = "087084000999|361234567|Nguyễn Văn Đức|06/05/1984|Nam|Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp|15/08/2021"
FILLED = {"name": "Nguyễn Văn Đức", "id_number": "087084000999", "birth_date": "06/05/1984", "sex": "Nam",
          "address": "Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp"}


class Recording:
    def __init__(self) -> None:
        self.jobs: list[PrintJob] = []

    def deliver(self, job: PrintJob) -> None:
        self.jobs.append(job)


def scanner_key(char: str) -> tuple[Qt.Key, Qt.KeyboardModifier]:
    """The key a keyboard-mode scanner sends for a character: Space for a space (a focused button would click on
    it), the digit and letter keys, Shift for capitals and '|'; the rest (Vietnamese letters) as text only."""
    shift = Qt.KeyboardModifier.ShiftModifier if char.isupper() or char in "|:" else Qt.KeyboardModifier.NoModifier
    if char == " ":
        return Qt.Key.Key_Space, shift
    if char.isascii() and char.isdigit():
        return Qt.Key(Qt.Key.Key_0.value + int(char)), shift
    if char.isascii() and char.isalpha():
        return Qt.Key(Qt.Key.Key_A.value + ord(char.upper()) - ord("A")), shift
    named = {"|": Qt.Key.Key_Bar, ",": Qt.Key.Key_Comma, "/": Qt.Key.Key_Slash, ":": Qt.Key.Key_Colon,
             ".": Qt.Key.Key_Period, "-": Qt.Key.Key_Minus}
    return named.get(char, Qt.Key.Key_unknown), shift


def scanner_types(text: str, suffix: str = "\r") -> None:
    """A 2D scanner in keyboard mode: one key event per character of the code, carrying the character (Vietnamese
    included, decomposed when the driver sends it so), into whatever has the focus; then its suffix (CR, or CR LF)
    as Enter keys."""
    for char in text:
        target = QApplication.focusWidget()
        assert target is not None
        key, modifiers = scanner_key(char)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, modifiers, char))
    for char in suffix:
        target = QApplication.focusWidget()
        assert target is not None
        key = Qt.Key.Key_Return if char == "\r" else Qt.Key.Key_Enter
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char))


def open_window(qtbot: QtBot, ctx: ServiceContext, *, step: float = 0.005) -> MainWindow:
    window = MainWindow(ctx, ImmediateRunner(), Recording(), confirm=lambda *_: True, auto_sync_ms=None)
    window.scanner.clock = SteppingClock(step)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.wait(20)  # shortcuts reach the active window only once its activation settles
    return window


def form(window: MainWindow) -> dict[str, str]:
    intake = window.intake
    return {key: (widget.currentData() if not isinstance(widget, QLineEdit) else widget.text())
            for key, widget in intake.inputs.items()}


def raw_text_left(window: MainWindow) -> list[str]:
    return [f.objectName() for f in window.findChildren(QLineEdit) if "|" in f.text()]


def focus(window: MainWindow, where: str) -> QWidget:
    intake = window.intake
    widgets: dict[str, QWidget] = {"name": intake.inputs["name"], "phone": intake.inputs["phone"],
                                   "sex": intake.inputs["sex"], "checklist": intake.checklist,
                                   "picker": intake.picker.field, "scan field": window.scan_field,
                                   "copies": intake.copies, "F9 button": intake.save_button,
                                   "Ctrl+N button": intake.clear_button, "channel": intake.channel,
                                   "return method": intake.return_method}
    widget = widgets[where]
    widget.setFocus()
    assert QApplication.focusWidget() is widget or where == "copies"
    return widget


TARGETS = ("name", "phone", "sex", "checklist", "picker", "scan field", "copies", "F9 button", "Ctrl+N button",
           "channel", "return method")


@pytest.mark.parametrize(("text", "suffix"), [
    (REAL, "\r"),
    (REAL, "\r\n"),  # a scanner set to end with CR LF: the LF presses nothing
    (unicodedata.normalize("NFD", REAL), "\r"),  # a driver that sends decomposed Vietnamese
    (LABELLED, "\r\n"),
    (SLASHES, "\r"),
], ids=["real", "crlf", "nfd", "labelled", "slashes"])
def test_a_card_scanned_into_any_field_fills_the_form_and_the_focus_goes_to_the_phone(
        qtbot: QtBot, desk: ServiceContext, text: str, suffix: str) -> None:
    window = open_window(qtbot, desk)
    intake = window.intake
    intake.choose_procedure("XA.CTRU.02")
    ticks_before = [r[1] for r in intake._checklist()]
    for where in TARGETS:  # a line edit, a list (the burst's letters select in it), the checklist (its spaces
        intake.clear()     # would untick papers), the procedure search, the window's scan field, a spin box
        target = focus(window, where)
        scanner_types(text, suffix)
        assert form(window) == {**FILLED, "phone": "", "email": ""}, where
        assert raw_text_left(window) == [], where
        assert QApplication.focusWidget() is intake.inputs["phone"], where
        assert [r[1] for r in intake._checklist()] == ticks_before and intake.copies.value() == 1, where
        assert intake.procedure is not None and intake.procedure.code == "XA.CTRU.02", where
        assert intake.picker.field.text() == "" and intake.inputs["sex"].currentData() == "Nam", where
        assert all(not label.isVisible() for label in intake.errors.values()), where
        assert "Đã điền thông tin từ CCCD" in intake.banner.text() and not intake.returning.isVisible(), where
        assert target.isVisible() and window.tabs.currentWidget() is intake, where


def test_what_the_clerk_typed_just_before_the_burst_stays(qtbot: QtBot, desk: ServiceContext) -> None:
    window = open_window(qtbot, desk)
    clock = window.scanner.clock
    assert isinstance(clock, SteppingClock)
    phone = window.intake.inputs["phone"]
    phone.setFocus()
    clock.step = 0.2  # the clerk types
    type_text(phone, "0912")
    clock.now += 2.0  # a pause: the citizen hands over the card
    clock.step = 0.005  # then the scanner
    scanner_types(REAL)
    assert phone.text() == "0912" and form(window)["name"] == "Nguyễn Văn Đức"


def test_a_person_typing_is_not_a_scanner(qtbot: QtBot, desk: ServiceContext) -> None:
    slow = open_window(qtbot, desk, step=0.150)  # 150 ms a key: the clerk typing, never taken for a card
    name = slow.intake.inputs["name"]
    name.setFocus()
    scanner_types("087084000999|361234567|Lê Văn Tám|06051984|Nam|Ấp 1|15082021")
    assert name.text().startswith("087084000999|") and slow.intake.inputs["id_number"].text() == ""


MALFORMED = (
    ("0870840009991|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới|15082021", "12 chữ số", "name"),
    ("087084000999|361234567|Nguyễn Văn Đức|31021984|Nam|Ấp Mỹ Thới|15082021", "không phải một ngày có thật",
     "scan field"),
    ("087084000999|361234567|Nguyễn Văn Đức|06051984|Nữ|Ấp Mỹ Thới|15082021", "giới tính Nam", "name"),
    ("087084000999|361234567|Nguyễn Văn Đức|06051984|Nam", "cần 7 trường", "scan field"),
)


def test_a_card_that_cannot_be_used_fills_nothing_and_says_why(qtbot: QtBot, desk: ServiceContext) -> None:
    window = open_window(qtbot, desk)
    intake = window.intake
    for text, said, where in MALFORMED:
        intake.clear()
        intake.inputs["email"].setText("a@b.vn")  # typed before: stays
        target = focus(window, where)
        scanner_types(text)
        assert form(window) == {"name": "", "id_number": "", "birth_date": "", "sex": "", "phone": "",
                                "email": "a@b.vn", "address": ""}, said
        assert raw_text_left(window) == [], said
        assert intake.banner.isVisible() and said in intake.banner.text()
        assert intake.banner.text().startswith("Mã QR trên CCCD không dùng được:")
        scan_message = window.findChild(QLabel, "scanMessage")
        assert scan_message.text().startswith("Mã QR CCCD lỗi") and said in scan_message.toolTip()
        assert not intake.errors["name"].isVisible(), said  # no hint left about what the burst typed
        assert QApplication.focusWidget() is target, said  # the clerk stays where they were


def test_a_card_scanned_on_another_tab_opens_intake_filled_and_replaces_another_citizens_details(
        qtbot: QtBot, desk: ServiceContext) -> None:
    window = open_window(qtbot, desk)
    intake = window.intake
    for key, value in (("name", "Trần Thị Hoa"), ("id_number", "079301000123"), ("phone", "0987654321")):
        intake.inputs[key].setText(value)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.ledger
    window.ledger.setFocus()
    scanner_types(REAL)
    assert window.tabs.currentWidget() is intake
    assert form(window) == {**FILLED, "phone": "", "email": ""}  # nothing of the other citizen stays
    assert QApplication.focusWidget() is intake.inputs["phone"]


def test_a_card_pasted_into_the_scan_field_fills_intake_too(qtbot: QtBot, desk: ServiceContext) -> None:
    window = open_window(qtbot, desk, step=0.150)
    window.scan_field.setFocus()
    window.scan_field.setText(LABELLED)
    qtbot.keyClick(window.scan_field, Qt.Key.Key_Return)
    assert form(window) == {**FILLED, "phone": "", "email": ""} and window.scan_field.text() == ""


def earlier_visit(desk: ServiceContext, clock: FixedClock, address: str) -> str:
    clock.moment = vn("2026-02-02 09:00")
    code = receive(desk, ReceiveRequest("XA.CT.02", {
        "name": "Nguyễn Văn Đức", "id_number": "087084000999", "birth_date": "06/05/1984", "sex": "Nam",
        "phone": "0912345678", "email": "duc@example.vn", "address": address})).code
    clock.moment = vn("2026-03-02 09:00")
    return code


def test_a_returning_citizens_card_offers_their_details_and_alt_y_takes_them(qtbot: QtBot, desk: ServiceContext,
                                                                             clock: FixedClock) -> None:
    earlier = earlier_visit(desk, clock, "Số 5, khóm 2, phường 1, Cao Lãnh")
    window = open_window(qtbot, desk)
    intake = window.intake
    intake.inputs["name"].setFocus()
    scanner_types(REAL, "\r\n")  # the LF must not take the offer for the clerk
    assert intake.returning.isVisible() and intake.returning_button.isEnabled()
    offer = intake.returning_text.text()
    for shown in ("Công dân đã đến trước đây", "Nguyễn Văn Đức", "0912345678", "duc@example.vn", earlier,
                  "Chứng thực chữ ký", "nhận 02/02/2026", "Đã tiếp nhận", "Alt+Y", "Địa chỉ trên CCCD khác"):
        assert shown in offer, shown
    assert form(window)["phone"] == ""
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    assert form(window) == {**FILLED, "phone": "0912345678", "email": "duc@example.vn"}  # the card's new address
    assert not intake.returning_button.isVisible() and "đã dùng" in intake.returning_text.text()
    assert earlier in intake.returning_text.text()  # the recent dossiers stay in view
    assert QApplication.focusWidget() is intake.picker.field  # everything filled, no procedure yet


def test_typing_a_known_id_number_offers_the_details_and_enter_takes_them(qtbot: QtBot, desk: ServiceContext,
                                                                          clock: FixedClock) -> None:
    earlier_visit(desk, clock, "Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp")
    window = open_window(qtbot, desk, step=0.150)
    intake = window.intake
    intake.choose_procedure("XA.CT.01")
    id_field = intake.inputs["id_number"]
    id_field.setFocus()
    type_text(id_field, "08708400099")
    assert not intake.returning.isVisible()
    type_text(id_field, "9")
    assert intake.returning.isVisible() and "Địa chỉ trên CCCD khác" not in intake.returning_text.text()
    qtbot.keyClick(id_field, Qt.Key.Key_Return)
    assert form(window) == {**FILLED, "phone": "0912345678", "email": "duc@example.vn"}
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # a second Enter takes nothing more
    type_text(id_field, "1")  # no longer a whole number: the offer goes
    assert not intake.returning.isVisible()


def test_a_dossier_code_scanned_on_the_filled_intake_screen_still_opens_the_dossier(
        qtbot: QtBot, desk: ServiceContext) -> None:
    code = receive(desk, ReceiveRequest("XA.CT.02", {"name": "Phạm Thị Hoa"})).code
    window = open_window(qtbot, desk)
    window.intake.inputs["name"].setFocus()
    scanner_types(REAL)
    phone = window.intake.inputs["phone"]
    type_text(phone, "09")
    scanner_types(code)
    assert phone.text() == "09" and form(window)["name"] == "Nguyễn Văn Đức"
    [detail] = window.open_details
    assert getattr(detail, "code", None) == code
    detail.close()
    with desk.read() as session:
        assert session.scalars(select(Dossier.code)).all() == [code]  # nothing received by the scans
