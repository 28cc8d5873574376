"""A dossier row rebuilt from its events equals the row the services maintain, column by column, and what
``desk-app verify`` expects."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from desk_app.services.actions import DossierActions
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.replay import events_of, replay, reproject
from desk_app.store.models import Dossier
from tests.services._support import DUC
from tests.sync._support import assert_verifies, execute

COLUMNS = [c.name for c in Dossier.__table__.columns if c.name != "id"]


def as_stored(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def check_replay_equals_row(ctx) -> int:
    with ctx.read() as session:
        dossiers = list(session.scalars(select(Dossier)))
        grouped = events_of(session, [d.id for d in dossiers])
        for dossier in dossiers:
            columns = replay(grouped[dossier.id]).columns
            assert sorted(columns) == sorted(COLUMNS)
            for name in COLUMNS:
                assert as_stored(columns[name]) == as_stored(getattr(dossier, name)), (dossier.code, name)
    return len(dossiers)


@pytest.fixture
def histories(make_desk):
    """Dossiers through every kind of event, by the services."""
    ctx = make_desk("a", desk=1)
    act = DossierActions(ctx)
    plain = receive(ctx, ReceiveRequest("XA.HT.01", dict(DUC), return_method="postal")).code
    bundle = receive(ctx, ReceiveRequest("XA.HT.16", {"name": "Lê Thị Hoa", "address": "Ấp Mỹ Tây"})).code
    upper = receive(ctx, ReceiveRequest("XA.BHXH.01", {"name": "Trần Văn Tư", "phone": "0912345678"})).code
    closed = receive(ctx, ReceiveRequest("XA.HT.01", {"name": "Phạm Thị Năm"})).code
    ctx.clock.advance(hours=1)
    act.correct(plain, "name", "Nguyễn Văn Đạt")
    act.correct(plain, "phone", "0987 654 321")
    act.correct(plain, "return_address", "Số 5, Ấp Mỹ Đông")
    act.transfer(plain, "Công chức Tư pháp - Hộ tịch")
    act.request_supplement(plain, ["Giấy khai sinh bản sao"], "Thiếu giấy khai sinh")
    act.transfer(bundle, "Công an xã", component=2)
    act.result_ready(bundle, component=1)
    act.reschedule(bundle, dt.date(2026, 3, 25), "Chờ xác minh của công an")
    act.transfer(upper, upper=True)
    act.withdraw(closed, "Công dân xin rút")
    ctx.clock.advance(days=1)
    act.resubmit(plain)
    act.result_ready(plain)
    act.return_result(plain, rating=3)
    return ctx


def test_replay_gives_every_column_the_services_wrote(histories):
    assert check_replay_equals_row(histories) == 4
    assert_verifies(histories)


def test_reproject_repairs_a_row_from_its_events(histories):
    execute(histories, "UPDATE dossiers SET status = 'received', applicant_name = 'X', search_folded = 'x', "
                       "last_event_seq = 0, components = '[]', returned_at = NULL")
    with histories.read() as session:
        from desk_app.services.integrity import verify

        assert not verify(session).ok
    with histories.db.write_session() as session, session.begin():
        dossiers = list(session.scalars(select(Dossier)))
        grouped = events_of(session, [d.id for d in dossiers])
        for dossier in dossiers:
            assert reproject(dossier, grouped[dossier.id]) == ()
    assert_verifies(histories)  # the full-text index follows the column through its trigger
    assert check_replay_equals_row(histories) == 4
