"""Where things live: the user's data folder (platformdirs), and the files shipped with the application."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "MotCuaDesk"
DATA_DIR_ENV = "DESK_APP_DATA_DIR"


def default_data_dir() -> Path:
    """``DESK_APP_DATA_DIR`` if set, otherwise the user's application-data folder."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return user_data_path(APP_NAME, appauthor=False)


def app_root() -> Path:
    """The folder holding ``database/`` and ``resources/``: the source tree, or a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    return app_root() / "database" / "migrations"


def catalog_dir() -> Path:
    return app_root() / "database" / "catalog"
