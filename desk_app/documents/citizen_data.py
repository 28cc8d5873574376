"""Thông tin dữ liệu cá nhân đang lưu giữ — what the desk holds on one citizen, given at their request (Decree
13/2023/NĐ-CP, right of access), data → PDF (A4 portrait).

Header (upper body, unit, national motto), place and date, the title, who produced it and when; then each dossier
(the applicant's details as recorded, the documents handed in, the history), who saw the ID number of, printed or
exported those dossiers and when; what the desk keeps, why and for how long; two signatures. The ID number is printed
masked (the citizen knows it; a lost sheet must not spell it out).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from desk_app.documents.common import MOTTO, p, place_and_date, styles
from desk_app.documents.fonts import SERIF_BOLD, register_fonts
from desk_app.documents.ledger import agency_and_form, fitted, grid_style, numbered_pages

MARGIN = 15 * mm
BODY_SIZE = 11
TITLE = "THÔNG TIN DỮ LIỆU CÁ NHÂN ĐANG LƯU GIỮ"


@dataclass(frozen=True)
class CitizenEvent:
    at: str  # "09:15 ngày 02/03/2026"
    what: str  # "Tiếp nhận hồ sơ"
    actor: str
    details: str


@dataclass(frozen=True)
class CitizenDossier:
    code: str
    procedure_name: str
    status_vn: str
    received_at: dt.datetime
    due_at: dt.datetime
    channel_vn: str
    collect_vn: str
    applicant: tuple[tuple[str, str], ...]  # (label, value) as recorded, the ID number masked
    documents: tuple[str, ...]
    events: tuple[CitizenEvent, ...]


@dataclass(frozen=True)
class AccessRecord:
    """Someone saw the ID number of, printed or exported a dossier of this citizen."""

    at: dt.datetime
    actor: str
    action_vn: str
    codes: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class CitizenData:
    id_masked: str
    unit_name: str
    upper_body: str
    place: str
    produced_at: dt.datetime
    produced_by: str  # the clerk's full name and username
    dossiers: tuple[CitizenDossier, ...]
    access: tuple[AccessRecord, ...]
    purpose: str
    retention: str  # how long the desk keeps it, in words


def _cell_styles(s: dict[str, ParagraphStyle]) -> tuple[ParagraphStyle, ParagraphStyle]:
    size = BODY_SIZE - 1.5
    cell = ParagraphStyle("cd_cell", parent=s["body"], fontSize=size, leading=size * 1.18)
    head = ParagraphStyle("cd_head", parent=cell, fontName=SERIF_BOLD, alignment=1)
    return cell, head


def _grid(rows: list[list[Flowable]], widths_mm: tuple[float, ...]) -> Table:
    table = Table(rows, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(TableStyle(grid_style(1)))
    return table


def _dossier(number: int, d: CitizenDossier, s: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    cell, head = _cell_styles(s)
    heading = ParagraphStyle("cd_dossier", parent=s["body"], fontName=SERIF_BOLD, spaceBefore=4 * mm)
    facts = [
        *d.applicant,
        ("Thủ tục", d.procedure_name),
        ("Tình trạng", d.status_vn),
        ("Nhận hồ sơ", f"{d.received_at:%H:%M ngày %d/%m/%Y} ({d.channel_vn.lower()})"),
        ("Hẹn trả kết quả", f"{d.due_at:%H:%M ngày %d/%m/%Y}"),
        ("Nhận kết quả", d.collect_vn),
        ("Giấy tờ đã nộp", "; ".join(d.documents) or "—"),
    ]
    label_width = 42
    table = Table([[p(label, cell), p(value, cell)] for label, value in facts],
                  colWidths=[label_width * mm, width - label_width * mm])
    table.setStyle(TableStyle([*grid_style(0)[:1], ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
    history: list[list[Flowable]] = [[p(h, head) for h in ("Thời gian", "Bước xử lý", "Người thực hiện",
                                                          "Chi tiết")]]
    for event in d.events:
        history.append([p(event.at, cell), p(event.what, cell), p(event.actor, cell), p(event.details, cell)])
    code_style = fitted(d.code, heading, width * 0.5)
    return [
        KeepTogether([p(f"{number}. Hồ sơ {d.code}", code_style), Spacer(1, 1.5 * mm), table]),
        Spacer(1, 2 * mm),
        p("Quá trình xử lý:", s["body"]),
        Spacer(1, 1 * mm),
        _grid(history, (30, 40, 36, 74)),
    ]


def _access(data: CitizenData, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    cell, head = _cell_styles(s)
    heading = ParagraphStyle("cd_section", parent=s["body"], fontName=SERIF_BOLD, spaceBefore=5 * mm)
    story: list[Flowable] = [p("Những lần xem số CCCD, in hoặc xuất dữ liệu của các hồ sơ trên", heading),
                             Spacer(1, 1.5 * mm)]
    if not data.access:
        story.append(p("Chưa có lần nào.", s["body"]))
        return story
    rows: list[list[Flowable]] = [[p(h, head) for h in ("Thời gian", "Người thực hiện", "Việc", "Hồ sơ",
                                                       "Nội dung")]]
    for entry in data.access:
        codes = [p(code, fitted(code, cell, 44 * mm - 5)) for code in entry.codes]
        rows.append([p(f"{entry.at:%H:%M %d/%m/%Y}", cell), p(entry.actor, cell), p(entry.action_vn, cell),
                     codes, p(entry.description, cell)])
    story.append(_grid(rows, (27, 28, 24, 44, 57)))
    return story


def render_citizen_data(data: CitizenData) -> bytes:
    register_fonts()
    s = styles(BODY_SIZE)
    width = A4[0] - 2 * MARGIN
    section = ParagraphStyle("cd_section", parent=s["body"], fontName=SERIF_BOLD, spaceBefore=5 * mm)
    right = [p(MOTTO[0], s["head_bold"]), p(MOTTO[1], s["head_bold"])]
    count = len(data.dossiers)
    story: list[Flowable] = [
        agency_and_form(data.upper_body, data.unit_name, right, s, width, left_share=0.4),
        Spacer(1, 3 * mm),
        place_and_date(data.place, data.produced_at.date(), s),
        Spacer(1, 2 * mm),
        p(TITLE, s["title"]),
        p("(Cung cấp theo đề nghị của chủ thể dữ liệu, Nghị định số 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân)",
          s["center_italic"]),
        Spacer(1, 4 * mm),
        p(f"Chủ thể dữ liệu: người có số CCCD {data.id_masked} (số được che bớt khi in; cán bộ đã đối chiếu thẻ "
          "của công dân).", s["body"]),
        p(f"Số hồ sơ đang lưu: {count}." if count else
          "Bộ phận Tiếp nhận và Trả kết quả không lưu hồ sơ nào với số CCCD này.", s["body"]),
        p(f"Người lập: {data.produced_by}, lúc {data.produced_at:%H:%M ngày %d/%m/%Y}.", s["body"]),
    ]
    for number, dossier in enumerate(data.dossiers, start=1):
        story.extend(_dossier(number, dossier, s, width))
    if data.dossiers:
        story.extend(_access(data, s))
    story.extend([
        p("Bộ phận lưu những gì, vì sao, trong bao lâu", section),
        Spacer(1, 1.5 * mm),
        p(data.purpose, s["body"]),
        Spacer(1, 1.5 * mm),
    ])
    signatures = Table([[p("NGƯỜI NHẬN", s["center_bold"]), p("NGƯỜI LẬP", s["center_bold"])],
                        [p("(Ký và ghi rõ họ tên)", s["center_italic"]), p("(Ký và ghi rõ họ tên)", s["center_italic"])],
                        [Spacer(1, 18 * mm), Spacer(1, 18 * mm)]], colWidths=[width / 2, width / 2])
    signatures.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    # The last paragraph goes with the signatures: a signature block alone on a page signs nothing.
    story.append(KeepTogether([p(data.retention, s["body"]), Spacer(1, 5 * mm), signatures]))
    return numbered_pages(story, A4, MARGIN, footer=3 * mm, title="Thông tin dữ liệu cá nhân đang lưu giữ",
                          author=data.unit_name)
