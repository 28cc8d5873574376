"""Mẫu 02–05 — the one-stop desk's other citizen-facing forms, data → PDF bytes, on A5 portrait.

- Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (request to supplement): ``render_supplement_request``.
- Mẫu 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ (refusal): ``render_refusal``.
- Mẫu 04 — Phiếu xin lỗi và hẹn lại ngày trả kết quả (2018) / Văn bản xin lỗi và đề nghị gia hạn thời gian giải
  quyết (2025): ``render_apology``.
- Mẫu 05 (2025 edition only) — Thông báo dừng giải quyết hồ sơ (stop notice): ``render_stop_notice``.
  UNCONFIRMED: the fields and wording of the stop notice are not confirmed against the 2025 text (DOMAIN.md §1 says
  "fields unconfirmed"); this layout (dossier code, applicant, procedure, received time, reason, signature of the
  head of the resolving agency) is a reasonable placeholder to be checked when the official form is at hand.

The form numbers change with the edition (the 2025 set inserts the stop notice as Mẫu 05 and shifts the control
sheet and the ledger): ``FORM_NUMBERS`` is the table other modules read. Every string goes through ``common.p``
(NFC, escaped); the PDFs are built with ``invariant=True`` so the same data gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Spacer, Table, TableStyle

from desk_app.documents.common import header, moment_vn, p, place_and_date, styles
from desk_app.documents.fonts import SERIF_BOLD, SERIF_ITALIC, nfc, register_fonts

EDITIONS = ("2018", "2025")

FORM_NUMBERS: dict[str, dict[str, str]] = {
    "2018": {"supplement": "02", "refusal": "03", "apology": "04", "control": "05", "ledger": "06"},
    "2025": {"supplement": "02", "refusal": "03", "apology": "04", "stop": "05", "control": "06", "ledger": "07"},
}

TITLES: dict[str, dict[str, str]] = {
    "2018": {
        "supplement": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "refusal": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "apology": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    },
    "2025": {
        "supplement": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "refusal": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "apology": "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        "stop": "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    },
}

PAGE = A5
MARGIN = 10 * mm
SIZE = 10  # body font size, as the slip's A5 layout
WIDTH = PAGE[0] - 2 * MARGIN
NUMBER_LINE = "Số: ……/……"
SIGN = "(Ký và ghi rõ họ tên)"
SIGN_AND_SEAL = "(Ký, ghi rõ họ tên và đóng dấu)"


@dataclass(frozen=True)
class FormHeader:
    upper_body: str  # e.g. "UBND tỉnh Đồng Tháp"
    unit_name: str  # e.g. "UBND xã Mỹ Phong"
    place: str  # for "Mỹ Phong, ngày … tháng … năm …"
    edition: str = "2018"  # "2018" or "2025"


@dataclass(frozen=True)
class SupplementItem:
    name: str
    originals: int
    certified_copies: int
    photocopies: int


@dataclass(frozen=True)
class SupplementRequest:
    header: FormHeader
    code: str
    applicant_name: str
    address: str | None
    phone: str | None
    email: str | None
    procedure_name: str
    received_at: dt.datetime
    items: tuple[SupplementItem, ...]
    reason: str | None
    contact_name: str
    contact_phone: str
    issued_on: dt.date


@dataclass(frozen=True)
class RefusalNotice:
    header: FormHeader
    code: str
    applicant_name: str
    address: str | None
    phone: str | None
    email: str | None
    procedure_name: str
    received_at: dt.datetime
    reason: str
    issued_on: dt.date


@dataclass(frozen=True)
class ApologyLetter:
    header: FormHeader
    code: str
    applicant_name: str
    address: str | None
    procedure_name: str
    received_at: dt.datetime
    original_due_at: dt.datetime
    new_due_at: dt.datetime
    reason: str
    issued_on: dt.date
    signer_title: str  # e.g. "Chủ tịch UBND xã" — printed in bold capitals


@dataclass(frozen=True)
class StopNotice:  # 2025 edition only; fields unconfirmed (see the module docstring)
    header: FormHeader
    code: str
    applicant_name: str
    procedure_name: str
    received_at: dt.datetime
    reason: str
    issued_on: dt.date


def form_number(edition: str, form: str) -> str:
    """"02", "05", … for a form in an edition; ValueError for an unknown edition or a form the edition lacks."""
    if edition not in FORM_NUMBERS:
        raise ValueError(f"edition must be one of {EDITIONS}")
    if form not in FORM_NUMBERS[edition]:
        raise ValueError(f"the {edition} edition has no {form!r} form")
    return FORM_NUMBERS[edition][form]


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()  # before any Paragraph is made: reportlab resolves the face names when parsing
    s = styles(SIZE)
    s["label"] = ParagraphStyle("label", parent=s["body"], alignment=TA_RIGHT, fontName=SERIF_ITALIC,
                                fontSize=SIZE * 0.85, leading=SIZE)
    s["cell"] = ParagraphStyle("cell", parent=s["body"], fontSize=SIZE * 0.9, leading=SIZE * 1.08)
    s["cell_center"] = ParagraphStyle("cell_center", parent=s["cell"], alignment=1)
    s["cell_head"] = ParagraphStyle("cell_head", parent=s["cell_center"], fontName=SERIF_BOLD)
    s["title_next"] = ParagraphStyle("title_next", parent=s["title"], spaceBefore=0)
    s["indent"] = ParagraphStyle("indent", parent=s["body"], firstLineIndent=SIZE * 1.2)
    return s


def _top(head: FormHeader, form: str, issued_on: dt.date, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The "Mẫu số" label, the agency header beside the motto, place and date, and the title."""
    number = form_number(head.edition, form)
    return [
        p(f"Mẫu số {number}", s["label"]),
        *header(head.upper_body, head.unit_name, NUMBER_LINE, s, WIDTH),
        Spacer(1, 2 * mm),
        place_and_date(head.place, issued_on, s),
        Spacer(1, 1 * mm),
        *[p(line, s["title"] if i == 0 else s["title_next"])
          for i, line in enumerate(_title_lines(TITLES[head.edition][form], s["title"]))],
        Spacer(1, 2 * mm),
    ]


def _title_lines(title: str, style: ParagraphStyle) -> list[str]:
    """The title on one line, or on two balanced lines when it is wider than the page (no lone last word)."""
    if stringWidth(title, style.fontName, style.fontSize) <= WIDTH:
        return [title]
    words = title.split()
    best = min(range(1, len(words)), key=lambda k: max(
        stringWidth(" ".join(words[:k]), style.fontName, style.fontSize),
        stringWidth(" ".join(words[k:]), style.fontName, style.fontSize)))
    return [" ".join(words[:best]), " ".join(words[best:])]


def _signature(title: str, note: str, s: dict[str, ParagraphStyle], *keep_with: Flowable) -> Flowable:
    """One signer on the right half, room to sign below; ``keep_with`` (the closing lines) stays on its page."""
    table = Table([["", [p(title.upper(), s["center_bold"]), p(note, s["center_italic"]), Spacer(1, 16 * mm)]]],
                  colWidths=[WIDTH * 0.4, WIDTH * 0.6])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([*keep_with, Spacer(1, 3 * mm), table])


def _contact(phone: str | None, email: str | None) -> str:
    return f"Số điện thoại: {phone or '…'}    Email: {email or '…'}"


def _count(n: int) -> str:
    return str(n) if n else "–"


def _items_table(items: tuple[SupplementItem, ...], s: dict[str, ParagraphStyle]) -> Table:
    rows = [[p(label, s["cell_head"]) for label in ("STT", "Tên giấy tờ", "Bản chính", "Bản sao có chứng thực",
                                                     "Bản chụp")]]
    for i, item in enumerate(items, start=1):
        rows.append([p(str(i), s["cell_center"]), p(item.name, s["cell"]), p(_count(item.originals), s["cell_center"]),
                     p(_count(item.certified_copies), s["cell_center"]),
                     p(_count(item.photocopies), s["cell_center"])])
    if not items:
        rows.append([p("", s["cell"]), p("…", s["cell"]), p("", s["cell"]), p("", s["cell"]), p("", s["cell"])])
    numbers = 16 * mm
    stt = 9 * mm
    table = Table(rows, colWidths=[stt, WIDTH - stt - 3 * numbers, numbers, numbers, numbers], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))
    return table


def _build(story: list[Flowable], title: str, head: FormHeader, code: str) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    document = BaseDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                               bottomMargin=MARGIN, title=nfc(title), author=nfc(head.unit_name), subject=code,
                               creator="Một Cửa Desk", invariant=True)
    frame = Frame(MARGIN, MARGIN, WIDTH, PAGE[1] - 2 * MARGIN, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0)
    document.addPageTemplates([PageTemplate(id="form", frames=[frame])])
    document.build(story)
    return buffer.getvalue()


def _code_line(code: str, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The dossier code; none when the form is handed over at the counter before any code was issued."""
    return [p(f"Mã hồ sơ: {code}", s["body"])] if code else []


def render_supplement_request(data: SupplementRequest) -> bytes:
    """Mẫu 02: what the citizen still has to bring, listed completely in one go, and whom to call."""
    s = _styles()
    unit = data.header.unit_name
    story = [
        *_top(data.header, "supplement", data.issued_on, s),
        p(f"Bộ phận Tiếp nhận và Trả kết quả {unit}", s["body"]),
        p(f"Hồ sơ của Ông/Bà: {data.applicant_name}", s["body"]),
        *_code_line(data.code, s),
        p(f"Nội dung yêu cầu giải quyết: {data.procedure_name}", s["body"]),
        p(f"Địa chỉ: {data.address or '…'}", s["body"]),
        p(_contact(data.phone, data.email), s["body"]),
        p(f"Thời gian nhận hồ sơ: {moment_vn(data.received_at)}", s["body"]),
        Spacer(1, 1.5 * mm),
        p("Bộ phận Tiếp nhận và Trả kết quả hướng dẫn một lần, đầy đủ để Ông/Bà bổ sung, hoàn thiện hồ sơ gồm "
          "những nội dung sau:", s["body"]),
        Spacer(1, 1 * mm),
        _items_table(data.items, s),
        Spacer(1, 1.5 * mm),
        p(f"Lý do: {data.reason or '…'}", s["body"]),
        _signature("NGƯỜI HƯỚNG DẪN", SIGN, s, p(
            f"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với {data.contact_name} theo số "
            f"điện thoại {data.contact_phone} để được hướng dẫn.", s["body"])),
    ]
    return _build(story, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", data.header, data.code)


def render_refusal(data: RefusalNotice) -> bytes:
    """Mẫu 03: the desk does not accept the dossier, and says exactly why."""
    s = _styles()
    unit = data.header.unit_name
    story = [
        *_top(data.header, "refusal", data.issued_on, s),
        p(f"Bộ phận Tiếp nhận và Trả kết quả {unit}", s["body"]),
        p(f"Tiếp nhận hồ sơ của Ông/Bà: {data.applicant_name}", s["body"]),
        *_code_line(data.code, s),
        p(f"Địa chỉ: {data.address or '…'}", s["body"]),
        p(_contact(data.phone, data.email), s["body"]),
        p(f"Nội dung yêu cầu giải quyết: {data.procedure_name}", s["body"]),
        p(f"Thời gian nhận hồ sơ: {moment_vn(data.received_at)}", s["body"]),
        Spacer(1, 1.5 * mm),
        p("Sau khi nghiên cứu, đối chiếu với các quy định hiện hành, Bộ phận Tiếp nhận và Trả kết quả "
          f"thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: {data.reason}", s["indent"]),
        _signature("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN, s, p("Xin thông báo để Ông/Bà biết và thực hiện./.", s["indent"])),
    ]
    return _build(story, "Phiếu từ chối tiếp nhận giải quyết hồ sơ", data.header, data.code)


def render_apology(data: ApologyLetter) -> bytes:
    """Mẫu 04: the apology for a late result and the new date (2025: a request to extend), signed by the head."""
    s = _styles()
    unit = data.header.unit_name
    if data.header.edition == "2025":
        new_date = (f"{unit} xin lỗi Ông/Bà và đề nghị Ông/Bà đồng ý gia hạn thời gian giải quyết hồ sơ; "
                    f"thời gian trả kết quả mới: {moment_vn(data.new_due_at)}.")
    else:
        new_date = (f"{unit} xin lỗi Ông/Bà và hẹn lại thời gian trả kết quả giải quyết hồ sơ vào: "
                    f"{moment_vn(data.new_due_at)}.")
    story = [
        *_top(data.header, "apology", data.issued_on, s),
        p(f"Kính gửi: Ông/Bà {data.applicant_name}", s["center"]),
        Spacer(1, 1.5 * mm),
        p(f"Địa chỉ: {data.address or '…'}", s["indent"]),
        p(f"Ngày {data.received_at:%d/%m/%Y}, {unit} tiếp nhận giải quyết hồ sơ của Ông/Bà đề nghị giải quyết "
          f"thủ tục hành chính: {data.procedure_name}", s["indent"]),
        p(f"Mã hồ sơ: {data.code}", s["indent"]),
        p(f"Thời gian nhận hồ sơ: {moment_vn(data.received_at)}", s["indent"]),
        p(f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {moment_vn(data.original_due_at)}", s["indent"]),
        p(f"Tuy nhiên đến nay, {unit} chưa trả kết quả giải quyết hồ sơ cho Ông/Bà.", s["indent"]),
        p(f"Lý do: {data.reason}", s["indent"]),
        p("Sự chậm trễ này đã gây phiền hà, tốn kém chi phí đi lại của Ông/Bà.", s["indent"]),
        p(new_date, s["indent"]),
        _signature(data.signer_title, SIGN_AND_SEAL, s,
                   p("Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.", s["indent"])),
    ]
    return _build(story, TITLES[data.header.edition]["apology"].capitalize(), data.header, data.code)


def render_stop_notice(data: StopNotice) -> bytes:
    """Mẫu 05 of the 2025 edition (fields unconfirmed): the resolving of a dossier is stopped, and why."""
    s = _styles()
    unit = data.header.unit_name
    story = [
        *_top(data.header, "stop", data.issued_on, s),
        p(f"Kính gửi: Ông/Bà {data.applicant_name}", s["center"]),
        Spacer(1, 1.5 * mm),
        p(f"Ngày {data.received_at:%d/%m/%Y}, {unit} tiếp nhận hồ sơ của Ông/Bà đề nghị giải quyết thủ tục "
          f"hành chính: {data.procedure_name}", s["indent"]),
        p(f"Mã hồ sơ: {data.code}", s["indent"]),
        p(f"Thời gian nhận hồ sơ: {moment_vn(data.received_at)}", s["indent"]),
        p(f"{unit} thông báo dừng giải quyết hồ sơ nêu trên với lý do: {data.reason}", s["indent"]),
        _signature("THỦ TRƯỞNG CƠ QUAN", SIGN_AND_SEAL, s, p("Xin thông báo để Ông/Bà biết./.", s["indent"])),
    ]
    return _build(story, "Thông báo dừng giải quyết hồ sơ", data.header, data.code)


__all__ = [
    "EDITIONS", "FORM_NUMBERS", "TITLES", "ApologyLetter", "FormHeader", "RefusalNotice", "StopNotice",
    "SupplementItem", "SupplementRequest", "form_number", "render_apology", "render_refusal",
    "render_stop_notice", "render_supplement_request",
]
