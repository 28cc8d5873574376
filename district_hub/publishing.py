"""What the upper level publishes for every commune: the procedure catalog and the official holiday schedules.

Each publication is checked first (a malformed file never reaches a desk), stored with the SHA-256 of its canonical
JSON, and handed to the desks through the feed. Publishing the same content as the latest one of its kind again
stores nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, text

from desk_app.domain.calendar import optional_from_data, schedules_from_data
from desk_app.domain.catalog_rules import check_catalog
from desk_app.domain.chain import canonical_json
from desk_app.domain.errors import DomainError, ValidationError
from district_hub.clock import Clock, system_now, to_text
from district_hub.config import shipped_holidays_file
from district_hub.db import HubDatabase
from district_hub.schema import publications

KIND_NAMES = {"catalog": "danh mục thủ tục", "holidays": "lịch nghỉ lễ"}


@dataclass(frozen=True)
class Published:
    id: int
    kind: str
    sha256: str
    new: bool
    message: str


def content_sha256(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _bad(message: str) -> ValidationError:
    return ValidationError(message, field="file")


def validate_catalog(content: Any) -> None:
    """The shape of database/catalog/procedures.json, exactly as a desk loads it (desk_app.domain.catalog_rules):
    a catalog a desk could not load is never published."""
    check_catalog(content)


def validate_holidays(content: Any) -> None:
    """The shape of database/catalog/holidays.json: {"years": {"2027": {"off": [...], "makeup_working": [...]}}}."""
    years = content.get("years") if isinstance(content, dict) else None
    if not isinstance(years, dict) or not years:
        raise _bad("Tệp lịch nghỉ cần có mục \"years\": {\"2027\": {\"off\": [...], \"makeup_working\": [...]}}.")
    try:
        schedules_from_data(years)
        optional_from_data(content.get("optional", ()))
    except DomainError as error:
        raise _bad(f"Tệp lịch nghỉ không hợp lệ: {error.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise _bad(f"Tệp lịch nghỉ sai cấu trúc ({type(error).__name__}: {error}).") from None


VALIDATORS = {"catalog": validate_catalog, "holidays": validate_holidays}


def read_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _bad(f"Không đọc được tệp '{path}': {error.strerror or error}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _bad(f"Tệp '{path}' không phải JSON hợp lệ (UTF-8): {error}.") from None


def publish(db: HubDatabase, kind: str, content: Any, clock: Clock = system_now) -> Published:
    if kind not in VALIDATORS:
        raise ValueError(f"unknown publication kind {kind!r}")
    VALIDATORS[kind](content)
    digest = content_sha256(content)
    name = KIND_NAMES[kind]
    with db.write() as conn:
        if db.is_postgresql:  # publication ids must grow in commit order, like the feed's events
            conn.execute(text("LOCK TABLE publications IN EXCLUSIVE MODE"))
        latest = conn.execute(select(publications.c.id, publications.c.sha256).where(publications.c.kind == kind)
                              .order_by(publications.c.id.desc()).limit(1)).first()
        if latest is not None and latest.sha256 == digest:
            return Published(latest.id, kind, digest, False,
                             f"Nội dung {name} này đã được công bố (số {latest.id}); không công bố lại.")
        new_id = conn.execute(insert(publications).values(
            kind=kind, published_at=to_text(clock()), sha256=digest, content=canonical_json(content),
        ).returning(publications.c.id)).scalar_one()
    return Published(new_id, kind, digest, True,
                     f"Đã công bố {name} (số {new_id}); các xã nhận được ở lần đồng bộ tới.")


def publish_file(db: HubDatabase, kind: str, path: Path, clock: Clock = system_now) -> Published:
    return publish(db, kind, read_file(path), clock)


def holiday_years(conn: Connection) -> dict[str, Any]:
    """The official schedules the server counts with: the shipped file's years, each replaced by the latest
    publication that lists that year."""
    years: dict[str, Any] = {}
    shipped = shipped_holidays_file()
    if shipped is not None:
        years.update(json.loads(shipped.read_text(encoding="utf-8")).get("years", {}))
    for content in conn.scalars(select(publications.c.content).where(publications.c.kind == "holidays")
                                .order_by(publications.c.id)):
        years.update(json.loads(content).get("years", {}))
    return years
