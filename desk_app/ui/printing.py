"""The desk's document output: preview, print and save as PDF, always from the very PDF bytes a service produced.

pypdfium2 rasterises the pages, so what the clerk sees in the preview and what comes out of the printer are the bytes
of the ``PrintJob`` (PySide6-Essentials has no QtPdf). Threads: pdfium is not thread-safe, so every use of it holds
``_PDFIUM_LOCK``. The preview's page images are rendered by the injected runner and become pixmaps on the GUI thread.
A print runs whole in the runner's worker: the printer is looked up and created there, and painted and dropped on that
same thread (a QPainter paints on a QPrinter only on the thread that owns it; Qt supports painting on a QPrinter
outside the GUI thread), one page image at a time, so a slow spooler or a long document never freezes the window.
"""

from __future__ import annotations

import errno
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, QSizeF, QStandardPaths, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QPixmap, QShortcut, QShowEvent
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGraphicsDropShadowEffect,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desk_app.fileio import write_atomically
from desk_app.services.context import ServiceContext
from desk_app.services.output import output_settings

if TYPE_CHECKING:  # pdfium loads at the first preview or print, not while the window is being built
    import pypdfium2 as pdfium
from desk_app.services.print_jobs import PrintJob
from desk_app.ui.worker import Runner

log = logging.getLogger(__name__)

_PDFIUM_LOCK = threading.Lock()
POINTS_PER_INCH = 72.0
MM_PER_POINT = 25.4 / POINTS_PER_INCH
MAX_PRINT_DPI = 300
SCREEN_DPI = 96.0  # Qt's logical dpi at 100 % scaling: "100 %" shows a page at its real size
MAX_PREVIEW_DPI = 200
ZOOMS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
NARROW_PAGE_MM = 100.0  # a receipt roll: the preview opens it larger, so its small type stays readable

NO_DEFAULT_PRINTER = "Máy tính chưa có máy in mặc định. Cài máy in, hoặc dùng Lưu PDF để in sau."
UNREADABLE_PDF = "Không in được: không đọc được tài liệu (tệp PDF hỏng). Hãy tạo lại tài liệu."
PREPARING = "Đang chuẩn bị bản xem trước…"

_QIMAGE_FORMATS = {
    "RGB": QImage.Format.Format_RGB888,
    "BGR": QImage.Format.Format_BGR888,
    "RGBA": QImage.Format.Format_RGBA8888,
    "RGBX": QImage.Format.Format_RGBX8888,
    "L": QImage.Format.Format_Grayscale8,
}


def printer_not_found(name: str) -> str:
    return (f"Không tìm thấy máy in “{name}” đã chọn trong Thiết lập. Kiểm tra máy in đã cài và đang bật, chọn máy in "
            "khác trong Thiết lập, hoặc dùng Lưu PDF để in sau.")


def printer_not_ready(name: str) -> str:
    which = f"máy in “{name}”" if name else "máy in"
    return f"Không gửi được tài liệu tới {which}. Kiểm tra máy in đã bật và còn giấy, hoặc dùng Lưu PDF để in sau."


# --- rasterising (runs in a worker; touches no widget) --------------------------------------------------------------

@dataclass(frozen=True)
class RenderedPages:
    """The pages of a PDF as images, with each page's size in PDF points (width, height)."""

    images: list[QImage]
    sizes_pt: list[tuple[float, float]]
    dpi: float


def _to_qimage(bitmap: pdfium.PdfBitmap) -> QImage:
    fmt = _QIMAGE_FORMATS.get(bitmap.mode)
    if fmt is None:
        raise ValueError(f"unexpected pdfium bitmap mode {bitmap.mode}")
    data = bytes(bitmap.buffer)  # a copy out of pdfium's memory; QImage.copy() then owns its own pixels
    return QImage(data, bitmap.width, bitmap.height, bitmap.stride, fmt).copy()


def _render_page(document: pdfium.PdfDocument, index: int, dpi: float) -> QImage:
    """One page at ``dpi`` as a QImage owning its pixels (the caller holds ``_PDFIUM_LOCK``)."""
    page = document[index]
    try:
        bitmap = page.render(scale=dpi / POINTS_PER_INCH, rev_byteorder=True, may_draw_forms=False)
        try:
            return _to_qimage(bitmap)
        finally:
            bitmap.close()
    finally:
        page.close()


def rasterise(pdf: bytes, dpi: float) -> RenderedPages:
    """Every page of ``pdf`` rendered at ``dpi`` (pixels per inch) on white, with the pages' sizes."""
    images: list[QImage] = []
    sizes: list[tuple[float, float]] = []
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            for index in range(len(document)):
                sizes.append(document[index].get_size())
                images.append(_render_page(document, index, dpi))
        finally:
            document.close()
    return RenderedPages(images, sizes, dpi)


def render_pages(pdf: bytes, dpi: int) -> list[QImage]:
    """The pages of ``pdf`` as images at ``dpi``; safe to call off the GUI thread."""
    return rasterise(pdf, dpi).images


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's (width, height) in PDF points, without rendering."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            return [document[index].get_size() for index in range(len(document))]
        finally:
            document.close()


def page_setup(width_pt: float, height_pt: float) -> tuple[QPageSize, QPageLayout.Orientation]:
    """The paper for a PDF page: a standard size when it is one (A5, A4), else a custom size in millimetres (the
    80 mm roll); portrait unless the page is wider than tall."""
    short, long = sorted((width_pt, height_pt))
    size = QPageSize(QSizeF(round(short * MM_PER_POINT, 2), round(long * MM_PER_POINT, 2)),
                     QPageSize.Unit.Millimeter, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    landscape = width_pt > height_pt + 0.5
    return size, QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait


def fit_rect(image_width: float, image_height: float, target: QRectF) -> QRectF:
    """The largest rectangle with the image's proportions inside ``target``: centred across, at the top."""
    scale = min(target.width() / image_width, target.height() / image_height)
    width, height = image_width * scale, image_height * scale
    return QRectF(target.left() + (target.width() - width) / 2, target.top(), width, height)


PrinterFactory = Callable[[str], QPrinter | None]
SaveDialog = Callable[[str], str]


def system_printer(name: str) -> QPrinter | None:
    """The printer named in the settings, or the system's default printer when the name is empty; None when there is
    no such printer."""
    info = QPrinterInfo.printerInfo(name) if name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        return None
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    return printer if printer.isValid() else None


class PrintError(Exception):
    """A print that could not be made, with the Vietnamese message for the clerk."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def print_pdf(pdf: bytes, title: str, printer_name: str, printer_factory: PrinterFactory) -> str:
    """Print every page of ``pdf`` on the printer ``printer_factory(printer_name)`` gives, without a dialog.

    The paper is laid out as the PDF's first page (A5, A4, or a custom size such as the 80 mm roll) and printed full
    page, so the PDF's own margins are kept. Each page is rendered at min(printer resolution, 300) dpi and painted
    into the printable page at once, so only one page image is held at a time. Runs whole in one thread: the printer
    is created, painted and dropped on the thread that calls this (Qt supports a QPainter on a QPrinter outside the
    GUI thread), so a slow spooler never freezes the window. Returns the printer's name; raises ``PrintError``.
    """
    printer = printer_factory(printer_name)
    if printer is None:
        raise PrintError(printer_not_found(printer_name) if printer_name else NO_DEFAULT_PRINTER)
    shown_name = printer.printerName() or printer_name
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError:
            raise PrintError(UNREADABLE_PDF) from None
        try:
            count = len(document)
            if not count:
                raise PrintError(UNREADABLE_PDF)
            size, orientation = page_setup(*document[0].get_size())
            if not printer.setPageSize(size):
                log.warning("the printer refused the page size %s; printing scaled to its paper", size.name())
            printer.setPageOrientation(orientation)
            printer.setFullPage(True)
            printer.setDocName(title)
            painter = QPainter()
            if not painter.begin(printer):
                raise PrintError(printer_not_ready(shown_name))
            try:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                for index in range(count):
                    if index and not printer.newPage():
                        raise PrintError(printer_not_ready(shown_name))
                    image = _render_page(document, index, dpi)
                    target = fit_rect(image.width(), image.height(), printer.pageRect(QPrinter.Unit.DevicePixel))
                    painter.drawImage(target, image)
            finally:
                painter.end()
        finally:
            document.close()
    return shown_name


def write_error_message(path: str, error: BaseException) -> str:
    if isinstance(error, PermissionError):
        reason = "không có quyền ghi, hoặc tệp đang mở trong chương trình khác (đóng tệp đó hoặc chọn tên khác)"
    elif isinstance(error, FileNotFoundError):
        reason = "thư mục không còn tồn tại"
    elif isinstance(error, OSError) and error.errno == errno.ENOSPC:
        reason = "ổ đĩa đã đầy"
    elif isinstance(error, OSError) and error.errno == errno.EROFS:
        reason = "ổ đĩa chỉ cho đọc"
    elif isinstance(error, OSError):
        reason = f"lỗi hệ thống ({error.strerror or type(error).__name__})"
    else:
        reason = f"lỗi không lường trước ({type(error).__name__})"
    return f"Không lưu được tệp PDF “{path}”: {reason}."


# --- the preview -----------------------------------------------------------------------------------------------------

class PdfPreviewDialog(QDialog):
    """Every page of a job, stacked on grey at a readable zoom, with Print, Save as PDF and Close.

    The dialog only shows; it asks for printing and saving through ``print_requested`` and ``save_requested``.
    """

    print_requested = Signal()
    save_requested = Signal()

    def __init__(self, job: PrintJob, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.runner = runner
        self.setObjectName("pdfPreview")
        self.setWindowTitle(job.title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._zoom: float | None = None  # chosen from the first page once its size is known
        self._generation = 0
        self._pixmaps: list[QPixmap] = []  # the pages as last rendered, at _pixmaps_dpi
        self._pixmaps_dpi = SCREEN_DPI
        self._labels: list[QLabel] = []

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.heading = QLabel(job.title)
        self.heading.setObjectName("previewTitle")
        self.heading.setWordWrap(True)
        heading_font = self.heading.font()
        heading_font.setBold(True)
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.15)
        self.heading.setFont(heading_font)
        self.page_count = QLabel("")
        self.page_count.setObjectName("previewPageCount")
        self.zoom_out_button = QPushButton("Thu nhỏ (Ctrl+−)")
        self.zoom_out_button.setObjectName("previewZoomOut")
        self.zoom_label = QLabel("")
        self.zoom_label.setObjectName("previewZoom")
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("300 %") + 8)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in_button = QPushButton("Phóng to (Ctrl++)")
        self.zoom_in_button.setObjectName("previewZoomIn")
        for button in (self.zoom_out_button, self.zoom_in_button):
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        top.addWidget(self.heading, 1)
        top.addWidget(self.page_count)
        top.addSpacing(16)
        top.addWidget(self.zoom_out_button)
        top.addWidget(self.zoom_label)
        top.addWidget(self.zoom_in_button)
        layout.addLayout(top)

        self.pages = QWidget()
        self.pages.setObjectName("previewPages")
        self.pages.setAutoFillBackground(True)
        self.pages.setStyleSheet("#previewPages { background: #8a8d91; }")
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setContentsMargins(24, 24, 24, 24)
        self.pages_layout.setSpacing(20)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.status = QLabel(PREPARING)
        self.status.setObjectName("previewStatus")
        self.status.setStyleSheet("color: white; font-size: 15px;")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages_layout.addWidget(self.status)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("previewScroll")
        self.scroll.setWidget(self.pages)
        self.scroll.setWidgetResizable(True)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.scroll, 1)

        self.message = QLabel("")
        self.message.setObjectName("previewMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        self.print_button = QPushButton("In (Ctrl+P)")
        self.print_button.setObjectName("previewPrint")
        self.print_button.setDefault(True)
        self.save_button = QPushButton("Lưu PDF (Ctrl+S)")
        self.save_button.setObjectName("previewSave")
        self.save_button.setAutoDefault(False)
        self.close_button = QPushButton("Đóng (Esc)")
        self.close_button.setObjectName("previewClose")
        self.close_button.setAutoDefault(False)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.print_button.clicked.connect(self._request_print)
        self.save_button.clicked.connect(self.save_requested)
        self.close_button.clicked.connect(self.reject)
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.zoom_out_button.clicked.connect(self.zoom_out)
        for keys, slot in (("Ctrl+P", self._request_print), ("Ctrl+S", self.save_requested.emit),
                           ("Ctrl++", self.zoom_in), ("Ctrl+=", self.zoom_in), ("Ctrl+-", self.zoom_out),
                           ("Ctrl+0", self.zoom_reset)):
            QShortcut(QKeySequence(keys), self, slot)
        self.setTabOrder(self.print_button, self.save_button)
        self.setTabOrder(self.save_button, self.close_button)
        self.setTabOrder(self.close_button, self.scroll)

        self._size_to_screen()
        self._render()

    # what the clerk sees
    @property
    def zoom(self) -> float | None:
        return self._zoom

    def page_labels(self) -> list[QLabel]:
        return list(self._labels)

    def set_printing(self, printing: bool) -> None:
        """While a print is on its way, the print button waits (no second copy by a double press)."""
        self.print_button.setEnabled(not printing)
        if printing:
            self.show_message("Đang gửi tới máy in…")

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020; font-weight: bold;" if error else "color: #1b5e20;")
        self.message.show()

    def _request_print(self) -> None:
        if self.print_button.isEnabled():
            self.print_requested.emit()

    # zoom
    def zoom_in(self) -> None:
        self._step_zoom(+1)

    def zoom_out(self) -> None:
        self._step_zoom(-1)

    def zoom_reset(self) -> None:
        self._set_zoom(1.0)

    def _step_zoom(self, step: int) -> None:
        current = self._zoom or 1.0
        if step > 0:
            bigger = [z for z in ZOOMS if z > current + 1e-6]
            self._set_zoom(bigger[0] if bigger else ZOOMS[-1])
        else:
            smaller = [z for z in ZOOMS if z < current - 1e-6]
            self._set_zoom(smaller[-1] if smaller else ZOOMS[0])

    def _set_zoom(self, zoom: float) -> None:
        if zoom == self._zoom:
            return
        self._zoom = zoom
        self._show_zoom()
        self._place_pages()  # at once: the pages already rendered, stretched; then sharp ones from the runner
        self._render()

    def _show_zoom(self) -> None:
        self.zoom_label.setText(f"{round((self._zoom or 1.0) * 100)} %")
        self.zoom_in_button.setEnabled((self._zoom or 1.0) < ZOOMS[-1])
        self.zoom_out_button.setEnabled((self._zoom or 1.0) > ZOOMS[0])

    # rendering through the runner
    def _render(self) -> None:
        self._generation += 1
        generation = self._generation
        pdf, zoom, ratio = self.job.pdf, self._zoom, self.devicePixelRatioF()

        def work() -> tuple[float, RenderedPages]:
            chosen = zoom
            if chosen is None:
                sizes = page_sizes(pdf)
                narrow = bool(sizes) and min(sizes[0]) * MM_PER_POINT < NARROW_PAGE_MM
                chosen = 1.5 if narrow else 1.0
            dpi = min(SCREEN_DPI * chosen * ratio, MAX_PREVIEW_DPI)
            return chosen, rasterise(pdf, dpi)

        def done(result: tuple[float, RenderedPages]) -> None:
            if generation != self._generation:
                return  # a later zoom asked for other images
            chosen, pages = result
            if self._zoom is None:
                self._zoom = chosen
                self._show_zoom()
            self._pixmaps = [QPixmap.fromImage(image) for image in pages.images]  # GUI thread only
            self._pixmaps_dpi = pages.dpi
            self._place_pages()
            self.page_count.setText(f"{len(self._pixmaps)} trang")

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            log.warning("preview rendering failed: %s", type(error).__name__)
            self.status.setText("Không hiển thị được bản xem trước (tệp PDF hỏng?). Vẫn có thể thử In hoặc Lưu PDF.")
            self.status.show()

        self.runner.submit(work, done, failed)

    def _place_pages(self) -> None:
        """Show the rendered pages at the current zoom (stretched when they were rendered for another zoom)."""
        if not self._pixmaps:
            return
        self.status.hide()
        zoom = self._zoom or 1.0
        ratio = self.devicePixelRatioF()
        while len(self._labels) < len(self._pixmaps):
            label = QLabel()
            label.setObjectName("previewPage")
            label.setAccessibleName(f"Trang {len(self._labels) + 1}")
            label.setStyleSheet("background: white; border: 1px solid #55585c;")
            shadow = QGraphicsDropShadowEffect(label)
            shadow.setBlurRadius(14)
            shadow.setOffset(2, 3)
            shadow.setColor(QColor(0, 0, 0, 110))
            label.setGraphicsEffect(shadow)
            self.pages_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self._labels.append(label)
        while len(self._labels) > len(self._pixmaps):
            self._labels.pop().deleteLater()
        scale = SCREEN_DPI * zoom * ratio / self._pixmaps_dpi  # device pixels on screen per rendered pixel
        for label, source in zip(self._labels, self._pixmaps, strict=True):
            width = max(1, round(source.width() * scale))
            height = max(1, round(source.height() * scale))
            pixmap = source
            if (width, height) != (source.width(), source.height()):
                pixmap = source.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)
            label.setFixedSize(math.ceil(width / ratio) + 2, math.ceil(height / ratio) + 2)

    def _size_to_screen(self) -> None:
        screen = self.screen()
        available = screen.availableGeometry() if screen is not None else None
        if available is None or available.isEmpty():
            self.resize(900, 760)
            return
        self.resize(min(960, int(available.width() * 0.9)), int(available.height() * 0.9))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.scroll.setFocus()


# --- the desk's output -----------------------------------------------------------------------------------------------

class DocumentOutput(QObject):
    """Delivers print jobs the way the desk is set up: a preview, or straight to the printer; and saves them as PDF.

    ``printed(title)``, ``saved(path)`` and ``failed(message)`` report the outcome (messages in Vietnamese, ready to
    show the clerk). ``printer_factory(printer_name)`` returns the printer to use or None when there is none
    (``system_printer`` by default); ``save_dialog(suggested_path)`` returns the chosen path, or "" when cancelled.
    """

    printed = Signal(str)
    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: Runner, parent_widget: QWidget | None, *,
                 printer_factory: PrinterFactory | None = None, save_dialog: SaveDialog | None = None) -> None:
        super().__init__(parent_widget)
        self.ctx = ctx
        self.runner = runner
        self.parent_widget = parent_widget
        self._printer_factory = printer_factory or system_printer
        self._save_dialog = save_dialog or self._ask_for_path
        self._last_folder = ""
        self.last_preview: PdfPreviewDialog | None = None

    def deliver(self, job: PrintJob, *, mode: str | None = None) -> None:
        """Preview or print ``job``, as ``mode`` says or, when None, as the ``print_mode`` setting says."""
        if mode is None:
            mode, _ = output_settings(self.ctx)
        if mode == "preview":
            self.preview(job)
        elif mode == "direct":
            self.print_job(job)
        else:
            raise ValueError(f"unknown print mode {mode!r}")

    def preview(self, job: PrintJob) -> PdfPreviewDialog:
        if self.last_preview is not None and isValid(self.last_preview):
            self.last_preview.close()
            self.last_preview.deleteLater()
        dialog = PdfPreviewDialog(job, self.runner, self.parent_widget)
        dialog.print_requested.connect(lambda: self.print_job(job, preview=dialog))
        dialog.save_requested.connect(lambda: self.save(job, preview=dialog))
        self.last_preview = dialog
        dialog.show()
        return dialog

    def print_job(self, job: PrintJob, *, preview: PdfPreviewDialog | None = None) -> None:
        """Print to the configured printer (or the system's default) without a dialog, in the runner; a preview the
        print came from closes once the job is handed to the printer."""
        _, name = output_settings(self.ctx)
        pdf, title, factory = job.pdf, job.title, self._printer_factory
        if preview is not None:
            preview.set_printing(True)

        def done(_: object) -> None:
            if preview is not None and isValid(preview):
                preview.set_printing(False)
                preview.accept()
            self.printed.emit(title)

        def failed(error: BaseException) -> None:
            if isinstance(error, PrintError):
                message = error.message
            else:
                log.warning("printing failed: %s", type(error).__name__)
                message = printer_not_ready(name)
            self._fail(message, preview)

        self.runner.submit(lambda: print_pdf(pdf, title, name, factory), done, failed)

    def save(self, job: PrintJob, *, preview: PdfPreviewDialog | None = None) -> None:
        """Ask where, then write exactly the job's bytes there (atomically)."""
        folder = self._last_folder or QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation)
        chosen = self._save_dialog(str(Path(folder) / job.filename) if folder else job.filename)
        if not chosen:
            return
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".pdf")
        pdf = job.pdf

        def done(_: object) -> None:
            self._last_folder = str(path.parent)
            if preview is not None and isValid(preview):
                preview.show_message(f"Đã lưu: {path}")
            self.saved.emit(str(path))

        def failed(error: BaseException) -> None:
            self._fail(write_error_message(str(path), error), preview)

        self.runner.submit(lambda: write_atomically(path, pdf), done, failed)

    def _fail(self, message: str, preview: PdfPreviewDialog | None) -> None:
        if preview is not None and isValid(preview):  # not closed and deleted meanwhile
            preview.set_printing(False)
            preview.show_message(message, error=True)
        self.failed.emit(message)

    def _ask_for_path(self, suggested: str) -> str:
        preview = self.last_preview
        parent = preview if preview is not None and isValid(preview) and preview.isVisible() else self.parent_widget
        path, _ = QFileDialog.getSaveFileName(parent, "Lưu PDF", suggested, "Tệp PDF (*.pdf)")
        return path


__all__ = [
    "NO_DEFAULT_PRINTER",
    "DocumentOutput",
    "PdfPreviewDialog",
    "PrintError",
    "RenderedPages",
    "page_setup",
    "page_sizes",
    "print_pdf",
    "printer_not_found",
    "rasterise",
    "render_pages",
    "system_printer",
    "write_atomically",
]
