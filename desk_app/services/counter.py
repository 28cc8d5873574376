"""What the intake screen asks while the clerk types: procedures to pick, a procedure's checklist, the live
appointment and fee, and the documents given at the counter without receiving (Mẫu 02 when papers are missing,
Mẫu 03 when the dossier is refused there and then).

The appointment and the fee shown before saving come from the same rules ``receive`` applies, so what the citizen
is told at the counter is what the slip prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from desk_app.domain.deadlines import TimeUnit
from desk_app.domain.errors import ValidationError
from desk_app.domain.lifecycle import EventKind
from desk_app.domain.validation import nfc
from desk_app.services.applicant import check_applicant
from desk_app.services.audit import record
from desk_app.services.catalog import fee_rule_of, get_procedure, search_procedures, time_limit_of
from desk_app.services.clock import local
from desk_app.services.context import ServiceContext
from desk_app.services.intake import EXEMPTIONS, _fee
from desk_app.services.print_jobs import PrintJob
from desk_app.services.rules import load_rules
from desk_app.services.settings import WEEKDAYS, SettingsService
from desk_app.store.models import Dossier, DossierEvent, Procedure

RECENT_LOOKBACK = 400  # the clerk's last receipts looked at for "recently used"


@dataclass(frozen=True)
class ProcedureChoice:
    code: str
    name: str
    field_name: str
    time_limit: str  # "Trong ngày", "3 ngày làm việc"
    is_bundle: bool


@dataclass(frozen=True)
class ChecklistItem:
    name: str
    originals: int
    copies: int
    optional: bool = False  # "(nếu có)": only some citizens have it; not ticked until handed in


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    time_limit: str


@dataclass(frozen=True)
class ProcedureForm:
    code: str
    name: str
    field_name: str
    time_limit: str
    time_note: str
    documents: tuple[ChecklistItem, ...]
    components: tuple[str, ...]  # "Đăng ký khai tử — Công chức Tư pháp - Hộ tịch (Trong ngày)" for bundles
    variants: tuple[Variant, ...]
    fee_note: str
    fee_exemptable: bool
    quantity_label: str | None  # "Số trang mỗi bản" when the fee is counted, else None
    same_day: bool


@dataclass(frozen=True)
class Quote:
    received_at: dt.datetime
    due_at: dt.datetime
    explanation: str  # "Trong ngày — nhận sau 15:00 nên hẹn ngày làm việc tiếp theo"
    fee_due: int
    fee_text: str  # "Miễn lệ phí (Hộ nghèo)", "8.000 đồng", "Không thu"
    on_spot: bool  # a no-appointment day and a same-day procedure: resolved at once, no slip unless asked
    warnings: tuple[str, ...]


def _choice(procedure: Procedure) -> ProcedureChoice:
    return ProcedureChoice(procedure.code, procedure.name, procedure.field_name,
                           time_limit_of(procedure).describe(), bool(procedure.components))


def procedure_choices(ctx: ServiceContext, text: str = "") -> list[ProcedureChoice]:
    """Active procedures whose name, code or field holds every typed word, accents ignored."""
    with ctx.read() as session:
        return [_choice(p) for p in search_procedures(session, text)]


def recent_procedures(ctx: ServiceContext, limit: int = 9) -> list[ProcedureChoice]:
    """The procedures this clerk received most often lately, most used first (ties: most recent first)."""
    with ctx.read() as session:
        recent = (
            select(Dossier.procedure_code.label("code"), DossierEvent.id.label("event_id"))
            .join(Dossier, Dossier.id == DossierEvent.dossier_id)
            .where(DossierEvent.kind == EventKind.RECEIVED.value, DossierEvent.actor == ctx.actor)
            .order_by(DossierEvent.id.desc())
            .limit(RECENT_LOOKBACK)
            .subquery()
        )
        ranked = session.execute(
            select(recent.c.code).group_by(recent.c.code)
            .order_by(func.count().desc(), func.max(recent.c.event_id).desc()).limit(limit)
        ).scalars().all()
        procedures = {p.code: p for p in session.scalars(select(Procedure).where(
            Procedure.code.in_(ranked), Procedure.active.is_(True)))}
        return [_choice(procedures[code]) for code in ranked if code in procedures]


def procedure_form(ctx: ServiceContext, code: str) -> ProcedureForm:
    with ctx.read() as session:
        procedure = get_procedure(session, code)
        components = []
        for component in procedure.components:
            part = get_procedure(session, component["procedure"])
            components.append(f"{part.name} — {component['resolving_body']} ({time_limit_of(part).describe()})")
        limit = time_limit_of(procedure)
        return ProcedureForm(
            code=procedure.code,
            name=procedure.name,
            field_name=procedure.field_name,
            time_limit=limit.describe(),
            time_note=procedure.time_note,
            documents=tuple(ChecklistItem(d["name"], d["originals"], d["copies"], is_optional(d["name"]))
                            for d in procedure.documents),
            components=tuple(components),
            variants=tuple(Variant(v["key"], v["label"], time_limit_of(procedure, v["key"]).describe())
                           for v in procedure.variants),
            fee_note=procedure.fee_note,
            fee_exemptable=procedure.fee_exemptable,
            quantity_label=fee_rule_of(procedure).quantity_label(),
            same_day=limit.unit is TimeUnit.SAME_DAY,
        )


def money_text(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def is_no_appointment_day(setting: str, day: dt.date) -> bool:
    names = {WEEKDAYS[d] for d in setting.split(",") if d}
    return day.isoweekday() in names


def quote(ctx: ServiceContext, code: str, *, variant: str | None = None, copies: int = 1, quantity: int = 1,
          exemption: str | None = None, at: dt.datetime | None = None) -> Quote:
    """The appointment and fee the citizen would get if received now (or at ``at``), with the rule explained."""
    with ctx.read() as session:
        now = ctx.clock.now()
        received_at = local(at).replace(microsecond=0) if at else now.replace(microsecond=0)
        procedure = get_procedure(session, code)
        rules = load_rules(session)
        limit = time_limit_of(procedure, variant or None)
        appointment = rules.appointment(limit, received_at)
        if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= 50:
            raise ValidationError("Số lượng hồ sơ (bộ) phải từ 1 đến 50.", field="copies")
        fee_due, exemption_text = _fee(procedure, copies, quantity, exemption or None)
        if exemption_text:
            fee_text = f"Miễn lệ phí ({exemption_text})"
        elif fee_due == 0:
            fee_text = "Không thu phí, lệ phí"
        else:
            fee_text = money_text(fee_due)
        warnings = []
        if not rules.calendar.is_reception_open(received_at):
            warnings.append(f"Đang ngoài giờ tiếp nhận; thời hạn tính từ {appointment.counted_from:%H:%M %d/%m/%Y}.")
        setting = SettingsService(session).get("no_appointment_days")
        on_spot = (limit.unit is TimeUnit.SAME_DAY and is_no_appointment_day(setting, received_at.date())
                   and rules.calendar.is_working_day(received_at.date()))
        return Quote(received_at, appointment.due_at, appointment.explanation, fee_due, fee_text, on_spot,
                     tuple(warnings))


def exemption_choices() -> dict[str, str]:
    return dict(EXEMPTIONS)


# -- documents given at the counter without receiving ------------------------------------------------------------
def place_of(unit_name: str) -> str:
    from desk_app.services.documents import place_of as place  # reportlab loads at the first print

    return place(unit_name)


@dataclass(frozen=True)
class _CounterForm:
    settings: dict[str, str]
    procedure: Procedure
    contact: dict[str, Any]
    header: Any  # documents.forms.FormHeader
    now: dt.datetime


@contextmanager
def _at_counter(ctx: ServiceContext, procedure_code: str, applicant: dict[str, Any],
                form: str) -> Iterator[_CounterForm]:
    """What a form handed over at the counter needs, in one transaction that ends with the print's audit record
    (the form and the procedure; never the citizen's data)."""
    from desk_app.documents import forms

    with ctx.write() as (session, now):
        settings = SettingsService(session).all()
        procedure = get_procedure(session, procedure_code)
        checked, _ = check_applicant(dict(applicant), today=now.date())
        contact = {"applicant_name": checked.name, "address": checked.address, "phone": checked.phone,
                   "email": checked.email}
        header = forms.FormHeader(edition=settings["form_edition"], upper_body=settings["upper_level_name"],
                                  unit_name=settings["commune_name"], place=place_of(settings["commune_name"]))
        yield _CounterForm(settings, procedure, contact, header, now)
        record(session, at=now, actor=ctx.actor, action="print", target=None,
               detail={"form": form, "procedure": procedure.code, "at_counter": True})


def _clean(text: str | None) -> str:
    return " ".join(nfc(text or "").split())


def supplement_at_counter(ctx: ServiceContext, procedure_code: str, applicant: dict[str, Any],
                          items: Sequence[str], reason: str | None = None) -> PrintJob:
    """Mẫu 02 handed over at the counter: the dossier is incomplete, so it is not received; the guidance lists, in
    one go, everything to bring. Nothing about the citizen is stored; the print is audited without personal data."""
    from desk_app.documents import forms

    clean = [_clean(item) for item in items if item and item.strip()]
    if not clean:
        raise ValidationError("Đánh dấu các giấy tờ còn thiếu (bỏ dấu tích ở giấy tờ công dân chưa nộp) hoặc ghi "
                              "thêm giấy tờ cần bổ sung.", field="documents")
    with _at_counter(ctx, procedure_code, applicant, "supplement") as at:
        pdf = forms.render_supplement_request(forms.SupplementRequest(
            header=at.header, code="", procedure_name=at.procedure.name, received_at=at.now,
            items=tuple(forms.SupplementItem(item, 0, 0, 0) for item in clean), reason=_clean(reason) or None,
            contact_name=f"Bộ phận Tiếp nhận và Trả kết quả {at.settings['commune_name']}",
            contact_phone=at.settings["desk_phone"] or at.settings["hotline"], issued_on=at.now.date(),
            **at.contact))
    return PrintJob(f"Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ — {at.procedure.name}",
                    f"bo-sung-{at.now:%Y%m%d-%H%M}.pdf", pdf)


def refusal_at_counter(ctx: ServiceContext, procedure_code: str, applicant: dict[str, Any],
                       reason: str) -> PrintJob:
    """Mẫu 03 handed over at the counter: the dossier is refused there and then, so it is not received."""
    from desk_app.documents import forms

    text = _clean(reason)
    if not text:
        raise ValidationError("Cần ghi lý do từ chối cụ thể.", field="reason")
    with _at_counter(ctx, procedure_code, applicant, "refusal") as at:
        pdf = forms.render_refusal(forms.RefusalNotice(
            header=at.header, code="", procedure_name=at.procedure.name, received_at=at.now, reason=text,
            issued_on=at.now.date(), **at.contact))
    return PrintJob(f"Phiếu từ chối tiếp nhận giải quyết hồ sơ — {at.procedure.name}",
                    f"tu-choi-{at.now:%Y%m%d-%H%M}.pdf", pdf)


# -- checks while typing -----------------------------------------------------------------------------------------
def field_problems(ctx: ServiceContext, raw: dict[str, str]) -> dict[str, str]:
    """The message for each applicant field whose typed value the rules refuse (blank fields are not checked here;
    a missing name is refused on save). The ID number is checked against the birth date and sex when those are
    valid themselves, and a disagreement is reported at the ID number."""
    today = ctx.clock.now().date()
    problems: dict[str, str] = {}
    filled = {k: v for k, v in raw.items() if isinstance(v, str) and v.strip()}

    def check(values: dict[str, str]) -> str | None:
        try:
            check_applicant({"name": "Nguyễn Văn A", **values}, today=today)
        except ValidationError as error:
            return error.message
        return None

    for key in ("name", "birth_date", "sex", "phone", "email", "address"):
        if key in filled and (message := check({key: filled[key]})):
            problems[key] = message
    if "id_number" in filled:
        context = {k: filled[k] for k in ("birth_date", "sex") if k in filled and k not in problems}
        if message := check({"id_number": filled["id_number"], **context}):
            problems["id_number"] = message
    return problems


OPTIONAL_MARK = "(nếu có)"


def is_optional(document_name: str) -> bool:
    return OPTIONAL_MARK in document_name.lower()


def missing_documents(items: Sequence[tuple[str, bool]]) -> list[str]:
    """The checklist's documents not handed in that the procedure requires; those marked "(nếu có)" only apply
    to some citizens, so leaving them out is not missing anything."""
    return [name for name, given in items if not given and not is_optional(name)]


# -- receiving at the counter ------------------------------------------------------------------------------------
def receive_on_spot(ctx: ServiceContext, request: Any) -> Any:
    """A no-appointment day: a same-day procedure is received, resolved and returned at once (DOMAIN.md §0).

    Three recorded steps, each its own transaction: if the process stops in between, the dossier stays received
    and open in the ledger, never lost.
    """
    from desk_app.services.actions import DossierActions
    from desk_app.services.intake import receive

    receipt = receive(ctx, request)
    actions = DossierActions(ctx)
    actions.result_ready(receipt.code)
    actions.return_result(receipt.code)
    return receipt


@dataclass(frozen=True)
class FeeRow:
    code: str
    received_at: dt.datetime
    applicant_name: str
    procedure_name: str
    fee_due: int
    exemption: str | None


@dataclass(frozen=True)
class FeeList:
    day: dt.date
    rows: tuple[FeeRow, ...]
    total: int
    exempted: int  # dossiers exempted from the fee that day


def fee_list(ctx: ServiceContext, day: dt.date) -> FeeList:
    """The fees due on the dossiers received on ``day`` at this desk (voided entries left out), with the total,
    for handing over the cash at the end of the day."""
    from desk_app.domain.lifecycle import Status

    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=ctx.clock.now().tzinfo)
    end = start + dt.timedelta(days=1) - dt.timedelta(seconds=1)
    with ctx.read() as session:
        desk = int(SettingsService(session).get("desk"))
        dossiers = session.scalars(
            select(Dossier).where(Dossier.received_at.between(start, end), Dossier.desk == desk,
                                  Dossier.status != Status.VOIDED.value,
                                  (Dossier.fee_due > 0) | Dossier.fee_exemption.is_not(None))
            .order_by(Dossier.received_at, Dossier.id))
        rows = tuple(FeeRow(d.code, d.received_at, d.applicant_name, d.procedure_name, d.fee_due, d.fee_exemption)
                     for d in dossiers)
    return FeeList(day, rows, sum(r.fee_due for r in rows), sum(1 for r in rows if r.exemption))


def fee_list_job(ctx: ServiceContext, day: dt.date) -> PrintJob:
    """The day's fee list as a printable statement (names of citizens in it: the print is audited)."""
    from desk_app.documents.fee_list import FeeLine, FeeStatement, render_fee_list

    fees = fee_list(ctx, day)
    with ctx.write() as (session, now):
        settings = SettingsService(session).all()
        pdf = render_fee_list(FeeStatement(
            upper_body=settings["upper_level_name"], unit_name=settings["commune_name"],
            place=place_of(settings["commune_name"]), desk=int(settings["desk"]), clerk=ctx.actor, day=day,
            lines=tuple(FeeLine(r.code, r.received_at, r.applicant_name, r.procedure_name, r.fee_due, r.exemption)
                        for r in fees.rows)))
        record(session, at=now, actor=ctx.actor, action="print", target=None,
               detail={"form": "fee_list", "day": day.isoformat()})
    return PrintJob(f"Bảng kê thu phí, lệ phí ngày {day:%d/%m/%Y}", f"bang-ke-phi-{day:%Y%m%d}.pdf", pdf)
