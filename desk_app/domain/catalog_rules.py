"""The rules a procedure catalog (the shape of database/catalog/procedures.json) must follow before anyone loads it.

Pure: one function, :func:`check_catalog`, that walks everything the desk's loader
(``desk_app.services.catalog.load_catalog_data``) and the desk's later use of a procedure read (the time limit and its
variants, the fee and its rule, the documents with their counts, the components of a bundle) and refuses the first
fault with a Vietnamese message naming the procedure and the field. The upper-level server refuses to publish a
catalog that fails it; the desk checks again before it touches its procedure table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desk_app.domain.deadlines import TimeLimit, TimeUnit
from desk_app.domain.errors import DomainError, ValidationError
from desk_app.domain.fees import FeeUnit

FIELD = "catalog"
MAX_CODE = 40  # procedures.code, national_code (String(40) on the desk)
MAX_FIELD_CODE = 20  # procedures.field_code
MAX_VERSION = 20  # procedures.catalog_version
UNITS_TEXT = ", ".join(unit.value for unit in TimeUnit)
FEE_UNITS_TEXT = ", ".join(unit.value for unit in FeeUnit)


def _bad(message: str) -> ValidationError:
    return ValidationError(message, field=FIELD)


def _text(value: Any, limit: int | None = None) -> bool:
    return isinstance(value, str) and bool(value.strip()) and (limit is None or len(value) <= limit)


def _count(value: Any) -> bool:
    """A whole number ≥ 0 written as a JSON integer (not true/false, not 1.5, not "1")."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _time_limit(where: str, key: str, value: Any) -> None:
    example = f"{where}: '{key}' phải có dạng {{\"value\": 5, \"unit\": \"working_days\"}} (đơn vị {UNITS_TEXT})"
    if not isinstance(value, Mapping) or not _count(value.get("value")):
        raise _bad(f"{example}; 'value' là số nguyên (0 với same_day).")
    try:
        TimeLimit(value["value"], TimeUnit(value.get("unit")))
    except ValueError:
        raise _bad(f"{example}; không có đơn vị '{value.get('unit')}'.") from None
    except DomainError as error:
        raise _bad(f"{where}: '{key}' không hợp lệ: {error.message}") from None


def _fields(data: Mapping[str, Any]) -> set[str]:
    fields = data.get("fields")
    if not isinstance(fields, list) or not fields:
        raise _bad("Tệp danh mục thiếu danh sách lĩnh vực 'fields' ([{\"code\": \"HT\", \"name\": \"Hộ tịch\"}, ...]).")
    codes: set[str] = set()
    for index, item in enumerate(fields, start=1):
        if not isinstance(item, Mapping) or not _text(item.get("code"), MAX_FIELD_CODE) or not _text(item.get("name")):
            raise _bad(f"Lĩnh vực thứ {index} trong 'fields' cần có 'code' (tối đa {MAX_FIELD_CODE} ký tự) và "
                       "'name'.")
        if item["code"] in codes:
            raise _bad(f"Lĩnh vực thứ {index} trong 'fields': mã {item['code']} xuất hiện hai lần.")
        codes.add(item["code"])
    return codes


def _optional(where: str, item: Mapping[str, Any]) -> None:
    national = item.get("national_code")
    if national is not None and not _text(national, MAX_CODE):
        raise _bad(f"{where}: 'national_code' phải là mã thủ tục quốc gia (tối đa {MAX_CODE} ký tự) hoặc null.")
    for key in ("time_limit_note", "fee_note"):
        if key in item and not isinstance(item[key], str):
            raise _bad(f"{where}: '{key}' phải là chuỗi văn bản.")
    for key in ("fee_exemptable", "inter_level"):
        if key in item and not isinstance(item[key], bool):
            raise _bad(f"{where}: '{key}' phải là true hoặc false.")


def _fee(where: str, item: Mapping[str, Any]) -> None:
    if not _count(item.get("fee", 0)):
        raise _bad(f"{where}: 'fee' phải là số tiền (đồng), số nguyên không âm, ví dụ 8000.")
    rule = item.get("fee_rule")
    if rule is None:
        return
    if not isinstance(rule, Mapping) or rule.get("per") not in {unit.value for unit in FeeUnit}:
        raise _bad(f"{where}: 'fee_rule' phải có dạng {{\"per\": \"page\", \"tiers\": [[2, 2000], [null, 1000]], "
                   f"\"cap\": 200000}} ('per' là {FEE_UNITS_TEXT}), hoặc bỏ trống (thu theo hồ sơ).")
    tiers = rule.get("tiers", [])
    if not isinstance(tiers, list) or not all(
            isinstance(t, list) and len(t) == 2 and (t[0] is None or _count(t[0])) and _count(t[1]) for t in tiers):
        raise _bad(f"{where}: 'fee_rule.tiers' phải là danh sách [số trang đến, giá một trang], ví dụ "
                   "[[2, 2000], [null, 1000]] (null: mọi trang tiếp theo).")
    cap = rule.get("cap")
    if cap is not None and not _count(cap):
        raise _bad(f"{where}: 'fee_rule.cap' phải là số tiền (đồng) tối đa mỗi bản, hoặc null.")


def _variants(where: str, variants: Any) -> None:
    if not isinstance(variants, list):
        raise _bad(f"{where}: 'variants' phải là danh sách các trường hợp riêng.")
    keys: set[str] = set()
    for index, variant in enumerate(variants, start=1):
        if not isinstance(variant, Mapping) or not _text(variant.get("key")) or not _text(variant.get("label")):
            raise _bad(f"{where}: trường hợp riêng thứ {index} trong 'variants' cần 'key' và 'label'.")
        if variant["key"] in keys:
            raise _bad(f"{where}: trường hợp riêng '{variant['key']}' xuất hiện hai lần trong 'variants'.")
        keys.add(variant["key"])
        _time_limit(f"{where}, trường hợp riêng '{variant['key']}'", "time_limit", variant.get("time_limit"))


def _documents(where: str, documents: Any) -> None:
    if not isinstance(documents, list):
        raise _bad(f"{where}: 'documents' phải là danh sách giấy tờ, mỗi giấy tờ có 'name', 'originals', 'copies'.")
    for index, document in enumerate(documents, start=1):
        if not isinstance(document, Mapping) or not _text(document.get("name")):
            raise _bad(f"{where}: giấy tờ thứ {index} trong 'documents' cần có 'name'.")
        for key in ("originals", "copies"):
            if not _count(document.get(key)):
                raise _bad(f"{where}: giấy tờ thứ {index} ('{document['name']}') cần '{key}' là số nguyên không âm "
                           "(số bản chính / bản sao).")


def _components(where: str, code: str, components: Any, codes: set[str]) -> None:
    if not isinstance(components, list):
        raise _bad(f"{where}: 'components' phải là danh sách thủ tục thành phần (liên thông).")
    for index, component in enumerate(components, start=1):
        if (not isinstance(component, Mapping) or not _text(component.get("procedure"))
                or not _text(component.get("resolving_body"))):
            raise _bad(f"{where}: thủ tục thành phần thứ {index} trong 'components' cần 'procedure' và "
                       "'resolving_body'.")
        if component["procedure"] == code or component["procedure"] not in codes:
            raise _bad(f"{where}: thủ tục thành phần '{component['procedure']}' không có trong danh mục này.")


def _procedure(where: str, item: Mapping[str, Any], fields: set[str], codes: set[str]) -> None:
    for key in ("name", "field", "resolving_body"):
        if not _text(item.get(key)):
            raise _bad(f"{where}: thiếu '{key}'.")
    if item["field"] not in fields:
        raise _bad(f"{where}: lĩnh vực '{item['field']}' không có trong 'fields'.")
    _time_limit(where, "time_limit", item.get("time_limit"))
    _optional(where, item)
    _fee(where, item)
    _variants(where, item.get("variants", []))
    if "documents" not in item:
        raise _bad(f"{where}: thiếu 'documents' (danh sách giấy tờ, có thể rỗng: []).")
    _documents(where, item["documents"])
    _components(where, item["code"], item.get("components", []), codes)


def check_catalog(data: Any) -> None:
    """Refuse (:class:`ValidationError`, field ``catalog``) a catalog the desk could not load or use."""
    if not isinstance(data, Mapping):
        raise _bad("Tệp danh mục phải là một đối tượng JSON có catalog_version, fields và procedures.")
    if not _text(data.get("catalog_version"), MAX_VERSION):
        raise _bad(f"Tệp danh mục thiếu 'catalog_version' (chuỗi tối đa {MAX_VERSION} ký tự, ví dụ \"2026.2\").")
    fields = _fields(data)
    procedures = data.get("procedures")
    if not isinstance(procedures, list) or not procedures:
        raise _bad("Tệp danh mục thiếu danh sách thủ tục 'procedures'.")
    codes: set[str] = set()
    for index, item in enumerate(procedures, start=1):
        if not isinstance(item, Mapping):
            raise _bad(f"Thủ tục thứ {index} trong 'procedures' phải là một đối tượng JSON.")
        if not _text(item.get("code"), MAX_CODE):
            raise _bad(f"Thủ tục thứ {index} trong 'procedures' thiếu 'code' (mã thủ tục, tối đa {MAX_CODE} ký tự).")
        if item["code"] in codes:
            raise _bad(f"Thủ tục {item['code']} (thứ {index}): mã thủ tục xuất hiện hai lần.")
        codes.add(item["code"])
    for index, item in enumerate(procedures, start=1):
        _procedure(f"Thủ tục {item['code']} (thứ {index})", item, fields, codes)
