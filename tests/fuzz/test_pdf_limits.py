"""The longest text validation lets through still gives a usable slip and supplement request: rendered, every word
there, at most two pages a copy. Longer text never gets that far: it is refused at the field (test_services_fuzz)."""

from __future__ import annotations

import re

import pytest

from desk_app.domain.errors import ValidationError
from desk_app.domain.validation import ADDRESS_MAX_LENGTH, NAME_MAX_LENGTH
from desk_app.services.actions import ITEM_MAX_LENGTH, TEXT_MAX_LENGTH, DossierActions
from desk_app.services.documents import form_pdf, slip_pdf
from desk_app.services.intake import ReceiveRequest, receive
from tests.services._support import set_settings


def _longest(words: str, limit: int) -> str:
    return (words * (limit // len(words) + 1))[:limit].strip()


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("paper", ["A5", "A4", "80mm"])
def test_the_longest_accepted_fields_still_make_a_usable_slip(ctx, db, paper: str) -> None:
    set_settings(db, commune_name=_longest("UBND xã Mỹ Phong ", 120), hotline=_longest("Tổng đài 1022 ", 500))
    address = _longest("Ấp Mỹ Tây, xã Mỹ Phong ", ADDRESS_MAX_LENGTH)
    document = _longest("Bản sao giấy khai sinh ", ADDRESS_MAX_LENGTH)
    code = receive(ctx, ReceiveRequest("XA.HT.01", {"name": _longest("Nguyễn Văn ", NAME_MAX_LENGTH),
                                                    "address": address},
                                       documents=[{"name": document, "originals": 1, "copies": 0}] * 5,
                                       return_method="postal", return_address=address)).code
    DossierActions(ctx).request_supplement(code, [_longest("Tờ khai ", ITEM_MAX_LENGTH)] * 10,
                                           reason=_longest("Lý do ", TEXT_MAX_LENGTH))
    with db.session() as session:
        slip = slip_pdf(session, code, paper)
        request = form_pdf(session, code, "supplement")
    assert 1 <= _pages(slip) <= 4  # two copies (kept, given), at most two pages each
    assert 1 <= _pages(request) <= 4


def test_a_100k_character_name_never_reaches_the_printer(ctx, db) -> None:
    for applicant in ({"name": "Nguyễn " * 15_000}, {"name": "An", "address": "Ấp " * 40_000}):
        with pytest.raises(ValidationError) as refused:
            receive(ctx, ReceiveRequest("XA.HT.01", applicant))
        assert "dài quá" in refused.value.message or "quá dài" in refused.value.message
