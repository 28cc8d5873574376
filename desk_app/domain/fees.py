"""Fees due at the desk (phí, lệ phí) from a procedure's fee rule.

Most procedures charge a flat amount per dossier (per set). Some charge per unit, with tiers and a cap:
certifying copies is 2,000 đ a page for the first two pages, 1,000 đ a page from the third, at most 200,000 đ a
copy; an extract of the civil-status register is 8,000 đ a copy. The catalog states the rule as data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from desk_app.domain.errors import ValidationError

MAX_QUANTITY = 10_000


class FeeUnit(StrEnum):
    DOSSIER = "dossier"  # a flat amount for each set of the dossier
    COPY = "copy"  # the amount for each copy asked for (quantity = copies)
    PAGE = "page"  # tiers by page for each copy (quantity = pages of one copy; sets = copies)


@dataclass(frozen=True)
class FeeRule:
    unit: FeeUnit
    amount: int  # the flat amount (dossier, copy), or the first tier's price (page)
    tiers: tuple[tuple[int | None, int], ...] = ()  # (pages up to, price a page); None: every further page
    cap: int | None = None  # at most this much a copy

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None, amount: int) -> FeeRule:
        """The catalog's ``fee_rule`` object (absent: a flat fee per dossier)."""
        if not data:
            return cls(FeeUnit.DOSSIER, amount)
        tiers = tuple((None if upto is None else int(upto), int(price)) for upto, price in data.get("tiers", ()))
        cap = data.get("cap")
        return cls(FeeUnit(data["per"]), amount, tiers, None if cap is None else int(cap))

    def _per_copy(self, pages: int) -> int:
        if not self.tiers:
            total = self.amount * pages
        else:
            total, counted = 0, 0
            for upto, price in self.tiers:
                in_tier = pages - counted if upto is None else max(0, min(pages, upto) - counted)
                total += in_tier * price
                counted += in_tier
                if counted >= pages:
                    break
        return total if self.cap is None else min(total, self.cap)

    def due(self, *, quantity: int = 1, sets: int = 1) -> int:
        """The fee in đồng for ``quantity`` units (pages or copies, by the rule) and ``sets`` sets or copies."""
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ValidationError(f"Số lượng (trang hoặc bản) phải từ 1 đến {MAX_QUANTITY}.", field="quantity")
        if self.unit is FeeUnit.DOSSIER:
            return self.amount * sets
        if self.unit is FeeUnit.COPY:
            return self.amount * quantity
        return self._per_copy(quantity) * sets

    def quantity_label(self) -> str | None:
        """What the clerk is asked to count, in Vietnamese (None when the fee does not depend on a count)."""
        return {FeeUnit.COPY: "Số bản sao", FeeUnit.PAGE: "Số trang mỗi bản"}.get(self.unit)
