"""Accounts and login sessions: password hashing (argon2), log-in with lock-out after repeated
failures, server-side sessions (created, touched, ended, expired), user administration, the
identity-provider lookup and the demo accounts.

Passwords are stored only as argon2 hashes. A database gets accounts from `user add` (or the
admin page); only the demo command calls `create_demo_accounts`, so no other database ever has a
default password.

Log-ins, log-outs and session touches write the audit log and the session table but do not bump
the data version: they change no figure a page caches, and bumping on every click would throw the
whole query cache away. User administration does bump it (the accounts page lists users).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import threading
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data_access import audit, db
from data_access.config import Settings, get_settings, secret_key
from data_access.models import LoginThrottle, LoginTicket, Region, SupervisionAction, User, UserSession
from data_access.permissions import ROLE_ACTIONS, Actor, check
from data_access.scope import Scope
from data_access.vocabulary import USER_ROLE_LABELS

ROLE_LABELS = USER_ROLE_LABELS
DEMO_PASSWORD = "demo1234"
MIN_PASSWORD_LENGTH = 8
MAX_LOCK = dt.timedelta(days=1)
_TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen is written at most this often
TOUCH_EVERY = _TOUCH_EVERY
_USERNAME = re.compile(r"^[A-Za-z0-9_.@\-]{2,60}$")

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")
# An argon2id hash or check takes 64 MiB and its own threads (the hasher's defaults): one per core
# at a time in a process, so users logging in together take turns (the cores could not go faster)
# instead of holding 64 MiB each at once (20 app sessions logging in, bench.sessions).
HASHING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


class AccountError(ValueError):
    """A request the accounts module refuses, with the Chinese sentence to show."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    region_code: str  # "" = the whole database


@dataclass(frozen=True)
class LoginResult:
    account: Account | None
    message: str  # Chinese; empty on success
    notice: str = ""  # Chinese, on success: e.g. that the account was locked since the last log-in


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _account(user: User) -> Account:
    return Account(user.id, user.username, user.display_name or user.username, user.role, user.region_code or "")


def _audit_region(region_code: str) -> str | None:
    return region_code or None


def hash_password(password: str) -> str:
    check_password(password)
    with HASHING:
        return _hasher.hash(password)


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        with HASHING:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _find(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.username) == username.strip().lower())).first()


# -- logging in ---------------------------------------------------------------------------------


def lock_duration(failed_attempts: int, settings: Settings) -> dt.timedelta | None:
    """After every `login_max_failures` wrong passwords in a row the account locks; each further
    lock lasts twice as long as the one before (at most a day)."""
    limit = max(settings.login_max_failures, 1)
    if failed_attempts < limit or failed_attempts % limit:
        return None
    doublings = min(failed_attempts // limit - 1, 16)  # 2**16 × any lock is past the one-day cap
    return min(dt.timedelta(minutes=settings.login_lock_minutes) * 2**doublings, MAX_LOCK)


def name_key(username: str) -> str:
    """The login throttle's key for a typed name: an HMAC (keyed with the app's secret) of the
    trimmed, lower-cased name, so the table never holds what was typed (it may be a password)."""
    name = (username or "").strip().lower()[:200]
    return hmac.new(secret_key(), name.encode(), hashlib.sha256).hexdigest()


def audit_name(username: str, user: User | None) -> str | None:
    """What the audit log keeps as the user of a log-in attempt: the account's name when one
    exists; for an unknown name only a short fingerprint (the same name gives the same one), since
    people type passwords into the name box."""
    if user is not None:
        return user.username
    return f"未登记#{name_key(username)[:8]}" if (username or "").strip() else None


@dataclass(frozen=True)
class _Attempt:
    allowed: bool  # False: the name is locked, no password may be checked
    failed_attempts: int  # counting this attempt as failed
    locked_until: dt.datetime | None
    previous_lock: dt.datetime | None  # start of the latest lock before this attempt
    locks_now: dt.timedelta | None  # this attempt reached the limit: locked for this long unless right


def _reserve_attempt(session: Session, key: str, now: dt.datetime, settings: Settings) -> _Attempt:
    """Count this attempt as failed before any password is checked, atomically and committed on
    its own connection (an INSERT … ON CONFLICT DO UPDATE … RETURNING, the row locked until the
    commit on both databases). The attempt that reaches the limit sets the lock in the same
    transaction, so under any number of parallel guesses at most `login_max_failures` passwords
    are checked before the lock holds. A right password then resets the count (`_succeeded`)."""
    insert = pg_insert if db.is_postgres(session) else sqlite_insert
    table = LoginThrottle.__table__
    stmt = (
        insert(table)
        .values(name_key=key, failed_attempts=1, last_failed_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.name_key],
            set_={"failed_attempts": table.c.failed_attempts + 1, "last_failed_at": now},
            where=or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
        )
        .returning(table.c.failed_attempts, table.c.locked_at)
    )
    with session.get_bind().connect() as connection, connection.begin():
        row = connection.execute(stmt).first()
        if row is None:  # locked: the row was not updated
            locked_until = connection.execute(
                select(table.c.locked_until).where(table.c.name_key == key)).scalar_one()
            return _Attempt(False, 0, locked_until, None, None)
        lock = lock_duration(row.failed_attempts, settings)
        if lock:
            connection.execute(update(table).where(table.c.name_key == key)
                               .values(locked_until=now + lock, locked_at=now))
        return _Attempt(True, row.failed_attempts, now + lock if lock else None, row.locked_at, lock)


def _lock_notice(previous_lock: dt.datetime | None) -> str:
    if previous_lock is None:
        return ""
    return (f"提示：您的账号曾于 {previous_lock:%Y-%m-%d %H:%M} 因连续输错密码被暂时锁定。"
            "如不是您本人所为，请尽快修改密码并告知系统管理员。")


def authenticate(session: Session, username: str, password: str, now: dt.datetime | None = None,
                 settings: Settings | None = None) -> LoginResult:
    """Check a username and password; audit the attempt ("login" / "login_failed").

    Every name typed is throttled the same way, whether an account has it or not: the same
    messages, the same lock and the same work (one counted write and one argon2 verification,
    also while locked), so neither the answer, its timing nor a lock tells which names exist. On
    success `notice` tells the user when their account was last locked, if it was since their
    last log-in."""
    now, settings = now or _now(), settings or get_settings()
    wrong = LoginResult(None, "用户名或密码不正确。")
    username = (username or "")[:200]
    user = _find(session, username) if username.strip() else None
    key = name_key(username)
    who, region = audit_name(username, user), _audit_region(user.region_code) if user is not None else None
    attempt = _reserve_attempt(session, key, now, settings)
    if not attempt.allowed:
        verify_password(None, password)  # the same work as a checked password: no timing hint
        minutes = max(1, int((attempt.locked_until - now).total_seconds() + 59) // 60)
        audit.record(session, who, "login_failed", region, detail={"reason": "locked"})
        return LoginResult(None, f"连续输错密码次数过多，账号已暂时锁定，请 {minutes} 分钟后再试。")
    right = verify_password(user.password_hash if user is not None else None, password)
    if not right:
        detail = {"reason": "wrong_password" if user is not None else "unknown_user",
                  "failed_attempts": attempt.failed_attempts}
        if attempt.locks_now:
            detail["locked_minutes"] = int(attempt.locks_now.total_seconds() // 60)
        audit.record(session, who, "login_failed", region, detail=detail)
        if attempt.locks_now:
            return LoginResult(None, f"连续输错密码次数过多，账号已暂时锁定 {detail['locked_minutes']} 分钟。")
        return wrong
    if not user.is_active:
        audit.record(session, who, "login_failed", region, detail={"reason": "disabled"})
        return LoginResult(None, "该账号已停用，请联系系统管理员。")
    if _hasher.check_needs_rehash(user.password_hash):
        with HASHING:
            user.password_hash = _hasher.hash(password)
    _clear_throttle(session, user.username)
    detail = {"method": "password"}
    if attempt.previous_lock is not None:
        detail["locked_at"] = f"{attempt.previous_lock:%Y-%m-%d %H:%M}"
    audit.record(session, user.username, "login", region, detail=detail)
    return LoginResult(_account(user), "", _lock_notice(attempt.previous_lock))


def _clear_throttle(session: Session, username: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.name_key == name_key(username)))


def locked_until(session: Session, usernames: list[str], now: dt.datetime) -> dict[str, dt.datetime]:
    """The names among `usernames` that are locked at `now`, with the end of their lock."""
    keys = {name_key(u): u for u in usernames}
    rows = session.execute(
        select(LoginThrottle.name_key, LoginThrottle.locked_until)
        .where(LoginThrottle.name_key.in_(list(keys)), LoginThrottle.locked_until > now)
    ).all() if keys else []
    return {keys[r.name_key]: r.locked_until for r in rows}


def account_for_identity(session: Session, email: str | None) -> Account | None:
    """The active account of an identity-provider user: the users row whose username is the
    e-mail address the provider vouches for (case-insensitive)."""
    if not email:
        return None
    user = _find(session, email)
    return _account(user) if user is not None and user.is_active else None


# -- sessions -----------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, account: Account, now: dt.datetime | None = None) -> str:
    """A new server-side session; returns the token for the browser (only its hash is stored)."""
    now = now or _now()
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=token_hash(token), user_id=account.id, created_at=now, last_seen=now))
    return token


def resume_session(session: Session, token: str, now: dt.datetime | None = None,
                   settings: Settings | None = None, *, touch: bool = True) -> Account | None:
    """The account of a live session, touching it (unless `touch` is False: the caller calls
    `touch_session` apart); None when it is unknown, ended, expired (idle too long or older than
    the maximum) or its user was disabled. An expired session is ended."""
    now, settings = now or _now(), settings or get_settings()
    row = session.get(UserSession, token_hash(token))
    if row is None or row.ended_at is not None:
        return None
    user = session.get(User, row.user_id)
    idle = now - row.last_seen > dt.timedelta(minutes=settings.session_idle_minutes)
    too_old = now - row.created_at > dt.timedelta(hours=settings.session_max_hours)
    if user is None or not user.is_active or idle or too_old:
        row.ended_at = now
        if user is not None:
            audit.record(session, user.username, "session_expired", _audit_region(user.region_code),
                         detail={"reason": "idle" if idle else "max_age" if too_old else "disabled"})
        return None
    if touch and now - row.last_seen >= _TOUCH_EVERY:
        row.last_seen = now
    return _account(user)


def touch_session(session: Session, token: str, now: dt.datetime | None = None) -> None:
    """Mark a live session seen now (at most every TOUCH_EVERY): what `resume_session` does when
    touching, for the app, which does it apart from the click (in the background): on SQLite the
    write waited for any other writer's lock inside the click (bench.sessions: 54 of 260 thread
    seconds of 20 sessions went to it while a page stored its derived figures)."""
    now = now or _now()
    session.execute(update(UserSession).where(
        UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None),
        UserSession.last_seen <= now - _TOUCH_EVERY).values(last_seen=now))


def end_session(session: Session, token: str, now: dt.datetime | None = None) -> None:
    """Log out: the session ends on the server, so its cookie no longer opens anything."""
    row = session.get(UserSession, token_hash(token))
    if row is None or row.ended_at is not None:
        return
    row.ended_at = now or _now()
    user = session.get(User, row.user_id)
    if user is not None:
        audit.record(session, user.username, "logout", _audit_region(user.region_code))


TICKET_SECONDS = 60


def _seal(ticket: str, data: bytes) -> bytes:
    """XOR with a pad derived from the ticket (a 256-bit random secret used once): the stored
    token can be read back only with the ticket, which is never stored."""
    pad = hashlib.sha512(b"pcd-login-ticket:" + ticket.encode()).digest()
    if len(data) > len(pad):
        raise ValueError("token too long to seal")
    return bytes(a ^ b for a, b in zip(data, pad, strict=False))


def issue_ticket(session: Session, token: str, now: dt.datetime | None = None) -> str:
    """A one-time ticket (valid TICKET_SECONDS) for the session `token`, which the login page hands
    its browser; the server route exchanges it for the HttpOnly cookie (`redeem_ticket`)."""
    now = now or _now()
    ticket = secrets.token_urlsafe(32)
    session.execute(delete(LoginTicket).where(LoginTicket.expires_at <= now))
    session.add(LoginTicket(ticket_hash=token_hash(ticket), sealed_token=_seal(ticket, token.encode()).hex(),
                            expires_at=now + dt.timedelta(seconds=TICKET_SECONDS)))
    return ticket


def redeem_ticket(session: Session, ticket: str, now: dt.datetime | None = None) -> str | None:
    """Exchange a ticket, once, for its session's token: None when the ticket is unknown, used or
    expired, or its session ended. The ticket is deleted in one statement, so two
    exchanges of one ticket cannot both succeed."""
    now = now or _now()
    found = session.execute(
        delete(LoginTicket).where(LoginTicket.ticket_hash == token_hash(ticket or ""))
        .returning(LoginTicket.sealed_token, LoginTicket.expires_at)
    ).one_or_none()
    if found is None or found.expires_at <= now:
        return None
    token = _seal(ticket, bytes.fromhex(found.sealed_token)).decode("ascii", "replace")
    row = session.get(UserSession, token_hash(token))  # the idle limit is for the next page, not this
    return token if row is not None and row.ended_at is None else None


def _end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(
        update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None)).values(ended_at=_now())
    )


# -- administration -----------------------------------------------------------------------------


def _check_role_region(session: Session, role: str, region_code: str, scope: Scope) -> None:
    if not scope.contains(region_code):
        raise AccountError(f"区划代码 {region_code or '（全部地区）'} 不在您的管理范围内")
    if role not in ROLE_ACTIONS:
        raise AccountError(f"角色“{role}”不存在，可选：{'、'.join(f'{k}（{v}）' for k, v in ROLE_LABELS.items())}")
    if not region_code:
        if role != "admin":
            raise AccountError("只有系统管理员可以不限地区；请指定区划代码")
        return
    if session.get(Region, region_code) is None:
        raise AccountError(f"区划代码 {region_code} 不存在")


def _manager(actor: Actor) -> Scope:
    """The accounts an administrator manages: those inside the administrator's own region."""
    check(actor, "manage_users")
    return actor.scope


def _admin_audit(session: Session, actor: Actor, user: User, op: str, **detail) -> None:
    db.bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    audit.record(session, actor.username, "user_admin", _audit_region(user.region_code), user.username, {"op": op, **detail})


def create_user(session: Session, username: str, role: str, region_code: str | None, password: str | None,
                display_name: str | None = None, *, actor: Actor) -> Account:
    """A new account inside the administrator's region (the CLI has the whole database).
    `password` None makes an identity-provider account (no password log-in)."""
    scope = _manager(actor)
    username, region_code = username.strip(), (region_code or "").strip()
    if not _USERNAME.match(username):
        raise AccountError("用户名只能包含字母、数字和 _ . @ -，长度 2–60")
    if _find(session, username) is not None:
        raise AccountError(f"用户名 {username} 已存在")
    _check_role_region(session, role, region_code, scope)
    user = User(username=username, display_name=(display_name or "").strip() or None, role=role,
                region_code=region_code, is_active=True,
                password_hash=hash_password(password) if password is not None else None)
    session.add(user)
    session.flush()
    _admin_audit(session, actor, user, "add", role=role, region=region_code, password=password is not None)
    return _account(user)


def _require(session: Session, username: str, scope: Scope) -> User:
    user = _find(session, username)
    if user is None or not scope.contains(user.region_code or ""):
        raise AccountError(f"用户 {username} 不存在或不在您的管理范围内")
    return user


def set_password(session: Session, username: str, password: str, *, actor: Actor) -> None:
    """New password; unlocks the account and ends its sessions (log in again everywhere)."""
    user = _require(session, username, _manager(actor))
    user.password_hash = hash_password(password)
    _clear_throttle(session, user.username)
    _end_all_sessions(session, user.id)
    _admin_audit(session, actor, user, "passwd")


def set_active(session: Session, username: str, active: bool, *, actor: Actor) -> None:
    """Disable (ends every session at once) or enable an account."""
    user = _require(session, username, _manager(actor))
    user.is_active = active
    if not active:
        _end_all_sessions(session, user.id)
    _admin_audit(session, actor, user, "enable" if active else "disable")


def unlock(session: Session, username: str, *, actor: Actor) -> None:
    user = _require(session, username, _manager(actor))
    _clear_throttle(session, user.username)
    _admin_audit(session, actor, user, "unlock")


def update_user(session: Session, username: str, role: str, region_code: str | None, display_name: str | None,
                *, actor: Actor) -> None:
    scope = _manager(actor)
    user = _require(session, username, scope)
    region_code = (region_code or "").strip()
    _check_role_region(session, role, region_code, scope)
    user.role, user.region_code, user.display_name = role, region_code, (display_name or "").strip() or None
    _end_all_sessions(session, user.id)  # the new role/region applies from the next log-in
    _admin_audit(session, actor, user, "update", role=role, region=region_code)


def list_users(session: Session, scope: Scope, now: dt.datetime | None = None) -> pd.DataFrame:
    """Accounts whose region lies inside `scope` (a whole-database admin sees every account)."""
    now = now or _now()
    last_login = (
        select(func.max(UserSession.created_at)).where(UserSession.user_id == User.id).scalar_subquery()
    )
    where = [] if not scope.prefix else [scope.within(User.region_code)]
    rows = session.execute(
        select(User.username, User.display_name, User.role, User.region_code, Region.name, User.is_active,
               User.password_hash.is_not(None), last_login.label("last_login"))
        .outerjoin(Region, Region.code == User.region_code)
        .where(*where)
        .order_by(User.username)
    ).all()
    locks = locked_until(session, [r.username for r in rows], now)
    return pd.DataFrame(
        [
            {
                "用户名": r.username,
                "姓名": r.display_name or "",
                "角色": ROLE_LABELS.get(r.role, r.role),
                "地区": r.name or ("全部地区" if not r.region_code else r.region_code),
                "区划代码": r.region_code or "",
                "状态": _state_label(r.is_active, locks.get(r.username)),
                "登录方式": "密码" if r[6] else "统一身份认证",
                "最近登录": f"{r.last_login:%Y-%m-%d %H:%M}" if r.last_login else "",
            }
            for r in rows
        ],
        columns=["用户名", "姓名", "角色", "地区", "区划代码", "状态", "登录方式", "最近登录"],
    )


def _state_label(active: bool, locked: dt.datetime | None) -> str:
    return "已停用" if not active else f"锁定至 {locked:%m-%d %H:%M}" if locked else "正常"


@dataclass(frozen=True)
class Standing:
    """Whether an account is enabled and locked, and how 账号管理 says so."""

    active: bool
    locked: bool  # enabled and locked by wrong passwords (a disabled account is not unlocked)
    label: str


def standing(session: Session, username: str, now: dt.datetime | None = None) -> Standing | None:
    """The account's state for the administrator's buttons (启用/停用, 解除锁定); None if unknown."""
    user = _find(session, username)
    if user is None:
        return None
    lock = locked_until(session, [user.username], now or _now()).get(user.username)
    return Standing(bool(user.is_active), bool(user.is_active and lock), _state_label(bool(user.is_active), lock))


def account_regions(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """Regions an account may be limited to (province down to township) inside `scope`, as
    (code, name) in tree order; villages are too small to supervise from."""
    rows = session.execute(
        select(Region.code, Region.name, Region.level)
        .where(scope.within(Region.code), Region.level != "village")
        .order_by(Region.code)
    ).all()
    indent = {"province": 0, "city": 1, "county": 2, "township": 3}
    return [(r.code, "　" * indent.get(r.level, 0) + r.name) for r in rows]


def has_users(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) > 0


# -- demo ---------------------------------------------------------------------------------------

DEMO_ACCOUNTS = (
    # username, display name, role, level ("county" = the demo county, "township" = its first township)
    ("admin", "系统管理员", "admin", "all"),
    ("leader", "县领导（演示）", "leader", "county"),
    ("inspector", "县督查组（演示）", "inspector", "county"),
    ("publicity", "县宣传干部（演示）", "publicity", "county"),
    ("township_leader", "乡镇领导（演示）", "leader", "township"),
    ("township_inspector", "乡镇督查员（演示）", "inspector", "township"),
    ("township_clerk", "乡镇经办（演示）", "clerk", "township"),
)


def create_demo_accounts(session: Session, region_code: str) -> list[Account]:
    """The demo accounts, all with password `demo1234` (called by the demo command only). Existing
    demo accounts are reset to the demo password, role and region; reminders and 督办 without an
    issuer are attributed to the demo 督查组 account `inspector`."""
    township = session.scalar(
        select(Region.code).where(Region.parent_code == region_code).order_by(Region.code).limit(1)
    )
    where = {"all": "", "county": region_code, "township": township or region_code}
    password_hash = _hasher.hash(DEMO_PASSWORD)
    made = []
    for username, display_name, role, level in DEMO_ACCOUNTS:
        user = _find(session, username) or User(username=username)
        user.display_name, user.role, user.region_code = display_name, role, where[level]
        user.password_hash, user.is_active = password_hash, True
        _clear_throttle(session, username)
        session.add(user)
        session.flush()
        made.append(_account(user))
    # The demo's reminders and 督办 were issued by the county's 督查组 (so 我的待办 shows them).
    inspector = session.scalar(select(User.id).where(User.username == "inspector"))
    session.execute(update(SupervisionAction).where(SupervisionAction.issued_by.is_(None)).values(issued_by=inspector))
    db.bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    audit.record(session, "演示数据", "user_admin", region_code, "演示账号", {"op": "demo", "accounts": len(made)})
    return made


def identity_login(session: Session, email: str | None) -> tuple[Account | None, str | None]:
    """Log in a user the identity provider vouches for: (account, session token), or (None, None)
    when no active account has that e-mail as its username. Audited either way."""
    account = account_for_identity(session, email)
    if account is None:
        audit.record(session, (email or "")[:60] or None, "login_failed", detail={"reason": "unknown_identity"})
        return None, None
    audit.record(session, account.username, "login", _audit_region(account.region_code), detail={"method": "oidc"})
    return account, start_session(session, account)


def password_login(session: Session, username: str, password: str) -> tuple[LoginResult, str | None]:
    """`authenticate`, then a new session on success: (result, session token)."""
    result = authenticate(session, username, password)
    return result, start_session(session, result.account) if result.account else None
