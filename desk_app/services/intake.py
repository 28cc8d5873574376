"""Receiving a dossier (tiếp nhận hồ sơ): one procedure, or a bundle such as "3 trong 1", as one dossier.

One transaction: validate everything, issue the code from the desk's block and the ledger entry, compute the
appointment, write the dossier row and its ``received`` event. Nothing is written if anything is refused.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.codes import LedgerEntry, format_dossier_code, next_ledger_entry, next_sequence
from desk_app.domain.deadlines import Appointment, TimeLimit
from desk_app.domain.errors import NotFoundError, ValidationError
from desk_app.domain.lifecycle import Event, EventKind, apply
from desk_app.domain.validation import ADDRESS_MAX_LENGTH, clean_text
from desk_app.services.actions import projection
from desk_app.services.applicant import Applicant, applicant_columns, check_applicant, search_text
from desk_app.services.catalog import fee_rule_of, get_procedure, time_limit_of
from desk_app.services.context import ServiceContext, action_time
from desk_app.services.returning import latest_address, same_address
from desk_app.services.rules import DeskRules, load_rules
from desk_app.services.settings import SettingsService, ledger_start_for
from desk_app.store.counters import code_counter, last_value, ledger_counter, store_value
from desk_app.store.events import append_event
from desk_app.store.models import Dossier, Procedure

CHANNELS = {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Qua bưu chính"}
RETURN_METHODS = {"desk": "Tại Bộ phận Một cửa", "postal": "Qua bưu chính công ích", "home": "Tại nhà"}
EXEMPTIONS = {
    "merit": "Gia đình người có công với cách mạng",
    "poor": "Hộ nghèo",
    "disability": "Người khuyết tật",
}
# Unambiguous letters and digits (no 0/O, 1/I/L): the key is read off paper and typed on a phone.
LOOKUP_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LOOKUP_LENGTH = 8
MAX_DOCUMENT_COUNT = 99


@dataclass(frozen=True)
class ReceiveRequest:
    procedure: str
    applicant: dict[str, Any]
    received_at: dt.datetime | None = None
    channel: str = "direct"
    copies: int = 1
    documents: list[dict[str, Any]] | None = None
    return_method: str = "desk"
    return_address: str | None = None
    fee_exemption: str | None = None
    variant: str | None = None  # a catalog variant with its own time limit, e.g. "verification" (cần xác minh)
    quantity: int = 1  # pages of each copy, or copies asked for, when the fee is counted so


@dataclass(frozen=True)
class Receipt:
    code: str
    lookup_key: str
    received_at: dt.datetime
    due_at: dt.datetime
    explanation: str
    ledger_book: str
    ledger_number: int
    fee_due: int
    warnings: list[str] = field(default_factory=list)


def _optional_text(value: Any, field_name: str, label: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label} phải là chữ.", field=field_name)
    return clean_text(value, field=field_name, label=label, max_length=ADDRESS_MAX_LENGTH) or None


def _choice(value: Any, options: dict[str, str], field_name: str, label: str) -> str:
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(f"{k} ({v})" for k, v in options.items())
        raise ValidationError(f"{label} '{value}' không hợp lệ. Chọn một trong: {listed}.", field=field_name)
    return value


def _documents(given: list[dict[str, Any]] | None, procedure: Procedure) -> list[dict[str, Any]]:
    if given is None:
        return [dict(d) for d in procedure.documents]
    if not isinstance(given, list):
        raise ValidationError("Thành phần hồ sơ phải là một danh sách giấy tờ.", field="documents")
    documents = []
    for index, item in enumerate(given, start=1):
        if not isinstance(item, dict):
            raise ValidationError(f"Giấy tờ thứ {index} phải có dạng {{\"name\": ..., \"originals\": ..., "
                                  "\"copies\": ...}.", field="documents")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(f"Giấy tờ thứ {index} chưa có tên.", field="documents")
        name = clean_text(name, field="documents", label=f"Tên giấy tờ thứ {index}", max_length=ADDRESS_MAX_LENGTH)
        originals, copies = item.get("originals", 0), item.get("copies", 0)
        if any(isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DOCUMENT_COUNT
               for n in (originals, copies)):
            raise ValidationError(f"Giấy tờ '{name}': số bản chính, bản sao là số nguyên từ 0 đến "
                                  f"{MAX_DOCUMENT_COUNT}.", field="documents")
        if originals + copies == 0:
            raise ValidationError(f"Giấy tờ '{name}': cần ít nhất một bản chính hoặc bản sao.", field="documents")
        documents.append({"name": name, "originals": originals, "copies": copies})
    if not documents:
        raise ValidationError("Hồ sơ phải có ít nhất một giấy tờ.", field="documents")
    return documents


def _fee(procedure: Procedure, copies: int, quantity: Any, exemption: str | None) -> tuple[int, str | None]:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError("Số lượng (trang hoặc bản) phải là số nguyên.", field="quantity")
    due = fee_rule_of(procedure).due(quantity=quantity, sets=copies)  # checks the quantity even when exempt
    if not exemption:
        return due, None
    if not procedure.fee_exemptable:
        raise ValidationError(
            f"Thủ tục '{procedure.name}' không thuộc diện miễn lệ phí theo đối tượng.", field="fee_exemption"
        )
    return 0, EXEMPTIONS.get(exemption, exemption)


def components_of(procedure: Procedure, parts: Mapping[str, Procedure], received_at: dt.datetime,
                  rules: DeskRules) -> list[dict[str, str]]:
    """The dossier's components: the procedure itself, or each part of a bundle ("3 trong 1") with its resolving
    body, its own time limit and its own due date (the bundle's due date is the bundle's limit, the longest)."""
    if not procedure.components:
        return [{"procedure": procedure.code, "name": procedure.name, "resolving_body": procedure.resolving_body}]
    result = []
    for component in procedure.components:
        part = parts.get(component["procedure"])
        if part is None:
            raise NotFoundError(f"Danh mục thiếu thủ tục thành phần '{component['procedure']}' của "
                                f"'{procedure.name}'.", field="procedure")
        limit = time_limit_of(part)
        result.append({"procedure": part.code, "name": part.name, "resolving_body": component["resolving_body"],
                       "time_limit": str(limit), "due_at": rules.appointment(limit, received_at).due_at.isoformat()})
    return result


def _lookup_key(session: Session) -> str:
    while True:
        key = "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_LENGTH))
        if session.scalar(select(Dossier.id).where(Dossier.lookup_key == key)) is None:
            return key


def _address_changed_since(session: Session, applicant: Applicant) -> str | None:
    """A returning citizen who gives another address than last time (a new card, a move): the code of the dossier
    that holds the old address, recorded in the received event as the change; the old address is not copied."""
    if applicant.id_number is None or applicant.address is None:
        return None
    latest = latest_address(session, applicant.id_number)
    if latest is None or same_address(latest[1], applicant.address):
        return None
    return latest[0]


def receive(ctx: ServiceContext, request: ReceiveRequest) -> Receipt:
    with ctx.write() as (session, now):
        settings = SettingsService(session).all()
        procedure = get_procedure(session, request.procedure)
        if not procedure.active:
            raise ValidationError(f"Thủ tục '{procedure.name}' đã ngừng áp dụng.", field="procedure")
        applicant, warnings = check_applicant(dict(request.applicant), today=now.date())
        received_at = action_time(request.received_at, now, field="received_at")
        oldest = now - dt.timedelta(days=int(settings["max_backdate_days"]))
        if received_at < oldest or received_at.year < 2000:
            raise ValidationError(
                f"Thời điểm nhận {received_at:%d/%m/%Y} sớm hơn {settings['max_backdate_days']} ngày trước: kiểm "
                "tra lại năm. Nếu thật sự cần ghi hồ sơ cũ, quản trị viên nới giới hạn bằng "
                "'desk-app settings set max_backdate_days N'.", field="received_at")
        channel = _choice(request.channel, CHANNELS, "channel", "Kênh nộp")
        return_method = _choice(request.return_method, RETURN_METHODS, "return_method", "Hình thức nhận kết quả")
        return_address = _optional_text(request.return_address, "return_address", "Địa chỉ nhận kết quả")
        if return_method != "desk":
            return_address = return_address or applicant.address
            if not return_address:
                raise ValidationError("Nhận kết quả qua bưu chính hoặc tại nhà thì cần địa chỉ nhận.",
                                      field="return_address")
        if isinstance(request.copies, bool) or not isinstance(request.copies, int) or not 1 <= request.copies <= 50:
            raise ValidationError("Số lượng hồ sơ (bộ) phải từ 1 đến 50.", field="copies")
        documents = _documents(request.documents, procedure)
        fee_due, exemption = _fee(procedure, request.copies, request.quantity,
                                  _optional_text(request.fee_exemption, "fee_exemption", "Lý do miễn lệ phí"))
        variant = _optional_text(request.variant, "variant", "Trường hợp")
        limit = time_limit_of(procedure, variant)

        rules = load_rules(session)
        parts = {c["procedure"]: get_procedure(session, c["procedure"]) for c in procedure.components}
        components = components_of(procedure, parts, received_at, rules)
        appointment = rules.appointment(limit, received_at)
        if channel == "direct" and not rules.calendar.is_reception_open(received_at):
            warnings.append(f"Nhận ngoài giờ tiếp nhận ({received_at:%H:%M %d/%m/%Y}); thời hạn tính từ "
                            f"{appointment.counted_from:%H:%M %d/%m/%Y}.")

        desk, agency = int(settings["desk"]), settings["agency_code"]
        if not agency:
            raise ValidationError("Chưa thiết lập mã cơ quan tiếp nhận, nên chưa cấp được mã hồ sơ. Quản trị viên "
                                  "chạy: desk-app init --agency-code 000.xx.yy.H20 (mã theo QCVN 102:2016).",
                                  field="agency_code")
        day_key = f"{received_at:%y%m%d}"
        sequence = next_sequence(desk, last_value(session, code_counter(desk, day_key)))
        store_value(session, code_counter(desk, day_key), sequence)
        code = format_dossier_code(agency, received_at.date(), sequence)
        ledger_name = ledger_counter(desk, received_at.year)
        ledger = next_ledger_entry(received_at.year, desk, last_value(session, ledger_name),
                                   ledger_start_for(settings["ledger_start"], received_at.year))
        store_value(session, ledger_name, ledger.number)

        columns, payload = received_record(
            code=code, lookup_key=_lookup_key(session), desk=desk, procedure=procedure, applicant=applicant,
            documents=documents, copies=request.copies, channel=channel, return_method=return_method,
            return_address=return_address, fee_due=fee_due, exemption=exemption, limit=limit,
            received_at=received_at, appointment=appointment, components=components, ledger=ledger,
        )
        payload.update(variant=variant, quantity=request.quantity)
        changed_since = _address_changed_since(session, applicant)
        if changed_since is not None:
            payload["address_changed_since"] = changed_since
        dossier = Dossier(**columns)
        session.add(dossier)
        session.flush()
        append_event(session, dossier=dossier, desk=desk, kind=EventKind.RECEIVED.value, at=received_at,
                     recorded_at=now, actor=ctx.actor, payload=payload)
        return Receipt(
            code=code,
            lookup_key=dossier.lookup_key,
            received_at=received_at,
            due_at=appointment.due_at,
            explanation=appointment.explanation,
            ledger_book=ledger.book,
            ledger_number=ledger.number,
            fee_due=fee_due,
            warnings=warnings,
        )



def received_record(
    *,
    code: str,
    lookup_key: str,
    desk: int,
    procedure: Procedure,
    applicant: Applicant,
    documents: list[dict[str, Any]],
    copies: int,
    channel: str,
    return_method: str,
    return_address: str | None,
    fee_due: int,
    exemption: str | None,
    limit: TimeLimit,
    received_at: dt.datetime,
    appointment: Appointment,
    components: list[dict[str, str]],
    ledger: LedgerEntry,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The new dossier row's columns and its ``received`` event's payload, which say the same thing."""
    columns = dict(
        code=code,
        lookup_key=lookup_key,
        desk=desk,
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        field_code=procedure.field_code,
        search_folded=search_text(applicant, procedure.name),
        documents=documents,
        copies=copies,
        channel=channel,
        return_method=return_method,
        return_address=return_address,
        fee_due=fee_due,
        fee_exemption=exemption,
        fee_paid=False,
        time_limit=str(limit),
        received_at=received_at,
        ledger_year=ledger.year,
        ledger_desk=ledger.desk,
        ledger_number=ledger.number,
        last_event_seq=0,
        **applicant_columns(applicant),
    )
    payload = {
        "procedure": procedure.code,
        "procedure_name": procedure.name,
        "field": procedure.field_code,
        "inter_level": procedure.inter_level,
        "applicant": applicant.as_dict(),
        "documents": documents,
        "copies": copies,
        "channel": channel,
        "return_method": return_method,
        "return_address": return_address,
        "fee_due": fee_due,
        "fee_exemption": exemption,
        "time_limit": str(limit),
        "counted_from": appointment.counted_from.isoformat(),
        "due_at": appointment.due_at.isoformat(),
        "components": components,
        "lookup_key": lookup_key,
        "ledger": {"year": ledger.year, "desk": ledger.desk, "number": ledger.number},
    }
    # The lifecycle columns are the projection of the received event itself, as for every later event.
    columns.update(projection(apply(None, Event(EventKind.RECEIVED, received_at, payload))))
    return columns, payload
