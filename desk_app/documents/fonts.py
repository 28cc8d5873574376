"""The serif the forms are set in (Liberation Serif, Times-metric, full Vietnamese), registered once, embedded."""

from __future__ import annotations

import unicodedata
from functools import cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desk_app.config import app_root

SERIF = "DeskSerif"
SERIF_BOLD = "DeskSerif-Bold"
SERIF_ITALIC = "DeskSerif-Italic"
SERIF_BOLD_ITALIC = "DeskSerif-BoldItalic"

_FILES = {
    SERIF: "LiberationSerif-Regular.ttf",
    SERIF_BOLD: "LiberationSerif-Bold.ttf",
    SERIF_ITALIC: "LiberationSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}


@cache
def register_fonts() -> str:
    """Register the serif family with reportlab (once per process); returns the regular face's name."""
    folder = app_root() / "resources" / "fonts"
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    addMapping(SERIF, 0, 0, SERIF)
    addMapping(SERIF, 1, 0, SERIF_BOLD)
    addMapping(SERIF, 0, 1, SERIF_ITALIC)
    addMapping(SERIF, 1, 1, SERIF_BOLD_ITALIC)
    return SERIF


def nfc(text: str) -> str:
    """Every string drawn is NFC: a decomposed "ễ" would otherwise print as a letter and loose marks."""
    return unicodedata.normalize("NFC", text)
