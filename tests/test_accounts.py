"""Accounts: argon2 hashing, lock-out, sessions and their expiry, the user CLI, demo accounts, the
identity-provider lookup, the signed cookie, and the login page (AppTest)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.auth import sign_token, unsign_token
from data_access import accounts
from data_access.config import get_settings
from data_access.db import session_scope
from data_access.models import AuditEntry, User, UserSession
from data_access.permissions import Actor
from data_access.scope import Scope
from tests import builders as b
from tests.apptest import app, open_page, texts

ROOT = Path(__file__).resolve().parent.parent
T0 = dt.datetime(2026, 3, 2, 9, 0, 0)
STRICT = dataclasses.replace(get_settings(), login_max_failures=3, login_lock_minutes=15, session_idle_minutes=30,
                             session_max_hours=12)


def _audit(url: str, action: str) -> list[AuditEntry]:
    with session_scope(url) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytest.fixture
def with_user(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        accounts.create_user(s, "zhang", "leader", b.TOWNSHIP_A, "correct horse", "张乡长",
                             actor=Actor("test", "admin"))
    return db_url


def _login(url, username, password, now):
    with session_scope(url) as s:
        return accounts.authenticate(s, username, password, now=now, settings=STRICT)


def test_passwords_are_stored_as_argon2_hashes(with_user):
    with session_scope(with_user) as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "zhang"))
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.verify_password(stored, "correct horse")
    assert not accounts.verify_password(stored, "correct horsE")
    assert not accounts.verify_password(None, "")
    with pytest.raises(accounts.AccountError, match="至少 8 位"):
        accounts.hash_password("short")


def test_login_success_and_failure_are_audited(with_user):
    ok = _login(with_user, "ZHANG", "correct horse", T0)
    assert ok.account.username == "zhang" and ok.account.region_code == b.TOWNSHIP_A and ok.message == ""
    wrong = _login(with_user, "zhang", "wrong", T0)
    unknown = _login(with_user, "nobody", "wrong", T0)
    assert wrong.account is None and wrong.message == unknown.message == "用户名或密码不正确。"
    assert [e.username for e in _audit(with_user, "login")] == ["zhang"]
    failed = _audit(with_user, "login_failed")
    assert [(e.username, json.loads(e.detail)["reason"]) for e in failed] == [
        ("zhang", "wrong_password"), (accounts.audit_name("nobody", None), "unknown_user")]
    assert failed[0].region_code == b.TOWNSHIP_A


def test_repeated_failures_lock_the_account_for_growing_time(with_user):
    for _ in range(2):
        assert "不正确" in _login(with_user, "zhang", "bad", T0).message
    third = _login(with_user, "zhang", "bad", T0)
    assert "锁定 15 分钟" in third.message
    # locked: even the right password is refused until the lock ends
    assert "请 15 分钟后再试" in _login(with_user, "zhang", "correct horse", T0).message
    assert "请 1 分钟后再试" in _login(with_user, "zhang", "correct horse", T0 + dt.timedelta(minutes=14, seconds=30)).message
    later = T0 + dt.timedelta(minutes=16)
    for _ in range(2):
        _login(with_user, "zhang", "bad", later)
    assert "锁定 30 分钟" in _login(with_user, "zhang", "bad", later).message  # the second lock doubles
    after = later + dt.timedelta(minutes=31)
    assert _login(with_user, "zhang", "correct horse", after).account is not None
    # a success resets the count
    assert "不正确" in _login(with_user, "zhang", "bad", after).message
    assert accounts.lock_duration(3, STRICT) == dt.timedelta(minutes=15)
    assert accounts.lock_duration(4, STRICT) is None
    assert accounts.lock_duration(300, STRICT) == accounts.MAX_LOCK


def test_disabled_account_cannot_log_in_and_its_sessions_end(with_user):
    with session_scope(with_user) as s:
        token = accounts.start_session(s, _login(with_user, "zhang", "correct horse", T0).account, now=T0)
    with session_scope(with_user) as s:
        accounts.set_active(s, "zhang", False, actor=Actor("admin", "admin"))
    with session_scope(with_user) as s:
        assert accounts.resume_session(s, token, now=T0, settings=STRICT) is None
    assert _login(with_user, "zhang", "correct horse", T0).message == "该账号已停用，请联系系统管理员。"


def test_sessions_expire_after_inactivity_and_end_at_logout(with_user):
    account = _login(with_user, "zhang", "correct horse", T0).account
    with session_scope(with_user) as s:
        token = accounts.start_session(s, account, now=T0)
        other = accounts.start_session(s, account, now=T0)
    with session_scope(with_user) as s:
        stored = {r.token_hash for r in s.scalars(select(UserSession))}
    assert token not in stored and accounts.token_hash(token) in stored  # only the hash is kept
    step = T0
    for _ in range(5):  # active every 20 minutes: stays logged in past the 30-minute idle limit
        step += dt.timedelta(minutes=20)
        with session_scope(with_user) as s:
            assert accounts.resume_session(s, token, now=step, settings=STRICT).username == "zhang"
    with session_scope(with_user) as s:
        assert accounts.resume_session(s, token, now=step + dt.timedelta(minutes=31), settings=STRICT) is None
    with session_scope(with_user) as s:  # once expired, it stays ended
        assert accounts.resume_session(s, token, now=step + dt.timedelta(minutes=32), settings=STRICT) is None
        assert s.get(UserSession, accounts.token_hash(token)).ended_at is not None
    assert json.loads(_audit(with_user, "session_expired")[0].detail) == {"reason": "idle"}
    with session_scope(with_user) as s:
        accounts.end_session(s, other, now=T0 + dt.timedelta(minutes=1))
    with session_scope(with_user) as s:
        assert accounts.resume_session(s, other, now=T0 + dt.timedelta(minutes=2), settings=STRICT) is None
    assert [e.username for e in _audit(with_user, "logout")] == ["zhang"]


def test_sessions_end_after_the_maximum_age_even_when_active(with_user):
    account = _login(with_user, "zhang", "correct horse", T0).account
    with session_scope(with_user) as s:
        token = accounts.start_session(s, account, now=T0)
    step = T0
    while step < T0 + dt.timedelta(hours=12):
        step += dt.timedelta(minutes=25)
        with session_scope(with_user) as s:
            alive = accounts.resume_session(s, token, now=step, settings=STRICT)
    assert alive is None
    assert json.loads(_audit(with_user, "session_expired")[0].detail) == {"reason": "max_age"}


def test_new_password_ends_sessions_and_unlocks(with_user):
    for _ in range(3):
        _login(with_user, "zhang", "bad", T0)
    with session_scope(with_user) as s:
        token = accounts.start_session(s, accounts.account_for_identity(s, "zhang"), now=T0)
        accounts.set_password(s, "zhang", "another secret", actor=Actor("admin", "admin"))
    with session_scope(with_user) as s:
        assert accounts.resume_session(s, token, now=T0, settings=STRICT) is None
    assert _login(with_user, "zhang", "another secret", T0).account is not None


def test_account_rules(with_user):
    with session_scope(with_user) as s:
        with pytest.raises(accounts.AccountError, match="已存在"):
            accounts.create_user(s, "Zhang", "leader", b.TOWNSHIP_A, "12345678", actor=Actor("t", "admin"))
        with pytest.raises(accounts.AccountError, match="不存在"):
            accounts.create_user(s, "li", "leader", "629999", "12345678", actor=Actor("t", "admin"))
        with pytest.raises(accounts.AccountError, match="只有系统管理员"):
            accounts.create_user(s, "li", "leader", "", "12345678", actor=Actor("t", "admin"))
        with pytest.raises(accounts.AccountError, match="角色"):
            accounts.create_user(s, "li", "mayor", b.COUNTY, "12345678", actor=Actor("t", "admin"))
        # a township administrator manages only accounts inside the township
        township = Scope.for_region(b.TOWNSHIP_A)
        with pytest.raises(accounts.AccountError, match="管理范围"):
            accounts.create_user(s, "li", "inspector", b.TOWNSHIP_B, "12345678", actor=Actor("t", "admin", township))
        with pytest.raises(accounts.AccountError, match="管理范围"):
            accounts.set_password(s, "zhang", "12345678", actor=Actor("t", "admin", Scope.for_region(b.TOWNSHIP_B)))
        frame = accounts.list_users(s, Scope.for_region(b.TOWNSHIP_B))
        assert frame.empty


def test_identity_provider_users_map_by_email(with_user):
    with session_scope(with_user) as s:
        accounts.create_user(s, "wang@xihe.gov.cn", "inspector", b.COUNTY, None, "王督查",
                             actor=Actor("t", "admin"))
    with session_scope(with_user) as s:
        account, token = accounts.identity_login(s, "Wang@Xihe.gov.cn")
        assert (account.username, account.role, account.region_code) == ("wang@xihe.gov.cn", "inspector", b.COUNTY)
        assert accounts.resume_session(s, token).username == "wang@xihe.gov.cn"
        assert accounts.identity_login(s, "stranger@example.com") == (None, None)
    with session_scope(with_user) as s:  # an identity-provider account has no password to guess
        assert accounts.authenticate(s, "wang@xihe.gov.cn", "", settings=STRICT).account is None
    assert json.loads(_audit(with_user, "login")[0].detail) == {"method": "oidc"}


def test_demo_accounts(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        made = accounts.create_demo_accounts(s, b.COUNTY)
    assert {(a.username, a.role, a.region_code) for a in made} == {
        ("admin", "admin", ""), ("leader", "leader", b.COUNTY), ("inspector", "inspector", b.COUNTY),
        ("publicity", "publicity", b.COUNTY), ("township_leader", "leader", b.TOWNSHIP_A),
        ("township_inspector", "inspector", b.TOWNSHIP_A), ("township_clerk", "clerk", b.TOWNSHIP_A)}
    for account in made:
        assert _login(db_url, account.username, "demo1234", T0).account == account
    with session_scope(db_url) as s:  # running the demo again resets, never duplicates
        accounts.create_demo_accounts(s, b.COUNTY)
        assert len(s.scalars(select(User)).all()) == 7


def test_cookie_signature_and_age():
    value = sign_token("abc")
    assert unsign_token(value) == "abc"
    token, issued, signature = value.split(".")
    assert unsign_token(f"abd.{issued}.{signature}") is None
    assert unsign_token(f"{token}.{int(issued) - 1}.{signature}") is None
    assert unsign_token(value, now=int(issued) + 13 * 3600) is None
    assert unsign_token("") is None and unsign_token(None) is None and unsign_token("a.b.c") is None


# -- the command line ---------------------------------------------------------------------------


def _cli(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", "--db", url, "user", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=120)


def test_a_new_database_has_no_accounts_and_no_default_password(sqlite_url):
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        assert not accounts.has_users(s)
    listing = _cli(sqlite_url, "list")
    assert listing.returncode == 0 and "还没有账号" in listing.stdout
    for name in ("admin", "leader", "inspector", "publicity"):
        assert _login(sqlite_url, name, "demo1234", T0).account is None


def test_user_commands(sqlite_url):
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
    added = _cli(sqlite_url, "add", "zhao", "--role", "inspector", "--region", b.TOWNSHIP_B,
                 "--display-name", "赵督查", stdin="s3cret-pass\n")
    assert added.returncode == 0, added.stderr
    assert "已新建账号 zhao" in added.stdout
    assert _login(sqlite_url, "zhao", "s3cret-pass", T0).account.region_code == b.TOWNSHIP_B

    short = _cli(sqlite_url, "add", "qian", "--role", "leader", "--region", b.COUNTY, stdin="abc\n")
    assert short.returncode == 2 and "密码至少 8 位" in short.stderr and "Traceback" not in short.stderr
    no_region = _cli(sqlite_url, "add", "qian", "--role", "leader", stdin="12345678\n")
    assert no_region.returncode == 2 and "只有系统管理员可以不限地区" in no_region.stderr
    admin = _cli(sqlite_url, "add", "root", "--role", "admin", stdin="12345678\n")
    assert admin.returncode == 0, admin.stderr

    assert _cli(sqlite_url, "passwd", "zhao", stdin="new-pass-99\n").returncode == 0
    assert _login(sqlite_url, "zhao", "s3cret-pass", T0).account is None
    assert _login(sqlite_url, "zhao", "new-pass-99", T0).account is not None

    assert _cli(sqlite_url, "disable", "zhao").returncode == 0
    assert "停用" in _login(sqlite_url, "zhao", "new-pass-99", T0).message
    listing = _cli(sqlite_url, "list")
    assert "zhao" in listing.stdout and "已停用" in listing.stdout and "root" in listing.stdout
    assert _cli(sqlite_url, "enable", "zhao").returncode == 0
    missing = _cli(sqlite_url, "passwd", "nobody", stdin="12345678\n")
    assert missing.returncode == 2 and "nobody 不存在" in missing.stderr
    ops = [json.loads(e.detail)["op"] for e in _audit(sqlite_url, "user_admin")]
    assert ops == ["add", "add", "passwd", "disable", "enable"]


# -- the login page (AppTest; the browser test covers the cookie) --------------------------------


@pytest.fixture
def app_db(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        accounts.create_demo_accounts(s, b.COUNTY)
    return sqlite_url


def test_login_page_then_logout(app_db):
    at = app(user=None).run()
    assert at.title[0].value == "结对关爱督导台" and not at.metric  # nothing but the login form
    at.text_input(key="login_username").input("leader")
    at.text_input(key="login_password").input("wrong-password")
    at.button[0].click().run()
    assert "用户名或密码不正确" in at.error[0].value and not at.metric
    at.text_input(key="login_username").input("leader")
    at.text_input(key="login_password").input("demo1234")
    at.button[0].click().run()
    assert not at.exception
    assert "县领导（演示）" in texts(at) and "西和县" in texts(at)
    assert [e.username for e in _audit(app_db, "login")] == ["leader"]
    at.button(key="logout").click().run()
    assert at.title[0].value == "结对关爱督导台" and "您已退出登录" in at.info[0].value
    assert [e.username for e in _audit(app_db, "logout")] == ["leader"]


def test_audit_log_page_lists_and_filters(app_db):
    for name in ("leader", "inspector"):
        _login(app_db, name, "demo1234", T0)
    _login(app_db, "leader", "nope", T0)
    at = open_page("pages/audit_log.py")
    assert not at.exception
    frame = at.dataframe[0].value
    assert {"登录成功", "登录失败", "账号管理"} <= set(frame["操作"])
    at.selectbox(key="audit_user").select("leader").run()
    frame = at.dataframe[0].value
    assert set(frame["用户"]) == {"leader"} and len(frame) == 2
    assert "原因：密码错误" in " ".join(frame["详情"])
    at.multiselect(key="audit_actions").select("login_failed").run()
    assert list(at.dataframe[0].value["操作"]) == ["登录失败"]


def test_accounts_page_creates_an_account(app_db):
    at = open_page("pages/users.py")
    assert not at.exception
    assert set(at.dataframe[0].value["用户名"]) >= {"admin", "township_leader"}
    at.text_input(key="new_username").input("sun")
    at.text_input(key="new_display_name").input("孙乡长")
    at.selectbox(key="new_role").select("leader")
    at.selectbox(key="new_region").select(b.TOWNSHIP_B)
    at.text_input(key="new_password").input("sun-pass-1")
    at.text_input(key="new_repeat").input("sun-pass-1")
    next(btn for btn in at.button if btn.label == "新建账号").click().run()
    assert not at.exception
    assert "已新建账号 sun" in at.success[0].value
    assert _login(app_db, "sun", "sun-pass-1", T0).account.region_code == b.TOWNSHIP_B


def test_roles_without_the_right_cannot_open_admin_pages(app_db):
    leader = {"username": "leader", "role": "leader", "region_code": b.COUNTY, "display_name": ""}
    at = open_page("pages/users.py", user=leader)
    assert "无权打开“账号管理”页面" in at.error[0].value and not at.dataframe
    refused = _audit(app_db, "scope_refused")
    assert refused[-1].username == "leader" and refused[-1].target == "账号管理"


OIDC_SECRETS = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                         "client_id": "dashboard", "client_secret": "secret",
                         "server_metadata_url": "https://sso.example.gov.cn/.well-known/openid-configuration"}}


def test_identity_provider_login_maps_the_email_to_an_account(app_db):
    with session_scope(app_db) as s:
        accounts.create_user(s, "wang@xihe.gov.cn", "inspector", b.TOWNSHIP_B, None, "王督查",
                             actor=Actor("t", "admin"))
    at = app(user=None)
    at.secrets.update(OIDC_SECRETS)
    at.user = {"is_logged_in": False}
    at.run()
    assert any(btn.label == "使用统一身份认证登录" for btn in at.button)
    at.user = {"is_logged_in": True, "email": "Wang@Xihe.gov.cn"}
    at.run()
    assert not at.exception
    assert "王督查" in texts(at) and "长道镇" in texts(at)  # the account's own name and region
    assert json.loads(_audit(app_db, "login")[-1].detail) == {"method": "oidc"}

    stranger = app(user=None)
    stranger.secrets.update(OIDC_SECRETS)
    stranger.user = {"is_logged_in": True, "email": "someone@example.com"}
    stranger.run()
    assert "未在本系统登记或已停用" in stranger.error[0].value and not stranger.metric


# -- hardening: lock-out under parallel guesses, unknown names, the notice after a lock -----------------


def _checked_passwords(url: str) -> int:
    """Passwords actually verified: every wrong_password / unknown_user failure (a locked attempt
    checks none)."""
    return sum(json.loads(e.detail)["reason"] in ("wrong_password", "unknown_user")
               for e in _audit(url, "login_failed"))


@pytest.mark.parametrize("name", ["zhang", "nobody"])
def test_parallel_guessers_check_at_most_the_limit_of_passwords(with_user, name):
    from tests.parallel import guess_passwords, run_parallel

    answers = run_parallel(guess_passwords, [(with_user, name, 10, 5)] * 8)
    assert _checked_passwords(with_user) == 5  # 80 guesses, 8 at a time: only 5 passwords were tried
    messages = [m for worker in answers for m in worker]
    assert sum("锁定 15 分钟" in m for m in messages) == 1
    assert sum("分钟后再试" in m for m in messages) == 75
    # the lock holds afterwards: even the right password is refused
    locked = _login(with_user, name, "correct horse", dt.datetime.now())
    assert locked.account is None and "分钟后再试" in locked.message


def test_unknown_names_lock_like_real_ones_and_are_not_stored(with_user):
    real = [_login(with_user, "zhang", "bad password", T0).message for _ in range(4)]
    unknown = [_login(with_user, "zhangg", "bad password", T0).message for _ in range(4)]
    typed_password = [_login(with_user, "correct horse", "x", T0).message for _ in range(4)]
    assert real == unknown == typed_password == [
        "用户名或密码不正确。", "用户名或密码不正确。", "连续输错密码次数过多，账号已暂时锁定 15 分钟。",
        "连续输错密码次数过多，账号已暂时锁定，请 15 分钟后再试。"]
    with session_scope(with_user) as s:
        frame = accounts.list_users(s, Scope.for_region(b.COUNTY), now=T0)
    assert frame.set_index("用户名").loc["zhang", "状态"] == "锁定至 03-02 09:15"
    # a password typed into the name box is kept nowhere: not in the audit log, not in the throttle
    names = {e.username for e in _audit(with_user, "login_failed")}
    assert "zhang" in names and not {"zhangg", "correct horse"} & names
    assert all(n == "zhang" or n.startswith("未登记#") for n in names)
    with session_scope(with_user) as s:
        dumped = " ".join(str(v) for row in s.execute(select(accounts.LoginThrottle)).all() for v in row)
    assert "correct" not in dumped and "zhang" not in dumped


def test_the_user_is_told_at_the_next_login_that_the_account_was_locked(with_user):
    for _ in range(3):
        _login(with_user, "zhang", "bad", T0)
    later = T0 + dt.timedelta(minutes=20)
    ok = _login(with_user, "zhang", "correct horse", later)
    assert ok.account is not None and ok.notice == (
        "提示：您的账号曾于 2026-03-02 09:00 因连续输错密码被暂时锁定。如不是您本人所为，请尽快修改密码并告知系统管理员。")
    assert json.loads(_audit(with_user, "login")[-1].detail)["locked_at"] == "2026-03-02 09:00"
    assert _login(with_user, "zhang", "correct horse", later).notice == ""  # told once
    # the right password on the attempt that reaches the limit logs in, with no notice
    for _ in range(2):
        _login(with_user, "zhang", "bad", later)
    third = _login(with_user, "zhang", "correct horse", later)
    assert third.account is not None and third.notice == ""


def test_the_users_table_keeps_no_lockout_of_its_own(db_url, tmp_path):
    """Wrong passwords are counted per name typed (login_throttle); migration 0017 dropped the users
    row's unused failed_attempts / locked_until, keeping the accounts and the sessions that name
    them (SQLite recreates the table under foreign keys)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect, text

    from data_access.db import MIGRATIONS_DIR

    url = db_url
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:  # back to before the drop, with an account and its session
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0016")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO users (username, role, region_code, is_active, failed_attempts) "
                                "VALUES ('kept', 'admin', '', true, 0)"))
        connection.execute(text("INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen) "
                                "SELECT 'h', id, '2026-12-01', '2026-12-01' FROM users WHERE username = 'kept'"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    columns = {c["name"] for c in inspect(engine).get_columns("users")}
    assert {"username", "is_active"} <= columns and not columns & {"failed_attempts", "locked_until"}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM user_sessions s JOIN users u ON u.id = s.user_id "
                                       "WHERE u.username = 'kept'")).scalar_one() == 1
    engine.dispose()


def test_a_login_ticket_gives_its_session_token_once_and_only_in_time(with_user):
    """The login page's one-time ticket for the HttpOnly cookie (dashboard/server.py): exchanged
    once for the login's own token, within TICKET_SECONDS, while the session lives; the database
    keeps neither the ticket nor the token in the clear."""
    from data_access.models import LoginTicket

    account = _login(with_user, "zhang", "correct horse", T0).account
    now = dt.datetime.now()
    with session_scope(with_user) as s:
        token = accounts.start_session(s, account, now=now)
        ticket, late, ended = (accounts.issue_ticket(s, token, now=now) for _ in range(3))
    with session_scope(with_user) as s:
        kept = [(r.ticket_hash, r.sealed_token) for r in s.scalars(select(LoginTicket))]
    assert len(kept) == 3 and not any(ticket in v or token in v for row in kept for v in row)
    with session_scope(with_user) as s:
        assert accounts.redeem_ticket(s, ticket, now=now) == token
    with session_scope(with_user) as s:
        assert accounts.redeem_ticket(s, ticket, now=now) is None  # used
        assert accounts.redeem_ticket(s, "forged", now=now) is None
        too_late = now + dt.timedelta(seconds=accounts.TICKET_SECONDS + 1)
        assert accounts.redeem_ticket(s, late, now=too_late) is None
    with session_scope(with_user) as s:
        accounts.end_session(s, token)
    with session_scope(with_user) as s:
        assert accounts.redeem_ticket(s, ended, now=now) is None  # logged out before the exchange
        assert s.scalars(select(LoginTicket)).all() == []


def test_password_checks_take_turns_one_per_core(monkeypatch):
    """Each argon2id check holds 64 MiB: users logging in at once check one per core at a time
    (20 app sessions logging in together held 20 × 64 MiB)."""
    import threading
    import time

    checking, most, results = [0], [0], []
    count = threading.Lock()
    real = accounts._hasher.verify

    def counted(stored, password):
        with count:
            checking[0] += 1
            most[0] = max(most[0], checking[0])
        try:
            time.sleep(0.05)
            return real(stored, password)
        finally:
            with count:
                checking[0] -= 1

    class Counting:
        verify = staticmethod(counted)

    stored = accounts.hash_password("password-123")
    monkeypatch.setattr(accounts, "_hasher", Counting())
    users = [threading.Thread(target=lambda: results.append(accounts.verify_password(stored, "password-123")))
             for _ in range(6)]
    for user in users:
        user.start()
    for user in users:
        user.join()
    assert results == [True] * 6
    assert 1 <= most[0] <= (os.cpu_count() or 1)


def test_a_click_resumes_its_session_while_another_writer_holds_the_lock(sqlite_url):
    """The app resumes the session without writing (touch=False) and marks it seen apart
    (touch_session, in the background): on SQLite the touch inside the click waited for any other
    writer's lock (an import, a page storing derived figures). Idle expiry counts from the touch."""
    import sqlite3
    import time

    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        accounts.create_user(s, "zhang", "leader", b.TOWNSHIP_A, "correct horse", actor=Actor("test", "admin"))
    account = _login(sqlite_url, "zhang", "correct horse", T0).account
    with session_scope(sqlite_url) as s:
        token = accounts.start_session(s, account, now=T0)
    later = T0 + dt.timedelta(minutes=20)
    writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        started = time.monotonic()
        with session_scope(sqlite_url) as s:
            assert accounts.resume_session(s, token, now=later, settings=STRICT, touch=False).username == "zhang"
        assert time.monotonic() - started < 5
    finally:
        writer.rollback()
        writer.close()
    with session_scope(sqlite_url) as s:
        accounts.touch_session(s, token, now=later)
    with session_scope(sqlite_url) as s:  # 45 minutes after the login, 25 after the touch: alive
        assert accounts.resume_session(s, token, now=later + dt.timedelta(minutes=25), settings=STRICT,
                                       touch=False) is not None
    with session_scope(sqlite_url) as s:  # 31 minutes after the touch: expired
        assert accounts.resume_session(s, token, now=later + dt.timedelta(minutes=31), settings=STRICT) is None
