"""Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả (the receipt-and-appointment slip), data → PDF bytes.

Two liên in one print job (Lưu / Giao người nộp), each a full slip, on A5 (the circular's size), A4 or an 80 mm
thermal roll (one long page per liên). The hotline block goes in the footer, or on a back page for duplex printing.
No ID number is ever printed.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field, replace

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from desk_app.documents.barcodes import QUIET_MODULES, Code128Bars, QrCode
from desk_app.documents.common import header, moment_vn, money_vn, p, place_and_date, styles
from desk_app.documents.fonts import nfc, register_fonts

PAPERS = ("A5", "A4", "80mm")
ROLL_WIDTH = 80 * mm
COPIES = ("Lưu", "Giao người nộp")


@dataclass(frozen=True)
class SlipDocument:
    name: str
    originals: int
    copies: int


@dataclass(frozen=True)
class SlipData:
    upper_body: str  # the body above the unit, e.g. "UBND tỉnh Đồng Tháp"
    unit_name: str  # e.g. "UBND xã Mỹ Phong"
    place: str  # for "Mỹ Phong, ngày … tháng … năm …"
    code: str
    applicant_name: str
    address: str | None
    phone: str | None
    email: str | None
    procedure_name: str
    documents: tuple[SlipDocument, ...]
    sets: int
    time_limit_text: str  # "3 ngày làm việc", "Trong ngày"
    received_at: dt.datetime
    due_at: dt.datetime
    collect_at: str  # the desk, or the postal / home address
    ledger_book: str
    ledger_number: int
    fee_due: int
    hotline: str
    lookup_key: str
    lookup_url: str | None = None  # the upper level's page for this dossier: printed as a QR code when set
    leader_phone: str | None = None  # the commune leader's phone, printed beside the hotline
    duplex: bool = False
    components: tuple[str, ...] = field(default_factory=tuple)  # parts of a bundle, with their resolving bodies


@dataclass(frozen=True)
class _Layout:
    page: tuple[float, float]
    margin: float
    size: float  # body font size
    module: float  # barcode module width
    bar_height: float
    roll: bool


LAYOUTS = {
    "A5": _Layout(A5, 10 * mm, 10, 0.33 * mm, 10 * mm, False),
    "A4": _Layout(A4, 20 * mm, 13, 0.38 * mm, 13 * mm, False),
    "80mm": _Layout((ROLL_WIDTH, 297 * mm), 4 * mm, 8.5, 0.25 * mm, 10 * mm, True),
}


def _counts(document: SlipDocument) -> str:
    parts = [f"{n} {label}" for n, label in ((document.originals, "bản chính"), (document.copies, "bản sao")) if n]
    return ", ".join(parts)


class _VerticalBars(Flowable):
    """A Code128 symbol turned along the roll when it is wider than the paper."""

    def __init__(self, bars: Code128Bars) -> None:
        super().__init__()
        self.bars = bars

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._frame_width = available_width
        return available_width, self.bars.symbol_width

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.translate((self._frame_width + self.bars.bar_height) / 2, 0)
        canvas.rotate(90)
        self.bars._frame_width = self.bars.symbol_width
        self.bars.canv = canvas
        self.bars.draw()
        canvas.restoreState()


def _barcode(data: SlipData, layout: _Layout, width: float) -> Flowable:
    bars = Code128Bars(data.code, module=layout.module, height=layout.bar_height)
    return bars if bars.symbol_width <= width else _VerticalBars(bars)


def _hotline(data: SlipData, s: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    leader = f"; lãnh đạo xã: {data.leader_phone}" if data.leader_phone else ""
    text = [p(f"Mọi phản ánh, kiến nghị về việc giải quyết hồ sơ xin liên hệ: {data.hotline}{leader}.", s["small"]),
            p("Khi đến nhận kết quả, xin mang theo giấy này và giấy tờ tùy thân.", s["small"]),
            p(f"Mã tra cứu hồ sơ: {data.lookup_key}", s["small"])]
    if not data.lookup_url:
        return text
    qr_size = min(22 * mm, width * 0.3)
    table = Table([[text, QrCode(data.lookup_url, size=qr_size)]], colWidths=[width - qr_size - 2 * mm, qr_size + 2 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [table]


def _one_copy(data: SlipData, copy: str, layout: _Layout, width: float) -> list[Flowable]:
    s = styles(layout.size)
    documents = [p(f"{i}) {d.name}: {_counts(d)}", s["item"]) for i, d in enumerate(data.documents, start=1)]
    contact = f"Số điện thoại: {data.phone or '…'}    Email: {data.email or '…'}"
    story: list[Flowable] = [
        *header(data.upper_body, data.unit_name, f"Số: {data.ledger_number:04d}", s, width, stacked=layout.roll),
        Spacer(1, 2 * mm),
        place_and_date(data.place, data.received_at.date(), s),
        p("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", s["title"]),
        Spacer(1, 1 * mm),
        _barcode(data, layout, width),
        p(f"Mã hồ sơ: {data.code}", s["code"]),
        p(f"(Liên: {copy})", s["center_italic"]),
        Spacer(1, 1.5 * mm),
        p(f"Bộ phận Tiếp nhận và Trả kết quả {data.unit_name}", s["body"]),
        p(f"Tiếp nhận hồ sơ của: {data.applicant_name}", s["body"]),
        p(f"Địa chỉ: {data.address or '…'}", s["body"]),
        p(contact, s["body"]),
        p(f"Nội dung yêu cầu giải quyết: {data.procedure_name}", s["body"]),
        *[p(f"– {part}", s["item"]) for part in data.components],
        p("1. Thành phần hồ sơ nộp gồm:", s["body"]),
        *documents,
        p(f"2. Số lượng hồ sơ: {data.sets:02d} (bộ)", s["body"]),
        p(f"3. Thời gian giải quyết hồ sơ theo quy định là: {data.time_limit_text}", s["body"]),
        p(f"4. Thời gian nhận hồ sơ: {moment_vn(data.received_at)}", s["body"]),
        p(f"5. Thời gian trả kết quả giải quyết hồ sơ: {moment_vn(data.due_at)}", s["body"]),
        p(f"6. Đăng ký nhận kết quả tại: {data.collect_at}", s["body"]),
        p(f"Phí, lệ phí (nếu có): {money_vn(data.fee_due) if data.fee_due else 'không'}", s["body"]),
        p(f"Vào Sổ theo dõi hồ sơ, Quyển số: {data.ledger_book}  Số thứ tự: {data.ledger_number}", s["body"]),
        Spacer(1, 3 * mm),
    ]
    signatures = [[p("NGƯỜI NỘP HỒ SƠ", s["center_bold"]), p("NGƯỜI TIẾP NHẬN HỒ SƠ", s["center_bold"])],
                  [p("(Ký và ghi rõ họ tên)", s["center_italic"]), p("(Ký và ghi rõ họ tên)", s["center_italic"])],
                  [Spacer(1, 12 * mm), Spacer(1, 12 * mm)]]
    table = Table(signatures, colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(KeepTogether(table))
    if data.duplex:
        story += [PageBreak(), *_hotline(data, s, width)]
    else:
        story += [Spacer(1, 2 * mm), *_hotline(data, s, width)]
    return story


class _Measuring(BaseDocTemplate):
    """Builds on a very tall page and remembers how far down the content went (for the roll's page length)."""

    lowest: float = 0.0

    def afterFlowable(self, flowable: Flowable) -> None:
        self.lowest = min(self.lowest, self.frame._y)


TALL = 3000 * mm


def _content_height(data: SlipData, copy: str, layout: _Layout, width: float) -> float:
    probe = _Measuring(io.BytesIO(), pagesize=(ROLL_WIDTH, TALL), leftMargin=layout.margin,
                       rightMargin=layout.margin, topMargin=layout.margin, bottomMargin=layout.margin)
    probe.lowest = TALL
    probe.addPageTemplates([PageTemplate(id="tall", frames=[
        Frame(layout.margin, layout.margin, width, TALL - 2 * layout.margin, leftPadding=0, rightPadding=0,
              topPadding=0, bottomPadding=0)])])
    probe.build(_one_copy(replace(data, duplex=False), copy, layout, width))
    return TALL - layout.margin - probe.lowest


def render_slip(data: SlipData, paper: str = "A5") -> bytes:
    """The slip's PDF: two liên (Lưu, Giao người nộp), each starting on a new page (with its back page if duplex)."""
    if paper not in LAYOUTS:
        raise ValueError(f"paper must be one of {PAPERS}")
    register_fonts()
    layout = LAYOUTS[paper]
    width = layout.page[0] - 2 * layout.margin
    page = layout.page
    if layout.roll:  # one long page per liên: as tall as its content
        # Measured once: the two liên differ only in the one-line "(Liên: …)" label.
        height = _content_height(data, COPIES[1], layout, width)
        page = (ROLL_WIDTH, height + 2 * layout.margin + 2 * mm)
    buffer = io.BytesIO()
    document = BaseDocTemplate(buffer, pagesize=page, leftMargin=layout.margin, rightMargin=layout.margin,
                               topMargin=layout.margin, bottomMargin=layout.margin, title="Giấy tiếp nhận hồ sơ",
                               author=nfc(data.unit_name), subject=data.code, creator="Một Cửa Desk",
                               invariant=True)
    frame = Frame(layout.margin, layout.margin, width, page[1] - 2 * layout.margin, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    document.addPageTemplates([PageTemplate(id="slip", frames=[frame])])
    story: list[Flowable] = []
    for index, copy in enumerate(COPIES):
        if index:
            story.append(PageBreak())
        story += _one_copy(data, copy, layout, width)
    document.build(story)
    return buffer.getvalue()


__all__ = ["PAPERS", "QUIET_MODULES", "SlipData", "SlipDocument", "render_slip"]
