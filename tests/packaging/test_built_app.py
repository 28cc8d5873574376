"""The built desktop application (``make dist`` → dist/MotCuaDesk/) as it arrives on a commune PC: it starts with no
Python installed, makes its data folder in the user's application data, shows the first-run dialog's path without
blocking, works with no network, and prints forms with the fonts it carries.

Skipped while no build exists (or while it is older than the sources: rebuild with ``make dist``). Set
``DESK_APP_DIST=<folder>`` to test a given build whatever its age (a missing one then fails): ``DESK_APP_DIST=dist/
MotCuaDesk .venv/bin/python -m pytest -m dist``. The folder's size and the start-up time are printed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging.conftest import FIGURES

pytestmark = pytest.mark.dist

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BUILD = ROOT / "dist" / "MotCuaDesk"
BUILD_ENV = "DESK_APP_DIST"
EXE = ".exe" if sys.platform == "win32" else ""
TIMEOUT_S = 180  # a loaded 2-core machine; no timing is asserted
SOURCES = ("desk_app", "database", "resources")


@dataclass(frozen=True)
class Build:
    folder: Path

    @property
    def gui(self) -> Path:
        return self.folder / f"MotCuaDesk{EXE}"

    @property
    def cli(self) -> Path:
        return self.folder / f"desk-app{EXE}"

    @property
    def internal(self) -> Path:
        return self.folder / "_internal"

    def size_mb(self) -> float:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def newest_source() -> float:
    return max(p.stat().st_mtime for name in SOURCES for p in (ROOT / name).rglob("*")
               if p.is_file() and "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def build() -> Build:
    asked = os.environ.get(BUILD_ENV)
    found = Build(Path(asked).resolve() if asked else DEFAULT_BUILD)
    if not found.gui.is_file():
        if asked:
            pytest.fail(f"{BUILD_ENV}={asked}: no {found.gui.name} there (build it with `make dist`)")
        pytest.skip("dist/MotCuaDesk is not built (make dist)")
    if not asked and found.gui.stat().st_mtime < newest_source():
        pytest.skip("dist/MotCuaDesk is older than the sources (make dist)")
    return found


@pytest.fixture(scope="module")
def report(build: Build, pytestconfig: pytest.Config) -> dict[str, str]:
    """Figures printed in the run's summary (tests/packaging/conftest.py), not only with -s."""
    figures = pytestconfig.stash.setdefault(FIGURES, {})
    figures["folder"] = str(build.folder)
    figures["size"] = f"{build.size_mb():.0f} MB"
    return figures


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A new user on a new PC: nothing of this machine's Python, data folder or settings leaks in."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "DESK_APP_", "XDG_", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"), QT_QPA_PLATFORM="offscreen", PATH="/usr/bin:/bin")
    if sys.platform == "win32":
        env.update(APPDATA=str(home / "AppData" / "Roaming"), LOCALAPPDATA=str(home / "AppData" / "Local"))
        env["PATH"] = os.environ.get("SystemRoot", r"C:\Windows") + r"\System32"
    env.update(extra)
    return env


def offline(command: list[str]) -> list[str]:
    """Without any network at all where the system allows it (a new network namespace: only a downed loopback)."""
    unshare = shutil.which("unshare")
    if sys.platform.startswith("linux") and unshare:
        probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [unshare, "-rn", *command]
    return command


def run(command: list[str | Path], env: Mapping[str, str], cwd: Path,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], env=dict(env), cwd=cwd, input=stdin, text=True,
                            capture_output=True, timeout=TIMEOUT_S, check=False, encoding="utf-8")
    assert result.returncode == 0, f"{command[0]} {command[1:]} → {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def test_the_bundle_carries_what_the_desk_reads_and_not_the_server(build: Build, report: dict[str, str]) -> None:
    inside = build.internal
    assert build.cli.is_file()
    fonts = {p.name for p in (inside / "resources" / "fonts").iterdir()}
    assert {"LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LICENSE-LiberationSerif.txt"} <= fonts
    assert (inside / "resources" / "icons" / "motcuadesk.ico").is_file()
    for name in ("procedures.json", "holidays.json"):
        assert (inside / "database" / "catalog" / name).read_bytes() == (ROOT / "database" / "catalog" / name).read_bytes()
    shipped = {p.name for p in (ROOT / "database" / "migrations" / "versions").glob("*.py")}
    assert shipped and shipped == {p.name for p in (inside / "database" / "migrations" / "versions").glob("*.py")}
    assert (inside / "database" / "migrations" / "env.py").is_file()
    assert (inside / "database" / "alembic.ini").is_file()
    assert (inside / "cryptography").is_dir() and (inside / "certifi" / "cacert.pem").is_file()  # backups; https
    plugins = inside / "PySide6" / "Qt" / "plugins"
    platforms = {p.name for p in (plugins / "platforms").iterdir()}
    assert any("offscreen" in name for name in platforms)
    assert any(("windows" if sys.platform == "win32" else "xcb") in name for name in platforms)
    assert any("ico" in p.name for p in (plugins / "imageformats").iterdir())
    left_out = ["district_hub", "fastapi", "uvicorn", "starlette", "psycopg", "pytest", "hypothesis", "tests",
                "sqlcipher3"]
    present = {p.name.split(".")[0] for p in inside.iterdir()}
    assert not present & set(left_out), present & set(left_out)
    qt = {p.name for p in inside.rglob("*Qt6*")}
    assert not [name for name in qt if any(part in name for part in ("WebEngine", "Quick", "Qml", "Wayland"))]
    report["files"] = str(sum(1 for p in build.folder.rglob("*") if p.is_file()))


def test_first_start_on_a_new_pc_makes_the_data_folder_and_waits_for_the_first_run(
        build: Build, report: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = run(offline([str(build.gui), "gui", "--exit-after-startup"]), clean_env(home), cwd=tmp_path)
    milliseconds = int(result.stdout.strip().splitlines()[-1])
    report["start-up (first start, offline, fresh data folder)"] = f"{milliseconds} ms"
    if sys.platform.startswith("linux"):
        data = home / ".local" / "share" / "MotCuaDesk"  # platformdirs' user data folder
    else:
        pytest.skip("the user data folder is checked on Linux (Windows takes it from the shell, not the environment)")
    assert (data / "desk.db").is_file()
    assert (data / "logs" / "desk.log").is_file()
    with sqlite3.connect(data / "desk.db") as connection:
        assert connection.execute("SELECT count(*) FROM users").fetchone() == (0,)  # the first-run dialog's turn
        assert connection.execute("SELECT count(*) FROM procedures").fetchone()[0] > 0  # the shipped catalog
    assert not (home / ".config" / "MotCuaDesk").exists()  # the start-up check leaves no window geometry behind
    # A second start opens what the first made (the migrations found inside the build, nothing to apply).
    run(offline([str(build.gui), "gui", "--exit-after-startup"]), clean_env(home), cwd=tmp_path)


def test_the_command_line_sets_up_the_upper_level_prints_a_slip_and_writes_a_workbook(
        build: Build, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, DESK_APP_DATA_DIR=str(tmp_path / "desk"))
    run(offline([str(build.cli), "init", "--demo"]), env, cwd=tmp_path)
    shown = run(offline([str(build.cli), "settings", "set", "upper_level_token", "bi-mat-cua-xa-123"]), env,
                cwd=tmp_path)
    assert "bi-mat-cua-xa-123" not in shown.stdout
    url = run(offline([str(build.cli), "settings", "set", "upper_level_url", "https://tinh.example.vn"]), env,
              cwd=tmp_path)
    assert "https://tinh.example.vn" in url.stdout
    received = run(offline([str(build.cli), "receive", "--json", "-"]), env, cwd=tmp_path,
                   stdin='{"procedure":"XA.CT.01","applicant":{"name":"Lê Thị Hoa"}}')
    code = received.stdout.strip().splitlines()[-1]
    slip = tmp_path / "giay-hen.pdf"
    run(offline([str(build.cli), "print", code, "--out", str(slip)]), env, cwd=tmp_path)
    pdf = slip.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"LiberationSerif" in pdf  # the embedded font came from the build's resources/fonts
    workbook = tmp_path / "bao-cao.xlsx"
    run(offline([str(build.cli), "report", "--from", "2026-01-01", "--to", "2026-12-31", "--out", str(workbook)]),
        env, cwd=tmp_path)
    with zipfile.ZipFile(workbook) as book:
        assert "xl/workbook.xml" in book.namelist()
