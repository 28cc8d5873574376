"""The command line's prints and exports are audited like the window's; the national file leaves the ID numbers out
unless `--include-id-numbers`; `citizen-data` writes the citizen's document; `show` and `find` mask the number.

Run in-process through ``desk_app.cli.main`` (the subprocess tests in test_cli.py prove the real entry point)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from desk_app.cli import EXIT_OK, EXIT_REFUSED, main
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.store.models import VN_TZ

FULL_ID = "087084001234"
CITIZEN = {"name": "Nguyễn Văn Đức", "id_number": FULL_ID, "birth_date": "05/09/1984", "sex": "Nam",
           "phone": "0912 345 678", "address": "Ấp Mỹ Tây, xã Mỹ Phong, tỉnh Đồng Tháp"}


@pytest.fixture
def desk(tmp_path: Path) -> tuple[Path, str]:
    data_dir = tmp_path / "desk"
    db = open_desk(data_dir)
    initialise(db, {"agency_code": "000.31.22.H20", "commune_name": "UBND xã Mỹ Phong"})
    ctx = ServiceContext(db, FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)), "test:clerk")
    code = receive(ctx, ReceiveRequest("XA.HT.01", dict(CITIZEN))).code
    from desk_app.services.actions import DossierActions

    DossierActions(ctx).transfer(code, "Công chức Tư pháp - Hộ tịch")
    db.close()
    return data_dir, code


def audit(data_dir: Path) -> list[tuple[str, str, str | None, dict[str, object]]]:
    with sqlite3.connect(data_dir / "desk.db") as conn:
        return [(actor, action, target, json.loads(detail)) for actor, action, target, detail in
                conn.execute("SELECT actor, action, target, detail FROM audit_log ORDER BY id")]


def cli(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


@pytest.mark.parametrize(("args", "action", "form"), [
    (("print", "{code}", "--out", "{out}/slip.pdf"), "print", "slip"),
    (("print", "{code}", "--form", "control", "--out", "{out}/control.pdf"), "print", "control"),
    (("ledger", "--from", "2026-03-01", "--to", "2026-03-31", "--out", "{out}/ledger.pdf"), "print", "ledger"),
    (("handover", "--to", "Công chức Tư pháp - Hộ tịch", "--date", "2026-03-02", "--out", "{out}/h.pdf"), "print",
     "handover"),
    (("report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", "{out}/b06.xlsx"), "export", "bieu_06"),
    (("report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", "{out}/b06.pdf"), "export", "bieu_06"),
    (("export-national", "--from", "2026-03-01", "--to", "2026-03-31", "--out", "{out}/q.json"), "export",
     "national_exchange"),
    (("citizen-data", FULL_ID, "--out", "{out}/cd.pdf"), "citizen_data", "citizen_data"),
])
def test_each_print_and_export_is_audited(desk: tuple[Path, str], tmp_path: Path, args: tuple[str, ...],
                                          action: str, form: str, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir, code = desk
    filled = [a.format(code=code, out=tmp_path) for a in args]
    assert cli(data_dir, *filled) == EXIT_OK, capsys.readouterr().err
    assert Path(filled[-1]).stat().st_size > 0
    [(actor, done, _target, detail)] = audit(data_dir)
    assert actor.startswith("cli:") and done == action and detail["form"] == form
    assert FULL_ID not in json.dumps(audit(data_dir))


def test_the_national_file_carries_id_numbers_only_when_asked(desk: tuple[Path, str], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data_dir, _ = desk
    plain, full = tmp_path / "plain.json", tmp_path / "full.json"
    period = ("--from", "2026-03-01", "--to", "2026-03-31")
    assert cli(data_dir, "export-national", *period, "--out", str(plain)) == EXIT_OK
    assert cli(data_dir, "export-national", *period, "--out", str(full), "--include-id-numbers") == EXIT_OK
    assert "(có số CCCD)" in capsys.readouterr().out
    assert FULL_ID not in plain.read_text(encoding="utf-8")
    assert json.loads(full.read_text(encoding="utf-8"))["data"][0]["SoGiayToChuHoSo"] == FULL_ID
    assert [d.get("include_id_numbers", False) for *_, d in audit(data_dir)] == [False, True]


def test_citizen_data_refuses_a_masked_number_at_its_field(desk: tuple[Path, str], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    data_dir, _ = desk
    out = tmp_path / "cd.pdf"
    assert cli(data_dir, "citizen-data", "087******234", "--out", str(out)) == EXIT_REFUSED
    assert "trường id_number" in capsys.readouterr().err
    assert not out.exists() and audit(data_dir) == []


def test_show_and_find_mask_the_id_number(desk: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    data_dir, code = desk
    for args in (("show", code), ("show", code, "--json"), ("find", FULL_ID), ("find", FULL_ID, "--json"),
                 ("find", "nguyen van duc")):
        assert cli(data_dir, *args) == EXIT_OK
        captured = capsys.readouterr()
        assert code in captured.out
        assert FULL_ID not in captured.out + captured.err, args
    assert cli(data_dir, "show", code) == EXIT_OK and "087******234" in capsys.readouterr().out
