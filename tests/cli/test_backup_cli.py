"""`desk-app backup` and `desk-app restore`, and the power cut: a process making backups, or restoring one, killed
with SIGKILL at random moments never leaves a broken database, nor a half file under a real backup name."""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desk_app import cli
from desk_app.services.backup import make_backup, restore_backup
from desk_app.services.clock import SystemClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.store import backup_file as bf
from desk_app.store.db import DB_FILENAME
from tests.cli._support import read_available
from tests.services.test_backup import verified as verify_ok

AGENCY = "000.31.22.H20"
PASS = "mật khẩu sao lưu 2026"


@pytest.fixture(autouse=True)
def _cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bf, "KDF_LOG2_N", 10)


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    data_dir = tmp_path / "desk"
    db = open_desk(data_dir)
    initialise(db, {"agency_code": AGENCY, "backup_keep": "365"})
    add_dossiers(db, 3)
    db.close()
    return data_dir


def add_dossiers(db: object, n: int) -> None:
    ctx = ServiceContext(db, SystemClock(), "test:cli")  # type: ignore[arg-type]
    for i in range(n):
        receive(ctx, ReceiveRequest("XA.CT.01", {"name": "Trần Thị " + "ABCDEFG"[i % 7]}))


def codes(data_dir: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(data_dir / DB_FILENAME)) as conn:
        return {row[0] for row in conn.execute("SELECT code FROM dossiers")}


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str,
            stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


# -- the commands ---------------------------------------------------------------------------------------------------
def test_backup_prints_the_file_as_its_last_line_as_a_real_process(desk: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "desk_app", "--data-dir", str(desk), "backup"],
                            check=False, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.parent == desk / "backups" and bf.parse_name(path) is not None
    assert "3 hồ sơ" in result.stdout and "không mã hóa" in result.stdout


def test_backup_with_a_passphrase_from_stdin_and_restore_it(desk, tmp_path, monkeypatch, capsys) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    code, out, err = run_cli(monkeypatch, capsys, desk, "backup", "--to", str(usb), "--passphrase-stdin",
                             stdin=f"{PASS}\n")
    assert code == 0, err
    path = Path(out.strip().splitlines()[-1])
    assert path.parent == usb and bf.sniff(path) == "encrypted" and "có mã hóa" in out
    assert PASS not in out + err

    fresh = tmp_path / "new-pc"
    code, out, err = run_cli(monkeypatch, capsys, fresh, "restore", str(path), "--passphrase-stdin", "--yes",
                             stdin="sai mật khẩu\n")
    assert code == 2 and "Mật khẩu sao lưu không đúng" in err and not (fresh / DB_FILENAME).exists()
    code, out, err = run_cli(monkeypatch, capsys, fresh, "restore", str(path), "--passphrase-stdin", "--yes",
                             stdin=f"{PASS}\n")
    assert code == 0, err
    assert "3 hồ sơ" in out and "chưa có cơ sở dữ liệu nào trước đó" in out and "đồng bộ" in out
    assert codes(fresh) == codes(desk) and verify_ok(fresh) == (3, 3)


def test_restore_asks_first_and_keeps_the_current_database_aside(desk, monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, desk, "backup")
    backup = Path(out.strip().splitlines()[-1])
    db = open_desk(desk)
    add_dossiers(db, 2)
    db.close()
    before = codes(desk)
    code, out, err = run_cli(monkeypatch, capsys, desk, "restore", str(backup), stdin="k\n")
    assert code == 2 and "Chưa khôi phục" in err and codes(desk) == before
    code, out, err = run_cli(monkeypatch, capsys, desk, "restore", str(backup), stdin="c\n")
    assert code == 0, err
    kept = next(line for line in out.splitlines() if line.startswith("Cơ sở dữ liệu trước đó được giữ lại: "))
    aside = Path(kept.split(": ", 1)[1])
    assert aside.name.startswith("desk.db.before-restore-") and len(codes(desk)) == 3
    with contextlib.closing(sqlite3.connect(aside)) as conn:
        assert {r[0] for r in conn.execute("SELECT code FROM dossiers")} == before


@pytest.mark.parametrize(("args", "field"), [
    (("backup", "--to", "/khong-co-thu-muc-nay"), "to"),
    (("restore", "/khong-co-tep-nay.mcbak", "--yes"), "file"),
])
def test_refusals_exit_2_naming_the_field(desk, monkeypatch, capsys, args, field) -> None:
    code, _, err = run_cli(monkeypatch, capsys, desk, *args)
    assert code == 2 and f"(trường {field})" in err


def test_the_passphrase_is_never_an_argument() -> None:
    parser = cli.build_parser()
    for command in ("backup", "restore"):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "x.mcbak", "--passphrase", "bimat123"] if command == "restore"
                              else [command, "--passphrase", "bimat123"])


# -- the power cut ----------------------------------------------------------------------------------------------------
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL are POSIX")


def _fork(work: Callable[[int], None]) -> tuple[int, int]:
    """A child (forked: no interpreter start-up) running ``work(write_fd)``; returns (pid, read fd)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        try:
            work(write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    return pid, read_fd


def _kill_later(pid: int, fd: int, delay: float) -> list[str]:
    """Let the child work for ``delay`` seconds after it said it is ready, SIGKILL it; its finished lines."""
    buffer, deadline = b"", time.monotonic() + 10
    while b"ready\n" not in buffer and time.monotonic() < deadline:
        buffer += read_available(fd)
        time.sleep(0.002)
    stop = time.monotonic() + delay
    while time.monotonic() < stop:
        buffer += read_available(fd)
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    buffer += read_available(fd)
    os.close(fd)
    lines = buffer.decode("utf-8").split("\n")
    return [line for line in lines[:-1] if line and line != "ready"]  # a line without its newline was not finished


def _whole(path: Path, passphrase: str) -> bool:
    kind = bf.sniff(path)
    if kind == "sqlite":
        return not bf.sqlite_problems(path)
    try:
        for _ in bf.decrypt(path, passphrase):
            pass
    except bf.BackupFileError:
        return False
    return kind == "encrypted"


def test_sigkill_during_backups_never_leaves_a_half_backup_and_every_reported_one_restores(desk, tmp_path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()

    round_number = 0

    def backups(fd: int) -> None:
        db = open_desk(desk)
        ctx = ServiceContext(db, SystemClock(), "test:power-cut")
        os.write(fd, b"ready\n")
        for i in range(10_000):
            add_dossiers(db, 1)
            result = make_backup(ctx, to=folder, passphrase=PASS if (round_number + i) % 2 else "")
            os.write(fd, f"{result.path}\n".encode())

    rng = random.Random(7)
    reported: list[Path] = []
    for round_number in range(20):
        pid, fd = _fork(backups)
        delay = rng.uniform(0.05, 0.5) if round_number % 4 else 1.5  # now and then long enough to finish some
        done = [Path(line) for line in _kill_later(pid, fd, delay)]
        reported.extend(done)
        verify_ok(desk)  # the desk's own database: whole after every kill
        named = [p for p in folder.iterdir() if bf.parse_name(p) is not None]
        assert all(_whole(p, PASS) for p in named), f"a half file under a real name (round {round_number})"
        assert set(reported) <= set(named)
        for path in done[-2:]:  # what the child reported as done restores (the last ones: the riskiest)
            fresh = tmp_path / f"restore-{path.name}"
            outcome = restore_backup(fresh, path, passphrase=PASS)
            assert verify_ok(fresh) == (outcome.dossiers, outcome.events)
    assert len(reported) >= 5  # the child really worked between the kills (most kills land mid-backup)
    assert {bf.sniff(p) for p in reported} == {"sqlite", "encrypted"}


def test_sigkill_during_restores_leaves_the_old_or_the_new_database_whole(desk, tmp_path) -> None:
    db = open_desk(desk)
    ctx = ServiceContext(db, SystemClock(), "test:power-cut")
    first = make_backup(ctx, passphrase="")
    first_codes = codes(desk)
    add_dossiers(db, 3)
    second = make_backup(ctx, passphrase=PASS)
    second_codes = codes(desk)
    db.close()

    def restores(fd: int) -> None:
        os.write(fd, b"ready\n")
        for i in range(10_000):
            restore_backup(desk, first.path if i % 2 else second.path, passphrase=PASS)
            os.write(fd, f"{i}\n".encode())

    rng = random.Random(11)
    finished = 0
    for _ in range(20):
        pid, fd = _fork(restores)
        finished += len(_kill_later(pid, fd, rng.uniform(0.0, 0.4)))
        assert (desk / DB_FILENAME).exists()
        assert codes(desk) in (first_codes, second_codes)
        verify_ok(desk)
    assert finished >= 5
