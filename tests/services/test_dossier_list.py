"""The dossier list: presets, filters, accent-insensitive search, keyset pages under every sort, counts, plans.

Dossiers are received through the real intake at chosen moments of the week of Mon 02/03/2026 and moved through
the real lifecycle actions; "now" is Friday 06/03/2026 10:00 unless a test says otherwise. Expected orders come
from raw SQLite, not from the code under test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from typing import Any

import pytest

from desk_app.domain.errors import ValidationError
from desk_app.domain.lifecycle import Status
from desk_app.services import dossier_list as dl
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_list import Cursor, ListFilter, count, filter_options, page
from desk_app.services.queries import day_counts, show
from desk_app.services.rules import load_rules
from tests.conftest import vn
from tests.services._support import DUC, receive_one, rows

EVERYTHING = ListFilter()

TU = {"name": "Nguyễn Văn Tư", "phone": "0987 654 321", "address": "Ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp"}
MAI = {"name": "Nguyễn Thị Mai", "phone": "0356 111 222", "address": "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh"}
TAM = {"name": "Lê Văn Tám", "address": "Ấp Tân Phong, xã Mỹ Phong, tỉnh Đồng Tháp"}
HOA = {"name": "Phạm Thị Hoa", "phone": "0912 000 111", "address": "Phường 1, thành phố Cần Thơ"}
HOA2 = {"name": "Phạm Thị Hoa", "address": "Ấp An Khánh, xã Mỹ Phong, tỉnh Đồng Tháp"}  # same name: a tie


def _at(ctx: ServiceContext, moment: str) -> None:
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.moment = vn(moment)


def build_week(ctx: ServiceContext) -> dict[str, str]:
    """The week's dossiers (names say what they are on Friday 06/03 10:00), received and acted on in time order."""
    actions = DossierActions(ctx)
    codes: dict[str, str] = {}

    def receive(name: str, moment: str, procedure: str, who: dict[str, Any], **options: Any) -> None:
        _at(ctx, moment)
        codes[name] = receive_one(ctx, procedure, who, **options).code

    receive("overdue", "2026-03-02 09:00", "XA.CTRU.03", TAM)  # 1 working day: due Tue 03 09:00
    receive("waiting", "2026-03-02 09:00", "XA.HT.01", HOA)  # the same moment: ties on received_at
    receive("late", "2026-03-02 09:00", "XA.CTRU.03", HOA2)  # due Tue 03 09:00 (a tie on due_at); ready Wed 04
    receive("ready", "2026-03-02 10:00", "XA.CT.07", MAI)  # "văn bản", 2 working days: due Wed 04
    receive("online", "2026-03-03 07:00", "XA.CT.04", TU, channel="online")  # due Thu 05 07:00: overdue
    _at(ctx, "2026-03-03 08:00")
    actions.request_supplement(codes["waiting"], ["Bản sao giấy khai sinh"])
    actions.result_ready(codes["ready"])  # early (due Wed 04), never collected
    receive("due_today", "2026-03-03 09:00", "XA.HT.01", DUC)  # 3 working days: due Fri 06 09:00
    _at(ctx, "2026-03-04 08:00")
    actions.result_ready(codes["late"])
    actions.return_result(codes["late"])
    receive("due_monday", "2026-03-04 09:00", "XA.HT.01", TU)  # Thu 05, Fri 06, Mon 09
    receive("due_wednesday", "2026-03-04 09:30", "XA.HT.07", MAI)  # 5 working days: Wed 11 (beyond 2 days)
    receive("due_tuesday", "2026-03-05 16:30", "XA.HT.01", HOA2)  # Fri 06, Mon 09, Tue 10
    receive("today_same_day", "2026-03-06 09:30", "XA.CT.01", TAM)  # same day: due Fri 06 17:00
    _at(ctx, "2026-03-06 10:00")
    return codes


@pytest.fixture
def week(ctx: ServiceContext) -> dict[str, str]:
    return build_week(ctx)


def all_rows(ctx: ServiceContext, flt: ListFilter = EVERYTHING, sort: dl.SortKey = "received_at",
             descending: bool = True, limit: int = 200) -> list[dl.ListRow]:
    found: list[dl.ListRow] = []
    cursor: Cursor | None = None
    for _ in range(1000):
        result = page(ctx, flt, sort, descending, cursor, limit)
        assert len(result.rows) <= limit
        found.extend(result.rows)
        cursor = result.next_cursor
        if cursor is None:
            return found
        assert len(result.rows) == limit, "a page that is not full must be the last"
    raise AssertionError("pagination never ended")


def codes_of(ctx: ServiceContext, flt: ListFilter = EVERYTHING, **kwargs: Any) -> set[str]:
    return {r.code for r in all_rows(ctx, flt, **kwargs)}


# -- presets ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("preset", "expected"), [
    ("due_today", {"due_today", "today_same_day"}),
    ("due_soon", {"due_monday", "due_tuesday"}),  # across the weekend; today and Wednesday excluded
    ("overdue", {"overdue", "online"}),  # the one waiting for the citizen is not overdue
    ("waiting_supplement", {"waiting"}),
    ("ready_not_collected", {"ready"}),
    ("apology_needed", {"due_monday"}),  # due on the next working day (Monday), never rescheduled
])
def test_each_preset_gives_exactly_its_dossiers(ctx, week, preset, expected):
    flt = ListFilter(preset=preset)
    assert codes_of(ctx, flt) == {week[name] for name in expected}
    assert count(ctx, flt) == len(expected)


def test_due_today_and_overdue_agree_with_the_main_window_counts(ctx, db, week):
    with db.session() as session:
        counts = day_counts(session, ctx.clock.now())
    assert count(ctx, ListFilter(preset="due_today")) == counts.due_today == 2
    assert count(ctx, ListFilter(preset="overdue")) == counts.overdue == 2


def test_due_soon_on_thursday_reaches_monday_across_the_weekend(ctx, week):
    _at(ctx, "2026-03-05 17:00")  # Thursday: the next 2 working days are Friday and Monday
    assert codes_of(ctx, ListFilter(preset="due_soon")) == {week["due_today"], week["today_same_day"],
                                                            week["due_monday"]}
    # On Thursday, "online" (due Thu 05 07:00) is due today, not soon, and not yet overdue.
    assert codes_of(ctx, ListFilter(preset="due_today")) == {week["online"]}
    assert codes_of(ctx, ListFilter(preset="overdue")) == {week["overdue"]}


def test_due_soon_follows_the_holiday_calendar(ctx, db):
    # Wednesday 29/04/2026: 30/04 and 01/05 are public holidays, then a weekend: the next 2 working days are
    # Monday 04/05 and Tuesday 05/05.
    _at(ctx, "2026-04-28 09:00")
    monday = receive_one(ctx, "XA.HT.01", TU).code  # Wed 29, Mon 04, Tue 05 → due Tue 05/05
    _at(ctx, "2026-04-29 09:00")
    friday_after = receive_one(ctx, "XA.CTRU.03", TAM).code  # 1 working day → Mon 04/05
    with db.session() as session:
        cal = load_rules(session).calendar
    assert cal.add_working_days(dt.date(2026, 4, 29), 2) == dt.date(2026, 5, 5)
    assert codes_of(ctx, ListFilter(preset="due_soon")) == {monday, friday_after}


def test_apology_needed_is_due_next_working_day_not_today_and_not_rescheduled(ctx, week):
    # Friday: Monday's dossier needs an apology today if it will be late; the one due today can no longer get one.
    flt = ListFilter(preset="apology_needed")
    assert codes_of(ctx, flt) == {week["due_monday"]}
    assert week["due_today"] not in codes_of(ctx, flt)
    DossierActions(ctx).reschedule(week["due_monday"], dt.date(2026, 3, 10), "Chờ xác minh của công an xã")
    assert codes_of(ctx, flt) == set()
    assert count(ctx, flt) == 0
    assert week["due_monday"] in codes_of(ctx, ListFilter(preset="due_soon"))  # now due Tue 10: merely soon
    # Monday: Tuesday's two are due on the next working day; the rescheduled one may not be rescheduled again.
    _at(ctx, "2026-03-09 10:00")
    assert codes_of(ctx, flt) == {week["due_tuesday"]}


def test_apology_needed_pages_through_both_plans(ctx, week, monkeypatch):
    flt = ListFilter(preset="apology_needed")
    driver, steps = plan(ctx, flt)
    assert driver == "preset" and "ix_dossiers_status_due" in steps, steps
    monkeypatch.setattr(dl, "PROBE_LIMIT", 1)  # as if thousands were due: walk the sort index instead
    driver, _ = plan(ctx, flt)
    assert driver is None
    assert codes_of(ctx, flt) == {week["due_monday"]}


def test_a_preset_combines_with_the_other_filters(ctx, week):
    assert codes_of(ctx, ListFilter(preset="overdue", channel="online")) == {week["online"]}
    assert codes_of(ctx, ListFilter(preset="overdue", status=Status.RECEIVED, procedure_code="XA.CTRU.03")) == {
        week["overdue"]}
    assert codes_of(ctx, ListFilter(preset="due_today", status=Status.RESULT_READY)) == set()


# -- filters ---------------------------------------------------------------------------------------------------------
def test_filter_by_status(ctx, week):
    assert codes_of(ctx, ListFilter(status=Status.RETURNED)) == {week["late"]}
    assert codes_of(ctx, ListFilter(status=Status.SUPPLEMENT_REQUESTED)) == {week["waiting"]}
    assert len(codes_of(ctx, ListFilter(status=Status.RECEIVED))) == 7


def test_filter_by_procedure_field_and_channel(ctx, week):
    assert codes_of(ctx, ListFilter(procedure_code="XA.HT.01")) == {
        week[n] for n in ("waiting", "due_today", "due_monday", "due_tuesday")}
    assert codes_of(ctx, ListFilter(field_code="CT")) == {week[n] for n in ("ready", "online", "today_same_day")}
    assert codes_of(ctx, ListFilter(field_code="CTRU")) == {week[n] for n in ("overdue", "late")}
    assert codes_of(ctx, ListFilter(channel="online")) == {week["online"]}
    assert codes_of(ctx, ListFilter(channel="postal")) == set()
    assert codes_of(ctx, ListFilter(field_code="HT", procedure_code="XA.HT.07")) == {week["due_wednesday"]}


def test_date_range_includes_both_ends(ctx, week):
    # Tue 03 07:00 (the day's first minute received) to Thu 05 16:30 (the day's last): both in.
    flt = ListFilter(date_from=dt.date(2026, 3, 3), date_to=dt.date(2026, 3, 5))
    assert codes_of(ctx, flt) == {week[n] for n in ("due_today", "online", "due_monday", "due_wednesday",
                                                     "due_tuesday")}
    assert count(ctx, flt) == 5
    one_day = ListFilter(date_from=dt.date(2026, 3, 5), date_to=dt.date(2026, 3, 5))
    assert codes_of(ctx, one_day) == {week["due_tuesday"]}
    assert codes_of(ctx, ListFilter(date_from=dt.date(2026, 3, 6))) == {week["today_same_day"]}
    assert codes_of(ctx, ListFilter(date_to=dt.date(2026, 3, 2))) == {week[n] for n in ("overdue", "waiting",
                                                                                         "ready", "late")}


def test_a_reversed_date_range_is_refused_at_the_start_date(ctx, week):
    with pytest.raises(ValidationError) as refused:
        page(ctx, ListFilter(date_from=dt.date(2026, 3, 5), date_to=dt.date(2026, 3, 3)))
    assert refused.value.field == "date_from"
    assert "05/03/2026" in refused.value.message


# -- search ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "expected"), [
    # Nguyễn Văn Đức, Nguyễn Văn Tư; not Nguyễn Thị Mai, who came for a "văn bản" (the words, not the phrase)
    ("nguyen van", {"due_today", "online", "due_monday"}),
    ("NGUYEN VAN DUC", {"due_today"}),
    (unicodedata.normalize("NFD", "Nguyễn Văn Tư"), {"online", "due_monday"}),  # decomposed, as some IMEs send
    ("nguyễn văn", {"due_today", "online", "due_monday"}),
    ("dong thap", {"overdue", "late", "due_today", "online", "due_monday", "due_tuesday", "today_same_day"}),
    ("Đồng Tháp", {"overdue", "late", "due_today", "online", "due_monday", "due_tuesday", "today_same_day"}),
    ("pham thi hoa", {"waiting", "late", "due_tuesday"}),
    ("ho chi minh", {"ready", "due_wednesday"}),
    ("tinh trang hon nhan", {"waiting", "due_today", "due_monday", "due_tuesday"}),  # words of the procedure
    ("tu my thoi", {"online", "due_monday"}),  # name and hamlet: not a phrase, every word anywhere
])
def test_search_words_without_marks(ctx, week, typed, expected):
    flt = ListFilter(text=typed)
    assert codes_of(ctx, flt) == {week[n] for n in expected}
    assert count(ctx, flt) == len(expected)


@pytest.mark.parametrize("typed", ["0912345678", "0912 345 678", "+84 912 345 678", "0912.345.678"])
def test_search_by_phone(ctx, week, typed):
    assert codes_of(ctx, ListFilter(text=typed)) == {week["due_today"]}


def test_search_by_the_beginning_of_a_phone_number(ctx, week):
    assert codes_of(ctx, ListFilter(text="0912")) == {week["due_today"], week["waiting"]}  # 0912 345 678, 0912 000 111


def test_search_by_id_number(ctx, week):
    assert codes_of(ctx, ListFilter(text="087084001234")) == {week["due_today"]}
    assert codes_of(ctx, ListFilter(text="087 084 001 234")) == {week["due_today"]}
    assert codes_of(ctx, ListFilter(text="08708400")) == set()  # never by part of an ID number


def test_search_by_code(ctx, week):
    code = week["due_monday"]
    assert codes_of(ctx, ListFilter(text=code)) == {code}
    assert codes_of(ctx, ListFilter(text=f"  {code.lower()} ")) == {code}
    day_prefix = code.rsplit("-", 1)[0] + "-"  # agency and date: the day's dossiers
    assert codes_of(ctx, ListFilter(text=day_prefix)) == {week[n] for n in ("due_monday", "due_wednesday")}


def test_search_combines_with_filters(ctx, week):
    assert codes_of(ctx, ListFilter(text="nguyen van", preset="overdue")) == {week["online"]}
    assert codes_of(ctx, ListFilter(text="dong thap", field_code="CTRU")) == {week["overdue"], week["late"]}


@pytest.mark.parametrize("typed", ["!!!", "-- ..", "x" * 201])
def test_a_malformed_search_is_refused_at_the_search_field(ctx, week, typed):
    with pytest.raises(ValidationError) as refused:
        page(ctx, ListFilter(text=typed))
    assert refused.value.field == "text"
    with pytest.raises(ValidationError):
        count(ctx, ListFilter(text=typed))


def test_fts_syntax_in_the_search_is_plain_text(ctx, week):
    # Quotes, stars, OR, NEAR, parentheses: what FTS5 would take as syntax is only more words, never an error.
    assert codes_of(ctx, ListFilter(text='nguyen* "van"')) == {week["due_today"], week["online"], week["due_monday"]}
    for typed in ('"nguyen" OR (van*', 'nguyen" NEAR van', "hoa AND NOT", "^pham"):
        page(ctx, ListFilter(text=typed))
        count(ctx, ListFilter(text=typed))


# -- rows ------------------------------------------------------------------------------------------------------------
def test_rows_carry_no_id_number(ctx, week):
    assert "id_number" not in {f.name for f in dataclasses.fields(dl.ListRow)}
    for row in all_rows(ctx):
        assert "087084001234" not in repr(row)


def test_rows_are_judged_as_the_detail_view_judges_them(ctx, db, week):
    found = {r.code: r for r in all_rows(ctx)}
    now = ctx.clock.now()
    with db.session() as session:
        for code, row in found.items():
            detail = show(session, code, now)
            assert (row.timeliness, row.timeliness_vn) == (detail["timeliness"], detail.get("timeliness_vn"))
            assert row.status == detail["status"] and row.status_vn == detail["status_vn"]
    by_name = {name: found[code] for name, code in week.items()}
    assert (by_name["overdue"].timeliness, by_name["overdue"].timeliness_vn) == ("overdue", "Quá hạn")
    assert (by_name["ready"].timeliness, by_name["ready"].timeliness_vn) == ("early", "Trước hạn")
    assert (by_name["late"].timeliness, by_name["late"].status_vn) == ("late", "Đã trả kết quả")
    assert by_name["waiting"].timeliness == "waiting"
    assert by_name["due_monday"].timeliness == "within"
    assert {n for n, r in by_name.items() if r.due_today} == {"due_today", "today_same_day"}
    row = by_name["due_today"]
    assert (row.applicant_name, row.procedure_name, row.field_code, row.channel) == (
        "Nguyễn Văn Đức", "Cấp Giấy xác nhận tình trạng hôn nhân", "HT", "direct")
    assert (row.received_at, row.due_at) == (vn("2026-03-03 09:00"), vn("2026-03-06 09:00"))


def test_newest_first_by_default(ctx, week):
    listed = [r.code for r in all_rows(ctx)]
    assert listed[0] == week["today_same_day"]
    assert listed[-3:] == [week["late"], week["waiting"], week["overdue"]]  # the same moment: the later id first


# -- keyset pagination -------------------------------------------------------------------------------------------
_ORDER_SQL = {"received_at": "received_at", "due_at": "due_at", "code": "code",
              "applicant_name": "applicant_name", "status": "status"}


@pytest.mark.parametrize("sort", dl.SORT_KEYS)
@pytest.mark.parametrize("descending", [True, False])
def test_every_row_exactly_once_across_pages(ctx, db, week, sort, descending):
    direction = "DESC" if descending else "ASC"
    expected = [r["code"] for r in rows(
        db, f"SELECT code FROM dossiers ORDER BY {_ORDER_SQL[sort]} {direction}, id {direction}")]
    for limit in (1, 2, 3, 5, 200):
        listed = [r.code for r in all_rows(ctx, sort=sort, descending=descending, limit=limit)]
        assert listed == expected, f"page size {limit}"
    assert len(set(expected)) == len(expected) == count(ctx, EVERYTHING) == 10


def test_the_week_has_ties_on_every_sort_value_but_the_code(db, week):
    for column in ("received_at", "due_at", "applicant_name", "status"):
        ties = rows(db, f"SELECT {column}, count(*) FROM dossiers GROUP BY 1 HAVING count(*) > 1")
        assert ties, f"no tie on {column}: the pagination test would not test ties"


@pytest.mark.parametrize("sort", dl.SORT_KEYS)
def test_pages_of_a_filter_walked_or_driven_give_the_same_rows(ctx, week, monkeypatch, sort):
    flt = ListFilter(status=Status.RECEIVED)
    driven = [r.code for r in all_rows(ctx, flt, sort=sort, limit=2)]
    monkeypatch.setattr(dl, "PROBE_LIMIT", 3)  # now "received" (7 dossiers) counts as large: walk the sort index
    walked = [r.code for r in all_rows(ctx, flt, sort=sort, limit=2)]
    assert walked == driven
    assert len(driven) == 7


def test_a_cursor_belongs_to_its_sort(ctx, week):
    first = page(ctx, ListFilter(), "received_at", True, None, 2)
    assert first.next_cursor is not None
    with pytest.raises(ValueError):
        page(ctx, ListFilter(), "due_at", True, first.next_cursor, 2)


def test_an_empty_list_has_no_next_page(ctx):
    result = page(ctx, ListFilter())
    assert result.rows == [] and result.next_cursor is None
    assert count(ctx, ListFilter()) == 0


def test_a_last_full_page_has_no_next_cursor(ctx, week):
    result = page(ctx, ListFilter(), limit=10)
    assert len(result.rows) == 10 and result.next_cursor is None


# -- query plans -----------------------------------------------------------------------------------------------------
def plan(ctx: ServiceContext, flt: ListFilter, sort: dl.SortKey = "received_at", descending: bool = True,
         after: Cursor | None = None) -> tuple[str | None, str]:
    from sqlalchemy.dialects import sqlite

    with ctx.db.session() as session:
        query = dl.page_query(session, flt, sort, descending, after, 201, ctx.clock.now(), load_rules(session))
        compiled = query.statement.compile(dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True})
        params = tuple(compiled.construct_params()[k] for k in compiled.positiontup or ())
        steps = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).fetchall()
    return query.driver, " | ".join(str(s[-1]) for s in steps)


@pytest.mark.parametrize(("sort", "index"), [("received_at", "ix_dossiers_received_at"),
                                             ("due_at", "ix_dossiers_due_at"),
                                             ("code", "sqlite_autoindex_dossiers_1"),
                                             ("status", "ix_dossiers_status")])
def test_pages_walk_the_sort_index_without_sorting(ctx, week, sort, index):
    driver, steps = plan(ctx, ListFilter(), sort)
    assert driver is None
    assert f"USING INDEX {index}" in steps and "TEMP B-TREE" not in steps, steps
    cursor = page(ctx, ListFilter(), sort, True, None, 2).next_cursor
    _, steps = plan(ctx, ListFilter(), sort, True, cursor)
    assert f"SEARCH dossiers USING INDEX {index} ({sort}<?)" in steps and "TEMP B-TREE" not in steps, steps


def test_no_query_uses_offset(ctx, week):
    with ctx.db.session() as session:
        query = dl.page_query(session, ListFilter(), "received_at", True, None, 201, ctx.clock.now(),
                              load_rules(session))
    # SQLAlchemy's SQLite dialect renders "LIMIT ? OFFSET ?" with the offset bound to 0; never a real offset.
    assert query.statement._offset_clause is None


def test_the_due_presets_use_the_status_and_due_index(ctx, week):
    for preset in ("due_today", "due_soon", "overdue"):
        driver, steps = plan(ctx, ListFilter(preset=preset))
        assert driver == "preset"
        assert "USING INDEX ix_dossiers_status_due (status=? AND due_at" in steps, steps


def test_a_large_filter_walks_the_sort_index(ctx, week, monkeypatch):
    monkeypatch.setattr(dl, "PROBE_LIMIT", 3)
    driver, steps = plan(ctx, ListFilter(status=Status.RECEIVED))
    assert driver is None
    assert "SCAN dossiers USING INDEX ix_dossiers_received_at" in steps and "TEMP B-TREE" not in steps, steps
    driver, steps = plan(ctx, ListFilter(text="dong thap"))
    assert driver is None and "TEMP B-TREE" not in steps, steps


def test_a_small_filter_drives_the_page_through_its_index(ctx, week):
    driver, steps = plan(ctx, ListFilter(procedure_code="XA.HT.07"))
    assert driver == "procedure" and "ix_dossiers_procedure_code" in steps, steps
    driver, steps = plan(ctx, ListFilter(text="pham thi hoa"))
    # the full-text index was read once when the filter was built: the page looks up just those rowids
    assert driver == "text" and "json_each" in steps and "USING INTEGER PRIMARY KEY" in steps, steps
    driver, steps = plan(ctx, ListFilter(text="0912345678"))
    assert driver == "text" and "ix_dossiers_phone" in steps, steps


# -- options ---------------------------------------------------------------------------------------------------------
def test_filter_options(ctx):
    options = filter_options(ctx)
    procedures = {o.code: o.name for o in options.procedures}
    assert procedures["XA.CT.01"] == "Chứng thực bản sao từ bản chính"
    assert {o.code: o.name for o in options.fields}["HT"] == "Hộ tịch"
    assert len({o.code for o in options.fields}) == len(options.fields) >= 7
    assert [o.code for o in options.statuses] == [s.value for s in Status]
    assert {o.code for o in options.channels} == {"direct", "online", "postal"}
    assert [o.code for o in options.presets] == ["due_today", "due_soon", "overdue", "waiting_supplement",
                                                 "ready_not_collected", "apology_needed"]
    assert {o.code: o.name for o in options.presets}["apology_needed"] == "Cần xin lỗi"
    assert {o.name for o in options.statuses} >= {"Đã tiếp nhận", "Chờ bổ sung hồ sơ", "Đã trả kết quả"}


def test_reads_write_nothing(ctx, db, week):
    before = rows(db, "SELECT * FROM dossiers ORDER BY id")
    all_rows(ctx, ListFilter(text="nguyen van"))
    count(ctx, ListFilter(preset="overdue"))
    filter_options(ctx)
    assert rows(db, "SELECT * FROM dossiers ORDER BY id") == before
