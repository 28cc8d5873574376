"""Each form filled from a real dossier's events, through the services and the CLI, read back as text."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desk_app.domain.errors import NotFoundError
from desk_app.services.actions import DossierActions
from desk_app.services.documents import form_pdf, handover_pdf, ledger_pdf
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.settings import SettingsService
from tests.conftest import vn


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    raw = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(raw.split())


@pytest.fixture
def dossier(ctx, clock):
    return receive(ctx, ReceiveRequest("XA.HT.01", {"name": "Đặng Thị Ễ", "address": "Ấp Mỹ Thới",
                                                    "phone": "0912345678"})).code


def test_supplement_refusal_apology_stop_control_from_the_events(ctx, db, clock, dossier, tmp_path):
    actions = DossierActions(ctx)
    clock.moment = vn("2026-03-02 10:00")
    actions.transfer(dossier, "Công chức Tư pháp - Hộ tịch")
    clock.moment = vn("2026-03-03 09:00")
    actions.reschedule(dossier, dt.date(2026, 3, 10), "Cần xác minh tại nơi cư trú trước đây")
    clock.moment = vn("2026-03-03 10:00")
    actions.request_supplement(dossier, ["Giấy xác nhận cư trú"], "Thiếu giấy tờ")
    with db.session() as session:
        supplement = text_of(form_pdf(session, dossier, "supplement"), tmp_path)
        apology = text_of(form_pdf(session, dossier, "apology"), tmp_path)
    assert "Giấy xác nhận cư trú" in supplement and "Đặng Thị Ễ" in supplement and dossier in supplement
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology
    assert "Cần xác minh tại nơi cư trú trước đây" in apology and "10 tháng 03 năm 2026" in apology
    clock.moment = vn("2026-03-04 09:00")
    actions.resubmit(dossier)
    clock.moment = vn("2026-03-05 09:00")
    actions.result_ready(dossier)
    with db.session() as session:
        control = text_of(form_pdf(session, dossier, "control"), tmp_path)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in control
    assert "Công chức Tư pháp - Hộ tịch" in control and "Trước hạn" in control  # ready 05/03, due 09/03
    with db.write_session() as session, session.begin():
        SettingsService(session).set("form_edition", "2025")
    with db.session() as session:
        apology_2025 = text_of(form_pdf(session, dossier, "apology"), tmp_path)
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in apology_2025


def test_refusal_and_stop(ctx, db, clock, tmp_path):
    actions = DossierActions(ctx)
    refused = receive(ctx, ReceiveRequest("XA.HT.01", {"name": "Lê Văn Ưng"})).code
    actions.refuse(refused, "Hồ sơ không thuộc thẩm quyền giải quyết của xã")
    stopped = receive(ctx, ReceiveRequest("XA.HT.01", {"name": "Lê Văn Ơn"})).code
    actions.stop(stopped, "Người yêu cầu đã chết")
    with db.session() as session:
        refusal = text_of(form_pdf(session, refused, "refusal"), tmp_path)
        stop = text_of(form_pdf(session, stopped, "stop"), tmp_path)
        with pytest.raises(NotFoundError) as missing:
            form_pdf(session, refused, "apology")  # never rescheduled: no apology to print
    assert "Hồ sơ không thuộc thẩm quyền giải quyết của xã" in refusal and "Lê Văn Ưng" in refusal
    assert "Người yêu cầu đã chết" in stop
    assert missing.value.field == "form"


def test_ledger_and_handover(ctx, db, clock, tmp_path):
    actions = DossierActions(ctx)
    codes = [receive(ctx, ReceiveRequest("XA.CT.04", {"name": f"Trần Thị {n}"})).code for n in ("An", "Bích", "Chi")]
    for code in codes[:2]:
        actions.transfer(code, "Công chức Tư pháp - Hộ tịch")
    actions.transfer(codes[2], "Công an xã")
    with db.session() as session:
        ledger = text_of(ledger_pdf(session, dt.date(2026, 3, 1), dt.date(2026, 3, 31)), tmp_path)
        handover = text_of(handover_pdf(session, "cong chuc tu phap - ho tich", dt.date(2026, 3, 2)), tmp_path)
    assert all(code in ledger for code in codes) and "SỔ THEO DÕI HỒ SƠ" in ledger
    assert codes[0] in handover and codes[1] in handover and codes[2] not in handover
    assert "DANH SÁCH BÀN GIAO HỒ SƠ" in handover


def test_cli_prints_every_form_and_refuses_what_does_not_exist(ctx, db, data_dir, tmp_path):
    code = receive(ctx, ReceiveRequest("XA.HT.01", {"name": "Võ Thị Lan"})).code
    DossierActions(ctx).transfer(code, "Công an xã")
    db.close()
    env = {**os.environ, "DESK_APP_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "desk_app", *args], capture_output=True, text=True, env=env,
                              timeout=120)

    for form in ("slip", "control"):
        out = tmp_path / f"{form}.pdf"
        result = run("print", code, "--form", form, "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert out.read_bytes().startswith(b"%PDF")
    missing = run("print", code, "--form", "refusal", "--out", str(tmp_path / "x.pdf"))
    assert missing.returncode == 2 and "trường form" in missing.stderr
    ledger = run("ledger", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(tmp_path / "ledger.pdf"))
    assert ledger.returncode == 0, ledger.stderr
    handover = run("handover", "--to", "Công an xã", "--date", "2026-03-02", "--out", str(tmp_path / "h.pdf"))
    assert handover.returncode == 0, handover.stderr
    bad_day = run("ledger", "--from", "01/03/2026", "--to", "2026-03-31", "--out", str(tmp_path / "l.pdf"))
    assert bad_day.returncode == 2 and "trường from" in bad_day.stderr
