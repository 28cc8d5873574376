"""Fee rules from DOMAIN.md §6: flat, per copy, per page with tiers and a cap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.errors import ValidationError
from desk_app.domain.fees import FeeRule, FeeUnit

COPIES_CERTIFIED = FeeRule.from_data({"per": "page", "tiers": [[2, 2000], [None, 1000]], "cap": 200000}, 2000)
EXTRACT = FeeRule.from_data({"per": "copy"}, 8000)
CONTRACT = FeeRule.from_data(None, 50000)


@pytest.mark.parametrize(
    ("rule", "quantity", "sets", "expected"),
    [
        (COPIES_CERTIFIED, 1, 1, 2000),
        (COPIES_CERTIFIED, 2, 1, 4000),
        (COPIES_CERTIFIED, 3, 1, 5000),  # from the third page 1,000 đ
        (COPIES_CERTIFIED, 10, 1, 12000),
        (COPIES_CERTIFIED, 1, 3, 6000),  # three copies of a one-page paper
        (COPIES_CERTIFIED, 198, 1, 200000),
        (COPIES_CERTIFIED, 199, 1, 200000),  # at most 200,000 đ a copy
        (COPIES_CERTIFIED, 500, 2, 400000),
        (EXTRACT, 1, 1, 8000),
        (EXTRACT, 3, 1, 24000),
        (CONTRACT, 1, 1, 50000),
        (CONTRACT, 7, 2, 100000),  # flat: the count does not matter, the sets do
    ],
)
def test_fee_due(rule: FeeRule, quantity: int, sets: int, expected: int) -> None:
    assert rule.due(quantity=quantity, sets=sets) == expected


def test_rule_kinds_and_labels() -> None:
    assert (COPIES_CERTIFIED.unit, EXTRACT.unit, CONTRACT.unit) == (FeeUnit.PAGE, FeeUnit.COPY, FeeUnit.DOSSIER)
    assert COPIES_CERTIFIED.quantity_label() == "Số trang mỗi bản"
    assert EXTRACT.quantity_label() == "Số bản sao"
    assert CONTRACT.quantity_label() is None


@pytest.mark.parametrize("quantity", [0, -1, 10_001])
def test_quantity_out_of_range_is_refused(quantity: int) -> None:
    with pytest.raises(ValidationError) as refused:
        COPIES_CERTIFIED.due(quantity=quantity)
    assert refused.value.field == "quantity"


@given(st.integers(1, 5000), st.integers(1, 20))
def test_page_fee_grows_with_pages_and_never_passes_the_cap(pages: int, sets: int) -> None:
    fee = COPIES_CERTIFIED.due(quantity=pages, sets=sets)
    assert fee <= 200000 * sets
    assert fee >= COPIES_CERTIFIED.due(quantity=max(1, pages - 1), sets=sets)
