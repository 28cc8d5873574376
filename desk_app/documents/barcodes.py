"""Code128 barcodes drawn as vector bars, and QR codes, as reportlab flowables.

The bars come from python-barcode's encoder (which switches to code set C for runs of digits), drawn as filled
rectangles: sharp at any printer resolution, unlike a bitmap. The quiet zones are ten modules each side.
"""

from __future__ import annotations

import barcode
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

QUIET_MODULES = 10


def code128_modules(text: str) -> str:
    """The bar pattern, one character a module: '1' bar, '0' space (start, data, checksum and stop included)."""
    return barcode.get("code128", text).build()[0]


class Code128Bars(Flowable):
    """A horizontal Code128 symbol, ``module`` wide per bar unit, ``height`` tall, centred in the frame."""

    def __init__(self, text: str, *, module: float = 0.33 * mm, height: float = 12 * mm) -> None:
        super().__init__()
        self.text = text
        self.module = module
        self.bar_height = height
        self.pattern = code128_modules(text)

    @property
    def symbol_width(self) -> float:
        return (len(self.pattern) + 2 * QUIET_MODULES) * self.module

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._frame_width = available_width
        return available_width, self.bar_height

    def draw(self) -> None:
        canvas: Canvas = self.canv
        x = (self._frame_width - self.symbol_width) / 2 + QUIET_MODULES * self.module
        canvas.setFillColorRGB(0, 0, 0)
        run_start = None
        for index, module in enumerate(self.pattern + "0"):
            if module == "1" and run_start is None:
                run_start = index
            elif module == "0" and run_start is not None:
                canvas.rect(x + run_start * self.module, 0, (index - run_start) * self.module, self.bar_height,
                            stroke=0, fill=1)
                run_start = None


class QrCode(Flowable):
    """A QR code of ``size`` × ``size``, drawn as vector squares."""

    def __init__(self, text: str, *, size: float = 24 * mm) -> None:
        super().__init__()
        self.text = text
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        widget = QrCodeWidget(self.text, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(self.size, self.size, transform=[self.size / (x1 - x0), 0, 0, self.size / (y1 - y0), 0, 0])
        drawing.add(widget)
        drawing.drawOn(self.canv, 0, 0)
