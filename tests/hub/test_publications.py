"""Publishing the catalog and the holiday schedules: checked first, stored once, handed out through the feed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from desk_app.domain.errors import ValidationError
from district_hub.db import HubDatabase
from district_hub.publishing import content_sha256, publish, publish_file, validate_catalog, validate_holidays
from district_hub.schema import publications

CATALOG = Path(__file__).resolve().parents[2] / "database" / "catalog"


def _catalog() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOG / "procedures.json").read_text(encoding="utf-8"))
    return data


def test_the_shipped_files_are_valid_publications(hub_db: HubDatabase) -> None:
    catalog = publish_file(hub_db, "catalog", CATALOG / "procedures.json")
    holidays = publish_file(hub_db, "holidays", CATALOG / "holidays.json")
    assert catalog.new and holidays.new and holidays.id > catalog.id
    assert catalog.sha256 == content_sha256(_catalog())
    again = publish_file(hub_db, "catalog", CATALOG / "procedures.json")
    assert not again.new and again.id == catalog.id and "đã được công bố" in again.message


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c.pop("catalog_version"), "catalog_version"),
    (lambda c: c.update(fields=[]), "fields"),
    (lambda c: c["procedures"][0].pop("resolving_body"), "resolving_body"),
    (lambda c: c["procedures"][0].update(field="ZZ"), "lĩnh vực 'ZZ'"),
    (lambda c: c["procedures"][0].update(time_limit={"value": 3, "unit": "weeks"}), "time_limit"),
    (lambda c: c["procedures"][0].update(documents="Tờ khai"), "documents"),
    (lambda c: c["procedures"].append(copy.deepcopy(c["procedures"][0])), "hai lần"),
    # what a desk's loader reads besides (desk_app.domain.catalog_rules): refused here, never a KeyError there
    (lambda c: c["procedures"][0]["documents"][0].pop("copies"), "'copies'"),
    (lambda c: c["procedures"][0].update(fee="miễn phí"), "'fee'"),
    (lambda c: c["procedures"][0].update(variants=[{"label": "Cần xác minh",
                                                     "time_limit": {"value": 5, "unit": "days"}}]), "'key'"),
])
def test_a_malformed_catalog_is_refused_with_what_is_wrong(change: Any, message: str) -> None:
    catalog = _catalog()
    change(catalog)
    with pytest.raises(ValidationError, match=message):
        validate_catalog(catalog)


@pytest.mark.parametrize(("content", "message"), [
    ({}, "years"),
    ({"years": {"2027": {"off": [{"from": "2027-02-01", "to": "2026-02-03", "name": "Tết",
                                  "occasions": ["tet"]}]}}}, "không thuộc lịch năm"),
    ({"years": {"2027": {"off": [{"from": "2027-02-01", "name": "Tết", "occasions": ["tet"]}]}}}, "sai cấu trúc"),
    ({"years": {"2027": {"makeup_working": [{"date": "2027-02-03", "name": "Làm bù"}]}}}, "không phải thứ Bảy"),
])
def test_a_malformed_holiday_schedule_is_refused(content: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_holidays(content)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path, hub_db: HubDatabase) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ValidationError, match="không phải JSON"):
        publish_file(hub_db, "holidays", bad)
    with pytest.raises(ValidationError, match="Không đọc được"):
        publish_file(hub_db, "holidays", tmp_path / "missing.json")


def test_a_new_content_is_a_new_publication(hub_db: HubDatabase) -> None:
    first = publish(hub_db, "holidays", {"years": {"2027": {"off": []}}})
    second = publish(hub_db, "holidays", {"years": {"2028": {"off": []}}})
    back = publish(hub_db, "holidays", {"years": {"2027": {"off": []}}})
    assert first.new and second.new and back.new and first.id < second.id < back.id


def test_publish_refuses_a_catalog_a_desk_could_not_load_and_stores_nothing(hub_db: HubDatabase) -> None:
    catalog = _catalog()
    del catalog["procedures"][0]["documents"][0]["originals"]
    code = catalog["procedures"][0]["code"]
    with pytest.raises(ValidationError, match=f"Thủ tục {code}.*'originals'"):
        publish(hub_db, "catalog", catalog)
    with hub_db.read() as conn:
        assert conn.scalar(select(func.count()).select_from(publications)) == 0
