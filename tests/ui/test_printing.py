"""The desk's document output: the preview shows the job's own PDF bytes, printing lays them on the right paper with
the barcode still scannable, saving writes exactly those bytes; every failure reaches the clerk in Vietnamese."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.output import output_settings
from desk_app.services.print_jobs import PrintJob, dossier_form
from desk_app.services.settings import SettingsService
from desk_app.ui.printing import (
    NO_DEFAULT_PRINTER,
    PREPARING,
    DocumentOutput,
    PdfPreviewDialog,
    page_setup,
    render_pages,
    system_printer,
)
from desk_app.ui.worker import ImmediateRunner, ThreadRunner

A5_PT = (419.53, 595.28)
MM = 72 / 25.4  # points per millimetre


@pytest.fixture
def code(desk: ServiceContext) -> str:
    return receive(desk, ReceiveRequest(procedure="XA.CT.01", applicant={"name": "Lê Văn Tám"})).code


@pytest.fixture
def slip(desk: ServiceContext, code: str) -> PrintJob:
    return dossier_form(desk, code, "slip")


class PdfPrinters:
    """A printer factory that "prints" to PDF files, remembering what it was asked for and on which thread."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: list[Path] = []
        self.names: list[str] = []
        self.threads: list[int] = []

    def __call__(self, name: str) -> QPrinter:
        self.names.append(name)
        self.threads.append(threading.get_ident())
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        path = self.folder / f"printed-{len(self.files)}.pdf"
        printer.setOutputFileName(str(path))
        self.files.append(path)
        return printer


class Recorder:
    def __init__(self, output: DocumentOutput) -> None:
        self.printed: list[str] = []
        self.saved: list[str] = []
        self.failed: list[str] = []
        output.printed.connect(self.printed.append)
        output.saved.connect(self.saved.append)
        output.failed.connect(self.failed.append)


class DeferredRunner:
    """Holds the work until the test runs it, as a busy pool thread would."""

    def __init__(self) -> None:
        self.tasks: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None], failed: Any = None) -> None:
        self.tasks.append((work, done))

    def run_all(self) -> None:
        while self.tasks:
            work, done = self.tasks.pop(0)
            done(work())


def set_setting(ctx: ServiceContext, key: str, value: str) -> None:
    with ctx.write() as (session, _):
        SettingsService(session).set(key, value)


def pdf_pages(path: Path) -> tuple[int, tuple[float, float]]:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    size = fields["Page size"].split()
    return int(fields["Pages"]), (float(size[0]), float(size[2]))


def rasters(path: Path, folder: Path, dpi: int = 200) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(folder / "raster")], check=True)
    return sorted(folder.glob("raster*.png"))


def dark_share(image: Image.Image) -> float:
    histogram = image.convert("L").histogram()
    return sum(histogram[:128]) / sum(histogram)


def qimage_dark_share(image: QImage) -> float:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(gray.constBits())[: gray.bytesPerLine() * gray.height()]
    return sum(1 for value in data if value < 128) / len(data)


def make_output(desk: ServiceContext, runner: Any, qtbot: QtBot, **kwargs: Any) -> tuple[DocumentOutput, Recorder]:
    output = DocumentOutput(desk, runner, None, **kwargs)
    return output, Recorder(output)


def shown_preview(qtbot: QtBot, output: DocumentOutput) -> PdfPreviewDialog:
    dialog = output.last_preview
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    qtbot.wait(20)
    return dialog


# --- rendering -------------------------------------------------------------------------------------------------------

def test_render_pages_gives_every_page_at_the_asked_resolution(slip: PrintJob) -> None:
    images = render_pages(slip.pdf, 100)
    assert len(images) == 2  # the two liên of the slip
    for image in images:
        # A5 is 148 x 210 mm: at 100 dpi 583 x 827 pixels
        assert (image.width(), image.height()) == (583, 827)
        assert 0.005 < qimage_dark_share(image) < 0.5  # text, not a blank or black page
    assert render_pages(slip.pdf, 50)[0].width() == 292


def test_rendered_images_outlive_the_pdf_and_the_bytes_they_came_from(slip: PrintJob) -> None:
    pdf = bytearray(slip.pdf)
    images = render_pages(bytes(pdf), 72)
    pdf[:] = b"\0" * len(pdf)
    import gc

    gc.collect()
    assert images[0].pixelColor(0, 0).name() == "#ffffff"
    assert qimage_dark_share(images[0]) > 0.005


def test_paper_from_the_pdf_page() -> None:
    a5, orientation = page_setup(*A5_PT)
    assert a5.name() == "A5" and orientation.name == "Portrait"
    roll, _ = page_setup(80 * MM, 252.9 * MM)
    size = roll.size(roll.Unit.Millimeter)
    assert (round(size.width(), 1), round(size.height(), 1)) == (80.0, 252.9)
    _, landscape = page_setup(A5_PT[1], A5_PT[0])
    assert landscape.name == "Landscape"


# --- the preview -----------------------------------------------------------------------------------------------------

def test_the_preview_shows_every_page_and_the_title(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                                    runner: ImmediateRunner, tmp_path: Path) -> None:
    assert output_settings(desk) == ("preview", "")
    output, seen = make_output(desk, runner, qtbot, printer_factory=PdfPrinters(tmp_path))
    output.deliver(slip)  # the print_mode setting says preview
    dialog = shown_preview(qtbot, output)
    assert dialog.objectName() == "pdfPreview"
    assert dialog.windowTitle() == slip.title
    assert dialog.findChild(QLabel, "previewTitle").text() == slip.title
    assert dialog.findChild(QLabel, "previewPageCount").text() == "2 trang"
    pages = dialog.page_labels()
    assert len(pages) == 2 and all(page.isVisible() for page in pages)
    assert not dialog.findChild(QLabel, "previewStatus").isVisible()
    assert dialog.zoom == 1.0 and dialog.findChild(QLabel, "previewZoom").text() == "100 %"
    # at 100 % an A5 page shows at its real size on a 96 dpi screen (plus its 1 px border)
    assert abs(pages[0].width() - 2 - 148 / 25.4 * 96) <= 2
    assert seen.printed == seen.failed == []

    dialog.resize(1000, 760)
    picture = tmp_path / "preview.png"
    assert dialog.grab().save(str(picture))
    assert picture.stat().st_size > 10_000


def test_the_preview_says_it_is_preparing_until_the_pages_are_rendered(qtbot: QtBot, desk: ServiceContext,
                                                                       slip: PrintJob) -> None:
    deferred = DeferredRunner()
    output, _ = make_output(desk, deferred, qtbot)
    output.deliver(slip, mode="preview")
    dialog = shown_preview(qtbot, output)
    status = dialog.findChild(QLabel, "previewStatus")
    assert status.isVisible() and status.text() == PREPARING == "Đang chuẩn bị bản xem trước…"
    assert dialog.page_labels() == []
    deferred.run_all()
    assert not status.isVisible() and len(dialog.page_labels()) == 2


def test_zoom_in_and_out_with_the_keyboard(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                           runner: ImmediateRunner) -> None:
    output, _ = make_output(desk, runner, qtbot)
    output.deliver(slip, mode="preview")
    dialog = shown_preview(qtbot, output)
    width = dialog.page_labels()[0].width()
    qtbot.keyClick(dialog, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.zoom == 1.25 and dialog.findChild(QLabel, "previewZoom").text() == "125 %"
    assert dialog.page_labels()[0].width() == pytest.approx(width * 1.25, abs=3)
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.zoom == 0.75
    assert dialog.page_labels()[0].width() == pytest.approx(width * 0.75, abs=3)


def test_a_roll_slip_opens_larger_so_its_small_type_is_readable(qtbot: QtBot, desk: ServiceContext, code: str,
                                                                runner: ImmediateRunner) -> None:
    output, _ = make_output(desk, runner, qtbot)
    output.deliver(dossier_form(desk, code, "slip", paper="80mm"), mode="preview")
    dialog = shown_preview(qtbot, output)
    assert dialog.zoom == 1.5
    assert abs(dialog.page_labels()[0].width() - 2 - 80 / 25.4 * 96 * 1.5) <= 2


def test_escape_closes_the_preview(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                   runner: ImmediateRunner) -> None:
    output, _ = make_output(desk, runner, qtbot)
    output.deliver(slip, mode="preview")
    dialog = shown_preview(qtbot, output)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_ctrl_s_in_the_preview_saves_exactly_the_job_bytes(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                                           runner: ImmediateRunner, tmp_path: Path) -> None:
    target = tmp_path / "luu" / "giay-hen.pdf"
    target.parent.mkdir()
    target.write_bytes(b"an older file")
    asked: list[str] = []

    def choose(suggested: str) -> str:
        asked.append(suggested)
        return str(target)

    output, seen = make_output(desk, runner, qtbot, save_dialog=choose)
    output.deliver(slip, mode="preview")
    dialog = shown_preview(qtbot, output)
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert Path(asked[0]).name == slip.filename
    assert target.read_bytes() == slip.pdf
    assert sorted(p.name for p in target.parent.iterdir()) == ["giay-hen.pdf"]  # no temporary file left behind
    assert seen.saved == [str(target)] and seen.failed == []
    message = dialog.findChild(QLabel, "previewMessage")
    assert message.isVisible() and message.text() == f"Đã lưu: {target}"
    assert dialog.isVisible()  # the clerk may still print
    # the next save suggests the folder saved to last time
    output.save(slip)
    assert asked[1] == str(target.parent / slip.filename)


def test_a_cancelled_save_writes_nothing(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                         runner: ImmediateRunner, tmp_path: Path) -> None:
    output, seen = make_output(desk, runner, qtbot, save_dialog=lambda suggested: "")
    output.save(slip)
    assert seen.saved == seen.failed == []


def test_a_path_without_extension_gets_pdf(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                           runner: ImmediateRunner, tmp_path: Path) -> None:
    output, seen = make_output(desk, runner, qtbot, save_dialog=lambda suggested: str(tmp_path / "giay hẹn"))
    output.save(slip)
    assert (tmp_path / "giay hẹn.pdf").read_bytes() == slip.pdf
    assert seen.saved == [str(tmp_path / "giay hẹn.pdf")]


def test_a_save_into_a_missing_folder_fails_in_vietnamese(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                                          runner: ImmediateRunner, tmp_path: Path) -> None:
    missing = tmp_path / "không có" / "giay.pdf"
    output, seen = make_output(desk, runner, qtbot, save_dialog=lambda suggested: str(missing))
    output.save(slip)
    assert seen.saved == []
    assert seen.failed == [f"Không lưu được tệp PDF “{missing}”: thư mục không còn tồn tại."]


def test_a_failed_replace_keeps_the_old_file_and_leaves_no_temporary(qtbot: QtBot, desk: ServiceContext,
                                                                     slip: PrintJob, runner: ImmediateRunner,
                                                                     tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "giay.pdf"
    target.write_bytes(b"the old file, open in a PDF reader")

    def locked(source: str, destination: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    output, seen = make_output(desk, runner, qtbot, save_dialog=lambda suggested: str(target))
    output.deliver(slip, mode="preview")
    dialog = shown_preview(qtbot, output)
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert target.read_bytes() == b"the old file, open in a PDF reader"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert len(seen.failed) == 1 and "không có quyền ghi, hoặc tệp đang mở trong chương trình khác" in seen.failed[0]
    message = dialog.findChild(QLabel, "previewMessage")
    assert message.isVisible() and message.text() == seen.failed[0]


# --- printing --------------------------------------------------------------------------------------------------------

def ink_box(page: Path) -> tuple[int, int, int, int]:
    """Where the ink is on a page raster: (left, top, right, bottom) in pixels."""
    box = Image.open(page).convert("L").point(lambda value: 255 if value < 160 else 0).getbbox()
    assert box is not None
    return box


def assert_same_layout(printed: Path, source: bytes, folder: Path) -> None:
    """The printed pages carry the ink where the PDF has it: full page, the PDF's own margins kept, not shrunk."""
    (folder / "source").mkdir()
    (folder / "printed").mkdir()
    (folder / "source.pdf").write_bytes(source)
    expected = rasters(folder / "source.pdf", folder / "source", dpi=100)
    got = rasters(printed, folder / "printed", dpi=100)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert all(abs(a - b) <= 2 for a, b in zip(ink_box(mine), ink_box(theirs), strict=True)), mine.name


def assert_barcode(path: Path, folder: Path, code: str) -> None:
    pages = rasters(path, folder)
    assert pages
    for page in pages:
        image = Image.open(page)
        assert dark_share(image) > 0.005, f"{page.name} is blank"
        found = zxingcpp.read_barcodes(image)
        assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.Code128, code)], page.name


def test_direct_printing_follows_the_setting_and_prints_both_pages_on_a5(qtbot: QtBot, desk: ServiceContext,
                                                                         code: str, slip: PrintJob,
                                                                         runner: ImmediateRunner,
                                                                         tmp_path: Path) -> None:
    set_setting(desk, "print_mode", "direct")
    printers = PdfPrinters(tmp_path)
    output, seen = make_output(desk, runner, qtbot, printer_factory=printers)
    output.deliver(slip)
    assert output.last_preview is None  # straight to the printer, no dialog
    assert printers.names == [""]  # the default printer
    assert seen.printed == [slip.title] and seen.failed == []
    pages, (width, height) = pdf_pages(printers.files[0])
    assert pages == 2
    assert (round(width / MM), round(height / MM)) == (148, 210)  # A5, portrait
    assert_barcode(printers.files[0], tmp_path, code)
    assert_same_layout(printers.files[0], slip.pdf, tmp_path)


def test_an_80_mm_roll_slip_prints_80_mm_wide(qtbot: QtBot, desk: ServiceContext, code: str,
                                              runner: ImmediateRunner, tmp_path: Path) -> None:
    job = dossier_form(desk, code, "slip", paper="80mm")
    _, (_, roll_height) = pdf_pages_of_bytes(job.pdf, tmp_path)
    printers = PdfPrinters(tmp_path)
    output, seen = make_output(desk, runner, qtbot, printer_factory=printers)
    output.deliver(job, mode="direct")
    assert seen.printed == [job.title]
    pages, (width, height) = pdf_pages(printers.files[0])
    assert pages == 2
    assert width / MM == pytest.approx(80, abs=0.5)
    assert height == pytest.approx(roll_height, abs=1)
    assert_barcode(printers.files[0], tmp_path, code)
    assert_same_layout(printers.files[0], job.pdf, tmp_path)


def pdf_pages_of_bytes(pdf: bytes, folder: Path) -> tuple[int, tuple[float, float]]:
    path = folder / "source.pdf"
    path.write_bytes(pdf)
    return pdf_pages(path)


def test_the_named_printer_is_asked_for(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                        runner: ImmediateRunner, tmp_path: Path) -> None:
    set_setting(desk, "printer_name", "Canon LBP2900 (quầy 1)")
    printers = PdfPrinters(tmp_path)
    output, seen = make_output(desk, runner, qtbot, printer_factory=printers)
    output.deliver(slip, mode="direct")
    assert printers.names == ["Canon LBP2900 (quầy 1)"] and seen.printed == [slip.title]


def test_no_default_printer_fails_with_a_vietnamese_message(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                                            runner: ImmediateRunner) -> None:
    output, seen = make_output(desk, runner, qtbot, printer_factory=lambda name: None)
    output.deliver(slip, mode="direct")
    assert seen.printed == []
    assert seen.failed == ["Máy tính chưa có máy in mặc định. Cài máy in, hoặc dùng Lưu PDF để in sau."]
    assert seen.failed == [NO_DEFAULT_PRINTER]


def test_a_named_printer_that_is_gone_fails_naming_it(qtbot: QtBot, desk: ServiceContext, slip: PrintJob) -> None:
    set_setting(desk, "printer_name", "Máy in tầng 2")
    set_setting(desk, "print_mode", "direct")
    runner = ThreadRunner()
    output, seen = make_output(desk, runner, qtbot)  # the real lookup, on a pool thread: no such printer here
    with qtbot.waitSignal(output.failed, timeout=20_000):
        output.deliver(slip)
    assert seen.printed == []
    assert len(seen.failed) == 1
    assert seen.failed[0].startswith("Không tìm thấy máy in “Máy in tầng 2” đã chọn trong Thiết lập.")
    assert system_printer("Máy in tầng 2") is None
    assert runner.wait(5000)


def test_ctrl_p_in_the_preview_prints_and_closes_it(qtbot: QtBot, desk: ServiceContext, code: str,
                                                    slip: PrintJob, runner: ImmediateRunner, tmp_path: Path) -> None:
    printers = PdfPrinters(tmp_path)
    output, seen = make_output(desk, runner, qtbot, printer_factory=printers)
    output.deliver(slip)
    dialog = shown_preview(qtbot, output)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert seen.printed == [slip.title]
    assert not dialog.isVisible()
    assert pdf_pages(printers.files[0])[0] == 2


def test_enter_in_the_preview_prints(qtbot: QtBot, desk: ServiceContext, slip: PrintJob, runner: ImmediateRunner,
                                     tmp_path: Path) -> None:
    output, seen = make_output(desk, runner, qtbot, printer_factory=PdfPrinters(tmp_path))
    output.deliver(slip)
    dialog = shown_preview(qtbot, output)
    assert dialog.print_button.isDefault()
    qtbot.keyClick(dialog.scroll, Qt.Key.Key_Return)
    assert seen.printed == [slip.title] and not dialog.isVisible()


def test_a_print_failure_shows_in_the_preview_which_stays_open(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                                               runner: ImmediateRunner) -> None:
    output, seen = make_output(desk, runner, qtbot, printer_factory=lambda name: None)
    output.deliver(slip)
    dialog = shown_preview(qtbot, output)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    message = dialog.findChild(QLabel, "previewMessage")
    assert message.isVisible() and message.text() == NO_DEFAULT_PRINTER == seen.failed[0]
    assert dialog.print_button.isEnabled()  # the clerk may try again once a printer is set up


def test_a_second_ctrl_p_while_printing_does_not_print_twice(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                                             tmp_path: Path) -> None:
    deferred = DeferredRunner()
    printers = PdfPrinters(tmp_path)
    output, seen = make_output(desk, deferred, qtbot, printer_factory=printers)
    output.deliver(slip)
    deferred.run_all()  # the preview's pages
    dialog = shown_preview(qtbot, output)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(deferred.tasks) == 1
    assert not dialog.print_button.isEnabled()
    assert dialog.findChild(QLabel, "previewMessage").text() == "Đang gửi tới máy in…"
    deferred.run_all()
    assert seen.printed == [slip.title] and len(printers.files) == 1 and not dialog.isVisible()


def test_printing_runs_off_the_gui_thread(qtbot: QtBot, desk: ServiceContext, slip: PrintJob,
                                          tmp_path: Path) -> None:
    printers = PdfPrinters(tmp_path)
    runner = ThreadRunner()
    output, seen = make_output(desk, runner, qtbot, printer_factory=printers)
    with qtbot.waitSignal(output.printed, timeout=20_000):
        output.deliver(slip, mode="direct")
    assert printers.threads and printers.threads[0] != threading.get_ident()
    assert seen.printed == [slip.title]
    assert pdf_pages(printers.files[0])[0] == 2
    assert runner.wait(5000)


def test_a_broken_pdf_fails_to_print_in_vietnamese(qtbot: QtBot, desk: ServiceContext, runner: ImmediateRunner,
                                                   tmp_path: Path) -> None:
    output, seen = make_output(desk, runner, qtbot, printer_factory=PdfPrinters(tmp_path))
    output.deliver(PrintJob("Hỏng", "hong.pdf", b"%PDF-1.4 not really"), mode="direct")
    assert seen.printed == []
    assert seen.failed == ["Không in được: không đọc được tài liệu (tệp PDF hỏng). Hãy tạo lại tài liệu."]
