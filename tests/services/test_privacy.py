"""Privacy (DOMAIN.md §9): the full ID number appears nowhere but the audited reveal — not in lists, searches, the
dashboard, any printed form or list, the report workbook, the national file unless a leader asks — and the log
never holds a name, an ID number, a phone, an address, an e-mail or a token."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from desk_app.domain.errors import DomainError
from desk_app.services import counter
from desk_app.services.accounts import PermissionDenied, authenticate, create_user
from desk_app.services.actions import DossierActions
from desk_app.services.citizen_data import citizen_data_job
from desk_app.services.context import ServiceContext
from desk_app.services.dashboard import dashboard_data
from desk_app.services.dossier_list import ListFilter, page
from desk_app.services.dossier_view import detail, reveal_id
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.national_export import national_document, write_national
from desk_app.services.print_jobs import dossier_form, handover_job, ledger_job
from desk_app.services.queries import find, show
from desk_app.services.report_export import report_workbook
from desk_app.services.report_output import report_for, report_print_job
from desk_app.store.db import Database
from tests.services._support import assert_vietnamese, rows

FULL_ID = "087084001234"
CITIZEN = {
    "name": "Nguyễn Văn Đức",
    "id_number": FULL_ID,
    "birth_date": "05/09/1984",
    "sex": "Nam",
    "phone": "0912 345 678",
    "email": "duc.nguyen@example.vn",
    "address": "Ấp Mỹ Tây, xã Mỹ Phong, tỉnh Đồng Tháp",
}
TOKEN = "tok-SECRET-abcdefghijklmnopqrstuvwxyz"
# What must never reach a log (the phone as stored and as typed; the name's distinctive part; the address's).
NEVER_LOGGED = (FULL_ID, "0912345678", "0912 345 678", "Nguyễn Văn Đức", "Văn Đức", "Mỹ Tây", "duc.nguyen",
                "example.vn", TOKEN, "pass-word-123")


def as_role(ctx: ServiceContext, role: str, actor: str | None = None) -> ServiceContext:
    return ServiceContext(ctx.db, ctx.clock, actor or f"user.{role}", role=role)


def lived(ctx: ServiceContext) -> str:
    """A dossier that went through every form: received, supplement asked and given, transferred, rescheduled,
    refused at the end (so each form exists); and a second one stopped."""
    actions = DossierActions(ctx)
    code = receive(ctx, ReceiveRequest("XA.HT.01", dict(CITIZEN))).code
    actions.request_supplement(code, ["Bản sao giấy khai sinh"], "Thiếu giấy tờ")
    actions.resubmit(code)
    actions.transfer(code, "Công chức Tư pháp - Hộ tịch")
    actions.reschedule(code, dt.date(2026, 3, 10), "Cần xác minh thêm")
    actions.refuse(code, "Không đủ điều kiện")
    stopped = receive(ctx, ReceiveRequest("XA.HT.01", dict(CITIZEN))).code
    actions.stop(stopped, "Cơ quan có thẩm quyền dừng")
    return code


def pdf_text(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def assert_no_full_id(text: str, where: str) -> None:
    squeezed = "".join(text.split())
    assert FULL_ID not in squeezed, f"the full ID number appears in {where}"


# -- exports ----------------------------------------------------------------------------------------------------------
def test_the_national_file_leaves_the_id_number_out_by_default(ctx: ServiceContext, tmp_path: Path) -> None:
    lived(ctx)
    leader = as_role(ctx, "leader", "ld.hoa")
    out = tmp_path / "q.json"
    assert write_national(leader, dt.date(2026, 3, 1), dt.date(2026, 3, 31), out) == 2
    text = out.read_text(encoding="utf-8")
    assert_no_full_id(text, "the national file")
    assert all("SoGiayToChuHoSo" not in record for record in json.loads(text)["data"])
    [entry] = rows(ctx.db, "SELECT detail FROM audit_log WHERE action = 'export'")
    assert "include_id_numbers" not in json.loads(entry["detail"])  # said only when the numbers went out


@pytest.mark.parametrize("role", ["leader", "admin", "system"])
def test_a_leader_may_ask_for_the_id_numbers_and_that_is_audited(ctx: ServiceContext, tmp_path: Path,
                                                                 role: str) -> None:
    lived(ctx)
    out = tmp_path / "q.json"
    write_national(as_role(ctx, role), dt.date(2026, 3, 1), dt.date(2026, 3, 31), out, include_id_numbers=True)
    records = json.loads(out.read_text(encoding="utf-8"))["data"]
    assert [r["SoGiayToChuHoSo"] for r in records] == [FULL_ID, FULL_ID]
    assert list(records[0])[:9] == ["MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "KenhThucHien", "ChuHoSo",
                                    "SoDienThoai", "Email", "SoGiayToChuHoSo"]
    [entry] = rows(ctx.db, "SELECT actor, detail FROM audit_log WHERE action = 'export'")
    assert entry["actor"] == f"user.{role}" and json.loads(entry["detail"])["include_id_numbers"] is True


def test_a_clerk_may_not_put_id_numbers_in_an_export(ctx: ServiceContext, tmp_path: Path) -> None:
    lived(ctx)
    clerk = as_role(ctx, "clerk")
    for call in (lambda: national_document(clerk, dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                                           include_id_numbers=True),
                 lambda: write_national(clerk, dt.date(2026, 3, 1), dt.date(2026, 3, 31), tmp_path / "q.json",
                                        include_id_numbers=True)):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert_vietnamese(refused.value.message)
    assert not (tmp_path / "q.json").exists()
    assert rows(ctx.db, "SELECT * FROM audit_log WHERE action = 'export'") == []
    with pytest.raises(PermissionDenied):  # nor read the period's records at all (names and phones leave with them)
        national_document(clerk, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    leader = as_role(ctx, "leader")
    assert_no_full_id(json.dumps(national_document(leader, dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
                                 ensure_ascii=False), "the leader's national document without the option")


# -- every printed document and the workbook ---------------------------------------------------------------------------
def test_no_printed_document_or_workbook_carries_the_full_id_number(ctx: ServiceContext, tmp_path: Path) -> None:
    code = lived(ctx)
    stopped = rows(ctx.db, "SELECT code FROM dossiers WHERE status = 'stopped'")[0]["code"]
    leader = as_role(ctx, "leader", "ld.hoa")
    report = report_for(leader, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    documents: dict[str, bytes] = {
        **{form: dossier_form(ctx, code, form).pdf for form in ("slip", "supplement", "refusal", "apology",
                                                                "control")},
        "slip A5 of the stopped": dossier_form(ctx, stopped, "slip", "A5").pdf,
        "slip 80mm": dossier_form(ctx, stopped, "slip", "80mm").pdf,
        "stop": dossier_form(ctx, stopped, "stop").pdf,
        "ledger": ledger_job(ctx, dt.date(2026, 3, 1), dt.date(2026, 3, 31)).pdf,
        "handover": handover_job(ctx, "Công chức Tư pháp - Hộ tịch", dt.date(2026, 3, 2)).pdf,
        "fee list": counter.fee_list_job(ctx, dt.date(2026, 3, 2)).pdf,
        "supplement at counter": counter.supplement_at_counter(ctx, "XA.HT.01", CITIZEN, ["Tờ khai"]).pdf,
        "refusal at counter": counter.refusal_at_counter(ctx, "XA.HT.01", CITIZEN, "Không thuộc thẩm quyền").pdf,
        "report": report_print_job(leader, report).pdf,
        "citizen data": citizen_data_job(ctx, FULL_ID).pdf,
    }
    for name, pdf in documents.items():
        text = pdf_text(pdf, tmp_path, name.replace(" ", "-"))
        assert text.strip(), name
        assert_no_full_id(text, name)
    assert "Nguyễn Văn Đức" in pdf_text(documents["slip"], tmp_path, "slip-again")  # the check can find text
    with zipfile.ZipFile(io.BytesIO(report_workbook(report))) as book:
        for member in book.namelist():
            assert_no_full_id(book.read(member).decode("utf-8", "replace"), f"the workbook's {member}")


# -- what the screens and the command line read ------------------------------------------------------------------------
def test_lists_searches_dashboard_and_detail_show_it_masked_until_the_audited_reveal(ctx: ServiceContext) -> None:
    code = lived(ctx)
    with ctx.read() as session:
        read = {"show": show(session, code, ctx.clock.now()), "find by ID": find(session, FULL_ID),
                "find by name": find(session, "nguyen van duc")}
    seen: dict[str, Any] = {
        **read,
        "ledger page": page(ctx, ListFilter(text=FULL_ID)),
        "ledger page by name": page(ctx, ListFilter(text="Đức")),
        "dashboard": dashboard_data(ctx),
        "detail": detail(ctx, code),
    }
    assert seen["find by ID"] and seen["ledger page"].rows  # the ID finds them, and shows it masked
    for where, value in seen.items():
        assert_no_full_id(json.dumps(value, ensure_ascii=False, default=repr), where)
    assert "087******234" in json.dumps(seen["detail"], ensure_ascii=False, default=repr)
    assert reveal_id(ctx, code) == FULL_ID
    assert [r["target"] for r in rows(ctx.db, "SELECT target FROM audit_log WHERE action = 'reveal_id'")] == [code]


def test_a_corrected_id_number_stays_masked_in_the_history(ctx: ServiceContext) -> None:
    code = receive(ctx, ReceiveRequest("XA.HT.01", dict(CITIZEN))).code
    DossierActions(ctx).correct(code, "id_number", "087084001299")
    shown = json.dumps(detail(ctx, code), ensure_ascii=False, default=repr)
    assert "087084001299" not in shown and FULL_ID not in shown
    assert "087******299" in shown and "087******234" in shown


# -- the log ----------------------------------------------------------------------------------------------------------
def test_a_working_day_at_debug_level_logs_no_personal_data(ctx: ServiceContext, db: Database, tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    admin = as_role(ctx, "admin", "quantri")
    create_user(admin, "nv.lan", "Lê Thị Lan", "clerk", "pass-word-123")
    authenticate(db, ctx.clock, "nv.lan", "pass-word-123")
    with pytest.raises(DomainError):
        authenticate(db, ctx.clock, "nv.lan", "wrong-pass-word")
    clerk = as_role(ctx, "clerk", "nv.lan")
    code = lived(clerk)
    actions = DossierActions(clerk)
    other = receive(clerk, ReceiveRequest("XA.HT.01", dict(CITIZEN))).code
    actions.correct(other, "phone", "0987 654 321")
    actions.transfer(other, "Công chức Tư pháp - Hộ tịch")
    actions.result_ready(other)
    actions.return_result(other, rating=3)
    for refused in (lambda: receive(clerk, ReceiveRequest("XA.HT.01", {**CITIZEN, "id_number": "087084001"
                                                                                                   "23X"})),
                    lambda: receive(clerk, ReceiveRequest("XA.HT.01", {**CITIZEN, "birth_date": "05/09/2001"})),
                    lambda: actions.refuse(code, "again"),
                    lambda: write_national(clerk, dt.date(2026, 3, 1), dt.date(2026, 3, 31), tmp_path / "x.json")):
        with pytest.raises(DomainError):
            refused()
    dossier_form(clerk, code, "slip")
    reveal_id(clerk, code)
    counter.supplement_at_counter(clerk, "XA.HT.01", CITIZEN, ["Tờ khai"])
    for text in (FULL_ID, "0912 345 678", "nguyen van duc", "Mỹ Tây"):
        with ctx.read() as session:
            find(session, text)
        page(clerk, ListFilter(text=text))
    citizen_data_job(clerk, FULL_ID)
    write_national(as_role(ctx, "leader"), dt.date(2026, 3, 1), dt.date(2026, 3, 31), tmp_path / "q.json",
                   include_id_numbers=True)
    from desk_app.sync.engine import run_sync

    outcome = run_sync(clerk, hub_url="http://127.0.0.1:9", token=TOKEN, sleep=lambda _s: None)  # nobody listens
    assert outcome.status != "ok"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records, "the scenario logged nothing at all: the check would prove nothing"
    for value in NEVER_LOGGED:
        assert value not in logged, f"{value!r} reached the log"
