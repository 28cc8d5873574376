"""The web pages: the officers' overview and decision form (HTTP Basic, the token as password) and the public
lookup, which shows the status and dates only."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from desk_app.domain.deadlines import Timeliness, classify_pending, classify_resolved
from desk_app.domain.lifecycle import OPEN_STATUSES, Status
from district_hub.clock import from_text
from district_hub.db import HubDatabase
from district_hub.overview import figures
from district_hub.schema import dossiers, events
from tests.hub.support import APPLICANT_NAME, OTHER_AGENCY, Chain, FixedClock, auth, batch, code


@pytest.fixture
def hub_url(sqlite_url: str) -> str:
    return sqlite_url


def basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


@pytest.fixture
def commune_data(client: TestClient, token: str, other_token: str, hub_clock: FixedClock) -> None:
    hub_clock.set("2026-03-10 10:00:00")
    a = Chain()
    for n in range(1, 9):
        a.receive(code(n), key=f"KEY{n}2345")
    a.event(code(1), "result_ready", "2026-03-04 10:00:00", {"component": None})  # early
    a.event(code(2), "result_ready", "2026-03-05 16:00:00", {"component": None})  # on time
    a.event(code(3), "result_ready", "2026-03-06 08:00:00", {"component": None})  # late
    a.event(code(3), "returned", "2026-03-06 09:00:00", {"method": "desk"})
    # code 4: pending, due 05/03 -> overdue on 10/03; code 5: rescheduled far ahead, still overdue by the statute
    a.event(code(5), "rescheduled", "2026-03-04 09:00:00", {"previous_due_at": "2026-03-05T09:00:00+07:00",
                                                            "due_at": "2026-03-20T09:00:00+07:00", "reason": "x"})
    a.event(code(6), "supplement_requested", "2026-03-03 09:00:00", {"items": ["Tờ khai"], "reason": None,
                                                                     "moves_deadline": True})
    a.event(code(7), "refused", "2026-03-03 09:00:00", {"reason": "Không đủ điều kiện"})
    a.event(code(8), "voided", "2026-03-02 09:30:00", {"reason": "Nhập trùng"})
    assert client.post("/api/v1/events", json=batch(a.events), headers=auth(token)).status_code == 200
    b = Chain()
    b.receive(code(1, agency=OTHER_AGENCY), due="2026-03-20 09:00:00")
    assert client.post("/api/v1/events", json=batch(b.events, commune=OTHER_AGENCY),
                       headers=auth(other_token)).status_code == 200


@pytest.mark.usefixtures("commune_data")
def test_the_figures_count_as_the_domain_classifies(hub_db: HubDatabase, hub_clock: FixedClock) -> None:
    today = hub_clock().date()
    [mine, other] = figures(hub_db, today)
    assert (mine.received, mine.early, mine.on_time, mine.late, mine.pending, mine.overdue, mine.ended_otherwise) == (
        7, 1, 1, 1, 3, 2, 1)
    assert (other.received, other.pending, other.overdue, other.resolved) == (1, 1, 0, 0)
    # The same numbers straight from the domain's functions over the projection's rows.
    with hub_db.read() as conn:
        rows = conn.execute(select(dossiers).where(dossiers.c.commune_id == 1)).all()
    resolved = [classify_resolved(from_text(r.result_ready_at), from_text(r.original_due_at))
                for r in rows if r.result_ready_at]
    pending = [classify_pending(from_text(r.original_due_at), today) for r in rows
               if Status(r.status) in OPEN_STATUSES and r.status != Status.SUPPLEMENT_REQUESTED.value]
    assert sorted(resolved) == sorted([Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE])
    assert pending.count(Timeliness.OVERDUE) == mine.overdue


@pytest.mark.usefixtures("commune_data")
def test_the_overview_page_needs_an_officer(client: TestClient, officer_token: str) -> None:
    anonymous = client.get("/")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Basic")
    assert "đăng nhập" in anonymous.text.lower()
    assert "Chỉ mã bí mật được kiểm tra" in anonymous.text and "ô mật khẩu" in anonymous.text
    assert client.get("/", headers=basic("Lê Văn Tám", "sai-mat-khau")).status_code == 401
    assert client.get("/", headers=basic("ai cũng được", officer_token)).status_code == 200  # only the token counts
    assert client.get("/", headers={"Authorization": "Basic !!!"}).status_code == 401
    page = client.get("/", headers=basic("Lê Văn Tám", officer_token))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    row = re.search(r"<tr><td>000\.31\.22\.H20</td>(.*?)</tr>", page.text)
    assert row is not None
    numbers = re.findall(r'<td class="n[^"]*">(\d+)</td>', row.group(1))
    assert numbers == ["7", "1", "1", "1", "3", "2", "1"]
    assert "UBND xã Mỹ Tân" in page.text and "17:00 02/03/2026" not in page.text
    assert "10/03/2026" in page.text


@pytest.mark.usefixtures("commune_data")
def test_the_lookup_shows_status_and_dates_never_the_name(client: TestClient) -> None:
    form = client.get("/tra-cuu")
    assert form.status_code == 200 and 'name="khoa"' in form.text
    page = client.get("/tra-cuu", params={"ma": code(3), "khoa": "key32345"})  # the key is typed in lower case
    assert page.status_code == 200
    assert "Đã trả kết quả" in page.text and "09:00 02/03/2026" in page.text and "06/03/2026" in page.text
    assert APPLICANT_NAME not in page.text and "087184001234" not in page.text and "0912345678" not in page.text
    wrong_key = client.get("/tra-cuu", params={"ma": code(3), "khoa": "WRONG234"})
    unknown = client.get("/tra-cuu", params={"ma": code(99), "khoa": "WRONG234"})
    assert "Không tìm thấy" in wrong_key.text and "Đã trả kết quả" not in wrong_key.text
    assert wrong_key.text.replace(code(3), "X") == unknown.text.replace(code(99), "X")
    voided = client.get("/tra-cuu", params={"ma": code(8), "khoa": "KEY82345"})
    assert "Không tìm thấy" in voided.text


def test_pages_escape_what_they_echo(client: TestClient) -> None:
    page = client.get("/tra-cuu", params={"ma": "<script>alert(1)</script>", "khoa": "\"><b>"})
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text
    assert '"><b>' not in page.text


def test_the_decision_form_records_a_decision(client: TestClient, token: str, officer_token: str,
                                              hub_db: HubDatabase) -> None:
    chain = Chain()
    chain.receive(code(1), inter_level=True)
    chain.event(code(1), "transferred", "2026-03-02 10:00:00", {"to": "UBND tỉnh", "upper": True, "component": None})
    chain.receive(code(2))
    client.post("/api/v1/events", json=batch(chain.events), headers=auth(token))
    officer = basic("Lê Văn Tám", officer_token)
    assert client.get("/quyet-dinh").status_code == 401
    form = client.get("/quyet-dinh", headers=officer)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
    assert form.status_code == 200 and csrf is not None
    forged = client.post("/quyet-dinh", headers=officer, data={"ma": code(1), "loai": "result"})
    assert forged.status_code == 403
    refused = client.post("/quyet-dinh", headers=officer, data={"csrf": csrf.group(1), "ma": code(2),
                                                                 "loai": "result"})
    assert refused.status_code == 400 and "chưa được xã chuyển lên cấp trên" in refused.text
    assert code(2) in refused.text  # the form keeps what was typed
    done = client.post("/quyet-dinh", headers=officer, data={
        "csrf": csrf.group(1), "ma": code(1), "loai": "supplement", "giay_to": "Tờ khai\r\n\r\nBản sao CCCD",
        "ly_do": "Thiếu chữ ký"})
    assert done.status_code == 200 and "Đã ghi quyết định" in done.text
    with hub_db.read() as conn:
        decision = conn.execute(select(events).where(events.c.desk == 99)).one()
    assert decision.actor == "cấp trên: Lê Văn Tám" and decision.kind == "supplement_requested"
    assert '"items":["Tờ khai","Bản sao CCCD"]' in decision.payload
