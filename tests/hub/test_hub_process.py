"""The real server as a subprocess (tests/hub_process.py): a push over HTTP with gzip, a decision from the command
line while it runs, a SIGKILL and a restart on the same database with nothing lost or doubled."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx

from tests.hub.support import AGENCY, Chain, auth, batch, code
from tests.hub_process import HubProcess


def test_serve_push_decide_kill_and_restart(hub_url: str, tmp_path: Path) -> None:
    chain = Chain()
    for n in range(1, 31):
        chain.receive(code(n), inter_level=True)
    chain.event(code(1), "transferred", "2026-03-02 10:00:00", {"to": "UBND tỉnh", "upper": True, "component": None})
    with HubProcess(hub_url, tmp_path) as server:
        token = server.add_commune(AGENCY, "UBND xã Mỹ Phong")
        body = gzip.compress(json.dumps(batch(chain.events)).encode())
        headers = {**auth(token), "Content-Type": "application/json", "Content-Encoding": "gzip"}
        answer = httpx.post(f"{server.url}/api/v1/events", content=body, headers=headers, timeout=30)
        assert answer.status_code == 200 and answer.json()["accepted"] == 31
        decided = server.decide(code(1), "supplement", items=["Tờ khai", "Bản sao CCCD"], reason="Thiếu")
        assert decided.returncode == 0, decided.stderr
        server.kill()
        assert not server.running
        server.start()
        again = httpx.post(f"{server.url}/api/v1/events", content=body, headers=headers, timeout=30)
        assert again.json()["duplicates"] == 31 and again.json()["accepted"] == 0
        feed = httpx.get(f"{server.url}/api/v1/feed", params={"desk": 0}, headers=auth(token), timeout=30).json()
        assert [e["event"]["kind"] for e in feed["events"]] == ["supplement_requested"]
        assert server.stats() == {"communes": {AGENCY: {"dossiers": 30, "events": 32}}}
        lookup = httpx.get(f"{server.url}/tra-cuu", params={"ma": code(2), "khoa": "ABCD2345"}, timeout=30)
        assert lookup.status_code == 200 and "Đã tiếp nhận" in lookup.text
        log = server.log()
        assert "push 000.31.22.H20 desk 0" in log  # the server does log at this level
        assert token not in log and "ABCD2345" not in log and "/tra-cuu" not in log and "Trần" not in log
    assert not server.running
