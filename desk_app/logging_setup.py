"""The desk's log: a rotating file in the data folder. It holds codes, kinds and counts, never personal data
(no names, ID numbers, phones, addresses): faults are logged by exception type and code location only, since an
exception's message may quote a value that was typed."""

from __future__ import annotations

import logging
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

_configured: set[Path] = set()


def configure_logging(data_dir: Path) -> None:
    log_dir = data_dir / "logs"
    if log_dir in _configured:
        return
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(log_dir / "desk.log", maxBytes=2_000_000, backupCount=5,
                                                       encoding="utf-8")
    except OSError:
        return  # a read-only data folder is reported by the database open, not here
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # it announces its context on every open
    _configured.add(log_dir)


def fault_summary(error: BaseException) -> str:
    """Where a fault happened, without its message: "IntegrityError at store/events.py:120 in append_event"."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames[-6:]))
    return f"{type(error).__name__} at {where}"
