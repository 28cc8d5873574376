"""A citizen's request to see everything the desk holds on them (Decree 13/2023/NĐ-CP art. 9 and 14, the right of
access; Law 91/2025 from 01/01/2026).

Who: the clerk at the counter handles it (the citizen comes to the counter, as for any procedure), as do the leader
and the administrator. The clerk types the citizen's ID number **in full** (a masked number finds nothing), after
checking the citizen's card; the request is audited in the same transaction (who, when, which dossiers; never the
number typed). What it holds: every dossier with that ID number, the applicant's details as recorded, the documents
handed in, each dossier's history in Vietnamese, and who revealed the ID number of, printed or exported each
dossier, and when. Satisfaction ratings are anonymous by design (DOMAIN.md §8): the desk cannot link one to the
citizen, and the document says so.

The printed document shows the ID number masked too: the citizen knows it, and a lost sheet must not spell it out.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.documents.citizen_data import AccessRecord, CitizenData, CitizenDossier, CitizenEvent
from desk_app.domain.errors import ValidationError
from desk_app.domain.lifecycle import STATUS_VN, Status
from desk_app.domain.validation import Sex, mask_id_number, validate_id_number
from desk_app.services.accounts import require
from desk_app.services.actions import recorded_events
from desk_app.services.audit import ACTIONS, record
from desk_app.services.audit_log import describe
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_view import FIELD_VN, timeline
from desk_app.services.intake import CHANNELS, RETURN_METHODS
from desk_app.services.print_jobs import PrintJob
from desk_app.services.queries import dossier_detail
from desk_app.services.settings import SettingsService
from desk_app.store.models import VN_TZ, AuditRecord, Dossier, DossierEvent, Procedure
from desk_app.store.models import User as UserRow

AUDIT_FORM = "citizen_data"
_DOING = "cung cấp dữ liệu cá nhân cho công dân"
# Prints and exports that name no single dossier but list the dossiers of a day or a period.
_PERIOD_FORMS = ("ledger", "handover", "fee_list", "national_exchange")

PURPOSE_VN = (
    "Bộ phận Tiếp nhận và Trả kết quả ghi các thông tin trên để tiếp nhận, giải quyết và trả kết quả thủ tục hành "
    "chính mà công dân yêu cầu, lập sổ theo dõi hồ sơ và báo cáo theo quy định (Nghị định 13/2023/NĐ-CP: xử lý dữ "
    "liệu cá nhân để thực hiện nhiệm vụ của cơ quan nhà nước). Dữ liệu được lưu trên máy của bộ phận một cửa và máy "
    "chủ của cấp trên, không chuyển cho bên nào khác. Mỗi lần xem đầy đủ số CCCD, in hoặc xuất giấy tờ có dữ liệu "
    "cá nhân đều được ghi vào nhật ký kiểm tra. Phiếu đánh giá mức độ hài lòng được lưu ẩn danh, không gắn với hồ "
    "sơ hay công dân, nên không có trong bản này. Công dân có quyền đề nghị sửa thông tin sai (cán bộ ghi sự kiện "
    "sửa thông tin vào lịch sử hồ sơ)."
)


def _who(session: Session, actor: str) -> str:
    user = session.scalar(select(UserRow).where(UserRow.username == actor))
    return f"{user.full_name} ({actor})" if user is not None else actor


def _sex(value: str | None) -> str:
    try:
        return Sex(value).label_vi if value else ""
    except ValueError:
        return value or ""


def _applicant(d: Dossier) -> tuple[tuple[str, str], ...]:
    values = {
        "name": d.applicant_name,
        "id_number": mask_id_number(d.id_number) if d.id_number else "",
        "birth_date": f"{d.birth_date:%d/%m/%Y}" if d.birth_date else "",
        "sex": _sex(d.sex),
        "phone": d.phone or "",
        "email": d.email or "",
        "address": d.address or "",
        "return_address": d.return_address or "",
    }
    return tuple((FIELD_VN[key], value) for key, value in values.items() if value)


def _dossier(session: Session, d: Dossier, settings: dict[str, str]) -> CitizenDossier:
    shown = dossier_detail(d, recorded_events(session, d))  # the events' payloads with the ID number masked
    rows = timeline(shown["events"], d.components, local_desk=int(settings.get("desk") or 0),
                    upper_level=settings.get("upper_level_name") or "Cấp trên")
    collect = "Tại Bộ phận Tiếp nhận và Trả kết quả" if d.return_method == "desk" else \
        f"{RETURN_METHODS.get(d.return_method, d.return_method)}: {d.return_address or ''}"
    documents = tuple(f"{doc['name']} (bản chính {doc.get('originals', 0)}, bản sao {doc.get('copies', 0)})"
                      for doc in d.documents)
    return CitizenDossier(
        d.code, d.procedure_name, STATUS_VN[Status(d.status)], d.received_at, d.due_at,
        CHANNELS.get(d.channel, d.channel), collect, _applicant(d), documents,
        tuple(CitizenEvent(r["at"], r["what"], r["actor"], r["details"]) for r in rows))


def _covers(record_: AuditRecord, dossiers: list[Dossier], events: dict[int, list[dt.datetime]],
            transfers: dict[int, list[dt.date]]) -> tuple[str, ...]:
    """The citizen's dossiers a print or export of a day or a period listed."""
    detail = record_.detail if isinstance(record_.detail, dict) else {}
    form = detail.get("form")
    try:
        if "day" in detail:
            first = last = dt.date.fromisoformat(str(detail["day"]))
        else:
            first, last = dt.date.fromisoformat(str(detail["from"])), dt.date.fromisoformat(str(detail["to"]))
    except (KeyError, ValueError):
        return ()
    codes = []
    for d in dossiers:
        if form == "ledger":
            hit = first <= d.received_at.date() <= last
        elif form == "fee_list":
            hit = d.received_at.date() == first and (d.fee_due > 0 or d.fee_exemption is not None)
        elif form == "handover":
            hit = first in transfers.get(d.id, [])
        else:  # the national exchange: received in the period, or anything happened to it in the period
            hit = first <= d.received_at.date() <= last or any(first <= at.date() <= last for at in events[d.id])
        if hit:
            codes.append(d.code)
    return tuple(codes)


def _access(session: Session, dossiers: list[Dossier]) -> tuple[AccessRecord, ...]:
    if not dossiers:
        return ()
    codes = [d.code for d in dossiers]
    earliest = min(d.received_at for d in dossiers)
    found: list[AccessRecord] = []
    named = session.scalars(select(AuditRecord).where(AuditRecord.target.in_(codes),
                                                      AuditRecord.action.in_(("reveal_id", "print", "export")))
                            .order_by(AuditRecord.at, AuditRecord.id))
    for r in named:
        found.append(AccessRecord(r.at, r.actor, ACTIONS[r.action], (r.target or "",),
                                  describe(r.action, None, r.detail or {})))
    events: dict[int, list[dt.datetime]] = {d.id: [] for d in dossiers}
    transfers: dict[int, list[dt.date]] = {d.id: [] for d in dossiers}
    for dossier_id, kind, at in session.execute(select(DossierEvent.dossier_id, DossierEvent.kind, DossierEvent.at)
                                                .where(DossierEvent.dossier_id.in_(list(events)))):
        events[dossier_id].append(at)
        if kind == "transferred":
            transfers[dossier_id].append(at.date())
    listed = session.scalars(select(AuditRecord).where(AuditRecord.at >= earliest, AuditRecord.target.is_(None),
                                                       AuditRecord.action.in_(("print", "export")))
                             .order_by(AuditRecord.at, AuditRecord.id))
    for r in listed:
        detail = r.detail if isinstance(r.detail, dict) else {}
        if detail.get("form") not in _PERIOD_FORMS:
            continue
        if covered := _covers(r, dossiers, events, transfers):
            found.append(AccessRecord(r.at, r.actor, ACTIONS[r.action], covered, describe(r.action, None, detail)))
    earlier = session.scalars(select(AuditRecord).where(AuditRecord.action == "citizen_data",
                                                        AuditRecord.at >= earliest))
    for r in earlier:
        mine = tuple(code for code in (r.target or "").split(", ") if code in codes)
        if mine:
            found.append(AccessRecord(r.at, r.actor, ACTIONS[r.action], mine, "Công dân đề nghị cung cấp dữ liệu"))
    found.sort(key=lambda a: a.at)
    return tuple(found)


def _retention(session: Session, settings: dict[str, str]) -> str:
    """How long the desk keeps personal data, in words, from the retention setting where there is one."""
    base = ("Hồ sơ và lịch sử xử lý được lưu theo quy định về lưu trữ hồ sơ thủ tục hành chính; sổ hộ tịch được lưu "
            "vĩnh viễn theo Luật Hộ tịch.")
    text = settings.get("personal_data_retention", "").strip()
    if not text:
        return base + " Đơn vị chưa đặt thời hạn xóa dữ liệu cá nhân cho lĩnh vực nào: dữ liệu được giữ lâu dài."
    try:
        from desk_app.domain.retention import parse_retention

        rules = parse_retention(text)
    except Exception:  # noqa: BLE001 — a setting this module cannot read is shown as written
        return base + f" Thời hạn lưu dữ liệu cá nhân theo lĩnh vực (số năm sau khi hồ sơ kết thúc): {text}."
    names = dict(session.execute(select(Procedure.field_code, Procedure.field_name)).all())
    parts = [f"{names.get(code, code)}: {'lưu lâu dài' if years == 0 else f'{years} năm sau khi hồ sơ kết thúc'}"
             for code, years in sorted(rules.items())]
    return (base + " Sau thời hạn dưới đây, số giấy tờ, ngày sinh, giới tính, điện thoại, email và địa chỉ được xóa "
            "khỏi máy (họ tên còn lại trong sổ theo dõi): " + "; ".join(parts) + ".")


def citizen_data(ctx: ServiceContext, id_number: str) -> CitizenData:
    """Everything held on the citizen with this ID number (typed in full); the request is audited."""
    require(ctx, "clerk", "leader", "admin", doing=_DOING)
    if "*" in id_number:
        raise ValidationError("Nhập đầy đủ số CCCD in trên thẻ của công dân; số đã che (có dấu *) không dùng được.",
                              field="id_number")
    number = validate_id_number(id_number).value  # a masked or partial number is refused here, at the field
    from desk_app.services.documents import place_of

    with ctx.write() as (session, now):
        settings = SettingsService(session).all()
        found = list(session.scalars(select(Dossier).where(Dossier.id_number == number)
                                     .order_by(Dossier.received_at, Dossier.id)))
        data = CitizenData(
            id_masked=mask_id_number(number), unit_name=settings["commune_name"],
            upper_body=settings["upper_level_name"], place=place_of(settings["commune_name"]),
            produced_at=now.astimezone(VN_TZ), produced_by=_who(session, ctx.actor),
            dossiers=tuple(_dossier(session, d, settings) for d in found), access=_access(session, found),
            purpose=PURPOSE_VN, retention=_retention(session, settings))
        record(session, at=now, actor=ctx.actor, action="citizen_data",
               target=", ".join(d.code for d in found) or None,
               detail={"form": AUDIT_FORM, "dossiers": len(found)})
    return data


def citizen_data_job(ctx: ServiceContext, id_number: str) -> PrintJob:
    """The citizen's data as a PDF to preview, print or save (the request audited once, by ``citizen_data``)."""
    from desk_app.documents.citizen_data import render_citizen_data

    data = citizen_data(ctx, id_number)
    stamp = f"{data.produced_at:%Y%m%d-%H%M}"
    return PrintJob(f"Dữ liệu cá nhân của công dân (CCCD {data.id_masked})", f"du-lieu-ca-nhan-{stamp}.pdf",
                    render_citizen_data(data))
