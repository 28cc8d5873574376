"""check_catalog: every field the desk's catalog loader reads, missing or malformed, is refused in Vietnamese with the
procedure and the field named; the shipped catalog passes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desk_app.domain.catalog_rules import check_catalog
from desk_app.domain.errors import ValidationError

CATALOG = Path(__file__).resolve().parents[2] / "database" / "catalog" / "procedures.json"
SHIPPED: dict[str, Any] = json.loads(CATALOG.read_text(encoding="utf-8"))
FIRST = SHIPPED["procedures"][0]["code"]
BUNDLE = next(p["code"] for p in SHIPPED["procedures"] if p.get("components"))
WITH_VARIANT = next(p["code"] for p in SHIPPED["procedures"] if p.get("variants"))


def _catalog() -> dict[str, Any]:
    return copy.deepcopy(SHIPPED)


def _proc(catalog: dict[str, Any], code: str = FIRST) -> dict[str, Any]:
    procedure: dict[str, Any] = next(p for p in catalog["procedures"] if p["code"] == code)
    return procedure


def _set(key: str, value: Any, code: str = FIRST) -> Callable[[dict[str, Any]], None]:
    return lambda c: _proc(c, code).update({key: value})


def _drop(key: str, code: str = FIRST) -> Callable[[dict[str, Any]], None]:
    return lambda c: _proc(c, code).pop(key)


def _document(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        document = _proc(c)["documents"][0]
        for key, value in changes.items():
            if value is ...:
                document.pop(key)
            else:
                document[key] = value
    return change


def _variant(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        variant = _proc(c, WITH_VARIANT)["variants"][0]
        for key, value in changes.items():
            if value is ...:
                variant.pop(key)
            else:
                variant[key] = value
    return change


def _component(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        component = _proc(c, BUNDLE)["components"][0]
        for key, value in changes.items():
            if value is ...:
                component.pop(key)
            else:
                component[key] = value
    return change


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    # the catalog as a whole
    ("no version", lambda c: c.pop("catalog_version"), "catalog_version"),
    ("numeric version", lambda c: c.update(catalog_version=2026.2), "catalog_version"),
    ("no fields", lambda c: c.pop("fields"), "'fields'"),
    ("empty fields", lambda c: c.update(fields=[]), "'fields'"),
    ("field without name", lambda c: c["fields"][0].pop("name"), "Lĩnh vực thứ 1"),
    ("field twice", lambda c: c["fields"].append(dict(c["fields"][0])), "xuất hiện hai lần"),
    ("no procedures", lambda c: c.pop("procedures"), "'procedures'"),
    ("procedure not an object", lambda c: c["procedures"].append("1.000"), "phải là một đối tượng JSON"),
    ("procedure without code", _drop("code"), "thiếu 'code'"),
    ("procedure code too long", _set("code", "X" * 41), "thiếu 'code'"),
    ("procedure twice", lambda c: c["procedures"].append(copy.deepcopy(c["procedures"][0])), "hai lần"),
    # the procedure's own text
    ("no name", _drop("name"), f"Thủ tục {FIRST}.*thiếu 'name'"),
    ("blank name", _set("name", "  "), f"Thủ tục {FIRST}.*thiếu 'name'"),
    ("no field", _drop("field"), f"Thủ tục {FIRST}.*thiếu 'field'"),
    ("unknown field", _set("field", "ZZ"), f"Thủ tục {FIRST}.*lĩnh vực 'ZZ'"),
    ("no resolving body", _drop("resolving_body"), f"Thủ tục {FIRST}.*thiếu 'resolving_body'"),
    ("national code a number", _set("national_code", 1001193), f"Thủ tục {FIRST}.*'national_code'"),
    ("note not text", _set("time_limit_note", 5), f"Thủ tục {FIRST}.*'time_limit_note'"),
    ("fee note not text", _set("fee_note", None), f"Thủ tục {FIRST}.*'fee_note'"),
    ("exemptable not a bool", _set("fee_exemptable", "có"), f"Thủ tục {FIRST}.*'fee_exemptable'"),
    ("inter level not a bool", _set("inter_level", 1), f"Thủ tục {FIRST}.*'inter_level'"),
    # the time limit
    ("no time limit", _drop("time_limit"), f"Thủ tục {FIRST}.*'time_limit'"),
    ("time limit as text", _set("time_limit", "5 working_days"), f"Thủ tục {FIRST}.*'time_limit'"),
    ("unknown unit", _set("time_limit", {"value": 3, "unit": "weeks"}), "không có đơn vị 'weeks'"),
    ("value as text", _set("time_limit", {"value": "3", "unit": "days"}), f"Thủ tục {FIRST}.*'time_limit'"),
    ("value out of range", _set("time_limit", {"value": 400, "unit": "days"}), "từ 1 đến 366"),
    ("same day with a count", _set("time_limit", {"value": 2, "unit": "same_day"}), "không kèm số lượng"),
    # the fee
    ("fee as text", _set("fee", "8.000đ"), f"Thủ tục {FIRST}.*'fee'"),
    ("fee negative", _set("fee", -1), f"Thủ tục {FIRST}.*'fee'"),
    ("fee fractional", _set("fee", 1.5), f"Thủ tục {FIRST}.*'fee'"),
    ("fee true", _set("fee", True), f"Thủ tục {FIRST}.*'fee'"),
    ("fee rule unit unknown", _set("fee_rule", {"per": "sheet"}), f"Thủ tục {FIRST}.*'fee_rule'"),
    ("fee rule not an object", _set("fee_rule", "page"), f"Thủ tục {FIRST}.*'fee_rule'"),
    ("fee rule tiers flat", _set("fee_rule", {"per": "page", "tiers": [2, 2000]}), "'fee_rule.tiers'"),
    ("fee rule tier price missing", _set("fee_rule", {"per": "page", "tiers": [[2]]}), "'fee_rule.tiers'"),
    ("fee rule cap as text", _set("fee_rule", {"per": "copy", "cap": "200k"}), "'fee_rule.cap'"),
    # the variants
    ("variants not a list", _set("variants", {"key": "x"}), "'variants' phải là danh sách"),
    ("variant without key", _variant(key=...), f"Thủ tục {WITH_VARIANT}.*cần 'key' và 'label'"),
    ("variant without label", _variant(label=""), f"Thủ tục {WITH_VARIANT}.*cần 'key' và 'label'"),
    ("variant without limit", _variant(time_limit=...), f"Thủ tục {WITH_VARIANT}.*'verification'.*'time_limit'"),
    ("variant bad unit", _variant(time_limit={"value": 1, "unit": "weeks"}), "không có đơn vị 'weeks'"),
    ("variant twice", lambda c: _proc(c, WITH_VARIANT)["variants"].append(dict(_proc(c, WITH_VARIANT)["variants"][0])),
     "xuất hiện hai lần trong 'variants'"),
    # the documents
    ("no documents", _drop("documents"), f"Thủ tục {FIRST}.*thiếu 'documents'"),
    ("documents as text", _set("documents", "Tờ khai"), f"Thủ tục {FIRST}.*'documents'"),
    ("document as text", _set("documents", ["Tờ khai"]), "giấy tờ thứ 1.*'name'"),
    ("document without name", _document(name=...), "giấy tờ thứ 1.*'name'"),
    ("document without originals", _document(originals=...), f"Thủ tục {FIRST}.*'originals'"),
    ("document without copies", _document(copies=...), f"Thủ tục {FIRST}.*'copies'"),
    ("document copies as text", _document(copies="1"), f"Thủ tục {FIRST}.*'copies'"),
    ("document originals negative", _document(originals=-1), f"Thủ tục {FIRST}.*'originals'"),
    # the components of a bundle
    ("components not a list", _set("components", "1.000656"), f"Thủ tục {FIRST}.*'components'"),
    ("component without procedure", _component(procedure=...), f"Thủ tục {BUNDLE}.*'procedure'"),
    ("component without body", _component(resolving_body=...), f"Thủ tục {BUNDLE}.*'resolving_body'"),
    ("component unknown", _component(procedure="9.999999"), "'9.999999' không có trong danh mục"),
    ("component itself", _component(procedure=BUNDLE), "không có trong danh mục này"),
]


def test_the_shipped_catalog_passes() -> None:
    check_catalog(_catalog())


def test_optional_fields_may_be_left_out() -> None:
    catalog = _catalog()
    for key in ("national_code", "time_limit_note", "fee", "fee_note", "fee_exemptable", "fee_rule", "variants",
                "inter_level", "components"):
        _proc(catalog).pop(key, None)
    _proc(catalog)["documents"] = []
    _proc(catalog)["national_code"] = None
    check_catalog(catalog)


@pytest.mark.parametrize("content", [None, [], "catalog", 5])
def test_not_an_object_is_refused(content: Any) -> None:
    with pytest.raises(ValidationError, match="đối tượng JSON"):
        check_catalog(content)


@pytest.mark.parametrize(("change", "message"), [pytest.param(c, m, id=n) for n, c, m in CASES])
def test_each_missing_or_malformed_field_is_refused_by_name(change: Callable[[dict[str, Any]], None],
                                                            message: str) -> None:
    catalog = _catalog()
    change(catalog)
    with pytest.raises(ValidationError, match=message) as refused:
        check_catalog(catalog)
    assert refused.value.field == "catalog"
    assert "KeyError" not in refused.value.message and "TypeError" not in refused.value.message


def test_the_desk_loader_refuses_before_it_touches_its_table() -> None:
    """The desk's report of a published catalog it cannot take says why, in Vietnamese, instead of a KeyError."""
    from desk_app.services.catalog import load_catalog_data

    class Untouchable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the session was used ({name}) before the catalog was checked")

    catalog = _catalog()
    _document(originals=...)(catalog)
    with pytest.raises(ValidationError, match=f"Thủ tục {FIRST}.*'originals'"):
        load_catalog_data(Untouchable(), catalog)  # type: ignore[arg-type]
