"""Where the server keeps its data, and how a ``--db`` value becomes a database URL."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

DATA_DIR_ENV = "DISTRICT_HUB_DATA_DIR"
DB_FILENAME = "hub.db"


def default_data_dir() -> Path:
    """``DISTRICT_HUB_DATA_DIR`` if set, otherwise the user's application-data folder for ``district-hub``."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return user_data_path("district-hub", appauthor=False)


def default_db_url() -> str:
    return f"sqlite:///{default_data_dir() / DB_FILENAME}"


def db_url(value: str | None) -> str:
    """A SQLAlchemy URL from ``--db``: a URL as given, a bare path as a SQLite file, nothing as the default file."""
    if not value:
        return default_db_url()
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def shipped_holidays_file() -> Path | None:
    """The official holiday schedules shipped with the source tree (``database/catalog/holidays.json``), if present.

    An installed server may not have the file; it then counts with the Labour Code's rules and the schedules the
    upper level published (``district-hub publish-holidays``).
    """
    import desk_app

    candidate = Path(desk_app.__file__).resolve().parent.parent / "database" / "catalog" / "holidays.json"
    return candidate if candidate.is_file() else None
