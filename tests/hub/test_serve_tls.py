"""``district-hub serve`` over HTTPS (``--ssl-certfile``/``--ssl-keyfile``, a throw-away CA made here) and a desk
syncing with it, trusting that CA; without it the desk refuses the server. Also: the desk waits out a 429 of the
rate limits set on the command line and finishes its sync."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desk_app.domain.errors import ValidationError
from desk_app.services.settings import SettingsService
from desk_app.store.models import Setting
from desk_app.sync import engine
from desk_app.sync.engine import probe, run_sync
from desk_app.sync.status import sync_status
from district_hub import cli
from district_hub.app import create_app
from district_hub.db import HubDatabase
from district_hub.registry import add_commune
from district_hub.serving import rate_limits
from tests.hub.served import make_desk, served
from tests.hub.support import FixedClock
from tests.sync._support import receive_many

AGENCY = "000.31.22.H20"


@pytest.fixture
def hub_url(sqlite_url: str) -> str:
    return sqlite_url


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, and a certificate it signed for 127.0.0.1 and localhost: ca.pem, cert.pem, key.pem."""
    folder = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Một Cửa test CA")).issuer_name(_name("Một Cửa test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = {"ca": folder / "ca.pem", "cert": folder / "cert.pem", "key": folder / "key.pem"}
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return files


@pytest.fixture
def https_hub(hub_db: HubDatabase, certificates: dict[str, Path]) -> Iterator[str]:
    app = create_app(database=hub_db, clock=FixedClock())
    with served(app, ["--ssl-certfile", str(certificates["cert"]), "--ssl-keyfile", str(certificates["key"])],
                scheme="https") as url:
        yield url


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_a_desk_syncs_over_https_trusting_the_ca(https_hub: str, hub_db: HubDatabase, certificates: dict[str, Path],
                                                 tmp_path: Path) -> None:
    token = add_commune(hub_db, AGENCY, "UBND xã Mỹ Phong")[1]
    ctx, database = make_desk(tmp_path / "desk", url=https_hub, token=token, agency=AGENCY)
    try:
        receive_many(ctx, 3)
        trusted = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=str(certificates["ca"])))
        outcome = run_sync(ctx, transport=trusted, sleep=Sleeps())
        assert outcome.status == "ok" and outcome.sent == 3, outcome.message
        untrusting = run_sync(ctx, sleep=Sleeps())  # the system's CAs only: the server is not trusted
        assert untrusting.status == "unreachable" and "Không kết nối được" in untrusting.message
    finally:
        database.close()


def test_the_desk_can_be_told_the_ca_by_ssl_cert_file(https_hub: str, hub_db: HubDatabase, tmp_path: Path,
                                                      certificates: dict[str, Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """What a desk can do today without a setting of its own: httpx honours SSL_CERT_FILE."""
    token = add_commune(hub_db, AGENCY, "UBND xã Mỹ Phong")[1]
    ctx, database = make_desk(tmp_path / "desk", url=https_hub, token=token, agency=AGENCY)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["ca"]))
    try:
        receive_many(ctx, 1)
        outcome = run_sync(ctx, sleep=Sleeps())
        assert outcome.status == "ok" and outcome.sent == 1, outcome.message
    finally:
        database.close()


def test_the_desk_setting_names_the_provinces_ca_for_the_sync_and_the_probe(
        https_hub: str, hub_db: HubDatabase, tmp_path: Path, certificates: dict[str, Path]) -> None:
    token = add_commune(hub_db, AGENCY, "UBND xã Mỹ Phong")[1]
    ctx, database = make_desk(tmp_path / "desk", url=https_hub, token=token, agency=AGENCY)
    try:
        receive_many(ctx, 2)
        assert not probe(https_hub)  # the usual authorities do not know the province's own
        with pytest.raises(ValidationError, match="không phải chứng chỉ CA"), ctx.write() as (session, _now):
            SettingsService(session).set("upper_level_ca_file", str(certificates["key"]))
        with ctx.write() as (session, _now):
            SettingsService(session).set("upper_level_ca_file", str(certificates["ca"]))
        assert probe(https_hub, ca_file=str(certificates["ca"]))
        assert sync_status(ctx).ca_file == str(certificates["ca"])
        outcome = run_sync(ctx, sleep=Sleeps())
        assert outcome.status == "ok" and outcome.sent == 2, outcome.message
        certificates_gone = tmp_path / "gone.pem"
        with ctx.write() as (session, _now):
            session.get(Setting, "upper_level_ca_file").value = str(certificates_gone)  # the file removed since
        gone = run_sync(ctx, sleep=Sleeps())
        assert gone.status == "refused" and "tệp chứng chỉ CA" in gone.message
        assert not probe(https_hub, ca_file=str(certificates_gone))
    finally:
        database.close()


def test_plain_http_to_the_https_port_gets_no_answer(https_hub: str) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(https_hub.replace("https://", "http://") + "/api/v1/health", timeout=5)


def test_the_desk_waits_out_a_429_and_finishes(hub_db: HubDatabase, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    token = add_commune(hub_db, AGENCY, "UBND xã Mỹ Phong")[1]
    limits = cli.build_parser().parse_args(["serve", "--rate-push", "60/1"])
    app = create_app(database=hub_db, clock=FixedClock(), limits=rate_limits(limits, {}))
    monkeypatch.setattr(engine, "BATCH_EVENTS", 2)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)  # the server's bucket refills in real time (one push a second)

    with served(app) as url:
        ctx, database = make_desk(tmp_path / "desk", url=url, token=token, agency=AGENCY)
        try:
            receive_many(ctx, 4)  # 4 events → two pushes of two, the second one past the burst of 1
            outcome = run_sync(ctx, sleep=sleep)
        finally:
            database.close()
    assert outcome.status == "ok" and outcome.sent == 4, outcome.message
    assert slept and slept[0] == engine.RETRY_DELAYS[0]  # a 429 was waited out with the usual back-off


@pytest.mark.parametrize(("options", "fragment"), [
    (["--ssl-certfile", "{cert}"], "cần cả chứng chỉ"),
    (["--ssl-keyfile", "{key}"], "cần cả chứng chỉ"),
    (["--ssl-certfile", "/nonexistent/cert.pem", "--ssl-keyfile", "{key}"], "Không có tệp"),
    (["--rate-push", "lots"], "không hợp lệ"),
])
def test_serve_refuses_a_half_or_wrong_tls_setup(options: list[str], fragment: str, certificates: dict[str, Path],
                                                  tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--db", str(tmp_path / "hub.db"), "serve", "--port", "1",
            *(o.format(cert=certificates["cert"], key=certificates["key"]) for o in options)]
    assert cli.main(argv) == 1
    assert fragment in capsys.readouterr().err
