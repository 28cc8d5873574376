"""Every service entry point that takes text from a person or a file, fed hostile text on a real desk database.

Property (issue 7): each call is refused with a ``DomainError`` whose Vietnamese message names the field, and then
nothing at all was written (row counts of every table a write touches are unchanged); or the value is stored and
reads back exactly as the documented normalisation makes it (NFC, whitespace runs one space, trimmed). Never
another exception. One database for the module, rolled forward example after example; ``verify`` passes at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_app.domain.errors import DomainError
from desk_app.domain.validation import normalize_name
from desk_app.services import accounts, dossier_list, queries, settings_admin
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.services.holidays_admin import import_year_file
from desk_app.services.intake import EXEMPTIONS, ReceiveRequest, receive
from desk_app.services.integrity import verify
from desk_app.services.settings import SPECS, SettingsService, normalise
from desk_app.store.db import Database
from tests.conftest import AGENCY, vn
from tests.fuzz._hostile import check_refusal, expected_text, hostile

_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=_HEALTH)
FUZZ_EACH = settings(max_examples=12, deadline=None, suppress_health_check=_HEALTH)  # per key / field / action
TABLES = ("dossiers", "dossier_events", "counters", "audit_log", "settings", "users", "holidays", "ratings")
PROCEDURE = "XA.HT.01"  # fee exemptable
BASE = {"name": "Nguyễn Văn An"}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceContext]:
    folder = tmp_path_factory.mktemp("fuzz-desk")
    db = open_desk(folder)
    initialise(db, {"agency_code": AGENCY, "commune_name": "UBND xã Mỹ Phong"})
    ctx = ServiceContext(db, FixedClock(vn("2026-03-02 09:00")), "admin.fuzz", role="admin")
    yield ctx
    with db.session() as session:
        report = verify(session)
    db.close()
    assert report.ok, report.problems


def _counts(db: Database) -> dict[str, int]:
    with closing(sqlite3.connect(db.path)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _row(db: Database, sql: str, params: tuple[Any, ...] = ()) -> Any:
    with closing(sqlite3.connect(db.path)) as conn:
        return conn.execute(sql, params).fetchone()


def attempt(ctx: ServiceContext, call: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, result) or (False, refusal) after checking that the refusal is clear and wrote nothing."""
    before = _counts(ctx.db)
    try:
        return True, call()
    except DomainError as error:
        check_refusal(error)
        assert _counts(ctx.db) == before, f"half-write on refusal: {error}"
        return False, error


def fresh_code(ctx: ServiceContext) -> str:
    return receive(ctx, ReceiveRequest(PROCEDURE, dict(BASE))).code


def stored(ctx: ServiceContext, code: str) -> sqlite3.Row:
    with closing(sqlite3.connect(ctx.db.path)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM dossiers WHERE code = ?", (code,)).fetchone()


# -- intake -------------------------------------------------------------------------------------------------------
APPLICANT_FIELDS = ("name", "id_number", "birth_date", "sex", "phone", "email", "address")


@pytest.mark.parametrize("field", APPLICANT_FIELDS)
@FUZZ_EACH
@given(text=hostile())
def test_receive_each_applicant_field(desk: ServiceContext, field: str, text: str) -> None:
    ok, receipt = attempt(desk, lambda: receive(desk, ReceiveRequest(PROCEDURE, {**BASE, field: text})))
    if not ok:
        return
    row = stored(desk, receipt.code)
    column = "applicant_name" if field == "name" else field
    if field == "name":
        assert row[column] == normalize_name(text)
    elif field == "address":
        assert row[column] == (expected_text(text) or None)
    elif not text.strip():
        assert row[column] is None
    last = _row(desk.db, "SELECT payload FROM dossier_events WHERE dossier_code = ?", (receipt.code,))
    assert json.loads(last[0])["applicant"][field if field != "birth_date" else "birth_date"] == (
        row[column] if field != "sex" else row["sex"])


@FUZZ
@given(text=hostile(), which=st.sampled_from(["document", "return_address", "fee_exemption", "variant",
                                               "procedure", "channel", "return_method"]))
def test_receive_other_inputs(desk: ServiceContext, text: str, which: str) -> None:
    options: dict[str, Any] = {
        "document": {"documents": [{"name": text, "originals": 1, "copies": 0}]},
        "return_address": {"return_method": "postal", "return_address": text},
        "fee_exemption": {"fee_exemption": text},
        "variant": {"variant": text},
        "channel": {"channel": text},
        "return_method": {"return_method": text},
    }.get(which, {})
    procedure = text if which == "procedure" else PROCEDURE
    ok, receipt = attempt(desk, lambda: receive(desk, ReceiveRequest(procedure, dict(BASE), **options)))
    if not ok:
        return
    row = stored(desk, receipt.code)
    if which == "document":
        assert json.loads(row["documents"]) == [{"name": expected_text(text), "originals": 1, "copies": 0}]
    elif which == "return_address":
        assert row["return_address"] == expected_text(text)
    elif which == "fee_exemption":
        cleaned = expected_text(text)
        assert row["fee_exemption"] == (EXEMPTIONS.get(cleaned, cleaned) if cleaned else None)


@FUZZ
@given(copies=st.one_of(st.integers(), st.text(max_size=5), st.none(), st.booleans(), st.floats()),
       quantity=st.one_of(st.integers(), st.text(max_size=5), st.none(), st.booleans()),
       originals=st.one_of(st.integers(), st.text(max_size=5), st.none(), st.booleans()))
def test_receive_counts_and_fees(desk: ServiceContext, copies: Any, quantity: Any, originals: Any) -> None:
    request = ReceiveRequest(PROCEDURE, dict(BASE), copies=copies, quantity=quantity,
                             documents=[{"name": "Tờ khai", "originals": originals, "copies": 1}])
    ok, receipt = attempt(desk, lambda: receive(desk, request))
    if ok:
        assert stored(desk, receipt.code)["copies"] == copies


# -- the lifecycle ------------------------------------------------------------------------------------------------
ACTIONS: dict[str, Callable[[DossierActions, str, str], Any]] = {
    "transfer": lambda a, code, text: a.transfer(code, text),
    "supplement_items": lambda a, code, text: a.request_supplement(code, [text, "Bản sao giấy khai sinh"]),
    "supplement_reason": lambda a, code, text: a.request_supplement(code, ["Tờ khai"], reason=text),
    "refuse": lambda a, code, text: a.refuse(code, text),
    "withdraw": lambda a, code, text: a.withdraw(code, text),
    "stop": lambda a, code, text: a.stop(code, text),
    "void": lambda a, code, text: a.void(code, text),
    "reschedule": lambda a, code, text: a.reschedule(code, dt.date(2026, 3, 20), text),
    "correct_name": lambda a, code, text: a.correct(code, "name", text),
    "correct_address": lambda a, code, text: a.correct(code, "address", text),
    "correct_phone": lambda a, code, text: a.correct(code, "phone", text),
    "correct_return_address": lambda a, code, text: a.correct(code, "return_address", text),
    "correct_which_field": lambda a, code, text: a.correct(code, text, "Nguyễn Văn Bình"),
    "code": lambda a, code, text: a.refuse(text, "Hồ sơ không đủ điều kiện"),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@FUZZ_EACH
@given(text=hostile())
def test_each_action_input(desk: ServiceContext, action: str, text: str) -> None:
    code = fresh_code(desk)
    ok, _ = attempt(desk, lambda: ACTIONS[action](DossierActions(desk), code, text))
    if not ok:
        return
    payload = json.loads(_row(desk.db, "SELECT payload FROM dossier_events WHERE dossier_code = ? ORDER BY id DESC "
                                       "LIMIT 1", (code,))[0])
    if action in ("refuse", "withdraw", "stop", "void", "reschedule"):
        assert payload["reason"] == expected_text(text)
    elif action == "transfer":
        assert payload["to"] == expected_text(text)
    elif action == "supplement_items":
        assert payload["items"] == [i for i in (expected_text(text), "Bản sao giấy khai sinh") if i]
    elif action == "supplement_reason":
        assert payload["reason"] == (expected_text(text) or None)
    elif action == "correct_address":
        assert payload["new"] == (expected_text(text) or None) == stored(desk, code)["address"]
    elif action == "correct_return_address":
        assert payload["new"] == (expected_text(text) or None) == stored(desk, code)["return_address"]


# -- settings, accounts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [spec.key for spec in SPECS])
@FUZZ_EACH
@given(text=hostile())
def test_each_setting(desk: ServiceContext, key: str, text: str) -> None:
    ok, _ = attempt(desk, lambda: settings_admin.save_settings(desk, {key: text}))
    if ok:
        with desk.db.session() as session:
            assert SettingsService(session).get(key) == normalise(key, text)


@pytest.mark.parametrize("what", ["username", "full_name", "password", "role"])
@FUZZ_EACH
@given(text=hostile())
def test_create_user(desk: ServiceContext, what: str, text: str) -> None:
    unique = f"nv{_counts(desk.db)['audit_log']}"
    values = {"username": unique, "full_name": "Lê Thị Hoa", "role": "clerk", "password": "mật khẩu dài"}
    values[what] = text
    ok, row = attempt(desk, lambda: accounts.create_user(desk, values["username"], values["full_name"],
                                                         values["role"], values["password"]))
    if ok:
        assert row.full_name == normalize_name(values["full_name"])
        signed = accounts.authenticate(desk.db, desk.clock, row.username, values["password"])
        assert signed.username == row.username


@FUZZ
@given(username=hostile(), password=hostile())
def test_sign_in_with_anything_is_refused_cleanly(desk: ServiceContext, username: str, password: str) -> None:
    before = _counts(desk.db)
    with pytest.raises(DomainError) as refused:
        accounts.authenticate(desk.db, desk.clock, username, password)
    check_refusal(refused.value)
    assert _counts(desk.db)["audit_log"] - before["audit_log"] in (0, 1)  # the failed sign-in, nothing else


# -- search -------------------------------------------------------------------------------------------------------
@FUZZ
@given(text=hostile(), which=st.sampled_from(["text", "procedure_code", "field_code", "channel", "find"]))
def test_search_and_filters(desk: ServiceContext, text: str, which: str) -> None:
    if which == "find":
        ok, found = attempt(desk, lambda: queries.find_codes(desk, text))
        assert not ok or isinstance(found, list)
        return
    flt = dossier_list.ListFilter(**{which: text})
    ok, page = attempt(desk, lambda: dossier_list.page(desk, flt))
    if ok:
        assert attempt(desk, lambda: dossier_list.count(desk, flt))[1] >= len(page.rows)


# -- files a person gives ---------------------------------------------------------------------------------------
@FUZZ
@given(text=hostile(), shape=st.sampled_from(["name", "date", "note", "raw"]))
def test_holiday_import_file(desk: ServiceContext, tmp_path_factory: pytest.TempPathFactory, text: str,
                             shape: str) -> None:
    entry: dict[str, Any] = {"source": "Thông báo", "off": [{"name": "Tết Dương lịch", "from": "2031-01-01",
                                                             "to": "2031-01-01", "occasions": ["new_year"]}],
                             "makeup_working": []}
    if shape == "name":
        entry["off"][0]["name"] = text
    elif shape == "date":
        entry["off"][0]["from"] = text
    elif shape == "note":
        entry["source"] = text
    path = Path(tmp_path_factory.mktemp("holidays")) / "lich.json"
    body = text if shape == "raw" else json.dumps({"years": {"2031": entry}}, ensure_ascii=False)
    path.write_bytes(body.encode("utf-8", "surrogatepass"))
    attempt(desk, lambda: import_year_file(desk, path))
