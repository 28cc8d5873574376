"""The dossier list ("Sổ theo dõi hồ sơ"): filtered, searched, sorted pages of dossiers, fetched by keyset.

Built for a million dossiers: a page is ``WHERE <filters> AND (sort_col, id) beyond the cursor ORDER BY sort_col, id
LIMIT n`` on an index, never an OFFSET and never the whole table. The row shown carries no ID number (DOMAIN.md §9:
masked everywhere but the detail view); its timeliness comes from :func:`desk_app.services.queries.timeliness`, the
same rule as the detail view and the reports, and "due today" / "overdue" mean what the main window's counts mean
(:func:`desk_app.services.queries.day_counts`): open dossiers, those waiting for the citizen's documents excluded, by
calendar date. "Cần xin lỗi" (apology needed) holds the open dossiers due on the next working day (after today, up to
that day's end) that were never rescheduled: the apology with a new date (Mẫu 04) must go out at least a day before
the due date (:func:`desk_app.domain.deadlines.check_new_appointment`), so today is the last day to send it; a dossier
due today can no longer be rescheduled and is only "due today". The dashboard's counts are these presets' conditions
(:func:`preset_condition`), counted.

The text search takes a dossier code (whole, or its beginning), an ID number or a phone number (digits; the
beginning of a phone number too), or words: accent-insensitive, over the full-text index of the applicant's name,
address, phone and the procedure. Words match as a phrase ("nguyen van" finds "Nguyễn Văn Đức", not "Nguyễn Thị
... văn bản") when that phrase occurs at all, else each word anywhere.

Which index serves a filtered page is decided here, not left to SQLite's planner, which has no statistics and would
happily sort nine dossiers in ten ("Đã trả kết quả") to show the first 200: each filter term is first counted up to
PROBE_LIMIT; the smallest term under that limit drives the page through its own index (sorting a few thousand rows
at most), and when every term is large the page walks the sort column's index from the cursor with the terms made
unusable as indexes (``+column``), stopping after one page. The choice travels in the cursor, so every page of one
listing runs the same plan. bench/dossier_list.py prints the plans and their timings.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Integer, Row, and_, column, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from desk_app.domain.deadlines import DeadlinePolicy
from desk_app.domain.errors import ValidationError
from desk_app.domain.lifecycle import OPEN_STATUSES, STATUS_VN, Status
from desk_app.domain.validation import check_single_line, normalize_phone, vn_fold
from desk_app.services.context import ServiceContext
from desk_app.services.intake import CHANNELS
from desk_app.services.queries import timeliness
from desk_app.services.rules import DeskRules, load_rules
from desk_app.store.models import Dossier, Procedure

Preset = Literal["due_today", "due_soon", "overdue", "waiting_supplement", "ready_not_collected", "apology_needed"]
SortKey = Literal["received_at", "due_at", "code", "applicant_name", "status"]

PAGE_SIZE = 200
DUE_SOON_WORKING_DAYS = 2
MAX_SEARCH_LENGTH = 200
# A filter term holding fewer dossiers than this drives the page through its own index; more, and the page walks
# the sort column's index instead (see _choose_driver).
PROBE_LIMIT = 5000

PRESETS_VN: dict[str, str] = {
    "due_today": "Đến hạn hôm nay",
    "due_soon": "Đến hạn trong 2 ngày làm việc",
    "overdue": "Quá hạn",
    "waiting_supplement": "Chờ bổ sung",
    "ready_not_collected": "Có kết quả chưa trả",
    "apology_needed": "Cần xin lỗi",
}

SORT_KEYS: tuple[SortKey, ...] = ("received_at", "due_at", "code", "applicant_name", "status")
_SORT_COLUMNS: dict[str, Any] = {
    "received_at": Dossier.received_at,
    "due_at": Dossier.due_at,
    "code": Dossier.code,
    "applicant_name": Dossier.applicant_name,
    "status": Dossier.status,
}

# What a list row needs of the dossier (no ID number, no documents): also what queries.timeliness reads.
_ROW_COLUMNS = (
    Dossier.id, Dossier.code, Dossier.applicant_name, Dossier.procedure_name, Dossier.field_code, Dossier.channel,
    Dossier.received_at, Dossier.due_at, Dossier.original_due_at, Dossier.status, Dossier.result_ready_at,
    Dossier.supplement_count, Dossier.rescheduled,
)

# The clock runs against the desk only while the dossier is open and not waiting for the citizen (day_counts).
_RUNNING = tuple(s.value for s in sorted(OPEN_STATUSES) if s is not Status.SUPPLEMENT_REQUESTED)

_DIGITS = re.compile(r"^[\d\s.+()\-\u2010\u2011\u2013\u2014]+$")  # what the ID and phone validators accept
_CODE_PREFIX = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}-[\d-]*$")
_WORDS = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class ListFilter:
    status: Status | None = None
    preset: Preset | None = None
    procedure_code: str | None = None
    field_code: str | None = None
    channel: str | None = None
    date_from: dt.date | None = None  # received on or after this day
    date_to: dt.date | None = None  # received on or before this day
    text: str = ""


@dataclass(frozen=True)
class Cursor:
    """Where the previous page stopped: the sort value and id of its last row (keyset pagination)."""

    sort: SortKey
    descending: bool
    value: Any  # the sort column's value (an aware datetime for the time columns, else text)
    id: int
    driver: str | None = None  # the filter term whose index drives the query, as chosen for the first page


@dataclass(frozen=True)
class ListRow:
    code: str
    applicant_name: str
    procedure_name: str
    field_code: str
    channel: str
    received_at: dt.datetime
    due_at: dt.datetime
    status: str
    status_vn: str
    timeliness: str | None  # early | on_time | late | within | overdue | waiting | None (closed without a result)
    timeliness_vn: str | None
    due_today: bool  # open, not waiting for the citizen, due today (the "Đến hạn hôm nay" preset)


@dataclass(frozen=True)
class Page:
    rows: list[ListRow]
    next_cursor: Cursor | None  # None: no more rows


@dataclass(frozen=True)
class Option:
    code: str
    name: str


@dataclass(frozen=True)
class FilterOptions:
    procedures: list[Option]
    fields: list[Option]
    statuses: list[Option]
    channels: list[Option]
    presets: list[Option]


def _day_bounds(day: dt.date, tz: dt.tzinfo | None) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz),
            dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz))


Columns = Callable[[str], Any]  # a dossiers column by name: the column itself, or "+column" (no index)


@dataclass(frozen=True)
class _Term:
    """One condition of the filter, written against a column accessor so that it can be built to use an index
    (the page is driven by it) or not (the page walks the sort column's index and merely checks it)."""

    name: str
    columns: tuple[str, ...]  # the dossiers columns it reads
    build: Callable[[Columns], ColumnElement[bool]]
    fts: str | None = None  # the full-text query, for a text term searched by words
    indexed: bool = True  # False: no index could serve it (field, channel), never worth probing
    found: int | None = None  # how many dossiers it holds (up to PROBE_LIMIT), when already known: no probe


def _plain(name: str) -> Any:
    return getattr(Dossier, name)


def _unindexed(name: str) -> Any:
    """``+dossiers.col``: SQLite will not use an index for it (https://sqlite.org/optoverview.html#disqualifying_where_clause_terms)."""
    return literal_column(f"+dossiers.{name}", type_=getattr(Dossier, name).type)


def _fts_rowids(session: Session, match: str) -> list[int]:
    """The dossiers matching, no more than PROBE_LIMIT of them."""
    return list(session.execute(text("SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH :q LIMIT :n"),
                                {"q": match, "n": PROBE_LIMIT}).scalars())


def _fts_match(session: Session, folded: str) -> tuple[str, list[int]] | None:
    """The FTS5 query for typed words: the phrase (last word a prefix) if it occurs anywhere, else every word
    anywhere; with the dossiers it finds (up to PROBE_LIMIT). None: nothing to search for.

    The full-text index is read once here: a phrase of common words whose last one is a prefix ("ly thu hoa*":
    hoa, hoai, hoan, hoang…) costs tens of milliseconds over a million dossiers, so the probe and the page reuse
    these rowids rather than matching again."""
    words = [w for w in _WORDS.split(folded) if w]
    if not words:
        return None
    phrase = '"' + " ".join(words) + '"*'
    found = _fts_rowids(session, phrase)
    if found or len(words) == 1:
        return phrase, found
    anywhere = " AND ".join(f'"{w}"*' for w in words)
    return anywhere, _fts_rowids(session, anywhere)


def _text_term(session: Session, typed: str) -> _Term:
    typed = typed.strip()
    if len(typed) > MAX_SEARCH_LENGTH:
        raise ValidationError(f"Nội dung tìm kiếm quá dài (tối đa {MAX_SEARCH_LENGTH} ký tự).", field="text")
    compact = re.sub(r"\s+", "", typed).upper()
    if _CODE_PREFIX.match(compact):
        # A whole code is one row of the unique index; its beginning (agency and date) a range of it.
        return _Term("text", ("code",), lambda c: c("code").between(compact, compact + "~"))
    if _DIGITS.match(typed):
        digits = re.sub(r"\D", "", typed)
        if not digits:
            raise ValidationError("Nhập mã hồ sơ, số CCCD, số điện thoại hoặc họ tên để tìm.", field="text")
        try:
            phone = normalize_phone(typed).number
        except ValidationError:
            phone = digits
        prefix = digits.startswith("0") and 4 <= len(digits) < 10  # the beginning of a phone number

        def digits_condition(c: Columns) -> ColumnElement[bool]:
            matches = [c("id_number") == digits, c("phone") == phone]
            if prefix:
                matches.append(c("phone").between(digits, digits + "~"))
            return or_(*matches)

        return _Term("text", ("id_number", "phone"), digits_condition)
    searched = _fts_match(session, vn_fold(typed))
    if searched is None:
        raise ValidationError(
            "Không có chữ hay số nào để tìm. Nhập mã hồ sơ, số CCCD, số điện thoại, họ tên hoặc địa chỉ.",
            field="text")
    match, rowids = searched
    if len(rowids) < PROBE_LIMIT:  # all of them in hand: the page reads just those rows (one bound value)
        listed = text("SELECT value FROM json_each(:rowids)").bindparams(rowids=json.dumps(rowids)).columns(
            column("value", Integer))
        return _Term("text", ("id",), lambda c: c("id").in_(listed), fts=match, found=len(rowids))
    matching = text("SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH :fts").bindparams(fts=match).columns(
        column("rowid", Integer))
    return _Term("text", ("id",), lambda c: c("id").in_(matching), fts=match, found=PROBE_LIMIT)


def _preset_term(preset: str, now: dt.datetime, rules: DeskRules) -> _Term:
    today_start, today_end = _day_bounds(now.date(), now.tzinfo)
    both = ("status", "due_at")
    if preset == "due_today":
        return _Term("preset", both, lambda c: and_(c("status").in_(_RUNNING),
                                                    c("due_at").between(today_start, today_end)))
    if preset == "due_soon":
        last = _day_bounds(rules.calendar.add_working_days(now.date(), DUE_SOON_WORKING_DAYS), now.tzinfo)[1]
        return _Term("preset", both, lambda c: and_(c("status").in_(_RUNNING), c("due_at") > today_end,
                                                    c("due_at") <= last))
    if preset == "overdue":
        return _Term("preset", both, lambda c: and_(c("status").in_(_RUNNING), c("due_at") < today_start))
    if preset == "waiting_supplement":
        return _Term("preset", ("status",), lambda c: c("status") == Status.SUPPLEMENT_REQUESTED.value)
    if preset == "ready_not_collected":
        return _Term("preset", ("status",), lambda c: c("status") == Status.RESULT_READY.value)
    if preset == "apology_needed":
        # Due after today and by the end of the next working day (a due date on a day off in between, too), with
        # no new date yet: today is the last day the apology may be sent (check_new_appointment), and only once.
        last = _day_bounds(rules.calendar.next_working_day(now.date()), now.tzinfo)[1]
        return _Term("preset", ("status", "due_at", "rescheduled"),
                     lambda c: and_(c("status").in_(_RUNNING), c("due_at") > today_end, c("due_at") <= last,
                                    c("rescheduled").is_not(True)))
    raise ValidationError(f"Không có bộ lọc nhanh '{preset}'.", field="preset")


def preset_condition(preset: str, now: dt.datetime, rules: DeskRules) -> ColumnElement[bool]:
    """The WHERE condition of a quick filter as of ``now``: what the dashboard counts for its tiles, so that a count
    and the list it opens can never disagree."""
    return _preset_term(preset, now, rules).build(_plain)


def _terms(session: Session, flt: ListFilter, now: dt.datetime, rules: DeskRules) -> list[_Term]:
    terms: list[_Term] = []
    for name in ("procedure_code", "field_code", "channel", "text"):  # typed or pasted: no hidden characters
        check_single_line(getattr(flt, name) or "", field=name, label="Nội dung tìm kiếm", max_length=100_000)
    if flt.status is not None:
        status = Status(flt.status).value
        terms.append(_Term("status", ("status",), lambda c: c("status") == status))
    if flt.procedure_code:
        procedure = flt.procedure_code
        terms.append(_Term("procedure", ("procedure_code",), lambda c: c("procedure_code") == procedure))
    if flt.field_code:
        field = flt.field_code
        terms.append(_Term("field", ("field_code",), lambda c: c("field_code") == field, indexed=False))
    if flt.channel:
        channel = flt.channel
        terms.append(_Term("channel", ("channel",), lambda c: c("channel") == channel, indexed=False))
    if flt.date_from is not None and flt.date_to is not None and flt.date_from > flt.date_to:
        raise ValidationError(
            f"Ngày bắt đầu ({flt.date_from:%d/%m/%Y}) sau ngày kết thúc ({flt.date_to:%d/%m/%Y}).", field="date_from")
    if flt.date_from is not None or flt.date_to is not None:
        low = _day_bounds(flt.date_from, now.tzinfo)[0] if flt.date_from is not None else None
        high = _day_bounds(flt.date_to, now.tzinfo)[1] if flt.date_to is not None else None

        def received(c: Columns) -> ColumnElement[bool]:
            parts = [c("received_at") >= low] if low is not None else []
            if high is not None:
                parts.append(c("received_at") <= high)
            return and_(*parts)

        terms.append(_Term("date", ("received_at",), received))
    if flt.preset is not None:
        terms.append(_preset_term(flt.preset, now, rules))
    if flt.text.strip():
        terms.append(_text_term(session, flt.text))
    return terms


def _probe(session: Session, term: _Term) -> int:
    """How many dossiers the term alone holds, counted no further than PROBE_LIMIT (cheap: an index range)."""
    if term.found is not None:
        return term.found
    if term.fts is not None:  # straight from the full-text index, which streams its rowids
        inner = text("SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH :q LIMIT :n").bindparams(
            q=term.fts, n=PROBE_LIMIT).columns(column("rowid", Integer)).subquery()
    else:
        inner = select(Dossier.id).where(term.build(_plain)).limit(PROBE_LIMIT).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def _choose_driver(session: Session, terms: list[_Term], sort: str) -> str | None:
    """The term whose index should drive the page: the most selective one holding fewer than PROBE_LIMIT
    dossiers (then sorting what it finds is cheap), or None: walk the sort column's index from the cursor and
    check every term on the way (cheap when the filter holds many dossiers).

    SQLite's planner cannot tell "status = returned" (nine dossiers in ten) from "status = in progress" without
    statistics, and would sort most of a million rows for the first 200; hence this small probe."""
    best: tuple[int, str] | None = None
    for term in terms:
        if not term.indexed or set(term.columns) == {sort}:
            continue
        found = _probe(session, term)
        if found < PROBE_LIMIT and (best is None or found < best[0]):
            best = (found, term.name)
    return best[1] if best is not None else None


def _conditions(terms: list[_Term], driver: str | None, sort: str) -> list[ColumnElement[bool]]:
    def walking(name: str) -> Any:
        return _plain(name) if name == sort else _unindexed(name)

    return [term.build(_plain if term.name == driver else walking) for term in terms]


def _after(column: Any, cursor: Cursor) -> ColumnElement[bool]:
    """Rows beyond the cursor in (column, id) order. Written as ``col <= v AND (col < v OR id < i)`` (``>=``,
    ``>`` ascending) so that SQLite scans the column's index from the cursor on."""
    if cursor.descending:
        return and_(column <= cursor.value, or_(column < cursor.value, Dossier.id < cursor.id))
    return and_(column >= cursor.value, or_(column > cursor.value, Dossier.id > cursor.id))


@dataclass(frozen=True)
class PageQuery:
    statement: Any
    driver: str | None


def page_query(session: Session, flt: ListFilter, sort: SortKey, descending: bool, after: Cursor | None,
               limit: int, now: dt.datetime, rules: DeskRules) -> PageQuery:
    """The SELECT for one page and the term driving it (exposed for the query-plan checks of tests and bench)."""
    if sort not in _SORT_COLUMNS:
        raise ValidationError(f"Không sắp xếp được theo '{sort}'.", field="sort")
    if after is not None and (after.sort, after.descending) != (sort, descending):
        raise ValueError("the cursor belongs to another sort order")
    column = _SORT_COLUMNS[sort]
    terms = _terms(session, flt, now, rules)
    driver = after.driver if after is not None else _choose_driver(session, terms, sort)
    conds = _conditions(terms, driver, sort)
    if after is not None:
        conds.append(_after(column, after))
    order = (column.desc(), Dossier.id.desc()) if descending else (column.asc(), Dossier.id.asc())
    statement = select(*_ROW_COLUMNS).where(*conds).order_by(*order).limit(limit)
    return PageQuery(statement, driver)


def _row(dossier: Row[Any], now: dt.datetime, policy: DeadlinePolicy) -> ListRow:
    # Plain rows, not ORM objects (a third of a page's time): they carry every attribute queries.timeliness
    # reads (_ROW_COLUMNS), so the detail view's rule judges them unchanged.
    judged = timeliness(cast(Dossier, dossier), now, policy)
    status = Status(dossier.status)
    return ListRow(
        code=dossier.code,
        applicant_name=dossier.applicant_name,
        procedure_name=dossier.procedure_name,
        field_code=dossier.field_code,
        channel=dossier.channel,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        status=status.value,
        status_vn=STATUS_VN[status],
        timeliness=judged.get("timeliness"),
        timeliness_vn=judged.get("timeliness_vn"),
        due_today=status.value in _RUNNING and dossier.due_at.date() == now.date(),
    )


def page(ctx: ServiceContext, flt: ListFilter, sort: SortKey = "received_at", descending: bool = True,
         after: Cursor | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of the list, newest first by default; pass the previous page's ``next_cursor`` for the next."""
    if limit < 1:
        raise ValueError("limit must be positive")
    now = ctx.clock.now()
    with ctx.read() as session:
        rules = load_rules(session)
        query = page_query(session, flt, sort, descending, after, limit + 1, now, rules)
        dossiers = session.execute(query.statement).all()
        more = len(dossiers) > limit
        dossiers = dossiers[:limit]
        rows = [_row(d, now, rules.policy) for d in dossiers]
    next_cursor = None
    if more:
        last = dossiers[-1]
        next_cursor = Cursor(sort, descending, getattr(last, sort), last.id, query.driver)
    return Page(rows, next_cursor)


def count(ctx: ServiceContext, flt: ListFilter) -> int:
    """How many dossiers the filter holds (over the indexes SQLite picks; slower than a page on a large filter)."""
    now = ctx.clock.now()
    with ctx.read() as session:
        terms = _terms(session, flt, now, load_rules(session))
        conds = [term.build(_plain) for term in terms]
        return session.scalar(select(func.count()).select_from(Dossier).where(*conds)) or 0


def filter_options(ctx: ServiceContext) -> FilterOptions:
    """The choices of the filter bar's combo boxes, all with Vietnamese names."""
    with ctx.read() as session:
        procedures = [Option(code, name) for code, name in session.execute(
            select(Procedure.code, Procedure.name).order_by(Procedure.field_code, Procedure.code))]
        fields = [Option(code, name) for code, name in session.execute(
            select(Procedure.field_code, func.min(Procedure.field_name)).group_by(Procedure.field_code)
            .order_by(func.min(Procedure.field_name)))]
    return FilterOptions(
        procedures=procedures,
        fields=fields,
        statuses=[Option(s.value, STATUS_VN[s]) for s in Status],
        channels=[Option(code, name) for code, name in CHANNELS.items()],
        presets=[Option(code, name) for code, name in PRESETS_VN.items()],
    )


__all__ = [
    "PAGE_SIZE", "PRESETS_VN", "SORT_KEYS", "Cursor", "FilterOptions", "ListFilter", "ListRow", "Option", "Page",
    "PageQuery", "Preset", "SortKey", "count", "filter_options", "page", "page_query", "preset_condition",
]
