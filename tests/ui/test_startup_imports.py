"""The start-up path loads no library the first screen does not need (the cold-start budget of issue 8).

The main window's modules, the application's start-up and opening an up-to-date database must not import the PDF,
HTTP, Excel, encryption or migration libraries nor the sync protocol's models: each is loaded when first used (a
print, a sync, an export, a migration). A new top-level import of one of them fails here. Each case runs in a fresh
interpreter, as a start does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("reportlab", "pypdfium2", "httpx", "openpyxl", "alembic", "pydantic", "cryptography", "desk_app.sync.engine",
         "desk_app.sync.protocol", "desk_app.ui.dossier_detail", "desk_app.ui.fee_list", "desk_app.ui.audit_screen",
         "desk_app.ui.retention_dialog")

CASES = {
    "the main window and the application's start-up": "import desk_app.ui.app, desk_app.ui.main_window",
    "the command line's entry": "import desk_app.cli",
    "opening an up-to-date database": ("from pathlib import Path; from desk_app.services.desk import open_desk; "
                                       "open_desk(Path(sys.argv[1])).close()"),
}


@pytest.fixture(scope="module")
def migrated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from desk_app.services.desk import open_desk

    folder = tmp_path_factory.mktemp("desk")
    open_desk(folder).close()  # created and migrated here: the case below opens it again, with nothing to do
    return folder


@pytest.mark.parametrize("label", list(CASES))
def test_start_up_imports_nothing_heavy(label: str, migrated_dir: Path) -> None:
    code = f"import sys; {CASES[label]}; import json; print(json.dumps(sorted(set({HEAVY!r}) & set(sys.modules))))"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", code, str(migrated_dir)], capture_output=True, text=True, env=env,
                          check=True, cwd=Path(__file__).resolve().parents[2])
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [], label
