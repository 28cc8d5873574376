"""User accounts: the first run, signing in, unlocking the screen, and the administrator's management of accounts.

Passwords are stored as a self-describing scrypt string (``scrypt$n$r$p$salt$hash``, base64), so a later scheme
(argon2) can sit beside it and old hashes are upgraded at the next successful sign-in. A wrong password and an
unknown username give the same message; repeated failures lock the account for a delay that doubles up to a
ceiling. Every sign-in, failed sign-in, unlock and change to an account is written to the audit log in the same
transaction; the failure bookkeeping is committed even though the sign-in is refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.domain.errors import DomainError, NotFoundError, ValidationError
from desk_app.domain.validation import normalize_name
from desk_app.services import audit
from desk_app.services.clock import Clock
from desk_app.services.context import ServiceContext
from desk_app.services.settings import SettingsService
from desk_app.store.db import Database
from desk_app.store.models import User

ROLES = {"admin": "Quản trị viên", "leader": "Lãnh đạo", "clerk": "Cán bộ tiếp nhận"}
SYSTEM_ROLE = "system"  # the command line, run by whoever holds the database file

USERNAME_RE = re.compile(r"[a-z0-9._-]{3,32}")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256  # a bound on the work one attempt can cause

# Lock-out: the first FREE_FAILURES failures cost nothing; each further one locks the account for a delay that
# starts at LOCK_BASE and doubles, up to LOCK_MAX.
FREE_FAILURES = 4
LOCK_BASE = dt.timedelta(seconds=30)
LOCK_MAX = dt.timedelta(minutes=15)

WRONG_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."
WRONG_PASSWORD = "Mật khẩu không đúng."
UNKNOWN_ACTOR = "(không rõ)"  # the audit actor of a failed sign-in under a name that is no account

# The settings the first run must have: they are printed on every slip.
FIRST_RUN_REQUIRED = {
    "commune_name": "Chưa nhập tên đơn vị (ví dụ: UBND xã Mỹ Phong).",
    "agency_code": "Chưa nhập mã cơ quan theo QCVN 102:2016 (ví dụ: 000.31.22.H20).",
    "upper_level_name": "Chưa nhập tên cấp trên (ví dụ: UBND tỉnh Đồng Tháp).",
}


@dataclass(frozen=True)
class SignedIn:
    username: str
    full_name: str
    role: str


@dataclass(frozen=True)
class UserRow:
    """One account as the administrator sees it (never the password hash)."""

    username: str
    full_name: str
    role: str
    active: bool
    last_login_at: dt.datetime | None
    locked_until: dt.datetime | None = None  # locked out after wrong passwords until then (None: not locked now)


class PermissionDenied(DomainError):
    """The signed-in user's role may not use this function."""


# --------------------------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------------------------

def require(ctx: ServiceContext, *roles: str, doing: str = "làm việc này") -> None:
    """Refuse unless the context's role is one of ``roles`` (the command line, role "system", may do anything).

    ``doing`` names the work in Vietnamese for the message, e.g. "quản lý tài khoản".
    """
    if ctx.role == SYSTEM_ROLE or ctx.role in roles:
        return
    allowed = ", ".join(ROLES.get(role, role) for role in roles) or "không ai"
    who = ROLES.get(ctx.role, f"Tài khoản có vai trò '{ctx.role}'")
    raise PermissionDenied(f"{who} không được {doing}. Việc này chỉ dành cho: {allowed}.", field="role")


# --------------------------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------------------------

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_SALT_BYTES = 16
SCRYPT_HASH_BYTES = 32
_SCRYPT_MAX_MEMORY = 256 * 1024 * 1024  # refuse stored parameters that would need more (a tampered row)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _password_bytes(password: str) -> bytes:
    # Unikey/EVKey may deliver composed or decomposed marks: the same password must give the same bytes.
    # "surrogatepass": a lone surrogate (a broken paste) must give a wrong password, not a crash.
    return unicodedata.normalize("NFC", password).encode("utf-8", "surrogatepass")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(_password_bytes(password), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=_SCRYPT_MAX_MEMORY + 1024 * 1024)


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt_b64$hash_b64`` with a fresh 16-byte salt."""
    salt = os.urandom(SCRYPT_SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _parse_scrypt(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    if n < 2 or n & (n - 1) or r < 1 or p < 1 or 128 * n * r * p > _SCRYPT_MAX_MEMORY or not salt or not digest:
        return None
    return n, r, p, salt, digest


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches the stored string (constant-time compare); False for an unknown scheme."""
    if not stored or len(password) > PASSWORD_MAX_LENGTH:
        return False
    parsed = _parse_scrypt(stored)
    if parsed is None:
        return False
    n, r, p, salt, digest = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(digest)), digest)


def needs_rehash(stored: str | None) -> bool:
    """Whether a stored hash uses other parameters (or another scheme) than new hashes get."""
    parsed = _parse_scrypt(stored or "")
    return parsed is None or parsed[:3] != (SCRYPT_N, SCRYPT_R, SCRYPT_P)


_dummy_hash: str | None = None


def _spend_a_verification(password: str) -> None:
    """Do the work of one verification, so an unknown username takes as long to refuse as a wrong password."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("một mật khẩu không ai dùng")
    verify_password(password, _dummy_hash)


def check_password_policy(password: str, username: str, *, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationError(
            f"Mật khẩu cần ít nhất {PASSWORD_MIN_LENGTH} ký tự (đang có {len(password)}).", field=field)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(f"Mật khẩu dài quá {PASSWORD_MAX_LENGTH} ký tự.", field=field)
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in password):
        raise ValidationError("Mật khẩu có ký tự điều khiển không gõ được từ bàn phím; chọn mật khẩu khác.", field=field)
    if unicodedata.normalize("NFC", password).strip().lower() == username.strip().lower():
        raise ValidationError("Mật khẩu không được trùng với tên đăng nhập.", field=field)


# --------------------------------------------------------------------------------------------------------------
# Usernames and names
# --------------------------------------------------------------------------------------------------------------

def normalize_username(value: str) -> str:
    """Lowercase, trimmed; 3–32 characters of a-z, 0-9, dot, underscore, hyphen."""
    name = unicodedata.normalize("NFC", value).strip().lower()
    if not name:
        raise ValidationError("Chưa nhập tên đăng nhập.", field="username")
    if not USERNAME_RE.fullmatch(name):
        raise ValidationError(
            "Tên đăng nhập dài 3–32 ký tự, chỉ gồm chữ thường không dấu (a-z), chữ số và dấu chấm, gạch dưới, "
            f"gạch ngang (ví dụ: nv.lan). '{value.strip()}' không dùng được.", field="username")
    return name


def _full_name(value: str) -> str:
    try:
        return normalize_name(value)
    except ValidationError as error:
        raise ValidationError(error.message, field="full_name") from None


def _role(value: str) -> str:
    if value not in ROLES:
        raise ValidationError(
            f"Vai trò '{value}' không có. Chọn một trong: {', '.join(ROLES.values())}.", field="role")
    return value


def _find(session: Session, username: str) -> User | None:
    folded = unicodedata.normalize("NFC", username).strip().lower()
    if not USERNAME_RE.fullmatch(folded):  # every account's name has this form (normalize_username)
        return None
    return session.scalar(select(User).where(func.lower(User.username) == folded))


def _get(session: Session, username: str) -> User:
    user = _find(session, username)
    if user is None:
        raise NotFoundError(f"Không có tài khoản '{username.strip()}'.", field="username")
    return user


def _signed_in(user: User) -> SignedIn:
    return SignedIn(user.username, user.full_name, user.role)


# --------------------------------------------------------------------------------------------------------------
# First run
# --------------------------------------------------------------------------------------------------------------

def needs_first_run(db: Database) -> bool:
    """True while no account exists: the first-run dialog must create the administrator."""
    with db.session() as session:
        return session.scalar(select(User.id).limit(1)) is None


def first_run(db: Database, clock: Clock, *, username: str, full_name: str, password: str,
              settings: dict[str, str]) -> SignedIn:
    """Apply the commune's settings and create the administrator in one transaction (nothing written on a refusal).

    Errors name their field: the setting's key, or username / full_name / password.
    """
    with db.write_session() as session, session.begin():
        now = clock.now()
        if session.scalar(select(User.id).limit(1)) is not None:
            raise DomainError("Máy này đã được thiết lập (đã có tài khoản). Hãy đăng nhập.", field="username")
        service = SettingsService(session)
        applied: dict[str, str] = {}
        # In the form's order, so the first error shown is the first field at fault.
        for key in [*settings, *(k for k in FIRST_RUN_REQUIRED if k not in settings)]:
            value = unicodedata.normalize("NFC", settings.get(key, ""))  # Unikey may type decomposed marks
            if key in FIRST_RUN_REQUIRED and not value.strip():
                raise ValidationError(FIRST_RUN_REQUIRED[key], field=key)
            applied[key] = service.set(key, value)
        name = normalize_username(username)
        person = _full_name(full_name)
        check_password_policy(password, name)
        admin = User(username=name, full_name=person, role="admin", password_hash=hash_password(password),
                     active=True, created_at=now, failed_logins=0, last_login_at=now)
        session.add(admin)
        audit.record(session, at=now, actor=name, action="settings",
                     detail={"keys": sorted(applied), "first_run": True})
        audit.record(session, at=now, actor=name, action="user", target=name,
                     detail={"op": "create", "role": "admin", "first_run": True})
        audit.record(session, at=now, actor=name, action="login", target=name)
        return _signed_in(admin)


# --------------------------------------------------------------------------------------------------------------
# Signing in, unlocking
# --------------------------------------------------------------------------------------------------------------

def lock_delay(failures: int) -> dt.timedelta:
    """How long the account stays locked after its ``failures``-th consecutive failure (zero for the first few)."""
    if failures <= FREE_FAILURES:
        return dt.timedelta(0)
    doublings = min(failures - FREE_FAILURES - 1, 16)
    return min(LOCK_BASE * 2**doublings, LOCK_MAX)


def format_wait(delay: dt.timedelta) -> str:
    """'30 giây', '2 phút', '1 phút 30 giây' (rounded up to the second)."""
    seconds = max(1, int(-(-delay.total_seconds() // 1)))
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} giây"
    return f"{minutes} phút {rest} giây" if rest else f"{minutes} phút"


def _locked_message(delay: dt.timedelta) -> str:
    return (f"Đã nhập sai mật khẩu nhiều lần nên tài khoản tạm khóa. Hãy chờ {format_wait(delay)} rồi thử lại, "
            "hoặc nhờ quản trị viên đặt lại mật khẩu.")


def _attempt(session: Session, now: dt.datetime, user: User, password: str, *, wrong: str,
             during: str) -> SignedIn | ValidationError:
    """Check one password against an existing account, keeping the failure count and the audit log."""
    failed = {"during": during} if during != "login" else {}
    locked_until = user.locked_until
    if locked_until is not None and now < locked_until:
        audit.record(session, at=now, actor=user.username, action="login_failed", target=user.username,
                     detail={"reason": "locked", **failed})
        return ValidationError(_locked_message(locked_until - now), field="password")
    if not verify_password(password, user.password_hash):
        user.failed_logins = (user.failed_logins or 0) + 1
        delay = lock_delay(user.failed_logins)
        user.locked_until = now + delay if delay else None
        audit.record(session, at=now, actor=user.username, action="login_failed", target=user.username,
                     detail={"reason": "password", "failures": user.failed_logins, **failed})
        return ValidationError(f"{wrong} {_locked_message(delay)}" if delay else wrong, field="password")
    if not user.active:
        audit.record(session, at=now, actor=user.username, action="login_failed", target=user.username,
                     detail={"reason": "disabled", **failed})
        return ValidationError("Tài khoản này đã bị khóa. Liên hệ quản trị viên để mở lại.", field="password")
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return _signed_in(user)


def authenticate(db: Database, clock: Clock, username: str, password: str) -> SignedIn:
    """Sign in (usernames are case-insensitive). A refusal raises ValidationError; its bookkeeping is committed."""
    if not username.strip():
        raise ValidationError("Chưa nhập tên đăng nhập.", field="username")
    if not password:
        raise ValidationError("Chưa nhập mật khẩu.", field="password")
    with db.write_session() as session, session.begin():
        now = clock.now()
        user = _find(session, username)
        outcome: SignedIn | ValidationError
        if user is None:
            _spend_a_verification(password)
            # The typed name is not recorded: it may be a password typed in the wrong field.
            audit.record(session, at=now, actor=UNKNOWN_ACTOR, action="login_failed",
                         detail={"reason": "unknown_user"})
            outcome = ValidationError(WRONG_CREDENTIALS, field="password")
        else:
            outcome = _attempt(session, now, user, password, wrong=WRONG_CREDENTIALS, during="login")
            if isinstance(outcome, SignedIn):
                user.last_login_at = now
                audit.record(session, at=now, actor=user.username, action="login", target=user.username)
    if isinstance(outcome, ValidationError):
        raise outcome
    return outcome


def context_for(db: Database, clock: Clock, user: SignedIn) -> ServiceContext:
    """The services' context for a signed-in user."""
    return ServiceContext(db, clock, user.username, role=user.role)


def current_user(ctx: ServiceContext) -> SignedIn | None:
    """The account the context acts as (None for the command line or an unknown actor)."""
    with ctx.read() as session:
        user = _find(session, ctx.actor)
        return None if user is None else _signed_in(user)


def check_password(ctx: ServiceContext, password: str) -> None:
    """Unlock the screen: the signed-in user's own password (failures count and lock out as at sign-in)."""
    if not password:
        raise ValidationError("Chưa nhập mật khẩu.", field="password")
    with ctx.db.write_session() as session, session.begin():
        now = ctx.clock.now()
        user = _find(session, ctx.actor)
        outcome: SignedIn | ValidationError
        if user is None:
            outcome = ValidationError("Không tìm thấy tài khoản đang đăng nhập. Hãy khởi động lại chương trình.",
                                      field="password")
        else:
            outcome = _attempt(session, now, user, password, wrong=WRONG_PASSWORD, during="unlock")
            if isinstance(outcome, SignedIn):
                audit.record(session, at=now, actor=user.username, action="unlock", target=user.username)
    if isinstance(outcome, ValidationError):
        raise outcome


def sign_out(ctx: ServiceContext) -> None:
    """Record the end of a session (the window closed, or the user signed out)."""
    with ctx.db.write_session() as session, session.begin():
        audit.record(session, at=ctx.clock.now(), actor=ctx.actor, action="logout", target=ctx.actor)


# --------------------------------------------------------------------------------------------------------------
# The administrator's management of accounts
# --------------------------------------------------------------------------------------------------------------

_MANAGE = "quản lý tài khoản người dùng"


def _row(user: User, now: dt.datetime) -> UserRow:
    locked = user.locked_until if user.locked_until is not None and user.locked_until > now else None
    return UserRow(user.username, user.full_name, user.role, bool(user.active), user.last_login_at, locked)


def _audit_user(session: Session, ctx: ServiceContext, now: dt.datetime, target: str, **detail: Any) -> None:
    audit.record(session, at=now, actor=ctx.actor, action="user", target=target, detail=detail)


def list_users(ctx: ServiceContext) -> list[UserRow]:
    require(ctx, "admin", doing=_MANAGE)
    now = ctx.clock.now()
    with ctx.read() as session:
        return [_row(user, now) for user in session.scalars(select(User).order_by(User.username))]


def create_user(ctx: ServiceContext, username: str, full_name: str, role: str, password: str) -> UserRow:
    require(ctx, "admin", doing=_MANAGE)
    with ctx.write() as (session, now):
        name = normalize_username(username)
        if _find(session, name) is not None:
            raise ValidationError(f"Đã có tài khoản '{name}'. Chọn tên đăng nhập khác.", field="username")
        person = _full_name(full_name)
        _role(role)
        check_password_policy(password, name)
        user = User(username=name, full_name=person, role=role, password_hash=hash_password(password), active=True,
                    created_at=now, failed_logins=0)
        session.add(user)
        _audit_user(session, ctx, now, name, op="create", role=role)
        return _row(user, now)


def reset_password(ctx: ServiceContext, username: str, new_password: str) -> None:
    """Set a new password (the user's lock-out ends with it)."""
    require(ctx, "admin", doing=_MANAGE)
    with ctx.write() as (session, now):
        user = _get(session, username)
        check_password_policy(new_password, user.username)
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        user.locked_until = None
        _audit_user(session, ctx, now, user.username, op="reset_password")


def set_active(ctx: ServiceContext, username: str, active: bool) -> UserRow:
    """Disable or re-enable an account; the last active administrator, and oneself, cannot be disabled."""
    require(ctx, "admin", doing=_MANAGE)
    with ctx.write() as (session, now):
        user = _get(session, username)
        if not active and user.active:
            if user.username == ctx.actor.strip().lower():
                raise ValidationError("Không thể tự khóa tài khoản của chính mình.", field="username")
            if user.role == "admin":
                others = session.scalar(select(func.count(User.id)).where(
                    User.role == "admin", User.active.is_(True), User.id != user.id))
                if not others:
                    raise ValidationError(
                        "Đây là quản trị viên cuối cùng còn hoạt động; hãy tạo hoặc mở một tài khoản quản trị viên "
                        "khác trước khi khóa tài khoản này.", field="username")
        if bool(user.active) != active:
            user.active = active
            if active:
                user.failed_logins = 0
                user.locked_until = None
            _audit_user(session, ctx, now, user.username, op="enable" if active else "disable")
        return _row(user, now)
