"""Draw the application icon (a door with a "1" on it: "Một Cửa", one door) into resources/icons/.

    .venv/bin/python scripts/make_icon.py [OUT_DIR] [--png]      # default: resources/icons

Writes motcuadesk.ico: every size from 16 to 256 pixels, PNG-compressed, read by Qt for the windows, taskbar and tray
(desk_app.ui.branding) and by Windows for the executable (build.spec's ``icon=``). ``--png`` also writes each size as
motcuadesk-<N>.png, to look at. Drawn as vector shapes at each size, no font involved, so the result is the same on
every machine; the .ico is committed as a source asset.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath

SIZES = (16, 24, 32, 48, 64, 128, 256)
RED_TOP = QColor("#d84338")
RED_BOTTOM = QColor("#a61b1b")
GOLD = QColor("#f6c244")
WHITE = QColor("#ffffff")

# The numeral "1", in units of the icon's side: a stem with a flag and a foot.
ONE = [(0.425, 0.31), (0.515, 0.31), (0.515, 0.64), (0.57, 0.64), (0.57, 0.69), (0.37, 0.69), (0.37, 0.64),
       (0.425, 0.64), (0.425, 0.395), (0.375, 0.43), (0.355, 0.385)]


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size, size)
    painter.setPen(Qt.PenStyle.NoPen)

    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, 1))
    gradient.setColorAt(0, RED_TOP)
    gradient.setColorAt(1, RED_BOTTOM)
    painter.setBrush(QBrush(gradient))
    painter.drawRoundedRect(QRectF(0.03, 0.03, 0.94, 0.94), 0.2, 0.2)

    painter.setBrush(WHITE)  # the door: a tall panel, its knob, its step
    painter.drawRoundedRect(QRectF(0.28, 0.16, 0.44, 0.68), 0.05, 0.05)
    painter.setBrush(GOLD)
    painter.drawEllipse(QPointF(0.645, 0.53), 0.035, 0.035)
    painter.drawRoundedRect(QRectF(0.2, 0.82, 0.6, 0.07), 0.02, 0.02)

    one = QPainterPath()
    one.moveTo(*ONE[0])
    for x, y in ONE[1:]:
        one.lineTo(x, y)
    one.closeSubpath()
    painter.setBrush(RED_BOTTOM)
    painter.drawPath(one)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file whose entries are PNG images (read by Windows Vista and later, and by Qt)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, png in images:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    return header + entries + b"".join(png for _, png in images)


def main(out: Path, pngs: bool) -> None:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    images = [(size, png_bytes(draw(size))) for size in SIZES]
    if pngs:
        for size, png in images:
            (out / f"motcuadesk-{size}.png").write_bytes(png)
    (out / "motcuadesk.ico").write_bytes(ico_bytes(images))
    del app


if __name__ == "__main__":
    args = [arg for arg in sys.argv[1:] if arg != "--png"]
    main(Path(args[0]) if args else Path(__file__).resolve().parent.parent / "resources" / "icons", "--png" in sys.argv)
