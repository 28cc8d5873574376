"""The real `desk-app` command, run as a process: exit codes, stdout/stderr, and what lands in the database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

AGENCY = "000.31.22.H20"


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DESK_APP_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "desk_app", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli")
    result = run(data_dir, "init", "--agency-code", AGENCY, "--commune-name", "UBND xã Mỹ Phong",
                 "--hotline", "Tổng đài 1022", "--upper-level-name", "UBND tỉnh Đồng Tháp")
    assert result.returncode == 0, result.stderr
    return data_dir


def count(data_dir: Path, table: str) -> int:
    with sqlite3.connect(data_dir / "desk.db") as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


APPLICANT = {"name": "nguyễn văn đức", "id_number": "087084000999", "birth_date": "1984-05-06", "sex": "Nam",
             "phone": "+84 912 345 678", "address": "Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp"}


def receive(data_dir: Path, **extra: object) -> str:
    body = {"procedure": "XA.HT.01", "applicant": APPLICANT, "received_at": "2026-03-02 09:15", **extra}
    result = run(data_dir, "receive", "--json", "-", stdin=json.dumps(body, ensure_ascii=False))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_init_is_idempotent_and_loads_catalog(desk: Path) -> None:
    procedures = count(desk, "procedures")
    holidays = count(desk, "holidays")
    again = run(desk, "init")
    assert again.returncode == 0, again.stderr
    assert count(desk, "procedures") == procedures >= 30
    assert count(desk, "holidays") == holidays > 0
    shown = json.loads(run(desk, "settings", "show", "--json").stdout)
    assert shown["agency_code"] == AGENCY and shown["hotline"] == "Tổng đài 1022"


def test_init_ledger_start_applies_to_this_year(tmp_path: Path) -> None:
    result = run(tmp_path / "mid-year", "init", "--ledger-start", "120")
    assert result.returncode == 0, result.stderr
    value = json.loads(run(tmp_path / "mid-year", "settings", "show", "--json").stdout)["ledger_start"]
    assert value.startswith("120/20")
    refused = run(tmp_path / "mid-year", "settings", "set", "ledger_start", "0")
    assert refused.returncode == 2 and "trường ledger_start" in refused.stderr


def test_init_demo_creates_the_demo_sign_ins_once_and_never_without_demo(tmp_path: Path) -> None:
    plain = run(tmp_path / "real", "init", "--agency-code", AGENCY)
    assert plain.returncode == 0 and "Tài khoản dùng thử" not in plain.stdout
    assert count(tmp_path / "real", "users") == 0  # a real installation gets its administrator at first run
    demo = run(tmp_path / "demo", "init", "--demo")
    assert demo.returncode == 0, demo.stderr
    assert "canbo" in demo.stdout and "demo-canbo" in demo.stdout
    with sqlite3.connect(tmp_path / "demo" / "desk.db") as conn:
        users = conn.execute("SELECT username, role, password_hash FROM users ORDER BY id").fetchall()
    assert [(u, r) for u, r, _ in users] == [("quantri", "admin"), ("lanhdao", "leader"), ("canbo", "clerk")]
    assert all(h.startswith("scrypt$") and "demo" not in h for _, _, h in users)
    again = run(tmp_path / "demo", "init", "--demo")
    assert again.returncode == 0 and "Tài khoản dùng thử" not in again.stdout
    assert count(tmp_path / "demo", "users") == 3


def test_the_upper_level_token_is_never_printed(tmp_path: Path) -> None:
    secret = "s3cr3t-token-of-the-commune"
    result = run(tmp_path / "token", "settings", "set", "upper_level_token", secret)
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout and "(đã đặt)" in result.stdout
    listing = run(tmp_path / "token", "settings", "show")
    as_json = run(tmp_path / "token", "settings", "show", "--json")
    assert secret not in listing.stdout + as_json.stdout
    assert json.loads(as_json.stdout)["upper_level_token"] == "(đã đặt)"
    with sqlite3.connect(tmp_path / "token" / "desk.db") as conn:
        audit = conn.execute("SELECT action, target, detail FROM audit_log").fetchall()
    assert [(a, t) for a, t, _ in audit] == [("settings", "upper_level_token")]
    assert secret not in audit[0][2]


def test_data_dir_option_before_or_after_the_command(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    before = subprocess.run([sys.executable, "-m", "desk_app", "--data-dir", str(target), "stats", "--json"],
                            capture_output=True, text=True, timeout=120)
    after = subprocess.run([sys.executable, "-m", "desk_app", "stats", "--json", "--data-dir", str(target)],
                           capture_output=True, text=True, timeout=120)
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert (target / "desk.db").exists()
    assert json.loads(after.stdout)["dossiers"] == 0


def test_procedures_json_and_search(desk: Path) -> None:
    items = json.loads(run(desk, "procedures", "--json").stdout)
    assert len(items) >= 30
    assert {"code", "name", "field", "time_value", "time_unit", "fee", "documents"} <= set(items[0])
    found = json.loads(run(desk, "procedures", "--search", "chung thuc ban sao", "--json").stdout)
    assert "Chứng thực bản sao từ bản chính" in [p["name"] for p in found]


def test_holidays_json(desk: Path) -> None:
    days = json.loads(run(desk, "holidays", "2026", "--json").stdout)
    by_date = {d["date"]: d for d in days}
    assert by_date["2026-01-02"]["kind"] == "swapped"
    assert by_date["2026-01-10"]["kind"] == "makeup_working"
    assert by_date["2026-02-17"]["kind"] == "holiday"
    assert "2026-11-24" not in by_date  # Ngày Văn hóa Việt Nam is off until the administrator enables it
    assert all(set(d) == {"date", "name", "kind"} for d in days)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["1.001193", "2026-11-20 15:30"], "2026-11-23 17:00"),  # after 15:00 on a Friday → Monday closing
        (["1.001193", "2026-11-20 15:00"], "2026-11-20 17:00"),  # exactly 15:00 is not after
        (["--rule", "5 working_days", "2026-02-13 10:00"], "2026-02-27 10:00"),  # across Tết 2026
        (["--rule", "same_day", "2026-03-07 09:00"], "2026-03-09 17:00"),  # a Saturday receipt
        (["--rule", "30 days", "2026-03-02 09:00"], "2026-04-01 09:00"),
        (["--rule", "1 months", "2024-01-31 09:00"], "2024-02-29 09:00"),  # no 31/02: the month's last day
        (["--rule", "1 months", "2026-01-30 09:00"], "2026-03-02 09:00"),  # 28/02/2026 is a Saturday → Monday
        (["--rule", "4 working_hours", "2026-03-02 10:30"], "2026-03-02 16:30"),
    ],
)
def test_due(desk: Path, args: list[str], expected: str) -> None:
    result = run(desk, "due", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_due_refusals(desk: Path) -> None:
    bad_rule = run(desk, "due", "--rule", "five days", "2026-03-02 09:00")
    assert bad_rule.returncode == 2 and "rule" in bad_rule.stderr
    unknown = run(desk, "due", "KHONG.CO", "2026-03-02 09:00")
    assert unknown.returncode == 2 and "procedure" in unknown.stderr
    bad_time = run(desk, "due", "1.001193", "02/03/2026")
    assert bad_time.returncode == 2 and "YYYY-MM-DD HH:MM" in bad_time.stderr


def test_receive_act_show_find_verify(desk: Path) -> None:
    code = receive(desk)
    assert code.startswith(f"{AGENCY}-260302-")
    shown = json.loads(run(desk, "show", code, "--json").stdout)
    assert shown["applicant"]["name"] == "Nguyễn Văn Đức"
    assert shown["applicant"]["id_number"] == "087******999"
    assert shown["applicant"]["phone"] == "0912345678"
    assert shown["due_at"].startswith("2026-03-05T09:15")  # 3 working days
    assert [e["kind"] for e in shown["events"]] == ["received"]
    assert shown["events"][0]["actor"].startswith("cli:")

    steps = [
        ["transfer", "--to", "Công chức Tư pháp - Hộ tịch", "--at", "2026-03-02 10:00"],
        ["supplement", "--items", "Giấy xác nhận cư trú; Bản sao giấy khai sinh", "--at", "2026-03-03 09:00"],
        ["resubmit", "--at", "2026-03-04 09:00"],
        ["result", "--at", "2026-03-05 09:00"],
        ["return", "--rating", "3", "--at", "2026-03-05 10:00"],
    ]
    for step in steps:
        result = run(desk, "act", code, *step)
        assert result.returncode == 0, (step, result.stderr)
    shown = json.loads(run(desk, "show", code, "--json").stdout)
    assert shown["status"] == "returned"
    assert shown["due_at"].startswith("2026-03-09T09:00")  # restarted from the resubmission: 3 working days
    assert [e["kind"] for e in shown["events"]] == [
        "received", "transferred", "supplement_requested", "resubmitted", "result_ready", "returned"]
    assert count(desk, "ratings") >= 1

    rows = json.loads(run(desk, "find", "nguyen van duc", "--json").stdout)
    assert code in [r["code"] for r in rows]
    assert {"code", "name", "procedure", "status", "received_at", "due_at"} <= set(rows[0])
    by_code = json.loads(run(desk, "find", code.lower(), "--json").stdout)
    assert [r["code"] for r in by_code] == [code]

    stats = json.loads(run(desk, "stats", "--json").stdout)
    assert stats["events"] >= 6 and stats["events_by_sync_state"]["to_send"] == stats["events"]
    verified = run(desk, "verify")
    assert verified.returncode == 0, verified.stderr


def test_refused_actions_write_nothing(desk: Path) -> None:
    code = receive(desk)
    events = count(desk, "dossier_events")
    cases = [
        (["act", code, "return"], "action"),  # no result yet
        (["act", code, "refuse"], "reason"),  # a refusal needs its reason
        (["act", code, "supplement"], "items"),
        (["act", code, "reschedule", "--new-due", "2026-03-20", "--reason", "Chờ xác minh",
          "--at", "2026-03-05 08:00"], "at"),  # due 05/03: too late to reschedule
        (["act", code, "correct", "--field", "id_number", "--value", "087085000999"], "id_number"),  # disagrees
        (["act", "000.31.22.H20-260302-0999", "result"], "code"),
        (["act", "not-a-code", "result"], "code"),
        (["act", code, "transfer", "--at", "2099-01-01 08:00", "--to", "X"], "at"),
    ]
    for args, field in cases:
        result = run(desk, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert f"trường {field}" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert count(desk, "dossier_events") == events


def test_receive_refusals_name_the_field(desk: Path) -> None:
    dossiers = count(desk, "dossiers")
    cases = [
        ({"procedure": "XA.HT.01", "applicant": {**APPLICANT, "id_number": "087184000999"}}, "id_number"),
        ({"procedure": "XA.HT.01", "applicant": {**APPLICANT, "phone": "12345"}}, "phone"),
        ({"procedure": "XA.HT.01", "applicant": {"name": ""}}, "name"),
        ({"procedure": "NOPE", "applicant": APPLICANT}, "procedure"),
        ({"procedure": "XA.HT.01", "applicant": APPLICANT, "return_method": "postal",
          "applicant_extra": 1}, "applicant_extra"),
        ({"procedure": "XA.CT.02", "applicant": APPLICANT, "fee_exemption": "poor"}, "fee_exemption"),
    ]
    for body, field in cases:
        result = run(desk, "receive", "--json", "-", stdin=json.dumps(body, ensure_ascii=False))
        assert result.returncode == 2, (body, result.stderr)
        assert f"trường {field}" in result.stderr, (body, result.stderr)
    broken = run(desk, "receive", "--json", "-", stdin="{not json")
    assert broken.returncode == 2 and "JSON" in broken.stderr
    assert count(desk, "dossiers") == dossiers


def test_demo_data_then_verify_and_tamper(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    unset = run(data_dir, "demo-data", "--dossiers", "300")
    assert unset.returncode == 2 and "trường agency_code" in unset.stderr  # no code under a made-up agency
    assert run(data_dir, "init", "--agency-code", AGENCY).returncode == 0
    result = run(data_dir, "demo-data", "--dossiers", "300", "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert count(data_dir, "dossiers") == 300
    statuses = {row[0] for row in sqlite3.connect(data_dir / "desk.db").execute("SELECT status FROM dossiers")}
    assert "returned" in statuses
    assert statuses <= {"received", "in_progress", "result_ready", "returned", "refused", "withdrawn"}
    assert run(data_dir, "verify").returncode == 0
    with sqlite3.connect(data_dir / "desk.db") as conn:
        conn.execute("UPDATE dossier_events SET actor = 'someone else' WHERE seq = 42")
    tampered = run(data_dir, "verify")
    assert tampered.returncode == 1
    assert "sự kiện số 42" in tampered.stderr


def test_gui_exit_after_startup_prints_milliseconds(desk: Path) -> None:
    result = run(desk, "gui", "--exit-after-startup")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().isdigit()


def test_logs_hold_no_personal_data(desk: Path) -> None:
    code = receive(desk)
    refused = run(desk, "receive", "--json", "-", stdin=json.dumps({"procedure": "XA.HT.01", "applicant": {
        **APPLICANT, "id_number": "087184000999"}}))
    assert refused.returncode == 2
    run(desk, "act", code, "correct", "--field", "phone", "--value", "0987654321")
    run(desk, "find", "Nguyễn Văn Đức")
    log = desk / "logs" / "desk.log"
    text = log.read_text(encoding="utf-8")
    assert "command receive refused: field=id_number" in text  # the log is written, and says what happened
    for secret in ("087084000999", "087184000999", "0912345678", "0987654321", "Đức", "Mỹ Thới", "nguyen"):
        assert secret not in text


def test_receive_json_in_other_encodings(desk: Path, tmp_path: Path) -> None:
    body = json.dumps({"procedure": "XA.CT.02", "applicant": {"name": "Trần Thị Bé"}}, ensure_ascii=False)
    with_bom = tmp_path / "bom.json"
    with_bom.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))  # Notepad's UTF-8 with a byte-order mark
    accepted = run(desk, "receive", "--json", str(with_bom))
    assert accepted.returncode == 0, accepted.stderr
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes(body.encode("utf-16"))
    refused = run(desk, "receive", "--json", str(utf16))
    assert refused.returncode == 2 and "UTF-8" in refused.stderr and "trường json" in refused.stderr


def test_report_prints_the_figures_and_the_json_with_the_documented_keys(tmp_path: Path) -> None:
    data_dir = tmp_path / "report"
    assert run(data_dir, "init", "--agency-code", AGENCY).returncode == 0
    for name in ("Lê Văn Tám", "Phạm Thị Hoa"):
        receive(data_dir, procedure="XA.CT.02", applicant={"name": name})
    as_json = run(data_dir, "report", "--from", "2026-03-01", "--to", "2026-03-31", "--json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    keys = {"received_total", "received_online", "received_direct_postal", "carried_over", "resolved_total",
            "resolved_early", "resolved_on_time", "resolved_late", "pending_total", "pending_in_time",
            "pending_overdue", "refused", "withdrawn", "satisfaction"}
    assert keys <= set(data["total"]) and all(keys <= set(row) for row in data["rows"])
    assert data["total"]["received_total"] == 2 and data["total"]["pending_overdue"] == 2
    assert [row["field"] for row in data["rows"]] == ["Chứng thực"]
    table = run(data_dir, "report", "--from", "2026-03-01", "--to", "2026-03-31")
    assert table.returncode == 0 and "Tổng cộng" in table.stdout and "Chứng thực" in table.stdout
    refused = run(data_dir, "report", "--from", "2026-03-31", "--to", "2026-03-01")
    assert refused.returncode == 2 and "to" in refused.stderr
    pdf, xlsx = tmp_path / "bieu06.pdf", tmp_path / "bieu06.xlsx"
    for target in (pdf, xlsx):
        written = run(data_dir, "report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(target))
        assert written.returncode == 0, written.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Chứng thực" in text and "Tổng cộng" in text
    from openpyxl import load_workbook
    book = load_workbook(xlsx)
    assert "Hồ sơ trễ hạn" in book.sheetnames
    assert book["Hồ sơ trễ hạn"].max_row >= 3  # a header and the two overdue dossiers
    wrong = run(data_dir, "report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(tmp_path / "x.doc"))
    assert wrong.returncode == 2 and ".xlsx" in wrong.stderr


def test_export_national_writes_the_exchange_shape(tmp_path: Path) -> None:
    data_dir = tmp_path / "national"
    assert run(data_dir, "init", "--agency-code", AGENCY).returncode == 0
    code = receive(data_dir, procedure="XA.CT.02")
    out = tmp_path / "quoc-gia.json"
    result = run(data_dir, "export-national", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Đã ghi 1 hồ sơ" in result.stdout
    [record] = json.loads(out.read_text(encoding="utf-8"))["data"]
    assert record["MaHoSo"] == code and record["NgayTiepNhan"] == "20260302091500"
    assert record["TrangThaiHoSo"] == 2 and record["KenhThucHien"] == 1 and record["NgayTra"] is None
    refused = run(data_dir, "export-national", "--from", "2026-03-31", "--to", "2026-03-01", "--out", str(out))
    assert refused.returncode != 0 and refused.stderr.strip()
