"""The server's logs at DEBUG, access log on (as ``district-hub serve --log-level debug --access-log`` runs it):
realistic requests (a push with names, ID numbers and phones, the public lookup with its key, a wrong token, an
officer's login right and wrong, a malformed body, two failures forced inside the handlers with personal data in
their messages) leave no token, lookup key, ID number, name or phone in any log line; the failures are logged by
type and place."""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import pytest

from district_hub.app import create_app
from district_hub.db import HubDatabase
from district_hub.logsafe import redact_text, redacted_traceback
from tests.hub.served import served
from tests.hub.support import APPLICANT_NAME, Chain, FixedClock, auth, batch, code

ID_NUMBER, PHONE, LOOKUP_KEY = "087184001234", "0912345678", "ABCD2345"


@pytest.fixture
def hub_url(sqlite_url: str) -> str:
    return sqlite_url


def _basic(password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"Lê Văn Tám:{password}".encode()).decode()}


def test_no_secret_or_personal_data_reaches_the_logs(hub_db: HubDatabase, token: str, officer_token: str,
                                                    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                                    capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("district_hub", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "starlette"):
        caplog.set_level(logging.DEBUG, logger=name)
    secrets = [token, officer_token, "wrong-token-" + "q" * 30, LOOKUP_KEY, ID_NUMBER, PHONE, APPLICANT_NAME,
               "Bích Ngọc", _basic(officer_token)["Authorization"].split()[1], _basic("sai-mat-khau")["Authorization"]
               .split()[1]]

    def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"boom {APPLICANT_NAME} {ID_NUMBER} {PHONE} {token}")

    app = create_app(database=hub_db, clock=FixedClock())
    chain = Chain()
    chain.receive(code(1), key=LOOKUP_KEY)
    chain.receive(code(2), key=LOOKUP_KEY)
    with served(app, ["--log-level", "debug", "--access-log"]) as url, httpx.Client(base_url=url, timeout=10) as http:
        assert http.post("/api/v1/events", json=batch(chain.events), headers=auth(token)).status_code == 200
        assert http.get("/tra-cuu", params={"ma": code(1), "khoa": LOOKUP_KEY}).status_code == 200
        assert http.get("/api/v1/status", headers=auth(secrets[2])).status_code == 401
        assert http.get("/", headers=_basic(officer_token)).status_code == 200
        assert http.get("/", headers=_basic("sai-mat-khau")).status_code == 401
        bad = batch(chain.events)
        bad["events"][0]["hash"] = f"{APPLICANT_NAME} {ID_NUMBER}"
        assert http.post("/api/v1/events", json=bad, headers=auth(token)).status_code == 422
        monkeypatch.setattr("district_hub.api.feed", failing)
        monkeypatch.setattr("district_hub.api.push", failing)
        failed = http.get("/api/v1/feed", params={"desk": 1, "khoa": LOOKUP_KEY}, headers=auth(token))
        assert failed.status_code == 500 and APPLICANT_NAME not in failed.text
        chain.event(code(1), "result_ready", "2026-03-02 10:00:00", {"component": None, "note": PHONE})
        assert http.post("/api/v1/events", json=batch(chain.events[-1:]), headers=auth(token)).status_code == 500
    output = capfd.readouterr()
    logged = "\n".join([output.out, output.err, caplog.text, *(r.getMessage() for r in caplog.records)])
    assert '"GET /tra-cuu?… HTTP/1.1" 200' in logged  # the access log was on, its query cut
    assert "push 000.31.22.H20 desk 0" in logged  # the server's own lines are there
    assert logged.count("builtins.RuntimeError (nội dung lỗi không ghi)") >= 2 and "in failing" in logged
    leaked = [s for s in secrets if s in logged]
    assert leaked == [], leaked


@pytest.mark.parametrize(("text", "expected"), [
    ('127.0.0.1:5 - "GET /tra-cuu?ma=000.31.22.H20-260302-0001&khoa=ABCD2345 HTTP/1.1" 200',
     '127.0.0.1:5 - "GET /tra-cuu?… HTTP/1.1" 200'),
    ("Authorization: Bearer abcDEF123_-xyz", "Authorization: …"),
    ("headers {'authorization': 'Basic dXNlcjpwYXNz'}", "headers {'authorization': '…'}"),
    ("token bearer abc.def", "token bearer …"),
    ("GET /api/v1/feed HTTP/1.1", "GET /api/v1/feed HTTP/1.1"),
])
def test_redaction_of_log_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_a_redacted_traceback_names_types_and_places_not_messages() -> None:
    try:
        try:
            raise KeyError(APPLICANT_NAME)
        except KeyError as inner:
            raise ValueError(ID_NUMBER) from inner
    except ValueError as error:
        text = redacted_traceback(error)
    assert "builtins.ValueError" in text and "builtins.KeyError" in text and "test_log_privacy.py" in text
    assert APPLICANT_NAME not in text and ID_NUMBER not in text
