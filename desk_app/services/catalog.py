"""The procedure catalog and the holiday schedules: loading the shipped data, looking procedures up.

``load_catalog`` and ``load_holidays`` are idempotent upserts: running ``desk-app init`` again after an update of
``database/catalog/*.json`` updates the rows in place and never duplicates them. A procedure that disappears from
the file is deactivated, never deleted, since dossiers refer to it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from desk_app.config import catalog_dir
from desk_app.domain.calendar import schedules_from_data
from desk_app.domain.catalog_rules import check_catalog
from desk_app.domain.deadlines import TimeLimit, TimeUnit
from desk_app.domain.errors import NotFoundError, ValidationError
from desk_app.domain.fees import FeeRule
from desk_app.domain.validation import vn_fold
from desk_app.store.models import Holiday, Procedure


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """"2026.10" after "2026.9": numbers compare as numbers."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in version.split("."))


def newest_catalog_version(session: Session) -> str | None:
    versions = set(session.scalars(select(Procedure.catalog_version).where(Procedure.active).distinct()))
    return max(versions, key=version_key) if versions else None


def load_catalog(session: Session, path: Path | None = None) -> int:
    """Insert or update every procedure of the catalog file; returns how many it holds.

    The shipped file never replaces a newer catalog the upper level published (``desk-app init`` runs again at every
    update of the program): then the stored catalog is kept and its size returned.
    """
    data = read_json(path or catalog_dir() / "procedures.json")
    stored = newest_catalog_version(session)
    if path is None and stored is not None and version_key(stored) > version_key(str(data["catalog_version"])):
        return session.scalar(select(func.count()).select_from(Procedure).where(Procedure.active)) or 0
    return load_catalog_data(session, data)


def load_catalog_data(session: Session, data: dict[str, Any]) -> int:
    """Insert or update every procedure of a catalog (the shape of procedures.json, from the shipped file or published
    by the upper level); procedures it no longer lists are deactivated. Returns how many it holds.

    A catalog that breaks :func:`~desk_app.domain.catalog_rules.check_catalog` is refused (ValidationError naming the
    procedure and the field) before anything is written."""
    check_catalog(data)
    fields = {f["code"]: f["name"] for f in data["fields"]}
    version = str(data["catalog_version"])
    existing = {p.code: p for p in session.scalars(select(Procedure))}
    seen: set[str] = set()
    for item in data["procedures"]:
        limit = TimeLimit(int(item["time_limit"]["value"]), TimeUnit(item["time_limit"]["unit"]))
        if item["field"] not in fields:
            raise ValidationError(f"Thủ tục {item['code']}: lĩnh vực '{item['field']}' không có trong danh mục.")
        values = dict(
            national_code=item.get("national_code"),
            name=item["name"],
            name_folded=vn_fold(f"{item['name']} {item['code']} {fields[item['field']]}"),
            field_code=item["field"],
            field_name=fields[item["field"]],
            time_value=limit.value,
            time_unit=limit.unit.value,
            time_note=item.get("time_limit_note", ""),
            fee=int(item.get("fee", 0)),
            fee_note=item.get("fee_note", ""),
            fee_exemptable=bool(item.get("fee_exemptable", False)),
            fee_rule=item.get("fee_rule"),
            variants=[_variant(item["code"], v) for v in item.get("variants", ())],
            resolving_body=item["resolving_body"],
            inter_level=bool(item.get("inter_level", False)),
            documents=[{"name": d["name"], "originals": int(d["originals"]), "copies": int(d["copies"])}
                       for d in item["documents"]],
            components=list(item.get("components", [])),
            active=True,
            catalog_version=version,
        )
        row = existing.get(item["code"])
        if row is None:
            session.add(Procedure(code=item["code"], **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
        seen.add(item["code"])
    for code, row in existing.items():
        if code not in seen:
            row.active = False
    return len(seen)


def _variant(code: str, data: dict[str, Any]) -> dict[str, Any]:
    limit = TimeLimit(int(data["time_limit"]["value"]), TimeUnit(data["time_limit"]["unit"]))
    if not data.get("key") or not data.get("label"):
        raise ValidationError(f"Thủ tục {code}: mỗi trường hợp riêng cần 'key' và 'label'.")
    return {"key": data["key"], "label": data["label"], "time_limit": {"value": limit.value, "unit": limit.unit.value}}


ADMIN_SOURCE = "admin"


def _add_year(session: Session, year: int, entry: dict[str, Any], *, admin: bool) -> None:
    source = str(entry.get("source", ""))
    for period in entry.get("off", ()):
        session.add(Holiday(
            year=year, kind="period", start=dt.date.fromisoformat(period["from"]),
            end=dt.date.fromisoformat(period["to"]), name=period["name"],
            data={"occasions": period["occasions"], "swapped": period.get("swapped", []), ADMIN_SOURCE: admin},
            source=source,
        ))
    for makeup in entry.get("makeup_working", ()):
        day = dt.date.fromisoformat(makeup["date"])
        session.add(Holiday(year=year, kind="makeup", start=day, end=day, name=makeup["name"],
                            data={ADMIN_SOURCE: admin}, source=source))


def _admin_years(session: Session) -> set[int]:
    return {row.year for row in session.scalars(select(Holiday).where(Holiday.kind != "optional"))
            if row.data.get(ADMIN_SOURCE) and row.year is not None}


def load_holidays(session: Session, path: Path | None = None) -> int:
    """Load the shipped official schedules and optional holidays; returns the years the file holds.

    A year the administrator imported stays the administrator's (an import is a correction or a newer notice);
    years the file does not mention are kept as they are.
    """
    data = read_json(path or catalog_dir() / "holidays.json")
    schedules_from_data(data["years"])  # refuse a malformed file before touching the table
    years = [int(y) for y in data["years"] if int(y) not in _admin_years(session)]
    session.execute(delete(Holiday).where(Holiday.year.in_(years) | (Holiday.kind == "optional")))
    for year in years:
        _add_year(session, year, data["years"][str(year)], admin=False)
    for optional in data.get("optional", ()):
        session.add(Holiday(year=None, kind="optional", start=None, end=None, name=optional["name"], data=optional))
    return len(data["years"])


def import_holidays(session: Session, path: Path) -> list[int]:
    """An administrator's official schedule (the JSON shape of holidays.json's "years"): it replaces what the table
    holds for those years, shipped or imported before, and later catalog updates leave it alone."""
    try:
        data = read_json(path)
    except (OSError, ValueError) as error:
        raise ValidationError(f"Không đọc được tệp lịch nghỉ '{path}': {error}.", field="file") from None
    return import_holidays_data(session, data)


def import_holidays_data(session: Session, data: Any) -> list[int]:
    """An official schedule already read (an administrator's file, or one the upper level published): as
    :func:`import_holidays`."""
    years_data = data.get("years") if isinstance(data, dict) else None
    if not isinstance(years_data, dict) or not years_data:
        raise ValidationError("Tệp lịch nghỉ cần có mục \"years\": {\"2027\": {\"off\": [...], "
                              "\"makeup_working\": [...]}}.", field="file")
    try:
        schedules_from_data(years_data)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(f"Tệp lịch nghỉ sai cấu trúc ({error}).", field="file") from None
    years = sorted(int(y) for y in years_data)
    session.execute(delete(Holiday).where(Holiday.year.in_(years)))
    for year in years:
        _add_year(session, year, years_data[str(year)], admin=True)
    return years


def holiday_data(session: Session) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The holidays table in the JSON shape of ``holidays.json`` (``years`` and ``optional``)."""
    years: dict[str, Any] = {}
    optional: list[dict[str, Any]] = []
    for row in session.scalars(select(Holiday).order_by(Holiday.start)):
        if row.kind == "optional":
            optional.append(row.data)
            continue
        entry = years.setdefault(str(row.year), {"source": row.source, "off": [], "makeup_working": []})
        assert row.start is not None and row.end is not None
        if row.kind == "period":
            entry["off"].append({"from": row.start.isoformat(), "to": row.end.isoformat(), "name": row.name,
                                 "occasions": row.data["occasions"], "swapped": row.data.get("swapped", [])})
        else:
            entry["makeup_working"].append({"date": row.start.isoformat(), "name": row.name})
    return years, optional


def get_procedure(session: Session, code: str) -> Procedure:
    typed = code.strip()
    procedure = None if len(typed) > 100 or any(0xD800 <= ord(ch) <= 0xDFFF for ch in typed) else session.scalar(
        select(Procedure).where(Procedure.code == typed))  # no catalog code is long or holds a lone surrogate
    if procedure is None:
        code = code.encode("utf-8", "replace").decode("utf-8")[:100]  # echoed in the message
        raise NotFoundError(
            f"Không có thủ tục mã '{code}' trong danh mục. Tra mã bằng lệnh 'desk-app procedures --search ...'.",
            field="procedure",
        )
    return procedure


def search_procedures(session: Session, text: str = "", *, include_inactive: bool = False) -> list[Procedure]:
    """Procedures whose name, code or field contains every word of ``text``, accents ignored."""
    query = select(Procedure).order_by(Procedure.field_code, Procedure.code)
    if not include_inactive:
        query = query.where(Procedure.active.is_(True))
    for word in vn_fold(text).split():
        query = query.where(Procedure.name_folded.contains(word, autoescape=True))
    return list(session.scalars(query))


def time_limit_of(procedure: Procedure, variant: str | None = None) -> TimeLimit:
    """The procedure's time limit, or that of one of its variants (e.g. "verification": cần xác minh)."""
    if not variant:
        return TimeLimit(procedure.time_value, TimeUnit(procedure.time_unit))
    for item in procedure.variants:
        if item["key"] == variant:
            return TimeLimit(int(item["time_limit"]["value"]), TimeUnit(item["time_limit"]["unit"]))
    known = ", ".join(f"{v['key']} ({v['label']})" for v in procedure.variants) or "không có"
    raise ValidationError(f"Thủ tục '{procedure.name}' không có trường hợp '{variant}'. Các trường hợp: {known}.",
                          field="variant")


def fee_rule_of(procedure: Procedure) -> FeeRule:
    return FeeRule.from_data(procedure.fee_rule, procedure.fee)


def procedure_as_dict(procedure: Procedure) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "national_code": procedure.national_code,
        "name": procedure.name,
        "field": procedure.field_name,
        "field_code": procedure.field_code,
        "time_value": procedure.time_value,
        "time_unit": procedure.time_unit,
        "time_limit": time_limit_of(procedure).describe(),
        "time_note": procedure.time_note,
        "fee": procedure.fee,
        "fee_note": procedure.fee_note,
        "fee_exemptable": procedure.fee_exemptable,
        "fee_rule": procedure.fee_rule,
        "variants": procedure.variants,
        "resolving_body": procedure.resolving_body,
        "inter_level": procedure.inter_level,
        "documents": procedure.documents,
        "components": procedure.components,
        "active": procedure.active,
    }
