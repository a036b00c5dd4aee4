"""The login frame around every page: who is using the app, the Chinese login page, logout, the
session cookie that keeps a browser logged in across reloads and tabs, the identity-provider
log-in (st.login) when `.streamlit/secrets.toml` has an [auth] section, and the refusals the entry
shows when someone reaches past their role or region.

The browser keeps only a signed, expiring cookie `pcd_session` = token.issued.signature; the
server keeps the token's hash in `user_sessions` (data_access.accounts), so logout and inactivity
end a session on the server whatever the browser still holds. The cookie is HttpOnly: no script
in a page can read or set it. After a password login the page hands its browser a one-time ticket
(accounts.issue_ticket) that a small script posts to the server route /session/start
(dashboard/server.py), whose answer sets the cookie; logout posts to /session/end, which ends the
cookie's session on the server and deletes the cookie. Streamlit reads cookies from the request
that opened the page (st.context.cookies), HttpOnly ones included.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlparse

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.cache import query, write
from data_access import accounts, audit, regions
from data_access.config import get_settings, secret_key
from data_access.db import session_scope
from data_access.permissions import Actor
from data_access.scope import Scope

log = logging.getLogger(__name__)

COOKIE = "pcd_session"
_USER = "_auth_user"
_TOKEN = "_auth_token"
_NOTICE = "_auth_notice"
_LOGGED_OUT = "_auth_logged_out"
_TICKET = "_auth_ticket"
_WANTED = "_auth_wanted_page"
_CLEAR_COOKIE = "_auth_clear_cookie"
_LOCK_NOTICE = "_auth_lock_notice"
_APPTEST_SESSION_ID = "test session id"  # the fixed session id of streamlit.testing's AppTest
APPTEST_USER = "_apptest_user"
PAGE_NOT_FOUND = "_page_not_found"  # set instead of Streamlit's English "Page not found" dialog (app.py)


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: str
    region_code: str
    display_name: str = ""

    @property
    def scope(self) -> Scope:
        return Scope.for_region(self.region_code)

    @property
    def role_label(self) -> str:
        return accounts.ROLE_LABELS.get(self.role, self.role)

    @property
    def actor(self) -> Actor:
        """Who acts, as data_access writes and exports take it (`actor=`)."""
        return Actor(self.username, self.role, self.scope)


def _user(account: accounts.Account) -> CurrentUser:
    return CurrentUser(account.username, account.role, account.region_code, account.display_name)


# -- the signed cookie --------------------------------------------------------------------------


def _signing_key() -> bytes:
    return secret_key()


def _signature(payload: str) -> str:
    return hmac.new(_signing_key(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def sign_token(token: str, issued: int | None = None) -> str:
    payload = f"{token}.{int(issued if issued is not None else time.time())}"
    return f"{payload}.{_signature(payload)}"


def tampered(value: str | None) -> bool:
    """A cookie value whose signature does not match (forged or altered), as opposed to one that
    merely expired."""
    try:
        token, issued, signature = (value or "").split(".")
    except ValueError:
        return bool(value)
    return not hmac.compare_digest(signature, _signature(f"{token}.{issued}"))


def unsign_token(value: str | None, now: float | None = None) -> str | None:
    """The token inside a cookie value, or None when the signature is wrong or it is too old."""
    try:
        token, issued, signature = (value or "").split(".")
        age = (now if now is not None else time.time()) - int(issued)
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _signature(f"{token}.{issued}")):
        return None
    return token if 0 <= age <= get_settings().session_max_hours * 3600 else None


START_PATH = "/session/start"  # the routes of dashboard/server.py
END_PATH = "/session/end"


def _start_script(ticket: str) -> str:
    """Exchange the login's one-time ticket for the HttpOnly cookie (dashboard/server.py)."""
    return (f"<script>fetch('{START_PATH}', {{method: 'POST', credentials: 'same-origin', "
            f"headers: {{'Content-Type': 'text/plain'}}, body: '{ticket}'}});</script>")


def _end_script() -> str:
    """End the cookie's session on the server and delete the cookie (dashboard/server.py)."""
    return f"<script>fetch('{END_PATH}', {{method: 'POST', credentials: 'same-origin'}});</script>"


# -- who is logged in ---------------------------------------------------------------------------


def _apptest_user() -> CurrentUser | None:
    """Test hook: under streamlit.testing's AppTest only, a test may put the user's fields in
    st.session_state[APPTEST_USER]. A served app never has this session id, so it never applies."""
    ctx = get_script_run_ctx()
    fields = st.session_state.get(APPTEST_USER)
    if ctx is None or ctx.session_id != _APPTEST_SESSION_ID or not fields:
        return None
    return CurrentUser(**fields)


def _identity_provider_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return False


def _remember(account: accounts.Account, token: str) -> CurrentUser:
    st.session_state[_USER] = _user(account)
    st.session_state[_TOKEN] = token
    st.session_state.pop(_LOGGED_OUT, None)
    st.session_state.pop(_CLEAR_COOKIE, None)
    return st.session_state[_USER]


def _forget() -> None:
    for key in (_USER, _TOKEN, _TICKET):
        st.session_state.pop(key, None)


def _resume() -> CurrentUser | None:
    """The user of this browser session, checked against the server on every run."""
    token = st.session_state.get(_TOKEN)
    if token is not None:
        account = write(accounts.resume_session, token, touch=False)
        if account is not None:
            _touch_later(token)
            st.session_state[_USER] = _user(account)
            return st.session_state[_USER]
        _forget()
        st.session_state[_NOTICE] = "长时间未操作或登录已失效，请重新登录。"
        st.session_state[_LOGGED_OUT] = st.session_state[_CLEAR_COOKIE] = True
        return None
    if st.session_state.get(_LOGGED_OUT):
        return None
    cookie = st.context.cookies.get(COOKIE)
    token = unsign_token(cookie)
    if token is not None:
        account = write(accounts.resume_session, token)
        if account is not None:
            return _remember(account, token)
    if cookie and not st.session_state.get(_CLEAR_COOKIE):
        if tampered(cookie):  # forged or altered: audited (once per browser session), never trusted
            write(audit.record, None, "cookie_refused", None, f"{COOKIE} {cookie}",
                  {"reason": "bad_signature", "length": len(cookie)})
        st.session_state[_CLEAR_COOKIE] = True
        st.session_state[_NOTICE] = "登录已失效（长时间未操作或已退出），请重新登录。"
    if _identity_provider_configured() and st.user.is_logged_in:
        account, token = write(accounts.identity_login, st.user.get("email"))
        if account is None:
            _identity_refused()
        return _remember(account, token)
    return None


# The session's last_seen is written by one background thread, not inside the click: on SQLite the
# write waited for the lock of any other writer (an import, a page storing its derived figures).
_TOUCHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session-touch")
_TOUCHED = "_auth_touched"


def _touch_later(token: str) -> None:
    now = time.monotonic()
    if now - st.session_state.get(_TOUCHED, float("-inf")) < accounts.TOUCH_EVERY.total_seconds():
        return
    st.session_state[_TOUCHED] = now
    _TOUCHING.submit(_touch, get_settings().database_url, token)


def _touch(url: str, token: str) -> None:
    try:
        with session_scope(url) as session:
            accounts.touch_session(session, token)
    except Exception:  # noqa: BLE001 - the next click's touch tries again
        log.warning("could not mark the login session seen", exc_info=True)


def _identity_refused() -> None:
    st.error(f"您的统一身份认证账号（{st.user.get('email') or '未提供邮箱'}）未在本系统登记或已停用，"
             "请联系系统管理员开通。", icon=":material/block:")
    if st.button("退出统一身份认证"):
        st.logout()
    st.stop()


def require_user() -> CurrentUser:
    """The logged-in user; otherwise the login page is shown and the run stops. The URL (page and
    its filters) is left as it is, so a shared link opens where it points right after login."""
    test_user = _apptest_user()
    if test_user is not None:
        _account_box(test_user)
        return test_user
    user = _resume()
    if user is None:
        user = _login_page()
    ticket = st.session_state.get(_TICKET)
    if ticket:  # written on every run of a password session: the same element, so it runs once
        st.sidebar.html(_start_script(ticket), unsafe_allow_javascript=True)
    _account_box(user)
    lock_notice = st.session_state.pop(_LOCK_NOTICE, None)
    if lock_notice:  # once, on the first page after logging in
        st.warning(lock_notice, icon=":material/lock_clock:")
    return user


def _login_placeholder() -> None:
    """The one page known while logged out; the login form itself is drawn by the entry script."""


def _login_page() -> CurrentUser:
    """The login form. Returns the user when this run logged in; otherwise stops the run."""
    if not st.session_state.get(_LOGGED_OUT):
        st.session_state.setdefault(_WANTED, _requested_page())
    else:  # a page list of only the login: the previous user's pages leave the sidebar
        st.navigation([st.Page(_login_placeholder, title="登录", default=True)], position="hidden")
        st.session_state.pop(PAGE_NOT_FOUND, None)
    box = st.empty()
    with box.container():
        if st.session_state.get(_CLEAR_COOKIE):  # inside the box: a login in this run removes it unrun
            st.html(_end_script(), unsafe_allow_javascript=True)
        _, middle, _ = st.columns([1, 1.2, 1])
        with middle:
            st.title("结对关爱督导台")
            st.caption("三类困难群体结对关爱工作督导 · 请使用本人账号登录")
            notice = st.session_state.pop(_NOTICE, None)
            if notice:
                st.info(notice, icon=":material/info:")
            with st.form("login", border=True):
                username = st.text_input("用户名", key="login_username", autocomplete="username")
                password = st.text_input("密码", type="password", key="login_password",
                                         autocomplete="current-password")
                submitted = st.form_submit_button("登录", type="primary", width="stretch")
            if _identity_provider_configured():
                st.divider()
                if st.button("使用统一身份认证登录", width="stretch"):
                    st.login()
            st.caption("本系统含困难群众个人信息，仅限工作人员按职责使用；所有登录、查看和导出均有记录。")
            if submitted:
                if not username.strip() or not password:
                    st.error("请输入用户名和密码。")
                    st.stop()
                result, token = write(accounts.password_login, username, password)
                if result.account is None:
                    st.error(result.message, icon=":material/lock:")
                    st.stop()
    if not submitted:
        st.stop()
    box.empty()
    for key in ("login_username", "login_password"):
        st.session_state.pop(key, None)
    st.session_state[_TICKET] = write(accounts.issue_ticket, token)
    if result.notice:
        st.session_state[_LOCK_NOTICE] = result.notice
    return _remember(result.account, token)


def _requested_page() -> str | None:
    """The page path of the address the browser opened (before login the app knows no pages, so
    st.context.url still ends with it), e.g. 'audit_log' for http://host/audit_log?region=…"""
    url = st.context.url or ""
    return urlparse(url).path.rstrip("/").rsplit("/", 1)[-1] or None


def wanted_page() -> str | None:
    """Once, right after login: the page path the browser asked for before it (a shared link)."""
    return st.session_state.pop(_WANTED, None) if _USER in st.session_state else None


def _account_box(user: CurrentUser) -> None:
    with st.sidebar.container(border=True):
        region = query(regions.get, user.region_code) if user.region_code else None
        where = region.name if region else user.region_code or "全部地区"
        st.markdown(f"**{user.display_name or user.username}**  \n{user.role_label} · {where}")
        if st.button("退出登录", key="logout", icon=":material/logout:", width="stretch"):
            logout()


def logout() -> None:
    """End the session on the server, forget it here, delete the cookie (on the login page)."""
    token = st.session_state.get(_TOKEN)
    if token is not None:
        write(accounts.end_session, token)
    _forget()
    st.session_state[_LOGGED_OUT] = st.session_state[_CLEAR_COOKIE] = True
    st.session_state[_NOTICE] = "您已退出登录。"
    if _identity_provider_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()


# -- refusals -----------------------------------------------------------------------------------


def refuse_page(user: CurrentUser, title: str, script: str) -> None:
    """A page the user's role may not open, reached by its address: say so and audit it."""
    write(audit.record, user.username, "scope_refused", user.region_code or None, title, {"role": user.role})
    st.error(f"您的账号（{user.role_label}）无权打开“{title}”页面。如工作需要，请联系系统管理员。",
             icon=":material/block:")


def refuse_region(user: CurrentUser, requested: str) -> None:
    """A region outside the user's scope asked for in the URL: say so and audit it."""
    write(audit.record, user.username, "scope_refused", user.region_code or None, requested,
          {"region": requested, "role": user.role})
    st.error(f"链接中的地区（区划代码 {requested}）不在您账号的查看范围内，已改为显示您有权查看的地区。",
             icon=":material/block:")


def refuse_record(user: CurrentUser, what: str, value: str) -> None:
    """A record named in a link (e.g. ?cadre=…) that is not inside the user's scope: say so and
    audit it. For pages that read a record id from the URL and find nothing in the scope."""
    write(audit.record, user.username, "scope_refused", user.region_code or None, f"{what} {value}"[:200],
          {"record": what, "value": value, "role": user.role})
    st.error(f"链接中的{what}（{value}）不存在或不在您账号的查看范围内。", icon=":material/block:")
