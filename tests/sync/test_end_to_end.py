"""Desk ↔ the real upper-level server (``district-hub serve`` as a subprocess on 127.0.0.1), real desk databases.

The server side runs on SQLite and, for the round trip and the two desks, on PostgreSQL too (skipped with the
reason where there is none). Each test registers its own commune on a server shared by the module, except those that
kill the server. After every fault the server holds each event exactly once (its stats against the desk's log) and
the desk's states are right.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desk_app import cli
from desk_app.services.actions import DossierActions
from desk_app.services.demo import generate
from desk_app.sync import engine
from desk_app.sync.client import WRONG_TOKEN, HubClient
from desk_app.sync.engine import run_sync
from desk_app.sync.outbox import next_batch
from desk_app.sync.protocol import PushBatch
from tests.hub_process import HubProcess, sqlite_url
from tests.sync._support import assert_verifies, execute, receive_many, rows, scalar, states
from tests.sync.conftest import no_sleep
from tests.sync.tcp_proxy import CuttingProxy

_codes = itertools.count(10)


def new_agency() -> str:
    """A commune of its own for each test on the shared server."""
    return f"000.31.22.H{next(_codes):02d}"


@pytest.fixture(scope="module")
def sqlite_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    folder = tmp_path_factory.mktemp("hub-sqlite")
    with HubProcess(sqlite_url(folder / "hub.db"), folder) as hub:
        yield hub


@pytest.fixture(scope="module")
def postgres_hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    cluster = request.getfixturevalue("postgres_cluster")  # skips, with the reason, where there is no PostgreSQL
    url = cluster.create_database()
    folder = tmp_path_factory.mktemp("hub-postgres")
    try:
        with HubProcess(url, folder) as hub:
            yield hub
    finally:
        cluster.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture(params=["sqlite", "postgres"])
def any_hub(request: pytest.FixtureRequest) -> HubProcess:
    return request.getfixturevalue(f"{request.param}_hub")


def commune_desk(make_desk, hub: HubProcess, name: str = "desk1", *, desk: int = 1, agency: str | None = None,
                 url: str | None = None):
    agency = agency or new_agency()
    token = hub.add_commune(agency, f"UBND xã thử {agency[-3:]}")
    return make_desk(name, desk=desk, agency=agency, url=url or hub.url, token=token), token


def held(hub: HubProcess, agency: str) -> dict[str, int]:
    return hub.stats()["communes"].get(agency, {"dossiers": 0, "events": 0})


def sync(ctx, **options):
    options.setdefault("sleep", no_sleep)
    return run_sync(ctx, **options)


def agency_of(ctx) -> str:
    return scalar(ctx, "SELECT value FROM settings WHERE key = 'agency_code'")


def event_count(ctx, desk: int | None = None) -> int:
    if desk is None:
        return scalar(ctx, "SELECT count(*) FROM dossier_events")
    return scalar(ctx, "SELECT count(*) FROM dossier_events WHERE desk = ?", (desk,))


# -- the round trip and the upper level's decisions -------------------------------------------------------------
def test_round_trip_receive_sync_server_projection(make_desk, any_hub):
    desk, _ = commune_desk(make_desk, any_hub)
    codes = receive_many(desk, 4)
    desk.clock.advance(hours=1)
    DossierActions(desk).transfer(codes[0], "Công chức Tư pháp - Hộ tịch")
    outcome = sync(desk)
    assert (outcome.status, outcome.exit_code, outcome.sent, outcome.received) == ("ok", 0, 5, 0)
    assert states(desk, 1) == {"acknowledged": 5}
    again = sync(desk)
    assert (again.status, again.sent) == ("ok", 0)
    assert held(any_hub, agency_of(desk)) == {"dossiers": 4, "events": 5}


def test_an_upper_level_decision_comes_back_and_is_never_sent_again(make_desk, sqlite_hub):
    desk, _ = commune_desk(make_desk, sqlite_hub)
    code = receive_many(desk, 1, procedure="XA.BHXH.01")[0]
    desk.clock.advance(hours=1)
    DossierActions(desk).transfer(code, upper=True)
    assert sync(desk).status == "ok"
    decided = sqlite_hub.decide(code, "result")
    assert decided.returncode == 0, decided.stderr
    outcome = sync(desk)
    assert (outcome.status, outcome.received, outcome.conflicts) == ("ok", 1, ())
    assert scalar(desk, "SELECT status FROM dossiers WHERE code = ?", (code,)) == "result_ready"
    upper = rows(desk, "SELECT desk, kind, sync_state FROM dossier_events WHERE desk = 99")
    assert [tuple(r) for r in upper] == [(99, "result_ready", "from_hub")]
    assert_verifies(desk)
    desk.clock.advance(days=2)
    DossierActions(desk).return_result(code)
    outcome = sync(desk)
    assert (outcome.status, outcome.sent, outcome.received) == ("ok", 1, 0)  # the return only
    assert held(sqlite_hub, agency_of(desk)) == {"dossiers": 1, "events": 4}
    assert states(desk, 1) == {"acknowledged": 3} and states(desk, 99) == {"from_hub": 1}


# -- faults ------------------------------------------------------------------------------------------------------
class KillingTransport(httpx.HTTPTransport):
    """Kills the server a moment after the ``at``-th push has gone out (while it takes the batch in)."""

    def __init__(self, hub: HubProcess, at: int, delay: float = 0.02) -> None:
        super().__init__()
        self.hub, self.at, self.delay, self.pushes = hub, at, delay, 0
        self.killer = threading.Timer(delay, hub.kill)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.pushes += 1
            if self.pushes == self.at:
                self.killer.start()
        return super().handle_request(request)


def test_server_killed_in_the_middle_of_a_batch_then_restarted(make_desk, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_EVENTS", 150)
    with HubProcess(sqlite_url(tmp_path / "killed.db"), tmp_path / "killed") as hub:
        desk, _ = commune_desk(make_desk, hub)
        generate(desk.db, 300, seed=3, clock=desk.clock, actor="demo")
        total = event_count(desk)
        assert total > 600
        killing = KillingTransport(hub, at=3)
        outcome = sync(desk, transport=killing)
        killing.killer.join()
        assert outcome.status == "unreachable" and outcome.exit_code == 3
        assert not hub.running
        mid = states(desk, 1)
        assert mid.get("acknowledged", 0) >= 300 and mid.get("sent", 0) > 0  # the batch in flight: sent, not acked
        hub.start()
        outcome = sync(desk)
        assert outcome.status == "ok"
        assert states(desk, 1) == {"acknowledged": total}
        dossiers = scalar(desk, "SELECT count(*) FROM dossiers")
        assert held(hub, agency_of(desk)) == {"dossiers": dossiers, "events": total}  # each event exactly once
        assert_verifies(desk)


def test_connection_cut_in_the_middle_of_the_answer(make_desk, sqlite_hub):
    with CuttingProxy(sqlite_hub.port) as proxy:
        desk, _ = commune_desk(make_desk, sqlite_hub, url=proxy.url)
        receive_many(desk, 6)
        proxy.cut_pushes(2, keep=30)  # the batch is stored, its acknowledgement cut short, twice
        outcome = sync(desk)
        assert proxy.cut == 2
        assert (outcome.status, outcome.sent) == ("ok", 6)
        assert states(desk, 1) == {"acknowledged": 6}
        assert held(sqlite_hub, agency_of(desk)) == {"dossiers": 6, "events": 6}


def test_the_same_batch_sent_twice(make_desk, sqlite_hub):
    desk, token = commune_desk(make_desk, sqlite_hub)
    receive_many(desk, 5)
    with desk.read() as session:
        batch = next_batch(session, 1, 0, 100)
    request = PushBatch(commune=agency_of(desk), desk=1, events=list(batch.events))
    with HubClient(sqlite_hub.url, token) as client:
        first, second = client.push(request), client.push(request)
    assert (first.accepted, first.duplicates, first.last_seq) == (5, 0, 5)
    assert (second.accepted, second.duplicates, second.last_seq) == (0, 5, 5)
    outcome = sync(desk)  # the desk never saw those answers: it sends again, the server acknowledges
    assert (outcome.status, outcome.sent) == ("ok", 5)
    assert held(sqlite_hub, agency_of(desk)) == {"dossiers": 5, "events": 5}


def test_an_altered_event_under_a_known_uuid_is_set_aside_with_the_reason(make_desk, sqlite_hub):
    desk, _ = commune_desk(make_desk, sqlite_hub)
    codes = receive_many(desk, 3)
    sync(desk)
    execute(desk, "UPDATE dossier_events SET payload = json_set(payload, '$.fee_due', 99000), "
                  "sync_state = 'to_send' WHERE seq = 2")
    desk.clock.advance(hours=1)
    DossierActions(desk).transfer(codes[2], "Công an xã")
    outcome = sync(desk)
    assert (outcome.status, outcome.exit_code, outcome.sent) == ("set_aside", 4, 1)
    [aside] = outcome.set_aside
    assert (aside.code, aside.seq, aside.kind) == (codes[1], 2, "received") and aside.reason
    stored = rows(desk, "SELECT sync_state, sync_reason FROM dossier_events WHERE seq = 2")[0]
    assert stored[0] == "set_aside" and stored[1] == aside.reason
    assert states(desk, 1) == {"acknowledged": 3, "set_aside": 1}
    assert held(sqlite_hub, agency_of(desk)) == {"dossiers": 3, "events": 4}  # the server kept what it had
    again = sync(desk)
    assert (again.status, again.exit_code, again.sent) == ("set_aside", 4, 0)  # still aside: not sent again
    assert [e.seq for e in again.set_aside] == [2] and "1 sự kiện của bàn này bị cấp trên từ chối" in again.message


def run_cli(desk, *args: str) -> int:
    return cli.main(["sync", "--data-dir", str(desk.db.data_dir), *args])


def test_server_down_for_a_whole_day_then_back(make_desk, sqlite_hub, monkeypatch, capsys):
    monkeypatch.setattr(engine, "RETRY_DELAYS", (0.0, 0.0, 0.0))
    proxy = CuttingProxy(sqlite_hub.port).up()
    try:
        desk, token = commune_desk(make_desk, sqlite_hub, url=proxy.url)
        proxy.down()  # the line is down all day
        for hour in range(5):  # a try every two hours, as the automatic sync would
            receive_many(desk, 10)
            desk.clock.advance(hours=2)
            assert sync(desk).status == "unreachable"
        total = event_count(desk)
        assert total == 50 and states(desk, 1) == {"to_send": 50}
        assert run_cli(desk) == 3
        out = capsys.readouterr()
        assert "Đã gửi: 0 sự kiện" in out.out and "Không kết nối được" in out.err
        proxy.up()
        assert run_cli(desk) == 0
        out = capsys.readouterr()
        assert "Đã gửi: 50 sự kiện" in out.out and token not in out.out + out.err
        assert states(desk, 1) == {"acknowledged": 50}
        assert held(sqlite_hub, agency_of(desk)) == {"dossiers": 50, "events": 50}
    finally:
        proxy.down()


def test_cli_exit_codes_and_reasons(make_desk, sqlite_hub, monkeypatch, capsys):
    monkeypatch.setattr(engine, "RETRY_DELAYS", (0.0, 0.0, 0.0))
    desk, token = commune_desk(make_desk, sqlite_hub)
    codes = receive_many(desk, 2)
    assert run_cli(desk, "--token", "wrong-token-of-nobody-at-all-000") == 2
    err = capsys.readouterr().err
    assert WRONG_TOKEN in err and "wrong-token-of-nobody" not in err
    assert states(desk, 1) == {"to_send": 2}  # a wrong token: nothing marked sent, nothing sent
    assert run_cli(desk, "--token", "bad token") == 2
    assert "bad token" not in capsys.readouterr().err
    assert run_cli(desk) == 0
    assert held(sqlite_hub, agency_of(desk)) == {"dossiers": 2, "events": 2}
    execute(desk, "UPDATE dossier_events SET payload = json_set(payload, '$.copies', 3), sync_state = 'to_send' "
                  "WHERE seq = 1")
    assert run_cli(desk) == 4
    out = capsys.readouterr().out
    assert "Để riêng: 1 sự kiện" in out and codes[0] in out
    free = HubProcess("sqlite://", Path("/tmp")).port  # a port nobody listens on
    assert run_cli(desk, "--hub", f"http://127.0.0.1:{free}") == 3
    execute(desk, "UPDATE settings SET value = '' WHERE key = 'upper_level_url'")
    assert run_cli(desk) == 2
    assert "Thiết lập" in capsys.readouterr().err
    assert token not in capsys.readouterr().out


# -- two desks of one commune --------------------------------------------------------------------------------------
def test_two_desks_offline_then_synced(make_desk, any_hub):
    agency = new_agency()
    token = any_hub.add_commune(agency, "UBND xã hai bàn")
    one = make_desk("one", desk=1, agency=agency, url=any_hub.url, token=token)
    two = make_desk("two", desk=2, agency=agency, url=any_hub.url, token=token)
    ones, twos = receive_many(one, 4), receive_many(two, 3)  # offline, each in its own block of codes
    assert not set(ones) & set(twos)
    for ctx in (one, two, one):
        assert sync(ctx).status == "ok"
    every = sorted(ones + twos)
    for ctx in (one, two):
        assert [r[0] for r in rows(ctx, "SELECT code FROM dossiers ORDER BY code")] == every
    shared = ones[0]  # received at desk 1, returned at desk 2
    two.clock.advance(hours=2)
    DossierActions(two).result_ready(shared)
    two.clock.advance(minutes=10)
    DossierActions(two).return_result(shared)
    assert sync(two).status == "ok"
    outcome = sync(one)
    assert (outcome.status, outcome.received, outcome.conflicts) == ("ok", 2, ())
    assert scalar(one, "SELECT status FROM dossiers WHERE code = ?", (shared,)) == "returned"
    assert states(one, 2) == {"from_hub": 5} and states(two, 1) == {"from_hub": 4}
    for ctx in (one, two):
        assert_verifies(ctx)
    assert held(any_hub, agency) == {"dossiers": 7, "events": 9}
