"""Consistency checks for the shipped procedure catalog (database/catalog/procedures.json).

Stdlib json only: this test must not depend on desk_app, so the data can be checked on its own.
"""
import json
import unicodedata
from pathlib import Path

import pytest

CATALOG_PATH = Path(__file__).parents[2] / "database" / "catalog" / "procedures.json"

VALID_UNITS = {"same_day", "working_days", "working_hours", "days", "months"}

# Procedures named in DOMAIN.md §6 (and the brief) that the catalog must carry, by exact name.
REQUIRED_NAMES = [
    "Đăng ký khai sinh",
    "Đăng ký kết hôn",
    "Cấp Giấy xác nhận tình trạng hôn nhân",
    "Đăng ký khai tử",
    "Đăng ký nhận cha, mẹ, con",
    "Thay đổi, cải chính hộ tịch",
    "Bổ sung hộ tịch",
    "Đăng ký giám hộ",
    "Đăng ký chấm dứt giám hộ",
    "Đăng ký lại khai sinh",
    "Đăng ký lại kết hôn",
    "Đăng ký lại khai tử",
    "Cấp bản sao trích lục hộ tịch",
    "Chứng thực bản sao từ bản chính",
    "Chứng thực chữ ký",
    "Chứng thực chữ ký người dịch",
    "Chứng thực hợp đồng, giao dịch",
    "Chứng thực việc sửa đổi, bổ sung hợp đồng",
    "Xác định mức độ khuyết tật",
    "Trợ cấp xã hội hằng tháng",
    "Hỗ trợ chi phí mai táng",
    "Đăng ký thường trú",
    "Đăng ký tạm trú",
    "Xóa đăng ký thường trú",
    "Hòa giải tranh chấp đất đai",
    "Đăng ký hộ kinh doanh",
]

DEATH_BUNDLE = "Liên thông đăng ký khai tử, xóa đăng ký thường trú, trợ cấp mai táng (3 trong 1)"
BIRTH_BUNDLE = "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ dưới 6 tuổi"


def _nfc(text):
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def raw_text():
    return CATALOG_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalog(raw_text):
    return json.loads(raw_text)


@pytest.fixture(scope="module")
def procedures(catalog):
    return catalog["procedures"]


@pytest.fixture(scope="module")
def by_code(procedures):
    return {p["code"]: p for p in procedures}


@pytest.fixture(scope="module")
def by_name(procedures):
    return {_nfc(p["name"]): p for p in procedures}


def _is_bundle(proc):
    return bool(proc["components"])


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def test_top_level_shape(catalog):
    assert set(catalog) == {"catalog_version", "fields", "procedures"}
    assert catalog["catalog_version"] == "2026.1"
    assert isinstance(catalog["fields"], list) and catalog["fields"]
    for field in catalog["fields"]:
        assert set(field) == {"code", "name"}
        assert field["code"] and field["name"]


def test_base_fields_present(catalog):
    codes = {f["code"]: f["name"] for f in catalog["fields"]}
    expected = {"HT": "Hộ tịch", "CT": "Chứng thực", "BTXH": "Bảo trợ xã hội",
                "DD": "Đất đai", "CTRU": "Cư trú", "KD": "Hộ kinh doanh"}
    for code, name in expected.items():
        assert codes.get(code) == name
    assert len(codes) == len(catalog["fields"]), "duplicate field codes"


def test_at_least_thirty_procedures(procedures):
    assert len(procedures) >= 30


def test_procedure_keys(procedures):
    keys = {"code", "national_code", "name", "field", "time_limit", "time_limit_note", "fee",
            "fee_note", "fee_exemptable", "resolving_body", "inter_level", "documents", "components"}
    for p in procedures:
        assert keys <= set(p) <= keys | {"variants", "fee_rule"}, p.get("code")
        assert isinstance(p["name"], str) and p["name"].strip()
        assert isinstance(p["time_limit_note"], str)
        assert isinstance(p["fee_note"], str)
        assert isinstance(p["resolving_body"], str) and p["resolving_body"].strip()
        assert isinstance(p["fee_exemptable"], bool)
        assert isinstance(p["inter_level"], bool)


def test_codes_unique(procedures):
    codes = [p["code"] for p in procedures]
    assert len(codes) == len(set(codes))
    names = [p["name"] for p in procedures]
    assert len(names) == len(set(names))


def test_code_format(procedures):
    for p in procedures:
        national = p["national_code"]
        if national is None:
            prefix = f"XA.{p['field']}."
            assert p["code"].startswith(prefix), p["code"]
            assert p["code"][len(prefix):].isdigit()
        else:
            assert p["code"] == national
            left, _, right = national.partition(".")
            assert left.isdigit() and right.isdigit() and len(right) == 6, national
    nationals = [p["national_code"] for p in procedures if p["national_code"]]
    assert len(nationals) == len(set(nationals))


def test_field_codes_exist(catalog, procedures):
    field_codes = {f["code"] for f in catalog["fields"]}
    for p in procedures:
        assert p["field"] in field_codes, p["code"]


def test_time_limits(procedures):
    for p in procedures:
        limit = p["time_limit"]
        assert set(limit) == {"value", "unit"}, p["code"]
        assert limit["unit"] in VALID_UNITS, p["code"]
        assert _is_int(limit["value"]), p["code"]
        if limit["unit"] == "same_day":
            assert limit["value"] == 0, p["code"]
        else:
            assert limit["value"] >= 1, p["code"]


def test_fees(procedures):
    for p in procedures:
        assert _is_int(p["fee"]) and p["fee"] >= 0, p["code"]


def test_documents(procedures):
    for p in procedures:
        docs = p["documents"]
        assert isinstance(docs, list)
        if not _is_bundle(p):
            assert len(docs) >= 1, p["code"]
        assert len(docs) <= 6, p["code"]
        names = [d["name"] for d in docs]
        assert len(names) == len(set(names)), f"duplicate documents in {p['code']}"
        for doc in docs:
            assert set(doc) == {"name", "originals", "copies"}, p["code"]
            assert isinstance(doc["name"], str) and doc["name"].strip()
            assert _is_int(doc["originals"]) and doc["originals"] >= 0, p["code"]
            assert _is_int(doc["copies"]) and doc["copies"] >= 0, p["code"]
            assert doc["originals"] + doc["copies"] > 0, (p["code"], doc["name"])


def test_components_reference_non_bundles(by_code):
    for p in by_code.values():
        for comp in p["components"]:
            assert set(comp) == {"procedure", "resolving_body"}
            assert comp["resolving_body"].strip()
            target = by_code.get(comp["procedure"])
            assert target is not None, comp["procedure"]
            assert not _is_bundle(target), comp["procedure"]


def test_exactly_two_bundles(procedures, by_code):
    bundles = [p for p in procedures if _is_bundle(p)]
    assert sorted(_nfc(b["name"]) for b in bundles) == sorted([_nfc(DEATH_BUNDLE), _nfc(BIRTH_BUNDLE)])
    for bundle in bundles:
        assert bundle["field"] == "HT"
        assert len(bundle["components"]) == 3
        assert len({c["procedure"] for c in bundle["components"]}) == 3
        assert bundle["documents"], bundle["name"]
        # the bundle's limit is the longest of its components (compared within one unit family)
        comps = [by_code[c["procedure"]] for c in bundle["components"]]
        working = [c["time_limit"]["value"] for c in comps if c["time_limit"]["unit"] == "working_days"]
        assert bundle["time_limit"]["unit"] == "working_days"
        assert bundle["time_limit"]["value"] == max(working)
        assert bundle["time_limit_note"]


def test_bundle_components_content(by_name, by_code):
    death = by_name[_nfc(DEATH_BUNDLE)]
    names = {by_code[c["procedure"]]["name"]: c["resolving_body"] for c in death["components"]}
    assert names.get("Đăng ký khai tử") == "Công chức Tư pháp - Hộ tịch"
    assert names.get("Xóa đăng ký thường trú") == "Công an xã"
    birth = by_name[_nfc(BIRTH_BUNDLE)]
    names = {by_code[c["procedure"]]["name"]: c["resolving_body"] for c in birth["components"]}
    assert names.get("Đăng ký khai sinh") == "Công chức Tư pháp - Hộ tịch"
    assert names.get("Đăng ký thường trú") == "Công an xã"
    assert any("bảo hiểm y tế" in n.lower() for n in names)


def test_text_is_nfc(raw_text):
    assert raw_text == _nfc(raw_text)


def test_marriage_national_code(by_code):
    assert by_code["1.000894"]["name"] == "Đăng ký kết hôn"
    assert by_code["1.000894"]["national_code"] == "1.000894"
    assert by_code["1.000894"]["field"] == "HT"


@pytest.mark.parametrize("name", REQUIRED_NAMES)
def test_domain_procedure_present(by_name, name):
    assert _nfc(name) in by_name, name


def test_domain_values(by_name):
    def get(name):
        return by_name[_nfc(name)]

    same_day = ["Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử", "Bổ sung hộ tịch",
                "Cấp bản sao trích lục hộ tịch", "Chứng thực bản sao từ bản chính",
                "Chứng thực chữ ký", "Chứng thực chữ ký người dịch"]
    for name in same_day:
        assert get(name)["time_limit"] == {"value": 0, "unit": "same_day"}, name
    assert get("Cấp Giấy xác nhận tình trạng hôn nhân")["time_limit"] == {"value": 3, "unit": "working_days"}
    assert get("Chứng thực hợp đồng, giao dịch")["time_limit"] == {"value": 2, "unit": "working_days"}
    assert get("Xác định mức độ khuyết tật")["time_limit"] == {"value": 30, "unit": "days"}
    assert get("Đăng ký thường trú")["time_limit"] == {"value": 7, "unit": "working_days"}
    assert get("Đăng ký tạm trú")["time_limit"] == {"value": 3, "unit": "working_days"}
    assert get("Hòa giải tranh chấp đất đai")["time_limit"] == {"value": 45, "unit": "days"}
    assert get("Đăng ký hộ kinh doanh")["time_limit"] == {"value": 3, "unit": "working_days"}
    for name in ["Đăng ký lại khai sinh", "Đăng ký lại kết hôn", "Đăng ký lại khai tử"]:
        assert get(name)["time_limit"] == {"value": 5, "unit": "working_days"}, name

    assert get("Cấp bản sao trích lục hộ tịch")["fee"] == 8000
    assert get("Chứng thực bản sao từ bản chính")["fee"] == 2000
    assert get("Chứng thực bản sao từ bản chính")["fee_note"] == \
        "2.000 đ/trang; từ trang thứ ba 1.000 đ/trang; tối đa 200.000 đ/bản"
    assert get("Chứng thực chữ ký")["fee"] == 10000
    assert get("Chứng thực chữ ký người dịch")["fee"] == 10000
    assert get("Chứng thực hợp đồng, giao dịch")["fee"] == 50000
    assert get("Chứng thực việc sửa đổi, bổ sung hợp đồng")["fee"] == 30000
    for name in ["Đăng ký khai sinh", "Đăng ký khai tử"]:
        assert get(name)["fee"] == 0
        assert get(name)["fee_note"] == "Miễn lệ phí nếu đăng ký đúng hạn"
    # provincial rates are not free
    for name in ["Cấp Giấy xác nhận tình trạng hôn nhân", "Đăng ký nhận cha, mẹ, con",
                 "Thay đổi, cải chính hộ tịch", "Bổ sung hộ tịch", "Đăng ký lại khai sinh",
                 "Đăng ký lại kết hôn", "Đăng ký lại khai tử", "Đăng ký hộ kinh doanh"]:
        assert get(name)["fee"] > 0, name
        assert "tỉnh" in get(name)["fee_note"], name
    for name in ["Xác định mức độ khuyết tật", "Trợ cấp xã hội hằng tháng",
                 "Hỗ trợ chi phí mai táng", "Hòa giải tranh chấp đất đai",
                 "Đăng ký giám hộ", "Đăng ký chấm dứt giám hộ", "Đăng ký kết hôn"]:
        assert get(name)["fee"] == 0, name


def test_civil_status_fee_exemptable(procedures):
    for p in procedures:
        if p["field"] == "HT":
            assert p["fee_exemptable"] is True, p["code"]


def test_inter_level_consistency(procedures):
    for p in procedures:
        if not p["components"] and p["resolving_body"] in {"UBND xã", "Công an xã"}:
            assert p["inter_level"] is False, p["code"]


def test_variants_have_a_key_a_label_and_a_longer_limit(procedures):
    seen = 0
    for proc in procedures:
        keys = [v["key"] for v in proc.get("variants", [])]
        assert len(keys) == len(set(keys)), proc["code"]
        for variant in proc.get("variants", []):
            seen += 1
            assert variant["key"] and variant["label"] == _nfc(variant["label"])
            assert variant["time_limit"]["unit"] in VALID_UNITS
            assert variant["time_limit"]["value"] >= 1
    assert seen >= 5


def test_variants_from_domain(by_code):
    marriage = {v["key"]: v["time_limit"] for v in by_code["1.000894"]["variants"]}
    assert marriage == {"verification": {"value": 5, "unit": "working_days"}}  # DOMAIN.md §6
    recognition = {v["key"]: v["time_limit"] for v in by_code["XA.HT.02"]["variants"]}
    assert recognition["verification"] == {"value": 8, "unit": "working_days"}  # 3 (+5 if verification)


def test_fee_rules(by_code, procedures):
    page = {"per": "page", "tiers": [[2, 2000], [None, 1000]], "cap": 200000}  # DOMAIN.md §6
    assert by_code["XA.CT.01"]["fee_rule"] == page
    assert by_code["XA.HT.10"]["fee_rule"] == {"per": "copy"}
    for proc in procedures:
        rule = proc.get("fee_rule")
        if rule is not None:
            assert rule["per"] in {"dossier", "copy", "page"}, proc["code"]
            assert proc["fee"] > 0, proc["code"]
