"""Proof of counter speed: a complete intake as a clerk with a 2D scanner does it, every key and click counted.

Scan the citizen's CCCD (the scanner types its QR code), type the phone number, pick the clerk's most used
procedure (Alt+1), save and print the slip (F9) — and, for a returning citizen, take their details (Alt+Y) instead
of typing the phone. Every key event and mouse click the test delivers goes through :class:`Clerk`, which counts
all of them except the scanner's burst and the digits of the phone number; the count must stay at 5 or under.
What lands in the database and the slip that comes out of the (fake) printer are checked too.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.print_jobs import PrintJob
from desk_app.services.settings import SettingsService
from desk_app.store.models import Dossier, DossierEvent
from desk_app.ui.main_window import MainWindow
from desk_app.ui.printing import DocumentOutput
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn
from tests.ui.conftest import SteppingClock

CARD = "087084000999|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp|15082021"
MAX_KEYS = 5


class Clerk:
    """The clerk's hands and the scanner. Keys go where the focus is, as from a real keyboard."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.counted: list[str] = []  # every key and click the count includes, for the failure message

    @staticmethod
    def _target() -> QWidget:
        target = QApplication.focusWidget() or QApplication.activeWindow()
        assert target is not None, "nothing has the focus: the keys would go nowhere"
        return target

    def key(self, name: str, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.counted.append(name)
        self.qtbot.keyClick(self._target(), key, modifier)

    def click(self, name: str, widget: QWidget) -> None:
        self.counted.append(f"click {name}")
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def scan(self, text: str) -> None:
        """Not counted: the scanner's burst, one key event per character, then Enter."""
        for char in text:
            self._send(char, Qt.Key.Key_unknown)
        self._send("\r", Qt.Key.Key_Return)

    def type_phone(self, digits: str) -> None:
        """Not counted: the phone number's digits (and nothing else)."""
        assert re.fullmatch(r"[0-9]+", digits)
        for char in digits:
            self._send(char, Qt.Key(Qt.Key.Key_0 + int(char)))

    def _send(self, char: str, key: Qt.Key) -> None:
        target = self._target()
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char))

    @property
    def count(self) -> int:
        return len(self.counted)


class PdfPrinter:
    """The desk's printer, printing to a PDF file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: list[Path] = []

    def __call__(self, _name: str) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.files.append(self.folder / f"printed-{len(self.files)}.pdf")
        printer.setOutputFileName(str(self.files[-1]))
        return printer


class SlipOutput(DocumentOutput):
    """The desk's real output, remembering the jobs it was given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobs: list[PrintJob] = []

    def deliver(self, job: PrintJob, *, mode: str | None = None) -> None:
        self.jobs.append(job)
        super().deliver(job, mode=mode)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize(("citizen", "print_mode"), [("new", "direct"), ("returning", "direct"), ("new", "preview")])
def test_a_whole_intake_takes_at_most_five_keys_besides_the_scan_and_the_phone(
        qtbot: QtBot, desk: ServiceContext, clock: FixedClock, tmp_path: Path, citizen: str,
        print_mode: str) -> None:
    earlier = None
    if citizen == "returning":  # a month ago, living elsewhere
        clock.moment = vn("2026-02-02 09:00")
        earlier = receive(desk, ReceiveRequest("XA.CT.01", {
            "name": "Nguyễn Văn Đức", "id_number": "087084000999", "phone": "0912345678",
            "address": "Số 5, khóm 2, phường 1, Cao Lãnh"})).code
        clock.moment = vn("2026-03-02 09:00")
    # The clerk's history: Đăng ký tạm trú is what she receives most (Alt+1).
    for name, procedure in (("Lê Văn A", "XA.CTRU.02"), ("Lê Văn B", "XA.CTRU.02"), ("Lê Văn C", "XA.CT.02")):
        receive(desk, ReceiveRequest(procedure, {"name": name}))
    with desk.write() as (session, _):
        SettingsService(session).set("print_mode", print_mode)
    printer = PdfPrinter(tmp_path)
    output = SlipOutput(desk, ImmediateRunner(), None, printer_factory=printer)
    window = MainWindow(desk, ImmediateRunner(), output, confirm=lambda *_: True, auto_sync_ms=None)
    window.scanner.clock = SteppingClock(0.004)  # the scanner's pace
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.wait(20)
    assert window.intake.picker.list.item(0).text().startswith("[Alt+1] Đăng ký tạm trú")

    clerk = Clerk(qtbot)
    clerk.scan(CARD)
    if citizen == "returning":
        assert window.intake.returning.isVisible()
        clerk.key("Alt+Y: take the returning citizen's phone", Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    else:
        assert QApplication.focusWidget() is window.intake.inputs["phone"]
        clerk.type_phone("0912345678")
    clerk.key("Alt+1: the most used procedure", Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    clerk.key("F9: save and print the slip", Qt.Key.Key_F9)
    if print_mode == "preview":
        preview = output.last_preview
        assert preview is not None
        qtbot.waitUntil(preview.isActiveWindow)
        clerk.key("Ctrl+P in the preview", Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)

    assert clerk.count <= MAX_KEYS, clerk.counted
    assert clerk.count == {"new": 2, "returning": 3}[citizen] + (print_mode == "preview"), clerk.counted

    with desk.read() as session:
        saved = session.scalars(select(Dossier).where(Dossier.applicant_name == "Nguyễn Văn Đức")
                                .order_by(Dossier.id.desc())).first()
        assert saved is not None
        received = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == saved.id)).one()
        assert (saved.id_number, str(saved.birth_date), saved.sex, saved.address, saved.phone) == (
            "087084000999", "1984-05-06", "male", "Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp", "0912345678")
        assert (saved.procedure_code, saved.channel, saved.return_method, saved.copies) == (
            "XA.CTRU.02", "direct", "desk", 1)
        assert len(saved.documents) == 2  # every paper of the checklist, ticked as handed in
        assert received.actor == "nv.lan"
        assert received.payload.get("address_changed_since") == earlier  # the card's new address, recorded
    [slip] = output.jobs
    assert slip.pdf.startswith(b"%PDF") and saved.code in slip.title
    text = pdf_text(slip.pdf, tmp_path)
    assert "Nguyễn Văn Đức" in text and saved.code in text
    assert "087084000999" not in text  # never the ID number on the slip
    assert len(printer.files) == 1 and printer.files[0].stat().st_size > 1000  # and it came out of the printer
    intake = window.intake
    assert intake.inputs["name"].text() == "" and not intake.returning.isVisible()  # ready for the next citizen
