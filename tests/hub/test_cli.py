"""``district-hub`` as a real process: add-commune's last line is the token, stats --json's exact shape, refusals
with exit code 1, ``--db`` before or after the command, and the hub runs with Qt and reportlab absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from district_hub.cli import main
from district_hub.db import open_database
from tests.hub.support import AGENCY, OTHER_AGENCY

REPO = Path(__file__).resolve().parents[2]


def hub(db_url: str, *args: str, before: bool = True) -> subprocess.CompletedProcess[str]:
    db = ["--db", db_url]
    argv = [*db, *args] if before else [*args, *db]
    return subprocess.run([sys.executable, "-m", "district_hub", *argv], cwd=REPO, capture_output=True, text=True,
                          timeout=60, check=False)


def test_add_commune_prints_the_token_last_and_stats_counts(sqlite_url: str) -> None:
    added = hub(sqlite_url, "add-commune", "--code", "000.31.22.h20", "--name", "UBND xã  Mỹ Phong")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert len(token) >= 40 and " " not in token
    assert AGENCY in added.stdout and "UBND xã Mỹ Phong" in added.stdout
    assert hub(sqlite_url, "add-commune", "--code", OTHER_AGENCY, "--name", "UBND xã Mỹ Tân",
               before=False).returncode == 0
    stats = hub(sqlite_url, "stats", "--json")
    assert stats.returncode == 0
    assert json.loads(stats.stdout) == {"communes": {AGENCY: {"dossiers": 0, "events": 0},
                                                     OTHER_AGENCY: {"dossiers": 0, "events": 0}}}
    human = hub(sqlite_url, "stats", before=False)
    assert "UBND xã Mỹ Tân" in human.stdout and AGENCY in human.stdout


def run(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> tuple[int, str, str]:
    """The same command in this process (faster; the real process is tested above)."""
    code = main(["--db", db_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_refusals_exit_1_with_a_clear_message(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, sqlite_url, "add-commune", "--code", AGENCY, "--name", "UBND xã Mỹ Phong")[0] == 0
    code, _, err = run(capsys, sqlite_url, "add-commune", "--code", AGENCY, "--name", "Khác")
    assert code == 1 and "đã có trên máy chủ" in err and "--rotate" in err
    code, _, err = run(capsys, sqlite_url, "add-commune", "--code", "31.22", "--name", "X")
    assert code == 1 and "QCVN 102:2016" in err
    code, _, err = run(capsys, sqlite_url, "add-commune", "--code", OTHER_AGENCY)
    assert code == 1 and "Cần ghi tên xã" in err
    code, _, err = run(capsys, sqlite_url, "decide", f"{AGENCY}-260302-0001", "result")
    assert code == 1 and "không có hồ sơ mã" in err
    with pytest.raises(SystemExit) as usage:
        main(["--db", sqlite_url, "decide", f"{AGENCY}-260302-0001", "maybe"])
    assert usage.value.code == 2
    code, _, err = run(capsys, "mysql://x@y/z", "stats")
    assert code == 1 and "PostgreSQL" in err


def test_rotate_issues_a_new_token(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, sqlite_url, "add-commune", "--code", AGENCY, "--name", "UBND xã Mỹ Phong")[1]
    code, out, _ = run(capsys, sqlite_url, "add-commune", "--code", AGENCY, "--rotate")
    assert code == 0 and "UBND xã Mỹ Phong" in out
    assert out.strip().splitlines()[-1] != first.strip().splitlines()[-1]
    code, _, err = run(capsys, sqlite_url, "add-commune", "--code", OTHER_AGENCY, "--rotate")
    assert code == 1 and "chưa có xã" in err
    code, out, _ = run(capsys, sqlite_url, "add-officer", "--name", "Lê Văn Tám")
    assert code == 0 and len(out.strip().splitlines()[-1]) >= 40
    assert run(capsys, sqlite_url, "add-officer", "--name", "lê văn tám")[0] == 1
    assert run(capsys, sqlite_url, "add-officer", "--name", "Lê Văn Tám", "--rotate")[0] == 0


def test_publish_commands_check_the_file(sqlite_url: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    open_database(sqlite_url).close()
    code, out, _ = run(capsys, sqlite_url, "publish-catalog", str(REPO / "database" / "catalog" / "procedures.json"))
    assert code == 0 and "Đã công bố danh mục thủ tục" in out
    bad = tmp_path / "holidays.json"
    bad.write_text('{"years": {"2027": {"makeup_working": [{"date": "2027-02-03", "name": "x"}]}}}', encoding="utf-8")
    code, _, err = run(capsys, sqlite_url, "publish-holidays", str(bad))
    assert code == 1 and "không phải thứ Bảy" in err


def test_help_documents_db_and_the_commands() -> None:
    shown = subprocess.run([sys.executable, "-m", "district_hub", "--help"], cwd=REPO, capture_output=True,
                           text=True, timeout=60, check=False)
    assert shown.returncode == 0
    for word in ("--db", "serve", "add-commune", "stats", "decide", "publish-catalog", "publish-holidays",
                 "new-instance", "trước hoặc sau", "khôi phục"):
        assert word in shown.stdout


def test_the_default_database_is_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTRICT_HUB_DATA_DIR", str(tmp_path / "data"))
    added = subprocess.run([sys.executable, "-m", "district_hub", "add-officer", "--name", "Lê Văn Tám"], cwd=REPO,
                           capture_output=True, text=True, timeout=60, check=False)
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "data" / "hub.db").is_file()
    done = subprocess.run([sys.executable, "-m", "district_hub", "stats", "--json"], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0 and json.loads(done.stdout) == {"communes": {}}


@pytest.mark.parametrize("command", [["stats"], ["stats", "--json"], ["new-instance"],
                                     ["decide", f"{AGENCY}-260302-0001", "result"],
                                     ["publish-catalog", str(REPO / "database" / "catalog" / "procedures.json")],
                                     ["publish-holidays", str(REPO / "database" / "catalog" / "holidays.json")]])
def test_a_forgotten_db_is_refused_not_created(command: list[str], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "hub.db"
    code, out, err = run(capsys, f"sqlite:///{missing}", *command)
    assert code == 1 and out == ""
    assert "Không có cơ sở dữ liệu của máy chủ" in err and str(missing) in err and "--db" in err
    assert "DISTRICT_HUB_DATA_DIR" in err and "add-commune" in err
    assert not missing.exists() and not missing.parent.exists()


def test_new_instance_changes_the_status_instance(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from district_hub.registry import instance_id

    assert run(capsys, sqlite_url, "add-officer", "--name", "Lê Văn Tám")[0] == 0
    database = open_database(sqlite_url)
    try:
        with database.read() as conn:
            before = instance_id(conn)
        code, out, _ = run(capsys, sqlite_url, "new-instance")
        with database.read() as conn:
            after = instance_id(conn)
    finally:
        database.close()
    assert code == 0 and after in out and "đọc lại" in out
    assert before and after and before != after


NO_QT = """
import sys
for name in ("PySide6", "reportlab", "openpyxl", "pypdfium2", "barcode"):
    sys.modules[name] = None  # importing any of them now raises ImportError
from fastapi.testclient import TestClient
import district_hub.app
from district_hub.cli import main
from district_hub.db import open_database
app = district_hub.app.create_app(sys.argv[1])
with TestClient(app) as client:
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    assert client.get("/tra-cuu").status_code == 200
code = main(["--db", sys.argv[1], "add-commune", "--code", "000.31.22.H20", "--name", "UBND xã Mỹ Phong"])
assert code == 0
assert main(["--db", sys.argv[1], "stats", "--json"]) == 0
leaked = sorted(m for m, mod in list(sys.modules.items()) if mod is not None and m.startswith(("desk_app.store", "desk_app.services", "desk_app.ui",
                                                        "desk_app.documents", "PySide6", "reportlab")))
print("LEAKED", leaked)
"""


def test_the_hub_needs_no_qt_nor_reportlab(sqlite_url: str) -> None:
    done = subprocess.run([sys.executable, "-c", NO_QT, sqlite_url], cwd=REPO, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "LEAKED []" in done.stdout
