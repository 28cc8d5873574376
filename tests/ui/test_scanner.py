"""The scanner detector: a fast burst ending in Enter that spells a dossier code opens it, wherever the focus is;
what the burst typed into a field is taken back out; people typing are never taken for a scanner."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desk_app.ui.scanner import ScanDetector
from tests.ui.conftest import SteppingClock, scan, type_text

CODE = "000.31.22.H20-260302-0007"


def window(qtbot: QtBot) -> tuple[QWidget, QLineEdit, QLineEdit]:
    widget = QWidget()
    layout = QVBoxLayout(widget)
    name, phone = QLineEdit(), QLineEdit()
    layout.addWidget(name)
    layout.addWidget(phone)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    return widget, name, phone


def test_a_scan_into_a_half_typed_field_opens_the_dossier_and_leaves_the_field_as_it_was(qtbot: QtBot) -> None:
    _window, name, _phone = window(qtbot)
    detector = ScanDetector(clock=SteppingClock(0.005))  # 5 ms a key: a scanner
    detector.install()
    try:
        seen: list[str] = []
        detector.scanned.connect(seen.append)
        name.setFocus()
        name.setText("Nguyễn Văn")
        scan(name, CODE.lower())  # some scanners send lower case
        assert seen == [CODE]
        assert name.text() == "Nguyễn Văn"
    finally:
        detector.uninstall()


def test_a_person_typing_a_code_slowly_is_not_a_scan(qtbot: QtBot) -> None:
    _window, name, _phone = window(qtbot)
    detector = ScanDetector(clock=SteppingClock(0.150))  # 150 ms a key: a person
    detector.install()
    try:
        seen: list[str] = []
        detector.scanned.connect(seen.append)
        name.setFocus()
        scan(name, CODE)
        assert seen == [] and name.text() == CODE
    finally:
        detector.uninstall()


def test_a_fast_burst_that_is_not_a_code_is_left_alone(qtbot: QtBot) -> None:
    _window, name, phone = window(qtbot)
    detector = ScanDetector(clock=SteppingClock(0.005))
    detector.install()
    try:
        seen: list[str] = []
        detector.scanned.connect(seen.append)
        phone.setFocus()
        scan(phone, "0912345678")  # a phone number pasted by a fast typist or a macro
        name.setFocus()
        type_text(name, "Trần Thị Bích Ngọc Hân Hoan")
        assert seen == []
        assert phone.text() == "0912345678" and name.text() == "Trần Thị Bích Ngọc Hân Hoan"
    finally:
        detector.uninstall()


def test_a_scan_while_a_modal_dialog_is_open_opens_nothing_and_leaves_the_field_as_it_was(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QDialog

    window_, _name, _phone = window(qtbot)
    dialog = QDialog(window_)  # the screen lock, or an action dialog being filled in
    dialog.setModal(True)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    detector = ScanDetector(clock=SteppingClock(0.005))
    detector.install()
    try:
        seen: list[str] = []
        detector.scanned.connect(seen.append)
        field.setFocus()
        type_text(field, "abc")
        scan(field, CODE)
        assert seen == []
        assert field.text() == "abc"
        assert dialog.isVisible() and accepted == []  # the scan's Enter did not submit the dialog either
    finally:
        detector.uninstall()
        dialog.close()
