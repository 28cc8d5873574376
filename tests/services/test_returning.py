"""Returning citizens and the clerk's favourite procedures: what earlier dossiers offer, what they must not (voided,
redacted, another clerk's), and a change of address recorded as such without copying the old one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from desk_app.domain.lifecycle import Status
from desk_app.domain.validation import Sex
from desk_app.services.accounts import PermissionDenied
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_view import detail
from desk_app.services.favorites import favorite_procedures
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.returning import id_digits, returning_citizen, same_address
from tests.conftest import vn
from tests.services._support import events, execute, payload

ID = "087084001234"  # Đồng Tháp, a man born in 1984
BASE = {"name": "Nguyễn Văn Đức", "id_number": ID, "birth_date": "05/09/1984", "sex": "Nam"}


def receive_at(ctx: ServiceContext, clock: FixedClock, when: str, procedure: str = "XA.CT.02",
               **applicant: Any) -> str:
    clock.moment = vn(when)
    return receive(ctx, ReceiveRequest(procedure, {**BASE, **applicant})).code


def test_the_latest_non_empty_value_of_each_field_and_the_recent_dossiers(ctx: ServiceContext,
                                                                          clock: FixedClock) -> None:
    first = receive_at(ctx, clock, "2025-06-02 09:00", phone="0912345678", email="duc@example.vn",
                       address="Ấp Mỹ Tây, Mỹ Phong, Đồng Tháp")
    second = receive_at(ctx, clock, "2025-09-01 09:00", "XA.CTRU.02", phone="0987654321")  # no email, no address
    receive_at(ctx, clock, "2025-10-01 09:00", "XA.CT.01", id_number="", name="Người Khác")  # no ID: not his
    clock.moment = vn("2026-03-02 09:00")
    found = returning_citizen(ctx, "087 084 001.234")  # as typed, with spaces and dots
    assert found is not None
    assert (found.id_number, found.name, found.birth_date, found.sex) == (ID, "Nguyễn Văn Đức",
                                                                         dt.date(1984, 9, 5), Sex.MALE)
    assert (found.phone, found.email, found.address) == ("0987654321", "duc@example.vn",
                                                         "Ấp Mỹ Tây, Mỹ Phong, Đồng Tháp")
    assert found.address_from == first
    assert [d.code for d in found.dossiers] == [second, first]
    assert [d.procedure_name for d in found.dossiers] == ["Đăng ký tạm trú", "Chứng thực chữ ký"]
    assert found.dossiers[0].received_at == vn("2025-09-01 09:00")
    assert found.dossiers[0].status_vn == "Đã tiếp nhận" and found.dossier_count == 2


def test_at_most_five_recent_dossiers_the_newest_first_with_their_status(ctx: ServiceContext,
                                                                         clock: FixedClock) -> None:
    codes = [receive_at(ctx, clock, f"2026-02-{day:02d} 09:00") for day in (2, 3, 4, 5, 6, 9, 10)]
    DossierActions(ctx).result_ready(codes[-1])
    found = returning_citizen(ctx, ID)
    assert found is not None and found.dossier_count == 7
    assert [d.code for d in found.dossiers] == codes[::-1][:5]
    assert found.dossiers[0].status is Status.RESULT_READY and found.dossiers[0].status_vn == "Đã có kết quả"


@pytest.mark.parametrize("typed", ["", "0870840", "087084001235", "0870840012345", "abc", "361234567"])
def test_a_number_no_dossier_carries_or_not_a_whole_number_finds_nothing(ctx: ServiceContext, clock: FixedClock,
                                                                          typed: str) -> None:
    receive_at(ctx, clock, "2026-02-02 09:00")
    assert returning_citizen(ctx, typed) is None


def test_voided_and_redacted_dossiers_are_not_found(ctx: ServiceContext, clock: FixedClock) -> None:
    voided = receive_at(ctx, clock, "2026-02-02 09:00", phone="0911111111")
    old = receive_at(ctx, clock, "2026-02-03 09:00", phone="0922222222")
    clock.moment = vn("2026-02-03 10:00")
    DossierActions(ctx).void(voided, "Nhập trùng")
    found = returning_citizen(ctx, ID)
    assert found is not None and [d.code for d in found.dossiers] == [old] and found.phone == "0922222222"
    # The retention rules removed the personal data of the old dossier: the number no longer finds it.
    execute(ctx.db, "UPDATE dossiers SET id_number = NULL, phone = NULL WHERE code = ?", (old,))
    assert returning_citizen(ctx, ID) is None


def test_a_leader_does_not_look_citizens_up(ctx: ServiceContext, clock: FixedClock) -> None:
    receive_at(ctx, clock, "2026-02-02 09:00")
    assert returning_citizen(ServiceContext(ctx.db, clock, "nv.lan", role="clerk"), ID) is not None
    with pytest.raises(PermissionDenied) as refused:
        returning_citizen(ServiceContext(ctx.db, clock, "ld.hung", role="leader"), ID)
    assert refused.value.field == "role"


@pytest.mark.parametrize(("earlier", "now", "changed"), [
    ("Ấp Mỹ Tây, Mỹ Phong, Đồng Tháp", "Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp", True),
    ("Ấp Mỹ Tây, Mỹ Phong, Đồng Tháp", "ấp mỹ tây,  Mỹ Phong - Đồng Tháp", False),  # case, spaces, punctuation
    ("Ấp Mỹ Tây, Mỹ Phong, Đồng Tháp", "Ap My Tay, My Phong, Dong Thap", False),  # typed without accents
    (None, "Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp", False),  # nothing known before: not a change
    ("Ấp Mỹ Tây, Mỹ Phong, Đồng Tháp", None, False),  # no address given now
])
def test_a_change_of_address_is_recorded_with_the_dossier_it_differs_from_not_the_old_address(
        ctx: ServiceContext, clock: FixedClock, earlier: str | None, now: str | None, changed: bool) -> None:
    before = receive_at(ctx, clock, "2026-02-02 09:00", address=earlier or "")
    after = receive_at(ctx, clock, "2026-03-02 09:00", "XA.CTRU.02", address=now or "")
    [received] = events(ctx.db, after)
    data = payload(received)
    assert data.get("address_changed_since") == (before if changed else None)
    if changed:
        assert earlier not in str(data)  # the old address is not copied into the new record
        found = returning_citizen(ctx, ID)
        assert found is not None and found.address == now and found.address_from == after
        received_row = detail(ctx, after)["timeline"][0]
        assert f"Địa chỉ khác với hồ sơ trước {before}" in str(received_row)  # the history says so, by code


def test_same_address_and_id_digits() -> None:
    assert same_address("Số 5, khóm 2, P.1", "số 5 khóm 2 p 1")
    assert not same_address("Số 5, khóm 2", "Số 6, khóm 2")
    assert id_digits(" 087.084.001.234 ") == ID and id_digits("361 234 567") == "361234567"
    assert id_digits("08708400123") is None


def test_favourites_are_the_clerks_own_of_the_last_90_days_most_used_first(ctx: ServiceContext, db,
                                                                          clock: FixedClock) -> None:
    other = ServiceContext(db, clock, "nv.binh")
    for when, procedure in (("2025-11-01 09:00", "XA.HT.01"), ("2025-11-02 09:00", "XA.HT.01"),  # > 90 days ago
                            ("2025-11-03 09:00", "XA.HT.01"),
                            ("2026-01-05 09:00", "XA.CT.02"), ("2026-02-02 09:00", "XA.CTRU.02"),
                            ("2026-02-03 09:00", "XA.CTRU.02"), ("2026-02-04 09:00", "XA.CT.01"),
                            ("2026-02-05 09:00", "XA.HT.01")):
        receive_at(ctx, clock, when, procedure)
    duplicate = receive_at(ctx, clock, "2026-02-06 09:00", "XA.BTXH.01")
    clock.moment = vn("2026-02-06 10:00")
    DossierActions(ctx).void(duplicate, "Nhập trùng")
    for day in range(10, 14):
        clock.moment = vn(f"2026-02-{day:02d} 10:00")
        receive(other, ReceiveRequest("XA.CTRU.05", {"name": "Lê Văn Tám"}))
    clock.moment = vn("2026-03-02 09:00")
    assert [c.code for c in favorite_procedures(ctx)] == ["XA.CTRU.02", "XA.HT.01", "XA.CT.01", "XA.CT.02"]
    assert [c.code for c in favorite_procedures(ctx, limit=2)] == ["XA.CTRU.02", "XA.HT.01"]
    assert [c.code for c in favorite_procedures(other)] == ["XA.CTRU.05"]
    assert favorite_procedures(ServiceContext(db, clock, "nv.moi")) == []
    execute(db, "UPDATE procedures SET active = 0 WHERE code = 'XA.HT.01'")  # withdrawn from the catalog
    assert [c.code for c in favorite_procedures(ctx)] == ["XA.CTRU.02", "XA.CT.01", "XA.CT.02"]
    choice = favorite_procedures(ctx)[0]
    assert (choice.name, choice.field_name, choice.is_bundle) == ("Đăng ký tạm trú", "Cư trú", False)
