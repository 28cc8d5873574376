"""What the intake screen asks the services while the clerk types: choices, checks, the live quote, the fee list."""

from __future__ import annotations

import datetime as dt

import pytest

from desk_app.domain.errors import ValidationError
from desk_app.services import counter
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from tests.conftest import vn
from tests.services._support import count, rows, set_settings, snapshot


def test_choices_are_found_without_accents_by_name_code_or_field(ctx: ServiceContext) -> None:
    assert [c.code for c in counter.procedure_choices(ctx, "chung thuc ban sao")] == ["XA.CT.01", "XA.CT.10"]
    assert [c.name for c in counter.procedure_choices(ctx, "1.001193")] == ["Đăng ký khai sinh"]
    by_field = counter.procedure_choices(ctx, "cu tru")
    assert by_field and all(c.field_name == "Cư trú" for c in by_field)
    assert counter.procedure_choices(ctx, "không có thủ tục này") == []
    bundle = counter.procedure_choices(ctx, "3 trong 1")
    assert bundle and all(c.is_bundle for c in bundle)


def test_recent_procedures_are_the_clerks_own_most_used_first(ctx: ServiceContext, db) -> None:
    other = ServiceContext(db, ctx.clock, "nv.binh")
    for procedure in ("XA.CT.02", "XA.CTRU.02", "XA.CTRU.02", "XA.HT.01"):
        receive(ctx, ReceiveRequest(procedure, {"name": "Lê Văn Tám"}))
    for _ in range(5):
        receive(other, ReceiveRequest("XA.CT.01", {"name": "Lê Văn Tám"}))
    codes = [c.code for c in counter.recent_procedures(ctx)]
    assert codes == ["XA.CTRU.02", "XA.HT.01", "XA.CT.02"]  # ties: the latest first
    assert [c.code for c in counter.recent_procedures(other)] == ["XA.CT.01"]
    assert counter.recent_procedures(ServiceContext(db, ctx.clock, "nv.moi")) == []


def test_a_procedure_form_carries_the_checklist_parts_and_variants(ctx: ServiceContext) -> None:
    bundle = counter.procedure_form(ctx, "XA.HT.16")
    assert len(bundle.components) == 3 and "Công an xã" in bundle.components[1]
    assert bundle.documents[0] == counter.ChecklistItem("Tờ khai đăng ký khai tử (theo mẫu)", 1, 0)
    assert [d.optional for d in bundle.documents] == [False, False, False, False, True, True]
    plain = counter.procedure_form(ctx, "XA.CT.01")
    assert plain.same_day and plain.components == () and plain.quantity_label == "Số trang mỗi bản"
    with_variants = [p for p in (counter.procedure_form(ctx, c.code) for c in counter.procedure_choices(ctx))
                     if p.variants]
    assert with_variants and all(v.label and v.time_limit for p in with_variants for v in p.variants)


@pytest.mark.parametrize(("moment", "due", "note"), [
    ("2026-03-02 14:59", "2026-03-02 17:00", None),
    ("2026-03-02 15:01", "2026-03-03 17:00", "nhận sau 15:00 nên hẹn ngày làm việc tiếp theo"),
    ("2026-03-06 16:00", "2026-03-09 17:00", "nhận sau 15:00 nên hẹn ngày làm việc tiếp theo"),
    ("2026-03-07 09:00", "2026-03-09 17:00", "nhận ngoài giờ làm việc nên tính từ 07:00 ngày 09/03/2026"),
])
def test_the_quote_is_the_appointment_receive_would_give(ctx: ServiceContext, clock: FixedClock, moment: str,
                                                         due: str, note: str | None) -> None:
    clock.moment = vn(moment)
    quote = counter.quote(ctx, "XA.CT.02")
    assert quote.due_at == vn(due)
    assert quote.explanation.startswith("Trong ngày")
    assert (note in quote.explanation) if note else quote.explanation == "Trong ngày"
    assert receive(ctx, ReceiveRequest("XA.CT.02", {"name": "Lê Văn Tám"})).due_at == quote.due_at


def test_the_quote_counts_the_fee_and_the_exemption(ctx: ServiceContext) -> None:
    # Copies of 3 pages: 2.000 đồng for each of the first two pages, 1.000 from the third; two copies.
    assert counter.quote(ctx, "XA.CT.01", quantity=3, copies=2).fee_text == "10.000 đồng"
    assert counter.quote(ctx, "1.001193").fee_text == "Không thu phí, lệ phí"
    exempt = counter.quote(ctx, "XA.HT.02", exemption="disability")
    assert exempt.fee_due == 0 and exempt.fee_text == "Miễn lệ phí (Người khuyết tật)"
    with pytest.raises(ValidationError) as refused:
        counter.quote(ctx, "XA.CT.01", exemption="poor")
    assert refused.value.field == "fee_exemption"
    with pytest.raises(ValidationError) as refused:
        counter.quote(ctx, "XA.CT.01", copies=0)
    assert refused.value.field == "copies"


def test_on_spot_only_for_same_day_procedures_on_a_no_appointment_working_day(ctx: ServiceContext, db,
                                                                              clock: FixedClock) -> None:
    assert not counter.quote(ctx, "XA.CT.02").on_spot
    set_settings(db, no_appointment_days="mon,sat")
    assert counter.quote(ctx, "XA.CT.02").on_spot  # Monday
    assert not counter.quote(ctx, "XA.CTRU.02").on_spot  # three working days
    clock.moment = vn("2026-03-07 09:00")  # Saturday, not a working day
    assert not counter.quote(ctx, "XA.CT.02").on_spot
    clock.moment = vn("2026-03-03 09:00")  # Tuesday
    assert not counter.quote(ctx, "XA.CT.02").on_spot


def test_receive_on_spot_records_received_result_and_return(ctx: ServiceContext, db) -> None:
    receipt = counter.receive_on_spot(ctx, ReceiveRequest("XA.CT.02", {"name": "Lê Văn Tám"}))
    [row] = rows(db, "SELECT status FROM dossiers WHERE code = ?", (receipt.code,))
    assert row["status"] == "returned"
    kinds = [r["kind"] for r in rows(db, "SELECT kind FROM dossier_events ORDER BY id")]
    assert kinds == ["received", "result_ready", "returned"]


def test_field_problems_name_each_field_and_check_the_id_against_birth_and_sex(ctx: ServiceContext) -> None:
    assert counter.field_problems(ctx, {"name": "Lê Văn Tám", "phone": "0912345678"}) == {}
    problems = counter.field_problems(ctx, {"name": "Lê Văn 7", "phone": "12345", "email": "a@", "birth_date":
                                            "31/02/1990", "id_number": "087084000999"})
    assert set(problems) == {"name", "phone", "email", "birth_date"}  # the ID alone is valid
    # A man born in 1984 has a card starting 0870 (province 087, century/sex digit 0); a woman's starts 0871.
    assert counter.field_problems(ctx, {"id_number": "087084000999", "birth_date": "06/05/1984", "sex": "Nam"}) == {}
    mismatch = counter.field_problems(ctx, {"id_number": "087084000999", "birth_date": "06/05/1984", "sex": "Nữ"})
    assert set(mismatch) == {"id_number"}
    assert counter.field_problems(ctx, {"name": "", "phone": "   "}) == {}


def test_missing_documents_leave_out_the_ones_marked_if_any() -> None:
    items = [("Tờ khai", True), ("Giấy chứng sinh", False), ("Văn bản ủy quyền (nếu có)", False)]
    assert counter.missing_documents(items) == ["Giấy chứng sinh"]
    assert counter.missing_documents([("Văn bản ủy quyền (Nếu có)", False)]) == []


def test_counter_forms_store_nothing_about_the_citizen(ctx: ServiceContext, db) -> None:
    before = snapshot(db)
    job = counter.supplement_at_counter(ctx, "1.001193", {"name": "Võ Thị Lan", "phone": "0912345678"},
                                        ["Giấy chứng sinh"], "Thiếu giấy chứng sinh")
    assert job.pdf.startswith(b"%PDF") and "bổ sung" in job.title
    refusal = counter.refusal_at_counter(ctx, "1.001193", {"name": "Võ Thị Lan"}, "Không thuộc thẩm quyền")
    assert refusal.pdf.startswith(b"%PDF")
    assert snapshot(db) == before  # no dossier, no event, no counter
    audit = rows(db, "SELECT action, target, detail FROM audit_log ORDER BY id")
    assert [(a["action"], a["target"]) for a in audit] == [("print", None), ("print", None)]
    assert "Võ Thị Lan" not in " ".join(a["detail"] for a in audit)
    with pytest.raises(ValidationError) as refused:
        counter.supplement_at_counter(ctx, "1.001193", {"name": "Võ Thị Lan"}, ["  "])
    assert refused.value.field == "documents"
    with pytest.raises(ValidationError) as refused:
        counter.refusal_at_counter(ctx, "1.001193", {"name": "Võ Thị Lan"}, " ")
    assert refused.value.field == "reason"
    with pytest.raises(ValidationError) as refused:
        counter.refusal_at_counter(ctx, "1.001193", {"name": ""}, "Lý do")
    assert refused.value.field == "name"
    assert count(db, "audit_log") == 2


def test_the_fee_list_of_a_day_totals_what_was_collected(ctx: ServiceContext, clock: FixedClock, db) -> None:
    clock.moment = vn("2026-03-02 08:00")
    paid = receive(ctx, ReceiveRequest("XA.CT.01", {"name": "Lê Văn Tám"}, quantity=3, copies=2))  # 10.000
    receive(ctx, ReceiveRequest("XA.HT.02", {"name": "Lê Văn Tám"}, fee_exemption="poor"))
    duplicate = receive(ctx, ReceiveRequest("XA.CT.01", {"name": "Lê Văn Tám"}))
    DossierActions(ctx).void(duplicate.code, "nhập trùng")
    clock.moment = vn("2026-03-03 08:00")
    receive(ctx, ReceiveRequest("XA.CT.01", {"name": "Lê Văn Tám"}))  # another day
    fees = counter.fee_list(ctx, dt.date(2026, 3, 2))
    assert [r.code for r in fees.rows][0] == paid.code
    assert fees.total == 10_000 and fees.exempted == 1 and len(fees.rows) == 2
    assert counter.fee_list(ctx, dt.date(2026, 3, 3)).total == 2_000
    assert counter.fee_list(ctx, dt.date(2026, 3, 4)).rows == ()
