"""Every pure validation rule, fed hostile text: it returns a clean value or refuses with a Vietnamese message that
names the field, never another exception (DOMAIN.md §9; issue 7, "Tests that prove it")."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_app.domain import validation as v
from desk_app.domain.calendar import OfficeHours, schedules_from_data
from desk_app.domain.catalog_rules import check_catalog
from desk_app.domain.cccd_qr import looks_like_cccd_qr, parse_cccd_qr
from desk_app.domain.codes import parse_dossier_code, validate_agency_code
from desk_app.domain.errors import DomainError
from tests.fuzz._hostile import check_refusal, expected_text, has_hidden, hostile

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = dt.date(2026, 3, 2)


def _outcome(call: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, value) or (False, refusal); any other exception fails the test."""
    try:
        return True, call()
    except DomainError as error:
        check_refusal(error)
        return False, error


def _no_hidden(text: str) -> None:
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text), repr(text[:50])
    assert unicodedata.is_normalized("NFC", text)


RULES: dict[str, Callable[[str], Any]] = {
    "normalize_name": v.normalize_name,
    "validate_id_number": v.validate_id_number,
    "normalize_phone": v.normalize_phone,
    "validate_email": v.validate_email,
    "parse_date_vn": v.parse_date_vn,
    "parse_sex": v.parse_sex,
    "parse_dossier_code": parse_dossier_code,
    "validate_agency_code": validate_agency_code,
    "parse_cccd_qr": lambda text: parse_cccd_qr(text, today=TODAY),
    "parse_cccd_qr_fields": lambda text: parse_cccd_qr(f"087084001234|{text}|{text}|Nam|{text}|01012020",
                                                       today=TODAY),
    "office_hours": OfficeHours.parse,
}


@pytest.mark.parametrize("rule", sorted(RULES))
@FUZZ
@given(text=hostile())
def test_every_rule_returns_or_refuses_in_vietnamese(rule: str, text: str) -> None:
    _outcome(lambda: RULES[rule](text))


@FUZZ
@given(text=hostile())
def test_an_accepted_name_is_clean_short_and_stable(text: str) -> None:
    ok, name = _outcome(lambda: v.normalize_name(text))
    if ok:
        _no_hidden(name)
        assert 0 < len(name) <= v.NAME_MAX_LENGTH and name == name.strip()
        assert v.normalize_name(name) == name


@FUZZ
@given(text=hostile(), max_length=st.sampled_from([1, 300, 1000]))
def test_clean_text_stores_exactly_the_documented_normalisation_or_refuses(text: str, max_length: int) -> None:
    ok, cleaned = _outcome(lambda: v.clean_text(text, field="note", label="Ghi chú", max_length=max_length))
    expected = expected_text(text)
    if ok:
        assert cleaned == expected and len(cleaned) <= max_length
        _no_hidden(cleaned)
    else:
        assert cleaned.field == "note"
        assert has_hidden(text) or len(expected) > max_length
        assert text not in cleaned.message or not text.strip()  # the text itself is never echoed


@FUZZ
@given(text=hostile())
def test_check_single_line_refuses_what_clean_text_would_and_line_breaks(text: str) -> None:
    ok, _ = _outcome(lambda: v.check_single_line(text, field="hotline", label="Đường dây nóng", max_length=500))
    if ok:
        assert len(text) <= 500
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in text)


@FUZZ
@given(text=hostile())
def test_vn_fold_never_fails_and_is_idempotent(text: str) -> None:
    folded = v.vn_fold(text)
    assert v.vn_fold(folded) == folded
    assert v.mask_id_number(text) == v.mask_id_number(text)  # total, whatever it is given
    assert len(v.mask_id_number(text)) == len(text)
    looks_like_cccd_qr(text)  # a yes or a no, never an exception


@FUZZ
@given(text=hostile())
def test_a_catalog_or_a_holiday_file_with_hostile_text_is_refused_or_loaded(text: str) -> None:
    catalog = {"catalog_version": text, "fields": [{"code": text, "name": text}],
               "procedures": [{"code": text, "name": text, "field": text, "time_limit": text, "resolving_body": text,
                               "documents": [{"name": text, "originals": 1, "copies": 0}]}]}
    _outcome(lambda: check_catalog(catalog))
    _outcome(lambda: check_catalog(json.loads(json.dumps(catalog))))
    years = {"2027": {"note": text, "off": [{"name": text, "start": text, "end": text}],
                      "makeup_working": [{"date": text, "name": text}]}}
    try:
        schedules_from_data(years)
    except (KeyError, TypeError, ValueError):
        pass  # import_holidays_data turns these into a ValidationError on field "file" (see test_services_fuzz)
