"""`desk-app retention`, `archive` and `verify-archive` against a desk whose dossiers were closed long enough ago
(written with a clock in 2024) for a two-year period to have passed: the archive as a real process (exit code, the
file as the last line), the rest through ``desk_app.cli.main`` in this process (the same code, without a new
interpreter each time)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from desk_app import cli
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.services.intake import ReceiveRequest, receive
from tests.cli.test_cli import AGENCY, APPLICANT
from tests.conftest import vn

OLD = "2024-03-04"  # a Monday, more than two years before any day these tests run on (the CLI reads the real clock)


@pytest.fixture
def desk(tmp_path: Path) -> dict[str, object]:
    data_dir = tmp_path / "desk"
    db = open_desk(data_dir)
    try:
        initialise(db, {"agency_code": AGENCY, "commune_name": "UBND xã Mỹ Phong"})
        ctx = ServiceContext(db, FixedClock(vn(f"{OLD} 09:15")), "test:clerk")
        codes = {}
        for key, procedure in (("ct", "XA.CT.01"), ("ht", "XA.HT.01")):
            codes[key] = receive(ctx, ReceiveRequest(procedure, dict(APPLICANT))).code
            DossierActions(ctx).result_ready(codes[key])
            DossierActions(ctx).return_result(codes[key])
    finally:
        db.close()
    with sqlite3.connect(data_dir / "desk.db") as conn:  # as if the upper level had acknowledged them
        conn.execute("UPDATE dossier_events SET sync_state = 'acknowledged'")
    return {"dir": data_dir, "codes": codes}


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_wrong_setting_is_refused_naming_it(desk, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, desk["dir"], "settings", "set", "personal_data_retention", "CT=hai")
    assert code == 2 and "trường personal_data_retention" in err and "số nguyên" in err
    code, _, err = run(monkeypatch, capsys, desk["dir"], "settings", "set", "personal_data_retention", "XY=2")
    assert code == 2 and "Không có lĩnh vực 'XY'" in err


def test_plan_archive_verify_and_prove(desk, tmp_path, monkeypatch, capsys):
    data_dir, codes = desk["dir"], desk["codes"]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, _ = run(monkeypatch, capsys, data_dir, "settings", "set", "personal_data_retention", "ct=2, ht=0")
    assert (code, out.strip()) == (0, "personal_data_retention = CT=2,HT=0")
    code, out, err = run(monkeypatch, capsys, data_dir, "retention", "--json")
    assert code == 0, err
    figures = json.loads(out)
    assert (figures["due"], figures["fields"][0]["field"], figures["fields"][0]["due"]) == (1, "CT", 1)
    assert figures["fields"][0]["oldest_closed_at"] == f"{OLD} 09:15:00"
    code, out, _ = run(monkeypatch, capsys, data_dir, "retention")
    assert "CT" in out and "1 hồ sơ đến hạn" in out and "HT (Hộ tịch)" in out

    archive_path = out_dir / "luu-tru.zip"
    code, out, err = run(monkeypatch, capsys, data_dir, "archive", "--out", str(archive_path), stdin="k\n")
    assert code == 2 and "không có xác nhận" in err and "1 hồ sơ đã hết thời hạn" in out
    assert not archive_path.exists()

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # the real command, once: exit code and last line
    done = subprocess.run([sys.executable, "-m", "desk_app", "--data-dir", str(data_dir), "archive", "--out",
                           str(archive_path), "--yes"], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(archive_path) and archive_path.exists()
    assert "đã xóa dữ liệu cá nhân: 1 hồ sơ (CT 1)" in done.stdout
    with zipfile.ZipFile(archive_path) as archive:
        assert f"dossiers/{codes['ct']}.json" in archive.namelist()
    with sqlite3.connect(data_dir / "desk.db") as conn:
        ct = conn.execute("SELECT applicant_name, id_number, phone, address FROM dossiers WHERE code = ?",
                          (codes["ct"],)).fetchone()
        ht = conn.execute("SELECT id_number FROM dossiers WHERE code = ?", (codes["ht"],)).fetchone()
    assert ct == ("Nguyễn Văn Đức", None, None, None) and ht == ("087084000999",)
    code, out, _ = run(monkeypatch, capsys, data_dir, "find", "087084000999", "--json")
    assert [row["code"] for row in json.loads(out)] == [codes["ht"]]

    code, out, err = run(monkeypatch, capsys, data_dir, "verify")
    assert code == 0, err
    assert "Lưu ý: 1 sự kiện đã được xóa dữ liệu cá nhân" in err

    code, out, err = run(monkeypatch, capsys, data_dir, "verify-archive", str(archive_path))
    assert code == 0, err
    assert "Tệp lưu trữ: tốt" in out and "3 sự kiện khớp mã băm máy đang lưu" in out
    code, out, _ = run(monkeypatch, capsys, data_dir, "archive", "--out", str(out_dir), "--yes")
    assert code == 0 and "Không ghi tệp lưu trữ nào" in out
    assert [p.name for p in out_dir.iterdir()] == ["luu-tru.zip"]

    tampered = out_dir / "sua.zip"
    with zipfile.ZipFile(archive_path) as original, zipfile.ZipFile(tampered, "w") as copy:
        for name in original.namelist():
            data = original.read(name)
            copy.writestr(name, data.replace(b"087084000999", b"087084000111") if name.startswith("dossiers/")
                          else data)
    code, out, _ = run(monkeypatch, capsys, data_dir, "verify-archive", str(tampered), "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"] and any("SHA-256" in p for p in report["problems"])
    code, _, err = run(monkeypatch, capsys, data_dir, "verify-archive", str(out_dir / "khong-co.zip"))
    assert code == 2 and "Không tìm thấy tệp" in err
