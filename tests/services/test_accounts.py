"""Accounts: the first run, hashing, signing in with lock-out, unlocking, roles, and the administrator's functions.

What landed is read back with sqlite3 (tests/services/_support), not through the models under test.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import unicodedata

import pytest

from desk_app.domain.errors import NotFoundError, ValidationError
from desk_app.services import accounts
from desk_app.services.accounts import (
    ROLES,
    PermissionDenied,
    SignedIn,
    authenticate,
    check_password,
    context_for,
    create_user,
    first_run,
    list_users,
    needs_first_run,
    require,
    reset_password,
    set_active,
)
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.store.db import Database
from tests.services._support import assert_vietnamese, rows, scalar, snapshot, stored_time

ADMIN_PASSWORD = "Mật-khẩu-2026"
COMMUNE = {
    "commune_name": "UBND xã Tân Phú",
    "agency_code": "000.31.22.H21",
    "upper_level_name": "UBND tỉnh Đồng Tháp",
    "upper_level_kind": "province",
    "hotline": "Tổng đài 1022",
    "office_hours": "07:00-11:30,13:30-17:00",
    "saturday_reception": "07:30-11:30",
    "paper_size": "A4",
}
TABLES = ("users", "settings", "audit_log")


def _setup_admin(db: Database, clock: FixedClock) -> SignedIn:
    return first_run(db, clock, username="QuanTri", full_name="  trần   văn an ", password=ADMIN_PASSWORD,
                     settings=dict(COMMUNE))


@pytest.fixture
def admin(db: Database, clock: FixedClock) -> ServiceContext:
    return context_for(db, clock, _setup_admin(db, clock))


@pytest.fixture
def clerk_lan(admin: ServiceContext) -> str:
    create_user(admin, "NV.Lan", "nguyễn thị lan", "clerk", "lan-12345")
    return "nv.lan"


def _audit(db: Database) -> list[dict[str, object]]:
    return [dict(r) | {"detail": json.loads(r["detail"])} for r in rows(db, "SELECT * FROM audit_log ORDER BY id")]


def _user(db: Database, username: str) -> dict[str, object]:
    found = rows(db, "SELECT * FROM users WHERE username = ?", (username,))
    assert len(found) == 1
    return dict(found[0])


# ---------------------------------------------------------------------------------------------------------------
# Hashing
# ---------------------------------------------------------------------------------------------------------------

def test_password_hash_is_self_describing_salted_scrypt() -> None:
    stored = accounts.hash_password("mật khẩu bí mật")
    scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    salt, digest = base64.b64decode(salt_b64), base64.b64decode(hash_b64)
    assert len(salt) == 16
    # Recomputed independently with the parameters the string names.
    expected = hashlib.scrypt("mật khẩu bí mật".encode(), salt=salt, n=2**14, r=8, p=1, dklen=len(digest))
    assert digest == expected
    assert accounts.hash_password("mật khẩu bí mật") != stored  # a fresh salt each time
    assert accounts.verify_password("mật khẩu bí mật", stored)
    assert accounts.verify_password(unicodedata.normalize("NFD", "mật khẩu bí mật"), stored)  # Unikey's NFD
    assert not accounts.verify_password("mat khau bi mat", stored)
    assert not accounts.verify_password("mật khẩu bí mật", "argon2id$v=19$m=65536,t=3,p=4$xx$yy")
    assert not accounts.verify_password("mật khẩu bí mật", None)
    # A tampered row asking for absurd memory is refused, not computed.
    assert not accounts.verify_password("x", f"scrypt${2**30}$8$1${salt_b64}${hash_b64}")
    assert not accounts.needs_rehash(stored)
    assert accounts.needs_rehash(f"scrypt$1024$8$1${salt_b64}${hash_b64}")


# ---------------------------------------------------------------------------------------------------------------
# First run
# ---------------------------------------------------------------------------------------------------------------

def test_first_run_creates_the_administrator_and_stores_the_settings(db: Database, clock: FixedClock) -> None:
    assert needs_first_run(db)
    signed = _setup_admin(db, clock)
    assert signed == SignedIn("quantri", "Trần Văn An", "admin")
    assert not needs_first_run(db)

    user = _user(db, "quantri")
    assert user["role"] == "admin" and user["active"] == 1 and user["failed_logins"] == 0
    assert str(user["password_hash"]).startswith("scrypt$16384$8$1$")
    assert ADMIN_PASSWORD not in json.dumps(rows(db, "SELECT * FROM users")[0][:])
    settings = {r["key"]: r["value"] for r in rows(db, "SELECT key, value FROM settings")}
    for key, value in COMMUNE.items():
        assert settings[key] == value
    actions = [(a["actor"], a["action"]) for a in _audit(db)]
    assert actions == [("quantri", "settings"), ("quantri", "user"), ("quantri", "login")]
    assert all(a["at"] == stored_time(clock.now()) for a in _audit(db))

    with pytest.raises(Exception) as refused:
        first_run(db, clock, username="khac", full_name="Người Khác", password="khac-12345", settings=dict(COMMUNE))
    assert "đã được thiết lập" in str(refused.value)
    assert scalar(db, "SELECT count(*) FROM users") == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"agency_code": "31.22.H20"}, "agency_code"),
    ({"commune_name": "   "}, "commune_name"),
    ({"office_hours": "sáng thôi"}, "office_hours"),
    ({"password": "ngan"}, "password"),  # settings valid, then the administrator refused: settings rolled back
    ({"username": "Quản Trị"}, "username"),
    ({"full_name": "An 123"}, "full_name"),
])
def test_first_run_refusal_writes_nothing(db: Database, clock: FixedClock, change: dict[str, str],
                                          field: str) -> None:
    before = snapshot(db, TABLES)
    settings = dict(COMMUNE)
    account = {"username": "quantri", "full_name": "Trần Văn An", "password": ADMIN_PASSWORD}
    for key, value in change.items():
        (account if key in account else settings)[key] = value
    with pytest.raises(ValidationError) as refused:
        first_run(db, clock, settings=settings, **account)
    assert refused.value.field == field
    assert_vietnamese(refused.value.message)
    assert snapshot(db, TABLES) == before
    assert needs_first_run(db)


def test_first_run_requires_the_agency_code(db: Database, clock: FixedClock) -> None:
    settings = {k: v for k, v in COMMUNE.items() if k != "agency_code"}
    with pytest.raises(ValidationError) as refused:
        first_run(db, clock, username="quantri", full_name="Trần Văn An", password=ADMIN_PASSWORD, settings=settings)
    assert refused.value.field == "agency_code"
    assert "QCVN 102:2016" in refused.value.message


# ---------------------------------------------------------------------------------------------------------------
# Signing in
# ---------------------------------------------------------------------------------------------------------------

def test_sign_in_is_case_insensitive_and_audited(admin: ServiceContext, clerk_lan: str, db: Database,
                                                 clock: FixedClock) -> None:
    clock.advance(minutes=5)
    signed = authenticate(db, clock, "  NV.LAN ", "lan-12345")
    assert signed == SignedIn("nv.lan", "Nguyễn Thị Lan", "clerk")
    assert _user(db, "nv.lan")["last_login_at"] == stored_time(clock.now())
    last = _audit(db)[-1]
    assert (last["actor"], last["action"], last["target"]) == ("nv.lan", "login", "nv.lan")
    ctx = context_for(db, clock, signed)
    assert (ctx.actor, ctx.role) == ("nv.lan", "clerk")


def test_wrong_password_and_unknown_user_get_the_same_message(admin: ServiceContext, clerk_lan: str, db: Database,
                                                              clock: FixedClock) -> None:
    messages = []
    for username, password in (("nv.lan", "sai-mat-khau"), ("nguoi.la", "bi-mat-cua-toi")):
        with pytest.raises(ValidationError) as refused:
            authenticate(db, clock, username, password)
        assert refused.value.field == "password"
        messages.append(refused.value.message)
    assert messages == ["Tên đăng nhập hoặc mật khẩu không đúng."] * 2

    failed = [a for a in _audit(db) if a["action"] == "login_failed"]
    assert [(a["actor"], a["detail"]["reason"]) for a in failed] == [
        ("nv.lan", "password"), (accounts.UNKNOWN_ACTOR, "unknown_user")]
    dump = json.dumps([dict(r) for r in rows(db, "SELECT * FROM audit_log")], ensure_ascii=False)
    assert "nguoi.la" not in dump  # an unknown typed name may be a password typed in the wrong field
    assert "sai-mat-khau" not in dump and "bi-mat-cua-toi" not in dump
    assert _user(db, "nv.lan")["failed_logins"] == 1


def test_lock_out_grows_after_five_failures_and_success_resets(admin: ServiceContext, clerk_lan: str,
                                                               db: Database, clock: FixedClock) -> None:
    def fail(password: str = "sai-mat-khau") -> str:
        with pytest.raises(ValidationError) as refused:
            authenticate(db, clock, "nv.lan", password)
        return refused.value.message

    for _ in range(4):
        assert fail() == accounts.WRONG_CREDENTIALS
    assert _user(db, "nv.lan")["locked_until"] is None
    fifth = fail()
    assert fifth.startswith(accounts.WRONG_CREDENTIALS) and "30 giây" in fifth
    assert _user(db, "nv.lan")["locked_until"] == stored_time(clock.now() + accounts.LOCK_BASE)

    # Locked: even the right password is refused, with the time left.
    clock.advance(seconds=10)
    assert "20 giây" in fail("lan-12345")
    assert _user(db, "nv.lan")["failed_logins"] == 5  # an attempt while locked is not counted again

    clock.advance(seconds=21)
    assert "1 phút" in fail()  # the sixth failure: twice as long
    clock.advance(minutes=1, seconds=1)
    assert "2 phút" in fail()
    assert [accounts.lock_delay(n).total_seconds() for n in range(4, 12)] == [
        0, 30, 60, 120, 240, 480, 900, 900]  # doubling, at most 15 minutes

    clock.advance(minutes=3)
    assert authenticate(db, clock, "nv.lan", "lan-12345").username == "nv.lan"
    user = _user(db, "nv.lan")
    assert (user["failed_logins"], user["locked_until"]) == (0, None)
    reasons = [a["detail"].get("reason") for a in _audit(db) if a["action"] == "login_failed"]
    assert reasons.count("locked") == 1 and reasons.count("password") == 7


def test_a_disabled_account_cannot_sign_in(admin: ServiceContext, clerk_lan: str, db: Database,
                                           clock: FixedClock) -> None:
    set_active(admin, "nv.lan", False)
    with pytest.raises(ValidationError) as refused:
        authenticate(db, clock, "nv.lan", "lan-12345")
    assert "đã bị khóa" in refused.value.message
    with pytest.raises(ValidationError) as wrong:
        authenticate(db, clock, "nv.lan", "sai-mat-khau")
    assert wrong.value.message == accounts.WRONG_CREDENTIALS  # no hint to someone without the password
    set_active(admin, "nv.lan", True)
    assert authenticate(db, clock, "nv.lan", "lan-12345").role == "clerk"


def test_unlock_checks_the_signed_in_users_password(admin: ServiceContext, clerk_lan: str, db: Database,
                                                    clock: FixedClock) -> None:
    ctx = context_for(db, clock, authenticate(db, clock, "nv.lan", "lan-12345"))
    with pytest.raises(ValidationError) as refused:
        check_password(ctx, ADMIN_PASSWORD)  # another user's password does not unlock
    assert refused.value.message == "Mật khẩu không đúng." and refused.value.field == "password"
    assert _user(db, "nv.lan")["failed_logins"] == 1
    check_password(ctx, unicodedata.normalize("NFD", "lan-12345"))
    assert _user(db, "nv.lan")["failed_logins"] == 0
    last = _audit(db)[-2:]
    assert [(a["action"], a["detail"]) for a in last] == [
        ("login_failed", {"reason": "password", "failures": 1, "during": "unlock"}), ("unlock", {})]


# ---------------------------------------------------------------------------------------------------------------
# Roles and the administrator's functions
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "leader", "clerk", "system"])
def test_require_for_each_role(db: Database, clock: FixedClock, role: str) -> None:
    ctx = ServiceContext(db, clock, "ai.do", role=role)
    require(ctx, "admin", "leader", "clerk")
    if role in ("admin", "system"):
        require(ctx, "admin")
        return
    with pytest.raises(PermissionDenied) as refused:
        require(ctx, "admin", doing="quản lý tài khoản người dùng")
    assert refused.value.message == (
        f"{ROLES[role]} không được quản lý tài khoản người dùng. Việc này chỉ dành cho: Quản trị viên.")
    with pytest.raises(PermissionDenied):
        list_users(ctx)
    with pytest.raises(PermissionDenied):
        create_user(ctx, "moi", "Người Mới", "admin", "moi-12345")
    with pytest.raises(PermissionDenied):
        reset_password(ctx, "ai.do", "moi-12345")
    with pytest.raises(PermissionDenied):
        set_active(ctx, "ai.do", False)
    assert scalar(db, "SELECT count(*) FROM users") == 0


def test_admin_creates_lists_and_resets(admin: ServiceContext, db: Database, clock: FixedClock) -> None:
    row = create_user(admin, "  Ld.Binh ", "lê   văn bình", "leader", "binh-2026!")
    assert (row.username, row.full_name, row.role, row.active) == ("ld.binh", "Lê Văn Bình", "leader", True)
    listed = list_users(admin)
    assert [u.username for u in listed] == ["ld.binh", "quantri"]
    assert all("hash" not in f.name for f in dataclasses.fields(listed[0]))
    assert listed[1].last_login_at == clock.now()
    audit = _audit(db)[-1]
    assert (audit["actor"], audit["action"], audit["target"], audit["detail"]) == (
        "quantri", "user", "ld.binh", {"op": "create", "role": "leader"})

    for _ in range(5):
        with pytest.raises(ValidationError):
            authenticate(db, clock, "ld.binh", "sai-mat-khau")
    assert list_users(admin)[0].locked_until is not None
    reset_password(admin, "LD.BINH", "mat-khau-moi")
    assert list_users(admin)[0].locked_until is None
    with pytest.raises(ValidationError):
        authenticate(db, clock, "ld.binh", "binh-2026!")
    assert authenticate(db, clock, "ld.binh", "mat-khau-moi").role == "leader"
    with pytest.raises(NotFoundError):
        reset_password(admin, "khong.co", "mat-khau-moi")


@pytest.mark.parametrize(("username", "full_name", "role", "password", "field", "words"), [
    ("ab", "Lê Văn Bình", "clerk", "binh-2026!", "username", "3–32"),
    ("lê.bình", "Lê Văn Bình", "clerk", "binh-2026!", "username", "không dấu"),
    ("QUANTRI", "Lê Văn Bình", "clerk", "binh-2026!", "username", "Đã có tài khoản"),
    ("ld.binh", "", "clerk", "binh-2026!", "full_name", "họ và tên"),
    ("ld.binh", "Lê Văn Bình", "boss", "binh-2026!", "role", "Vai trò"),
    ("ld.binh", "Lê Văn Bình", "clerk", "1234567", "password", "ít nhất 8"),
    ("ld.binh", "Lê Văn Bình", "clerk", "LD.Binh", "password", "ít nhất 8"),
    ("ld.binh.2026", "Lê Văn Bình", "clerk", "LD.BINH.2026", "password", "trùng với tên đăng nhập"),
])
def test_create_user_refusals(admin: ServiceContext, db: Database, username: str, full_name: str, role: str,
                              password: str, field: str, words: str) -> None:
    before = snapshot(db, TABLES)
    with pytest.raises(ValidationError) as refused:
        create_user(admin, username, full_name, role, password)
    assert refused.value.field == field
    assert words.lower() in refused.value.message.lower()
    assert snapshot(db, TABLES) == before


def test_last_admin_and_self_protection(admin: ServiceContext, clerk_lan: str, db: Database,
                                        clock: FixedClock) -> None:
    with pytest.raises(ValidationError) as self_disable:
        set_active(admin, "quantri", False)
    assert "chính mình" in self_disable.value.message

    # The command line (role system) is no account: it still cannot leave the desk without an administrator.
    system = ServiceContext(db, clock, "cli:root")
    with pytest.raises(ValidationError) as last:
        set_active(system, "quantri", False)
    assert "quản trị viên cuối cùng" in last.value.message

    create_user(admin, "quantri2", "Phạm Văn Hai", "admin", "hai-123456")
    set_active(admin, "quantri2", False)
    with pytest.raises(ValidationError):
        set_active(system, "quantri", False)  # the other administrator is disabled: still the last active one
    set_active(admin, "quantri2", True)
    assert set_active(system, "quantri", False).active is False
    assert _user(db, "quantri")["active"] == 0

    ops = [(a["actor"], a["target"], a["detail"]["op"]) for a in _audit(db) if a["action"] == "user"][-4:]
    assert ops == [("quantri", "quantri2", "create"), ("quantri", "quantri2", "disable"),
                   ("quantri", "quantri2", "enable"), ("cli:root", "quantri", "disable")]
