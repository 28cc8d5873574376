"""Rate limits: token buckets (burst, refill, bounded memory, thread-safe), the middleware's rules (per token on the
sync API, per address on the lookup and on failed logins) answering 429 with Retry-After in Vietnamese, their
configuration, and the desk's client taking 429 as "try later", never as a refusal."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from desk_app.domain.errors import ValidationError
from desk_app.sync.client import HubBusy, HubClient
from district_hub.app import create_app
from district_hub.cli import build_parser
from district_hub.db import HubDatabase
from district_hub.ratelimit import Buckets, Rate
from district_hub.registry import add_commune
from district_hub.serving import rate_limits
from district_hub.throttle import RateLimits
from tests.hub.support import Chain, FixedClock, auth, batch, code


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hub_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.mark.parametrize(("text", "rate"), [("60/30", Rate(60, 30)), (" 0.5 / 1 ", Rate(0.5, 1)), ("0", None),
                                            ("off", None), ("tắt", None)])
def test_a_rate_is_read_from_text(text: str, rate: Rate | None) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["60", "60/0", "-1/5", "a/b", "60/30/1", "0/5"])
def test_a_malformed_rate_is_refused_in_vietnamese(text: str) -> None:
    with pytest.raises(ValidationError, match="SỐ_MỖI_PHÚT/SỐ_CÙNG_LÚC"):
        Rate.parse(text)


def test_a_bucket_lets_the_burst_through_then_refills_at_the_rate() -> None:
    clock = Ticker()
    buckets = Buckets(Rate(60, 3), clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(1.0)  # one a second
    assert buckets.take("b") == 0.0  # another key, its own bucket
    clock.now += 0.5
    assert buckets.take("a") == pytest.approx(0.5) and buckets.wait("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take("a") == 0.0 and buckets.take("a") > 0
    clock.now += 100
    assert [buckets.take("a") for _ in range(4)][-1] > 0  # refilled to the burst, never past it


def test_idle_buckets_are_dropped_and_memory_stays_bounded() -> None:
    clock = Ticker()
    buckets = Buckets(Rate(60, 2), max_keys=100, clock=clock)
    for n in range(1000):
        buckets.take(f"k{n}")
    assert len(buckets) <= 100
    clock.now += 10  # every bucket refilled: the same as none
    buckets.take("fresh")
    assert len(buckets) == 1


def test_buckets_are_thread_safe() -> None:
    buckets = Buckets(Rate(0.001, 500), clock=lambda: 0.0)
    granted: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        mine = sum(1 for _ in range(200) if buckets.take("same") == 0.0)
        with lock:
            granted.append(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 500  # exactly the burst, whatever the interleaving


def test_limits_come_from_the_command_line_then_the_environment_then_the_defaults() -> None:
    args = build_parser().parse_args(["serve", "--rate-push", "10/5", "--rate-lookup", "0"])
    limits = rate_limits(args, {"DISTRICT_HUB_RATE_PUSH": "99/9", "DISTRICT_HUB_RATE_API": "120/20"})
    assert limits == RateLimits(push=Rate(10, 5), api=Rate(120, 20), lookup=None, auth_failures=Rate(10, 10))
    assert rate_limits(build_parser().parse_args(["serve"]), {}) == RateLimits()
    assert RateLimits().push == Rate(60, 30)


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def limited(hub_db: HubDatabase, ticker: Ticker) -> Iterator[TestClient]:
    limits = RateLimits(push=Rate(60, 3), api=Rate(60, 5), lookup=Rate(60, 2), auth_failures=Rate(60, 3))
    with TestClient(create_app(database=hub_db, clock=FixedClock(), limits=limits, monotonic=ticker)) as client:
        yield client


def _push(client: TestClient, token: str, desk: int) -> httpx.Response:
    chain = Chain(desk=desk)
    chain.receive(code(desk * 100 + 1))
    return client.post("/api/v1/events", json=batch(chain.events), headers=auth(token))


def test_pushes_past_the_burst_get_429_with_retry_after(limited: TestClient, token: str, other_token: str,
                                                        ticker: Ticker) -> None:
    assert [_push(limited, token, desk).status_code for desk in range(3)] == [200, 200, 200]
    refused = _push(limited, token, 3)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert "gửi lại sau 1 giây" in refused.json()["detail"] and "an toàn" in refused.json()["detail"]
    assert _push(limited, other_token, 0).status_code == 403  # another token's own bucket (its batch names our commune)
    assert limited.get("/api/v1/status", headers=auth(token)).status_code == 200  # another rule's bucket
    ticker.now += 1
    assert _push(limited, token, 3).status_code == 200


def test_the_public_lookup_is_limited_per_address(limited: TestClient, ticker: Ticker) -> None:
    answers = [limited.get("/tra-cuu", params={"ma": code(n), "khoa": "ABCD2345"}) for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["retry-after"] == "1" and "tra cứu lại" in answers[2].text
    assert answers[2].headers["content-type"].startswith("text/html")
    assert limited.get("/api/v1/health").status_code == 200  # never limited
    ticker.now += 1
    assert limited.get("/tra-cuu").status_code == 200


def _basic(password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"cán bộ:{password}".encode()).decode()}


def test_failed_logins_and_wrong_tokens_slow_the_address_down(limited: TestClient, hub_db: HubDatabase,
                                                              token: str, officer_token: str, ticker: Ticker) -> None:
    assert limited.get("/api/v1/status", headers=auth(token)).status_code == 200  # this desk's token: known good
    guesses = [limited.get("/", headers=_basic(f"guess-{n}")).status_code for n in range(3)]
    guesses.append(limited.get("/api/v1/status", headers=auth("x" * 43)).status_code)
    assert guesses == [401, 401, 401, 429]
    refused = limited.get("/", headers=_basic(officer_token))
    assert refused.status_code == 429 and "Chờ" in refused.text  # even the right password, not seen working yet
    assert limited.get("/api/v1/status", headers=auth(token)).status_code == 200  # a token seen working goes on
    _new, new_token = add_commune(hub_db, "000.31.22.H30", "UBND xã Mới")
    assert limited.get("/api/v1/status", headers=auth(new_token)).status_code == 429
    ticker.now += 1
    assert limited.get("/", headers=_basic(officer_token)).status_code == 200
    assert limited.get("/api/v1/status", headers=auth(new_token)).status_code == 200


def test_without_limits_nothing_is_refused(client: TestClient, token: str) -> None:
    assert all(client.get("/api/v1/status", headers=auth(token)).status_code == 200 for _ in range(120))


@pytest.mark.parametrize(("headers", "wait"), [({"Retry-After": "7"}, 7.0), ({}, None),
                                               ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, None)])
def test_the_desk_client_takes_429_as_try_later(headers: dict[str, str], wait: float | None) -> None:
    def busy(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"detail": "Quá nhiều yêu cầu"}, headers=headers)

    with HubClient("http://hub.test", "t" * 43, transport=httpx.MockTransport(busy)) as client, \
            pytest.raises(HubBusy) as raised:
        client.status()
    assert raised.value.retryable and raised.value.retry_after == wait and raised.value.status_code == 429
    assert "sẽ gửi lại" in raised.value.message and "an toàn" in raised.value.message
