"""The national exchange file (DOMAIN.md §7): a period's dossiers in the shape one-stop systems exchange, for the
provinces that take a file (``desk-app export-national --from --to --out FILE.json``).

Which dossiers: every dossier this desk's database holds (after a sync, the commune's other desks' too) that was
received in the period **or had anything happen to it in the period** (an event dated inside it), so a dossier
received last month and returned this month reaches the national system with its result dates. Each is described
**as it stood at the end of the period**: its events dated up to the period's last second, merged and folded as
everywhere else (desk_app.domain.merge), so exporting the same period again gives the same record whatever
happened since. The applicant's name, phone and e-mail are the current ones (a correction fixes a typo; the
national system should not keep the typo). A voided entry is never exported, whenever it was voided: it was a
duplicate entry, never a dossier.

Shape: ``{"MaDonVi", "TuNgay", "DenNgay", "ThoiDiemXuat", "SoLuongHoSo", "data": [record, ...]}``; a record holds
MaHoSo, MaTTHC (the procedure's national code, else ours), TenTTHC, MaLinhVuc (our field code), KenhThucHien
(1 direct, 2 online, 3 post), ChuHoSo, SoDienThoai, Email, NgayTiepNhan, NgayHenTra (the appointment in force at
the end of the period), NgayKetThucXuLy (the result was ready), NgayTra (returned to the citizen: a separate
moment), TrangThaiHoSo (desk_app.domain.lifecycle.NATIONAL_STATUS), HinhThuc (0 at the desk, 1 by post; delivery
at home counts as 1: not at the desk), DanhSachHoSoBoSung (each supplement request: NgayBoSung, NoiDungBoSung,
NgayTiepNhanBoSung, TrangThaiBoSung, NgayHenTraTruoc / NgayHenTraMoi from the resubmission) and DanhSachGiaHan (each
apology with a new date: NgayGiaHan, LyDo, NgayHenTraTruoc / NgayHenTraMoi; a list of our own, as the national
name for it is unconfirmed). Times are Vietnamese local time as ``yyyyMMddHHmmss``; a moment that has not happened
is ``null``.

The applicant's ID number is not in the file by default (DOMAIN.md §9: only what the exchange needs; §7 does not
list it). Where the province's system requires it, a leader or an administrator asks for it
(``include_id_numbers=True``, ``--include-id-numbers``): each record then carries ``SoGiayToChuHoSo`` (the field
name one-stop systems use for the owner's ID document; the national specification's name is unconfirmed), and the
audit entry of the export says so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from desk_app.domain.errors import TransitionError, ValidationError
from desk_app.domain.lifecycle import NATIONAL_STATUS, EventKind, Status
from desk_app.domain.merge import MergedState, fold_merged, merge_key
from desk_app.fileio import write_atomically
from desk_app.services import audit
from desk_app.services.accounts import require
from desk_app.services.actions import as_recorded
from desk_app.services.context import ServiceContext
from desk_app.services.settings import SettingsService
from desk_app.store.models import VN_TZ, Dossier, DossierEvent, Procedure

TIME_FORMAT = "%Y%m%d%H%M%S"  # yyyyMMddHHmmss
DATE_FORMAT = "%Y%m%d"
CHANNEL_CODES: dict[str, int] = {"direct": 1, "online": 2, "postal": 3}  # KenhThucHien
RETURN_CODES: dict[str, int] = {"desk": 0, "postal": 1, "home": 1}  # HinhThuc: 0 at the desk, 1 sent out
AUDIT_FORM = "national_exchange"
_CHUNK = 500  # dossier ids per IN (...) when reading events


def national_time(moment: dt.datetime | None) -> str | None:
    """``yyyyMMddHHmmss`` in Vietnamese local time (``None`` for a moment that has not happened)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment.astimezone(VN_TZ).strftime(TIME_FORMAT)


def _iso_time(text: str | None) -> str | None:
    return national_time(dt.datetime.fromisoformat(text)) if text else None


def _period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period's first moment and the first moment after it (both ends' days included)."""
    if start > end:
        raise ValidationError(f"Ngày bắt đầu {start:%d/%m/%Y} sau ngày kết thúc {end:%d/%m/%Y}: kiểm tra lại kỳ "
                              "cần xuất.", field="from")
    first = dt.datetime.combine(start, dt.time(), tzinfo=VN_TZ)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=VN_TZ)
    return first, after


def _candidates(session: Session, first: dt.datetime, after: dt.datetime) -> list[Dossier]:
    touched = select(DossierEvent.dossier_id).where(DossierEvent.at >= first, DossierEvent.at < after)
    received = and_(Dossier.received_at >= first, Dossier.received_at < after)
    query = select(Dossier).where(or_(received, Dossier.id.in_(touched))).order_by(Dossier.received_at, Dossier.code)
    return list(session.scalars(query))


def _events_by_dossier(session: Session, ids: Sequence[int]) -> dict[int, list[DossierEvent]]:
    """Each dossier's events in the merged order every place uses (as actions.recorded_events gives them), read in
    a few queries rather than one per dossier."""
    grouped: dict[int, list[DossierEvent]] = defaultdict(list)
    for index in range(0, len(ids), _CHUNK):
        chunk = ids[index:index + _CHUNK]
        for row in session.scalars(select(DossierEvent).where(DossierEvent.dossier_id.in_(chunk))):
            grouped[row.dossier_id].append(row)
    for rows in grouped.values():
        rows.sort(key=lambda r: merge_key(as_recorded(r)))
    return grouped


def _merged(rows: Iterable[DossierEvent]) -> MergedState:
    return fold_merged(as_recorded(r) for r in rows)


def _applied(merged: MergedState, by_uuid: dict[str, DossierEvent]) -> list[DossierEvent]:
    """The events the fold applied (one another desk wrote that the lifecycle refused is not history)."""
    return [by_uuid[r.uuid] for r in merged.applied if r.uuid in by_uuid]


def _supplements(events: Sequence[DossierEvent]) -> list[dict[str, Any]]:
    history: list[dict[str, Any]] = []
    for event in events:
        if event.kind == EventKind.SUPPLEMENT_REQUESTED.value:
            items = event.payload.get("items") or []
            reason = event.payload.get("reason")
            content = "; ".join(items) + (f". Lý do: {reason}" if reason else "")
            history.append({"HoSoBoSungId": len(history) + 1, "NgayBoSung": national_time(event.at),
                            "NoiDungBoSung": content, "NgayTiepNhanBoSung": None, "TrangThaiBoSung": False,
                            "NgayHenTraTruoc": None, "NgayHenTraMoi": None})
        elif event.kind == EventKind.RESUBMITTED.value and history:
            entry = history[-1]
            entry.update(NgayTiepNhanBoSung=national_time(event.at), TrangThaiBoSung=True,
                         NgayHenTraTruoc=_iso_time(event.payload.get("previous_due_at")),
                         NgayHenTraMoi=_iso_time(event.payload.get("due_at")))
    return history


def _reschedules(events: Sequence[DossierEvent]) -> list[dict[str, Any]]:
    return [{"NgayGiaHan": national_time(e.at), "LyDo": e.payload.get("reason"),
             "NgayHenTraTruoc": _iso_time(e.payload.get("previous_due_at")),
             "NgayHenTraMoi": _iso_time(e.payload.get("due_at"))}
            for e in events if e.kind == EventKind.RESCHEDULED.value]


def _record(dossier: Dossier, merged: MergedState, events: Sequence[DossierEvent],
            national_codes: dict[str, str | None], include_id_numbers: bool = False) -> dict[str, Any]:
    state = merged.state
    identity = {"SoGiayToChuHoSo": dossier.id_number} if include_id_numbers else {}
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": national_codes.get(dossier.procedure_code) or dossier.procedure_code,
        "TenTTHC": dossier.procedure_name,
        "MaLinhVuc": dossier.field_code,
        "KenhThucHien": CHANNEL_CODES[dossier.channel],
        "ChuHoSo": dossier.applicant_name,
        "SoDienThoai": dossier.phone,
        "Email": dossier.email,
        **identity,
        "NgayTiepNhan": national_time(state.received_at),
        "NgayHenTra": national_time(state.due_at),
        "NgayKetThucXuLy": national_time(state.result_ready_at),
        "NgayTra": national_time(state.returned_at),
        "TrangThaiHoSo": NATIONAL_STATUS[state.status],
        "HinhThuc": RETURN_CODES[dossier.return_method],
        "DanhSachHoSoBoSung": _supplements(events),
        "DanhSachGiaHan": _reschedules(events),
    }


def _records(session: Session, first: dt.datetime, after: dt.datetime,
             include_id_numbers: bool = False) -> list[dict[str, Any]]:
    dossiers = _candidates(session, first, after)
    events = _events_by_dossier(session, [d.id for d in dossiers])
    national_codes = {code: national for code, national in session.execute(select(Procedure.code,
                                                                                   Procedure.national_code))}
    records = []
    for dossier in dossiers:
        rows = events.get(dossier.id, [])
        in_period = [r for r in rows if r.at < after]
        try:
            if _merged(rows).state.status is Status.VOIDED:
                continue  # a duplicate entry, voided: never a dossier (whenever the void was recorded)
            merged = _merged(in_period)
        except TransitionError:
            continue  # no receipt here (yet): nothing to describe
        by_uuid = {r.uuid: r for r in in_period}
        records.append(_record(dossier, merged, _applied(merged, by_uuid), national_codes, include_id_numbers))
    return records


EXPORTING = "xuất dữ liệu hồ sơ cho hệ thống quốc gia"


def _may_include_id_numbers(ctx: ServiceContext, include_id_numbers: bool) -> None:
    """Every citizen's name and phone of the period leave through these records: an administrator's or a leader's
    business, whichever function builds them; the ID numbers on top of that only when asked."""
    require(ctx, "admin", "leader", doing=EXPORTING)
    if include_id_numbers:
        require(ctx, "admin", "leader", doing="đưa số CCCD của công dân vào tệp xuất")


def national_records(ctx: ServiceContext, start: dt.date, end: dt.date, *,
                     include_id_numbers: bool = False) -> list[dict[str, Any]]:
    """The dossiers of the period (``start`` and ``end`` days included) in the national exchange shape; the
    applicant's ID number (``SoGiayToChuHoSo``) only when a leader or an administrator asks for it."""
    _may_include_id_numbers(ctx, include_id_numbers)
    first, after = _period_bounds(start, end)
    with ctx.read() as session:
        return _records(session, first, after, include_id_numbers)


def national_document(ctx: ServiceContext, start: dt.date, end: dt.date, *,
                      include_id_numbers: bool = False) -> dict[str, Any]:
    """The whole file's content: the envelope (unit, period, when made) and the records."""
    _may_include_id_numbers(ctx, include_id_numbers)
    first, after = _period_bounds(start, end)
    with ctx.read() as session:
        agency = SettingsService(session).get("agency_code")
        records = _records(session, first, after, include_id_numbers)
    return {"MaDonVi": agency, "TuNgay": start.strftime(DATE_FORMAT), "DenNgay": end.strftime(DATE_FORMAT),
            "ThoiDiemXuat": national_time(ctx.clock.now()), "SoLuongHoSo": len(records), "data": records}


def write_national(ctx: ServiceContext, start: dt.date, end: dt.date, path: Path, *,
                   include_id_numbers: bool = False) -> int:
    """Write the period's national exchange file (UTF-8 JSON, atomically) and audit the export; returns how many
    dossiers it holds. Personal data leaves the desk: only an administrator or a leader may do it. The ID numbers
    stay out unless ``include_id_numbers`` (recorded in the audit entry)."""
    require(ctx, "admin", "leader", doing=EXPORTING)
    path = Path(path)
    if path.suffix.lower() != ".json":
        raise ValidationError(f"Tệp trao đổi quốc gia phải có đuôi .json (đã cho: '{path.name}').", field="out")
    if not path.parent.is_dir():
        raise ValidationError(f"Không có thư mục '{path.parent}' để lưu tệp; hãy tạo thư mục hoặc chọn nơi khác.",
                              field="out")
    document = national_document(ctx, start, end, include_id_numbers=include_id_numbers)
    data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    try:
        write_atomically(path, data)
    except OSError as error:
        raise ValidationError(f"Không ghi được tệp '{path}': {error.strerror or error}. Kiểm tra quyền ghi và chỗ "
                              "trống trên đĩa.", field="out") from error
    with ctx.write() as (session, now):
        audit.record(session, at=now, actor=ctx.actor, action="export", target=None,
                     detail={"form": AUDIT_FORM, "format": "json", "from": start.isoformat(), "to": end.isoformat(),
                             "dossiers": document["SoLuongHoSo"],
                             **({"include_id_numbers": True} if include_id_numbers else {})})
    return int(document["SoLuongHoSo"])
